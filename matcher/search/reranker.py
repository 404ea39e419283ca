"""A reranker learned from coach feedback: logistic regression over ranking features.

Features of a (need, entity) pair are known when the ranking is made and are stored with
every shown ranking, so feedback can be learned from later: the engine's fused, dense and
lexical scores, the position, the entity's kind, whether a company is a startup or SME,
whether it sits in the need's municipality, how recent its newest publication or project is,
how many disciplines it lists, and two products of these (a small company in the need's
municipality; a researcher's recency). The model is plain logistic regression on standardised
features (scikit-learn), saved as JSON numbers (no pickles) under models/reranker with a
manifest. It is used only when its manifest says it beat the untrained order on held-out
feedback.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np

from matcher.files import write_json
from matcher.schemas import AnyEntity, Company, Researcher
from matcher.search.ranking import Candidate

RERANK_POOL = 50  # how many of each ranked list's head the reranker reorders
FEATURES = (
    "score",
    "dense",
    "lexical",
    "rank_share",
    "company",
    "researcher",
    "lab",
    "small_company",
    "same_municipality",
    "years_since_latest",
    "disciplines",
    "local_small_company",
    "researcher_recency",
)
GAINS = {"partnered": 3.0, "contacted": 2.0, "relevant": 1.0, "not_relevant": 0.0}
POSITIVE = {"partnered", "contacted", "relevant"}
NO_YEAR = 10.0


def latest_year(entity: AnyEntity) -> int | None:
    """The year of the entity's newest publication or project."""
    years = [p.year for p in entity.projects if p.year]
    if isinstance(entity, Researcher):
        years += [p.year for p in entity.publications if p.year]
    return max(years, default=None)


def features(
    entity: AnyEntity,
    candidate: Candidate,
    rank: int,
    size: int,
    municipality: str | None,
    newest: int | None,
) -> dict[str, float]:
    """The features of one ranked entity for one need."""
    place = entity.location.municipality.casefold() if entity.location else None
    latest = latest_year(entity)
    since = NO_YEAR if latest is None or newest is None else min(newest - latest, NO_YEAR)
    row = {
        "score": candidate.score,
        "dense": candidate.dense,
        "lexical": candidate.lexical,
        "rank_share": rank / max(size, 1),
        "company": float(entity.kind == "company"),
        "researcher": float(entity.kind == "researcher"),
        "lab": float(entity.kind == "lab"),
        "small_company": float(isinstance(entity, Company) and entity.stage in ("startup", "sme")),
        "same_municipality": float(municipality is not None and place == municipality.casefold()),
        "years_since_latest": float(since),
        "disciplines": float(len(entity.disciplines)),
    }
    row["local_small_company"] = row["small_company"] * row["same_municipality"]
    row["researcher_recency"] = row["researcher"] * (1.0 - since / NO_YEAR)
    return row


@dataclass
class Reranker:
    """Standardisation and logistic-regression weights over FEATURES."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    intercept: float

    def probability(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        """Probability that each row is relevant."""
        matrix = np.array([[row[f] for f in FEATURES] for row in rows], dtype=np.float64)
        logits = ((matrix - self.mean) / self.scale) @ self.weights + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def as_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "weights": self.weights.tolist(),
            "intercept": self.intercept,
        }


def train(rows: Sequence[dict[str, float]], labels: Sequence[int]) -> Reranker:
    """Fit logistic regression on standardised features."""
    from sklearn.linear_model import LogisticRegression

    matrix = np.array([[row[f] for f in FEATURES] for row in rows], dtype=np.float64)
    mean = matrix.mean(axis=0)
    scale = matrix.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=1.0, max_iter=1000)
    model.fit((matrix - mean) / scale, np.asarray(labels))
    return Reranker(mean, scale, model.coef_[0].copy(), float(model.intercept_[0]))


def save(folder: Path, model: Reranker, manifest: dict[str, Any]) -> None:
    """Write model.json and manifest.json atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    stamped = {**manifest, "features": list(FEATURES), "date": date.today().isoformat()}
    for name, content in (("model.json", model.as_dict()), ("manifest.json", stamped)):
        write_json(folder / name, content, indent=1)


def load(folder: Path) -> Reranker | None:
    """The reranker in a folder when its manifest marks it for use, else None."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        raw = json.loads((folder / "model.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not manifest.get("active") or raw.get("features") != list(FEATURES):
        return None
    return Reranker(
        np.array(raw["mean"]),
        np.array(raw["scale"]),
        np.array(raw["weights"]),
        float(raw["intercept"]),
    )


class Watched:
    """The reranker in a folder, read again whenever its manifest changes (a training run
    saves a new one while the server runs)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._model: Reranker | None = None
        self._stamp: int | None = None

    def current(self) -> Reranker | None:
        """The reranker when one is trained and marked for use."""
        try:
            stamp: int | None = (self.folder / "manifest.json").stat().st_mtime_ns
        except OSError:
            stamp = None
        if stamp != self._stamp:
            self._model = load(self.folder) if stamp else None
            self._stamp = stamp
        return self._model
