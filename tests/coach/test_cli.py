"""The coach workflow on the command line."""

import csv
import io
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from matcher import cli
from matcher.coach import workflow as coach
from matcher.coach.schemas import FeedbackRequest
from matcher.engine import Matcher
from matcher.recommend import need_id
from matcher.schemas import NeedRequest
from matcher.search import reranker
from tests.support.catalogue import write_catalogue
from tests.support.coach import (
    BATTERY_NEED,
    BATTERY_TEXT,
    CARE_NEED,
    PLACES,
    TOPICS,
    assert_cli_error,
    market,
)
from tests.support.command import run


def test_cli_portfolio_workflow(
    cli_env: Path, catalogue_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "build", "--catalogue", str(catalogue_file), "--json")
    needs = tmp_path / "needs.jsonl"
    needs.write_text(
        json.dumps("company:battery-loop")
        + "\n"
        + json.dumps({"text": CARE_NEED, "title": "Care"})
        + "\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "portfolio", "create", "--name", "Cohort 7", "--needs", str(needs))
    assert code == 0
    pid = out.strip()
    assert pid.startswith("portfolio:")

    code, out, _ = run(capsys, "portfolio", "list")
    assert code == 0 and out.strip() == f"{pid}  Cohort 7 (2 needs)"
    assert json.loads(run(capsys, "portfolio", "list", "--json")[1]) == [
        {"id": pid, "name": "Cohort 7", "needs": 2}
    ]

    code, out, _ = run(capsys, "portfolio", "recommend", pid, "--json", "--top", "2")
    assert code == 0
    answer = json.loads(out)
    assert answer["portfolio_id"] == pid
    battery, care = (n["response"] for n in answer["needs"])
    assert battery["need_id"] == need_id(BATTERY_TEXT) and care["need_id"] == need_id(CARE_NEED)
    assert len(care["results"]) == 2
    assert "company:battery-loop" not in [r["id"] for r in battery["results"]]
    code, out, _ = run(capsys, "portfolio", "recommend", pid)
    assert code == 0 and out.startswith("2 needs in") and "Care" in out and "Battery Loop" in out

    target = "researcher:ann-metals"
    code, out, _ = run(capsys, "feedback", battery["need_id"], target, "relevant")
    assert (code, out.strip()) == (0, "stored")
    code, out, _ = run(capsys, "feedback", battery["need_id"], target, "relevant")
    assert (code, out.strip()) == (0, "already stored")
    code, out, _ = run(capsys, "feedback", battery["need_id"], target, "contacted", "--json")
    assert code == 0 and json.loads(out)["stored"] is True

    # The shortlist is kept by the engine on the same data directory; export shows it.
    from matcher.settings import get_settings

    coach.shortlist_add(Matcher(get_settings()), pid, battery["need_id"], target, "ask about ICP")
    csv_file = tmp_path / "out" / "cohort.csv"
    csv_file.parent.mkdir()
    code, out, _ = run(
        capsys, "portfolio", "export", pid, "--format", "csv", "--output", str(csv_file)
    )
    assert code == 0 and out == ""
    rows = list(csv.DictReader(io.StringIO(csv_file.read_text(encoding="utf-8"))))
    assert [(r["entity_id"], r["note"], r["startup"]) for r in rows] == [
        (target, "ask about ICP", "Battery Loop"),
        ("", "", "Care"),
    ]
    code, out, _ = run(capsys, "portfolio", "export", pid, "--format", "csv")
    assert code == 0 and list(csv.DictReader(io.StringIO(out))) == rows
    code, out, _ = run(capsys, "portfolio", "export", pid, "--format", "json")
    assert code == 0 and json.loads(out)["rows"] == rows
    book = tmp_path / "out" / "cohort.xlsx"
    code, out, _ = run(
        capsys, "portfolio", "export", pid, "--format", "xlsx", "--output", str(book)
    )
    assert code == 0 and out == ""
    sheet = load_workbook(book).active
    assert [c.value for c in sheet[2]][4] == target
    assert_cli_error(run(capsys, "portfolio", "export", pid, "--format", "xlsx"), "--output")


def test_cli_coach_errors_are_one_line(
    cli_env: Path, catalogue_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "build", "--catalogue", str(catalogue_file), "--json")
    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps(["company:nothing"]), encoding="utf-8")
    both = tmp_path / "both.json"
    both.write_text(json.dumps({"needs": [{"text": "x", "entity_id": "company:battery-loop"}]}))
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "a"}\n{oops\n', encoding="utf-8")

    assert_cli_error(run(capsys, "portfolio", "create", "--name", "x"), "--needs")
    assert_cli_error(
        run(capsys, "portfolio", "create", "--needs", str(tmp_path / "no.json")), "not found"
    )
    assert_cli_error(run(capsys, "portfolio", "create", "--needs", str(unknown)), "company:nothing")
    assert_cli_error(
        run(capsys, "portfolio", "create", "--needs", str(both)), "either text or entity_id"
    )
    assert_cli_error(run(capsys, "portfolio", "create", "--needs", str(broken)), "broken.jsonl:2")
    assert_cli_error(run(capsys, "portfolio", "recommend"), "needs a portfolio id")
    assert_cli_error(run(capsys, "portfolio", "recommend", "portfolio:nope"), "portfolio:nope")
    assert_cli_error(run(capsys, "portfolio", "export", "portfolio:nope"), "portfolio:nope")
    assert_cli_error(
        run(capsys, "feedback", need_id("never"), "company:battery-loop", "relevant"),
        "ask for them first",
    )
    ok = tmp_path / "ok.json"
    ok.write_text(json.dumps([{"text": BATTERY_NEED}]), encoding="utf-8")
    pid = run(capsys, "portfolio", "create", "--needs", str(ok))[1].strip()
    assert_cli_error(run(capsys, "portfolio", "recommend", pid, "--top", "0"), "top_k")
    run(capsys, "portfolio", "recommend", pid, "--json")
    assert_cli_error(
        run(capsys, "feedback", need_id(BATTERY_NEED), "company:nothing", "relevant"),
        "company:nothing",
    )
    assert_cli_error(run(capsys, "train-reranker"), "at least 5")
    with pytest.raises(SystemExit) as info:
        cli.main(["feedback", need_id(BATTERY_NEED), "company:battery-loop", "great"])
    assert info.value.code == 2 and "invalid choice: 'great'" in capsys.readouterr().err


def test_cli_needs_file_with_a_bare_string(
    cli_env: Path, catalogue_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "build", "--catalogue", str(catalogue_file), "--json")
    needs = tmp_path / "needs.json"
    needs.write_text(json.dumps("company:battery-loop"), encoding="utf-8")
    result = run(capsys, "portfolio", "create", "--needs", str(needs))
    assert_cli_error(result, "must hold a list of company ids and {text} objects")


def test_cli_train_reranker_simulated_and_from_feedback(
    cli_env: Path, models_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher.settings import get_settings

    catalog = write_catalogue(tmp_path / "market.jsonl", market())
    run(capsys, "build", "--catalogue", str(catalog), "--json")

    code, out, _ = run(capsys, "train-reranker", "--simulate", "--seed", "1", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["source"] == "simulated" and report["active"] is False
    assert Path(report["folder"]) == models_dir / "reranker-simulated"
    assert report["training_needs"] + report["held_out_needs"] == 24  # the non-large companies
    assert reranker.load(models_dir / "reranker-simulated") is None  # never served
    assert not (models_dir / "reranker").exists()
    code, out, _ = run(capsys, "train-reranker", "--simulate")
    assert code == 0 and "never used for serving" in out

    # A coach who contacts exactly the small companies in the startup's own municipality.
    matcher = Matcher(get_settings())
    requests = [
        NeedRequest(
            need=f"{TOPICS[i % 6]} pilot project {i}",
            municipality=PLACES[i % 4],
            kinds=["company", "researcher"],
        )
        for i in range(10)
    ]
    for request, response in zip(requests, matcher.recommend_many(requests), strict=True):
        for result in response.results[:8]:
            entity = matcher.get(result.id)
            assert entity is not None
            local = (
                entity.kind == "company"
                and getattr(entity, "stage", None) != "large"
                and entity.location is not None
                and entity.location.municipality == request.municipality
            )
            label = "contacted" if local else "not_relevant"
            coach.feedback(
                matcher, FeedbackRequest(need_id=response.need_id, entity_id=result.id, label=label)
            )

    code, out, _ = run(capsys, "train-reranker", "--json")
    assert code == 0, out
    report = json.loads(out)
    assert report["source"] == "feedback" and report["training_needs"] == 7
    assert report["active"] is (report["ndcg@10_after"] > report["ndcg@10_before"])
    assert report["active"] is True
    assert reranker.load(models_dir / "reranker") is not None
    code, out, _ = run(capsys, "recommend", requests[0].need, "--json")
    assert code == 0 and json.loads(out)["reranked"] is True
