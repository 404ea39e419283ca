"""Real Swedish sources in: SweCRIS grant records (the folder in ../shared/data and the API's
JSON records) and the SciLifeLab Data Platform catalogue; the language of a record that does not
say it; researchers from a public register, their basis, source and opt-out."""

import json
from pathlib import Path

import pytest

from matcher.catalogue.reading import load_catalogue, with_language
from matcher.catalogue.swecris import SOURCE, read_grants
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.schemas import Researcher, is_listed
from matcher.settings import Settings
from tests.support.catalogue import write_catalogue

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
SWECRIS = SHARED / "swecris-kth-grants"
SCILIFELAB = SHARED / "scilifelab-data-platform-catalogue"
PROFESSIONAL = {  # what a researcher from a public register may hold
    "id", "kind", "name", "description", "affiliation", "publications", "expertise",
    "disciplines", "orcid", "language", "basis", "source",
}  # fmt: skip
API_RECORD = {
    "projectId": "2021-00001_VR",
    "projectTitleSv": "Vätgas i stålindustrin",
    "projectTitleEn": "Hydrogen in the steel industry",
    "projectAbstractSv": "Projektet undersöker vätgasreduktion av järnmalm.",
    "projectAbstractEn": "The project studies hydrogen direct reduction of iron ore.",
    "projectStartDate": "2021-01-01 00:00:00",
    "coordinatingOrganisationNameEn": "Hybrit Development AB",
    "coordinatingOrganisationTypeOfOrganisationEn": "Company",
    "typeOfAwardDescrEn": "Project grant",
    "involvedPeople": [
        {"personId": "77", "fullName": "Anna Järn", "orcId": "0000-0002-1825-0097",
         "roleEn": "Principal Investigator", "genderEn": "Female"},
    ],
    "scbs": [
        {"scb5NameEn": "Metallurgy and Metallic Materials", "scb3NameEn": "Materials Engineering"}
    ],
}  # fmt: skip

needs_shared = pytest.mark.skipif(not SHARED.exists(), reason="shared data not present")


@needs_shared
def test_swecris_grants_become_researchers_companies_and_labs() -> None:
    loaded = load_catalogue(str(SWECRIS))
    assert loaded.rejected == []
    kinds = {e.kind for e in loaded.entities}
    researchers = [e for e in loaded.entities if isinstance(e, Researcher)]
    assert kinds == {"researcher", "company", "lab"} and len(researchers) > 3000
    for person in researchers[:200]:
        stored = person.model_dump(exclude_defaults=True)
        assert set(stored) <= PROFESSIONAL, set(stored) - PROFESSIONAL
        assert person.basis == "public-register" and person.source.startswith(SOURCE)
        assert is_listed(person) and person.publications
    grants = read_grants(SWECRIS)
    assert len({g.dnr for g in grants}) == len(grants), "a grant listed twice is read once"
    ids = {g.id for g in grants}
    assert not [g.id for g in grants if g.id.endswith("_RJ") and f"{g.dnr}_Vinnova" in ids]


def test_swecris_api_records_are_read_the_same_way(tmp_path: Path) -> None:
    source = tmp_path / "grants.json"
    source.write_text(json.dumps([API_RECORD, API_RECORD | {"projectId": "2021-00001_RJ"}]))
    loaded = load_catalogue(str(source))
    by_kind = {e.kind: e for e in loaded.entities}
    person = by_kind["researcher"]
    assert person.name == "Anna Järn" and person.orcid == "0000-0002-1825-0097"
    assert person.affiliation == "Hybrit Development AB" and len(person.publications) == 1
    assert "gender" not in person.model_dump_json().lower()
    assert by_kind["company"].projects[0].title == "Hydrogen in the steel industry"
    assert person.expertise == ["Metallurgy and Metallic Materials"]


@needs_shared
def test_the_scilifelab_catalogue_becomes_labs() -> None:
    loaded = load_catalogue(str(SCILIFELAB))
    assert loaded.rejected == [] and len(loaded.entities) >= 100
    assert {e.kind for e in loaded.entities} == {"lab"}
    atlas = next(e for e in loaded.entities if e.name == "SCAPIS database")
    assert atlas.url == "https://www.scapis.org/" and "remote" in atlas.access_types
    assert any("Data:" in c for c in atlas.capabilities)


def test_a_record_without_a_language_gets_the_one_its_text_is_in() -> None:
    swedish = {"description": "Vi utvecklar batterier och söker en partner för återvinning."}
    english = {"description": "We develop batteries and look for a recycling partner."}
    assert with_language(swedish)["language"] == "sv"
    assert with_language(english)["language"] == "en"
    assert with_language(swedish | {"language": "en"})["language"] == "en", "a given one stays"


def test_an_opted_out_register_researcher_stays_out_when_imported_again(
    settings: Settings, tmp_path: Path
) -> None:
    source = tmp_path / "grants.json"
    source.write_text(json.dumps([API_RECORD]))
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build([str(write_catalogue(tmp_path / "base.jsonl")), str(source)])
    person = next(e for e in matcher.store.all() if isinstance(e, Researcher))
    assert matcher.get(person.id) is not None
    report = matcher.ingest(
        load_catalogue_entities([person.model_copy(update={"opted_out": True})])
    )
    assert report.erased and matcher.get(person.id) is None
    again = matcher.ingest(load_catalogue(str(source)))
    assert matcher.get(person.id) is None and again.updated == 0, "the objection sticks"
    assert matcher.counts()["researcher"] == 2  # the tiny catalogue's two with consent


def load_catalogue_entities(entities: list) -> object:
    from matcher.catalogue.reading import LoadedCatalogue

    return LoadedCatalogue(entities=entities)
