"""Introductions: ask to be introduced to a result; follow the request with its token; an
operator (editor key) sees the queue and records each step."""

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, status

from api.deps import MatcherDep
from matcher.errors import UnknownEntityError
from matcher.watch.introductions import PER_HOUR, Introductions
from matcher.watch.schemas import (
    Introduction,
    IntroductionCreated,
    IntroductionIn,
    IntroductionStatus,
    IntroStatus,
    QueuedIntroduction,
)

router = APIRouter(prefix="/v1", tags=["introductions"])
IntroToken = Annotated[
    str | None, Header(alias="X-Intro-Token", description="The requester's token.")
]


def _store(request: Request) -> Introductions:
    store: Introductions = request.app.state.introductions
    return store


@router.post(
    "/introductions", status_code=status.HTTP_201_CREATED, response_model=IntroductionCreated
)
def request_introduction(
    body: IntroductionIn, matcher: MatcherDep, request: Request
) -> IntroductionCreated:
    """Ask to be introduced. A lab with a public e-mail contact gets the message and your
    contact by e-mail; for anyone else (a researcher's contact is never shown) an operator
    forwards it. Markup in the message is dropped. A few requests per contact an hour."""
    entity = matcher.get(body.entity_id)
    if entity is None:
        raise UnknownEntityError(f"no entity with id '{body.entity_id}'")
    store = _store(request)
    if store.recent(body.contact) >= PER_HOUR:
        raise HTTPException(
            429,
            f"at most {PER_HOUR} introduction requests an hour from one contact; try later",
            headers={"Retry-After": "3600"},
        )
    return IntroductionCreated.model_validate(
        store.create(entity, body.requester, body.contact, body.message)
    )


@router.get("/introductions/{intro_id}", response_model=Introduction)
def get_introduction(intro_id: str, request: Request, token: IntroToken = None) -> Introduction:
    """A request and its status, for its requester."""
    found = _store(request).owns(intro_id, token)
    if found is None:
        raise HTTPException(404, f"no introduction '{intro_id}' for this token")
    return Introduction.model_validate(found)


@router.get("/introductions", response_model=list[QueuedIntroduction])
def introduction_queue(
    request: Request,
    state: Annotated[IntroStatus | None, Query(alias="status")] = None,
) -> list[QueuedIntroduction]:
    """The requests, oldest first, for an operator to forward (editor key)."""
    return [QueuedIntroduction.model_validate(r) for r in _store(request).queue(state)]


@router.put("/introductions/{intro_id}/status", response_model=QueuedIntroduction)
def set_introduction_status(
    intro_id: str, body: IntroductionStatus, request: Request
) -> QueuedIntroduction:
    """Record an operator's step: forwarded, accepted or declined (editor key)."""
    store = _store(request)
    if not store.set_status(intro_id, body.status):
        raise HTTPException(404, f"no introduction '{intro_id}'")
    found = store.get(intro_id)
    assert found is not None
    return QueuedIntroduction.model_validate(found)
