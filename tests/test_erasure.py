"""Personal data: a deleted entity or a withdrawn consent leaves nothing behind, and a
researcher without consent appears in no result, page, export or team.

A researcher with words found nowhere else is used (results, similar, map, a portfolio need
built from them, a shortlist, feedback, stored rankings), then erased; every file under the
data directory is then read as bytes and must hold neither their id, name, texts nor the
hashes of their texts (the embedding cache's keys).
"""

import json
import threading
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.index.items import entity_items
from matcher.schemas import parse_entity
from matcher.search import explain
from matcher.settings import EncoderSettings, Settings
from matcher.text import text_hash
from tests.support.catalogue import ENTITIES, write_catalogue

PERSON_ID = "researcher:zoe-quillfeather"
NAME = "Zoë Quillfeather"
DESCRIPTION = "Zygomorphic quasicrystal lattices in Pfaffian spintronics"
TITLE = "Braided Majorana modes on Penrose tilings"
ABSTRACT = "Anyonic interferometry in zygomorphic heterostructures at millikelvin."
SHARED_KEYWORD = "spintronics"
PERSON: dict[str, Any] = {
    "id": PERSON_ID,
    "kind": "researcher",
    "name": NAME,
    "affiliation": "KTH",
    "description": DESCRIPTION,
    "publications": [{"title": TITLE, "abstract": ABSTRACT, "year": 2025}],
    "expertise": ["Pfaffian spintronics", "quasicrystal lattices"],
    "keywords": [SHARED_KEYWORD],
    "consent": True,
    "areas": ["ict-digital"],
    "disciplines": ["physics"],
    "location": {"municipality": "Stockholm"},
}
COMPANY: dict[str, Any] = {
    "id": "company:spin-films",
    "kind": "company",
    "name": "Spin Films",
    "description": "Spintronic memory chips on quasicrystal thin films and lattices.",
    "keywords": [SHARED_KEYWORD],
    "areas": ["ict-digital"],
    "disciplines": ["electrical engineering"],
    "location": {"municipality": "Stockholm"},
    "stage": "startup",
    "seeks": ["quasicrystal lattice physics expertise"],
}
NEED = "spintronics research on quasicrystal lattices, Pfaffian and zygomorphic"
HIDDEN_ID = "researcher:hidden-person"


def needles(person: dict[str, Any]) -> list[bytes]:
    """Byte strings that must be in no file: id, name, texts (UTF-8 and JSON-escaped) and
    the cache keys of the person's own texts (the shared keyword is another entity's too)."""
    words = [person["id"], person["name"], DESCRIPTION, TITLE, ABSTRACT]
    found = {w.encode("utf-8") for w in words}
    found |= {json.dumps(w)[1:-1].encode("ascii") for w in words}
    own = {i.text for i in entity_items(parse_entity(person))} - {SHARED_KEYWORD}
    return sorted(found | {text_hash(t).encode("ascii") for t in own})


def leftovers(data_dir: Path, person: dict[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    """Every (file, needle) where a trace of the person is still found."""
    found = []
    for path in sorted(p for p in data_dir.rglob("*") if p.is_file()):
        if path.name.startswith(skip):
            continue
        data = path.read_bytes().lower()
        found += [f"{path}: {n!r}" for n in needles(person) if n.lower() in data]
    return found


def app(settings: Settings, keep_queries: bool, catalogue: list[dict[str, Any]]) -> TestClient:
    """An app on a freshly built catalogue; with keep_queries, needs are cached too."""
    encoder = EncoderSettings(name="fake", keep_queries=keep_queries)
    settings = settings.model_copy(update={"encoder": encoder})
    client = TestClient(
        create_app(settings, encoder=None if keep_queries else FakeEncoder()),
        raise_server_exceptions=False,
    )
    path = write_catalogue(settings.data_dir.parent / "erasure.jsonl", catalogue)
    client.app.state.matcher.build(str(path))  # type: ignore[attr-defined]
    return client


def everything(body: dict[str, Any]) -> list[str]:
    """Ids in a recommendation answer: results, testbeds and the partner set."""
    rows = body["results"] + body["testbeds"] + (body.get("partner_set") or [])
    return [r["id"] for r in rows]


def ok(response: Any) -> Any:
    assert response.status_code in (200, 201), response.text
    return response.json()


def team_request(text: str) -> dict[str, Any]:
    return {
        "challenges": [{"id": "c1", "text": text}],
        "pool": {"filter": {"kinds": ["researcher"]}},
        "constraints": {"min_size": 1, "max_size": 5},
        "solver": "greedy",
    }


def use_everywhere(client: TestClient) -> dict[str, Any]:
    """Let the person appear in results, similar, map, teams, a portfolio and feedback."""
    answer = ok(client.post("/v1/recommendations", json={"need": NEED}))
    assert PERSON_ID in everything(answer)
    ok(client.post("/v1/feedback", json={**answer_need(answer), "label": "relevant"}))
    similar = ok(client.get(f"/v1/entities/{COMPANY['id']}/similar"))
    assert PERSON_ID in [r["id"] for r in similar["results"]]
    assert PERSON_ID in [p["id"] for p in ok(client.get("/v1/map"))["points"]]
    teams = ok(client.post("/v1/teams", json=team_request(NEED)))
    pooled = [m["id"] for t in teams["teams"] for m in t["members"]] + teams["unassigned"]
    assert PERSON_ID in pooled
    body = {"name": "Deep tech", "needs": [{"entity_id": PERSON_ID}, {"text": NEED + " now"}]}
    portfolio = ok(client.post("/v1/portfolios", json=body))
    assert DESCRIPTION in portfolio["needs"][0]["text"]
    pid, (built_from, free) = portfolio["id"], [n["need_id"] for n in portfolio["needs"]]
    run = ok(client.post(f"/v1/portfolios/{pid}/recommendations", json={}))
    assert PERSON_ID in everything(run["needs"][1]["response"])
    entry = {"entity_id": PERSON_ID, "note": "call Zoë Quillfeather"}
    ok(client.put(f"/v1/portfolios/{pid}/needs/{free}/shortlist", json=entry))
    ok(client.put(f"/v1/portfolios/{pid}/needs/{free}/marks/{PERSON_ID}", json={"mark": "good"}))
    ok(
        client.post(
            "/v1/feedback", json={"need_id": free, "entity_id": PERSON_ID, "label": "contacted"}
        )
    )
    company = {"need_id": built_from, "entity_id": COMPANY["id"], "label": "relevant"}
    ok(client.post("/v1/feedback", json=company))
    assert PERSON_ID in client.get(f"/v1/portfolios/{pid}/export.csv").text
    return {"portfolio": pid}


def answer_need(answer: dict[str, Any]) -> dict[str, str]:
    return {"need_id": answer["need_id"], "entity_id": PERSON_ID}


def assert_gone_from_answers(client: TestClient, portfolio: str) -> None:
    """No answer of the API names the person any more."""
    assert client.get(f"/v1/entities/{PERSON_ID}").status_code == 404
    for relation in ("similar", "complements"):
        assert client.get(f"/v1/entities/{PERSON_ID}/{relation}").status_code == 404
        other = client.get(f"/v1/entities/{COMPANY['id']}/{relation}").text
        assert PERSON_ID not in other and "Quillfeather" not in other
    texts = [
        client.get("/v1/map").text,
        client.post("/v1/teams", json=team_request(DESCRIPTION)).text,
        client.get(f"/v1/portfolios/{portfolio}").text,
        client.get(f"/v1/portfolios/{portfolio}/export.csv").text,
        client.get(f"/v1/portfolios/{portfolio}/export.json").text,
        client.post(f"/v1/portfolios/{portfolio}/recommendations", json={}).text,
    ]
    for text in texts:
        assert PERSON_ID not in text and "Quillfeather" not in text and "Majorana" not in text
    for need in (DESCRIPTION, f"{TITLE}. {ABSTRACT}", NAME):  # answers echo the need's words
        answer = ok(client.post("/v1/recommendations", json={"need": need}))
        assert PERSON_ID not in everything(answer)
        if "Quillfeather" not in need:
            assert "Quillfeather" not in json.dumps(answer, ensure_ascii=False)


@pytest.mark.parametrize("keep_queries", [False, True])
def test_delete_erases_every_trace(settings: Settings, keep_queries: bool) -> None:
    client = app(settings, keep_queries, [*ENTITIES, PERSON, COMPANY])
    matcher = client.app.state.matcher  # type: ignore[attr-defined]
    used = use_everywhere(client)
    assert leftovers(settings.data_dir, PERSON), "the test must see the person's traces first"
    shared = text_hash(SHARED_KEYWORD)
    model = matcher.encoder.model_id
    assert shared in matcher.encoder.cache.get_many(model, [shared])
    kept = (explain._surface_by_stem, explain._sentence_stems)  # explanations' text caches
    assert all(cache.cache_info().currsize for cache in kept), "the person was explained"

    answer = ok(client.delete(f"/v1/entities/{PERSON_ID}"))
    assert not any(cache.cache_info().currsize for cache in kept)

    removed = answer["removed"]
    assert answer["deleted"] == PERSON_ID and removed["store"] == 1
    assert removed["index_texts"] == len(entity_items(parse_entity(PERSON)))
    assert removed["embeddings"] >= len(entity_items(parse_entity(PERSON))) - 1
    assert removed["portfolio_needs"] == 1 and removed["shortlist"] == 1
    assert removed["marks"] == 1
    assert removed["feedback"] >= 3 and removed["shown"] >= 2
    assert leftovers(settings.data_dir, PERSON) == []
    assert not list(settings.data_dir.rglob("*-wal")) or all(
        p.stat().st_size == 0 for p in settings.data_dir.rglob("*-wal")
    )
    for stem in (b"zygomorph", b"pfaffian", b"majorana"):  # the lexical vocabulary too
        for path in (settings.data_dir / "index").rglob("*"):
            assert not path.is_file() or stem not in path.read_bytes().lower(), path
    assert shared in matcher.encoder.cache.get_many(model, [shared]), "still the company's"
    assert_gone_from_answers(client, used["portfolio"])
    missing = client.delete(f"/v1/entities/{PERSON_ID}")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"


def test_withdrawn_consent_erases_like_a_delete(settings: Settings) -> None:
    client = app(settings, True, [*ENTITIES, PERSON, COMPANY])
    used = use_everywhere(client)
    withdrawn = json.dumps({**PERSON, "consent": False})
    report = ok(
        client.post(
            "/v1/entities:bulk", content=withdrawn, headers={"content-type": "application/json"}
        )
    )
    assert report["updated"] == 1 and report["reindexed"]
    erased = report["erased"]
    assert erased["index_texts"] > 0 and erased["embeddings"] > 0
    assert erased["shortlist"] == 1 and erased["portfolio_needs"] == 1 and erased["feedback"] >= 3
    # The store keeps the record that says "not listed"; nothing else holds a trace.
    assert leftovers(settings.data_dir, PERSON, skip=("catalogue.sqlite",)) == []
    assert_gone_from_answers(client, used["portfolio"])


def test_cli_delete_prints_what_it_erased(
    cli_data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.support.command import run

    code, out, _ = run(capsys, "delete", "researcher:ann-metals")
    assert code == 0 and "deleted 1 entities" in out
    assert "erased" in out and "embeddings" in out and "shortlist" in out


def test_a_researcher_without_consent_appears_nowhere(settings: Settings) -> None:
    client = app(settings, False, ENTITIES)
    matcher = client.app.state.matcher  # type: ignore[attr-defined]
    hidden = next(e for e in ENTITIES if e["id"] == HIDDEN_ID)
    texts = [client.get(page).text for page in ("/", "/coach", "/openlab", "/map")]
    texts.append(client.get(f"/entities/{HIDDEN_ID}").text)
    assert client.get(f"/v1/entities/{HIDDEN_ID}").status_code == 404
    for relation in ("similar", "complements"):
        assert client.get(f"/v1/entities/{HIDDEN_ID}/{relation}").status_code == 404
        for entity in ENTITIES:
            if entity["id"] != HIDDEN_ID:
                texts.append(client.get(f"/v1/entities/{entity['id']}/{relation}").text)
    texts.append(client.get("/v1/map").text)
    texts.append(client.post("/v1/teams", json=team_request(hidden["description"])).text)
    answer = ok(client.post("/v1/recommendations", json={"need": hidden["description"]}))
    texts.append(json.dumps(answer))
    body = {"name": "P", "needs": [{"text": hidden["description"]}]}
    portfolio = ok(client.post("/v1/portfolios", json=body))
    pid, need = portfolio["id"], portfolio["needs"][0]["need_id"]
    refused = client.put(
        f"/v1/portfolios/{pid}/needs/{need}/shortlist", json={"entity_id": HIDDEN_ID}
    )
    assert refused.status_code == 404
    matcher.coach.shortlist_add(pid, need, HIDDEN_ID, "stored before consent was withdrawn")
    for path in ("", "/export.csv", "/export.json"):
        texts.append(client.get(f"/v1/portfolios/{pid}{path}").text)
    texts.append(client.post(f"/v1/portfolios/{pid}/recommendations", json={}).text)
    for text in texts:
        assert HIDDEN_ID not in text and hidden["name"] not in text


def test_every_sqlite_connection_overwrites_deleted_content(settings: Settings) -> None:
    """secure_delete is set on each connection, not left to how SQLite was compiled."""
    client = app(settings, False, ENTITIES)
    matcher = client.app.state.matcher  # type: ignore[attr-defined]
    with matcher.store._engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA secure_delete").scalar() == 1
    for db in (matcher.encoder.cache._db, matcher.coach._db):
        assert db.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_a_withdrawal_hides_the_researcher_when_the_store_write_commits(
    built: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rebuild after a withdrawal takes a while; the researcher must leave every answer as
    soon as the store holds the withdrawal, not when the new index is loaded."""
    from matcher.catalogue import ingest as ingest_module
    from matcher.catalogue.reading import LoadedCatalogue
    from matcher.errors import UnknownEntityError
    from matcher.schemas import NeedRequest

    ann = "researcher:ann-metals"
    need = NeedRequest(need="leaching cobalt from spent lithium-ion batteries", top_k=10)
    assert ann in [r.id for r in built.recommend(need, record=False).results]
    rebuilding, release = threading.Event(), threading.Event()
    rebuild = ingest_module.reindex

    def slow_reindex(*args: Any, **kwargs: Any) -> Any:
        rebuilding.set()
        assert release.wait(30)
        return rebuild(*args, **kwargs)

    monkeypatch.setattr(ingest_module, "reindex", slow_reindex)
    withdrawn = next(e for e in ENTITIES if e["id"] == ann) | {"consent": False}
    writer = threading.Thread(
        target=built.ingest, args=(LoadedCatalogue(entities=[parse_entity(withdrawn)]),)
    )
    writer.start()
    try:
        assert rebuilding.wait(30), "the rebuild started"
        assert ann not in [r.id for r in built.recommend(need, record=False).results]
        assert built.get(ann) is None
        with pytest.raises(UnknownEntityError):
            built.neighbours(ann, "similar")
        similar = built.neighbours("researcher:bo-care", "similar", top_k=20).results
        assert ann not in [r.id for r in similar]
        assert built.counts()["researcher"] == 1  # bo-care; hidden-person never counted
    finally:
        release.set()
        writer.join(30)
    assert ann not in [r.id for r in built.recommend(need, record=False).results]


def test_readiness_and_metrics_count_only_listed_entities(built: Matcher) -> None:
    client = TestClient(create_app(built.settings, encoder=FakeEncoder()))
    stored = built.store.count()
    listed = client.get("/readyz").json()["entities"]
    assert stored["researcher"] == listed["researcher"] + 1, "hidden-person is not counted"
    assert listed["company"] == stored["company"]
    metrics = client.get("/metrics").text
    assert f'matcher_entities{{kind="researcher"}} {float(listed["researcher"])}' in metrics
