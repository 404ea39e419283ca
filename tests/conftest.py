"""Shared fixtures: settings on a temporary data directory, the fake encoder, a built engine."""

import os
from pathlib import Path

import pytest

from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import EncoderSettings, Settings
from tests.catalog import write_catalog

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at an empty data directory and the fake encoder."""
    return Settings(data_dir=tmp_path / "data", encoder=EncoderSettings(name="fake"))


@pytest.fixture
def catalog_file(tmp_path: Path) -> Path:
    """The tiny synthetic catalogue on disk."""
    return write_catalog(tmp_path / "catalog.jsonl")


@pytest.fixture
def built(settings: Settings, catalog_file: Path) -> Matcher:
    """An engine with the tiny catalogue built."""
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(catalog_file))
    return matcher


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    """The demo catalogue built once with the default encoder (slow tests only)."""
    data = tmp_path_factory.mktemp("demo-data")
    matcher = Matcher(Settings(data_dir=data))
    matcher.build("demo")
    return matcher
