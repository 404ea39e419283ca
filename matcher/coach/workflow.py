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
from matcher.coach.store import MARK_LABELS
from matcher.engine import Matcher
from matcher.errors import InvalidRequestError, UnknownEntityError
from matcher.recommend import need_id
from matcher.schemas import AnyEntity, Company, Lab, NeedRequest
from matcher.search.explain import explain, need_stems
from matcher.search.strength import Grader

EXPORT_COLUMNS = (
    "portfolio",
    "need_id",
    "startup",
    "need",
    "entity_id",
    "name",
    "kind",
    "band",
    "relevance",
    "reason",
    "note",
    "contact",
)


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
    named |= {e for n in stored["needs"] for e in n.get("marks", {})}
    hidden = {i for i in named if matcher.get(i) is None}
    if not hidden:
        return stored
    needs = [
        {
            **n,
            "shortlist": [s for s in n["shortlist"] if s["entity_id"] not in hidden],
            "marks": {e: m for e, m in n.get("marks", {}).items() if e not in hidden},
        }
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
    text = _need(stored, need)["text"]
    if matcher.get(entity_id) is None:
        raise UnknownEntityError(f"no entity with id '{entity_id}'")
    found = assess(matcher, text, entity_id)
    matcher.coach.shortlist_add(portfolio_id, need, entity_id, note, found)
    return _need(portfolio(matcher, portfolio_id), need)


def assess(matcher: Matcher, need: str, entity_id: str) -> dict[str, Any] | None:
    """{band, relevance, reason} of an indexed entity for a need; None when it is not indexed."""
    loaded = matcher.served()
    query, found = matcher.scored(need, [entity_id])
    entity = loaded.entities.get(entity_id)
    if not found or entity is None:
        return None
    lexical = loaded.snapshot.lexical
    grade = Grader.for_need(loaded.strength, query, need, lexical.known_share(need))
    relevance, band = grade(found[0])
    reasons = explain(
        need_stems(need), entity, found[0].hits, loaded.snapshot.items, 1, lexical.common_terms()
    )
    parts = []
    if reasons.terms:
        parts.append("shares " + ", ".join(reasons.terms))
    if reasons.evidence:
        parts.append(f"“{reasons.evidence[0].text}”")
    return {"band": band, "relevance": relevance, "reason": "; ".join(parts)}


def mark(
    matcher: Matcher, portfolio_id: str, need: str, entity_id: str, verdict: str | None
) -> dict[str, Any]:
    """A coach's good or bad mark on a suggestion for one need of a portfolio (None clears
    it), kept with the portfolio; a new mark is also feedback the rankings learn from."""
    stored = _need(portfolio(matcher, portfolio_id), need)
    if matcher.get(entity_id) is None:
        raise UnknownEntityError(f"no entity with id '{entity_id}'")
    matcher.coach.mark(portfolio_id, need, entity_id, verdict)
    shown = matcher.coach.shown(stored["need_id"])
    if verdict is not None and shown is not None:
        label = MARK_LABELS[verdict]
        matcher.coach.add_feedback(need, entity_id, label, json.dumps(shown["ranking"]))
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
        for entry in need["shortlist"] or [{"entity_id": ""}]:
            entity = matcher.get(entry["entity_id"]) if entry["entity_id"] else None
            relevance = entry.get("relevance")
            rows.append(
                {
                    "portfolio": stored["name"],
                    "need_id": need["need_id"],
                    "startup": need["title"],
                    "need": need["text"],
                    "entity_id": entry["entity_id"],
                    "name": entity.name if entity else "",
                    "kind": entity.kind if entity else "",
                    "band": entry.get("band") or "",
                    "relevance": "" if relevance is None else f"{relevance:.2f}",
                    "reason": entry.get("reason") or "",
                    "note": entry.get("note", ""),
                    "contact": contact_of(entity) if entity else "",
                }
            )
    return rows


def contact_of(entity: AnyEntity) -> str:
    """How to reach an entity, where its record says so publicly: a lab's contact, else its
    web address (a researcher's own contact details are never exported)."""
    if isinstance(entity, Lab) and entity.contact:
        return entity.contact
    return entity.url or ""


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A cell a spreadsheet shows as text: one that would start a formula (= + - @, a tab or a
    carriage return) gets a leading apostrophe, as OWASP advises for CSV exports."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def export_xlsx(matcher: Matcher, portfolio_id: str) -> bytes:
    """The shortlists as an Excel workbook: one sheet, a bold frozen header, wrapped text."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Shortlists"
    sheet.append(list(EXPORT_COLUMNS))
    for row in export_rows(matcher, portfolio_id):
        sheet.append([spreadsheet_safe(row[column]) for column in EXPORT_COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths = {"need": 60, "reason": 50, "note": 40, "startup": 24, "name": 28, "contact": 30}
    for index, column in enumerate(EXPORT_COLUMNS, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = widths.get(column, 14)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


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
