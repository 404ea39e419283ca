"""Fixtures of the coach tests: an engine whose models folder holds only the repository's
fusion weights (so a reranker trained in the repository never leaks in), its app, the CLI."""

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import EncoderSettings, Settings
from tests.support.coach import (
    REPO_MODELS,
)
from tests.support.open_access import OPEN


@pytest.fixture
def models_dir(tmp_path: Path) -> Path:
    """A models folder with the repository's tuned fusion weights and nothing else."""
    folder = tmp_path / "models"
    shutil.copytree(REPO_MODELS / "fusion", folder / "fusion")
    return folder


@pytest.fixture
def coach_settings(tmp_path: Path, models_dir: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        models_dir=models_dir,
        encoder=EncoderSettings(name="fake"),
        access=OPEN,
    )


@pytest.fixture
def engine(coach_settings: Settings, catalogue_file: Path) -> Matcher:
    matcher = Matcher(coach_settings, encoder=FakeEncoder())
    matcher.build(str(catalogue_file))
    return matcher


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, models_dir: Path) -> Iterator[Path]:
    """The CLI on a temporary data directory and models folder, with the fake encoder."""
    from matcher.settings import get_settings

    data = tmp_path / "cli-data"
    monkeypatch.setenv("MATCHER_ENCODER__NAME", "fake")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(data))
    monkeypatch.setenv("MATCHER_MODELS_DIR", str(models_dir))
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()
