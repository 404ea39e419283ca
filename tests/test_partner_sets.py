"""Partner sets: the greedy choice on hand-made cover matrices, and the set in a response."""

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher import cli
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.needs.partners import RELEVANCE_FLOOR, Pick, choose, objective, relative
from matcher.schemas import NeedRequest, RecommendationFilters, RecommendationResponse, Result
from matcher.settings import EncoderSettings, RankingSettings, Settings
from tests.support.catalogue import ENTITIES, write_catalogue

THREE_PARTS = (
    "Recycling lithium-ion batteries; fall prevention for elderly people at home; "
    "fraud detection for payments"
)
NEEDS = [
    THREE_PARTS,
    "battery recycling of black mass and elderly care robots at home",
    "We recycle lithium-ion batteries and need a pilot line for black mass leaching",
    "fraud detection for payments",
]

# Rows: the top entity, two near-duplicates of it, and two specialists for the other aspects.
TOP, TWIN, TRIPLET, LAW, CARE = range(5)
COVER = np.array(
    [
        [1.00, 0.20, 0.10],
        [0.95, 0.20, 0.10],
        [0.90, 0.15, 0.10],
        [0.10, 1.00, 0.00],
        [0.00, 0.10, 1.00],
    ]
)
RELEVANCE = np.array([1.0, 0.95, 0.9, 0.5, 0.3])
DISCIPLINES = [["chemistry"], ["chemistry"], ["chemistry"], ["law"], ["nursing"]]
KINDS = ["company"] * 5


def rows(picks: list[Pick]) -> list[int]:
    return [p.row for p in picks]


def test_two_specialists_beat_two_twins_of_the_top_entity() -> None:
    picks = choose(COVER, RELEVANCE, DISCIPLINES, KINDS, min_size=3, max_size=3)
    assert rows(picks) == [TOP, LAW, CARE]
    assert [p.aspect for p in picks] == [0, 1, 2]
    assert [p.new_disciplines for p in picks] == [("chemistry",), ("law",), ("nursing",)]
    chosen = objective(rows(picks), COVER, RELEVANCE, DISCIPLINES, KINDS)
    assert chosen > objective([TOP, TWIN, TRIPLET], COVER, RELEVANCE, DISCIPLINES, KINDS)


def test_the_hand_made_set_is_the_best_of_its_size() -> None:
    sets = itertools.combinations(range(len(COVER)), 3)
    best = max(sets, key=lambda s: objective(list(s), COVER, RELEVANCE, DISCIPLINES, KINDS))
    assert set(best) == {TOP, LAW, CARE}
    picks = choose(COVER, RELEVANCE, DISCIPLINES, KINDS, min_size=3, max_size=3)
    assert set(rows(picks)) == set(best)


def test_relevance_alone_does_not_earn_a_place() -> None:
    picks = choose(COVER, RELEVANCE, DISCIPLINES, KINDS, min_size=1, max_size=6)
    assert rows(picks) == [TOP, LAW, CARE]


def test_the_set_never_grows_past_max_size() -> None:
    assert rows(choose(COVER, RELEVANCE, DISCIPLINES, KINDS, min_size=1, max_size=2)) == [TOP, LAW]
    assert choose(COVER[:0], RELEVANCE[:0], [], []) == []


def test_min_size_fills_the_set_even_without_gain() -> None:
    picks = choose(COVER, RELEVANCE, DISCIPLINES, KINDS, min_size=4, max_size=6)
    assert rows(picks) == [TOP, LAW, CARE, TWIN]


def test_a_new_kind_tips_the_balance_between_equal_coverers() -> None:
    cover = np.array([[1.0, 0.0], [0.0, 0.5], [0.0, 0.5]])
    relevance = np.array([1.0, 0.5, 0.5])
    disciplines = [["chemistry"]] * 3
    kinds = ["company", "company", "researcher"]
    picks = choose(cover, relevance, disciplines, kinds, min_size=2, max_size=2)
    assert rows(picks) == [0, 2]


def test_relevance_floor_keeps_weak_specialists_out() -> None:
    scores = np.array([1.0, 0.95, 0.9, 0.9, 0.3])
    floor = 0.85
    picks = choose(
        COVER, RELEVANCE, DISCIPLINES, KINDS, min_size=3, max_size=3, scores=scores, floor=floor
    )
    assert rows(picks) == [TOP, LAW, TWIN]
    assert CARE not in rows(picks)
    assert float(scores[rows(picks)].mean()) >= floor
    unbounded = choose(COVER, RELEVANCE, DISCIPLINES, KINDS, min_size=3, max_size=3, scores=scores)
    assert rows(unbounded) == [TOP, LAW, CARE]


def test_every_prefix_of_the_set_stays_within_the_budget() -> None:
    rng = np.random.default_rng(7)
    for _ in range(30):
        cover = rng.random((8, 3))
        scores = rng.random(8)
        floor = float(np.sort(scores)[::-1][:5].mean()) * RELEVANCE_FLOOR
        picks = choose(
            cover, relative(scores), [["a"]] * 8, ["company"] * 8, 1, 6, scores=scores, floor=floor
        )
        assert picks
        for size in range(1, len(picks) + 1):
            assert float(scores[rows(picks[:size])].mean()) >= floor - 1e-12


def test_when_nothing_fits_the_budget_the_best_scores_fill_min_size() -> None:
    scores = np.array([1.0, 0.95, 0.9, 0.9, 0.3])
    picks = choose(
        COVER, RELEVANCE, DISCIPLINES, KINDS, min_size=2, max_size=5, scores=scores, floor=5.0
    )
    assert rows(picks) == [TOP, TWIN]
    assert all(p.gain == 0.0 for p in picks)


def test_without_aspects_members_cover_none() -> None:
    cover = np.zeros((3, 0))
    picks = choose(cover, np.array([1.0, 0.5, 0.2]), [["a"], ["b"], ["c"]], ["company"] * 3)
    assert rows(picks) == [0, 1, 2]
    assert all(p.aspect is None for p in picks)


def test_a_candidate_that_covers_no_aspect_is_never_a_member() -> None:
    cover = np.array([[0.0, 1.0], [0.0, 0.0]])
    picks = choose(cover, np.array([1.0, 0.0]), [["chemistry"], ["care"]], ["company"] * 2, 2, 2)
    assert rows(picks) == [0]  # min_size is not filled with a passenger
    assert picks[0].aspect == 1
    scores = np.array([0.2, 1.0])
    fallback = choose(
        cover, np.array([0.2, 1.0]), [["a"], ["b"]], ["company"] * 2, 2, 2, scores, 9.0
    )
    assert rows(fallback) == [0]  # nor when nothing fits the relevance budget


def test_variety_alone_does_not_earn_a_place() -> None:
    cover = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 0.6]])
    disciplines = [["chemistry"], ["design", "psychology", "law"], ["chemistry"]]
    picks = choose(cover, np.array([1.0, 0.9, 0.5]), disciplines, ["company"] * 3, 1, 3)
    assert rows(picks) == [0, 2]


def test_greedy_is_within_the_submodular_bound_of_the_objective() -> None:
    rng = np.random.default_rng(11)
    names = ["chemistry", "law", "nursing", "data science"]
    for _ in range(40):
        cover = rng.random((7, 3)) * (rng.random((7, 3)) > 0.4)
        relevance = rng.random(7)
        disciplines = [
            list(rng.choice(names, size=rng.integers(1, 3), replace=False)) for _ in range(7)
        ]
        kinds = list(rng.choice(["company", "researcher"], size=7))
        picks = choose(cover, relevance, disciplines, kinds, min_size=3, max_size=3)
        value = objective(rows(picks), cover, relevance, disciplines, kinds)
        best = max(
            objective(list(s), cover, relevance, disciplines, kinds)
            for s in itertools.combinations(range(7), 3)
        )
        assert value >= (1 - 1 / math.e) * best
        assert sum(p.gain for p in picks) <= value + 1e-3, "gated gains never exceed F's"


def test_objective_grows_with_every_member() -> None:
    assert objective([], COVER, RELEVANCE, DISCIPLINES, KINDS) == 0.0
    members: list[int] = []
    last = 0.0
    for row in [TWIN, TOP, CARE, TRIPLET, LAW]:
        members.append(row)
        value = objective(members, COVER, RELEVANCE, DISCIPLINES, KINDS)
        assert value >= last
        last = value


def test_relative_scores() -> None:
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    assert relative(values).tolist() == [0.0, 0.0, 0.0, 0.5, 1.0]
    assert relative(values, floor=1.0).tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert relative(np.array([2.0, 2.0])).tolist() == [1.0, 1.0]
    assert len(relative(np.array([]))) == 0


def everything(response: RecommendationResponse) -> list[Result]:
    return response.results + response.testbeds + (response.partner_set or [])


@pytest.mark.parametrize("need", NEEDS)
def test_every_member_has_an_aspect_and_a_complements_reason(engine: Matcher, need: str) -> None:
    response = engine.recommend(NeedRequest(need=need))
    labels = {a.label for a in response.aspects}
    assert response.partner_set
    for member in response.partner_set:
        complements = member.reasons.complements
        assert complements, member.id
        if member.reasons.aspect is None:
            assert complements.startswith("Fits the need as a whole"), member.id
        else:
            assert member.reasons.aspect in labels, member.id
            assert complements.startswith(f"Covers the {member.reasons.aspect} part")
        assert ("alongside" in complements) == (len(response.partner_set) > 1)
        assert member.score > 0, "only entities with evidence of relevance join"
        assert member.kind in {"company", "researcher"}
    for result in everything(response):
        assert result.reasons.evidence, result.id
        assert result.disciplines == list(engine.get(result.id).disciplines)  # type: ignore[union-attr]


def test_partner_set_covers_each_part_of_the_need(engine: Matcher) -> None:
    response = engine.recommend(NeedRequest(need=THREE_PARTS, top_k=3))
    assert response.partner_set is not None
    members = {m.id: m.reasons.aspect for m in response.partner_set}
    assert members == {
        "researcher:ann-metals": "chemistry",
        "researcher:bo-care": "nursing and care",
        "company:ledger-safe": "data science",
    }
    assert "company:ledger-safe" not in [r.id for r in response.results]
    for aspect in response.aspects:
        assert set(aspect.covered_by) <= set(members)
    covered = {a.label: a.covered_by for a in response.aspects}
    assert covered["data science"] == ["company:ledger-safe"]
    assert covered["nursing and care"] == ["researcher:bo-care"]


def test_member_scores_are_their_whole_need_scores(engine: Matcher) -> None:
    for need in NEEDS:
        response = engine.recommend(NeedRequest(need=need, top_k=100))
        listed = {r.id: r.score for r in response.results}
        for member in response.partner_set or []:
            assert member.score == listed[member.id]


@pytest.mark.parametrize("need", NEEDS)
def test_partner_set_respects_the_relevance_floor(engine: Matcher, need: str) -> None:
    response = engine.recommend(NeedRequest(need=need, top_k=100))
    top = [r.score for r in response.results][:5]
    mean = sum(top) / len(top)
    floor = mean - (1 - RELEVANCE_FLOOR) * abs(mean)
    members = [m.score for m in response.partner_set or []]
    relevant = [r for r in response.results if r.score > 0]
    assert len(members) >= min(3, len(relevant))
    assert sum(members) / len(members) >= floor - 1e-3


def test_partner_set_can_be_skipped(engine: Matcher) -> None:
    skipped = engine.recommend(NeedRequest(need=THREE_PARTS, partner_set=False))
    assert skipped.partner_set is None
    assert skipped.results and skipped.aspects
    assert all(a.covered_by == [] for a in skipped.aspects)
    labs_only = engine.recommend(NeedRequest(need=THREE_PARTS, kinds=["lab"]))
    assert labs_only.partner_set is None


def test_partner_set_keeps_to_the_requested_kinds_and_filters(engine: Matcher) -> None:
    researchers = engine.recommend(NeedRequest(need=THREE_PARTS, kinds=["researcher"]))
    assert researchers.partner_set
    assert {m.kind for m in researchers.partner_set} == {"researcher"}
    solna = RecommendationFilters(municipalities=["Solna"])
    local = engine.recommend(NeedRequest(need=THREE_PARTS, filters=solna))
    assert local.partner_set
    assert {m.id for m in local.partner_set} <= {"company:care-robotics", "researcher:bo-care"}
    assert all(m.reasons.constraints == ["in Solna"] for m in local.partner_set)


def test_researchers_without_consent_are_never_members(engine: Matcher) -> None:
    needs = [*NEEDS, "Battery recycling of lithium-ion batteries, black mass", "Hidden Person"]
    for need in needs:
        for kinds in (None, ["researcher"]):
            response = engine.recommend(NeedRequest(need=need, kinds=kinds, top_k=100))
            assert "researcher:hidden-person" not in [r.id for r in everything(response)]
            for aspect in response.aspects:
                assert "researcher:hidden-person" not in aspect.covered_by


def co(slug: str, description: str, discipline: str) -> dict:
    return {
        "id": f"company:{slug}",
        "kind": "company",
        "name": slug.replace("-", " ").title(),
        "description": description,
        "disciplines": [discipline],
    }


LEACHING = [
    co("leach-one", "Battery recycling of black mass by leaching.", "chemistry"),
    co("leach-two", "Leaching of black mass from battery recycling.", "chemistry"),
    co("cell-machines", "Battery recycling machines that open battery cells.", "mechanics"),
]


@pytest.fixture(scope="module")
def leaching(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    folder = tmp_path_factory.mktemp("leaching")
    settings = Settings(data_dir=folder / "data", encoder=EncoderSettings(name="fake"))
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(folder / "catalogue.jsonl", ENTITIES + LEACHING)))
    return matcher


@pytest.mark.parametrize(
    ("default", "asked", "third"),
    [
        (False, None, "company:battery-loop"),
        (False, False, "company:battery-loop"),
        (False, True, "company:cell-machines"),
        (True, None, "company:cell-machines"),
        (True, False, "company:battery-loop"),
        (True, True, "company:cell-machines"),
    ],
)
def test_diversify_follows_the_request_else_the_settings(
    leaching: Matcher, default: bool, asked: bool | None, third: str
) -> None:
    ranking = RankingSettings(diversify=default)
    settings = leaching.settings.model_copy(update={"ranking": ranking})
    matcher = Matcher(settings, encoder=FakeEncoder())
    request = NeedRequest(
        need="battery recycling of black mass by leaching",
        kinds=["company", "researcher"],
        top_k=3,
        diversify=asked,
    )
    shown = [r.id for r in matcher.recommend(request).results]
    assert shown == ["company:leach-one", "company:leach-two", third]


def test_partner_set_through_the_api(engine: Matcher) -> None:
    client = TestClient(create_app(engine.settings, encoder=FakeEncoder()))
    body = client.post("/v1/recommendations", json={"need": THREE_PARTS}).json()
    assert len(body["partner_set"]) >= 3
    assert {a["id"] for a in body["aspects"]} >= {"a1", "a2", "a3"}
    for member in body["partner_set"]:
        assert member["reasons"]["aspect"] and member["reasons"]["complements"]
        assert member["disciplines"]
    skipped = client.post("/v1/recommendations", json={"need": THREE_PARTS, "partner_set": False})
    assert skipped.status_code == 200 and skipped.json()["partner_set"] is None
    wrong = client.post("/v1/recommendations", json={"need": THREE_PARTS, "partner_set": "maybe"})
    assert wrong.status_code == 422 and "partner_set" in wrong.json()["error"]["message"]


def test_cli_partner_set_and_no_partner_set(
    cli_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert cli.main(["recommend", THREE_PARTS]) == 0
    text = capsys.readouterr().out
    assert "Aspects of the need" in text and "Partner set" in text
    assert "Covers the data science part of the need" in text
    assert cli.main(["recommend", THREE_PARTS, "--no-partner-set"]) == 0
    assert "Partner set" not in capsys.readouterr().out
    assert cli.main(["recommend", THREE_PARTS, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["partner_set"]
    assert cli.main(["recommend", THREE_PARTS, "--json", "--no-partner-set"]) == 0
    assert json.loads(capsys.readouterr().out)["partner_set"] is None
