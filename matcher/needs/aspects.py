"""Need analysis: split a need into the parts that call for different expertise.

A need is cut into clauses (sentences, then at semicolons, dashes and joining words such as
"and", "as well as", "och", "samt"); fragments too short to stand alone are joined to their
neighbour. Each clause is then labelled by the catalogue itself: the entities that match the
clause best vote for their disciplines (rank-weighted, split over an entity's disciplines,
mildly favouring rarer disciplines). A clause takes its top discipline, plus a second one when
that is nearly as strong and not closely related to the first (relatedness = how often two
disciplines appear on the same entities). The votes are blended with how strongly the clause
points at each discipline's name in the embedding space, so "EU battery regulation" can ask
for law even when the entities that match it best are battery chemists. Clauses with the same
discipline form one aspect.
Catalogues without disciplines fall back to one aspect per clause, labelled by its key terms.
"""

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from matcher.schemas import AnyEntity
from matcher.text import sentences, words

MAX_ASPECTS = 6
MAX_SEGMENTS = 10
MIN_WORDS = 2
SECOND_LABEL = 0.6
UNRELATED = 0.15
VOTERS = 10

BREAK = re.compile(
    r"\s*(?:[;•\n]|:(?=\s))\s*|\s+[–—]\s+|\s+-\s+"
    r"|,?\s+(?:as well as|and also|and|plus|while|but also|but"
    r"|samt|och även|och|men även|men|liksom|medan|även)\s+",
    re.IGNORECASE,
)
GENERIC = frozenset(
    """startup start-up company companies företag bolag partner partners partnern partners help
    hjälp find hitta söker behöver letar project projekt idea idé develop developing develops
    utvecklar utveckla work working arbetar team teams someone någon people personer solution
    lösning lösningar want would like get make good best first första next nästa year years år
    stockholm region""".split()
)


def content_words(text: str) -> list[str]:
    """Words that say what the text is about (no stop words, no words any need would use)."""
    return [w for w in words(text) if w not in GENERIC]


def _pieces(sentence: str) -> list[tuple[int, int]]:
    """Spans of a sentence between clause breaks (joining words, semicolons, dashes)."""
    spans: list[tuple[int, int]] = []
    start = 0
    for found in BREAK.finditer(sentence):
        spans.append((start, found.start()))
        start = found.start()
    spans.append((start, len(sentence)))
    return [(a, b) for a, b in spans if sentence[a:b].strip(" ,;:.")]


LEADING = re.compile(
    r"^(?:and also|and|as well as|plus|but also|but|while|also|samt|och även|och|men|även)\s+",
    re.IGNORECASE,
)


def _tidy(text: str) -> str:
    return LEADING.sub("", text.strip(" ,;:.–—-")).strip()


CLAUSE_START = frozenset("to with for we our it they att med för vi vår våra det de den".split())


def _stands_alone(piece: str) -> bool:
    """A piece is its own clause with MIN_WORDS content words, or with one when it opens like
    a clause ("and with finding customers", "samt att hitta kunder")."""
    found = len(content_words(piece))
    opening = _tidy(piece).split(maxsplit=1)
    return found >= MIN_WORDS or (
        found >= 1 and bool(opening) and opening[0].lower() in CLAUSE_START
    )


def segments(need: str) -> list[str]:
    """The need's clauses, each with enough content words to be matched on its own.

    Clauses are cut at the breaks; a piece that does not stand alone is joined, in the need's
    own words, to the clause before it (the end of a list: "cars and buses"), or to the one
    after it when it opens the sentence.
    """
    merged: list[str] = []
    for sentence in sentences(need):
        groups: list[list[int]] = []
        pending: int | None = None
        for a, b in _pieces(sentence):
            if _stands_alone(sentence[a:b]):
                groups.append([a if pending is None else pending, b])
                pending = None
            elif groups:
                groups[-1][1] = b
            elif pending is None:
                pending = a
        if pending is not None:
            groups.append([pending, len(sentence)])
        merged.extend(_tidy(sentence[a:b]) for a, b in groups)
    kept = [m for m in merged if content_words(m)]
    while len(kept) > MAX_SEGMENTS:
        shortest = min(range(len(kept) - 1), key=lambda i: len(kept[i]) + len(kept[i + 1]))
        kept[shortest : shortest + 2] = [f"{kept[shortest]}; {kept[shortest + 1]}"]
    return kept or [need]


class DisciplineMap:
    """How common each discipline is in the catalogue and how related two disciplines are."""

    def __init__(self, entities: Iterable[AnyEntity]) -> None:
        listed = [sorted(set(e.disciplines)) for e in entities]
        self.names = sorted({d for ds in listed for d in ds})
        index = {d: i for i, d in enumerate(self.names)}
        incidence = np.zeros((len(listed), len(self.names)), dtype=np.float64)
        for row, ds in enumerate(listed):
            incidence[row, [index[d] for d in ds]] = 1.0
        self.frequency = dict(zip(self.names, incidence.sum(axis=0).tolist(), strict=True))
        norms = np.sqrt(np.maximum(incidence.sum(axis=0), 1.0))
        self._related = (incidence.T @ incidence) / np.outer(norms, norms)
        self._index = index
        self.total = max(len(listed), 1)
        self.vectors: np.ndarray | None = None

    def name_scores(self, vector: np.ndarray) -> dict[str, float]:
        """How strongly a clause vector points at each discipline's name, 0..1 (best = 1).

        Similarities are standardised over all names, so only names that stand out count.
        """
        if self.vectors is None or not self.names:
            return {}
        sims = self.vectors @ vector
        spread = float(sims.std())
        if spread < 1e-9:
            return {}
        standard = np.clip((sims - sims.mean()) / spread, 0.0, None)
        top = float(standard.max())
        return {} if top <= 0 else dict(zip(self.names, (standard / top).tolist(), strict=True))

    def related(self, a: str, b: str) -> float:
        """1 for the same discipline, else the cosine of their entity sets (0..1)."""
        if a == b:
            return 1.0
        if a not in self._index or b not in self._index:
            return 0.0
        return float(self._related[self._index[a], self._index[b]])

    def fit(self, discipline: str | None, entity_disciplines: Sequence[str]) -> float:
        """How well an entity's disciplines fit a wanted one (1 same, 0 unrelated)."""
        if discipline is None:
            return 1.0
        return max((self.related(discipline, d) for d in entity_disciplines), default=0.0)

    def rarity(self, discipline: str) -> float:
        """A mild weight for rarer disciplines, so broad ones do not label every clause."""
        return float((self.total / max(self.frequency.get(discipline, 1.0), 1.0)) ** 0.25)


@dataclass
class AspectDraft:
    """An aspect found in a need: its discipline (if known), its clauses and their rows."""

    label: str
    discipline: str | None
    clauses: list[int] = field(default_factory=list)
    weight: float = 0.0

    def text(self, clauses: Sequence[str]) -> str:
        return "; ".join(clauses[i] for i in self.clauses)


def votes(matches: Sequence[AnyEntity], disciplines: DisciplineMap) -> dict[str, float]:
    """Discipline votes of a clause's best matching entities, best first."""
    tally: dict[str, float] = defaultdict(float)
    for rank, entity in enumerate(matches[:VOTERS]):
        listed = set(entity.disciplines)
        for discipline in listed:
            tally[discipline] += disciplines.rarity(discipline) / ((rank + 1) * len(listed))
    return dict(sorted(tally.items(), key=lambda kv: -kv[1]))


def combined(tally: dict[str, float], names: dict[str, float]) -> dict[str, float]:
    """Half the vote of the matching entities, half the pull of the discipline names."""
    top = max(tally.values(), default=0.0)
    if top <= 0:
        return {}
    keys = set(tally) | set(names)
    scores = {d: 0.5 * tally.get(d, 0.0) / top + 0.5 * names.get(d, 0.0) for d in keys}
    return dict(sorted(scores.items(), key=lambda kv: (-kv[1], kv[0])))


def labels(tally: dict[str, float], disciplines: DisciplineMap) -> list[tuple[str, float]]:
    """A clause's discipline, and a second one when nearly as strong and not closely related."""
    ranked = list(tally.items())
    if not ranked:
        return []
    first, top = ranked[0]
    chosen = [(first, top)]
    for name, value in ranked[1:]:
        if value >= SECOND_LABEL * top and disciplines.related(first, name) < UNRELATED:
            chosen.append((name, value))
            break
    return chosen


def key_terms(text: str, limit: int = 4) -> list[str]:
    """The first distinct content words of a text."""
    return list(dict.fromkeys(content_words(text)))[:limit]


def group(
    clauses: Sequence[str],
    matches: Sequence[Sequence[AnyEntity]],
    disciplines: DisciplineMap,
    vectors: np.ndarray | None = None,
) -> list[AspectDraft]:
    """Aspects of a need from its clauses, each clause's best matching entities and, where
    given, the clause vectors (matched against the discipline names)."""
    drafts: dict[str, AspectDraft] = {}
    for row, found in enumerate(matches):
        names = disciplines.name_scores(vectors[row]) if vectors is not None else {}
        chosen = labels(combined(votes(found, disciplines), names), disciplines)
        if not chosen:
            name = " ".join(key_terms(clauses[row])) or clauses[row][:40]
            chosen = [(name, 1.0)]
            known = False
        else:
            known = True
        for name, value in chosen:
            draft = drafts.setdefault(name, AspectDraft(name, name if known else None))
            if row not in draft.clauses:
                draft.clauses.append(row)
            draft.weight += value
    kept = sorted(drafts.values(), key=lambda d: -d.weight)[:MAX_ASPECTS]
    return sorted(kept, key=lambda d: (min(d.clauses), -d.weight))
