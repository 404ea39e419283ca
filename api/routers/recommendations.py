"""POST /v1/recommendations."""

from fastapi import APIRouter, Response

from api.deps import MatcherDep
from matcher.schemas import NeedRequest, RecommendationResponse

router = APIRouter(prefix="/v1", tags=["recommendations"])


@router.post("/recommendations", response_model=RecommendationResponse)
def recommend(request: NeedRequest, matcher: MatcherDep) -> Response:
    """Partners (companies, researchers) and testbeds (labs) for an innovation need.

    The answer is written as JSON straight from the model the engine built (the documented
    schema); letting the framework validate and convert it once more costs time on every
    request for nothing.
    """
    answer = matcher.recommend(request)
    return Response(answer.model_dump_json(), media_type="application/json")
