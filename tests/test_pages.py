"""The web pages in real headless Chromium (Debian's, through Playwright) against a live server.

The server runs on 127.0.0.1 over the demo catalogue built with the test encoder. Every page
is checked for console errors, and screenshots land in test-artifacts/screenshots/.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from matcher.catalogue.keys import KeyStore
from matcher.coach.store import CoachStore
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import EncoderSettings, Settings
from tests.support.browser import Page, chromium, serve

NEED = "We recycle lithium-ion batteries and need a pilot line for black mass leaching"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The app over the demo catalogue, served by uvicorn on a free local port."""
    data = tmp_path_factory.mktemp("pages") / "data"
    settings = Settings(data_dir=data, encoder=EncoderSettings(name="fake"))
    built = Matcher(settings, encoder=FakeEncoder())
    built.build("demo")
    (data / "editor.key").write_text(KeyStore(built.store).create("coach", "editor")[1])
    with serve(settings) as base:
        yield base, data


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as launched:
        yield launched


def test_startup_flow_shows_results_with_highlighted_evidence(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/")
    page.fill("#need", NEED)
    page.click("button[type=submit]")
    page.wait_for_selector("#partners .card")
    assert page.locator("#partners .card").count() >= 3
    assert page.locator("#partners .card mark").count() > 0, "matched terms are highlighted"
    assert page.locator("#testbeds .card").count() >= 1
    assert page.locator("#aspects li").count() >= 1
    assert page.locator("#partner-set .card").count() >= 1
    assert "partners" in page.inner_text("#message")
    view.shot("startup")
    view.close()


def test_a_filter_changes_the_results(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/")
    page.fill("#need", NEED)
    page.click("button[type=submit]")
    page.wait_for_selector("#testbeds .card")
    before = page.locator("#testbeds .card").evaluate_all(
        "(cards) => cards.map((c) => c.dataset.id)"
    )
    page.check("#open-to-smes")
    page.select_option("#trl", "2")
    page.click("button[type=submit]")
    page.wait_for_function(
        "(before) => JSON.stringify([...document.querySelectorAll('#testbeds .card')]"
        ".map((c) => c.dataset.id)) !== JSON.stringify(before)",
        arg=before,
    )
    after = page.locator("#testbeds .card").evaluate_all(
        "(cards) => cards.map((c) => c.dataset.id)"
    )
    assert after != before
    for text in page.locator("#testbeds .card").all_inner_texts():
        assert "open to SMEs" in text, "each testbed says it meets the condition"
    view.close()


def test_empty_and_too_long_needs_get_a_clear_message(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/")
    page.click("button[type=submit]")
    assert "describe your need" in page.inner_text("#message")
    page.evaluate("document.getElementById('need').removeAttribute('maxlength')")
    page.fill("#need", "x " * 6000)
    page.click("button[type=submit]")
    assert "shorten" in page.inner_text("#message")
    view.close()


def test_keyboard_alone_reaches_results_and_the_entity_page(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/")
    page.focus("#need")
    page.keyboard.type("battery recycling pilot line")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.type") == "submit":
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("#partners .card a")
    page.locator("#partners .card a").first.focus()
    page.keyboard.press("Enter")
    page.wait_for_selector("#profile h1")
    page.wait_for_selector("#similar .card")
    assert "/entities/" in page.url
    assert page.locator("#complements li").count() >= 1
    view.shot("entity")
    view.close()


def test_every_input_has_a_label(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    for path in ("/", "/coach", "/openlab"):
        page.goto(f"{base}{path}")
        unlabelled = page.evaluate(
            "[...document.querySelectorAll('input, textarea, select')]"
            ".filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
            ".map((e) => e.id || e.name)"
        )
        assert unlabelled == [], f"{path}: {unlabelled}"
    view.close()


def test_pages_fit_a_narrow_screen(server, browser) -> None:
    base, _ = server
    view = Page(browser, width=360)
    page = view.page
    for path in ("/", "/coach", "/openlab", "/map"):
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 362, f"{path} is {width}px wide on a 360px screen"
    view.shot("startup-narrow")
    view.close()


def test_coach_marks_feedback_and_shortlists(server, browser) -> None:
    base, data = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/coach")
    page.wait_for_function("() => document.querySelector('#message').innerText.includes('API key')")
    page.fill("#api-key", (data / "editor.key").read_text())
    page.click("#key-form button[type=submit]")
    page.wait_for_function(
        "() => document.querySelector('#message').innerText.includes('Key saved')"
    )
    page.fill("#portfolio-name", "Browser cohort")
    page.fill(
        "#portfolio-needs",
        "company:tracemark-dpp\nWe build an app to cut food waste in school kitchens",
    )
    page.click("#create-form button[type=submit]")
    page.wait_for_selector("#portfolio-table tbody tr .suggestion")
    assert page.locator("#portfolio-table tbody tr").count() == 2
    first = page.locator(".suggestion").first
    entity = first.get_attribute("data-entity")
    first.locator("button.good").click()
    page.wait_for_selector(".suggestion.marked-good")
    assert "marked good" in first.inner_text()
    first.locator("button.keep").click()
    page.wait_for_function(
        "(entity) => document.querySelector('.shortlist').innerText.includes(entity)", arg=entity
    )
    stored = CoachStore(data / "coach.sqlite").feedback()
    assert [(f["entity_id"], f["label"]) for f in stored] == [(entity, "relevant")]
    with page.expect_download() as download:
        page.click("#export-button")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert entity in csv_text and csv_text.startswith("portfolio,need_id")
    view.shot("coach")
    view.close()


def test_openlab_forms_teams_with_a_discipline_chart(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/openlab")
    page.click("#example")
    page.wait_for_function("() => document.getElementById('challenges').value.length > 10")
    page.fill("#max-size", "6")
    page.click("#teams-form button[type=submit]")
    page.wait_for_selector("#teams .team")
    assert page.locator("#teams .team").count() == 4
    assert page.locator("#chart svg rect").count() >= 4
    assert "teams (" in page.inner_text("#message")
    view.shot("openlab")
    page.fill("#min-size", "20")
    page.fill("#max-size", "20")
    page.click("#teams-form button[type=submit]")
    page.wait_for_selector("#message.error")
    assert "no teams meet every rule" in page.inner_text("#message")
    view.close(expected_status=422)


def test_catalogue_map_draws_every_entity(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/map")
    page.wait_for_selector("#map svg a", timeout=60_000)
    assert page.locator("#map svg a").count() > 300
    assert "t-SNE" in page.inner_text("#map-caption")
    view.shot("map")
    view.close()


def test_the_page_says_when_nothing_matches_strongly(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/")
    page.fill("#need", "asdf qwerty zxcvb")
    page.click("button[type=submit]")
    page.wait_for_selector("#honesty .no-strong")
    assert "No strong match" in page.inner_text("#honesty")
    assert page.locator("#partners .card .band-strong").count() == 0
    view.close()
