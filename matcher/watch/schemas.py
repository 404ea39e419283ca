"""Saved needs and published challenges: requests and answers."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from matcher.schemas import Band, NeedRequest, Reasons, Term

Visibility = Literal["private", "public"]


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
        return NeedRequest.model_validate(self.model_dump(include=set(NeedRequest.model_fields)))


class SavedNeed(SavedNeedIn):
    """A stored need."""

    id: str
    created: str
    updated: str
    open: bool = Field(..., description="Public and not past its deadline.")


class SavedNeedCreated(SavedNeed):
    """A new need, with the token that is its owner's only way to read or change it (shown
    once; not needed for a need saved with an API key)."""

    token: str | None = None


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
