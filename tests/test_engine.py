"""Build and recommend on the tiny catalogue with the fake encoder."""

import time
from pathlib import Path

import numpy as np
import pytest

from matcher.catalogue.reading import CatalogueError, load_catalogue
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.errors import InvalidRequestError, NotBuiltError
from matcher.index.snapshot import current_path
from matcher.schemas import NeedRequest, RecommendationFilters
from matcher.settings import Settings
from tests.support.catalogue import ENTITIES, write_catalogue

BATTERY_NEED = "We recycle lithium-ion batteries and need a pilot line for black mass leaching"


def ids(results: list) -> list[str]:
    return [r.id for r in results]


def test_partners_and_testbeds_come_apart(built: Matcher) -> None:
    response = built.recommend(NeedRequest(need=BATTERY_NEED, top_k=3))
    assert {r.kind for r in response.results} <= {"company", "researcher"}
    assert {r.kind for r in response.testbeds} == {"lab"}
    assert response.results[0].id in {"company:battery-loop", "researcher:ann-metals"}
    assert response.testbeds[0].id in {"lab:black-mass-pilot", "lab:closed-cell-lab"}
    scores = [r.score for r in response.results]
    assert scores == sorted(scores, reverse=True)


def test_every_result_has_reasons(built: Matcher) -> None:
    response = built.recommend(NeedRequest(need=BATTERY_NEED, top_k=3))
    for result in response.results + response.testbeds:
        assert result.reasons.evidence, result.id
    top = response.testbeds[0]
    assert {"batteries", "black", "leaching"} & set(top.reasons.terms)
    assert any("black mass" in e.text.lower() for e in top.reasons.evidence)


def test_researcher_without_consent_never_appears(built: Matcher) -> None:
    response = built.recommend(NeedRequest(need="battery recycling black mass", top_k=50))
    assert "researcher:hidden-person" not in ids(response.results)
    assert built.get("researcher:hidden-person") is None
    assert built.get("researcher:ann-metals") is not None


def test_kind_filter(built: Matcher) -> None:
    response = built.recommend(NeedRequest(need=BATTERY_NEED, kinds=["researcher"]))
    assert ids(response.results) and all(i.startswith("researcher:") for i in ids(response.results))
    assert response.testbeds == []


def test_closed_lab_is_excluded_when_smes_must_get_access(built: Matcher) -> None:
    need = "battery cell cycling lithium-ion recycling research"
    open_only = RecommendationFilters(open_to_smes=True)
    everything = built.recommend(NeedRequest(need=need, top_k=10))
    filtered = built.recommend(NeedRequest(need=need, top_k=10, filters=open_only))
    assert "lab:closed-cell-lab" in ids(everything.testbeds)
    assert "lab:closed-cell-lab" not in ids(filtered.testbeds)


def test_trl_and_location_filters(built: Matcher) -> None:
    trl = built.recommend(NeedRequest(need=BATTERY_NEED, filters=RecommendationFilters(trl=3)))
    assert ids(trl.testbeds) == ["lab:closed-cell-lab"]
    place = RecommendationFilters(municipalities=["solna"])
    local = built.recommend(NeedRequest(need="elderly care", filters=place))
    assert set(ids(local.results)) == {"company:care-robotics", "researcher:bo-care"}


def test_limits_from_settings(built: Matcher) -> None:
    with pytest.raises(InvalidRequestError, match="top_k must be between 1 and 100"):
        built.recommend(NeedRequest(need="x", top_k=0))
    with pytest.raises(InvalidRequestError, match="top_k"):
        built.recommend(NeedRequest(need="x", top_k=10_000))
    with pytest.raises(InvalidRequestError, match="the limit is 10000"):
        built.recommend(NeedRequest(need="word " * 20_000))


def test_recommend_before_build_is_a_clear_error(settings: Settings) -> None:
    matcher = Matcher(settings, encoder=FakeEncoder())
    assert not matcher.ready()
    with pytest.raises(NotBuiltError, match="matcher build"):
        matcher.recommend(NeedRequest(need="anything"))


def test_rebuilding_an_unchanged_catalogue_encodes_and_reindexes_nothing(
    built: Matcher, catalogue_file: Path
) -> None:
    before = current_path(built.index_dir)
    report = built.build(str(catalogue_file))
    assert report.encoded == 0 and not report.reindexed and report.unchanged == len(ENTITIES)
    assert report.items > 0 and current_path(built.index_dir) == before


def test_a_changed_catalogue_encodes_only_the_changed_texts(built: Matcher, tmp_path: Path) -> None:
    changed = [dict(e) for e in ENTITIES]
    changed[0]["description"] = "Entirely new words about hydrogen electrolysers."
    report = built.build(str(write_catalogue(tmp_path / "changed.jsonl", changed)))
    assert report.updated == 1 and report.unchanged == len(ENTITIES) - 1 and report.reindexed
    assert report.encoded == 1 and report.from_cache == report.items - 1


def test_rebuild_swaps_the_index_for_a_running_engine(
    built: Matcher, settings: Settings, tmp_path: Path
) -> None:
    before = current_path(built.index_dir)
    assert "company:ledger-safe" in ids(built.recommend(NeedRequest(need="fraud payments")).results)
    other = Matcher(settings, encoder=FakeEncoder())
    smaller = [e for e in ENTITIES if e["id"] != "company:ledger-safe"]
    other.build(str(write_catalogue(tmp_path / "smaller.jsonl", smaller)))
    assert current_path(built.index_dir) != before
    assert before is not None and not before.exists(), "the old snapshot is cleaned up"
    for _ in range(200):  # the running engine loads the new snapshot in the background
        after = built.recommend(NeedRequest(need="fraud payments"))
        if "company:ledger-safe" not in ids(after.results):
            break
        time.sleep(0.02)
    assert "company:ledger-safe" not in ids(after.results)


def test_bad_rows_are_reported_with_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    good = write_catalogue(tmp_path / "good.jsonl").read_text().splitlines()
    path.write_text("\n".join([good[0], "{not json", '{"id": "company:x"}', good[0], good[1]]))
    loaded = load_catalogue(str(path))
    assert [e.id for e in loaded.entities] == ["company:battery-loop", "company:care-robotics"]
    reasons = {r.where: r.reason for r in loaded.rejected}
    assert "not valid JSON" in reasons["mixed.jsonl:2"]
    assert "kind" in reasons["mixed.jsonl:3"]
    assert "duplicate id" in reasons["mixed.jsonl:4"]


def test_unreadable_catalogues_are_clear_errors(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(CatalogueError, match="not found"):
        load_catalogue(str(tmp_path / "nope.jsonl"))
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(CatalogueError, match="expected a .jsonl, .json or .csv"):
        load_catalogue(str(tmp_path / "notes.txt"))
    (tmp_path / "empty.jsonl").write_text('{"id": "bad"}\n')
    with pytest.raises(CatalogueError, match="no valid entities"):
        Matcher(settings, encoder=FakeEncoder()).build(str(tmp_path / "empty.jsonl"))


def test_failed_build_keeps_the_previous_store_and_index(built: Matcher, tmp_path: Path) -> None:
    before = built.store.count()
    (tmp_path / "broken.jsonl").write_text("{broken\n")
    with pytest.raises(CatalogueError):
        built.build(str(tmp_path / "broken.jsonl"))
    assert built.store.count() == before
    assert built.recommend(NeedRequest(need=BATTERY_NEED)).results


def test_diversify_spreads_disciplines(built: Matcher) -> None:
    need = "battery recycling, elderly care robots and payment fraud"
    plain = built.recommend(NeedRequest(need=need, top_k=3, kinds=["company", "researcher"]))
    spread = built.recommend(
        NeedRequest(need=need, top_k=3, kinds=["company", "researcher"], diversify=True)
    )

    def disciplines(results: list) -> int:
        found = {d for r in results for d in built.get(r.id).disciplines}  # type: ignore[union-attr]
        return len(found)

    assert disciplines(spread.results) >= disciplines(plain.results)
    assert len(spread.results) == 3


class ExplodingEncoder(FakeEncoder):
    """Fails in the middle of encoding, like a crash during a rebuild."""

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        raise RuntimeError("power cut")


def test_crash_during_rebuild_leaves_the_previous_index(
    built: Matcher, settings: Settings, tmp_path: Path
) -> None:
    before = current_path(built.index_dir)
    changed = [{**e, "description": e["description"] + " Updated."} for e in ENTITIES]
    crashing = Matcher(settings, encoder=ExplodingEncoder())
    with pytest.raises(RuntimeError, match="power cut"):
        crashing.build(str(write_catalogue(tmp_path / "changed.jsonl", changed)))
    assert current_path(built.index_dir) == before
    assert "Updated" not in built.store.get("company:battery-loop").description  # type: ignore[union-attr]
    fresh = Matcher(settings, encoder=FakeEncoder())
    assert fresh.recommend(NeedRequest(need=BATTERY_NEED)).testbeds


def test_scores_are_calibrated_per_language(settings: Settings, tmp_path: Path) -> None:
    swedish = [
        {**e, "id": e["id"] + "-sv", "language": "sv"} for e in ENTITIES if e["kind"] == "lab"
    ]
    matcher = Matcher(settings, encoder=FakeEncoder())
    report = matcher.build(str(write_catalogue(tmp_path / "two.jsonl", ENTITIES + swedish)))
    assert set(report.index) == {"en", "sv"}
    testbeds = matcher.recommend(NeedRequest(need=BATTERY_NEED, kinds=["lab"], top_k=6)).testbeds
    assert len(testbeds) == 6


def test_unreadable_index_is_a_clear_error(built: Matcher, settings: Settings) -> None:
    folder = current_path(built.index_dir)
    assert folder is not None
    (folder / "snapshot.json").write_text('{"format": 0}')
    fresh = Matcher(settings, encoder=FakeEncoder())
    with pytest.raises(NotBuiltError, match="run `matcher build` again"):
        fresh.recommend(NeedRequest(need=BATTERY_NEED))
    assert not fresh.ready()
