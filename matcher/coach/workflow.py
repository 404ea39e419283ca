"""The coach workflow: portfolios, batch runs, shortlists, exports and feedback."""

import csv
import io
import json
import time
from typing import Any

from matcher.coach.schemas import (
    FeedbackAnswer,
    FeedbackRequest,
    NeedAnswer,
    PortfolioAnswer,
    PortfolioCreate,
    PortfolioRun,
)
from matcher.engine import Matcher
from matcher.errors import InvalidRequestError, UnknownEntityError
from matcher.recommend import need_id
from matcher.schemas import Company, NeedRequest

EXPORT_COLUMNS = ("portfolio", "need_id", "need", "entity_id", "name", "kind", "note")


class UnknownRecordError(LookupError):
    """A portfolio, need or shown ranking that does not exist."""


def _short(text: str, limit: int = 60) -> str:
    """The start of a text, cut at a word, as a title."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def create_portfolio(matcher: Matcher, body: PortfolioCreate) -> dict[str, Any]:
    """Store a portfolio; needs given as catalogue companies take their description."""
    needs = []
    for need in body.needs:
        if need.entity_id is not None:
            entity = matcher.get(need.entity_id)
            if entity is None:
                raise UnknownEntityError(f"no entity with id '{need.entity_id}'")
            text = (
                f"{entity.description} {' '.join(entity.seeks)}".strip()
                if isinstance(entity, Company)
                else entity.description
            )
            place = need.municipality or (entity.location.municipality if entity.location else None)
            title = need.title or entity.name
        else:
            assert need.text is not None
            text, place = need.text, need.municipality
            title = need.title or _short(" ".join(need.text.split()))
        text = " ".join(text.split())
        limit = matcher.settings.ranking.max_need_chars
        if len(text) > limit:
            if need.entity_id is None:
                raise InvalidRequestError(
                    f"need '{title}' is {len(text)} characters; the limit is {limit}"
                )
            text = text[:limit].rsplit(" ", 1)[0]
        needs.append(
            {
                "need_id": need_id(text),
                "title": title,
                "text": text,
                "entity_id": need.entity_id,
                "municipality": place,
            }
        )
    ids = [n["need_id"] for n in needs]
    if len(set(ids)) != len(ids):
        raise InvalidRequestError("the same need appears twice in the portfolio")
    portfolio_id = matcher.coach.create_portfolio(body.name, needs)
    found = matcher.coach.portfolio(portfolio_id)
    assert found is not None
    return found


def portfolio(matcher: Matcher, portfolio_id: str) -> dict[str, Any]:
    """A stored portfolio, or UnknownRecordError; entities no longer listed (deleted, or
    researchers without consent) are left out, with the needs built from them."""
    found = matcher.coach.portfolio(portfolio_id)
    if found is None:
        raise UnknownRecordError(f"no portfolio with id '{portfolio_id}'")
    return _listed_only(matcher, found)


def _listed_only(matcher: Matcher, stored: dict[str, Any]) -> dict[str, Any]:
    """The portfolio without needs from, or shortlist entries of, entities not listed."""
    named = {n["entity_id"] for n in stored["needs"] if n["entity_id"]}
    named |= {s["entity_id"] for n in stored["needs"] for s in n["shortlist"]}
    hidden = {i for i in named if matcher.get(i) is None}
    if not hidden:
        return stored
    needs = [
        {**n, "shortlist": [s for s in n["shortlist"] if s["entity_id"] not in hidden]}
        for n in stored["needs"]
        if n["entity_id"] not in hidden
    ]
    return {**stored, "needs": needs}


def run_portfolio(matcher: Matcher, portfolio_id: str, options: PortfolioRun) -> PortfolioAnswer:
    """Recommendations for every need of a portfolio in one batch."""
    started = time.perf_counter()
    stored = portfolio(matcher, portfolio_id)
    requests = [
        NeedRequest(
            need=n["text"],
            kinds=options.kinds,
            filters=options.filters,
            top_k=options.top_k,
            partner_set=options.partner_set,
            municipality=n["municipality"],
            exclude=[n["entity_id"]] if n["entity_id"] else [],
        )
        for n in stored["needs"]
    ]
    responses = matcher.recommend_many(requests)
    return PortfolioAnswer(
        portfolio_id=portfolio_id,
        needs=[
            NeedAnswer(title=n["title"], response=r)
            for n, r in zip(stored["needs"], responses, strict=True)
        ],
        seconds=round(time.perf_counter() - started, 3),
    )


def _need(stored: dict[str, Any], need: str) -> dict[str, Any]:
    for entry in stored["needs"]:
        if entry["need_id"] == need:
            return dict(entry)
    raise UnknownRecordError(f"portfolio {stored['id']} has no need '{need}'")


def shortlist_add(
    matcher: Matcher, portfolio_id: str, need: str, entity_id: str, note: str
) -> dict[str, Any]:
    """Put an entity on a need's shortlist (again: update its note)."""
    stored = portfolio(matcher, portfolio_id)
    _need(stored, need)
    if matcher.get(entity_id) is None:
        raise UnknownEntityError(f"no entity with id '{entity_id}'")
    matcher.coach.shortlist_add(portfolio_id, need, entity_id, note)
    return _need(portfolio(matcher, portfolio_id), need)


def shortlist_remove(matcher: Matcher, portfolio_id: str, need: str, entity_id: str) -> None:
    """Take an entity off a need's shortlist."""
    _need(portfolio(matcher, portfolio_id), need)
    if not matcher.coach.shortlist_remove(portfolio_id, need, entity_id):
        raise UnknownRecordError(f"'{entity_id}' is not on the shortlist of need '{need}'")


def export_rows(matcher: Matcher, portfolio_id: str) -> list[dict[str, str]]:
    """One row per shortlisted entity (a need without a shortlist gets one empty row)."""
    stored = portfolio(matcher, portfolio_id)
    rows = []
    for need in stored["needs"]:
        entries = need["shortlist"] or [{"entity_id": "", "note": ""}]
        for entry in entries:
            entity = matcher.get(entry["entity_id"]) if entry["entity_id"] else None
            rows.append(
                {
                    "portfolio": stored["name"],
                    "need_id": need["need_id"],
                    "need": need["title"],
                    "entity_id": entry["entity_id"],
                    "name": entity.name if entity else "",
                    "kind": entity.kind if entity else "",
                    "note": entry["note"],
                }
            )
    return rows


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A cell a spreadsheet shows as text: one that would start a formula (= + - @, a tab or a
    carriage return) gets a leading apostrophe, as OWASP advises for CSV exports."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_csv(matcher: Matcher, portfolio_id: str) -> str:
    """The shortlists as CSV text."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(
        {column: spreadsheet_safe(value) for column, value in row.items()}
        for row in export_rows(matcher, portfolio_id)
    )
    return out.getvalue()


def feedback(matcher: Matcher, body: FeedbackRequest) -> FeedbackAnswer:
    """Store a verdict with the ranking the need was shown."""
    shown = matcher.coach.shown(body.need_id)
    if shown is None:
        raise UnknownRecordError(
            f"no recommendations were shown for need '{body.need_id}'; ask for them first"
        )
    if matcher.get(body.entity_id) is None:
        raise UnknownEntityError(f"no entity with id '{body.entity_id}'")
    stored = matcher.coach.add_feedback(
        body.need_id, body.entity_id, body.label, json.dumps(shown["ranking"])
    )
    return FeedbackAnswer(
        need_id=body.need_id, entity_id=body.entity_id, label=body.label, stored=stored
    )
