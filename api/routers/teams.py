"""POST /v1/teams."""

from fastapi import APIRouter, Request

from api.deps import MatcherDep, SolvesDep, has_key
from matcher.teams.schemas import TeamRequest, TeamResponse

router = APIRouter(prefix="/v1", tags=["teams"])


@router.post("/teams", response_model=TeamResponse)
async def form_teams(
    request: TeamRequest, matcher: MatcherDep, heavy: SolvesDep, http: Request
) -> TeamResponse:
    """Balanced interdisciplinary teams for OpenLab challenges from a pool of participants.

    422 with code `infeasible` says which rules clash when no teams can meet them all. Without
    an API key the pool, the challenges and the solver's time are bounded (see the settings);
    503 with Retry-After when the server is busy with other solves and catalogue writes.
    """
    public = not has_key(http)
    return await heavy.run(matcher.form_teams, request, public, public=public)
