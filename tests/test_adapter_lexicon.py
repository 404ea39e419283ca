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


def test_swedish_needs_and_catalogue_texts_each_get_their_own_matrix() -> None:
    """e5 encodes a need and a passage differently, so each side has a matrix of its own."""
    english, multilingual = FakeEncoder(dim=8), FakeEncoder(dim=8)
    cache = EmbeddingCache(None)
    flip = np.eye(8, dtype=np.float32)[::-1].copy()
    mapping = adapter.Adapter(np.eye(8, dtype=np.float32), flip, "two")
    encoder = HybridEncoder(
        CachedEncoder(english, cache), CachedEncoder(multilingual, cache), 0.5, mapping
    )
    text = "Vi behöver en testbädd för återvinning av batterier"
    own_need = multilingual.encode_queries([text])[0]
    own_text = multilingual.encode_documents([text])[0]
    assert np.allclose(encoder.encode_queries([text])[0][:8], own_need * np.sqrt(0.5), atol=1e-6)
    mapped = encoder.encode_documents([text], languages=["sv"])[0][:8]
    assert np.allclose(mapped, own_text[::-1] * np.sqrt(0.5), atol=1e-6)


def test_training_pairs_add_the_titles_that_differ_and_the_held_out_penalty_wins() -> None:
    from matcher.catalogue.swecris import Grant
    from matcher.evaluation.adapter_fit import RIDGES, fit_held_out, training_texts

    def grant(dnr: str, title_sv: str, title_en: str) -> Grant:
        return Grant(dnr, dnr, title_en, title_sv, "Engelska.", "Svenska.", 2019, "", "", "")

    grants = [grant("1", "Batterier", "Batteries"), grant("2", "NanoLab", "NanoLab")]
    paired, swedish, english = training_texts(grants, titles=True)
    assert [g.dnr for g in paired] == ["1", "2", "1"]
    assert swedish[2:] == ["Batterier"] and english[2:] == ["Batteries"]
    assert training_texts(grants, titles=False)[1] == swedish[:2]
    rng = np.random.default_rng(1)
    source = rng.normal(size=(300, 6))
    target = source @ rng.normal(size=(6, 6))
    held = np.arange(300) % 5 == 0
    matrix, ridge, scores = fit_held_out(source, target, held)
    assert set(scores) == {str(r) for r in RIDGES}
    assert scores[str(ridge)] == max(scores.values()) and ridge == min(RIDGES)
    assert np.allclose(matrix, adapter.fit_matrix(source, target, ridge))


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
