"""The shipped demo catalogue is complete, valid and mixed in language and area."""

from collections import Counter

from matcher.catalogue.reading import load_catalogue
from matcher.schemas import Lab, Researcher

PRIORITY_AREAS = {"life-science-health", "ict-digital", "sustainable-production", "climate-urban"}


def test_demo_catalogue_is_valid_and_large_enough() -> None:
    loaded = load_catalogue("demo")
    assert loaded.rejected == []
    kinds = Counter(e.kind for e in loaded.entities)
    assert kinds["company"] >= 150 and kinds["lab"] >= 60 and kinds["researcher"] >= 150


def test_demo_catalogue_mixes_languages_and_areas() -> None:
    entities = load_catalogue("demo").entities
    swedish = sum(e.language == "sv" for e in entities) / len(entities)
    assert 0.25 <= swedish <= 0.5
    for kind in ("company", "lab", "researcher"):
        areas = {a for e in entities if e.kind == kind for a in e.areas}
        assert PRIORITY_AREAS <= areas, kind


def test_demo_labs_and_researchers_are_filled_in() -> None:
    entities = load_catalogue("demo").entities
    labs = [e for e in entities if isinstance(e, Lab)]
    assert all(len(lab.capabilities) >= 3 and lab.access_types and lab.access_modes for lab in labs)
    assert any(not lab.open_to_smes for lab in labs) and any(lab.open_to_smes for lab in labs)
    people = [e for e in entities if isinstance(e, Researcher)]
    assert all(len(p.publications) >= 2 for p in people)
    assert any(not p.consent for p in people), "the demo shows that consent hides people"
