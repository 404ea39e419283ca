"""Stored script in catalogue text runs on no page: entities whose names, disciplines, texts and
capabilities carry markup and event handlers are shown on every page that shows them, in real
Chromium, with a coach's key in the session. No script runs, nothing leaves with the key, the
text shows as it was written, and no page logs an error (a blocked inline handler would)."""

from collections.abc import Iterator

import pytest

from matcher.catalogue.keys import KeyStore
from matcher.catalogue.reading import LoadedCatalogue
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.schemas import parse_entity
from matcher.settings import EncoderSettings, Settings
from tests.support.browser import Page, serve
from tests.support.pages import create_portfolio, enter_key, fill_challenges, upload_pool

STEAL = (
    "window.__pwned=(window.__pwned||0)+1;fetch('/x?k='+sessionStorage.getItem('matcher-api-key'))"
)
NAME = f'Payload Co" autofocus onfocus="{STEAL}" x="'
LAB_NAME = f'<img src=x onerror="{STEAL}">Payload Lab'
PERSON_NAME = f"Payload <svg/onload={STEAL}> Person"
DISCIPLINE = f'chemistry"><svg onload="{STEAL}">'
WORDS = "payload pilot line for battery recycling and black mass leaching"
ENTITIES = [
    {
        "id": "company:payload-co",
        "kind": "company",
        "name": NAME,
        "description": f'{WORDS} <img src=x onerror="{STEAL}"> <script>{STEAL}</script>',
        "disciplines": [DISCIPLINE],
        "offers": [f'<b onmouseover="{STEAL}">payload recycling</b>'],
        "url": "https://payload.example/path?a=1&b=2",
        "location": {"municipality": "Solna"},
    },
    {
        "id": "lab:payload-lab",
        "kind": "lab",
        "name": LAB_NAME,
        "host": f"KTH</title><script>{STEAL}</script>",
        "description": f"{WORDS} testbed",
        "capabilities": [f'black mass leaching rig <iframe src="javascript:{STEAL}">'],
        "disciplines": [DISCIPLINE],
        "contact": "lab@payload.example",
        "open_to_smes": True,
    },
    {
        "id": "researcher:payload-person",
        "kind": "researcher",
        "name": PERSON_NAME,
        "affiliation": f'KTH" onmouseover="{STEAL}',
        "description": f"{WORDS} research",
        "disciplines": [DISCIPLINE],
        "consent": True,
    },
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """The demo catalogue and the payload entities, served; an editor key."""
    data = tmp_path_factory.mktemp("xss") / "data"
    settings = Settings(data_dir=data, encoder=EncoderSettings(name="fake"))
    built = Matcher(settings, encoder=FakeEncoder())
    built.build("demo")
    built.ingest(LoadedCatalogue(entities=[parse_entity(e) for e in ENTITIES]))
    key = KeyStore(built.store).create("coach", "editor")[1]
    with serve(settings) as base:
        yield base, key


class Watched(Page):
    """A page that also records every request and dialog."""

    def __init__(self, browser: object, base: str) -> None:
        super().__init__(browser)
        self.base = base
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def assert_inert(self) -> None:
        """No payload ran: no flag, no request off this origin or to /x, no dialog."""
        self.page.wait_for_timeout(300)  # an autofocus or onload handler would have run by now
        assert self.page.evaluate("() => window.__pwned") is None
        assert not [u for u in self.requests if "/x?" in u or not u.startswith(self.base)]
        assert self.dialogs == []


def test_search_results_show_payloads_as_text(server, browser) -> None:
    base, _ = server
    view = Watched(browser, base)
    page = view.page
    page.goto(f"{base}/")
    page.fill("#need", WORDS)
    page.click("button[type=submit]")
    page.wait_for_selector("#partners .card")
    text = page.inner_text("main")
    assert NAME in text and LAB_NAME in text and PERSON_NAME in text
    assert DISCIPLINE in text
    assert page.locator("main img, main svg, main iframe, main script").count() == 0
    view.assert_inert()
    view.close()


@pytest.mark.parametrize("entity", ENTITIES, ids=[e["id"] for e in ENTITIES])
def test_profiles_show_payloads_as_text(server, browser, entity: dict) -> None:
    base, _ = server
    view = Watched(browser, base)
    page = view.page
    page.goto(f"{base}/entities/{entity['id']}")
    page.wait_for_selector("#profile h1")
    assert page.inner_text("#profile h1") == entity["name"]
    assert entity["description"] in page.inner_text("#profile")
    page.wait_for_selector("#similar li")
    assert page.locator("main img, main iframe, main script").count() == 0
    if entity.get("url"):
        assert page.get_attribute("#profile a", "href") == entity["url"]
    view.assert_inert()
    view.close()


def test_the_map_labels_payloads_as_text(server, browser) -> None:
    base, _ = server
    view = Watched(browser, base)
    page = view.page
    page.goto(f"{base}/map")
    page.wait_for_selector("#map g.point", timeout=60_000)
    labels = page.locator("#map g.point title").all_text_contents()
    assert any(label.startswith(NAME) for label in labels)
    page.fill("#map-search", "payload")
    page.wait_for_selector("#matches li a")
    assert NAME in page.inner_text("#matches")
    label = page.locator("#map g.point text").first
    label.scroll_into_view_if_needed()
    box = label.bounding_box()
    page.mouse.click(box["x"] - 8, box["y"] + box["height"] / 2)  # the point left of its label
    page.wait_for_selector("#map-info strong")
    assert page.inner_text("#map-info strong") in {NAME, LAB_NAME, PERSON_NAME}, "as text"
    assert page.locator("#map svg svg, #map img, #map-info img").count() == 0
    view.assert_inert()
    view.close()


def test_a_coach_with_a_key_sees_payloads_as_text_and_keeps_the_key(server, browser) -> None:
    base, key = server
    view = Watched(browser, base)
    page = view.page
    page.goto(f"{base}/coach")
    enter_key(page, key)
    assert page.evaluate("() => localStorage.getItem('matcher-api-key')") is None, "not on disk"
    create_portfolio(page, f'<img src=x onerror="{STEAL}">Cohort', [WORDS])
    page.wait_for_selector("#portfolio-table .suggestion")
    names = page.locator(".suggestion a").all_inner_texts()
    assert NAME in names or PERSON_NAME in names
    payload = page.locator(".suggestion", has_text="Payload").first
    label = payload.locator("button.keep").get_attribute("aria-label")
    assert label is not None and label.startswith("Shortlist Payload")
    payload.locator("button.keep").click()
    page.wait_for_function("() => document.querySelector('.shortlist li') !== null")
    assert "<img" in page.inner_text("#portfolio-select")  # the portfolio name, as text
    view.assert_inert()
    view.close()


def test_openlab_teams_show_payloads_as_text(server, browser) -> None:
    base, _ = server
    view = Watched(browser, base)
    page = view.page
    page.goto(f"{base}/openlab")
    challenges = [
        {"id": "payload challenge", "text": WORDS, "skills": [f'<svg onload="{STEAL}">']},
        {"id": "second", "text": "elderly care at home", "skills": []},
    ]
    person = {
        "id": "guest-1",
        "name": f'<img src=x onerror="{STEAL}">Guest',
        "description": WORDS,
        "organisation": f'Org" onmouseover="{STEAL}',
        "disciplines": [DISCIPLINE],
    }
    pool = {
        "profiles": [person]
        + [
            {
                "id": f"guest-{n}",
                "name": f"Guest {n}",
                "description": "care",
                "organisation": f"O{n}",
            }
            for n in range(2, 9)
        ],
    }
    fill_challenges(page, challenges)
    upload_pool(page, pool["profiles"])
    page.fill("#min-size", "2")
    page.fill("#max-size", "4")
    page.fill("#min-disciplines", "0")
    page.click("#teams-form button[type=submit]")
    page.wait_for_selector("#teams .team")
    text = page.inner_text("#teams")
    assert person["name"] in text
    assert page.locator("#teams img, #teams iframe, #chart svg svg").count() == 0
    view.assert_inert()
    view.close()


def test_the_api_documentation_renders_with_no_other_origin(server, browser) -> None:
    base, _ = server
    view = Watched(browser, base)
    page = view.page
    page.goto(f"{base}/docs")
    page.wait_for_selector(".swagger-ui .info .title", timeout=30_000)
    assert "Innovation matchmaking engine" in page.inner_text(".swagger-ui .info .title")
    assert all(u.startswith(base) or u.startswith("data:") for u in view.requests)
    view.close()
