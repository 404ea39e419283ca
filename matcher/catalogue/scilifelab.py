"""The SciLifeLab Data Platform catalogue as labs: its services (portals, tools, helpdesks) and its
data sources (registries, biobanks, atlases), each a lab of the life-science area reached
remotely, hosted by whoever maintains it.

Accepted: the website's data folder (`services.json`, `data_sources.json`), or a folder above it.
"""

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from matcher.catalogue.swecris import slug
from matcher.text import EMAIL, web_url

FILES = {"services.json": "service", "data_sources.json": "data source"}
DEFAULT_HOST = "SciLifeLab Data Centre"
Records = Iterator[tuple[str, object]]


class ScilifelabError(ValueError):
    """A catalogue folder that cannot be read."""


def data_folder(path: Path) -> Path | None:
    """The folder holding the catalogue files, at `path` or in its `data/`."""
    for folder in (path, path / "data"):
        if folder.is_dir() and (folder / "services.json").is_file():
            return folder
    return None


def is_scilifelab(path: Path) -> bool:
    """Whether a path holds the SciLifeLab Data Platform catalogue."""
    return data_folder(path) is not None


def _terms(values: Any, most: int = 20) -> list[str]:
    found = [" ".join(str(v).split())[:200] for v in values or [] if str(v).strip()]
    return list(dict.fromkeys(found))[:most]


def _address(value: Any) -> str | None:
    text = str(value or "").strip()
    try:
        return web_url(text) if text else None
    except ValueError:
        return None


def record(entry: dict[str, Any], what: str) -> dict[str, Any]:
    """One service or data source as a lab record."""
    name = " ".join(str(entry.get("name") or "").split())
    types = _terms(entry.get("type"))
    kinds = _terms(entry.get("data"))
    email = str(entry.get("support_email") or "").strip()
    description = " ".join(str(entry.get("description") or "").split())
    offered = f"{what.capitalize()}: {', '.join(types).lower() or what}"
    return {
        "id": f"lab:scilifelab-{slug(name)}",
        "kind": "lab",
        "name": name[:200],
        "host": " ".join(str(entry.get("maintained_by") or DEFAULT_HOST).split())[:200],
        "description": description,
        "capabilities": [offered] + ([f"Data: {', '.join(kinds)}"] if kinds else []),
        "keywords": _terms(entry.get("search_tags")),
        "disciplines": _terms(entry.get("ddls")),
        "areas": ["life-science-health"],
        "access_types": ["remote"],
        "url": _address(entry.get("url")),
        "contact": email if EMAIL.fullmatch(email) else _address(entry.get("support_website")),
        "language": "en",
    }


def scilifelab_records(path: Path) -> Records:
    """(where, lab record) for every service and data source of the catalogue."""
    folder = data_folder(path)
    if folder is None:
        raise ScilifelabError(f"{path}: no services.json here or in data/")
    for name, what in FILES.items():
        file = folder / name
        if not file.is_file():
            continue
        try:
            entries = json.loads(file.read_text(encoding="utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ScilifelabError(f"{name}: not readable JSON ({exc})") from exc
        if not isinstance(entries, list):
            raise ScilifelabError(f"{name}: expected a JSON list")
        for number, entry in enumerate(entries, start=1):
            where = f"{name} record {number}"
            if isinstance(entry, dict) and re.search(r"\w", str(entry.get("name") or "")):
                yield where, record(entry, what)
            else:
                yield where, ValueError("an entry without a name")
