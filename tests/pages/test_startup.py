"""The startup page and the profile page: the search in the URL, compact results with their key
facts, exclusion of one's own company, paging, and the way back from a profile.

Every page is checked for console errors; screenshots land in test-artifacts/screenshots/.
"""

import re
from urllib.parse import parse_qs, urlparse

import pytest

from matcher.search.explain import GENERIC
from tests.support.browser import Page
from tests.support.pages import WIDTHS

NEED = "We recycle lithium-ion batteries and need a pilot line for black mass leaching"
OWN_COMPANY = "company:tracemark-dpp"


def search(page, base: str, need: str = NEED) -> None:
    page.goto(f"{base}/")
    page.fill("#need", need)
    page.click("#need-form button[type=submit]")
    page.wait_for_selector("#partners .card")


def card_ids(page, *lists: str) -> list[str]:
    """The entity ids of the cards in these lists, in order."""
    found: list[str] = []
    for selector in lists:
        cards = page.locator(f"{selector} .card")
        found += cards.evaluate_all("(cs) => cs.map((c) => c.dataset.id)")
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_results_are_compact_with_key_facts_and_folded_evidence(server, browser, width) -> None:
    base, _ = server
    view = Page(browser, width=width)
    page = view.page
    search(page, base)
    assert page.locator("#partners .card mark").count() > 0, "matched terms are highlighted"
    assert page.locator("details.evidence[open]").count() == 0, "evidence is folded"
    page.locator("#partners details.evidence summary").first.click()
    assert page.locator("#partners details.evidence[open] li").count() >= 1
    members = card_ids(page, "#partner-set")
    partners = card_ids(page, "#partners")
    assert members and not set(members) & set(partners), "a set member is shown once"
    assert page.locator("#partner-set .badge").count() == len(members)
    assert len(partners) == len(set(partners))
    for text in page.locator("#testbeds .card .facts").all_inner_texts():
        assert re.search(r"TRL \d–\d", text) and "SMEs" in text, text
    researcher = page.locator("#partners .card", has_text="researcher").first
    assert researcher.locator(".facts").inner_text().count("·") >= 2, "kind, affiliation, place"
    chips = [c.lower() for c in page.locator(".terms span").all_inner_texts()]
    assert chips and not set(chips) & GENERIC
    for card in page.locator("#partners .card").all()[:5]:
        band = card.locator(".band").inner_text()
        assert band in {"strong match", "possible match", "weak match"}
    view.shot("startup-results")
    view.close()


def test_the_search_lives_in_the_url_and_back_keeps_the_results(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/")
    page.fill("#need", NEED)
    page.uncheck("input[name=kind][value=researcher]")
    page.check("#open-to-smes")
    page.select_option("#area", "sustainable-production")
    page.click("#need-form button[type=submit]")
    page.wait_for_selector("#partners .card")
    query = parse_qs(urlparse(page.url).query)
    assert query["q"] == [NEED] and query["kinds"] == ["company,lab"] and query["sme"] == ["1"]
    assert query["area"] == ["sustainable-production"]
    before = card_ids(page, "#partners")
    page.locator("#partners .card h3 a").first.click()
    page.wait_for_selector("#profile h1")
    assert page.get_attribute("#back", "href").startswith("/?q=")
    page.go_back()
    page.wait_for_selector("#partners .card")
    assert card_ids(page, "#partners") == before
    assert page.input_value("#need") == NEED
    assert not page.is_checked("input[name=kind][value=researcher]")
    assert page.is_checked("#open-to-smes")
    shared = page.url  # a shared link opens the same search in a fresh browser
    other = Page(browser)
    other.page.goto(shared)
    other.page.wait_for_selector("#partners .card")
    assert card_ids(other.page, "#partners") == before
    other.close()
    view.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.click("#copy-link")
    page.wait_for_function("() => document.querySelector('#message').innerText.includes('copied')")
    assert page.evaluate("navigator.clipboard.readText()") == page.url
    view.close()


def test_my_own_company_can_be_excluded_by_name(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    own = page.request.get(f"{base}/v1/entities/{OWN_COMPANY}").json()
    search(page, base, own["description"])
    assert OWN_COMPANY in card_ids(page, "#partner-set", "#partners")[:3], "its own text finds it"
    page.fill("#exclude-name", own["name"][:6])
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('#company-names option')]"
        ".some((o) => o.value === name)",
        arg=own["name"],
    )
    page.fill("#exclude-name", own["name"])
    page.wait_for_selector("#excluded li")
    with page.expect_response("**/v1/recommendations"):
        page.click("#need-form button[type=submit]")
    page.wait_for_selector("#partners .card")
    assert "exclude=" in page.url
    assert OWN_COMPANY not in card_ids(page, "#partner-set", "#partners")
    page.reload()
    page.wait_for_selector("#excluded li")
    assert own["name"] in page.inner_text("#excluded")
    view.close()


def test_show_more_pages_through_the_results(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    search(page, base, "sensors and data for health care, energy and buildings")
    first = page.locator("#testbeds .card").count()
    assert first == 10
    page.click("button.more[data-list=testbeds]")
    page.wait_for_function("() => document.querySelectorAll('#testbeds .card').length > 10")
    shown = card_ids(page, "#testbeds")
    assert len(shown) > first and len(shown) == len(set(shown))
    view.close()


def test_lists_not_asked_for_say_so(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/")
    page.fill("#need", NEED)
    page.uncheck("input[name=kind][value=company]")
    page.uncheck("input[name=kind][value=researcher]")
    page.click("#need-form button[type=submit]")
    page.wait_for_selector("#testbeds .card")
    assert "not selected" in page.inner_text("#partners")
    assert "No matches" not in page.inner_text("#partners")
    view.close()


def test_empty_and_too_long_needs_get_a_clear_message(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/")
    page.click("#need-form button[type=submit]")
    assert "describe your need" in page.inner_text("#message")
    page.evaluate("document.getElementById('need').removeAttribute('maxlength')")
    page.fill("#need", "x " * 6000)
    page.click("#need-form button[type=submit]")
    assert "shorten" in page.inner_text("#message")
    view.close()


def test_keyboard_alone_reaches_results_and_the_entity_page(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/")
    page.focus("#need")
    page.keyboard.type("battery recycling pilot line")
    for _ in range(30):
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
    view.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_testbed_profile_has_contact_source_and_a_way_back(server, browser, width) -> None:
    base, _ = server
    view = Page(browser, width=width)
    page = view.page
    search(page, base)
    lab = card_ids(page, "#testbeds")[0]
    page.goto(f"{base}/entities/{lab}")
    page.wait_for_selector("#similar .card")
    record = page.request.get(f"{base}/v1/entities/{lab}").json()
    mail = page.get_attribute("#profile a[href^='mailto:']", "href")
    assert mail == f"mailto:{record['contact']}"
    assert "Source:" in page.inner_text("#profile .source")
    assert page.inner_text("#back") == "Back to your results"
    assert page.get_attribute("#profile h1", "lang") == record["language"]
    view.shot("entity")
    view.close()


def test_a_profile_without_a_web_address_shows_no_empty_link(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    found = page.request.get(f"{base}/v1/entities?kind=researcher&limit=200").json()["items"]
    person = next(e for e in found if not e.get("url"))
    page.goto(f"{base}/entities/{person['id']}")
    page.wait_for_selector("#similar .card")
    assert "Website:" not in page.inner_text("#profile")
    assert all(a.inner_text().strip() for a in page.locator("#profile a").all())
    view.close()


def test_an_unknown_profile_says_so_without_empty_sections(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/entities/lab:no-such-lab")
    page.wait_for_selector("#message.error")
    assert "no profile with this id" in page.inner_text("#message")
    assert page.locator("#similar-section").is_hidden()
    assert page.locator("#complements-section").is_hidden()
    view.close(expected_status=404)


def test_every_input_has_a_label(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    for path in ("/", "/coach", "/openlab", "/map"):
        page.goto(f"{base}{path}")
        unlabelled = page.evaluate(
            "[...document.querySelectorAll('input, textarea, select')]"
            ".filter((e) => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))"
            ".map((e) => e.id || e.name)"
        )
        assert unlabelled == [], f"{path}: {unlabelled}"
    view.close()


def test_the_page_says_when_nothing_matches_strongly(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    search(page, base, "asdf qwerty zxcvb")
    page.wait_for_selector("#honesty .no-strong")
    assert "No strong match" in page.inner_text("#honesty")
    assert page.locator("#partners .card .band-strong").count() == 0
    view.close()
