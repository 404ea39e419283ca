"""BM25 with Swedish compound splitting, and the fusion of dense and lexical scores."""

from pathlib import Path

import numpy as np
import pytest

from matcher.index.lexical import CompoundSplitter, LexicalIndex
from matcher.search.ranking import Candidate, fuse
from matcher.settings import RankingSettings

DOCS = {
    "a": ("Vi återvinner litiumjonbatterier i en pilotanläggning.", "sv"),
    "b": ("Battery recycling pilot plant for lithium-ion cells.", "en"),
    "c": ("Litium och batterier: jon, test och bädd i labbet.", "sv"),
    "d": ("Äldreomsorg med robotar och sensorer i hemmet.", "sv"),
}


def test_compounds_split_into_known_words() -> None:
    splitter = CompoundSplitter(["litium", "jon", "batterier", "test", "bädd", "omsorg"])
    assert splitter.split("litiumjonbatterier") == ("litium", "jon", "batterier")
    assert splitter.split("testbädd") == ("test", "bädd")
    assert splitter.split("omsorgstest") == ("omsorgs", "test")
    assert splitter.split("robotarm") == ()


def test_a_part_of_a_compound_finds_the_compound() -> None:
    index = LexicalIndex.build(DOCS)
    scores = dict(zip(index.entity_ids, index.scores("batterier"), strict=True))
    assert scores["a"] > 0, "litiumjonbatterier contains batterier"
    assert scores["d"] == 0


def test_scores_are_normalised_and_stable(tmp_path: Path) -> None:
    index = LexicalIndex.build(DOCS)
    for need in ["robotar i omsorgen", "battery recycling pilot", "batterier", "zzz"]:
        scores = index.scores(need)
        assert scores.shape == (4,) and (scores >= 0).all() and (scores <= 1.0001).all()
    assert index.scores("zzz").sum() == 0
    assert index.entity_ids[int(np.argmax(index.scores("robotar i omsorgen")))] == "d"
    index.save(tmp_path / "lex")
    again = LexicalIndex.load(tmp_path / "lex")
    np.testing.assert_allclose(again.scores("batterier"), index.scores("batterier"))


def candidates() -> list[Candidate]:
    return [
        Candidate("x", dense=0.9, lexical=0.0, spread=0.1),
        Candidate("y", dense=0.5, lexical=1.0, spread=0.1),
    ]


@pytest.mark.parametrize(("weight", "winner"), [(0.0, "x"), (2.0, "x"), (5.0, "y")])
def test_lexical_evidence_counts_in_units_of_dense_spread(weight: float, winner: str) -> None:
    found = candidates()
    fuse(found, RankingSettings(lexical_weight=weight))
    assert max(found, key=lambda c: c.score).entity_id == winner
    assert found[1].score == pytest.approx(0.5 + weight * 0.1)


def test_bm25_fusion_is_lexical_only() -> None:
    found = candidates()
    fuse(found, RankingSettings(fusion="bm25"))
    assert [c.score for c in found] == [0.0, 1.0]


def test_rrf_fusion_uses_ranks() -> None:
    found = candidates() + [Candidate("z", dense=0.1, lexical=0.5)]
    fuse(found, RankingSettings(fusion="rrf", rrf_k=60))
    scores = {c.entity_id: c.score for c in found}
    assert scores["x"] == pytest.approx(1 / 61 + 1 / 63)
    assert scores["y"] == pytest.approx(1 / 62 + 1 / 61)


def test_scores_at_some_documents_are_the_full_scores_there() -> None:
    texts = {
        f"company:c{i}": (f"battery {'recycling' if i % 3 else 'cells'} pilot number{i}", "en")
        for i in range(40)
    }
    index = LexicalIndex.build(texts)
    full = index.scores("battery recycling pilot line")
    positions = np.array([0, 3, 7, 39], dtype=np.int64)
    assert np.allclose(index.scores_at("battery recycling pilot line", positions), full[positions])
    assert index.scores_at("nothing matches", positions).tolist() == [0.0] * 4
