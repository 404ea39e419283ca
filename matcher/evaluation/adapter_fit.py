"""Fitting the Swedish adapter (encoders/adapter.py) on SweCRIS grants written in both languages.

Pairs: every grant of the SweCRIS benchmark's catalogue side (started before its cut-off) and of
its dev split that has a Swedish and an English abstract; the test split's grants are never
used. Source: e5's need vector of the Swedish text; target: MiniLM's vector of the English text.
The ridge penalty is chosen on a fifth of the pairs held out (which Swedish text finds its own
English text first), then the matrix is fitted on all pairs; the same matrix serves Swedish
catalogue texts. Two variants were measured and not kept (docs/evaluation.md), and stay
available: `passages`, a second matrix for catalogue texts fitted from e5's passage vectors
(e5 encodes a need and a passage differently), and `titles`, each grant's title pair (short
texts, as most needs are) fitted beside its abstracts.
"""

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from matcher.catalogue.swecris import Grant
from matcher.encoders.adapter import Adapter, fit_matrix, save
from matcher.encoders.base import normalise
from matcher.encoders.cache import EmbeddingCache
from matcher.encoders.factory import cached_encoder
from matcher.encoders.hybrid import HybridEncoder
from matcher.evaluation.base import EvaluationDataError
from matcher.evaluation.registry import EVALUATIONS, evaluation_settings
from matcher.evaluation.swecris import CUTOFF, read_records, split_of
from matcher.index import lexicon
from matcher.settings import Settings

RIDGES = (0.01, 0.1, 1.0, 10.0)
MIN_PAIRS = 50
CHUNK = 64


def training_grants(grants: list[Grant], cutoff: int = CUTOFF) -> list[Grant]:
    """Grants in both languages from the catalogue side and the dev split, never the test."""
    both = [g for g in grants if g.abstract_sv and g.abstract_en and g.year]
    return [g for g in both if g.year < cutoff or split_of(g.dnr) == "dev"]  # type: ignore[operator]


def read_pairs(settings: Settings, data: Path | None) -> tuple[list[Grant], Path]:
    """The training grants of the SweCRIS records at `data` (default: the shared data), and
    where they were read; a clear error where they cannot be read or are too few."""
    source_path = data or EVALUATIONS["swecris"].default_data(settings)
    grants = training_grants(read_records(source_path))
    if len(grants) < MIN_PAIRS:
        raise EvaluationDataError(f"too few grants in both languages in {source_path}")
    return grants, source_path


def pair_texts(grants: list[Grant]) -> tuple[list[str], list[str]]:
    """Each grant's Swedish and English title and abstract, in the same order."""
    swedish = [f"{g.title_sv or g.title_en}. {g.abstract_sv}" for g in grants]
    english = [f"{g.title_en or g.title_sv}. {g.abstract_en}" for g in grants]
    return swedish, english


def top1(mapped: np.ndarray, target: np.ndarray) -> float:
    """Share of mapped rows whose nearest target row is their own."""
    found = np.argmax(normalise(mapped) @ normalise(target).T, axis=1)
    return float(np.mean(found == np.arange(len(found))))


def title_pairs(grants: list[Grant]) -> tuple[list[Grant], list[str], list[str]]:
    """The grants whose Swedish and English titles differ, with those titles: short texts,
    like most needs, beside the long abstracts."""
    titled = [g for g in grants if g.title_sv and g.title_en and g.title_sv != g.title_en]
    return titled, [str(g.title_sv) for g in titled], [str(g.title_en) for g in titled]


def training_texts(grants: list[Grant], titles: bool) -> tuple[list[Grant], list[str], list[str]]:
    """The grant of each pair, the Swedish texts and the English texts: every abstract pair,
    and with `titles` every title pair too."""
    swedish, english = pair_texts(grants)
    if not titles:
        return grants, swedish, english
    titled, swedish_titles, english_titles = title_pairs(grants)
    return grants + titled, swedish + swedish_titles, english + english_titles


def encode_pairs(
    encoder: HybridEncoder, swedish: list[str], english: list[str], passages: bool, progress: bool
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """e5 need vectors of the Swedish texts (and, with `passages`, their passage vectors),
    MiniLM vectors of the English texts."""
    queries, documents, target = [], [], []
    for start in tqdm(range(0, len(swedish), CHUNK), desc="pairs", disable=not progress):
        chunk = slice(start, start + CHUNK)
        queries.append(encoder.multilingual.encode_queries(swedish[chunk]))
        if passages:
            documents.append(encoder.multilingual.encode_documents(swedish[chunk]))
        target.append(encoder.english.encode_documents(english[chunk]))
    return np.vstack(queries), np.vstack(documents) if passages else None, np.vstack(target)


def fit_held_out(
    source: np.ndarray, target: np.ndarray, held: np.ndarray
) -> tuple[np.ndarray, float, dict[str, float]]:
    """The matrix fitted on all pairs with the penalty that did best held out; that penalty
    and every penalty's held-out top-1."""
    scores: dict[str, float] = {}
    for ridge in RIDGES:
        matrix = fit_matrix(source[~held], target[~held], ridge)
        scores[str(ridge)] = top1(source[held] @ matrix, target[held])
    best = float(max(RIDGES, key=lambda r: scores[str(r)]))
    return fit_matrix(source, target, best), best, scores


def fit_adapter(
    settings: Settings,
    data: Path | None = None,
    progress: bool = False,
    titles: bool = False,
    passages: bool = False,
) -> dict:
    """Fit, choose the penalty held out, save under models/adapter; the report. `titles` and
    `passages` fit the variants (see the module's docstring)."""
    scoped = evaluation_settings(settings)
    grants, _ = read_pairs(scoped, data)
    cache = EmbeddingCache(scoped.cache_file or scoped.data_dir / "embeddings.sqlite")
    encoder = cached_encoder(scoped.encoder.model_copy(update={"name": "hybrid"}), cache)
    assert isinstance(encoder, HybridEncoder)
    paired, swedish, english = training_texts(grants, titles)
    queries, documents, target = encode_pairs(encoder, swedish, english, passages, progress)
    held = np.array([int(hashlib.sha256(g.dnr.encode()).hexdigest(), 16) % 5 == 0 for g in paired])
    for_needs, ridge, scores = fit_held_out(queries, target, held)
    for_texts, text_ridge, text_scores = for_needs, ridge, scores
    if documents is not None:
        for_texts, text_ridge, text_scores = fit_held_out(documents, target, held)
    both = for_needs.tobytes() + (b"" if documents is None else for_texts.tobytes())
    version = hashlib.sha256(both).hexdigest()[:12]
    report: dict[str, Any] = {
        "data": "SweCRIS grants with a Swedish and an English abstract: the catalogue side "
        f"(before {CUTOFF}) and the dev split; never the test split",
        "pairs": len(grants),
        "title_pairs": len(paired) - len(grants),
        "passage_matrix": documents is not None,
        "held_out_pairs": int(held.sum()),
        "ridge": ridge,
        "held_out_top1_by_ridge": scores,
        "documents_ridge": text_ridge,
        "documents_held_out_top1_by_ridge": text_scores,
    }
    folder = save(settings.models_dir, Adapter(for_needs, for_texts, version), report)
    return {"folder": str(folder), "version": version, **report}


def fit_lexicon(settings: Settings, data: Path | None = None, progress: bool = False) -> dict:
    """Learn the Swedish-English lexicon from the same pairs; save under models/lexicon."""
    grants, _ = read_pairs(evaluation_settings(settings), data)
    swedish, english = pair_texts(grants)
    digest = hashlib.sha256("\n".join(swedish + english).encode()).hexdigest()[:12]
    found = lexicon.learn(swedish, english, digest)
    report = {
        "data": "SweCRIS grants with a Swedish and an English abstract: the catalogue side "
        f"(before {CUTOFF}) and the dev split; never the test split",
        "pairs": len(grants),
        "swedish_stems": len(found.pairs),
        "min_pairs": lexicon.MIN_PAIRS,
        "min_dice": lexicon.MIN_DICE,
    }
    folder = lexicon.save(settings.models_dir, found, report)
    return {"folder": str(folder), "version": found.version, **report}
