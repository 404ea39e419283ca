"""A real headless Chromium (Debian's, through Playwright) and the app served by uvicorn on a
free local port, for the page tests."""

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

from api.app import create_app
from matcher.encoders.fake import FakeEncoder
from matcher.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(settings: Settings, real_models: bool = False) -> Iterator[str]:
    """The app over a built data directory, served on 127.0.0.1 with the test encoder (or the
    settings' real one); its base URL."""
    port = free_port()
    app = create_app(settings) if real_models else create_app(settings, encoder=FakeEncoder())
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(1200):
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    try:
        yield base
    finally:
        instance.should_exit = True
        thread.join(timeout=10)


@contextmanager
def chromium() -> Iterator[object]:
    """Headless Debian Chromium; `make test` installs it when it is missing."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists() or shutil.which("chromium"), "install Debian's chromium package"
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield launched
        launched.close()


class Page:
    """A browser page that records console errors and uncaught exceptions."""

    def __init__(self, browser: object, width: int = 1280, locale: str = "en-GB") -> None:
        self.width = width
        self.context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": 900}, locale=locale
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def shot(self, name: str) -> None:
        """A full-page screenshot, named with the width, after checking the page does not
        scroll sideways."""
        self.assert_fits()
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}-{self.width}.png"), full_page=True)

    def assert_fits(self) -> None:
        """The page is no wider than the screen (nothing scrolls sideways)."""
        wide = self.page.evaluate("document.documentElement.scrollWidth")
        assert wide <= self.width, f"{self.page.url} is {wide}px wide on a {self.width}px screen"

    def close(self, expected_status: int | None = None) -> None:
        """Fail on any console error; a deliberate bad request may log its own status."""
        allowed = f"status of {expected_status}" if expected_status else None
        errors = [e for e in self.errors if not (allowed and allowed in e)]
        assert errors == [], f"console errors: {errors}"
        self.context.close()
