"""`matcher recommend --server`: the answer comes from a running server (a real one on
127.0.0.1), the command loads no model, and failures are one clear line."""

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import EncoderSettings, Settings
from tests.support.browser import free_port, serve
from tests.support.catalogue import write_catalogue
from tests.support.command import run
from tests.support.open_access import OPEN

NEED = "battery recycling black mass"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("remote")
    settings = Settings(data_dir=folder / "data", encoder=EncoderSettings(name="fake"), access=OPEN)
    Matcher(settings, encoder=FakeEncoder()).build(str(write_catalogue(folder / "c.jsonl")))
    with serve(settings) as base:
        yield base


@pytest.fixture
def no_local_models(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Building an engine in the command would fail the test."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the command loaded an engine instead of asking the server")

    monkeypatch.setattr(Matcher, "__init__", refuse)
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "nothing-built-here"))


def test_the_answer_comes_from_the_server_with_exclusions(
    server: str, no_local_models: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "recommend", NEED, "--server", server, "--json", "--top", "3")
    assert code == 0
    first = json.loads(out)
    top = first["results"][0]["id"]
    assert len(first["testbeds"]) == 3
    code, out, _ = run(capsys, "recommend", NEED, "--server", server, "--json", "--exclude", top)
    assert code == 0
    assert top not in [r["id"] for r in json.loads(out)["results"]]
    code, out, _ = run(capsys, "recommend", NEED, "--server", server, "--kind", "lab")
    assert code == 0 and "Testbeds" in out and "lab:black-mass-pilot" in out


def test_the_server_address_can_come_from_the_environment(
    server: str,
    no_local_models: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("MATCHER_SERVER_URL", server)
    code, out, _ = run(capsys, "recommend", NEED, "--json")
    assert code == 0 and json.loads(out)["results"]


def test_failures_are_one_clear_line(
    server: str, no_local_models: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "recommend", NEED, "--server", f"http://127.0.0.1:{free_port()}")
    assert code == 2 and "cannot reach the server" in err and "Traceback" not in err
    code, _, err = run(capsys, "recommend", NEED, "--server", "ftp://example.org")
    assert code == 2 and "http:// or https://" in err
    too_many = ["--kind", "lab", "--top", "1000"]
    code, _, err = run(capsys, "recommend", NEED, "--server", server, *too_many)
    assert code == 2 and "top_k" in err
