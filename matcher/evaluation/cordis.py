"""CORDIS consortia: for each EU project's objective, find the organisations that took part.

An organisation's profile holds only the *other* projects it joined (the query project is left
out), so the engine must recognise a good partner from its record elsewhere. Organisations that
joined no other project have nothing to be found by; they still count in recall ("all") and
are left out of the "findable" figures. Dense-only and BM25-only runs are baselines computed
on the same builds.
"""

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.evaluation.base import EvaluationDataError, EvaluationResult
from matcher.evaluation.metrics import ndcg_at, recall_at
from matcher.search.ranking import Candidate, fuse
from matcher.settings import RankingSettings, Settings

KIND_BY_ACTIVITY = {"PRC": "company"}


def load(root: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Projects and participation rows of the export."""
    try:
        projects = json.loads((root / "project.json").read_text(encoding="utf-8"))
        rows = json.loads((root / "organization.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise EvaluationDataError(f"CORDIS export not found in {root}: {exc.filename}") from exc
    return projects, rows


def project_text(project: dict[str, Any]) -> str:
    """Title and objective of a project."""
    return " ".join(f"{project['title']}. {project.get('objective') or ''}".split())


def organisation_entity(
    org_id: str, rows: list[dict[str, Any]], projects: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A catalogue entity for an organisation whose profile is the given projects."""
    first = rows[0]
    kind = KIND_BY_ACTIVITY.get(str(first.get("activityType", "")).split(";")[0], "lab")
    name = str(first.get("name") or org_id)
    place = ", ".join(str(first.get(k)) for k in ("city", "country") if first.get(k))
    entity: dict[str, Any] = {
        "id": f"{kind}:cordis-{org_id}",
        "kind": kind,
        "name": name[:200],
        "description": f"{name}, {place}." if place else f"{name}.",
        "projects": [
            {
                "title": projects[str(r["projectID"])]["title"],
                "summary": projects[str(r["projectID"])].get("objective") or "",
            }
            for r in rows
        ],
    }
    if kind == "lab":
        entity["host"] = name[:200]
    return entity


def leave_one_out(
    project_id: str, rows: list[dict[str, Any]], projects: dict[str, dict[str, Any]]
) -> tuple[list[dict[str, Any]], set[str], set[str]]:
    """Catalogue without the query project; its participants (all, and those with a profile)."""
    by_org: dict[str, list[dict[str, Any]]] = defaultdict(list)
    participants: set[str] = set()
    for row in rows:
        org = str(row["organisationID"])
        if str(row["projectID"]) == project_id:
            participants.add(org)
        elif str(row["projectID"]) in projects:
            by_org[org].append(row)
    entities = [organisation_entity(org, r, projects) for org, r in sorted(by_org.items())]
    ids = {e["id"].split(":cordis-")[1]: e["id"] for e in entities}
    findable = {ids[o] for o in participants if o in ids}
    everyone = {ids.get(o, f"absent:{o}") for o in participants}
    return entities, everyone, findable


def ranking_metrics(ranked: list[str], everyone: set[str], findable: set[str]) -> dict[str, float]:
    """Recall@10/@50 and nDCG@10 against all participants and against the findable ones."""
    return {
        "recall@10": recall_at(ranked, everyone, 10),
        "recall@50": recall_at(ranked, everyone, 50),
        "ndcg@10": ndcg_at(ranked, everyone, 10),
        "findable_recall@50": recall_at(ranked, findable, 50),
    }


class Cordis:
    """Consortium recovery; primary metric: Recall@50 of the configured ranking."""

    name = "cordis"

    def configurations(self, ranking: RankingSettings) -> dict[str, RankingSettings]:
        """The configured ranking with its two single-signal baselines."""
        return {
            "engine": ranking,
            "dense": ranking.model_copy(update={"fusion": "convex", "lexical_weight": 0.0}),
            "bm25": ranking.model_copy(update={"fusion": "bm25"}),
        }

    def collect(
        self, settings: Settings, data: Path, encoder: Encoder | None = None, progress: bool = False
    ) -> list[tuple[list[Candidate], set[str], set[str]]]:
        """Per project: unfused scores of every organisation, all participants, findable ones."""
        project_list, rows = load(data)
        projects = {str(p["id"]): p for p in project_list}
        matcher = Matcher(settings, encoder=encoder)
        found = []
        for project_id, project in tqdm(projects.items(), desc="projects", disable=not progress):
            entities, everyone, findable = leave_one_out(project_id, rows, projects)
            catalogue = matcher.data_dir / "cordis-catalogue.jsonl"
            catalogue.write_text("\n".join(json.dumps(e) for e in entities), encoding="utf-8")
            matcher.build(str(catalogue))
            parts = matcher.score_parts(project_text(project), [e["id"] for e in entities])
            found.append((parts, everyone, findable))
        self.model_id = matcher.encoder.model_id
        self.ranking = matcher.ranking
        return found

    def metrics(
        self, found: list[tuple[list[Candidate], set[str], set[str]]], ranking: RankingSettings
    ) -> dict[str, float]:
        """Mean ranking metrics over projects under one ranking configuration."""
        runs = [ranking_metrics(self._rank(p, ranking), e, f) for p, e, f in found]
        return {key: float(np.mean([r[key] for r in runs])) for key in runs[0]}

    def recall(
        self, found: list[tuple[list[Candidate], set[str], set[str]]], ranking: RankingSettings
    ) -> float:
        """Mean Recall@50 under one ranking configuration."""
        return self.metrics(found, ranking)["recall@50"]

    def run(
        self, settings: Settings, data: Path, encoder: Encoder | None = None, progress: bool = False
    ) -> EvaluationResult:
        """Leave-one-out builds, scored under the engine's ranking and both baselines."""
        found = self.collect(settings, data, encoder, progress)
        metrics: dict[str, float] = {}
        for name, ranking in self.configurations(self.ranking).items():
            prefix = "" if name == "engine" else f"{name}/"
            metrics.update({f"{prefix}{k}": v for k, v in self.metrics(found, ranking).items()})
        details = {"projects": len(found), "model": self.model_id}
        return EvaluationResult(self.name, metrics, "recall@50", True, details)

    @staticmethod
    def _rank(parts: list[Candidate], ranking: RankingSettings) -> list[str]:
        candidates = [replace(c, score=0.0) for c in parts]
        fuse(candidates, ranking)
        candidates.sort(key=lambda c: (-c.score, c.entity_id))
        return [c.entity_id for c in candidates]
