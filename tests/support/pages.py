"""Steps the page tests share: a coach's key, a portfolio made through the form, OpenLab
challenges and a CSV pool filled in."""

import csv
import io
from typing import Any

WIDTHS = (1280, 390)


def enter_key(page: Any, key: str) -> None:
    """Give the coach page an editor key."""
    page.fill("#api-key", key)
    page.click("#key-form button[type=submit]")
    page.wait_for_function("() => document.querySelector('#message').innerText.includes('Key')")


def create_portfolio(page: Any, name: str, lines: list[str]) -> None:
    """Fill the new-portfolio form, one startup per line, and create it."""
    page.fill("#portfolio-name", name)
    for index, line in enumerate(lines):
        if index >= page.locator("#startup-rows li").count():
            page.click("#add-row")
        page.locator("#startup-rows li input").nth(index).fill(line)
    page.click("#create-form button[type=submit]")


def fill_challenges(page: Any, challenges: list[dict[str, Any]]) -> None:
    """One challenge per row: short name, text, skills."""
    for index, challenge in enumerate(challenges):
        if index >= page.locator("#challenge-rows li").count():
            page.click("#add-challenge")
        row = page.locator("#challenge-rows li").nth(index)
        row.locator(".c-name").fill(challenge["id"])
        row.locator(".c-text").fill(challenge["text"])
        row.locator(".c-skills").fill(", ".join(challenge.get("skills", [])))


def upload_pool(page: Any, profiles: list[dict[str, Any]]) -> None:
    """The pool as a CSV file, chosen through the file input."""
    out = io.StringIO()
    columns = ["id", "name", "organisation", "description", "skills", "disciplines"]
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for profile in profiles:
        row = {c: profile.get(c, "") for c in columns}
        row["skills"] = ";".join(profile.get("skills", []))
        row["disciplines"] = ";".join(profile.get("disciplines", []))
        writer.writerow(row)
    page.set_input_files(
        "#pool-file",
        files=[{"name": "pool.csv", "mimeType": "text/csv", "buffer": out.getvalue().encode()}],
    )
