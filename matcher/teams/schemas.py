"""Requests and answers of OpenLab team formation."""

from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from matcher.schemas import Area, Count, Kind, Language, Number, Term, Text

PersonId = Annotated[str, StringConstraints(min_length=1, max_length=120, pattern=r"^\S+$")]


class Challenge(BaseModel):
    """One OpenLab challenge that gets one team."""

    model_config = ConfigDict(extra="forbid")

    id: PersonId
    text: Text = Field(..., description="What the challenge is about, Swedish or English.")
    skills: list[Term] = Field([], description="Skills the team should cover.")
    min_size: Count | None = Field(None, ge=1, le=50)
    max_size: Count | None = Field(None, ge=1, le=50)

    @model_validator(mode="after")
    def _sizes(self) -> "Challenge":
        if self.min_size and self.max_size and self.min_size > self.max_size:
            raise ValueError(f"challenge {self.id}: min_size is above max_size")
        return self


class Profile(BaseModel):
    """A participant who is not in the catalogue (a student, a professional)."""

    model_config = ConfigDict(extra="forbid")

    id: PersonId
    name: Term
    description: Text
    skills: list[Term] = []
    disciplines: list[Term] = []
    organisation: Term
    language: Language = "en"


class PoolFilter(BaseModel):
    """Catalogue entities to take into the pool."""

    model_config = ConfigDict(extra="forbid")

    kinds: list[Kind] = ["researcher"]
    areas: list[Area] = []
    municipalities: list[Term] = []


class Pool(BaseModel):
    """The participants: catalogue ids, inline profiles and/or a catalogue filter."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [  # not empty: ids, profiles or a filter
                {"required": ["ids"], "properties": {"ids": {"minItems": 1}}},
                {"required": ["profiles"], "properties": {"profiles": {"minItems": 1}}},
                {"required": ["filter"], "properties": {"filter": {"type": "object"}}},
            ]
        },
    )

    ids: list[PersonId] = []
    profiles: list[Profile] = []
    filter: PoolFilter | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> "Pool":
        if not self.ids and not self.profiles and self.filter is None:
            raise ValueError("pool is empty: give ids, profiles or a filter")
        return self


class TeamConstraints(BaseModel):
    """Rules every team keeps."""

    model_config = ConfigDict(extra="forbid")

    min_size: Count = Field(3, ge=1, le=50)
    max_size: Count = Field(5, ge=1, le=50)
    max_org_share: Number | None = Field(
        None, gt=0, le=1, description="Largest share of a team from one organisation."
    )
    min_disciplines: Count = Field(0, ge=0, le=20)
    together: list[tuple[PersonId, PersonId]] = Field([], description="Pairs in the same team.")
    apart: list[tuple[PersonId, PersonId]] = Field([], description="Pairs never in one team.")
    leave_out: list[PersonId] = []

    @model_validator(mode="after")
    def _sizes(self) -> "TeamConstraints":
        if self.min_size > self.max_size:
            raise ValueError(f"min_size {self.min_size} is above max_size {self.max_size}")
        return self


class TeamRequest(BaseModel):
    """Challenges, a pool of participants and the constraints."""

    model_config = ConfigDict(extra="forbid")

    challenges: list[Challenge] = Field(..., min_length=1, max_length=200)
    pool: Pool
    constraints: TeamConstraints = TeamConstraints()
    solver: Literal["auto", "exact", "greedy"] = "auto"
    time_limit_s: Number = Field(20.0, gt=0, le=120, description="Seconds for the exact solver.")

    @field_validator("challenges")
    @classmethod
    def _unique(cls, value: list[Challenge]) -> list[Challenge]:
        ids = [c.id for c in value]
        if len(set(ids)) != len(ids):
            raise ValueError("challenge ids must be unique")
        return value


class Member(BaseModel):
    """A participant placed in a team, with the reason."""

    id: str
    name: str
    organisation: str
    disciplines: list[str]
    skills: list[str] = Field([], description="The challenge's skills this member brings.")
    affinity: float = Field(..., description="Fit to the challenge, 0..1 over the pool.")
    in_catalogue: bool = Field(..., description="Whether the member has a catalogue profile.")
    reason: str


class Team(BaseModel):
    """The team of one challenge."""

    challenge_id: str
    members: list[Member]
    skills_covered: list[str]
    skills_missing: list[str]
    disciplines: list[str]
    organisations: list[str]
    objective: float


class NotPlaced(BaseModel):
    """A participant in no team, and why."""

    id: str
    name: str
    organisation: str
    disciplines: list[str]
    reason: str


class TeamResponse(BaseModel):
    """Teams with the solver's verdict."""

    status: Literal["optimal", "feasible", "greedy"]
    solver: str
    objective: float
    gap: float | None = Field(None, description="Relative optimality gap (0 when proven).")
    seconds: float
    note: str | None = None
    teams: list[Team]
    unassigned: list[str]
    not_placed: list[NotPlaced] = Field([], description="The unassigned people, with why.")
