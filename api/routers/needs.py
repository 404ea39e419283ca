"""Saved needs (kept with an owner token or an API key) and the open challenges published from
them, with the reverse question: which open challenges fit this entity."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response, status

from api.deps import MatcherDep
from matcher.errors import InvalidRequestError, UnknownEntityError
from matcher.schemas import Area
from matcher.watch import challenges
from matcher.watch.alert_store import AlertStore
from matcher.watch.delivery import atom_feed, check_webhook_host
from matcher.watch.schemas import (
    AlertList,
    Challenge,
    ChallengeList,
    EntityChallenges,
    SavedNeed,
    SavedNeedCreated,
    SavedNeedIn,
)
from matcher.watch.store import WatchStore

router = APIRouter(prefix="/v1", tags=["needs"])

TokenHeader = Annotated[
    str | None,
    Header(
        alias="X-Need-Token",
        description="The owner token given when the need was saved (not for a need saved "
        "with an API key).",
    ),
]


def _store(request: Request) -> WatchStore:
    store: WatchStore = request.app.state.watch
    return store


def _alerts(request: Request) -> AlertStore:
    alerts: AlertStore = request.app.state.alerts
    return alerts


def _baseline(request: Request, matcher: MatcherDep, need_id: str, body: SavedNeedIn) -> None:
    """What the need is shown now never becomes an alert: only later matches do."""
    shown = matcher.recommend(body.request(), record=False)
    ids = [r.id for r in shown.results + shown.testbeds + (shown.partner_set or [])]
    _alerts(request).mark_seen(need_id, ids)


def _key_id(request: Request) -> str | None:
    key = getattr(request.state, "api_key", None)
    return key.id if key is not None else None


def _checked(body: SavedNeedIn, matcher: MatcherDep, today: date) -> None:
    matcher.check(body.request())
    if body.visibility == "public" and body.deadline is not None and body.deadline < today:
        raise InvalidRequestError(f"the deadline {body.deadline} has passed")
    if body.webhook_url:
        try:
            check_webhook_host(body.webhook_url, matcher.settings.alerts.allow_private_webhooks)
        except ValueError as exc:
            raise InvalidRequestError(f"webhook_url: {exc}") from exc
        except OSError:
            pass  # not resolvable now: delivery tries again later and shows any failure


def _owned(request: Request, need_id: str, token: str | None) -> dict:
    """The stored need when the token or key owns it; 404 otherwise (whether it exists or not)."""
    store = _store(request)
    record = store.get(need_id)
    if record is None or not store.owns(record, token, _key_id(request)):
        raise HTTPException(404, f"no saved need '{need_id}' for this token or key")
    return record


def _view(record: dict, today: date) -> SavedNeed:
    return SavedNeed(
        **record["body"],
        id=record["id"],
        created=record["created"],
        updated=record["updated"],
        open=challenges.is_open(record["body"], today),
    )


@router.post("/needs", status_code=status.HTTP_201_CREATED, response_model=SavedNeedCreated)
def save_need(body: SavedNeedIn, matcher: MatcherDep, request: Request) -> SavedNeedCreated:
    """Save a need to ask again and watch; public with an owner and a deadline, it is an open
    challenge. Without an API key the answer holds the owner token, shown this once."""
    today = date.today()
    _checked(body, matcher, today)
    need_id, token = _store(request).create(body.model_dump(mode="json"), _key_id(request))
    _baseline(request, matcher, need_id, body)
    record = _store(request).get(need_id)
    assert record is not None
    secret = record["webhook_secret"] if body.webhook_url else None
    return SavedNeedCreated(**_view(record, today).model_dump(), token=token, webhook_secret=secret)


@router.get("/needs/{need_id}", response_model=SavedNeed)
def get_need(need_id: str, request: Request, token: TokenHeader = None) -> SavedNeed:
    """A saved need, for its owner."""
    return _view(_owned(request, need_id, token), date.today())


@router.put("/needs/{need_id}", response_model=SavedNeed)
def put_need(
    need_id: str,
    body: SavedNeedIn,
    matcher: MatcherDep,
    request: Request,
    token: TokenHeader = None,
) -> SavedNeed:
    """Replace a saved need (its owner only)."""
    _owned(request, need_id, token)
    today = date.today()
    _checked(body, matcher, today)
    _store(request).update(need_id, body.model_dump(mode="json"))
    _alerts(request).forget_need(need_id)  # a new need: its alerts start again from now
    _baseline(request, matcher, need_id, body)
    return _view(_owned(request, need_id, token), today)


@router.delete("/needs/{need_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_need(need_id: str, request: Request, token: TokenHeader = None) -> Response:
    """Delete a saved need (its owner only); a published challenge disappears with it."""
    _owned(request, need_id, token)
    _alerts(request).forget_need(need_id)
    _store(request).delete(need_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/needs/{need_id}/alerts", response_model=AlertList)
def need_alerts(need_id: str, request: Request, token: TokenHeader = None) -> AlertList:
    """New strong or possible matches since the need was saved, newest first, with the state
    of each delivery (webhook, e-mail)."""
    _owned(request, need_id, token)
    return AlertList.model_validate(
        {"need_id": need_id, "alerts": _alerts(request).of_need(need_id)}
    )


FEED = "application/atom+xml"
FeedToken = Annotated[
    str | None, Query(description="The owner token (feed readers send no headers).")
]


@router.get(
    "/needs/{need_id}/alerts.atom",
    response_class=Response,
    responses={200: {"content": {FEED: {"schema": {"type": "string"}}}}},
)
def need_feed(
    need_id: str,
    request: Request,
    token: FeedToken = None,
    header_token: TokenHeader = None,
) -> Response:
    """The need's alerts as an Atom feed; the feed's address with its token is the secret."""
    record = _owned(request, need_id, token or header_token)
    base = request.app.state.alert_settings.public_url
    return Response(atom_feed(record, _alerts(request).of_need(need_id), base), media_type=FEED)


@router.get("/challenges", response_model=ChallengeList)
def list_challenges(
    request: Request,
    q: Annotated[str, Query(max_length=200, description="Words every hit holds.")] = "",
    area: Annotated[Area | None, Query(description="Only this priority area.")] = None,
) -> ChallengeList:
    """Open challenges (public, deadline not passed), soonest deadline first."""
    found = challenges.matching(_store(request).open_challenges(date.today()), q, area)
    return ChallengeList(total=len(found), items=found)


@router.get("/challenges/{challenge_id}", response_model=Challenge)
def get_challenge(challenge_id: str, request: Request) -> Challenge:
    """One open challenge."""
    record = _store(request).get(challenge_id)
    if record is None or not challenges.is_open(record["body"], date.today()):
        raise HTTPException(404, f"no open challenge '{challenge_id}'")
    return challenges.challenge_of(record)


@router.get("/entities/{entity_id}/challenges", response_model=EntityChallenges)
def entity_challenges(
    entity_id: str,
    matcher: MatcherDep,
    request: Request,
    top_k: Annotated[int, Query(ge=1, le=100)] = 10,
) -> EntityChallenges:
    """The open challenges that fit a company, lab or researcher, best first, with the band,
    relevance and reasons a recommendation for each challenge would give it."""
    entity = matcher.get(entity_id)
    if entity is None:
        raise UnknownEntityError(f"no entity with id '{entity_id}'")
    records = _store(request).open_challenges(date.today())
    found = challenges.for_entity(matcher.served(), matcher.encoder.encode_queries, entity, records)
    return EntityChallenges(entity_id=entity_id, results=found[:top_k])
