"""POST /v1/recommendations."""

from fastapi import APIRouter

from api.deps import MatcherDep
from matcher.schemas import NeedRequest, RecommendationResponse

router = APIRouter(prefix="/v1", tags=["recommendations"])


@router.post("/recommendations", response_model=RecommendationResponse)
def recommend(request: NeedRequest, matcher: MatcherDep) -> RecommendationResponse:
    """Partners (companies, researchers) and testbeds (labs) for an innovation need."""
    return matcher.recommend(request)
