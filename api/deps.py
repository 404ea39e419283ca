"""Dependencies shared by the routers."""

from typing import Annotated

from fastapi import Depends, Request

from matcher.engine import Matcher


def get_matcher(request: Request) -> Matcher:
    """The engine the app was created with."""
    matcher: Matcher = request.app.state.matcher
    return matcher


MatcherDep = Annotated[Matcher, Depends(get_matcher)]
