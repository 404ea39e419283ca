"""Partner sets against the plain top list, on needs the project wrote for the demo catalogue.

partnersets.jsonl holds ten needs over the four priority areas (three in Swedish). Each names
3-4 aspects with the demo partners (companies, consenting researchers) a coach would call
relevant for that aspect, labelled from the catalogue text without running the engine.

For every need the engine's partner set (3-6 members) is compared with its plain top-5
partner list and with the plain list cut to the set's size:
- distinct disciplines among the members;
- aspects covered, twice: the aspects the engine found (some member's cover >= 0.5) and the
  labelled aspects (some member labelled relevant for it);
- mean relevance, twice: the engine's score for the whole need (ratio set / top-5), and the
  share of members labelled relevant for any aspect.
The ranked list spread over disciplines (`diversify`) is compared with the plain top-10 on
distinct disciplines and labelled precision. The aspects the engine finds are compared with
the labelled aspects' disciplines (precision and recall of the discipline names).
"""

import json
from pathlib import Path
from typing import Any

import numpy as np

from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.evaluation.base import EvaluationDataError, EvaluationResult
from matcher.needs.analysis import COVERED
from matcher.schemas import NeedRequest, Result
from matcher.settings import Settings

NEEDS = Path(__file__).with_name("partnersets.jsonl")
PARTNERS = ["company", "researcher"]


def load_needs(path: Path) -> list[dict[str, Any]]:
    """The labelled needs."""
    if not path.exists():
        raise EvaluationDataError(f"partner-set needs not found: {path}")
    needs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    if not needs or any("need" not in n or "aspects" not in n for n in needs):
        raise EvaluationDataError(f"{path} has no needs with labelled aspects")
    return needs


def _disciplines(results: list[Result]) -> int:
    return len({d for r in results for d in r.disciplines})


def _labelled_aspects(ids: list[str], aspects: list[dict[str, Any]]) -> int:
    return sum(bool(set(ids) & set(a["relevant"])) for a in aspects)


def _labelled_share(ids: list[str], aspects: list[dict[str, Any]]) -> float:
    relevant = {e for a in aspects for e in a["relevant"]}
    return sum(i in relevant for i in ids) / max(len(ids), 1)


def _model_aspects(ids: list[str], coverage: dict[str, np.ndarray]) -> int:
    rows = [coverage[i] for i in ids if i in coverage]
    return int((np.max(rows, axis=0) >= COVERED).sum()) if rows else 0


def _mean_score(results: list[Result]) -> float:
    return float(np.mean([r.score for r in results])) if results else 0.0


def measure(matcher: Matcher, need: dict[str, Any]) -> dict[str, Any]:
    """Every figure for one need."""
    request = NeedRequest(need=need["need"], kinds=PARTNERS, top_k=10)
    [answer] = matcher.answers([request], record=False, rerank=False)
    response = answer.response
    members = response.partner_set or []
    top5 = response.results[:5]
    same = response.results[: len(members)]
    spread = matcher.recommend(request.model_copy(update={"diversify": True}))
    labelled = need["aspects"]
    lists = {"set": members, "top5": top5, "top_same_size": same}
    row: dict[str, Any] = {
        "id": need["id"],
        "language": need.get("language"),
        "set_size": len(members),
        "aspects_found": len(response.aspects),
        "aspect_labels": [a.label for a in response.aspects],
    }
    found = {a.label for a in response.aspects}
    wanted = {a["discipline"] for a in labelled if a.get("discipline")}
    row["aspects/precision"] = len(found & wanted) / max(len(found), 1)
    row["aspects/recall"] = len(found & wanted) / max(len(wanted), 1)
    for name, results in lists.items():
        ids = [r.id for r in results]
        row[f"{name}/disciplines"] = _disciplines(results)
        row[f"{name}/model_aspects"] = _model_aspects(ids, answer.coverage)
        row[f"{name}/labelled_aspects"] = _labelled_aspects(ids, labelled)
        row[f"{name}/mean_score"] = _mean_score(results)
        row[f"{name}/labelled_relevant"] = _labelled_share(ids, labelled)
    for name, results in (("top10", response.results), ("diverse10", spread.results)):
        row[f"{name}/disciplines"] = _disciplines(results)
        row[f"{name}/labelled_relevant"] = _labelled_share([r.id for r in results], labelled)
    return row


class PartnerSets:
    """Coverage, diversity and relevance of partner sets on the demo catalogue."""

    name = "partnersets"

    def run(
        self, settings: Settings, data: Path, encoder: Encoder | None = None, progress: bool = False
    ) -> EvaluationResult:
        needs = load_needs(data)
        matcher = Matcher(settings, encoder=encoder)
        matcher.build("demo", progress=progress)
        rows = [measure(matcher, need) for need in needs]
        keys = [k for k in rows[0] if "/" in k]
        metrics = {k: float(np.mean([r[k] for r in rows])) for k in keys}
        metrics["relevance_ratio/model"] = metrics["set/mean_score"] / metrics["top5/mean_score"]
        metrics["relevance_ratio/labelled"] = metrics["set/labelled_relevant"] / max(
            metrics["top5/labelled_relevant"], 1e-9
        )
        metrics["needs"] = float(len(rows))
        return EvaluationResult(
            name=self.name,
            metrics=metrics,
            primary="set/labelled_aspects",
            higher_is_better=True,
            details={"needs": rows},
        )
