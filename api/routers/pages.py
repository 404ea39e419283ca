"""The web pages served by the app: startup, entity, coach, OpenLab and the catalogue map."""

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from matcher.catalogue.reading import DEMO_DIR

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static"
OPENLAB_EXAMPLE = DEMO_DIR / "openlab"


def _page(name: str) -> HTMLResponse:
    return HTMLResponse((STATIC / name).read_text(encoding="utf-8"))


@router.get("/", response_class=HTMLResponse)
def startup_page() -> HTMLResponse:
    """The startup page: type a need, see partners and testbeds."""
    return _page("index.html")


@router.get("/entities/{entity_id}", response_class=HTMLResponse)
def entity_page(entity_id: str) -> HTMLResponse:
    """One entity's profile with similar and complementary entities (filled in by script)."""
    return _page("entity.html")


@router.get("/coach", response_class=HTMLResponse)
def coach_page() -> HTMLResponse:
    """Portfolios, suggestions with good/bad buttons, shortlists and CSV export."""
    return _page("coach.html")


@router.get("/openlab", response_class=HTMLResponse)
def openlab_page() -> HTMLResponse:
    """Challenges and a pool in, teams and their discipline mix out."""
    return _page("openlab.html")


@router.get("/map", response_class=HTMLResponse)
def map_page() -> HTMLResponse:
    """The catalogue projected to 2-D."""
    return _page("map.html")


@router.get("/challenges", response_class=HTMLResponse)
def challenges_page() -> HTMLResponse:
    """Open challenges: find one, or publish one."""
    return _page("challenges.html")


@router.get("/needs/{need_id}", response_class=HTMLResponse)
def saved_need_page(need_id: str) -> HTMLResponse:
    """A saved need with its alerts (the owner token travels in the address's fragment)."""
    return _page("need.html")


@router.get("/introductions/{intro_id}", response_class=HTMLResponse)
def introduction_page(intro_id: str) -> HTMLResponse:
    """An introduction request's status, for its requester (token in the fragment)."""
    return _page("introduction.html")


@router.get("/openlab/example.json")
def openlab_example() -> dict[str, Any]:
    """The demo's OpenLab challenges and pool, to fill the OpenLab form."""
    challenges = [
        json.loads(line)
        for line in (OPENLAB_EXAMPLE / "challenges.jsonl").read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    pool = json.loads((OPENLAB_EXAMPLE / "pool.json").read_text(encoding="utf-8"))
    return {"challenges": challenges, "pool": pool}
