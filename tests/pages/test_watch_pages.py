"""Saving a search, publishing and finding challenges, the challenges that fit a profile, and
requesting an introduction, in the browser at 1280 and 390 px."""

import pytest

from tests.support.browser import Page
from tests.support.pages import WIDTHS

NEED = "We recycle lithium-ion batteries and need a pilot line for black mass leaching"


@pytest.mark.parametrize("width", WIDTHS)
def test_save_a_search_and_come_back_by_its_private_link(server, browser, width) -> None:
    base, _ = server
    view = Page(browser, width=width)
    page = view.page
    page.goto(f"{base}/?q={NEED.replace(' ', '+')}")
    page.wait_for_selector("#partners .card")
    page.click("#save summary")
    page.fill("#save-email", "founder@example.org")
    page.click("#save-form button[type=submit]")
    link = page.locator("#saved a")
    link.wait_for()
    address = link.get_attribute("href")
    assert "/needs/need%3A" in address and "#" in address
    page.goto(address)
    page.wait_for_selector("#alerts li")
    assert NEED in page.inner_text("#need")
    assert "No new matches yet" in page.inner_text("#alerts")
    view.shot("saved-need")
    page.goto(address.split("#")[0] + "#wrong-token")
    page.reload()  # only the fragment changed: load the page again with it
    page.wait_for_selector("#message.error")
    assert "No saved need here" in page.inner_text("#message")
    page.goto(address)
    page.reload()
    page.wait_for_selector("#delete:visible")
    page.click("#delete")
    page.wait_for_function("() => document.querySelector('#message').innerText.includes('deleted')")
    view.close(expected_status=404)


@pytest.mark.parametrize("width", WIDTHS)
def test_publish_a_challenge_then_find_it_and_see_it_fit_a_testbed(server, browser, width) -> None:
    base, _ = server
    view = Page(browser, width=width)
    page = view.page
    page.goto(f"{base}/challenges")
    page.click("#publish summary")
    marker = "widescreen" if width > 500 else "handheld"
    title = f"Black mass leaching pilot ({marker})"
    page.fill("#c-title", title)
    page.fill("#c-need", NEED)
    page.fill("#c-owner", "Region Stockholm")
    page.fill("#c-deadline", "2099-12-31")
    page.select_option("#c-area", "sustainable-production")
    page.click("#publish-form button[type=submit]")
    page.wait_for_selector("#published a")
    page.fill("#q", f"leaching {marker}")
    page.wait_for_function(
        "(title) => [...document.querySelectorAll('#challenges h3')].map((h) => h.innerText)"
        ".join('|') === title",
        arg=title,
    )
    view.shot("challenges")
    page.goto(base + page.locator("#challenges a").first.get_attribute("href"))
    page.wait_for_selector("#partners .card")
    assert page.input_value("#need") == NEED
    lab = page.locator("#testbeds .card").first.get_attribute("data-id")
    page.goto(f"{base}/entities/{lab}")
    page.wait_for_selector("#challenges-section:visible")
    assert title in page.inner_text("#challenges")
    view.assert_fits()
    view.close()


def test_request_an_introduction_and_follow_it(server, browser) -> None:
    base, _ = server
    view = Page(browser, width=390)
    page = view.page
    page.goto(f"{base}/entities/researcher:karin-sjoberg")
    page.wait_for_selector("#intro:visible")
    page.click("#intro summary")
    page.fill("#intro-name", "Anna, Cellfix AB")
    page.fill("#intro-contact", "anna@cellfix.example")
    page.fill("#intro-message", "Could we talk about battery ageing? <b>soon</b>")
    page.click("#intro-form button[type=submit]")
    page.wait_for_selector("#intro-sent a")
    assert "never shown" in page.inner_text("#intro-sent")
    page.goto(page.get_attribute("#intro-sent a", "href"))
    page.wait_for_selector("#intro .band")
    assert "requested" in page.inner_text("#intro")
    page.wait_for_function("() => !document.querySelector('#intro a').innerText.includes(':')")
    assert "<b>" not in page.inner_text("#intro")
    view.shot("introduction")
    view.close()
