"""Feedback on shown suggestions: validated, stored once, kept across restarts."""

import pytest
from pydantic import ValidationError

from matcher.coach import workflow as coach
from matcher.coach.schemas import FeedbackRequest
from matcher.coach.workflow import UnknownRecordError
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.errors import UnknownEntityError
from matcher.recommend import need_id
from matcher.schemas import NeedRequest
from tests.support.coach import (
    BATTERY_NEED,
    CARE_NEED,
)


def test_feedback_needs_a_shown_need_and_a_known_entity(engine: Matcher) -> None:
    never = FeedbackRequest(
        need_id=need_id("never asked"), entity_id="company:battery-loop", label="relevant"
    )
    with pytest.raises(UnknownRecordError, match="ask for them first"):
        coach.feedback(engine, never)
    shown = engine.recommend(NeedRequest(need=BATTERY_NEED))
    for unknown in ("company:nothing", "researcher:hidden-person"):
        with pytest.raises(UnknownEntityError, match=unknown):
            coach.feedback(
                engine,
                FeedbackRequest(need_id=shown.need_id, entity_id=unknown, label="relevant"),
            )
    with pytest.raises(ValidationError):
        FeedbackRequest(need_id=shown.need_id, entity_id="company:battery-loop", label="great")
    assert engine.coach.feedback() == []


def test_duplicate_feedback_is_stored_once(engine: Matcher) -> None:
    shown = engine.recommend(NeedRequest(need=BATTERY_NEED, municipality="Stockholm"))
    body = FeedbackRequest(
        need_id=shown.need_id, entity_id="company:battery-loop", label="contacted"
    )
    first = coach.feedback(engine, body)
    second = coach.feedback(engine, body)
    assert first.stored is True and second.stored is False
    assert (second.need_id, second.entity_id, second.label) == (
        shown.need_id,
        "company:battery-loop",
        "contacted",
    )
    rows = engine.coach.feedback()
    assert len(rows) == 1
    row = rows[0]
    assert (row["need_id"], row["entity_id"], row["label"]) == (
        shown.need_id,
        "company:battery-loop",
        "contacted",
    )
    # The ranking the verdict was given on is kept with it.
    assert row["text"] == BATTERY_NEED and row["municipality"] == "Stockholm"
    recorded = engine.coach.shown(shown.need_id)
    assert recorded is not None and row["ranking"] == recorded["ranking"]
    # Another label for the same suggestion is another verdict.
    assert coach.feedback(engine, body.model_copy(update={"label": "partnered"})).stored
    assert len(engine.coach.feedback()) == 2


def test_feedback_survives_a_new_engine_on_the_same_data(engine: Matcher) -> None:
    shown = engine.recommend(NeedRequest(need=CARE_NEED))
    body = FeedbackRequest(need_id=shown.need_id, entity_id="researcher:bo-care", label="relevant")
    assert coach.feedback(engine, body).stored

    reopened = Matcher(engine.settings, encoder=FakeEncoder())
    rows = reopened.coach.feedback()
    assert [(r["need_id"], r["entity_id"], r["label"]) for r in rows] == [
        (shown.need_id, "researcher:bo-care", "relevant")
    ]
    assert reopened.coach.shown(shown.need_id) is not None
    assert coach.feedback(reopened, body).stored is False
    assert len(reopened.coach.feedback()) == 1
