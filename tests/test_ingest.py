"""Ingestion: formats, row-level rejections, upserts, deletes, re-runs and the index swap."""

import json
import threading
import time
from pathlib import Path

import pytest

from matcher.catalogue import ingest as ingest_module
from matcher.catalogue.reading import load_catalogue
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.index.snapshot import current_path, snapshot_info
from matcher.schemas import NeedRequest
from matcher.settings import Settings
from tests.support.catalogue import ENTITIES, write_catalogue

BATTERY = "recycling lithium-ion batteries black mass"
CORDIS = Path(__file__).resolve().parents[2] / "shared" / "data" / "cordis-semiconductor-ev-export"
NEW_COMPANY = {
    "id": "company:hydrogen-works",
    "kind": "company",
    "name": "Hydrogen Works",
    "description": "Electrolysers that turn surplus wind power into green hydrogen.",
    "keywords": ["electrolysis", "green hydrogen"],
}


def ids(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.id for r in response.results]


def test_jsonl_rows_are_rejected_with_line_numbers_and_the_rest_kept(
    built: Matcher, tmp_path: Path
) -> None:
    lines = [
        json.dumps(NEW_COMPANY),
        "{not json",
        json.dumps({**NEW_COMPANY, "id": "company:no-description", "description": ""}),
        json.dumps({**NEW_COMPANY, "id": "Bad Id"}),
        json.dumps(NEW_COMPANY),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = built.ingest(load_catalogue(str(path)))
    where = [r.where for r in report.rejected]
    assert where == ["mixed.jsonl:2", "mixed.jsonl:3", "mixed.jsonl:4", "mixed.jsonl:5"]
    assert "duplicate id" in report.rejected[-1].reason
    assert "description" in report.rejected[1].reason
    assert report.inserted == 1 and report.reindexed
    assert sum(report.entities.values()) == len(ENTITIES) + 1
    assert "company:hydrogen-works" in ids(built.recommend(NeedRequest(need="green hydrogen")))


def test_a_re_run_changes_nothing_and_keeps_the_index(built: Matcher, tmp_path: Path) -> None:
    path = write_catalogue(tmp_path / "again.jsonl", [NEW_COMPANY])
    first = built.ingest(load_catalogue(str(path)))
    snapshot = current_path(built.index_dir)
    second = built.ingest(load_catalogue(str(path)))
    assert first.inserted == 1 and second.inserted == second.updated == 0
    assert second.unchanged == 1 and second.encoded == 0 and not second.reindexed
    assert current_path(built.index_dir) == snapshot


def test_an_update_replaces_the_entity_and_its_vectors(built: Matcher, tmp_path: Path) -> None:
    renamed = {**ENTITIES[0], "description": "Wooden facade panels for tall timber buildings."}
    report = built.ingest(load_catalogue(str(write_catalogue(tmp_path / "u.jsonl", [renamed]))))
    assert report.updated == 1 and report.encoded == 1
    stored = built.get(ENTITIES[0]["id"])
    assert stored is not None and stored.description == renamed["description"]
    found = built.recommend(NeedRequest(need="timber facade panels"))
    assert ENTITIES[0]["id"] in ids(found)[:3]


def test_deletes_remove_vectors_and_results(built: Matcher) -> None:
    before = snapshot_info(built.index_dir)["items"]
    assert "company:battery-loop" in ids(built.recommend(NeedRequest(need=BATTERY)))
    assert built.delete(["company:battery-loop", "company:unknown"]).store == 1
    assert snapshot_info(built.index_dir)["items"] < before
    assert built.get("company:battery-loop") is None
    assert "company:battery-loop" not in ids(built.recommend(NeedRequest(need=BATTERY)))
    assert built.delete(["company:battery-loop"]).store == 0


def test_replace_deletes_what_the_source_no_longer_has(built: Matcher, tmp_path: Path) -> None:
    kept = ENTITIES[:4]
    report = built.ingest(
        load_catalogue(str(write_catalogue(tmp_path / "k.jsonl", kept))), replace=True
    )
    assert report.deleted == len(ENTITIES) - 4 and report.unchanged == 4
    assert sum(report.entities.values()) == 4


def test_replace_keeps_the_stored_entity_whose_new_row_was_rejected(
    built: Matcher, tmp_path: Path
) -> None:
    typo = {**ENTITIES[1], "description": ""}
    path = write_catalogue(tmp_path / "typo.jsonl", [ENTITIES[0], typo])
    report = built.ingest(load_catalogue(str(path)), replace=True)
    assert report.kept == 1 and report.deleted == len(ENTITIES) - 2
    assert [r.id for r in report.rejected] == [ENTITIES[1]["id"]]
    stored = built.get(ENTITIES[1]["id"])
    assert stored is not None and stored.description == ENTITIES[1]["description"]
    assert built.get(ENTITIES[2]["id"]) is None


def test_a_csv_row_with_a_bad_cell_names_its_id_and_is_kept_under_replace(
    built: Matcher, tmp_path: Path
) -> None:
    lab = next(e for e in ENTITIES if e["kind"] == "lab")
    path = tmp_path / "labs.csv"
    path.write_text(
        f"id,kind,name,host,description,trl_min\n {lab['id']} ,lab,X,Y,Z,three\n"
        f"lab:extra,lab,X,Y,Z,1,surplus\n",
        encoding="utf-8",
    )
    report = built.ingest(load_catalogue(str(path)), replace=True)
    assert [(r.where, r.id) for r in report.rejected] == [
        ("labs.csv:2", lab["id"]),
        ("labs.csv:3", "lab:extra"),
    ]
    assert report.kept == 1 and report.deleted == len(ENTITIES) - 1
    kept = built.get(lab["id"])
    assert kept is not None and kept.name == lab["name"]


def test_csv_rows_become_entities_and_bad_rows_name_their_line(
    built: Matcher, tmp_path: Path
) -> None:
    text = (
        "id,kind,name,description,keywords,municipality,lat,lon,host,open_to_smes,trl_min,trl_max\n"
        'lab:wind-tunnel,lab,Wind Tunnel,"Aerodynamic tests of\nturbine blades",wind;blades,'
        "Solna,59.36,18.0,KTH,yes,3,6\n"
        "lab:bad-trl,lab,Bad TRL,Some lab,x,Solna,,,KTH,yes,three,6\n"
        "lab:bad-bool,lab,Bad bool,Some lab,x,Solna,,,KTH,perhaps,3,6\n"
        "lab:extra,lab,Extra,Some lab,x,Solna,,,KTH,yes,3,6,surplus\n"
        "lab:bad-area,lab,Bad area,Some lab,,Solna,,,,yes,3,6\n"
    )
    path = tmp_path / "labs.csv"
    path.write_text(text, encoding="utf-8")
    report = built.ingest(load_catalogue(str(path)))
    reasons = {r.where: r.reason for r in report.rejected}
    assert set(reasons) == {"labs.csv:4", "labs.csv:5", "labs.csv:6", "labs.csv:7"}
    assert "trl_min" in reasons["labs.csv:4"] and "open_to_smes" in reasons["labs.csv:5"]
    assert "more cells" in reasons["labs.csv:6"] and "host" in reasons["labs.csv:7"]
    lab = built.get("lab:wind-tunnel")
    assert lab is not None and lab.kind == "lab"
    assert lab.keywords == ["wind", "blades"] and lab.trl_min == 3 and lab.open_to_smes
    assert lab.location is not None and lab.location.lat == pytest.approx(59.36)


def test_the_cordis_export_becomes_one_entity_per_organisation(
    settings: Settings,
) -> None:
    if not CORDIS.exists():
        pytest.skip("the CORDIS export is not beside the repository")
    rows = json.loads((CORDIS / "organization.json").read_text(encoding="utf-8"))
    projects = {p["id"] for p in json.loads((CORDIS / "project.json").read_text())}
    organisations: dict[str, set[int]] = {}
    for row in rows:
        if row["projectID"] in projects:
            organisations.setdefault(str(row["organisationID"]), set()).add(row["projectID"])
    loaded = load_catalogue(str(CORDIS))
    assert len(loaded.entities) == len(organisations) and not loaded.rejected
    by_id = {e.id.split(":cordis-")[1]: e for e in loaded.entities}
    for org, joined in organisations.items():  # a project listed twice for one organisation
        assert len(by_id[org].projects) == len(joined)  # is one of its projects
    companies = {str(r["organisationID"]) for r in rows if "PRC" in r["activityType"].split(";")}
    assert {o for o, e in by_id.items() if e.kind == "company"} == companies
    matcher = Matcher(settings, encoder=FakeEncoder())
    report = matcher.ingest(loaded)
    assert report.inserted == len(organisations) and report.encoded < report.items
    assert matcher.recommend(NeedRequest(need="semiconductors for electric vehicles")).results


def test_a_cordis_export_of_text_values_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    """Newer CORDIS downloads give every value as text; Windows tools add a byte order mark."""
    if not CORDIS.exists():
        pytest.skip("the CORDIS export is not beside the repository")
    projects = json.loads((CORDIS / "project.json").read_text(encoding="utf-8"))[:3]
    keep = {p["id"] for p in projects}
    rows = json.loads((CORDIS / "organization.json").read_text(encoding="utf-8"))
    rows = [
        {k: None if v == "" else str(v) for k, v in r.items()}
        for r in rows
        if r["projectID"] in keep
    ]
    company = next(r for r in rows if r["activityType"] == "PRC")
    company["SME"] = "true"
    export = tmp_path / "export"
    export.mkdir()
    texts = [{k: str(v) for k, v in p.items()} for p in projects]
    for name, data in (("project.json", texts), ("organization.json", rows)):
        (export / name).write_text("\ufeff" + json.dumps(data), encoding="utf-8")
    loaded = load_catalogue(str(export))
    assert not loaded.rejected
    assert len(loaded.entities) == len({r["organisationID"] for r in rows})
    by_id = {e.id: e for e in loaded.entities}
    assert by_id[f"company:cordis-{company['organisationID']}"].stage == "sme"


def test_a_crash_while_rebuilding_keeps_the_previous_index(
    built: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    snapshot = current_path(built.index_dir)
    source = load_catalogue(str(write_catalogue(tmp_path / "n.jsonl", [NEW_COMPANY])))

    def crash(*_: object, **__: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(ingest_module, "save_snapshot", crash)
    with pytest.raises(OSError, match="disk full"):
        built.ingest(source)
    assert current_path(built.index_dir) == snapshot
    assert ids(built.recommend(NeedRequest(need=BATTERY)))[0] == "company:battery-loop"
    monkeypatch.undo()
    fresh = Matcher(built.settings, encoder=FakeEncoder())
    assert not fresh.index_is_current()
    repaired = fresh.ingest(source)
    assert repaired.unchanged == 1 and repaired.reindexed, "a stale index is rebuilt"
    assert "company:hydrogen-works" in ids(fresh.recommend(NeedRequest(need="green hydrogen")))


def test_queries_are_answered_while_the_index_is_rebuilt(
    built: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    slow_build = ingest_module.build_shards
    started = threading.Event()

    def slow(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        started.set()
        time.sleep(1.0)
        return slow_build(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module, "build_shards", slow)
    source = load_catalogue(str(write_catalogue(tmp_path / "n.jsonl", [NEW_COMPANY])))
    writer = threading.Thread(target=built.ingest, args=(source,))
    writer.start()
    assert started.wait(5)
    answered = 0
    while writer.is_alive():
        response = built.recommend(NeedRequest(need=BATTERY))
        assert response.results[0].id == "company:battery-loop"
        answered += 1
    writer.join()
    assert answered > 0
    assert "company:hydrogen-works" in ids(built.recommend(NeedRequest(need="green hydrogen")))


def test_the_map_answers_at_once_after_a_rebuild_and_never_shows_erased_entities(
    built: Matcher, tmp_path: Path
) -> None:
    before = {p["id"] for p in built.catalogue_map()["points"]}
    built.ingest(load_catalogue(str(write_catalogue(tmp_path / "n.jsonl", [NEW_COMPANY]))))
    assert {p["id"] for p in built.catalogue_map()["points"]} in (
        before,
        before | {NEW_COMPANY["id"]},
    )
    for _ in range(200):  # the new map is computed in the background
        if NEW_COMPANY["id"] in {p["id"] for p in built.catalogue_map()["points"]}:
            break
        time.sleep(0.05)
    assert NEW_COMPANY["id"] in {p["id"] for p in built.catalogue_map()["points"]}
    built.delete(["company:battery-loop"])
    assert "company:battery-loop" not in {p["id"] for p in built.catalogue_map()["points"]}


def test_concurrent_writers_share_rebuilds_and_all_land_in_the_index(
    built: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuild = ingest_module.reindex
    calls: list[int] = []

    def counted(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        calls.append(1)
        time.sleep(0.3)
        return rebuild(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ingest_module, "reindex", counted)
    rows = [{**NEW_COMPANY, "id": f"company:writer-{i}", "name": f"Writer {i}"} for i in range(8)]
    reports: list = []

    def write(row: dict) -> None:
        loaded = load_catalogue_from([row])
        reports.append(built.ingest(loaded))

    threads = [threading.Thread(target=write, args=(row,)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.inserted == 1 and r.reindexed for r in reports)
    assert len(calls) < len(rows), "queued writers are covered by one rebuild"
    items = built.served().retriever.positions
    assert all(row["id"] in items for row in rows)


def load_catalogue_from(records: list[dict]):  # type: ignore[no-untyped-def]
    from matcher.catalogue.reading import validate

    return validate((f"row {i}", r) for i, r in enumerate(records, start=1))
