"""Requests and answers of the coach workflow: portfolios, shortlists, feedback."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from matcher.schemas import (
    Count,
    Flag,
    Kinds,
    RecommendationFilters,
    RecommendationResponse,
    Term,
    Text,
)

Label = Literal["relevant", "not_relevant", "contacted", "partnered"]


class PortfolioNeed(BaseModel):
    """A startup's need: free text, or a catalogue company whose description is the need."""

    model_config = ConfigDict(extra="forbid")

    title: Term | None = None
    text: Text | None = None
    entity_id: str | None = None
    municipality: Term | None = None

    @model_validator(mode="after")
    def _text_or_entity(self) -> "PortfolioNeed":
        if (self.text is None) == (self.entity_id is None):
            raise ValueError("give either text or entity_id for each need")
        return self


class PortfolioCreate(BaseModel):
    """A new portfolio."""

    model_config = ConfigDict(extra="forbid")

    name: Term
    needs: list[PortfolioNeed] = Field(..., min_length=1, max_length=200)


class PortfolioRun(BaseModel):
    """Options for recommending for every need of a portfolio at once."""

    model_config = ConfigDict(extra="forbid")

    kinds: Kinds | None = None
    filters: RecommendationFilters = RecommendationFilters()
    top_k: Count | None = None
    partner_set: Flag = True


class NeedAnswer(BaseModel):
    """One need of a portfolio with its recommendations."""

    title: str
    response: RecommendationResponse


class PortfolioAnswer(BaseModel):
    """Recommendations for every need of a portfolio."""

    portfolio_id: str
    needs: list[NeedAnswer]
    seconds: float


class ShortlistEntry(BaseModel):
    """An entity on a need's shortlist."""

    model_config = ConfigDict(extra="forbid")

    entity_id: str
    note: str = Field("", max_length=2000)


class MarkEntry(BaseModel):
    """A coach's mark on a suggestion for one portfolio need."""

    model_config = ConfigDict(extra="forbid")

    mark: Literal["good", "bad"]


class FeedbackRequest(BaseModel):
    """A coach's verdict on one shown suggestion."""

    model_config = ConfigDict(extra="forbid")

    need_id: str
    entity_id: str
    label: Label


class FeedbackAnswer(BaseModel):
    """Whether the feedback was new (a repeat is stored once)."""

    need_id: str
    entity_id: str
    label: Label
    stored: bool
