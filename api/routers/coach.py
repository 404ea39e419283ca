"""Portfolios, shortlists, exports and feedback for incubator coaches."""

from typing import Any

from fastapi import APIRouter, Response, status

from api.deps import MatcherDep
from matcher.coach import workflow as coach
from matcher.coach.schemas import (
    FeedbackAnswer,
    FeedbackRequest,
    MarkEntry,
    PortfolioAnswer,
    PortfolioCreate,
    PortfolioRun,
    ShortlistEntry,
)

router = APIRouter(prefix="/v1", tags=["coach"])


@router.post("/portfolios", status_code=status.HTTP_201_CREATED)
def create_portfolio(body: PortfolioCreate, matcher: MatcherDep) -> dict[str, Any]:
    """A portfolio of startup needs: free text, or catalogue companies by id."""
    return coach.create_portfolio(matcher, body)


@router.get("/portfolios")
def list_portfolios(matcher: MatcherDep) -> list[dict[str, Any]]:
    """Every portfolio with its number of needs."""
    return matcher.coach.portfolios()


@router.get("/portfolios/{portfolio_id}")
def get_portfolio(portfolio_id: str, matcher: MatcherDep) -> dict[str, Any]:
    """A portfolio with its needs and their shortlists."""
    return coach.portfolio(matcher, portfolio_id)


@router.post("/portfolios/{portfolio_id}/recommendations", response_model=PortfolioAnswer)
def run_portfolio(
    portfolio_id: str, matcher: MatcherDep, body: PortfolioRun | None = None
) -> PortfolioAnswer:
    """Recommendations for every need of the portfolio in one batch."""
    return coach.run_portfolio(matcher, portfolio_id, body or PortfolioRun())


@router.put("/portfolios/{portfolio_id}/needs/{need_id}/shortlist")
def shortlist_add(
    portfolio_id: str, need_id: str, entry: ShortlistEntry, matcher: MatcherDep
) -> dict[str, Any]:
    """Put an entity on a need's shortlist, with a note (again: update the note)."""
    return coach.shortlist_add(matcher, portfolio_id, need_id, entry.entity_id, entry.note)


@router.delete(
    "/portfolios/{portfolio_id}/needs/{need_id}/shortlist/{entity_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
def shortlist_remove(
    portfolio_id: str, need_id: str, entity_id: str, matcher: MatcherDep
) -> Response:
    """Take an entity off a need's shortlist."""
    coach.shortlist_remove(matcher, portfolio_id, need_id, entity_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.put("/portfolios/{portfolio_id}/needs/{need_id}/marks/{entity_id}")
def mark_put(
    portfolio_id: str, need_id: str, entity_id: str, entry: MarkEntry, matcher: MatcherDep
) -> dict[str, Any]:
    """Mark a suggestion good or bad for this need of this portfolio (kept with it, shown
    after a reload, and learned from as feedback); answers the need with its marks."""
    return coach.mark(matcher, portfolio_id, need_id, entity_id, entry.mark)


@router.delete("/portfolios/{portfolio_id}/needs/{need_id}/marks/{entity_id}")
def mark_delete(
    portfolio_id: str, need_id: str, entity_id: str, matcher: MatcherDep
) -> dict[str, Any]:
    """Clear a mark; answers the need with its marks."""
    return coach.mark(matcher, portfolio_id, need_id, entity_id, None)


CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "One row per shortlisted entity (a need without any: one empty row).",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}


@router.get("/portfolios/{portfolio_id}/export.csv", response_class=Response, responses=CSV_ANSWER)
def export_csv(portfolio_id: str, matcher: MatcherDep) -> Response:
    """The portfolio's shortlists as CSV."""
    text = coach.export_csv(matcher, portfolio_id)
    name = portfolio_id.replace(":", "-")
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The export's rows as an Excel workbook.",
        "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}},
    }
}


@router.get(
    "/portfolios/{portfolio_id}/export.xlsx", response_class=Response, responses=XLSX_ANSWER
)
def export_xlsx(portfolio_id: str, matcher: MatcherDep) -> Response:
    """The portfolio's shortlists as an Excel workbook (the CSV's columns)."""
    data = coach.export_xlsx(matcher, portfolio_id)
    name = portfolio_id.replace(":", "-")
    return Response(
        data,
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get("/portfolios/{portfolio_id}/export.json")
def export_json(portfolio_id: str, matcher: MatcherDep) -> dict[str, Any]:
    """The portfolio's shortlists as one JSON document."""
    stored = coach.portfolio(matcher, portfolio_id)
    return {**stored, "rows": coach.export_rows(matcher, portfolio_id)}


@router.post("/feedback", response_model=FeedbackAnswer)
def feedback(body: FeedbackRequest, matcher: MatcherDep, response: Response) -> FeedbackAnswer:
    """A verdict on a shown suggestion (201 when new, 200 when it was already stored)."""
    answer = coach.feedback(matcher, body)
    response.status_code = status.HTTP_201_CREATED if answer.stored else status.HTTP_200_OK
    return answer
