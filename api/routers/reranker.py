"""Retraining the learned reranker from the coaches' feedback (admin only)."""

from typing import Any

from fastapi import APIRouter

from api.deps import MatcherDep
from matcher.coach.training import TrainingDataError, train
from matcher.errors import InvalidRequestError

router = APIRouter(prefix="/v1", tags=["coach"])


@router.post("/reranker:train")
def retrain(matcher: MatcherDep, seed: int = 0) -> dict[str, Any]:
    """Train on every stored verdict, compare held out, and use it only if it wins."""
    try:
        trained = train(matcher, seed)
    except TrainingDataError as exc:
        raise InvalidRequestError(str(exc)) from exc
    return {"active": trained.active, **trained.metrics}
