"""The Swedish adapter (an English part for Swedish text) and the Swedish-English lexicon."""

from pathlib import Path

import numpy as np

from matcher.encoders import adapter
from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.fake import FakeEncoder
from matcher.encoders.hybrid import HybridEncoder
from matcher.index import lexicon
from matcher.index.lexical import LexicalIndex


def test_ridge_matrix_recovers_a_linear_map() -> None:
    rng = np.random.default_rng(0)
    true = rng.normal(size=(16, 8))
    source = rng.normal(size=(400, 16))
    fitted = adapter.fit_matrix(source, source @ true, ridge=1e-6)
    assert np.allclose(fitted, true, atol=1e-3)


def test_adapter_round_trips_and_a_broken_one_is_ignored(tmp_path: Path) -> None:
    matrix = np.eye(4, dtype=np.float32)
    saved = adapter.Adapter(matrix, 2 * matrix, "v1")
    adapter.save(tmp_path, saved, {"pairs": 3})
    loaded = adapter.load(tmp_path)
    assert loaded is not None and loaded.version == "v1"
    assert np.array_equal(loaded.documents, 2 * matrix)
    (tmp_path / "adapter" / "documents.npy").write_bytes(b"not an array")
    assert adapter.load(tmp_path) is None
    assert adapter.load(tmp_path / "nowhere") is None


def test_with_an_adapter_swedish_text_gets_the_mapped_english_part() -> None:
    english, multilingual = FakeEncoder(dim=8), FakeEncoder(dim=8)
    cache = EmbeddingCache(None)
    mapping = adapter.Adapter(np.eye(8, dtype=np.float32), np.eye(8, dtype=np.float32), "abc")
    encoder = HybridEncoder(
        CachedEncoder(english, cache), CachedEncoder(multilingual, cache), 0.5, mapping
    )
    assert encoder.model_id.endswith("+adapter:abc")
    need = "Vi behöver en testbädd för återvinning av batterier"
    vector = encoder.encode_queries([need])[0]
    own = multilingual.encode_queries([need])[0]
    assert np.allclose(vector[:8], own * np.sqrt(0.5), atol=1e-6)
    assert np.isclose(float(vector @ vector), 1.0, atol=1e-5)


PAIRS = [
    ("Batterier för elbilar och återvinning", "Batteries for electric cars and recycling"),
    ("Återvinning av batterier i en pilotanläggning", "Recycling of batteries in a pilot plant"),
    ("Nya batterier med hög kapacitet", "New batteries with high capacity"),
    ("Proteiner i cellen och deras struktur", "Proteins in the cell and their structure"),
    ("Struktur hos proteiner med kryomikroskopi", "Structure of proteins by cryo microscopy"),
    ("Proteiner som mål för läkemedel", "Proteins as targets for drugs"),
    ("Läkemedel mot cancer", "Drugs against cancer"),
    ("Doser av läkemedel för barn", "Doses of drugs for children"),
]


def test_lexicon_pairs_words_that_occur_in_the_same_texts() -> None:
    found = lexicon.learn([sv for sv, _ in PAIRS], [en for _, en in PAIRS], "t")
    assert "batteri" in found.translate(["batteri"])
    assert "protein" in found.translate(["protein"])
    assert "protein" not in found.translate(["batteri"])
    assert found.translate(["okänd"]) == []


def test_swedish_need_reaches_english_profiles_through_the_lexicon(tmp_path: Path) -> None:
    index = LexicalIndex.build(
        {
            "lab:cells": ("Cryo microscopy of proteins and their structure", "en"),
            "lab:drugs": ("Screening of drug compounds", "en"),
        }
    )
    need = "Vi utvecklar läkemedel"
    assert not index.scores(need).any()
    found = lexicon.learn([sv for sv, _ in PAIRS], [en for _, en in PAIRS], "t")
    lexicon.save(tmp_path, found, {"pairs": len(PAIRS)})
    index.lexicon = lexicon.load(tmp_path)
    scores = index.scores(need)
    assert scores[index.position["lab:drugs"]] > scores[index.position["lab:cells"]] == 0
