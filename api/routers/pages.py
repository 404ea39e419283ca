"""The web pages served by the app."""

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

router = APIRouter(include_in_schema=False)
STATIC = Path(__file__).resolve().parent.parent / "static"


@router.get("/", response_class=HTMLResponse)
def startup_page() -> HTMLResponse:
    """The startup page: type a need, see partners and testbeds."""
    return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))
