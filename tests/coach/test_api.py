"""The coach workflow over HTTP."""

import csv
import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from matcher.engine import Matcher
from matcher.recommend import need_id
from matcher.schemas import NeedRequest
from matcher.search import reranker
from tests.support.coach import (
    BATTERY_NEED,
    BATTERY_TEXT,
    CARE_NEED,
    EXPORT_COLUMNS,
    assert_error,
    ids,
    notes,
    researchers_first,
)


def test_portfolio_api(client: TestClient, engine: Matcher) -> None:
    created = client.post(
        "/v1/portfolios",
        json={
            "name": "Cohort 7",
            "needs": [{"entity_id": "company:battery-loop"}, {"text": CARE_NEED, "title": "Care"}],
        },
    )
    assert created.status_code == 201, created.text
    body = created.json()
    pid = body["id"]
    assert [n["title"] for n in body["needs"]] == ["Battery Loop", "Care"]
    assert body["needs"][0]["text"] == BATTERY_TEXT

    assert client.get("/v1/portfolios").json() == [{"id": pid, "name": "Cohort 7", "needs": 2}]
    assert client.get(f"/v1/portfolios/{pid}").json() == body
    assert_error(client.get("/v1/portfolios/portfolio:nope"), 404, "not_found", "portfolio:nope")

    run = client.post(f"/v1/portfolios/{pid}/recommendations", json={"top_k": 2})
    assert run.status_code == 200, run.text
    answer = run.json()
    assert answer["portfolio_id"] == pid and [n["title"] for n in answer["needs"]] == [
        "Battery Loop",
        "Care",
    ]
    care = answer["needs"][1]["response"]
    direct = engine.recommend(NeedRequest(need=CARE_NEED, top_k=2), record=False)
    assert [r["id"] for r in care["results"]] == ids(direct.results)
    assert care["need_id"] == body["needs"][1]["need_id"]
    # Without a body the defaults apply.
    default = client.post(f"/v1/portfolios/{pid}/recommendations")
    assert default.status_code == 200 and len(default.json()["needs"]) == 2
    assert_error(client.post("/v1/portfolios/portfolio:nope/recommendations"), 404, "not_found")
    assert_error(
        client.post(f"/v1/portfolios/{pid}/recommendations", json={"top_k": 0}),
        422,
        "invalid_request",
        "top_k",
    )


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"name": "x", "needs": []}, 422, "needs"),
        (
            {"name": "x", "needs": [{"text": "a", "entity_id": "company:battery-loop"}]},
            422,
            "either",
        ),
        ({"name": "x", "needs": [{"title": "a"}]}, 422, "either"),
        ({"name": "", "needs": [{"text": "a"}]}, 422, "name"),
        ({"name": "x", "needs": [{"text": "a"}], "owner": "me"}, 422, "owner"),
        ({"name": "x", "needs": [{"entity_id": "company:nothing"}]}, 404, "company:nothing"),
    ],
)
def test_portfolio_api_refuses_bad_portfolios(
    client: TestClient, body: dict[str, Any], status: int, fragment: str
) -> None:
    code = "not_found" if status == 404 else "invalid_request"
    assert_error(client.post("/v1/portfolios", json=body), status, code, fragment)
    assert client.get("/v1/portfolios").json() == []


def test_a_portfolio_need_over_the_limit_is_refused_and_one_under_it_runs(
    client: TestClient,
) -> None:
    over = client.post(
        "/v1/portfolios", json={"name": "long", "needs": [{"text": "battery " * 1500}]}
    )
    assert_error(over, 422, "invalid_request", "the limit is 10000")
    assert client.get("/v1/portfolios").json() == []  # nothing was stored
    created = client.post(
        "/v1/portfolios", json={"name": "long", "needs": [{"text": "battery " * 1200}]}
    )
    assert created.status_code == 201, created.text
    run = client.post(f"/v1/portfolios/{created.json()['id']}/recommendations")
    assert run.status_code == 200, run.text
    found = [r["id"] for r in run.json()["needs"][0]["response"]["results"][:2]]
    assert "company:battery-loop" in found  # the catalogue's battery partners come first


def test_shortlist_and_export_api(client: TestClient) -> None:
    pid = client.post(
        "/v1/portfolios",
        json={"name": "Cohort", "needs": [{"text": BATTERY_NEED}, {"text": CARE_NEED}]},
    ).json()["id"]
    need = need_id(BATTERY_NEED)
    base = f"/v1/portfolios/{pid}/needs/{need}/shortlist"

    added = client.put(base, json={"entity_id": "lab:black-mass-pilot", "note": "visit, 12 May"})
    assert added.status_code == 200, added.text
    assert notes(added.json()["shortlist"]) == [("lab:black-mass-pilot", "visit, 12 May")]
    updated = client.put(base, json={"entity_id": "lab:black-mass-pilot", "note": "visited"})
    assert notes(updated.json()["shortlist"]) == [("lab:black-mass-pilot", "visited")]
    client.put(base, json={"entity_id": "researcher:ann-metals"})

    assert_error(
        client.put(base, json={"entity_id": "lab:nothing"}), 404, "not_found", "lab:nothing"
    )
    assert_error(
        client.put(
            f"/v1/portfolios/{pid}/needs/need:0000/shortlist",
            json={"entity_id": "lab:black-mass-pilot"},
        ),
        404,
        "not_found",
        "need:0000",
    )
    assert_error(
        client.put(
            f"/v1/portfolios/portfolio:nope/needs/{need}/shortlist",
            json={"entity_id": "lab:black-mass-pilot"},
        ),
        404,
        "not_found",
    )
    assert_error(client.put(base, json={"note": "who?"}), 422, "invalid_request", "entity_id")
    assert_error(
        client.put(base, json={"entity_id": "lab:black-mass-pilot", "note": "x" * 2001}),
        422,
        "invalid_request",
        "note",
    )

    removed = client.delete(f"{base}/researcher:ann-metals")
    assert removed.status_code == 204 and removed.content == b""
    assert_error(
        client.delete(f"{base}/researcher:ann-metals"), 404, "not_found", "not on the shortlist"
    )
    assert_error(
        client.delete(f"/v1/portfolios/portfolio:nope/needs/{need}/shortlist/x"), 404, "not_found"
    )

    exported = client.get(f"/v1/portfolios/{pid}/export.csv")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert list(rows[0]) == EXPORT_COLUMNS
    assert [(r["need_id"], r["entity_id"], r["name"], r["kind"], r["note"]) for r in rows] == [
        (need, "lab:black-mass-pilot", "Black Mass Pilot Line", "lab", "visited"),
        (need_id(CARE_NEED), "", "", "", ""),
    ]
    document = client.get(f"/v1/portfolios/{pid}/export.json").json()
    assert document["id"] == pid and document["name"] == "Cohort"
    assert document["rows"] == rows
    assert notes(document["needs"][0]["shortlist"]) == [("lab:black-mass-pilot", "visited")]
    assert_error(client.get("/v1/portfolios/portfolio:nope/export.csv"), 404, "not_found")
    assert_error(client.get("/v1/portfolios/portfolio:nope/export.json"), 404, "not_found")


def test_feedback_api(client: TestClient, engine: Matcher) -> None:
    unknown_need = {
        "need_id": need_id("never"),
        "entity_id": "company:battery-loop",
        "label": "relevant",
    }
    assert_error(
        client.post("/v1/feedback", json=unknown_need), 404, "not_found", "ask for them first"
    )

    shown = client.post("/v1/recommendations", json={"need": BATTERY_NEED}).json()
    body = {"need_id": shown["need_id"], "entity_id": "company:battery-loop", "label": "partnered"}
    first = client.post("/v1/feedback", json=body)
    assert first.status_code == 201 and first.json() == {**body, "stored": True}
    second = client.post("/v1/feedback", json=body)
    assert second.status_code == 200 and second.json() == {**body, "stored": False}
    assert len(engine.coach.feedback()) == 1

    assert_error(
        client.post("/v1/feedback", json={**body, "entity_id": "company:nothing"}),
        404,
        "not_found",
        "company:nothing",
    )
    assert_error(
        client.post("/v1/feedback", json={**body, "label": "great"}),
        422,
        "invalid_request",
        "label",
    )
    assert_error(
        client.post("/v1/feedback", json={"need_id": shown["need_id"]}), 422, "invalid_request"
    )
    assert len(engine.coach.feedback()) == 1


def test_api_serves_an_active_reranker(client: TestClient, engine: Matcher) -> None:
    plain = client.post("/v1/recommendations", json={"need": BATTERY_NEED}).json()
    assert plain["reranked"] is False
    reranker.save(engine.settings.models_dir / "reranker", researchers_first(), {"active": True})
    ranked = client.post("/v1/recommendations", json={"need": BATTERY_NEED}).json()
    assert ranked["reranked"] is True
    assert [r["kind"] for r in ranked["results"]] == sorted(
        (r["kind"] for r in plain["results"]), key=lambda kind: kind != "researcher"
    )


def test_csv_export_cells_never_start_a_formula(client: TestClient) -> None:
    company = {
        "id": "company:formula-co",
        "kind": "company",
        "name": "+1+1 Formula Co",
        "description": "Battery recycling of lithium-ion cells at pilot scale.",
    }
    assert client.put("/v1/entities/company:formula-co", json=company).status_code == 201
    portfolio = client.post(
        "/v1/portfolios",
        json={
            "name": '=HYPERLINK("http://evil.example")',
            "needs": [{"text": "battery recycling", "title": "@SUM(A1:A9)"}],
        },
    ).json()
    need_id = portfolio["needs"][0]["need_id"]
    shortlist = f"/v1/portfolios/{portfolio['id']}/needs/{need_id}/shortlist"
    note = "=cmd|' /C calc'!A0"
    kept = client.put(shortlist, json={"entity_id": "company:formula-co", "note": note})
    assert kept.status_code == 200, kept.text
    text = client.get(f"/v1/portfolios/{portfolio['id']}/export.csv").text
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["portfolio"] == '\'=HYPERLINK("http://evil.example")'
    assert row["startup"] == "'@SUM(A1:A9)"
    assert row["name"] == "'+1+1 Formula Co"
    assert row["note"] == "'" + note
    assert row["entity_id"] == "company:formula-co"  # ordinary cells are left as they are

    # The Excel workbook holds the same cells, as text: none of them is a formula.
    workbook = client.get(f"/v1/portfolios/{portfolio['id']}/export.xlsx")
    assert workbook.status_code == 200
    assert "attachment" in workbook.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(workbook.content)).active
    header, cells = [[c.value or "" for c in line] for line in sheet.iter_rows()]
    assert header == EXPORT_COLUMNS
    assert dict(zip(header, cells, strict=True)) == row
    assert all(c.data_type != "f" for line in sheet.iter_rows() for c in line)
    assert_error(client.get("/v1/portfolios/portfolio:nope/export.xlsx"), 404, "not_found")


def test_marks_over_http(client: TestClient) -> None:
    pid = client.post(
        "/v1/portfolios", json={"name": "Marks", "needs": [{"text": BATTERY_NEED}]}
    ).json()["id"]
    client.post(f"/v1/portfolios/{pid}/recommendations")
    need = need_id(BATTERY_NEED)
    base = f"/v1/portfolios/{pid}/needs/{need}/marks"
    put = client.put(f"{base}/lab:black-mass-pilot", json={"mark": "bad"})
    assert put.status_code == 200, put.text
    assert put.json()["marks"] == {"lab:black-mass-pilot": "bad"}
    stored = client.get(f"/v1/portfolios/{pid}").json()
    assert stored["needs"][0]["marks"] == {"lab:black-mass-pilot": "bad"}
    assert client.delete(f"{base}/lab:black-mass-pilot").json()["marks"] == {}
    assert_error(
        client.put(f"{base}/lab:black-mass-pilot", json={"mark": "maybe"}),
        422,
        "invalid_request",
        "mark",
    )
    assert_error(client.put(f"{base}/lab:nothing", json={"mark": "good"}), 404, "not_found")
