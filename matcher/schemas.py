"""Entities, needs and results: the validated shapes that flow through the engine."""

import re
from datetime import date
from typing import Annotated, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    StringConstraints,
    TypeAdapter,
    field_validator,
    model_validator,
)

from matcher.text import SURROGATE, UNICODE_MESSAGE, contact, orcid, web_url

Kind = Literal["company", "lab", "researcher"]
KINDS: tuple[Kind, ...] = ("company", "lab", "researcher")


def _some_kinds(value: list[Kind]) -> list[Kind]:
    if not value:
        raise ValueError("kinds is empty: leave it out to get every kind")
    return value


Kinds = Annotated[list[Kind], AfterValidator(_some_kinds)]
PARTNER_KINDS: tuple[Kind, ...] = ("company", "researcher")
Area = Literal[
    "life-science-health",
    "ict-digital",
    "sustainable-production",
    "climate-urban",
    "medtech",
    "cleantech",
    "creative-industries",
]
AREAS: tuple[str, ...] = get_args(Area)
# JSON numbers only: not true (pydantic would read 1), not "1" (CSV cells are converted first)
Number = Annotated[float, Strict()]
Count = Annotated[int, Strict()]
Flag = Annotated[bool, Strict()]  # true or false, not 1 or "yes"
AccessType = Literal["physical", "remote", "virtual", "mail-in"]
AccessMode = Literal["free", "conditional", "paid", "peer-reviewed"]
Stage = Literal["startup", "sme", "large"]
Language = Literal["sv", "en"]

ID_PATTERN = re.compile(r"(company|lab|researcher):[a-z0-9][a-z0-9-]{0,99}")  # whole ids only
WebUrl = Annotated[str, AfterValidator(web_url)]
Contact = Annotated[str, AfterValidator(contact)]
Orcid = Annotated[str, AfterValidator(orcid)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Term = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class Location(BaseModel):
    """A municipality, optionally with coordinates."""

    model_config = ConfigDict(extra="forbid")

    municipality: Term
    lat: Number | None = Field(None, ge=-90, le=90)
    lon: Number | None = Field(None, ge=-180, le=180)


class Project(BaseModel):
    """A research or innovation project the entity took part in (e.g. from CORDIS)."""

    model_config = ConfigDict(extra="forbid")

    title: Text
    summary: str = ""
    year: Count | None = Field(None, ge=1900, le=2100)


class EntityBase(BaseModel):
    """Fields every catalogue entity has."""

    model_config = ConfigDict(extra="forbid")

    id: str
    kind: Kind
    name: Term
    description: Text
    keywords: list[Term] = []
    areas: list[Area] = []
    disciplines: list[Term] = []
    location: Location | None = None
    language: Language = "en"
    url: WebUrl | None = None
    updated_at: date | None = None
    projects: list[Project] = []

    @field_validator("id")
    @classmethod
    def _id_shape(cls, value: str) -> str:
        if not ID_PATTERN.fullmatch(value):
            raise ValueError(
                "id must look like 'kind:slug' with kind company, lab or researcher and a slug "
                "of lowercase letters, digits and hyphens"
            )
        return value

    @model_validator(mode="after")
    def _id_matches_kind(self) -> "EntityBase":
        if self.id.split(":", 1)[0] != self.kind:
            raise ValueError(f"id '{self.id}' does not start with its kind '{self.kind}:'")
        return self


class Company(EntityBase):
    """A company: startup, SME or large corporation."""

    kind: Literal["company"] = "company"
    stage: Stage = "sme"
    employees: Count | None = Field(None, ge=0)
    sector_codes: list[Term] = []
    offers: list[Term] = []
    seeks: list[Term] = []


class Lab(EntityBase):
    """A lab, testbed or research infrastructure (after the EOSC resource profile)."""

    kind: Literal["lab"] = "lab"
    host: Term
    capabilities: list[Text] = []
    access_types: list[AccessType] = []
    access_modes: list[AccessMode] = []
    open_to_smes: Flag = True
    trl_min: Count = Field(1, ge=1, le=9)
    trl_max: Count = Field(9, ge=1, le=9)
    price_url: WebUrl | None = None
    contact: Contact | None = None

    @model_validator(mode="after")
    def _trl_order(self) -> "Lab":
        if self.trl_min > self.trl_max:
            raise ValueError(f"trl_min {self.trl_min} is above trl_max {self.trl_max}")
        return self


class Publication(BaseModel):
    """One publication of a researcher."""

    model_config = ConfigDict(extra="forbid")

    title: Text
    abstract: str = ""
    year: Count | None = Field(None, ge=1900, le=2100)


Basis = Literal["consent", "public-register"]


class Researcher(EntityBase):
    """A researcher: personal data. Listed on one of two bases: the person's `consent` (a
    self-registered profile), or a `public-register` (grant records a funder publishes, which
    carry only professional data: name, affiliation, ORCID, grant titles and abstracts), with
    its `source`. Either way `opted_out` (or, on consent, `consent: false`) hides the person
    everywhere and erases what was derived from them."""

    kind: Literal["researcher"] = "researcher"
    affiliation: Term
    publications: list[Publication] = []
    expertise: list[Term] = []
    orcid: Orcid | None = None
    consent: Flag = False
    basis: Basis = "consent"
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    opted_out: Flag = False


AnyEntity = Company | Lab | Researcher
Entity = Annotated[AnyEntity, Field(discriminator="kind")]
ENTITY_ADAPTER: TypeAdapter[AnyEntity] = TypeAdapter(Entity)


def is_listed(entity: AnyEntity) -> bool:
    """Researchers appear only with their consent or from a public register, and never once
    they opted out."""
    if not isinstance(entity, Researcher):
        return True
    return not entity.opted_out and (entity.consent or entity.basis == "public-register")


def parse_entity(data: object) -> AnyEntity:
    """Validate one raw record into its entity class."""
    return ENTITY_ADAPTER.validate_python(data)


class Near(BaseModel):
    """A point and a radius: only entities located within it pass."""

    model_config = ConfigDict(extra="forbid")

    lat: Number = Field(..., ge=-90, le=90)
    lon: Number = Field(..., ge=-180, le=180)
    radius_km: Number = Field(..., gt=0, le=2000)


class RecommendationFilters(BaseModel):
    """Hard constraints on results.

    areas, municipalities, near and languages apply to every kind; the testbed constraints
    (open_to_smes, trl, access_types, access_modes) apply to labs only. `trl` is one level or
    the need's range [low, high]; a lab passes when its own range overlaps it.
    """

    model_config = ConfigDict(extra="forbid")

    areas: list[Area] = []
    municipalities: list[Term] = []
    near: Near | None = None
    open_to_smes: Flag | None = None
    trl: tuple[Count, Count] | Count | None = None
    access_types: list[AccessType] = []
    access_modes: list[AccessMode] = []
    languages: list[Language] = []

    @field_validator("trl")
    @classmethod
    def _trl_levels(cls, value: tuple[int, int] | int | None) -> tuple[int, int] | int | None:
        levels = (value,) if isinstance(value, int) else value or ()
        if any(not 1 <= level <= 9 for level in levels):
            raise ValueError("trl levels run from 1 to 9")
        if isinstance(value, tuple) and value[0] > value[1]:
            raise ValueError(f"trl range [{value[0]}, {value[1]}] must go from low to high")
        return value

    @property
    def trl_range(self) -> tuple[int, int] | None:
        """The need's TRL range, a single level as a range of one."""
        if self.trl is None:
            return None
        return (self.trl, self.trl) if isinstance(self.trl, int) else self.trl


class NeedRequest(BaseModel):
    """An innovation need in plain text and what to return for it."""

    model_config = ConfigDict(extra="forbid")

    need: str = Field(
        ...,
        description="The innovation need, Swedish or English.",
        json_schema_extra={"minLength": 1, "pattern": r"\S"},  # checked by _need_has_text
    )
    kinds: Kinds | None = Field(None, description="Entity kinds to return; all if omitted.")
    filters: RecommendationFilters = RecommendationFilters()
    top_k: Count | None = Field(None, description="Results per list (partners, testbeds).")
    diversify: Flag | None = Field(
        None, description="Spread each list over disciplines; the server's default if omitted."
    )
    partner_set: Flag = Field(
        True, description="Also choose a small set of partners that together cover the need."
    )
    municipality: Term | None = Field(
        None, description="Where the team with the need is based (a feature of the reranker)."
    )
    exclude: list[str] = Field(
        [], max_length=1000, description="Ids never to return (e.g. the startup itself)."
    )

    @field_validator("need")
    @classmethod
    def _need_has_text(cls, value: str) -> str:
        cleaned = " ".join(value.split())
        if not cleaned:
            raise ValueError("need is empty: describe the project or the problem in a few words")
        if SURROGATE.search(cleaned):
            raise ValueError(UNICODE_MESSAGE)
        return cleaned


class Evidence(BaseModel):
    """A piece of the entity's own text that matched the need."""

    field: str
    text: str
    score: float


class Reasons(BaseModel):
    """Why a result was returned."""

    terms: list[str] = []
    evidence: list[Evidence] = []
    aspect: str | None = Field(None, description="The aspect of the need it matches best.")
    complements: str | None = Field(
        None, description="What it adds to the results above it or to the rest of the set."
    )
    adds: list[str] = Field(
        [], description="The disciplines it adds to the results above it (or to the set)."
    )
    alongside: list[str] = Field([], description="A partner-set member's fellow members.")
    shares: list[str] = Field([], description="Disciplines shared with the entity (similar).")
    answers_seek: str | None = Field(None, description="What the entity seeks that it offers.")
    constraints: list[str] = Field([], description="Hard constraints of the request it meets.")


Band = Literal["strong", "possible", "weak"]


class Facts(BaseModel):
    """What a user checks first about a result, from its record."""

    language: Language = "en"
    municipality: str | None = None
    affiliation: str | None = Field(None, description="A researcher's organisation.")
    host: str | None = Field(None, description="The organisation running a lab or testbed.")
    stage: str | None = Field(None, description="A company's stage (startup, sme, large).")
    trl_min: int | None = None
    trl_max: int | None = None
    open_to_smes: bool | None = None
    contact: str | None = Field(None, description="A public contact of a lab, where given.")
    url: str | None = None


class Result(BaseModel):
    """One recommended entity."""

    id: str
    kind: Kind
    name: str
    score: float = Field(..., description="The engine's own ranking score (only for ordering).")
    relevance: float = Field(
        0.0,
        ge=0,
        le=1,
        description="The chance, 0-1, that this is a right answer for the need; the same scale "
        "for every need and language (fitted on real judgments, models/strength).",
    )
    band: Band = Field("weak", description="strong, possible or weak, from the relevance.")
    disciplines: list[str] = []
    facts: Facts = Facts()
    reasons: Reasons


class Aspect(BaseModel):
    """One part of a need that calls for its own expertise."""

    id: str
    label: str = Field(..., description="The discipline it calls for (or its key terms).")
    text: str = Field(..., description="The need's own words for it.")
    terms: list[str] = []
    covered_by: list[str] = Field([], description="Ids of partner-set members covering it.")


class FilteredOut(BaseModel):
    """A candidate that would have ranked above the last shown result, left out by the
    request's filters or kinds."""

    id: str
    name: str
    kind: Kind
    band: Band
    failed: list[str] = Field(..., description="The conditions it does not meet, in words.")


class RecommendationResponse(BaseModel):
    """Partners (companies, researchers) and testbeds (labs) for one need."""

    need_id: str
    aspects: list[Aspect] = []
    results: list[Result]
    testbeds: list[Result]
    partner_set: list[Result] | None = None
    reranked: bool = Field(False, description="Whether a learned reranker ordered the lists.")
    no_strong_match: bool = Field(
        False, description="True when no partner or testbed is in the band strong."
    )
    filtered_out: list[FilteredOut] = Field(
        [], description="Up to three stronger candidates the filters or kinds left out."
    )
    notice: str | None = Field(
        None, description="Something the asker should know, e.g. the need's language."
    )


class NeighboursResponse(BaseModel):
    """Entities similar to, or complementing, one entity."""

    entity_id: str
    relation: Literal["similar", "complements"]
    results: list[Result]
