"""What the coach tests share: a synthetic market, portfolio and response helpers."""

from pathlib import Path
from typing import Any

import numpy as np

from matcher.coach import workflow as coach
from matcher.coach.schemas import PortfolioCreate
from matcher.engine import Matcher
from matcher.schemas import RecommendationResponse
from matcher.search.reranker import FEATURES, Reranker

REPO_MODELS = Path(__file__).resolve().parents[2] / "models"
BATTERY_TEXT = (
    "Recycling of lithium-ion batteries; cobalt and nickel from black mass. pilot customers"
)
FRAUD_TEXT = "Fraud detection for payments and banking with graph analytics."
CARE_NEED = "Robots and sensors for elderly care at home, fall prevention"
BATTERY_NEED = "battery recycling black mass"
EXPORT_COLUMNS = [
    "portfolio",
    "need_id",
    "startup",
    "need",
    "entity_id",
    "name",
    "kind",
    "band",
    "relevance",
    "reason",
    "note",
    "contact",
]

# A larger synthetic market for training: 36 companies and 18 researchers on six topics.
TOPICS = [
    "battery recycling black mass",
    "elderly care robots at home",
    "fraud detection payments banking",
    "solar panels grid storage",
    "water purification membranes",
    "food waste fermentation",
]
PLACES = ["Stockholm", "Solna", "Huddinge", "Täby"]


def market() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for i in range(36):
        rows.append(
            {
                "id": f"company:c{i:02d}",
                "kind": "company",
                "name": f"Company {i}",
                "description": f"{TOPICS[i % 6]} for customers of kind {i % 5}",
                "stage": ["startup", "sme", "large"][i % 3],
                "location": {"municipality": PLACES[i % 4]},
                "disciplines": [f"discipline {i % 6}"],
                "seeks": [f"partners in {TOPICS[(i + 1) % 6]}"],
            }
        )
    for i in range(18):
        rows.append(
            {
                "id": f"researcher:r{i:02d}",
                "kind": "researcher",
                "name": f"Researcher {i}",
                "affiliation": "KTH",
                "consent": True,
                "description": f"Research on {TOPICS[i % 6]}",
                "publications": [{"title": f"{TOPICS[i % 6]} study {i}", "year": 2012 + i}],
                "location": {"municipality": PLACES[i % 4]},
                "disciplines": [f"discipline {i % 6}"],
            }
        )
    return rows


def make_portfolio(matcher: Matcher, needs: list[dict[str, Any]], name: str = "Spring") -> dict:
    return coach.create_portfolio(
        matcher, PortfolioCreate.model_validate({"name": name, "needs": needs})
    )


def ids(results: list[Any] | None) -> list[str]:
    return [r.id for r in results or []]


def summary(response: RecommendationResponse) -> dict[str, Any]:
    """What a user sees of a response: ids in order, scores, aspects, the partner set."""
    return {
        "need_id": response.need_id,
        "results": [(r.id, r.score) for r in response.results],
        "testbeds": [(r.id, r.score) for r in response.testbeds],
        "partner_set": ids(response.partner_set),
        "aspects": [(a.label, a.text, a.covered_by) for a in response.aspects],
        "reranked": response.reranked,
    }


def assert_error(response: Any, status: int, code: str, fragment: str = "") -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code
    assert fragment in error["message"]


def researchers_first() -> Reranker:
    """A reranker that only cares whether a suggestion is a researcher."""
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("researcher")] = 5.0
    return Reranker(np.zeros(len(FEATURES)), np.ones(len(FEATURES)), weights, 0.0)


def assert_cli_error(result: tuple[int, str, str], fragment: str) -> None:
    code, out, err = result
    assert code == 2 and out == ""
    assert err.startswith("matcher: error:") and fragment in err
    assert err.count("\n") == 1 and "Traceback" not in err


def notes(shortlist: list[dict]) -> list[tuple[str, str]]:
    """A shortlist as (entity id, note) pairs, in order."""
    return [(entry["entity_id"], entry["note"]) for entry in shortlist]
