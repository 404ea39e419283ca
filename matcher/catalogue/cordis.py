"""CORDIS export (project.json + organization.json) as catalogue records, one per organisation.

Private companies (activity type PRC) become companies; universities, research organisations
and public bodies become labs hosted by themselves. An organisation's projects (title, objective,
start year) are its profile; its place comes from the participation rows.
"""

import json
import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from matcher.text import web_url

PROJECTS = "project.json"
ORGANISATIONS = "organization.json"
NAME_LIMIT = 200


class CordisError(ValueError):
    """An export that cannot be read at all."""


def is_cordis_export(path: Path) -> bool:
    """Whether a folder holds a CORDIS JSON export."""
    return path.is_dir() and (path / PROJECTS).is_file() and (path / ORGANISATIONS).is_file()


def _read_list(path: Path) -> list[Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CordisError(f"{path.name}: not UTF-8 text (byte {exc.start})") from exc
    except json.JSONDecodeError as exc:
        raise CordisError(f"{path.name}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    if not isinstance(data, list):
        raise CordisError(f"{path.name}: expected a JSON list of records")
    return data


def _project(record: dict[str, Any]) -> dict[str, Any]:
    start = str(record.get("startDate") or "")
    return {
        "title": " ".join(str(record.get("title") or "").split()),
        "summary": " ".join(str(record.get("objective") or "").split()),
        "year": int(start[:4]) if start[:4].isdigit() else None,
    }


def _kind(row: dict[str, Any]) -> str:
    return "company" if str(row.get("activityType", "")).split(";")[0] == "PRC" else "lab"


def _location(row: dict[str, Any]) -> dict[str, Any] | None:
    city = str(row.get("city") or "").strip()
    if not city:
        return None
    location: dict[str, Any] = {"municipality": city.title() if city.isupper() else city}
    lat, _, lon = str(row.get("geolocation") or "").partition(",")
    try:
        location["lat"], location["lon"] = float(lat), float(lon)
    except ValueError:
        pass
    return location


def organisation_record(rows: list[dict[str, Any]], projects: dict[str, Any]) -> dict[str, Any]:
    """The catalogue record of one organisation from its participation rows."""
    first = rows[0]
    kind = _kind(first)
    name = " ".join(str(first.get("name") or "").split())[:NAME_LIMIT]
    place = ", ".join(str(first[k]) for k in ("city", "country") if first.get(k))
    joined = [projects[key] for key in dict.fromkeys(str(r["projectID"]) for r in rows)]
    acronyms = ", ".join(str(p["acronym"]) for p in joined if p.get("acronym")) or "-"
    record: dict[str, Any] = {
        "id": f"{kind}:cordis-{first['organisationID']}",
        "kind": kind,
        "name": name,
        "description": f"{name}{f', {place}' if place else ''}. "
        f"Took part in {len(joined)} EU research and innovation projects ({acronyms}).",
        "projects": [_project(p) for p in joined],
        "keywords": sorted({str(p.get("acronym")) for p in joined if p.get("acronym")}),
    }
    location = _location(first)
    if location:
        record["location"] = location
    url = _first_url(str(first.get("organizationURL") or ""))
    if url:
        record["url"] = url
    if kind == "lab":
        record["host"] = name
    elif (sme := _flag(first.get("SME"))) is not None:
        record["stage"] = "sme" if sme else "large"
    return record


def _flag(value: Any) -> bool | None:
    """A yes/no field, as JSON true/false or as the text 'true'/'false' of newer exports."""
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    return {"true": True, "false": False}.get(text)


def cordis_records(folder: Path) -> Iterator[tuple[str, dict[str, Any] | ValueError]]:
    """(where, record) per organisation; participation rows that cannot be used are reported."""
    projects: dict[str, Any] = {}
    for number, project in enumerate(_read_list(folder / PROJECTS), start=1):
        if not isinstance(project, dict) or not project.get("id") or not project.get("title"):
            yield f"{PROJECTS} record {number}", ValueError("a project needs an id and a title")
            continue
        projects[str(project["id"])] = project
    by_org: dict[str, list[dict[str, Any]]] = defaultdict(list)
    first_seen: dict[str, int] = {}
    for number, row in enumerate(_read_list(folder / ORGANISATIONS), start=1):
        where = f"{ORGANISATIONS} record {number}"
        if not isinstance(row, dict) or not str(row.get("organisationID") or "").isdigit():
            yield where, ValueError("a participation needs a numeric organisationID")
        elif str(row.get("projectID")) not in projects:
            yield where, ValueError(f"project {row.get('projectID')} is not in {PROJECTS}")
        elif not str(row.get("name") or "").strip():
            yield where, ValueError("a participation needs the organisation's name")
        else:
            org = str(row["organisationID"])
            first_seen.setdefault(org, number)
            by_org[org].append(row)
    for org, rows in by_org.items():
        yield f"{ORGANISATIONS} record {first_seen[org]}", organisation_record(rows, projects)


def _first_url(text: str) -> str | None:
    """The first web address in a CORDIS URL cell, which can list several ("www.a.gr / www.b.gr")
    or none that is usable; None when there is none."""
    for part in re.split(r"[\s;,|]+", text.strip()):
        if "." not in part:
            continue
        try:
            return web_url(part if "://" in part else f"https://{part}")
        except ValueError:
            continue
    return None
