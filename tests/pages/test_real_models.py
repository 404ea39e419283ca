"""The pages once against the real models on the demo catalogue (slow): the same flows as the
other page tests, with the encoders, strength model and lexicon a user gets."""

from collections.abc import Iterator

import pytest

from matcher.engine import Matcher
from tests.support.browser import Page, serve
from tests.support.pages import WIDTHS

pytestmark = pytest.mark.slow

NEED_SV = (
    "Vi återvinner litiumjonbatterier och behöver en pilotlinje för lakning av svartmassa "
    "och analys av återvunna metaller"
)
NEED_EN = "We need clinical validation of a wearable sensor for heart failure patients at home"


@pytest.fixture(scope="module")
def real_server(demo: Matcher) -> Iterator[str]:
    with serve(demo.settings, real_models=True) as base:
        yield base


@pytest.mark.parametrize("width", WIDTHS)
def test_a_swedish_need_finds_strong_battery_partners(real_server, browser, width) -> None:
    view = Page(browser, width=width, locale="sv-SE")
    page = view.page
    page.goto(f"{real_server}/")
    page.fill("#need", NEED_SV)
    page.click("#need-form button[type=submit]")
    page.wait_for_selector("#testbeds .card", timeout=120_000)
    bands = page.locator("#testbeds .card .band, #partners .card .band").all_inner_texts()
    assert "stark matchning" in bands, "a clear need has strong matches"
    assert page.locator("#honesty .no-strong").count() == 0
    testbeds = " ".join(page.locator("#testbeds .card h3").all_inner_texts()[:3]).lower()
    assert "black mass" in testbeds or "hydromet" in testbeds or "batter" in testbeds
    view.shot("startup-real-sv")
    view.close()


def test_an_english_need_then_its_profile_and_back(real_server, browser) -> None:
    view = Page(browser, width=390)
    page = view.page
    page.goto(f"{real_server}/")
    page.fill("#need", NEED_EN)
    page.click("#need-form button[type=submit]")
    page.wait_for_selector("#testbeds .card", timeout=120_000)
    first = page.locator("#testbeds .card").first
    assert "TRL" in first.locator(".facts").inner_text()
    before = page.locator("#testbeds .card h3").all_inner_texts()
    first.locator("h3 a").click()
    page.wait_for_selector("#similar .card", timeout=120_000)
    view.assert_fits()
    page.go_back()
    page.wait_for_selector("#testbeds .card", timeout=120_000)
    assert page.locator("#testbeds .card h3").all_inner_texts() == before
    view.shot("startup-real-en")
    view.close()


def test_nonsense_is_never_strong_on_the_page(real_server, browser) -> None:
    view = Page(browser)
    page = view.page
    page.goto(f"{real_server}/?q=asdf+qwerty+zxcvb")
    page.wait_for_selector("#honesty .no-strong", timeout=120_000)
    assert page.locator(".band-strong").count() == 0
    view.close()
