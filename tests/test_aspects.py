"""Need analysis: clauses, the catalogue's disciplines, and aspects grouped from them."""

from pathlib import Path

import numpy as np
import pytest

from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.needs.aspects import (
    MAX_ASPECTS,
    MAX_SEGMENTS,
    AspectDraft,
    DisciplineMap,
    combined,
    content_words,
    group,
    key_terms,
    labels,
    segments,
    votes,
)
from matcher.schemas import Company, NeedRequest
from matcher.settings import Settings
from tests.support.catalogue import ENTITIES, write_catalogue

THREE_PARTS = (
    "Recycling lithium-ion batteries; fall prevention for elderly people at home; "
    "fraud detection for payments"
)


def company(slug: str, *disciplines: str) -> Company:
    return Company(
        id=f"company:{slug}", name=slug.title(), description=slug, disciplines=list(disciplines)
    )


@pytest.fixture
def catalogue() -> list[Company]:
    return [
        company("c1", "chemistry"),
        company("c2", "chemistry", "materials"),
        company("c3", "materials"),
        company("c4", "law"),
        company("c5"),
    ]


@pytest.mark.parametrize(
    ("need", "clauses"),
    [
        (
            "We recycle lithium-ion batteries and need EU regulatory advice",
            ["We recycle lithium-ion batteries", "need EU regulatory advice"],
        ),
        ("battery recycling and AI", ["battery recycling and AI"]),
        (
            "Sensor platform for elderly care. We also need clinical validation in hospitals.",
            ["Sensor platform for elderly care", "We also need clinical validation in hospitals"],
        ),
        (
            "battery chemistry; machine learning models - user studies with patients",
            ["battery chemistry", "machine learning models", "user studies with patients"],
        ),
        (
            "battery chemistry – user studies with patients: legal advice on medical devices",
            ["battery chemistry", "user studies with patients", "legal advice on medical devices"],
        ),
        (
            "Vi återvinner litiumjonbatterier och behöver juridisk rådgivning om EU-regler "
            "samt en testbädd för pilotförsök",
            [
                "Vi återvinner litiumjonbatterier",
                "behöver juridisk rådgivning om EU-regler",
                "en testbädd för pilotförsök",
            ],
        ),
        (
            "sensor networks for water quality as well as citizen science apps",
            ["sensor networks for water quality", "citizen science apps"],
        ),
        ("help find partners", ["help find partners"]),
        ("a, b", ["a, b"]),
    ],
)
def test_segments_split_a_need_into_clauses(need: str, clauses: list[str]) -> None:
    assert segments(need) == clauses


def test_short_fragments_join_their_neighbour() -> None:
    assert segments("AI and battery recycling") == ["AI and battery recycling"]
    assert segments("battery recycling, cobalt and AI") == ["battery recycling, cobalt and AI"]
    for clause in segments("machine vision and robots and sensors and nursing homes"):
        assert len(content_words(clause)) >= 2, clause


def test_segments_keep_every_content_word() -> None:
    needs = [
        THREE_PARTS,
        "We recycle lithium-ion batteries and need EU regulatory advice, plus a pilot plant",
        "AI models for fraud while banking apps need privacy law",
        "Vi utvecklar en AI-baserad metod för att återvinna batterier och söker en testbädd",
        "; ".join(f"topic{i} word{i}" for i in range(15)),
    ]
    for need in needs:
        found = [w for clause in segments(need) for w in content_words(clause)]
        wanted = [w for w in content_words(need) if w not in {"plus", "while"}]
        assert sorted(found) == sorted(wanted), need


def test_long_needs_are_merged_down_to_the_segment_limit() -> None:
    need = "; ".join(f"topic{i} word{i}" for i in range(15))
    clauses = segments(need)
    assert len(clauses) == MAX_SEGMENTS
    assert "; ".join(clauses) == need


def test_content_words_leave_out_what_any_need_would_say() -> None:
    text = "We need a startup partner to help develop a battery recycling solution in Stockholm"
    assert content_words(text) == ["battery", "recycling"]
    assert key_terms("battery battery recycling of cobalt and nickel from black mass") == [
        "battery",
        "recycling",
        "cobalt",
        "nickel",
    ]


def test_discipline_map_counts_and_relates_disciplines(catalogue: list[Company]) -> None:
    disciplines = DisciplineMap(catalogue)
    assert disciplines.names == ["chemistry", "law", "materials"]
    assert disciplines.frequency == {"chemistry": 2.0, "law": 1.0, "materials": 2.0}
    assert disciplines.total == 5
    assert disciplines.related("law", "law") == 1.0
    assert disciplines.related("chemistry", "materials") == pytest.approx(0.5)
    assert disciplines.related("materials", "chemistry") == pytest.approx(0.5)
    assert disciplines.related("chemistry", "law") == 0.0
    assert disciplines.related("chemistry", "astronomy") == 0.0
    assert disciplines.rarity("law") == pytest.approx(5**0.25)
    assert disciplines.rarity("law") > disciplines.rarity("chemistry")


def test_discipline_fit(catalogue: list[Company]) -> None:
    disciplines = DisciplineMap(catalogue)
    assert disciplines.fit(None, []) == 1.0
    assert disciplines.fit("chemistry", ["chemistry"]) == 1.0
    assert disciplines.fit("chemistry", ["law", "materials"]) == pytest.approx(0.5)
    assert disciplines.fit("chemistry", ["law"]) == 0.0
    assert disciplines.fit("chemistry", []) == 0.0


def test_an_empty_catalogue_has_no_disciplines() -> None:
    disciplines = DisciplineMap([company("plain")])
    assert disciplines.names == []
    assert disciplines.related("a", "b") == 0.0
    assert disciplines.name_scores(np.ones(4)) == {}


def test_name_scores_point_at_the_standing_out_name(catalogue: list[Company]) -> None:
    disciplines = DisciplineMap(catalogue)
    assert disciplines.name_scores(np.array([0.0, 1.0, 0.0])) == {}
    disciplines.vectors = np.eye(3)
    assert disciplines.name_scores(np.array([0.0, 1.0, 0.0])) == {
        "chemistry": 0.0,
        "law": 1.0,
        "materials": 0.0,
    }
    assert disciplines.name_scores(np.ones(3)) == {}


def test_votes_weigh_rank_and_split_over_disciplines(catalogue: list[Company]) -> None:
    disciplines = DisciplineMap(catalogue)
    c1, c2, _, c4, _ = catalogue
    tally = votes([c1, c4], disciplines)
    assert list(tally) == ["chemistry", "law"]
    assert tally["chemistry"] == pytest.approx(disciplines.rarity("chemistry"))
    assert tally["law"] == pytest.approx(disciplines.rarity("law") / 2)
    half = disciplines.rarity("chemistry") / 2
    assert votes([c2], disciplines) == pytest.approx({"chemistry": half, "materials": half})


def test_discipline_names_can_outvote_the_matching_entities() -> None:
    tally = {"chemistry": 2.0, "law": 0.2}
    assert list(combined(tally, {})) == ["chemistry", "law"]
    pulled = combined(tally, {"law": 1.0, "chemistry": 0.0})
    assert list(pulled) == ["law", "chemistry"]
    assert pulled["law"] == pytest.approx(0.55)
    assert combined({}, {"law": 1.0}) == {}


def test_second_label_only_when_strong_and_unrelated(catalogue: list[Company]) -> None:
    disciplines = DisciplineMap(catalogue)
    assert labels({"chemistry": 1.0, "law": 0.7}, disciplines) == [
        ("chemistry", 1.0),
        ("law", 0.7),
    ]
    assert labels({"chemistry": 1.0, "law": 0.5}, disciplines) == [("chemistry", 1.0)]
    assert labels({"chemistry": 1.0, "materials": 0.9}, disciplines) == [("chemistry", 1.0)]
    assert labels({}, disciplines) == []


def test_group_joins_clauses_that_call_for_the_same_discipline(
    catalogue: list[Company],
) -> None:
    disciplines = DisciplineMap(catalogue)
    c1, _, _, c4, _ = catalogue
    clauses = ["battery chemistry", "contract law", "more electrolyte chemistry"]
    drafts = group(clauses, [[c1], [c4], [c1]], disciplines)
    assert [(d.label, d.discipline, d.clauses) for d in drafts] == [
        ("chemistry", "chemistry", [0, 2]),
        ("law", "law", [1]),
    ]
    assert drafts[0].text(clauses) == "battery chemistry; more electrolyte chemistry"


def test_a_clause_calling_for_two_unrelated_disciplines_is_in_both_aspects() -> None:
    chemists = [company(f"chem{i}", "chemistry") for i in range(5)]
    lawyer = company("lawyer", "law")
    disciplines = DisciplineMap([*chemists, lawyer])
    drafts = group(["battery regulation"], [[chemists[0], lawyer]], disciplines)
    assert [(d.label, d.clauses) for d in drafts] == [("chemistry", [0]), ("law", [0])]


def test_without_disciplines_each_clause_is_an_aspect_of_its_key_terms() -> None:
    plain = [company("plain")]
    clauses = ["battery recycling of black mass", "elderly care robots at home"]
    drafts = group(clauses, [plain, plain], DisciplineMap(plain))
    assert drafts == [
        AspectDraft("battery recycling black mass", None, [0], 1.0),
        AspectDraft("elderly care robots home", None, [1], 1.0),
    ]


def test_at_most_max_aspects(catalogue: list[Company]) -> None:
    experts = [company(f"e{i}", f"discipline {i}") for i in range(MAX_ASPECTS + 3)]
    disciplines = DisciplineMap(experts)
    clauses = [f"clause number {i}" for i in range(len(experts))]
    drafts = group(clauses, [[e] for e in experts], disciplines)
    assert len(drafts) == MAX_ASPECTS
    firsts = [min(d.clauses) for d in drafts]
    assert firsts == sorted(firsts)


def test_recommend_reports_one_aspect_per_part_of_the_need(built: Matcher) -> None:
    response = built.recommend(NeedRequest(need=THREE_PARTS))
    aspects = response.aspects
    assert [a.id for a in aspects] == [f"a{i}" for i in range(1, len(aspects) + 1)]
    assert {"chemistry", "nursing and care", "data science"} <= {a.label for a in aspects}
    by_label = {a.label: a for a in aspects}
    assert by_label["nursing and care"].text == "fall prevention for elderly people at home"
    assert by_label["data science"].text == "fraud detection for payments"
    for aspect in aspects:
        assert aspect.terms and set(aspect.terms) <= set(content_words(aspect.text))
        for clause in aspect.text.split("; "):
            assert clause in THREE_PARTS


def test_aspects_without_disciplines_follow_the_clauses(settings: Settings, tmp_path: Path) -> None:
    plain = [{**e, "disciplines": []} for e in ENTITIES]
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(tmp_path / "plain.jsonl", plain)))
    response = matcher.recommend(NeedRequest(need=THREE_PARTS))
    assert [(a.label, a.text) for a in response.aspects] == [
        ("recycling lithium ion batteries", "Recycling lithium-ion batteries"),
        ("fall prevention elderly home", "fall prevention for elderly people at home"),
        ("fraud detection payments", "fraud detection for payments"),
    ]
    assert response.partner_set
    assert {m.reasons.aspect for m in response.partner_set} <= {a.label for a in response.aspects}
