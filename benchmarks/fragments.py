"""Real text fragments for synthetic catalogues: the demo, CORDIS exports and gold-standard papers.

Every fragment is a real sentence, title, capability, offer or term, tagged with its language,
its role (what field of a synthetic entity it may fill) and its group (the source document), so
a synthetic entity can be composed from a real demo entity (its template) plus foreign fragments.
Long demo texts are cut to a few sentences so the pool stays a few thousand texts that the real
encoders embed once in minutes.
"""

import json
import random
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from matcher.catalogue.reading import load_catalogue
from matcher.schemas import Company, Lab, Researcher
from matcher.text import sentences

XLSX = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
MAX_WORDS = 45
ROLES = ("sentence", "title", "abstract", "capability", "offer", "term")


@dataclass
class Pool:
    """Fragments with their language and role; `templates` are the demo entities as dicts."""

    texts: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    templates: list[dict] = field(default_factory=list)
    template_parts: list[dict[str, list[int]]] = field(default_factory=list)
    foreign: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    _index: dict[str, int] = field(default_factory=dict)

    def add(self, text: str, language: str, role: str) -> int | None:
        """Register a fragment (once per text); None for empty or overlong texts."""
        text = " ".join(text.split())
        if not text or len(text.split()) > MAX_WORDS:
            return None
        if text not in self._index:
            self._index[text] = len(self.texts)
            self.texts.append(text)
            self.languages.append(language)
            self.roles.append(role)
        return self._index[text]

    def add_foreign(self, text: str, language: str, role: str) -> None:
        """A fragment from outside the demo, usable by any entity of its language."""
        index = self.add(text, language, role)
        if index is not None:
            self.foreign.setdefault((role, language), []).append(index)


def _template(pool: Pool, entity: Company | Lab | Researcher) -> dict[str, list[int]]:
    """Register a demo entity's fragments; returns their indices by role."""
    lang = entity.language
    parts: dict[str, list[int]] = {role: [] for role in ROLES}

    def put(role: str, text: str) -> None:
        index = pool.add(text, lang, role)
        if index is not None:
            parts[role].append(index)

    for sentence in sentences(entity.description)[:2]:
        put("sentence", sentence)
    for term in entity.keywords:
        put("term", term)
    if isinstance(entity, Lab):
        for capability in entity.capabilities:
            put("capability", capability)
    elif isinstance(entity, Company):
        for offer in entity.offers:
            put("offer", offer)
    elif isinstance(entity, Researcher):
        for term in entity.expertise:
            put("term", term)
        for publication in entity.publications:
            put("title", publication.title)
            for sentence in sentences(publication.abstract)[:1]:
                put("abstract", sentence)
    return parts


def _xlsx_column(path: Path, column: str) -> list[str]:
    """One column of the first sheet of an .xlsx file, read with the standard library."""
    with zipfile.ZipFile(path) as book:
        strings = [
            "".join(t.text or "" for t in si.iter(f"{XLSX}t"))
            for si in ElementTree.fromstring(book.read("xl/sharedStrings.xml"))
        ]
        sheet = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    values = []
    for cell in sheet.iter(f"{XLSX}c"):
        ref = cell.get("r", "")
        value = cell.find(f"{XLSX}v")
        if re.fullmatch(rf"{column}\d+", ref) and value is not None and value.text:
            values.append(strings[int(value.text)] if cell.get("t") == "s" else value.text)
    return values[1:]  # without the header


def _external(pool: Pool, shared: Path, rng: random.Random, scale: int) -> None:
    """English fragments from CORDIS objectives, H2020 titles and gold-standard papers."""
    cordis = shared / "cordis-semiconductor-ev-export" / "project.json"
    for project in json.loads(cordis.read_text(encoding="utf-8")):
        for sentence in sentences(project.get("objective") or "")[: 2 * scale]:
            pool.add_foreign(sentence, "en", "sentence")
    titles = _xlsx_column(shared / "cordis-h2020-dashboard-2021" / "h2020-projects.xlsx", "A")
    for title in rng.sample(titles, min(len(titles), 150 * scale)):
        pool.add_foreign(title, "en", "title")
    papers = sorted((shared / "goldstandard-reviewer-paper" / "data" / "papers").glob("*.json"))
    for path in rng.sample(papers, min(len(papers), 120 * scale)):
        paper = json.loads(path.read_text(encoding="utf-8"))
        pool.add_foreign(paper.get("title") or "", "en", "title")
        abstract = sentences(paper.get("abstract") or "")
        for sentence in abstract[:2]:
            pool.add_foreign(sentence, "en", "abstract")
        if len(abstract) > 2:
            pool.add_foreign(abstract[2], "en", "sentence")


def load_pool(shared: Path, seed: int = 0, scale: int = 1) -> Pool:
    """The fragment pool: every demo entity as a template, plus `scale`-sized external samples."""
    pool = Pool()
    for entity in sorted(load_catalogue("demo").entities, key=lambda e: e.id):
        pool.template_parts.append(_template(pool, entity))
        pool.templates.append(entity.model_dump(mode="json"))
    _external(pool, shared, random.Random(seed), scale)
    for index, parts in enumerate(pool.template_parts):  # demo fragments are foreign to others
        lang = pool.templates[index]["language"]
        for role, indices in parts.items():
            pool.foreign.setdefault((role, lang), []).extend(indices)
    return pool
