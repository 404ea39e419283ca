"""Bulk upload and deletion through the API, and `matcher ingest` / `matcher delete`."""

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import ServerSettings
from tests.support.catalogue import ENTITIES
from tests.support.command import run

LAB = {
    "id": "lab:cleanroom",
    "kind": "lab",
    "name": "Cleanroom",
    "description": "A cleanroom for semiconductor wafer processing and lithography.",
    "host": "Electrum",
}


@pytest.fixture
def writer(built: Matcher) -> TestClient:
    """The app over a freshly built engine of its own (these tests write)."""
    settings = built.settings.model_copy(
        update={"server": ServerSettings(max_body_bytes=2048, max_bulk_bytes=200_000)}
    )
    return TestClient(create_app(settings, encoder=FakeEncoder()), raise_server_exceptions=False)


def recommend(client: TestClient, need: str) -> list[str]:
    response = client.post("/v1/recommendations", json={"need": need})
    assert response.status_code == 200
    body = response.json()
    return [r["id"] for r in body["results"] + body["testbeds"]]


def test_a_json_upload_is_stored_indexed_and_idempotent(writer: TestClient) -> None:
    response = writer.post("/v1/entities:bulk", json=[LAB, {"id": "lab:broken"}])
    assert response.status_code == 200
    report = response.json()
    assert report["inserted"] == 1 and report["reindexed"]
    assert report["rejected"][0]["where"] == "body record 2"
    assert report["rejected"][0]["id"] == "lab:broken"
    assert "lab:cleanroom" in recommend(writer, "semiconductor wafer lithography cleanroom")
    again = writer.post("/v1/entities:bulk", json={"entities": [LAB]}).json()
    assert again["unchanged"] == 1 and again["inserted"] == 0 and not again["reindexed"]


def test_jsonl_and_csv_bodies_are_read_by_content_type(writer: TestClient) -> None:
    lines = json.dumps(LAB) + "\n{oops\n"
    response = writer.post(
        "/v1/entities:bulk", content=lines, headers={"content-type": "application/x-ndjson"}
    )
    assert response.status_code == 200 and response.json()["rejected"][0]["where"] == "body:2"
    csv = "id,kind,name,description,keywords\ncompany:csv-co,company,CSV Co,Makes tables,a;b\n"
    response = writer.post(
        "/v1/entities:bulk", content=csv, headers={"content-type": "text/csv; charset=utf-8"}
    )
    assert response.status_code == 200 and response.json()["inserted"] == 1
    assert writer.get("/v1/entities/company:csv-co").json()["keywords"] == ["a", "b"]


@pytest.mark.parametrize(
    ("body", "headers", "status", "code"),
    [
        ("[]", {"content-type": "application/json"}, 422, "invalid_request"),
        ('[{"id": "x"}]', {"content-type": "application/json"}, 422, "invalid_request"),
        ("{broken", {"content-type": "application/json"}, 422, "invalid_request"),
        ("id,kind\n", {"content-type": "text/plain"}, 415, "unsupported_media_type"),
        (b"\xff\xfe\x00", {"content-type": "text/csv"}, 422, "invalid_request"),
        ("x" * 300_000, {"content-type": "text/csv"}, 413, "too_large"),
    ],
)
def test_bad_uploads_are_clear_4xx_and_change_nothing(
    writer: TestClient, body: str | bytes, headers: dict[str, str], status: int, code: str
) -> None:
    before = writer.get("/readyz").json()
    response = writer.post("/v1/entities:bulk", content=body, headers=headers)
    assert response.status_code == status
    assert response.json()["error"]["code"] == code
    assert writer.get("/readyz").json() == before


def test_an_upload_with_no_valid_row_lists_every_rejected_row(writer: TestClient) -> None:
    rows = [{"id": "lab:no-host", "kind": "lab", "name": "X", "description": "y"}, {"name": 1}]
    response = writer.post("/v1/entities:bulk", json=rows)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_request" and "2 rejected" in error["message"]
    assert [r["where"] for r in error["rejected"]] == ["body record 1", "body record 2"]
    assert "host" in error["rejected"][0]["reason"] and error["rejected"][0]["id"] == "lab:no-host"
    assert "kind: Field required" in error["rejected"][1]["reason"]


def test_a_semicolon_separated_spreadsheet_export_is_read(writer: TestClient) -> None:
    csv = (
        "\ufeffid;kind;name;description;keywords;municipality;lat;lon\r\n"
        'company:kalkyl-ab;company;Kalkyl AB;Vi bygger kalkylblad;"a;b";Solna;59,36;18,0\r\n'
    )
    response = writer.post(
        "/v1/entities:bulk", content=csv.encode(), headers={"content-type": "text/csv"}
    )
    assert response.status_code == 200 and response.json()["inserted"] == 1
    entity = writer.get("/v1/entities/company:kalkyl-ab").json()
    assert entity["keywords"] == ["a", "b"] and entity["location"]["lat"] == 59.36


def test_a_bulk_upload_may_exceed_the_ordinary_body_limit(writer: TestClient) -> None:
    many = [{**LAB, "id": f"lab:room-{i}", "name": f"Room {i}"} for i in range(40)]
    assert len(json.dumps(many)) > 2048
    response = writer.post("/v1/entities:bulk", json=many)
    assert response.status_code == 200 and response.json()["inserted"] == 40


def test_delete_removes_an_entity_and_unknown_ids_are_404(writer: TestClient) -> None:
    battery = "recycling lithium-ion batteries black mass"
    assert "company:battery-loop" in recommend(writer, battery)
    assert writer.delete("/v1/entities/company:battery-loop").status_code == 200
    assert "company:battery-loop" not in recommend(writer, battery)
    assert writer.get("/v1/entities/company:battery-loop").status_code == 404
    missing = writer.delete("/v1/entities/company:battery-loop")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_cli_ingest_reports_rejected_lines_and_exit_code(
    cli_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "more.jsonl"
    path.write_text(json.dumps(LAB) + "\nnot json\n", encoding="utf-8")
    code, out, err = run(capsys, "ingest", str(path))
    assert code == 1 and "1 new" in out and "1 rejected" in out
    assert "rejected more.jsonl:2: not valid JSON" in err
    code, out, _ = run(capsys, "ingest", str(path), "--json")
    summary = json.loads(out)
    assert code == 1 and summary["unchanged"] == 1 and not summary["reindexed"]
    code, out, _ = run(capsys, "delete", "lab:cleanroom", "lab:nothing")
    assert code == 0 and "deleted 1" in out and "1 ids were not stored" in out


def test_cli_ingest_errors_are_one_line(
    cli_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "ingest", str(tmp_path / "missing.csv"))
    assert code == 2 and err.startswith("matcher: error: catalogue not found")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("{}\n", encoding="utf-8")
    code, _, err = run(capsys, "ingest", str(empty), "--replace")
    assert code == 2 and "would empty the catalogue" in err
    excel = tmp_path / "LABS.CSV"  # a spreadsheet saved in the Windows code page
    excel.write_bytes(
        "id,kind,name,description\ncompany:gavle,company,Gävle AB,x\n".encode("cp1252")
    )
    code, _, err = run(capsys, "ingest", str(excel))
    assert code == 2 and "LABS.CSV: not UTF-8 text (byte 48); save it as UTF-8" in err
    assert sum(1 for _ in ENTITIES) > 0
