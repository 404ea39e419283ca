"""Reading catalogues into entities: catalogue-format files (JSONL, JSON, CSV, a folder of them)
and sources with a format of their own (a CORDIS export, SweCRIS grant records, the SciLifeLab
Data Platform catalogue). A record that does not say its language gets the one its text is in."""

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import ValidationError
from tqdm import tqdm

from matcher.catalogue import json_text
from matcher.catalogue.cordis import CordisError, cordis_records, is_cordis_export
from matcher.catalogue.csv_rows import csv_records
from matcher.catalogue.scilifelab import ScilifelabError, is_scilifelab, scilifelab_records
from matcher.catalogue.swecris import SwecrisError, is_swecris, swecris_records
from matcher.schemas import Company, Lab, Researcher, parse_entity
from matcher.text import SURROGATE, UNICODE_MESSAGE, guess_language, unpaired_surrogate

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"
SUFFIXES = (".jsonl", ".json", ".csv")
Format = Literal["auto", "jsonl", "json", "csv", "cordis", "swecris", "scilifelab"]
FORMATS: tuple[str, ...] = ("auto", "jsonl", "json", "csv", "cordis", "swecris", "scilifelab")
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

    def extend(self, other: "LoadedCatalogue") -> None:
        """Add another source's entities and rejections; an id already here is rejected."""
        seen = {e.id for e in self.entities}
        for entity in other.entities:
            if entity.id in seen:
                self.rejected.append(
                    Rejected("another source", f"duplicate id {entity.id}", entity.id)
                )
            else:
                seen.add(entity.id)
                self.entities.append(entity)
        self.rejected.extend(other.rejected)


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


@dataclass(frozen=True)
class Importer:
    """A source format of its own: how to recognise it and how to read its records."""

    shape: str
    detect: Callable[[Path], bool]
    read: Callable[[Path], Records]
    errors: tuple[type[Exception], ...]


# Formats read by an importer (the rest are catalogue-format files), in the order `auto` tries.
IMPORTERS = {
    "cordis": Importer(
        "a folder with project.json and organization.json", is_cordis_export, cordis_records,
        (CordisError,),
    ),
    "swecris": Importer(
        "a folder with a SweCRIS projects CSV, or a JSON file of SweCRIS project records",
        is_swecris, swecris_records, (SwecrisError,),
    ),
    "scilifelab": Importer(
        "a folder with services.json (or data/services.json)", is_scilifelab,
        scilifelab_records, (ScilifelabError,),
    ),
}  # fmt: skip


def source_records(source: str, fmt: str = "auto") -> Records:
    """Every raw record of a catalogue file, folder, export or register.

    Whether the source exists and can be read is checked at once, not at the first record.
    """
    path = resolve(source)
    if fmt == "auto":
        fmt = next((name for name, i in IMPORTERS.items() if i.detect(path)), "auto")
    importer = IMPORTERS.get(fmt)
    if importer is None:
        return (record for file in _files(path) for record in _file_records(file, fmt))
    if not importer.detect(path):
        raise CatalogueError(f"{source}: {fmt} needs {importer.shape}")
    return _imported(importer, path)


def _imported(importer: Importer, path: Path) -> Records:
    try:
        yield from importer.read(path)
    except importer.errors as exc:
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


LANGUAGE_TEXT = ("name", "description", "capabilities", "offers", "seeks", "expertise")


def with_language(record: object) -> object:
    """A record without a language, given the language its text is in (Swedish or English)."""
    if not isinstance(record, dict) or record.get("language") is not None:
        return record
    parts: list[str] = []
    for key in LANGUAGE_TEXT:
        value = record.get(key)
        parts += value if isinstance(value, list) else [value] if value else []
    for work in record.get("publications") or record.get("projects") or []:
        if isinstance(work, dict):
            parts.append(str(work.get("title") or ""))
    text = " ".join(str(part) for part in parts)
    return {**record, "language": guess_language(text)} if text.strip() else record


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
        record = with_language(record)
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


def load_catalogues(sources: list[str], progress: bool = False) -> LoadedCatalogue:
    """Several catalogues read as one; an error when none of them holds a valid entity."""
    loaded = LoadedCatalogue()
    for source in sources:
        loaded.extend(load_catalogue(source, progress=progress))
    if not loaded.entities:
        raise CatalogueError(
            f"no valid entities in {', '.join(sources)} ({len(loaded.rejected)} rejected)"
        )
    return loaded
