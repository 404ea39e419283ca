"""CSV catalogue rows as entity records: one column per field, lists split by ';'.

The column separator is a comma, or a semicolon or tab when the header row has one of those
and no comma (spreadsheets in Swedish and other locales with a decimal comma save so).
"""

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from matcher.catalogue import json_text

LIST_FIELDS = {
    "keywords",
    "areas",
    "disciplines",
    "sector_codes",
    "offers",
    "seeks",
    "capabilities",
    "access_types",
    "access_modes",
    "expertise",
}
JSON_FIELDS = {"publications", "projects"}
INT_FIELDS = {"employees", "trl_min", "trl_max"}
BOOL_FIELDS = {"open_to_smes", "consent"}
LOCATION_FIELDS = {"municipality", "lat", "lon"}
TRUE = {"true", "yes", "1", "ja"}
FALSE = {"false", "no", "0", "nej"}


class RowError(ValueError):
    """A row that cannot be read: a cell not of its field's type, or too many cells.

    `entity_id` is the row's id cell where it has one, so the report names the entity."""

    entity_id: str | None = None


def _value(column: str, cell: str) -> Any:
    if column in LIST_FIELDS:
        return [part.strip() for part in cell.split(";") if part.strip()]
    if column in JSON_FIELDS:
        try:
            return json_text.loads(cell)
        except json.JSONDecodeError as exc:
            raise RowError(f"{column}: not valid JSON ({exc.msg})") from exc
        except json_text.TooDeepError as exc:
            raise RowError(f"{column}: {exc}") from exc
    if column in INT_FIELDS:
        try:
            return int(cell)
        except ValueError as exc:
            raise RowError(f"{column}: '{cell}' is not a whole number") from exc
    if column in BOOL_FIELDS:
        if cell.lower() in TRUE | FALSE:
            return cell.lower() in TRUE
        raise RowError(f"{column}: '{cell}' is not true/false")
    return cell


def _location(cells: dict[str, str]) -> dict[str, Any]:
    location: dict[str, Any] = {"municipality": cells.get("municipality", "")}
    for axis in ("lat", "lon"):
        if cells.get(axis):
            try:
                location[axis] = float(cells[axis].replace(",", "."))
            except ValueError as exc:
                raise RowError(f"{axis}: '{cells[axis]}' is not a number") from exc
    return location


def record(cells: dict[str, str]) -> dict[str, Any]:
    """One row's cells (empty ones dropped) as an entity record."""
    filled = {k.strip(): v.strip() for k, v in cells.items() if k and v and v.strip()}
    out = {k: _value(k, v) for k, v in filled.items() if k not in LOCATION_FIELDS}
    if filled.keys() & LOCATION_FIELDS:
        out["location"] = _location(filled)
    return out


def separator(header: str) -> str:
    """The column separator a header row uses: ',' unless it has none and ';' or a tab."""
    if "," in header:
        return ","
    return max(";\t", key=header.count) if header.count(";") + header.count("\t") else ","


def csv_records(text: str, name: str) -> Iterator[tuple[str, object]]:
    """(where, record) per data row; `where` is 'name:line' of the row's first line."""
    header = text.split("\n", 1)[0]
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=separator(header))
    try:
        names = reader.fieldnames
    except csv.Error as exc:
        yield f"{name}:1", ValueError(f"unreadable CSV header ({exc})")
        return
    if not names or "id" not in [f.strip() for f in names]:
        yield f"{name}:1", ValueError("the header row has no 'id' column")
        return
    line = reader.line_num + 1
    try:
        for cells in reader:
            where = f"{name}:{line}"
            line = reader.line_num + 1
            if None in cells:
                yield where, _with_id(RowError("more cells than header columns"), cells)
                continue
            try:
                yield where, record(cells)
            except RowError as exc:
                yield where, _with_id(exc, cells)
    except csv.Error as exc:
        yield f"{name}:{line}", ValueError(f"unreadable CSV ({exc}); the rows after it are skipped")


def _with_id(error: RowError, cells: dict[str, Any]) -> RowError:
    """The error with the row's id attached, when the id cell holds text."""
    raw = next((v for k, v in cells.items() if k is not None and k.strip() == "id"), None)
    error.entity_id = (raw.strip() or None) if isinstance(raw, str) else None
    return error
