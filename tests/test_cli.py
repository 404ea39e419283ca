"""The `matcher` command line."""

import json
from pathlib import Path

import pytest

from matcher import cli
from tests.support.command import run


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """Point the CLI at a temporary data directory with the fake encoder."""
    from matcher.settings import get_settings

    data = tmp_path / "data"
    monkeypatch.setenv("MATCHER_ENCODER__NAME", "fake")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(data))
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def test_build_then_recommend_json(
    fake_env: Path, catalogue_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "build", "--catalogue", str(catalogue_file), "--json")
    assert code == 0
    summary = json.loads(out)
    assert summary["entities"] == {"company": 3, "lab": 3, "researcher": 3}
    assert summary["items"] > 9 and summary["rejected"] == []
    code, out, _ = run(capsys, "recommend", "battery recycling black mass", "--json", "--top", "2")
    assert code == 0
    body = json.loads(out)
    assert len(body["results"]) == 2 and len(body["testbeds"]) == 2


def test_recommend_text_output_and_filters(
    fake_env: Path, catalogue_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "build", "--catalogue", str(catalogue_file))
    code, out, _ = run(
        capsys, "recommend", "battery cell recycling", "--kind", "lab", "--open-to-smes"
    )
    assert code == 0 and "Testbeds" in out and "lab:black-mass-pilot" in out
    assert "lab:closed-cell-lab" not in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["recommend", "   "], "need is empty"),
        (["recommend", "x", "--top", "0"], "top_k"),
        (["recommend", "x" * 20_000], "the limit is"),
        (["recommend", "x", "--trl", "11"], "trl"),
        (["recommend", "x", "--area", "space"], "areas"),
    ],
)
def test_bad_input_is_a_clear_cli_error(
    fake_env: Path,
    catalogue_file: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    run(capsys, "build", "--catalogue", str(catalogue_file))
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert err.startswith("matcher: error:") and message in err
    assert "Traceback" not in err


def test_unknown_kind_is_refused_by_the_parser(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(["recommend", "x", "--kind", "robot"])
    assert info.value.code == 2
    assert "invalid choice: 'robot'" in capsys.readouterr().err


def test_recommend_before_build(fake_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "recommend", "anything")
    assert code == 2 and "matcher build" in err


def test_build_of_a_missing_catalogue(fake_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "build", "--catalogue", "/no/such/catalogue.jsonl")
    assert code == 2 and "catalogue not found" in err


def test_invalid_settings_are_reported(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from matcher.settings import get_settings

    monkeypatch.setenv("MATCHER_ENCODER__NAME", "word2vec")
    get_settings.cache_clear()
    try:
        code, _, err = run(capsys, "recommend", "x")
    finally:
        get_settings.cache_clear()
    assert code == 2 and "invalid MATCHER_* settings" in err
