"""How strong a match is, on one scale for every need: a relevance in 0..1 and a band.

The engine's own score is a similarity whose level depends on the need's language, length and
words. Its signals are put on the need's own scale first: how far the entity's aggregated
similarity lies above the need's mean similarity to the catalogue's texts, in the need's spread
(the same scale calibration.py aligns the language shards to), with the lexical share and the
raw levels beside it. A logistic regression, fitted on real judgments (`matcher tune-strength`:
the SweCRIS dev split), maps them to the chance that the entity is a right answer; the bands
cut that chance where the dev split says `strong` and `possible` begin. The fitted model is a
versioned artefact under models/strength with its manifest.

A need with no content word that the catalogue or the two languages know (random letters, a
list of function words) is never `strong`: there is nothing in it to be strongly matched on.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from matcher.files import write_json, write_manifest
from matcher.search.query import Query
from matcher.search.ranking import Candidate
from matcher.text import need_language, words

Band = Literal["strong", "possible", "weak"]
FEATURES = ("above_mean", "lexical", "dense", "mean", "spread")
FOLDER = "strength"
LANGUAGES = ("sv", "en")
MIN_SPREAD = 1e-3


def features(candidate: Candidate, query: Query) -> list[float]:
    """The signals of one entity for one need, on the need's own scale."""
    rows = features_many(np.array([candidate.dense]), np.array([candidate.lexical]), query)
    return [float(v) for v in rows[0]]


def features_many(dense: np.ndarray, lexical: np.ndarray, query: Query) -> np.ndarray:
    """The signals of many entities for one need (rows in FEATURES order), from their dense
    and lexical scores as the retriever gives them."""
    scale = query.scales.get(query.reference) if query.scales else None
    mean = scale.mean if scale else 0.0
    spread = max(scale.std if scale else 0.0, MIN_SPREAD)
    rows = np.empty((len(dense), len(FEATURES)), dtype=np.float64)
    rows[:, 0] = (dense - mean) / spread
    rows[:, 1] = lexical
    rows[:, 2] = dense
    rows[:, 3] = mean
    rows[:, 4] = spread
    return rows


@dataclass
class Strength:
    """A fitted mapping from signals to relevance, and the band thresholds on relevance."""

    center: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: float
    possible: float
    strong: float

    def relevance_of(self, rows: np.ndarray) -> np.ndarray:
        """The chance that each row's entity is a right answer."""
        logits = ((rows - self.center) / self.scale) @ self.weights + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def relevance(self, candidate: Candidate, query: Query) -> float:
        """The relevance of one entity for one need."""
        rows = np.array([features(candidate, query)], dtype=np.float64)
        return float(self.relevance_of(rows)[0])

    def band(self, relevance: float, can_be_strong: bool = True) -> Band:
        """strong, possible or weak."""
        if relevance >= self.strong and can_be_strong:
            return "strong"
        return "possible" if relevance >= self.possible else "weak"

    def as_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "center": self.center.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "intercept": self.intercept,
            "possible": self.possible,
            "strong": self.strong,
        }


def fit(rows: np.ndarray, labels: np.ndarray, possible: float, strong: float) -> Strength:
    """A logistic regression from signals to the chance of a right answer."""
    from sklearn.linear_model import LogisticRegression

    center, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit((rows - center) / scale, labels)
    return Strength(
        center, scale, model.coef_[0].astype(np.float64), float(model.intercept_[0]),
        possible, strong,
    )  # fmt: skip


def reliability(relevance: np.ndarray, labels: np.ndarray, bins: int = 10) -> dict[str, Any]:
    """Expected calibration error and the reliability table (equal-count bins)."""
    order = np.argsort(relevance)
    table, error = [], 0.0
    for part in np.array_split(order, bins):
        if not len(part):
            continue
        predicted, observed = float(relevance[part].mean()), float(labels[part].mean())
        table.append({"n": int(len(part)), "predicted": predicted, "observed": observed})
        error += len(part) / len(relevance) * abs(predicted - observed)
    return {"ece": error, "table": table}


@dataclass
class Strengths:
    """One strength model per need language, each fitted and cut on needs of its language, so
    a relevance means the same chance of a right answer whatever the need's language; a need
    in neither Swedish nor English is graded by the English one."""

    models: dict[str, Strength]

    def for_language(self, language: str) -> Strength:
        """The model for needs in this language ('sv', 'en', or another)."""
        return self.models.get(language) or self.models["en"]


def save(
    models_dir: Path,
    strength: Strength | dict[str, Strength],
    manifest: dict[str, Any],
    encoder_id: str = "",
) -> Path:
    """Write model.json (a model per language; one model serves both; the id of the encoder
    whose scores it was fitted on, if given) and manifest.json."""
    folder = models_dir / FOLDER
    models = strength if isinstance(strength, dict) else dict.fromkeys(LANGUAGES, strength)
    languages = {language: model.as_dict() for language, model in models.items()}
    model = {"features": list(FEATURES), "languages": languages, "encoder_id": encoder_id}
    write_json(folder / "model.json", model)
    write_manifest(folder, manifest)
    return folder


def _model(raw: dict[str, Any]) -> Strength:
    return Strength(
        np.array(raw["center"]), np.array(raw["scale"]), np.array(raw["weights"]),
        float(raw["intercept"]), float(raw["possible"]), float(raw["strong"]),
    )  # fmt: skip


def load(models_dir: Path, encoder_id: str = "") -> Strengths | None:
    """The fitted strength models, or None where none is saved, they are unreadable, or they
    were fitted on the scores of another encoder than `encoder_id` (its scores mean other
    things)."""
    try:
        raw = json.loads((models_dir / FOLDER / "model.json").read_text(encoding="utf-8"))
        if raw.get("features") != list(FEATURES):
            return None
        if encoder_id and raw.get("encoder_id") and raw["encoder_id"] != encoder_id:
            return None
        models = {language: _model(one) for language, one in raw["languages"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return Strengths(models) if "en" in models else None


def rounded(value: float) -> float:
    """A relevance as answered (three decimals; NaN as 0)."""
    return 0.0 if math.isnan(value) else round(value, 3)


KNOWN_SHARE = 0.5


def can_be_strong(need: str, known_share: float) -> bool:
    """Whether a need has something to be strongly matched on: content words, at least half
    of which the catalogue knows (`known_share`, LexicalIndex.known_share), or Swedish ones (a
    Swedish need against an English catalogue shares few words with it). Random letters with
    a real word among them are not enough."""
    return bool(words(need)) and (known_share >= KNOWN_SHARE or need_language(need) == "sv")


class Grader:
    """Relevance and band of the results for one need (weak throughout without a model)."""

    def __init__(
        self,
        strengths: Strengths | None,
        query: Query,
        strong_allowed: bool,
        language: str = "en",
    ) -> None:
        self.strength = strengths.for_language(language) if strengths else None
        self.query = query
        self.strong_allowed = strong_allowed

    @classmethod
    def for_need(
        cls, strengths: Strengths | None, query: Query, need: str, known_share: float
    ) -> "Grader":
        """The grader of one need: its language's model, and strong only where the need can be
        (`can_be_strong`, from the share of its words the catalogue knows)."""
        return cls(strengths, query, can_be_strong(need, known_share), need_language(need))

    def __call__(self, candidate: Candidate) -> tuple[float, Band]:
        if self.strength is None:
            return 0.0, "weak"
        relevance = rounded(self.strength.relevance(candidate, self.query))
        return relevance, self.strength.band(relevance, self.strong_allowed)
