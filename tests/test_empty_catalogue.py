"""A catalogue that lists nothing: a first upload with no valid row, or every entity deleted."""

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher import cli
from matcher.catalogue.reading import load_catalogue
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.errors import NotBuiltError
from matcher.index.lexical import LexicalIndex
from matcher.schemas import NeedRequest
from matcher.settings import Settings
from tests.support.catalogue import ENTITIES, write_catalogue

EMPTY = "lists no entities"


def test_a_lexical_index_of_nothing_matches_nothing() -> None:
    index = LexicalIndex.build({})
    positions, scores = index.matches("battery recycling")
    assert positions.size == 0 and scores.size == 0
    assert index.scores("battery recycling").shape == (0,)


def test_a_first_upload_with_no_valid_row_leaves_an_empty_index(
    settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,kind,name,description\nBad Id,lab,X,\n", encoding="utf-8")
    matcher = Matcher(settings, encoder=FakeEncoder())
    report = matcher.ingest(load_catalogue(str(path)))
    assert [r.where for r in report.rejected] == ["bad.csv:2"] and report.items == 0
    assert matcher.ready()
    with pytest.raises(NotBuiltError, match=EMPTY):
        matcher.recommend(NeedRequest(need="battery recycling"))
    with pytest.raises(NotBuiltError, match=EMPTY):
        matcher.catalogue_map()


def test_deleting_every_entity_then_adding_one_back(built: Matcher, tmp_path: Path) -> None:
    erased = built.delete([e["id"] for e in ENTITIES])
    assert erased.store == len(ENTITIES)
    with pytest.raises(NotBuiltError, match=EMPTY):
        built.recommend(NeedRequest(need="battery recycling"))
    reopened = Matcher(built.settings, encoder=FakeEncoder())  # the empty index loads from disk
    assert reopened.ready()
    back = ENTITIES[0]
    report = reopened.ingest(load_catalogue(str(write_catalogue(tmp_path / "one.jsonl", [back]))))
    assert report.inserted == 1 and report.items > 0
    found = reopened.recommend(NeedRequest(need=back["description"]))
    assert [r.id for r in found.results] == [back["id"]]


def test_the_api_answers_503_with_the_reason_on_an_empty_catalogue(built: Matcher) -> None:
    built.delete([e["id"] for e in ENTITIES])
    client = TestClient(
        create_app(built.settings, encoder=FakeEncoder()), raise_server_exceptions=False
    )
    answer = client.post("/v1/recommendations", json={"need": "battery recycling"})
    assert answer.status_code == 503 and EMPTY in answer.json()["error"]["message"]
    assert client.get("/v1/map").status_code == 503
    assert client.get("/v1/entities").json()["total"] == 0
    assert client.get("/readyz").status_code == 200


def test_the_cli_says_so_instead_of_failing(
    cli_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["delete", *[e["id"] for e in ENTITIES]]) == 0
    capsys.readouterr()
    assert cli.main(["recommend", "battery recycling"]) == 2
    assert EMPTY in capsys.readouterr().err
