"""Saved needs and published challenges: requests and answers."""

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from matcher.schemas import Band, NeedRequest, Reasons, Term, WebUrl

Visibility = Literal["private", "public"]
EMAIL = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"
Email = Annotated[str, StringConstraints(max_length=254, pattern=EMAIL)]


class SavedNeedIn(NeedRequest):
    """A need kept to be asked again and watched: the recommendation request, a title, and,
    to publish it as an open challenge (a public buyer's procurement challenge, an OpenLab
    challenge, a company's partner request), `visibility: public` with the owner organisation
    and a deadline."""

    title: Term | None = None
    visibility: Visibility = "private"
    owner_organisation: Term | None = Field(
        None, description="Who publishes the challenge (needed when public)."
    )
    deadline: date | None = Field(
        None, description="The last day the challenge is open (needed when public)."
    )
    webhook_url: WebUrl | None = Field(
        None, description="Alerts are POSTed here, signed with HMAC-SHA256 (X-Signature)."
    )
    email: Email | None = Field(None, description="Alerts are mailed here (where SMTP is set).")

    @model_validator(mode="after")
    def _public_needs_owner_and_deadline(self) -> "SavedNeedIn":
        if self.visibility == "public":
            missing = [
                name
                for name, value in (
                    ("owner_organisation", self.owner_organisation),
                    ("deadline", self.deadline),
                )
                if value is None
            ]
            if missing:
                raise ValueError(f"a public challenge needs {' and '.join(missing)}")
        return self

    def request(self) -> NeedRequest:
        """The recommendation request it stands for."""
        return stored_request(self.model_dump())


def stored_request(body: dict[str, Any]) -> NeedRequest:
    """The recommendation request a saved need's stored body stands for."""
    fields = {k: v for k, v in body.items() if k in NeedRequest.model_fields and v is not None}
    return NeedRequest.model_validate(fields)


class SavedNeed(SavedNeedIn):
    """A stored need."""

    id: str
    created: str
    updated: str
    open: bool = Field(..., description="Public and not past its deadline.")


class SavedNeedCreated(SavedNeed):
    """A new need, with the token that is its owner's only way to read or change it (shown
    once; not needed for a need saved with an API key) and the secret its webhook deliveries
    are signed with."""

    token: str | None = None
    webhook_secret: str | None = None


class Delivery(BaseModel):
    """One channel's delivery of an alert."""

    status: Literal["pending", "sending", "sent", "failed"]
    attempts: int
    last_error: str | None = None


class Alert(BaseModel):
    """A new strong or possible match for a saved need."""

    id: int
    entity_id: str
    name: str
    kind: str
    band: Band
    relevance: float
    created: str
    deliveries: dict[str, Delivery] = {}


class AlertList(BaseModel):
    """A saved need's alerts, newest first."""

    need_id: str
    alerts: list[Alert]


class Challenge(BaseModel):
    """An open challenge as anyone sees it (no token, no exclusions)."""

    id: str
    title: str
    need: str
    owner_organisation: str
    deadline: date
    areas: list[str] = []
    kinds: list[str] | None = None


class ChallengeList(BaseModel):
    """Open challenges, newest deadline last."""

    total: int
    items: list[Challenge]


class ChallengeMatch(BaseModel):
    """An open challenge ranked for one entity, with the reasons and band a recommendation
    would give the entity for that need."""

    challenge: Challenge
    score: float = Field(..., description="The engine's own ranking score (only for ordering).")
    relevance: float = Field(..., ge=0, le=1)
    band: Band
    reasons: Reasons


class EntityChallenges(BaseModel):
    """The open challenges that fit one company, lab or researcher, best first."""

    entity_id: str
    results: list[ChallengeMatch]


IntroStatus = Literal["requested", "forwarded", "accepted", "declined"]


class IntroductionIn(BaseModel):
    """A request to be introduced to a company, lab or researcher."""

    model_config = ConfigDict(extra="forbid")

    entity_id: str
    requester: Term = Field(..., description="Who asks (a name, an organisation).")
    contact: Email = Field(..., description="Where the answer goes; passed on to the entity.")
    message: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class Introduction(BaseModel):
    """A request as its requester sees it."""

    id: str
    entity_id: str
    requester: str
    message: str
    route: Literal["email", "operator"] = Field(
        ..., description="Sent to the entity's public contact, or through an operator."
    )
    status: IntroStatus
    created: str
    updated: str


class IntroductionCreated(Introduction):
    """A new request, with the token its requester follows it with (shown once)."""

    token: str


class QueuedIntroduction(Introduction):
    """A request as an operator sees it, with the requester's contact and the delivery."""

    contact: str
    delivery: str | None = None
    attempts: int = 0
    last_error: str | None = None


class IntroductionStatus(BaseModel):
    """An operator's step on a request."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["forwarded", "accepted", "declined"]
