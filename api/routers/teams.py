"""POST /v1/teams."""

from fastapi import APIRouter

from api.deps import MatcherDep
from matcher.teams.schemas import TeamRequest, TeamResponse

router = APIRouter(prefix="/v1", tags=["teams"])


@router.post("/teams", response_model=TeamResponse)
def form_teams(request: TeamRequest, matcher: MatcherDep) -> TeamResponse:
    """Balanced interdisciplinary teams for OpenLab challenges from a pool of participants.

    422 with code `infeasible` says which rules clash when no teams can meet them all.
    """
    return matcher.form_teams(request)
