"""Shared fixtures: settings on a temporary data directory, the fake encoder, a built engine."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from matcher import cli
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import EncoderSettings, Settings
from tests.support.catalogue import write_catalogue
from tests.support.open_access import OPEN

os.environ.setdefault("HF_HUB_OFFLINE", "1")
pytest_plugins = ["tests.support.postgres"]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at an empty data directory and the fake encoder; API keys are not
    required here (tests/test_access.py covers them)."""
    return Settings(data_dir=tmp_path / "data", encoder=EncoderSettings(name="fake"), access=OPEN)


@pytest.fixture
def catalogue_file(tmp_path: Path) -> Path:
    """The tiny synthetic catalogue on disk."""
    return write_catalogue(tmp_path / "catalogue.jsonl")


@pytest.fixture
def built(settings: Settings, catalogue_file: Path) -> Matcher:
    """An engine with the tiny catalogue built."""
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(catalogue_file))
    return matcher


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    """The demo catalogue built once with the default encoder (slow tests only)."""
    data = tmp_path_factory.mktemp("demo-data")
    matcher = Matcher(Settings(data_dir=data))
    matcher.build("demo")
    return matcher


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    """The tiny catalogue built once per test module (for tests that only read it)."""
    folder = tmp_path_factory.mktemp("engine")
    settings = Settings(data_dir=folder / "data", encoder=EncoderSettings(name="fake"), access=OPEN)
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(folder / "catalogue.jsonl")))
    return matcher


@pytest.fixture
def client(engine: Matcher) -> TestClient:
    """The app over `engine`, answering server errors as responses."""
    return TestClient(
        create_app(engine.settings, encoder=FakeEncoder()), raise_server_exceptions=False
    )


@pytest.fixture
def cli_data(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, catalogue_file: Path
) -> Iterator[Path]:
    """A data directory built through `matcher build` with the fake encoder, used by the CLI."""
    from matcher.settings import get_settings

    monkeypatch.setenv("MATCHER_ENCODER__NAME", "fake")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    assert cli.main(["build", "--catalogue", str(catalogue_file), "--json"]) == 0
    yield tmp_path / "data"
    get_settings.cache_clear()
