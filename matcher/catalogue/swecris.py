"""SweCRIS grant records (the Swedish Research Council's open register) as catalogue records.

Accepted: a folder with the projects CSV (the SweCRIS API's record fields, one row per funding
record, `involvedPeople_json` holding the people) and, beside it where present, the parsed SCB
research subjects; or a JSON / JSON Lines file of the API's own project records (`involvedPeople`
and `scbs` as lists). A funding record listed twice (the `_RJ` copy of a Vinnova record, or the
same diarienummer) is read once.

What becomes what:
- every person involved in a grant with text becomes a researcher listed on the basis of the
  public register (`basis: public-register`, `source` naming SweCRIS and the grants): name,
  affiliation (the coordinating organisation of their latest grant), ORCID, and their grants'
  titles and abstracts as publications; the SCB subjects of their grants as expertise and
  disciplines. Nothing else about the person is kept (no role, no gender);
- a coordinating organisation of type company becomes a company with the grants it led as its
  projects;
- a research-infrastructure grant whose text describes a facility becomes a lab hosted by its
  coordinating organisation.
"""

import csv
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PROJECTS_CSV = "*projects*.csv"
SUBJECTS_CSV = "*scb_subjects*.csv"
SOURCE = "SweCRIS, Swedish Research Council (public register of research grants)"
FACILITY = re.compile(
    r"\b(facilit\w*|infrastructure\w*|laborator\w*|instrument\w*|beamline|observator\w*|"
    r"testbed|test bed|platform|centre|center|anläggning\w*|infrastruktur\w*|laboratori\w*|"
    r"instrument\w*|testbädd\w*|plattform\w*|centrum)\b",
    re.IGNORECASE,
)
UNCLASSIFIED = {"Unclassified", "Oklassificerat", ""}
Records = Iterator[tuple[str, object]]


class SwecrisError(ValueError):
    """Grant records that cannot be read at all."""


@dataclass
class Grant:
    """One funding record, reduced to what the catalogue keeps."""

    id: str
    dnr: str
    title_en: str
    title_sv: str
    abstract_en: str
    abstract_sv: str
    year: int | None
    coordinator: str
    coordinator_type: str
    award: str
    people: list[tuple[str, str, str]] = field(default_factory=list)  # id, name, orcid
    subjects: list[tuple[int, str]] = field(default_factory=list)  # level, English label

    def text(self, language: str) -> tuple[str, str]:
        """(title, abstract) in the language, or in the other where it has none."""
        english = (self.title_en or self.title_sv, self.abstract_en or self.abstract_sv)
        swedish = (self.title_sv or self.title_en, self.abstract_sv or self.abstract_en)
        return english if language == "en" else swedish

    @property
    def language(self) -> str:
        """The language its text is in: English where it has an English abstract."""
        return "en" if self.abstract_en or not self.abstract_sv else "sv"


def is_swecris(path: Path) -> bool:
    """Whether a path holds SweCRIS grant records (a folder with the projects CSV, or a JSON
    file of the API's project records)."""
    if path.is_dir():
        return any(_is_projects_csv(p) for p in path.glob(PROJECTS_CSV))
    if path.suffix.lower() in (".json", ".jsonl"):
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            head = handle.read(4096)
        return '"projectId"' in head and '"involvedPeople' in head
    return _is_projects_csv(path)


def _is_projects_csv(path: Path) -> bool:
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        header = handle.readline()
    return "projectId" in header and "involvedPeople" in header


def _clean(value: Any) -> str:
    return " ".join(str(value or "").split())


def _year(value: Any) -> int | None:
    text = _clean(value)
    return int(text[:4]) if text[:4].isdigit() and 1900 <= int(text[:4]) <= 2100 else None


def _people(raw: Any) -> list[tuple[str, str, str]]:
    """(person id, name, ORCID) from involvedPeople (API keys) or involvedPeople_json."""
    if isinstance(raw, str):
        raw = json.loads(raw) if raw.strip() else []
    people = []
    for person in raw or []:
        name = _clean(person.get("name") or person.get("fullName"))
        key = _clean(person.get("personId")) or name
        if name:
            people.append((key, name, _clean(person.get("orcid") or person.get("orcId"))))
    return people


def _api_subjects(raw: Any) -> list[tuple[int, str]]:
    """SCB subjects of an API record: a list of {scb5NameEn, scb3NameEn, ...}."""
    found = []
    for entry in raw if isinstance(raw, list) else []:
        for level in (5, 3, 1):
            label = _clean(entry.get(f"scb{level}NameEn"))
            if label:
                found.append((level, label))
    return found


def grant(record: dict[str, Any]) -> Grant | None:
    """A funding record as a Grant; None for a duplicate copy or a record without text."""
    if str(record.get("rj_duplicate_of_vinnova", "")).strip().lower() == "true":
        return None
    project_id = _clean(record.get("projectId"))
    if not project_id:
        return None
    people = record.get("involvedPeople_json", record.get("involvedPeople"))
    found = Grant(
        id=project_id,
        dnr=_clean(record.get("dnr")) or project_id.rsplit("_", 1)[0],
        title_en=_clean(record.get("projectTitleEn")),
        title_sv=_clean(record.get("projectTitleSv")),
        abstract_en=_clean(record.get("projectAbstractEn")),
        abstract_sv=_clean(record.get("projectAbstractSv")),
        year=_year(record.get("projectStartDate")),
        coordinator=_clean(
            record.get("coordinatingOrganisationNameEn")
            or record.get("coordinatingOrganisationNameSv")
        ),
        coordinator_type=_clean(record.get("coordinatingOrganisationTypeOfOrganisationEn")),
        award=_clean(record.get("typeOfAwardDescrEn")),
        people=_people(people),
        subjects=_api_subjects(record.get("scbs")),
    )
    has_text = (found.title_en or found.title_sv) and (found.abstract_en or found.abstract_sv)
    return found if has_text else None


def read_grants(path: Path) -> list[Grant]:
    """Every distinct grant with text at a path (see is_swecris), SCB subjects attached."""
    records, subjects = _raw_records(path), _subjects(path)
    grants: dict[str, Grant] = {}
    for record in records:
        found = grant(record)
        if found is None or found.dnr in grants:
            continue
        found.subjects = found.subjects or subjects.get(found.id, [])
        grants[found.dnr] = found
    return list(grants.values())


def _raw_records(path: Path) -> Iterable[dict[str, Any]]:
    if path.is_dir():
        files = [p for p in sorted(path.glob(PROJECTS_CSV)) if _is_projects_csv(p)]
    else:
        files = [path]
    for file in files:
        if file.suffix.lower() == ".csv":
            csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
            with file.open(encoding="utf-8-sig", newline="") as handle:
                yield from csv.DictReader(handle)
            continue
        text = file.read_text(encoding="utf-8-sig")
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
        yield from (data if isinstance(data, list) else [data])


def _subjects(path: Path) -> dict[str, list[tuple[int, str]]]:
    """The parsed SCB subjects beside a projects CSV, by project id."""
    folder = path if path.is_dir() else path.parent
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for file in sorted(folder.glob(SUBJECTS_CSV)):
        with file.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                level, label = row.get("level", ""), _clean(row.get("label_en"))
                if level.isdigit() and label:
                    found[row["projectId"]].append((int(level), label))
    return found


def slug(text: str) -> str:
    """Lowercase ASCII letters, digits and hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60] or "x"


def _labels(grants: list[Grant], level: int, most: int) -> list[str]:
    counts = Counter(label[:200] for g in grants for lvl, label in g.subjects if lvl == level)
    return [label for label, _ in counts.most_common() if label not in UNCLASSIFIED][:most]


def _language(grants: list[Grant]) -> str:
    languages = Counter(g.language for g in grants)
    return "sv" if languages["sv"] > languages["en"] else "en"


def researcher(person: tuple[str, str, str], grants: list[Grant]) -> dict[str, Any]:
    """A person involved in grants, with the grants' texts as their publications."""
    key, name, _ = person
    grants = sorted(grants, key=lambda g: (g.year or 0, g.id), reverse=True)
    language = _language(grants)
    orcid = next((o for g in grants for k, _, o in g.people if k == key and o), None)
    expertise = _labels(grants, 5, 6)
    titles = "; ".join(g.text(language)[0] for g in grants[:3])
    subjects = ", ".join(expertise[:3])
    lead = "Forskning om" if language == "sv" else "Research on"
    grants_word = "Anslag" if language == "sv" else "Grants"
    description = f"{lead} {subjects}. {grants_word}: {titles}" if subjects else titles
    return {
        "id": f"researcher:{slug(name)}-{slug(key)}",
        "kind": "researcher",
        "name": name[:200],
        "affiliation": (grants[0].coordinator or "unknown")[:200],
        "description": description[:20_000],
        "publications": [
            {"title": g.text(language)[0], "abstract": g.text(language)[1], "year": g.year}
            for g in grants
        ],
        "expertise": expertise,
        "disciplines": _labels(grants, 3, 4),
        "orcid": orcid or None,
        "language": language,
        "basis": "public-register",
        "source": f"{SOURCE}: {', '.join(g.id for g in grants[:5])}"[:500],
    }


def company(name: str, grants: list[Grant]) -> dict[str, Any]:
    """A company that coordinated grants, with them as its projects."""
    grants = sorted(grants, key=lambda g: (g.year or 0, g.id), reverse=True)
    language = _language(grants)
    lead = "Koordinerar forskningsprojekt" if language == "sv" else "Coordinates research projects"
    titles = "; ".join(g.text(language)[0] for g in grants[:5])
    return {
        "id": f"company:{slug(name)}",
        "kind": "company",
        "name": name[:200],
        "description": f"{lead}: {titles}"[:20_000],
        "disciplines": _labels(grants, 3, 4),
        "keywords": _labels(grants, 5, 6),
        "projects": [
            {"title": g.text(language)[0], "summary": g.text(language)[1], "year": g.year}
            for g in grants
        ],
        "language": language,
    }


def lab(found: Grant) -> dict[str, Any]:
    """A research-infrastructure grant that describes a facility, as a lab."""
    title, abstract = found.text(found.language)
    return {
        "id": f"lab:swecris-{slug(found.dnr)}",
        "kind": "lab",
        "name": title[:200],
        "host": (found.coordinator or "unknown")[:200],
        "description": abstract[:20_000],
        "disciplines": _labels([found], 3, 4),
        "keywords": _labels([found], 5, 6),
        "language": found.language,
    }


@dataclass
class Grouped:
    """Grants grouped as the catalogue needs them: each person with the grants they are in,
    each coordinating company with the grants it led, the research-infrastructure grants."""

    people: dict[str, tuple[str, str, str]] = field(default_factory=dict)
    involved: dict[str, list[Grant]] = field(default_factory=lambda: defaultdict(list))
    companies: dict[str, list[Grant]] = field(default_factory=lambda: defaultdict(list))
    infrastructure: list[Grant] = field(default_factory=list)


def grouped(grants: Iterable[Grant]) -> Grouped:
    """The grants grouped by person, coordinating company and infrastructure, in order."""
    found = Grouped()
    for grant in grants:
        for person in grant.people:
            found.involved[person[0]].append(grant)
            found.people.setdefault(person[0], person)
        if grant.coordinator_type == "Company" and grant.coordinator:
            found.companies[grant.coordinator].append(grant)
        if grant.award == "Research infrastructure":
            found.infrastructure.append(grant)
    return found


def swecris_records(path: Path) -> Records:
    """(where, catalogue record) for every researcher, company and lab the grants give."""
    try:
        grants = read_grants(path)
    except (OSError, ValueError, csv.Error) as exc:
        raise SwecrisError(f"{path.name}: cannot read the grant records ({exc})") from exc
    if not grants:
        raise SwecrisError(f"{path.name}: no grant records with a title and an abstract")
    found = grouped(grants)
    for grant in found.infrastructure:
        if FACILITY.search(" ".join(grant.text("en"))):
            yield f"{path.name} grant {grant.id}", lab(grant)
    for key, person in found.people.items():
        yield f"{path.name} person {key}", researcher(person, found.involved[key])
    for name, led in sorted(found.companies.items()):
        yield f"{path.name} company {name}", company(name, led)
