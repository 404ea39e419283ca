"""Expertise gold standard (Stelmakh et al.): order each reviewer's rated papers by expertise.

Each of the 58 reviewers becomes a researcher entity whose publications are the 20 papers of
their profile in a split; each rated paper (title and abstract) is a need; the engine's score
of the need against the researcher is the predicted expertise. Loss is the weighted share of
mis-ordered pairs, averaged over the splits.
"""

import csv
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.evaluation.base import EvaluationDataError, EvaluationResult
from matcher.evaluation.metrics import pair_accuracy, pair_loss
from matcher.search.ranking import Candidate, fuse
from matcher.settings import RankingSettings, Settings

SPLITS = tuple(range(1, 11))


def load_ratings(root: Path) -> dict[str, dict[str, float]]:
    """Reviewer id -> {paper id: expertise 1..5} from evaluations.csv."""
    path = root / "data" / "evaluations.csv"
    if not path.exists():
        raise EvaluationDataError(f"gold standard not found: {path}")
    ratings: dict[str, dict[str, float]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            pairs = ((row[f"Paper{i}"], row[f"Expertise{i}"]) for i in range(1, 11))
            ratings[row["ParticipantID"]] = {p: float(e) for p, e in pairs if p and e}
    return ratings


def paper_text(content: dict[str, Any]) -> str:
    """Title and abstract as one text."""
    return " ".join(f"{content.get('title', '')}. {content.get('abstract') or ''}".split())


def split_catalogue(root: Path, split: int) -> list[dict[str, Any]]:
    """Researcher entities built from one split's reviewer profiles."""
    folder = root / "evaluation_datasets" / f"d_20_{split}" / "archives"
    if not folder.is_dir():
        raise EvaluationDataError(f"split {split} not found: {folder}")
    entities = []
    for path in sorted(folder.glob("~*.jsonl")):
        papers = [json.loads(line)["content"] for line in path.read_text().splitlines() if line]
        publications = [
            {"title": p.get("title") or "untitled", "abstract": p.get("abstract") or ""}
            for p in papers
        ]
        titles = "; ".join(p["title"] for p in publications[:5])
        entities.append(
            {
                "id": f"researcher:ss-{path.stem.lstrip('~')}",
                "kind": "researcher",
                "name": f"Reviewer {path.stem.lstrip('~')}",
                "affiliation": "Semantic Scholar profile",
                "description": f"Recent work: {titles}",
                "publications": publications,
                "consent": True,
            }
        )
    return entities


def submissions(root: Path, split: int) -> dict[str, str]:
    """Paper id -> need text for the rated papers of a split."""
    path = root / "evaluation_datasets" / f"d_20_{split}" / "submissions.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {pid: paper_text(entry["content"]) for pid, entry in data.items()}


Parts = dict[str, dict[str, Candidate]]


def build_split(
    matcher: Matcher, root: Path, split: int, ratings: dict[str, dict[str, float]]
) -> tuple[list[str], dict[str, str]]:
    """Build a split's catalogue and encode its rated papers: the reviewers' entity ids and
    the rated papers' texts (paper id -> need)."""
    catalogue = matcher.data_dir / f"split-{split}.jsonl"
    entities = split_catalogue(root, split)
    catalogue.write_text("\n".join(json.dumps(e) for e in entities), encoding="utf-8")
    matcher.build(str(catalogue))
    texts = submissions(root, split)
    rated = sorted({p for papers in ratings.values() for p in papers if p in texts})
    matcher.encoder.encode_queries([texts[p] for p in rated])
    return [e["id"] for e in entities], {p: texts[p] for p in rated}


def collect(
    matcher: Matcher, root: Path, split: int, ratings: dict[str, dict[str, float]]
) -> Parts:
    """Build a split's catalogue; dense and lexical parts of every (paper, reviewer) score."""
    ids, rated = build_split(matcher, root, split, ratings)
    return {
        paper: {c.entity_id: c for c in matcher.score_parts(text, ids)}
        for paper, text in rated.items()
    }


def predictions(parts: Parts, ranking: RankingSettings) -> dict[str, dict[str, float]]:
    """Reviewer -> paper -> fused score (RRF ranks reviewers within each paper)."""
    predicted: dict[str, dict[str, float]] = {}
    for paper, by_entity in parts.items():
        candidates = [replace(c, score=0.0) for c in by_entity.values()]
        fuse(candidates, ranking)
        for candidate in candidates:
            reviewer = candidate.entity_id.removeprefix("researcher:ss-")
            predicted.setdefault(reviewer, {})[paper] = candidate.score
    return predicted


def rated_truth(
    predicted: dict[str, dict[str, float]], ratings: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    """Each predicted reviewer's ratings of the papers that have a prediction."""
    return {
        r: {p: e for p, e in ratings[r].items() if p in predicted.get(r, {})}
        for r in predicted
        if r in ratings
    }


def split_metrics(
    parts: Parts, ratings: dict[str, dict[str, float]], ranking: RankingSettings
) -> dict[str, float]:
    """Loss and pair accuracies of one split under one ranking configuration."""
    predicted = predictions(parts, ranking)
    truth = rated_truth(predicted, ratings)
    return {
        "loss": pair_loss(predicted, truth),
        "easy_accuracy": pair_accuracy(predicted, truth, "easy"),
        "hard_accuracy": pair_accuracy(predicted, truth, "hard"),
    }


class GoldStandard:
    """Reviewer-paper expertise ordering; primary metric: loss averaged over splits."""

    name = "goldstandard"

    def __init__(self, splits: tuple[int, ...] = SPLITS) -> None:
        self.splits = splits

    def parts(
        self, settings: Settings, data: Path, encoder: Encoder | None = None, progress: bool = False
    ) -> tuple[dict[int, Parts], dict[str, dict[str, float]], Matcher]:
        """Score parts of every split, for evaluating many ranking configurations at once."""
        ratings = load_ratings(data)
        matcher = Matcher(settings, encoder=encoder)
        splits = tqdm(self.splits, desc="splits", disable=not progress)
        return {s: collect(matcher, data, s, ratings) for s in splits}, ratings, matcher

    def run(
        self, settings: Settings, data: Path, encoder: Encoder | None = None, progress: bool = False
    ) -> EvaluationResult:
        """Loss, easy and hard pair accuracy per split and on average."""
        parts, ratings, matcher = self.parts(settings, data, encoder, progress)
        per_split = {str(s): split_metrics(p, ratings, matcher.ranking) for s, p in parts.items()}
        metrics = {
            key: float(np.mean([m[key] for m in per_split.values()]))
            for key in ("loss", "easy_accuracy", "hard_accuracy")
        }
        details = {"splits": per_split, "model": matcher.encoder.model_id}
        return EvaluationResult(self.name, metrics, "loss", False, details)
