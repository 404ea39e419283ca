"""Shortlists and their CSV and JSON exports."""

import csv
import io

import pytest

from matcher.coach import workflow as coach
from matcher.coach.workflow import UnknownRecordError
from matcher.engine import Matcher
from matcher.errors import UnknownEntityError
from tests.support.coach import (
    BATTERY_NEED,
    CARE_NEED,
    FRAUD_TEXT,
    make_portfolio,
)


def test_shortlist_add_update_note_and_remove(engine: Matcher) -> None:
    stored = make_portfolio(engine, [{"text": BATTERY_NEED}, {"text": CARE_NEED}])
    pid, first, second = stored["id"], stored["needs"][0]["need_id"], stored["needs"][1]["need_id"]

    need = coach.shortlist_add(engine, pid, first, "lab:black-mass-pilot", "call Monday")
    assert need["need_id"] == first
    assert need["shortlist"] == [{"entity_id": "lab:black-mass-pilot", "note": "call Monday"}]
    coach.shortlist_add(engine, pid, first, "researcher:ann-metals", "")
    need = coach.shortlist_add(engine, pid, first, "lab:black-mass-pilot", "met; send NDA")
    assert need["shortlist"] == [
        {"entity_id": "lab:black-mass-pilot", "note": "met; send NDA"},
        {"entity_id": "researcher:ann-metals", "note": ""},
    ]
    coach.shortlist_add(engine, pid, second, "lab:care-living-lab", "")
    needs = coach.portfolio(engine, pid)["needs"]
    assert [e["entity_id"] for e in needs[1]["shortlist"]] == ["lab:care-living-lab"]

    coach.shortlist_remove(engine, pid, first, "lab:black-mass-pilot")
    needs = coach.portfolio(engine, pid)["needs"]
    assert needs[0]["shortlist"] == [{"entity_id": "researcher:ann-metals", "note": ""}]
    with pytest.raises(UnknownRecordError, match="not on the shortlist"):
        coach.shortlist_remove(engine, pid, first, "lab:black-mass-pilot")

    with pytest.raises(UnknownEntityError):
        coach.shortlist_add(engine, pid, first, "lab:nothing", "")
    with pytest.raises(UnknownEntityError):
        coach.shortlist_add(engine, pid, first, "researcher:hidden-person", "")
    with pytest.raises(UnknownRecordError):
        coach.shortlist_add(engine, pid, "need:0000000000000000", "lab:black-mass-pilot", "")
    with pytest.raises(UnknownRecordError):
        coach.shortlist_add(engine, "portfolio:nope", first, "lab:black-mass-pilot", "")
    # A need of another portfolio is not this portfolio's need.
    other = make_portfolio(engine, [{"text": FRAUD_TEXT}], name="Other")
    with pytest.raises(UnknownRecordError):
        coach.shortlist_add(engine, pid, other["needs"][0]["need_id"], "lab:black-mass-pilot", "")


def test_csv_and_json_exports_hold_the_shortlists(engine: Matcher) -> None:
    stored = make_portfolio(
        engine, [{"text": BATTERY_NEED, "title": "Batteries"}, {"text": CARE_NEED}]
    )
    pid, first = stored["id"], stored["needs"][0]["need_id"]
    tricky = 'Åsa said: "ask, then wait"\nsecond line'
    coach.shortlist_add(engine, pid, first, "lab:black-mass-pilot", tricky)
    coach.shortlist_add(engine, pid, first, "researcher:ann-metals", "")

    rows = list(csv.DictReader(io.StringIO(coach.export_csv(engine, pid))))
    assert rows == [
        {
            "portfolio": "Spring",
            "need_id": first,
            "need": "Batteries",
            "entity_id": "lab:black-mass-pilot",
            "name": "Black Mass Pilot Line",
            "kind": "lab",
            "note": tricky,
        },
        {
            "portfolio": "Spring",
            "need_id": first,
            "need": "Batteries",
            "entity_id": "researcher:ann-metals",
            "name": "Ann Metals",
            "kind": "researcher",
            "note": "",
        },
        # A need without a shortlist still has its row.
        {
            "portfolio": "Spring",
            "need_id": stored["needs"][1]["need_id"],
            "need": CARE_NEED,
            "entity_id": "",
            "name": "",
            "kind": "",
            "note": "",
        },
    ]
    assert coach.export_rows(engine, pid) == rows
