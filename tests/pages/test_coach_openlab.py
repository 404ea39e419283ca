"""The coach page (portfolios by name or need, reasons, marks and notes kept with the portfolio,
exports) and the OpenLab page (challenge rows, a CSV pool, plain-word verdicts, the people not
placed, stale teams cleared), at 1280 px and 390 px."""

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.support.browser import Page
from tests.support.pages import WIDTHS, create_portfolio, enter_key, fill_challenges, upload_pool

FOOD_NEED = "We build an app to cut food waste in school kitchens"


def open_coach(page, base: str, data: Path) -> None:
    page.goto(f"{base}/coach")
    page.wait_for_function("() => document.querySelector('#message').innerText.includes('API key')")
    enter_key(page, (data / "editor.key").read_text())


@pytest.mark.parametrize("width", WIDTHS)
def test_a_portfolio_from_names_and_needs_flags_what_it_cannot_place(
    server, browser, width
) -> None:
    base, data = server
    view = Page(browser, width=width)
    page = view.page
    open_coach(page, base, data)
    company = page.request.get(f"{base}/v1/entities/company:tracemark-dpp").json()["name"]
    create_portfolio(page, f"Cohort {width}", [company, FOOD_NEED, "Nonexistent Widgets"])
    page.wait_for_selector("#portfolio-table tbody tr .suggestion")
    assert page.locator("#portfolio-table tbody tr").count() == 2, "the two known lines go in"
    flagged = page.locator("#startup-rows li input[aria-invalid=true]")
    assert flagged.count() == 1 and flagged.input_value() == "Nonexistent Widgets"
    assert "No company named" in page.inner_text("#startup-rows")
    assert "need attention" in page.inner_text("#message")
    row = page.locator("#portfolio-table tbody tr").first
    assert company in row.locator("th").inner_text()
    first = row.locator("td").nth(0).locator(".suggestion").first
    assert first.locator(".band").count() == 1 and first.locator(".meta").count() >= 2
    assert row.locator("td").nth(1).locator(".suggestion").count() >= 1, "testbeds too"
    for button in page.locator("#portfolio-table button").all()[:6]:
        assert button.bounding_box()["height"] >= 40, "buttons a finger can hit"
    view.shot("coach")
    view.close()


def test_marks_and_notes_survive_a_reload_and_stay_with_their_portfolio(server, browser) -> None:
    base, data = server
    view = Page(browser)
    page = view.page
    open_coach(page, base, data)
    create_portfolio(page, "Marks one", [FOOD_NEED])
    page.wait_for_selector("#portfolio-table .suggestion")
    first = page.locator("#portfolio-table td .suggestion").first
    entity = first.get_attribute("data-entity")
    first.locator("button.good").click()
    page.wait_for_selector(f".suggestion[data-entity='{entity}'] button.good[aria-pressed=true]")
    page.locator(f".suggestion[data-entity='{entity}'] button.keep").first.click()
    note = page.locator(".shortlist input.note")
    note.wait_for()
    note.fill("Call Anna on Monday; NDA first")
    page.click(".shortlist button.save-note")
    page.wait_for_function("() => document.querySelector('#message').innerText.includes('saved')")

    page.reload()
    enter_key(page, (data / "editor.key").read_text())
    page.wait_for_selector("#portfolio-select option", state="attached")
    page.select_option("#portfolio-select", label="Marks one (1 startups)")
    page.click("#open-form button[type=submit]")
    page.wait_for_selector(f".suggestion[data-entity='{entity}'] button.good[aria-pressed=true]")
    assert page.input_value(".shortlist input.note") == "Call Anna on Monday; NDA first"
    assert entity not in page.inner_text(".shortlist"), "the shortlist shows names, not ids"

    with page.expect_download() as download:
        page.click("#export-csv")
    [row] = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text("utf-8"))))
    assert row["need"] == FOOD_NEED and row["entity_id"] == entity
    assert row["note"] == "Call Anna on Monday; NDA first" and row["band"] and row["reason"]
    with page.expect_download() as download:
        page.click("#export-xlsx")
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert [c.value for c in sheet[1]][:4] == ["portfolio", "need_id", "startup", "need"]

    create_portfolio(page, "Marks two", [FOOD_NEED])  # the same startup text elsewhere
    page.wait_for_function(
        "() => document.querySelector('#portfolio-select').selectedOptions[0].text"
        ".startsWith('Marks two')"
    )
    page.wait_for_selector("#portfolio-table .suggestion")
    assert page.locator("button[aria-pressed=true]").count() == 0
    assert "empty" in page.inner_text(".shortlist")

    page.select_option("#portfolio-select", label="Marks one (1 startups)")
    page.click("#open-form button[type=submit]")
    page.wait_for_selector(".shortlist button.remove")
    page.click(".shortlist button.remove")
    page.wait_for_function("() => document.querySelector('.shortlist').innerText.includes('empty')")
    view.close()


PROFILES = [
    {
        "id": f"guest-{n}",
        "name": f"Guest {n}",
        "organisation": f"Org {n % 4}",
        "description": text,
        "skills": skills,
        "disciplines": disciplines,
    }
    for n, (text, skills, disciplines) in enumerate(
        [
            ("battery cell ageing and second-life storage", ["battery ageing"], ["chemistry"]),
            ("energy storage systems for housing", ["energy storage"], ["electrical engineering"]),
            ("business models for circular products", ["business model"], ["economics"]),
            ("home care nursing for older people", ["home care"], ["nursing", "medicine"]),
            ("indoor climate sensing in flats", ["indoor climate"], ["building physics"]),
            ("sensor data pipelines and dashboards", ["sensor data"], ["computer science"]),
            ("battery recycling chemistry", [], ["chemistry", "materials science"]),
            ("heat waves and public health", [], ["public health"]),
            ("interaction design for care staff", [], ["design"]),
        ],
        start=1,
    )
]
CHALLENGES = [
    {
        "id": "Second-life batteries",
        "text": "Electric-bus batteries as storage for a housing cooperative",
        "skills": ["battery ageing", "energy storage", "business model"],
    },
    {
        "id": "Heat-safe homes",
        "text": "Keep frail older people safe at home during heat waves",
        "skills": ["home care", "indoor climate", "sensor data"],
    },
]


@pytest.mark.parametrize("width", WIDTHS)
def test_openlab_teams_from_rows_and_a_csv_pool_in_plain_words(server, browser, width) -> None:
    base, _ = server
    view = Page(browser, width=width)
    page = view.page
    page.goto(f"{base}/openlab")
    fill_challenges(page, CHALLENGES)
    upload_pool(page, PROFILES)
    page.fill("#min-size", "3")
    page.fill("#max-size", "4")
    page.fill("#min-disciplines", "2")
    page.click("#teams-form button[type=submit]")
    page.wait_for_selector("#teams .team")
    assert page.locator("#teams .team h3").all_inner_texts() == [c["id"] for c in CHALLENGES]
    verdict = page.inner_text("#verdict")
    assert "as good as it can be" in verdict or "of the best possible" in verdict
    assert "objective" not in page.inner_text("main") and "gap" not in verdict
    placed = page.locator("#teams .team li").count()
    assert page.locator("#left li").count() == len(PROFILES) - placed == 1
    assert "places are taken" in page.inner_text("#left")
    bars = page.locator("#chart .bar").all()
    sizes = [t.locator("li").count() for t in page.locator("#teams .team").all()]
    labels = page.locator("#chart .bar-label").all_inner_texts()
    assert [int(label.rsplit("(", 1)[1].rstrip(")")) for label in labels] == sizes
    assert len(bars) == 2, "one bar per team; a person with two disciplines counts once"
    label_height = page.locator("#chart .bar-label").first.bounding_box()["height"]
    assert label_height >= 14, "labels readable on a phone"
    view.shot("openlab")
    view.close()


def test_a_failed_run_clears_the_old_teams_and_speaks_the_pages_words(server, browser) -> None:
    base, _ = server
    view = Page(browser)
    page = view.page
    page.goto(f"{base}/openlab")
    page.click("#example")
    page.wait_for_function("() => document.querySelectorAll('#challenge-rows li').length > 1")
    page.fill("#max-size", "6")
    page.click("#teams-form button[type=submit]")
    page.wait_for_selector("#teams .team")
    page.fill("#min-size", "20")
    page.fill("#max-size", "20")
    page.click("#teams-form button[type=submit]")
    page.wait_for_selector("#message.error")
    assert page.locator("#teams .team").count() == 0, "no stale teams under the error"
    assert page.locator("#chart-section").is_hidden() and page.locator("#verdict").is_hidden()
    page.fill("#max-size", "60")
    page.click("#teams-form button[type=submit]")
    page.wait_for_selector("#message.error")
    message = page.inner_text("#message")
    assert "Largest team" in message and "max_size" not in message
    page.fill("#max-size", "3")
    page.click("#teams-form button[type=submit]")
    assert "smallest team is larger" in page.inner_text("#message")
    view.close(expected_status=422)
