"""A synthetic catalogue of N entities made of real text, with its document vectors pre-computed.

Why: encoding 100k entities (about 550k item texts) with the default hybrid encoder on two CPU
cores would take hours, but a latency benchmark needs a catalogue of that size built through the
real build path.

How:
1. Texts. `fragments.load_pool` collects real fragments: sentences, capabilities, offers, terms
   and publication titles/abstract sentences of the demo catalogue, plus English sentences from
   the CORDIS semiconductor objectives, titles from the H2020 project list and titles/abstract
   sentences of the gold-standard papers. Each synthetic entity copies the structure of a random
   demo entity (its template: kind, language, areas, disciplines, host, access, stage ...) and
   composes its texts from 2-4 fragments: some of the template's own, some foreign ones of the
   same language and role. Names, ids (`kind:slug-<n>`, unique), municipalities with jittered
   coordinates, TRL ranges and years are drawn at random; kinds and languages follow the demo's
   proportions (about 38% companies, 24% labs, 38% researchers, 38% Swedish).
2. Vectors. The pool is encoded ONCE with the real models (`pool_vectors.py`, cached in
   benchmarks/.cache). For every item text a build will encode (`entity_items` of the listed
   entities), the vector stored is the normalised sum of the real vectors of the fragments it
   contains, plus small Gaussian noise, under exactly the cache keys the build looks up
   (per sub-model of the hybrid; the English model only for non-Swedish entities).
   `Matcher.build` then runs unchanged and finds every vector in the cache (encoded = 0).
   Needs at query time are encoded by the real models: only catalogue vectors are synthetic.
"""

import json
import random
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from benchmarks.fragments import Pool
from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.hybrid import HybridEncoder
from matcher.index.items import entity_items
from matcher.schemas import is_listed, parse_entity
from matcher.text import text_hash

MUNICIPALITIES = {  # name: (lat, lon, weight ~ demo counts)
    "Stockholm": (59.3293, 18.0686, 186),
    "Solna": (59.3600, 18.0009, 46),
    "Huddinge": (59.2367, 17.9819, 36),
    "Södertälje": (59.1955, 17.6253, 18),
    "Sundbyberg": (59.3612, 17.9715, 16),
    "Nynäshamn": (58.9030, 17.9479, 10),
    "Järfälla": (59.4234, 17.8346, 9),
    "Botkyrka": (59.2000, 17.8333, 8),
    "Sollentuna": (59.4280, 17.9507, 8),
    "Nacka": (59.3105, 18.1637, 7),
    "Upplands-Bro": (59.5167, 17.6333, 7),
    "Norrtälje": (59.7580, 18.7049, 6),
    "Täby": (59.4439, 18.0687, 5),
    "Upplands Väsby": (59.5184, 17.9113, 5),
    "Haninge": (59.1679, 18.1437, 5),
    "Tyresö": (59.2440, 18.2290, 5),
    "Danderyd": (59.3999, 18.0333, 4),
    "Vallentuna": (59.5344, 18.0776, 4),
    "Sigtuna": (59.6173, 17.7236, 4),
    "Lidingö": (59.3667, 18.1333, 3),
    "Österåker": (59.4833, 18.3000, 2),
    "Värmdö": (59.3167, 18.4333, 2),
}
HEADS = "Nord Lumi Aqua Vita Kvant Sol Grön Blå Ark Nova Terra Cell Data Fjord Hav Ljus".split()
TAILS = "vik gen tek lab ia form sense bit mind works flow path core line byte scope".split()
NOUNS = "AB,Diagnostics,Robotics,Energy,Systems,Materials,Health,Analytics,Solutions,Technologies"
PLACES = "Testbed,Lab,Centre,Facility,Platform,Hub".split(",")
FIRST = "Anna Erik Maria Lars Karin Johan Sara Anders Elin Mohammed Li Fatima Oskar Ingrid".split()
LAST = "Andersson Lindqvist Nyström Berg Holm Ek Sjöberg Chen Ahmed Karlsson Wallin Lund".split()
NOISE = 0.05  # norm of the noise added to a unit vector before renormalising


@dataclass
class Synthetic:
    """One generated entity (raw JSON record) and the pool fragments its texts are made of."""

    record: dict[str, Any]
    fragments: list[int]


def slug(text: str) -> str:
    """Lower-case ASCII slug: å -> a, spaces and punctuation -> hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = "".join(c if c.isalnum() else "-" for c in ascii_text.lower())
    return "-".join(p for p in cleaned.split("-") if p)[:80] or "x"


class Generator:
    """Draws synthetic entities from templates and foreign fragments of a pool."""

    def __init__(self, pool: Pool, seed: int = 0) -> None:
        self.pool = pool
        self.rng = random.Random(seed)
        self.places = list(MUNICIPALITIES)
        self.weights = [MUNICIPALITIES[m][2] for m in self.places]

    def _pick(self, own: list[int], role: str, lang: str, low: int, high: int) -> list[int]:
        """low..high distinct fragments: some of the template's own (one at least when several
        are drawn, for coherence), the rest foreign ones of the same role and language."""
        count = self.rng.randint(low, high)
        keep = min(len(own), self.rng.randint(1 if count > 1 else 0, count))
        mine = self.rng.sample(own, keep)
        foreign = self.pool.foreign.get((role, lang), [])
        while len(mine) < count and foreign:
            index = self.rng.choice(foreign)
            if index not in mine:
                mine.append(index)
        return mine

    def _texts(self, indices: list[int]) -> list[str]:
        return [self.pool.texts[i] for i in indices]

    def _location(self) -> dict[str, Any]:
        name = self.rng.choices(self.places, self.weights)[0]
        lat, lon, _ = MUNICIPALITIES[name]
        jitter = self.rng.uniform
        return {
            "municipality": name,
            "lat": round(lat + jitter(-0.02, 0.02), 4),
            "lon": round(lon + jitter(-0.03, 0.03), 4),
        }

    def _name(self, kind: str, place: str) -> str:
        pick = self.rng.choice
        if kind == "researcher":
            return f"{pick(FIRST)} {pick(LAST)}"
        if kind == "lab":
            return f"{place} {pick(HEADS)}{pick(TAILS)} {pick(PLACES)}"
        return f"{pick(HEADS)}{pick(TAILS)} {pick(NOUNS.split(','))}"

    def entity(self, number: int) -> Synthetic:
        """The number-th entity: a random template's structure filled with fresh fragments."""
        which = self.rng.randrange(len(self.pool.templates))
        template, own = self.pool.templates[which], self.pool.template_parts[which]
        kind, lang = template["kind"], template["language"]
        location = self._location()
        name = self._name(kind, location["municipality"])
        used: list[int] = []

        def take(role: str, low: int, high: int) -> list[str]:
            picked = self._pick(own[role], role, lang, low, high)
            used.extend(picked)
            return self._texts(picked)

        record = {k: v for k, v in template.items() if k not in ("id", "name", "projects")}
        record |= {
            "id": f"{kind}:{slug(name)}-{number}",
            "name": name,
            "description": " ".join(take("sentence", 2, 4)),
            "keywords": take("term", 3, 6),
            "location": location,
            "url": None if kind == "researcher" else f"https://{slug(name)}-{number}.example",
        }
        self._kind_fields(record, kind, take)
        if kind != "researcher" and self.rng.random() < 0.1:
            record["projects"] = [{"title": take("title", 1, 1)[0], "year": self._year()}]
        return Synthetic(record, used)

    def _year(self) -> int:
        return self.rng.randint(2008, 2025)

    def _kind_fields(self, record: dict[str, Any], kind: str, take: Any) -> None:
        """Fields of one kind: offers, capabilities and access, or publications and consent."""
        if kind == "company":
            record["offers"] = take("offer", 1, 3)
            record["employees"] = self.rng.randint(2, 5000 if record["stage"] == "large" else 250)
        elif kind == "lab":
            record["capabilities"] = take("capability", 3, 9)
            low = self.rng.randint(1, 6)
            record["trl_min"], record["trl_max"] = low, self.rng.randint(low, 9)
            record["open_to_smes"] = self.rng.random() < 0.85
            record["price_url"] = record["contact"] = None
        else:
            record["expertise"] = take("term", 2, 5)
            record["consent"] = self.rng.random() < 0.96
            record["orcid"] = None
            record["publications"] = [
                {
                    "title": take("title", 1, 1)[0],
                    "abstract": " ".join(take("abstract", 1, 2)),
                    "year": self._year(),
                }
                for _ in range(self.rng.randint(1, 5))
            ]

    def generate(self, n: int) -> list[Synthetic]:
        """n entities with unique ids."""
        return [self.entity(number) for number in range(n)]


def write_catalogue(entities: list[Synthetic], path: Path) -> Path:
    """The records as JSON Lines."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for entity in entities:
            handle.write(json.dumps(entity.record, ensure_ascii=False) + "\n")
    return path


@dataclass
class Target:
    """One cache key space to fill: a model id, its pool vectors, the languages it covers."""

    model_id: str
    vectors: np.ndarray
    languages: set[str] | None = None


def cache_targets(
    encoder: CachedEncoder | HybridEncoder, pools: dict[str, tuple[np.ndarray, set[str] | None]]
) -> list[Target]:
    """The keys a build with this encoder looks up: each sub-model of the hybrid apart."""
    if isinstance(encoder, HybridEncoder):  # the English model never sees Swedish entities
        english, multilingual = encoder.english.model_id, encoder.multilingual.model_id
        return [
            Target(english, pools[english][0], {"en"}),
            Target(multilingual, pools[multilingual][0], None),
        ]
    return [Target(encoder.model_id, pools[encoder.model_id][0], None)]


@dataclass
class PrefillReport:
    """How many item texts were filled, and how many had no fragment (the build encodes those)."""

    items: int
    uncovered: int
    vectors: dict[str, int]


def item_fragments(entities: list[Synthetic], pool: Pool) -> Iterator[tuple[str, str, list[int]]]:
    """(text, language, fragments) of every item text a build encodes, once per text."""
    seen: set[str] = set()
    for synthetic in entities:
        entity = parse_entity(synthetic.record)
        if not is_listed(entity):
            continue
        for item in entity_items(entity):
            if item.text in seen:
                continue
            seen.add(item.text)
            own = [f for f in synthetic.fragments if pool.texts[f] in item.text]
            yield item.text, item.language, own


def _fill(
    cache: EmbeddingCache, target: Target, rows: list[tuple[str, str, list[int]]], seed: int
) -> int:
    """Compose, noise and store one target's vectors; returns how many were stored."""
    rows = [r for r in rows if target.languages is None or r[1] in target.languages]
    rng = np.random.default_rng(seed)
    stored = 0
    for start in range(0, len(rows), 20_000):
        chunk = rows[start : start + 20_000]
        pairs = [(r, f) for r, (_, _, frags) in enumerate(chunk) for f in frags]
        counts = sparse.csr_matrix(
            (np.ones(len(pairs), np.float32), ([p[0] for p in pairs], [p[1] for p in pairs])),
            shape=(len(chunk), len(target.vectors)),
        )
        vectors = np.asarray(counts @ target.vectors, dtype=np.float32)
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        dim = vectors.shape[1]
        vectors += rng.standard_normal(vectors.shape).astype(np.float32) * NOISE / np.sqrt(dim)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        cache.put_many(
            target.model_id, {text_hash(r[0]): v for r, v in zip(chunk, vectors, strict=True)}
        )
        stored += len(chunk)
    return stored


def prefill(
    cache: EmbeddingCache, entities: list[Synthetic], pool: Pool, targets: list[Target]
) -> PrefillReport:
    """Put a composed vector for every item text of a build of `entities` into the cache."""
    rows = list(item_fragments(entities, pool))
    covered = [r for r in rows if r[2]]
    stored = {t.model_id: _fill(cache, t, covered, seed=i) for i, t in enumerate(targets)}
    return PrefillReport(items=len(rows), uncovered=len(rows) - len(covered), vectors=stored)
