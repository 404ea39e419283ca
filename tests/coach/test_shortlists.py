"""Shortlists and their CSV and JSON exports."""

import csv
import io

import pytest

from matcher.coach import workflow as coach
from matcher.coach.workflow import UnknownRecordError
from matcher.engine import Matcher
from matcher.errors import UnknownEntityError
from matcher.schemas import NeedRequest
from tests.support.coach import (
    BATTERY_NEED,
    CARE_NEED,
    EXPORT_COLUMNS,
    FRAUD_TEXT,
    make_portfolio,
    notes,
)

LAB_CONTACT = "pilot@testbed-institute.example"


def test_shortlist_add_update_note_and_remove(engine: Matcher) -> None:
    stored = make_portfolio(engine, [{"text": BATTERY_NEED}, {"text": CARE_NEED}])
    pid, first, second = stored["id"], stored["needs"][0]["need_id"], stored["needs"][1]["need_id"]

    need = coach.shortlist_add(engine, pid, first, "lab:black-mass-pilot", "call Monday")
    assert need["need_id"] == first
    assert notes(need["shortlist"]) == [("lab:black-mass-pilot", "call Monday")]
    entry = need["shortlist"][0]
    assert entry["band"] in {"strong", "possible", "weak"} and 0 <= entry["relevance"] <= 1
    assert "battery" in entry["reason"], "the reason names what it shares with the need"
    coach.shortlist_add(engine, pid, first, "researcher:ann-metals", "")
    need = coach.shortlist_add(engine, pid, first, "lab:black-mass-pilot", "met; send NDA")
    assert notes(need["shortlist"]) == [
        ("lab:black-mass-pilot", "met; send NDA"),
        ("researcher:ann-metals", ""),
    ]
    coach.shortlist_add(engine, pid, second, "lab:care-living-lab", "")
    needs = coach.portfolio(engine, pid)["needs"]
    assert [e["entity_id"] for e in needs[1]["shortlist"]] == ["lab:care-living-lab"]

    coach.shortlist_remove(engine, pid, first, "lab:black-mass-pilot")
    needs = coach.portfolio(engine, pid)["needs"]
    assert notes(needs[0]["shortlist"]) == [("researcher:ann-metals", "")]
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
    assert list(rows[0]) == EXPORT_COLUMNS
    kept = ("portfolio", "need_id", "startup", "need", "entity_id", "name", "kind", "note")
    assert [{k: r[k] for k in kept} for r in rows] == [
        {
            "portfolio": "Spring",
            "need_id": first,
            "startup": "Batteries",
            "need": BATTERY_NEED,
            "entity_id": "lab:black-mass-pilot",
            "name": "Black Mass Pilot Line",
            "kind": "lab",
            "note": tricky,
        },
        {
            "portfolio": "Spring",
            "need_id": first,
            "startup": "Batteries",
            "need": BATTERY_NEED,
            "entity_id": "researcher:ann-metals",
            "name": "Ann Metals",
            "kind": "researcher",
            "note": "",
        },
        # A need without a shortlist still has its row, with the need's full text.
        {
            "portfolio": "Spring",
            "need_id": stored["needs"][1]["need_id"],
            "startup": CARE_NEED,
            "need": CARE_NEED,
            "entity_id": "",
            "name": "",
            "kind": "",
            "note": "",
        },
    ]
    lab, researcher, empty = rows
    assert lab["band"] in {"strong", "possible", "weak"} and lab["reason"]
    assert float(lab["relevance"]) >= 0
    assert lab["contact"] == LAB_CONTACT, "a lab's public contact is exported"
    assert researcher["contact"] == "", "a researcher's contact details never are"
    assert (empty["band"], empty["reason"], empty["contact"]) == ("", "", "")
    assert coach.export_rows(engine, pid) == rows


def test_marks_belong_to_one_portfolio_need_and_survive_a_reload(engine: Matcher) -> None:
    first = make_portfolio(engine, [{"text": BATTERY_NEED}], name="First")
    second = make_portfolio(engine, [{"text": BATTERY_NEED}], name="Second")
    need = first["needs"][0]["need_id"]
    assert need == second["needs"][0]["need_id"], "the same startup text in both portfolios"
    engine.recommend(NeedRequest(need=BATTERY_NEED))  # shown, so a mark is also feedback

    marked = coach.mark(engine, first["id"], need, "lab:black-mass-pilot", "good")
    assert marked["marks"] == {"lab:black-mass-pilot": "good"}
    coach.mark(engine, first["id"], need, "researcher:ann-metals", "bad")
    coach.mark(engine, first["id"], need, "researcher:ann-metals", "good")  # changed its mind

    reloaded = Matcher(engine.settings, encoder=engine.encoder)  # a fresh engine on the store
    kept = coach.portfolio(reloaded, first["id"])["needs"][0]["marks"]
    assert kept == {"lab:black-mass-pilot": "good", "researcher:ann-metals": "good"}
    assert coach.portfolio(reloaded, second["id"])["needs"][0]["marks"] == {}
    labels = {(f["entity_id"], f["label"]) for f in engine.coach.feedback()}
    assert ("lab:black-mass-pilot", "relevant") in labels

    cleared = coach.mark(engine, first["id"], need, "lab:black-mass-pilot", None)
    assert cleared["marks"] == {"researcher:ann-metals": "good"}
    with pytest.raises(UnknownEntityError):
        coach.mark(engine, first["id"], need, "lab:nothing", "good")
    with pytest.raises(UnknownRecordError):
        coach.mark(engine, first["id"], "need:0000000000000000", "lab:black-mass-pilot", "bad")
