"""Reading catalogue files (JSONL, JSON, or a folder of them) into validated entities."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from matcher.schemas import Company, Lab, Researcher, parse_entity

DEMO_DIR = Path(__file__).parent / "demo"
SUFFIXES = (".jsonl", ".json")


class CatalogError(ValueError):
    """A catalogue that cannot be read at all."""


@dataclass
class Rejected:
    """A record that failed validation, with where it came from and why."""

    where: str
    reason: str


@dataclass
class LoadedCatalog:
    """The valid entities of a catalogue and the records it rejected."""

    entities: list[Company | Lab | Researcher] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def resolve(source: str) -> Path:
    """The path of a catalogue: `demo` or a file or folder."""
    path = DEMO_DIR if source == "demo" else Path(source)
    if not path.exists():
        raise CatalogError(f"catalogue not found: {source}")
    return path


def _files(path: Path) -> list[Path]:
    if path.is_file():
        if path.suffix not in SUFFIXES:
            raise CatalogError(f"{path.name}: expected a .jsonl or .json file")
        return [path]
    files = sorted(p for p in path.iterdir() if p.suffix in SUFFIXES)
    if not files:
        raise CatalogError(f"no .jsonl or .json files in {path}")
    return files


def _records(path: Path) -> Iterator[tuple[str, object]]:
    """(location, raw record) pairs; unparsable lines come back as CatalogError values."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CatalogError(
                f"{path.name}: not valid JSON ({exc.msg}, line {exc.lineno})"
            ) from exc
        for i, record in enumerate(data if isinstance(data, list) else [data], start=1):
            yield f"{path.name} record {i}", record
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield f"{path.name}:{number}", json.loads(line)
        except json.JSONDecodeError as exc:
            yield f"{path.name}:{number}", CatalogError(f"not valid JSON ({exc.msg})")


def describe_error(exc: ValidationError) -> str:
    """A one-line, readable summary of a pydantic validation error."""
    parts = []
    for err in exc.errors()[:5]:
        loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-after"))
        parts.append(f"{loc}: {err['msg']}" if loc else err["msg"])
    return "; ".join(parts)


def load_catalog(source: str) -> LoadedCatalog:
    """Read and validate every record; bad records are reported, the good ones kept."""
    loaded = LoadedCatalog()
    seen: set[str] = set()
    for file in _files(resolve(source)):
        for where, record in _records(file):
            if isinstance(record, CatalogError):
                loaded.rejected.append(Rejected(where, str(record)))
                continue
            try:
                entity = parse_entity(record)
            except ValidationError as exc:
                loaded.rejected.append(Rejected(where, describe_error(exc)))
                continue
            if entity.id in seen:
                loaded.rejected.append(Rejected(where, f"duplicate id {entity.id}"))
                continue
            seen.add(entity.id)
            loaded.entities.append(entity)
    return loaded
