"""One server over the demo catalogue (test encoder) and one browser for the page tests.

The server runs on 127.0.0.1 with an editor key for the coach page in `editor.key`.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.catalogue.keys import KeyStore
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import EncoderSettings, Settings
from tests.support.browser import chromium, serve


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app over the demo catalogue, served by uvicorn on a free local port."""
    data = tmp_path_factory.mktemp("pages") / "data"
    settings = Settings(data_dir=data, encoder=EncoderSettings(name="fake"))
    built = Matcher(settings, encoder=FakeEncoder())
    built.build("demo")
    (data / "editor.key").write_text(KeyStore(built.store).create("coach", "editor")[1])
    with serve(settings) as base:
        yield base, data


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched
