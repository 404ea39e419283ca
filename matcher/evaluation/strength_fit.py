"""Fitting the strength model (search/strength.py) on real judgments: the SweCRIS dev split and
the expertise gold standard's splits 1-5.

The SweCRIS benchmark gives, for every dev need, the signals of the engine's first 50 entities
and of every right answer, each labelled (an investigator or the company of the later grant, or
not). The logistic regression is fitted on the first 50 of every dev need (what is shown), and the
bands are cut on dev too:
- `possible` where three in four of the dev needs' right answers lie above it;
- `strong` where the results above it (among each dev need's first ten) are right at least
  STRONG_PRECISION of the time, or, where no cut reaches that, at the relevance of the best-ranked
  tenth of the right answers.
The gold standard adds people's own judgments: for each rated paper of splits 1-5, every rated
reviewer's signals, labelled right where the reviewer rated their expertise EXPERT or more (of 5).
The SweCRIS test split and gold splits 6-10 only measure: calibration error (ECE, reliability
table), and the share of right answers in each band.
"""

from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from matcher.engine import Matcher
from matcher.evaluation.goldstandard import build_split, load_ratings
from matcher.evaluation.registry import EVALUATIONS, evaluation_settings
from matcher.evaluation.swecris import LANGUAGES, SHOWN, Swecris
from matcher.search import strength
from matcher.settings import Settings

POSSIBLE_RECALL = 0.75
STRONG_PRECISION = 0.5
TOP = 10
EXPERT = 4.0
GOLD_FIT = (1, 2, 3, 4, 5)
GOLD_HELD_OUT = (6, 7, 8, 9, 10)

Part = tuple[np.ndarray, np.ndarray, np.ndarray]


def gold_parts(
    settings: Settings, root: Path, splits: tuple[int, ...], progress: bool = False
) -> list[Part]:
    """Per rated paper of these gold-standard splits: its rated reviewers' signals and whether
    each rated their expertise EXPERT or more."""
    ratings = load_ratings(root)
    matcher = Matcher(settings.model_copy(update={"data_dir": settings.data_dir / "goldstandard"}))
    parts: list[Part] = []
    for split in tqdm(splits, desc="gold splits", disable=not progress):
        ids, rated = build_split(matcher, root, split, ratings)
        for paper, text in rated.items():
            query, candidates = matcher.scored(text, ids)
            by_id = {c.entity_id.removeprefix("researcher:ss-"): c for c in candidates}
            judged = [(r, e[paper]) for r, e in ratings.items() if paper in e and r in by_id]
            if not judged:
                continue
            rows = np.array([strength.features(by_id[r], query) for r, _ in judged])
            labels = np.array([float(e >= EXPERT) for _, e in judged])
            parts.append((rows, labels, np.ones(len(judged), dtype=bool)))
    return parts


def _stack(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]], shown_only: bool) -> Any:
    rows = [r[s] if shown_only else r for r, _, s in parts]
    labels = [y[s] if shown_only else y for _, y, s in parts]
    return np.vstack(rows), np.concatenate(labels)


def _top(parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Any:
    return np.vstack([r[:TOP] for r, _, _ in parts]), np.concatenate([y[:TOP] for _, y, _ in parts])


def cut_bands(model: strength.Strength, dev: list[Any]) -> tuple[float, float]:
    """The possible and strong thresholds, from the dev split alone."""
    rows, labels = _stack(dev, shown_only=False)
    relevance = model.relevance_of(rows)
    right = np.sort(relevance[labels == 1])
    possible = float(np.quantile(right, 1 - POSSIBLE_RECALL)) if len(right) else 0.5
    top_rows, top_labels = _top(dev)
    top_relevance = model.relevance_of(top_rows)
    strong = float(np.quantile(right, 0.9)) if len(right) else 1.0
    for cut in np.sort(np.unique(np.round(top_relevance, 4))):
        above = top_relevance >= cut
        if above.sum() >= 20 and top_labels[above].mean() >= STRONG_PRECISION:
            strong = float(cut)
            break
    return possible, max(strong, possible)


def _bands(model: strength.Strength, parts: list[Any]) -> list[str]:
    rows, labels = _stack(parts, shown_only=False)
    return [model.band(float(r)) for r in model.relevance_of(rows[labels == 1])]


def band_shares(model: strength.Strength, parts: list[Any]) -> dict[str, float]:
    """How the right answers of a split fall into the bands."""
    return _shares(_bands(model, parts))


def _shares(bands: list[str]) -> dict[str, float]:
    total = max(len(bands), 1)
    return {band: sum(b == band for b in bands) / total for band in ("strong", "possible", "weak")}


Graded = list[tuple[strength.Strength, list[Part]]]


def measured(graded: Graded) -> dict[str, Any]:
    """ECE and reliability table of the shown rows of held-out parts, each part graded by the
    model given with it, and how the right answers fall into the bands."""
    relevance, labels = [], []
    for model, parts in graded:
        if parts:
            rows, right = _stack(parts, shown_only=True)
            relevance.append(model.relevance_of(rows))
            labels.append(right)
    found = strength.reliability(np.concatenate(relevance), np.concatenate(labels))
    found["bands"] = _shares([b for model, parts in graded if parts for b in _bands(model, parts)])
    return found


def swecris_parts(
    settings: Settings, data: Path | None, progress: bool
) -> tuple[dict[str, list[Part]], str]:
    """The SweCRIS benchmark's signals per need, grouped by split and need language, and the
    id of the encoder that scored them."""
    folder = settings.data_dir / "swecris" / settings.encoder.name
    source = data or EVALUATIONS["swecris"].default_data(settings)
    benchmark = Swecris()
    benchmark.run(settings.model_copy(update={"data_dir": folder}), source, progress=progress)
    groups: dict[str, list[Part]] = {f"{s}_{x}": [] for s in ("dev", "test") for x in LANGUAGES}
    for need, signal in zip(benchmark.needs, benchmark.signals, strict=True):
        groups[f"{need.split}_{need.language}"].append(signal)
    return groups, benchmark.model_id


def fit_strength(settings: Settings, data: Path | None = None, progress: bool = False) -> dict:
    """Run the SweCRIS benchmark's needs and the gold standard's ratings; fit a model per need
    language (Swedish: SweCRIS dev Swedish needs; English: SweCRIS dev English needs and gold
    splits 1-5), bands cut on each language's dev needs; measure on SweCRIS test and gold
    splits 6-10; save under models/."""
    scoped = evaluation_settings(settings)
    swecris, encoder_id = swecris_parts(scoped, data, progress)
    gold = EVALUATIONS["goldstandard"].default_data(scoped)
    gold_fit = gold_parts(scoped, gold, GOLD_FIT, progress)
    gold_held_out = gold_parts(scoped, gold, GOLD_HELD_OUT, progress)
    models, rows_fitted = {}, {}
    for language in LANGUAGES:
        dev = swecris[f"dev_{language}"]
        rows, labels = _stack(dev + (gold_fit if language == "en" else []), shown_only=True)
        models[language] = strength.fit(rows, labels, 0.0, 1.0)
        models[language].possible, models[language].strong = cut_bands(models[language], dev)
        rows_fitted[language] = int(len(labels))
    sv, en = models["sv"], models["en"]
    checks: dict[str, Graded] = {
        "dev": [(sv, swecris["dev_sv"]), (en, swecris["dev_en"])],
        "test": [(sv, swecris["test_sv"]), (en, swecris["test_en"])],
        "test_sv": [(sv, swecris["test_sv"])],
        "test_en": [(en, swecris["test_en"])],
        "test_sv_by_english_model": [(en, swecris["test_sv"])],
        "gold_fit": [(en, gold_fit)],
        "gold_held_out": [(en, gold_held_out)],
    }
    reliability = {name: measured(graded) for name, graded in checks.items()}
    metrics = {f"ece_{name}": found["ece"] for name, found in reliability.items()}
    metrics.update({f"right_by_band_{name}": found["bands"] for name, found in reliability.items()})
    manifest = {
        "data": "per need language: SweCRIS dev split needs of that language (grants from 2021 "
        f"as needs, earlier ones the catalogue; the engine's first {SHOWN} entities of each "
        "need); for English also the expertise gold standard's splits 1-5 (every rated "
        f"reviewer of each rated paper; right at expertise >= {EXPERT:g})",
        "encoder": encoder_id,
        "dev_needs": {x: len(swecris[f"dev_{x}"]) for x in LANGUAGES},
        "test_needs": {x: len(swecris[f"test_{x}"]) for x in LANGUAGES},
        "gold_papers": {"fit": len(gold_fit), "held_out": len(gold_held_out)},
        "rows_fitted": rows_fitted,
        "features": list(strength.FEATURES),
        "thresholds": {x: {"possible": m.possible, "strong": m.strong} for x, m in models.items()},
        "metrics": metrics,
        "reliability_test": reliability["test"]["table"],
        "reliability_test_sv": reliability["test_sv"]["table"],
        "reliability_test_en": reliability["test_en"]["table"],
        "reliability_gold_held_out": reliability["gold_held_out"]["table"],
    }
    saved = strength.save(settings.models_dir, models, manifest, encoder_id)
    return {"folder": str(saved), **manifest}
