"""The catalogue map (search, filters, area names, tap targets, few tab stops), the API
documentation with no network, the Swedish interface, and every page at 390 px."""

import pytest

from tests.support.browser import Page
from tests.support.pages import WIDTHS

NEED_SV = "Vi återvinner litiumjonbatterier och behöver en pilotlinje för lakning av svartmassa"


def points(page) -> int:
    return page.locator("#map g.point:visible").count()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_map_searches_filters_and_names_what_is_tapped(server, browser, width) -> None:
    base, _ = server
    view = Page(browser, width=width)
    page = view.page
    page.goto(f"{base}/map")
    page.wait_for_selector("#map g.point", timeout=60_000)
    everything = points(page)
    assert everything > 300
    assert "Sustainable production" in page.inner_text("#legend"), "areas by name, not slug"
    page.uncheck("#map-tools input[name=kind][value=researcher]")
    assert 0 < points(page) < everything
    page.select_option("#map-area", "medtech")
    medtech = points(page)
    assert 0 < medtech < everything
    page.check("#map-tools input[name=kind][value=researcher]")
    page.select_option("#map-area", "")
    page.fill("#map-search", "battery")
    page.wait_for_selector("#matches li a")
    assert page.locator("#map g.point text").count() >= 1, "matches are labelled on the map"
    assert all("attery" in n for n in page.locator("#matches li a").all_inner_texts())
    target = page.locator("#map g.point circle[fill=transparent]").first
    box = target.bounding_box()
    assert box["width"] >= 10 * (width / 1280) * 2, "a finger-sized target around each point"
    sloppy = {"x": box["width"] / 2 + 4, "y": box["height"] / 2 + 3}  # a tap beside the point
    target.click(position=sloppy, force=True)
    page.wait_for_selector("#map-info a")
    assert page.inner_text("#map-info a") == "Open the profile"
    before = page.locator("#map svg").bounding_box()["width"]
    page.click("#zoom-in")
    assert page.locator("#map svg").bounding_box()["width"] >= 1.9 * before
    view.assert_fits()
    stops = page.evaluate(
        "[...document.querySelectorAll('a, button, input, select, textarea, [tabindex]')]"
        ".filter((e) => e.tabIndex >= 0 && e.offsetParent !== null).length"
    )
    assert stops < 60, f"{stops} tab stops"
    view.shot("map")
    view.close()


def test_the_api_documentation_renders_offline(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    view.context.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(base) else route.abort(),
    )
    page.goto(f"{base}/docs")
    page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
    assert page.locator(".swagger-ui .opblock").count() > 10
    page.goto(f"{base}/redoc")
    page.wait_for_selector("redoc h1, .api-content h1, [role=navigation]", timeout=30_000)
    view.close()


def test_swedish_interface_from_the_browser_and_by_choice(server, browser) -> None:
    base, _ = server
    swedish = Page(browser, locale="sv-SE")
    page = swedish.page
    page.goto(f"{base}/")
    assert page.get_attribute("html", "lang") == "sv"
    assert page.inner_text("h1") == "Hitta partner och testbäddar"
    page.fill("#need", NEED_SV)
    page.click("#need-form button[type=submit]")
    page.wait_for_selector("#partners .card")
    assert "partner och" in page.inner_text("#message")
    assert page.locator(".card[id] h3[lang=sv]").count() >= 1, "Swedish content is marked"
    assert page.locator(".band").first.inner_text().endswith("matchning")
    why = page.locator("#partner-set .complements").first.inner_text()
    assert "tillsammans med" in why and "alongside" not in why, "the reasons in Swedish too"
    swedish.shot("startup-sv")
    page.goto(f"{base}/openlab")
    assert page.inner_text("h1") == "Bilda OpenLab-team"
    swedish.close()

    english = Page(browser, locale="en-GB")
    page = english.page
    page.goto(f"{base}/coach")
    assert page.inner_text("h1") == "Partner suggestions for a portfolio"
    page.click("#ui-lang")
    assert page.inner_text("h1") == "Partnerförslag för en portfölj"
    page.goto(f"{base}/map")
    assert page.inner_text("h1") == "Ekosystemet i en överblick", "the choice is remembered"
    page.click("#ui-lang")
    assert page.get_attribute("html", "lang") == "en"
    english.close()


@pytest.mark.parametrize("path", ["/", "/coach", "/openlab", "/map", "/entities/lab:no-such-lab"])
def test_no_page_scrolls_sideways_on_a_phone(server, browser, path) -> None:
    base, _ = server
    view = Page(browser, width=390)
    view.page.goto(f"{base}{path}")
    view.page.wait_for_load_state("networkidle")
    view.assert_fits()
    view.close(expected_status=404 if "no-such" in path else None)
