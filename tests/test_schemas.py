"""Validation of entities and needs gives clear messages."""

import pytest
from pydantic import ValidationError

from matcher.schemas import NeedRequest, parse_entity
from tests.support.catalogue import ENTITIES


def test_every_synthetic_entity_validates() -> None:
    kinds = {parse_entity(e).kind for e in ENTITIES}
    assert kinds == {"company", "lab", "researcher"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "Company:Bad Id"}, "kind:slug"),
        ({"id": "lab:battery-loop"}, "does not start with its kind"),
        ({"kind": "robot"}, "does not match any of the expected tags"),
        ({"name": "   "}, "at least 1 character"),
        ({"areas": ["space"]}, "areas.0"),
    ],
)
def test_bad_company_fields_are_named(change: dict, message: str) -> None:
    with pytest.raises(ValidationError) as info:
        parse_entity({**ENTITIES[0], **change})
    assert message in str(info.value)


def test_lab_trl_range_must_be_ordered() -> None:
    lab = next(e for e in ENTITIES if e["kind"] == "lab")
    with pytest.raises(ValidationError, match="trl_min 8 is above trl_max 3"):
        parse_entity({**lab, "trl_min": 8, "trl_max": 3})


def test_unknown_fields_are_rejected() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        parse_entity({**ENTITIES[0], "favourite_colour": "blue"})


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_empty_need_is_rejected(text: str) -> None:
    with pytest.raises(ValidationError, match="need is empty"):
        NeedRequest(need=text)


def test_need_whitespace_is_collapsed() -> None:
    assert NeedRequest(need="  battery \n recycling ").need == "battery recycling"


def test_empty_kind_list_is_rejected() -> None:
    with pytest.raises(ValidationError, match="kinds is empty"):
        NeedRequest(need="x", kinds=[])
