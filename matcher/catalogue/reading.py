"""Reading catalogues (JSONL, JSON, CSV, a folder of them, or a CORDIS export) into entities."""

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from tqdm import tqdm

from matcher.catalogue import json_text
from matcher.catalogue.cordis import CordisError, cordis_records, is_cordis_export
from matcher.catalogue.csv_rows import csv_records
from matcher.schemas import Company, Lab, Researcher, parse_entity
from matcher.text import SURROGATE, UNICODE_MESSAGE, unpaired_surrogate

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
SUFFIXES = (".jsonl", ".json", ".csv")
Format = Literal["auto", "jsonl", "json", "csv", "cordis"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "json", "csv", "cordis")
Records = Iterator[tuple[str, object]]
KINDS = "company, lab or researcher"


class CatalogueError(ValueError):
    """A catalogue that cannot be read at all."""


class NoValidRowsError(CatalogueError):
    """Every row of an upload was rejected; `rejected` says where and why, row by row."""

    def __init__(self, message: str, rejected: list["Rejected"]) -> None:
        super().__init__(message)
        self.rejected = rejected


NOT_UTF8_HINT = "save it as UTF-8 (in Excel: 'CSV UTF-8')"


@dataclass
class Rejected:
    """A record that failed validation, with where it came from and why."""

    where: str
    reason: str
    id: str | None = None


@dataclass
class LoadedCatalogue:
    """The valid entities of a catalogue and the records it rejected."""

    entities: list[Company | Lab | Researcher] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def resolve(source: str) -> Path:
    """The path of a catalogue: `demo` or a file or folder."""
    path = DEMO_DIR if source == "demo" else Path(source)
    if not path.exists():
        raise CatalogueError(f"catalogue not found: {source}")
    return path


def _files(path: Path) -> list[Path]:
    if path.is_file():
        if path.suffix.lower() not in SUFFIXES:
            raise CatalogueError(f"{path.name}: expected a .jsonl, .json or .csv file")
        return [path]
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in SUFFIXES)
    if not files:
        raise CatalogueError(f"no .jsonl, .json or .csv files in {path}")
    return files


def _json_records(text: str, name: str) -> Records:
    try:
        data = json_text.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{name}: not valid JSON ({exc.msg}, line {exc.lineno})") from exc
    except json_text.TooDeepError as exc:
        raise CatalogueError(f"{name}: {exc}") from exc
    if isinstance(data, dict) and isinstance(data.get("entities"), list):
        data = data["entities"]
    for i, record in enumerate(data if isinstance(data, list) else [data], start=1):
        yield f"{name} record {i}", record


def _jsonl_records(text: str, name: str) -> Records:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{name}:{number}", json_text.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{name}:{number}", ValueError(f"not valid JSON ({exc.msg})")
        except json_text.TooDeepError as exc:
            yield f"{name}:{number}", exc


def text_records(text: str, fmt: str, name: str) -> Records:
    """(location, raw record) pairs of a catalogue text; unreadable rows come as errors."""
    if fmt == "csv":
        return csv_records(text, name)
    if fmt == "json":
        return _json_records(text, name)
    if fmt == "jsonl":
        return _jsonl_records(text, name)
    raise CatalogueError(f"unknown format '{fmt}'; use one of {', '.join(FORMATS[1:4])}")


def _file_records(path: Path, fmt: str) -> Records:
    if fmt == "auto":
        fmt = path.suffix.lstrip(".").lower()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            f"{path.name}: not UTF-8 text (byte {exc.start}); {NOT_UTF8_HINT}"
        ) from exc
    return text_records(text, fmt, path.name)


def source_records(source: str, fmt: str = "auto") -> Records:
    """Every raw record of a catalogue file, folder or CORDIS export.

    Whether the source exists and can be read is checked at once, not at the first record.
    """
    path = resolve(source)
    if fmt == "cordis" or (fmt == "auto" and is_cordis_export(path)):
        if not is_cordis_export(path):
            raise CatalogueError(
                f"{source}: a CORDIS export is a folder with project.json and organization.json"
            )
        return _cordis(path)
    return (record for file in _files(path) for record in _file_records(file, fmt))


def _cordis(path: Path) -> Records:
    try:
        yield from cordis_records(path)
    except CordisError as exc:
        raise CatalogueError(str(exc)) from exc


def describe_error(exc: ValidationError) -> str:
    """A one-line, readable summary of a pydantic validation error."""
    parts = []
    for err in exc.errors()[:5]:
        if err["type"] == "union_tag_not_found":
            parts.append(f"kind: Field required ({KINDS})")
            continue
        if err["type"] == "union_tag_invalid":
            parts.append(f"kind: '{err['ctx']['tag']}' is not one of {KINDS}")
            continue
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def validate(records: Iterable[tuple[str, object]], progress: bool = False) -> LoadedCatalogue:
    """Validate raw records: bad ones are reported with where and why, the good ones kept.

    A later record with the same id as an earlier one is rejected as a duplicate.
    """
    loaded = LoadedCatalogue()
    seen: set[str] = set()
    for where, record in tqdm(records, desc="reading", unit=" rows", disable=not progress):
        raw_id = (
            record.get("id") if isinstance(record, dict) else getattr(record, "entity_id", None)
        )
        known = raw_id if isinstance(raw_id, str) else None
        if isinstance(record, Exception):
            loaded.rejected.append(Rejected(where, str(record), known))
            continue
        bad_text = unpaired_surrogate(record)
        if bad_text is not None:
            field = ".".join(str(p) for p in bad_text)
            known = None if known is None or SURROGATE.search(known) else known
            loaded.rejected.append(Rejected(where, f"{field}: {UNICODE_MESSAGE}", known))
            continue
        try:
            entity = parse_entity(record)
        except ValidationError as exc:
            loaded.rejected.append(Rejected(where, describe_error(exc), known))
            continue
        if entity.id in seen:
            loaded.rejected.append(Rejected(where, f"duplicate id {entity.id}", entity.id))
            continue
        seen.add(entity.id)
        loaded.entities.append(entity)
    return loaded


def load_catalogue(source: str, fmt: str = "auto", progress: bool = False) -> LoadedCatalogue:
    """Read and validate a catalogue; bad records are reported, the good ones kept."""
    return validate(source_records(source, fmt), progress)
