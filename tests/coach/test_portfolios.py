"""Portfolios: needs from text and from catalogue companies, titles, refusals."""

from typing import Any

import pytest
from pydantic import ValidationError

from matcher.coach import workflow as coach
from matcher.coach.schemas import PortfolioRun
from matcher.coach.workflow import UnknownRecordError
from matcher.engine import Matcher
from matcher.errors import UnknownEntityError
from matcher.recommend import need_id
from tests.support.coach import (
    BATTERY_TEXT,
    FRAUD_TEXT,
    make_portfolio,
)


def test_portfolio_from_text_and_from_company_ids(engine: Matcher) -> None:
    stored = make_portfolio(
        engine,
        [
            {"text": "  robots for   elderly care\nat home ", "municipality": "Solna"},
            {"entity_id": "company:battery-loop"},
            {"entity_id": "company:ledger-safe", "title": "Fraud", "municipality": "Täby"},
        ],
    )
    assert stored["id"].startswith("portfolio:") and stored["name"] == "Spring"
    text, company, titled = stored["needs"]

    assert text["text"] == "robots for elderly care at home"
    assert text["title"].startswith("robots for")
    assert text["need_id"] == need_id("robots for elderly care at home")
    assert text["entity_id"] is None and text["municipality"] == "Solna"

    # A company's need is its description and what it seeks; its municipality comes along.
    assert company["text"] == BATTERY_TEXT
    assert company["need_id"] == need_id(BATTERY_TEXT)
    assert company["title"] == "Battery Loop" and company["entity_id"] == "company:battery-loop"
    assert company["municipality"] == "Stockholm"
    # A given title and municipality win over the company's.
    assert titled["text"] == FRAUD_TEXT
    assert titled["title"] == "Fraud" and titled["municipality"] == "Täby"
    assert all(n["shortlist"] == [] for n in stored["needs"])

    assert coach.portfolio(engine, stored["id"]) == stored
    assert engine.coach.portfolios() == [{"id": stored["id"], "name": "Spring", "needs": 3}]


def test_a_long_text_need_gets_a_title_cut_at_a_word(engine: Matcher) -> None:
    text = "We recycle lithium-ion batteries from electric buses and need a pilot line for leaching"
    need = make_portfolio(engine, [{"text": text}])["needs"][0]
    assert need["text"] == text
    title = need["title"]
    assert title == "We recycle lithium-ion batteries from electric buses and…"
    assert len(title) <= 61 and text.startswith(title[:-1]) and text[len(title) - 1] == " "


def test_default_title_of_a_text_need_is_its_normalised_text(engine: Matcher) -> None:
    stored = make_portfolio(engine, [{"text": "robots for   elderly care\nat home"}])
    assert stored["needs"][0]["title"] == "robots for elderly care at home"


@pytest.mark.parametrize(
    ("need", "error"),
    [
        ({"entity_id": "company:no-such-company"}, UnknownEntityError),
        ({"entity_id": "researcher:hidden-person"}, UnknownEntityError),  # not listed
        ({"text": "x", "entity_id": "company:battery-loop"}, ValidationError),
        ({"title": "nothing"}, ValidationError),
        ({"text": "   "}, ValidationError),
    ],
)
def test_portfolio_needs_that_are_refused(
    engine: Matcher, need: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        make_portfolio(engine, [need])
    assert engine.coach.portfolios() == []


def test_unknown_portfolio(engine: Matcher) -> None:
    with pytest.raises(UnknownRecordError, match="portfolio:nope"):
        coach.portfolio(engine, "portfolio:nope")
    with pytest.raises(UnknownRecordError):
        coach.run_portfolio(engine, "portfolio:nope", PortfolioRun())
    with pytest.raises(UnknownRecordError):
        coach.export_rows(engine, "portfolio:nope")
