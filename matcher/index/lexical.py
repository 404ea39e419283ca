"""A BM25 index over whole entities, with stemming and splitting of Swedish compounds.

Swedish writes compounds as one word ("litiumjonbatterier"); a need that says "batterier"
should still meet it. Words of Swedish texts are split into parts that occur as words of their
own in the catalogue (a linking -s- or -e- allowed), and both the word and its parts are
indexed. Scores are divided by the best score the query could reach (every term at full
weight), so they lie in [0, 1] and mean the same for short and long needs.
"""

import json
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import bm25s
import numpy as np

from matcher.files import write_text
from matcher.index.lexicon import Lexicon
from matcher.text import guess_language, need_language, stemmer_for, words

MIN_PART = 3
MIN_COMPOUND = 8
K1, B = 1.2, 0.75
COMMON_SHARE = 0.25  # a term in more documents than this says little about one match
MIN_DOCS_FOR_COMMON = 50


class CompoundSplitter:
    """Splits Swedish compounds into parts known from a vocabulary."""

    def __init__(self, vocabulary: Iterable[str]) -> None:
        self.vocabulary = frozenset(w for w in vocabulary if len(w) >= MIN_PART)
        self.split = lru_cache(maxsize=200_000)(self._split)

    def _known(self, part: str) -> bool:
        return part in self.vocabulary or (
            len(part) > MIN_PART and part[-1] in "se" and part[:-1] in self.vocabulary
        )

    def _split(self, word: str) -> tuple[str, ...]:
        """Parts of a compound, longest tail first; () when it does not split."""
        if len(word) < MIN_COMPOUND:
            return ()
        for cut in range(MIN_PART, len(word) - MIN_PART + 1):
            head, tail = word[:cut], word[cut:]
            if not self._known(head):
                continue
            if tail in self.vocabulary:
                return (head, tail)
            rest = self._split(tail)
            if rest:
                return (head, *rest)
        return ()


def analyse(text: str, splitter: CompoundSplitter, language: str | None = None) -> list[str]:
    """Index terms of a text: stems of its words, plus stems of compound parts in Swedish."""
    language = language or guess_language(text)
    stemmer = stemmer_for(language)
    terms: list[str] = []
    for word in words(text):
        terms.append(stemmer.stemWord(word))
        if language == "sv":
            terms.extend(stemmer.stemWord(p) for p in splitter.split(word) if p != word)
    return terms


class LexicalIndex:
    """BM25 over one document per entity."""

    def __init__(self, entity_ids: list[str], splitter: CompoundSplitter, bm25: bm25s.BM25):
        self.entity_ids = entity_ids
        self.splitter = splitter
        self.bm25 = bm25
        self.position = {e: i for i, e in enumerate(entity_ids)}
        self.lexicon: Lexicon | None = None  # English terms for a Swedish need (lexicon.py)
        self._common: dict[float, frozenset[str]] = {}

    @classmethod
    def build(cls, documents: dict[str, tuple[str, str]]) -> "LexicalIndex":
        """Index {entity id: (text, language)}."""
        vocabulary = {w for text, _ in documents.values() for w in words(text)}
        splitter = CompoundSplitter(vocabulary)
        corpus = [
            analyse(text, splitter, language) or ["∅"] for text, language in documents.values()
        ]
        # BM25 cannot index nothing; an empty catalogue gets one placeholder document that no
        # entity id points at, so every need matches nothing.
        bm25 = bm25s.BM25(k1=K1, b=B)
        bm25.index(corpus or [["∅"]], show_progress=False)
        return cls(list(documents), splitter, bm25)

    def query_terms(self, need: str) -> list[str]:
        """Terms of a need under both languages' analysis (short needs hide their language),
        and, for a Swedish need, the English terms the lexicon gives for its words."""
        swedish = analyse(need, self.splitter, "sv")
        both = swedish + analyse(need, self.splitter, "en")
        if self.lexicon is not None and need_language(need) == "sv":
            both += self.lexicon.translate(swedish)
        return [t for t in dict.fromkeys(both) if t in self.bm25.vocab_dict]

    def common_terms(self, share: float = COMMON_SHARE) -> frozenset[str]:
        """Terms in more than this share of the documents: they say little about a match
        (kept per share, computed once per index). None in a catalogue too small to tell."""
        if len(self.entity_ids) < MIN_DOCS_FOR_COMMON:
            return frozenset()
        if share not in self._common:
            n_docs = max(len(self.entity_ids), 1)
            frequencies = np.diff(self.bm25.scores["indptr"])
            terms = sorted(self.bm25.vocab_dict, key=self.bm25.vocab_dict.__getitem__)
            self._common[share] = frozenset(
                t for t, f in zip(terms, frequencies, strict=False) if f > share * n_docs
            )
        return self._common[share]

    def known_share(self, need: str) -> float:
        """The share of the need's content words the catalogue knows (a stem of the word, under
        either language's analysis, in the index's vocabulary); 0 for a need without any."""
        found = words(need)
        if not found:
            return 0.0
        vocabulary = self.bm25.vocab_dict
        known = sum(
            any(stemmer_for(lang).stemWord(w) in vocabulary for lang in ("sv", "en")) for w in found
        )
        return known / len(found)

    def scores(self, need: str) -> np.ndarray:
        """Normalised BM25 score of the need for every entity, in entity_ids order."""
        out = np.zeros(len(self.entity_ids), dtype=np.float32)
        positions, values = self.matches(need)
        out[positions] = values
        return out

    def matches(self, need: str) -> tuple[np.ndarray, np.ndarray]:
        """The entities sharing a term with the need (positions, ascending) and their normalised
        BM25 scores; the same numbers as `scores`."""
        terms = self.query_terms(need)
        if not terms or not self.entity_ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        raw = np.asarray(self.bm25.get_scores(terms), dtype=np.float32)
        found = np.flatnonzero(raw > 0)
        return found, raw[found] / self.ceiling(terms)

    def scores_at(self, need: str, positions: np.ndarray) -> np.ndarray:
        """The normalised BM25 scores of the need for the documents at these positions only
        (the numbers `scores` gives them): each term's postings are searched at the positions,
        so the work grows with the positions asked for, not with the catalogue."""
        out = np.zeros(len(positions), dtype=np.float32)
        terms = self.query_terms(need)
        if not terms or not len(positions):
            return out
        arrays = self.bm25.scores
        indptr, indices, data = arrays["indptr"], arrays["indices"], arrays["data"]
        for term in terms:
            column = self.bm25.vocab_dict[term]
            start, end = int(indptr[column]), int(indptr[column + 1])
            if start == end:
                continue
            docs = indices[start:end]
            where = np.minimum(np.searchsorted(docs, positions), end - start - 1)
            out += np.where(docs[where] == positions, data[start:end][where], 0.0)
        return out / self.ceiling(terms)

    def ceiling(self, terms: list[str]) -> float:
        """The highest score the query terms could reach: each at full weight. The document
        frequencies come from the index's own arrays (bm25s has no call for them), which is
        why bm25s is pinned to one minor version."""
        n_docs = len(self.entity_ids)
        ids = [self.bm25.vocab_dict[t] for t in terms]
        frequencies = np.diff(self.bm25.scores["indptr"])[ids]
        idf = np.log(1 + (n_docs - frequencies + 0.5) / (frequencies + 0.5))
        return float(idf.sum() * (K1 + 1)) or 1.0

    def save(self, folder: Path) -> None:
        """Write the BM25 arrays, the entity order and the vocabulary (no pickles)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(str(folder / "bm25"), show_progress=False)
        meta = {"entities": self.entity_ids, "vocabulary": sorted(self.splitter.vocabulary)}
        text = json.dumps(meta, ensure_ascii=False)
        write_text(folder / "lexical.json", text)

    @classmethod
    def load(cls, folder: Path) -> "LexicalIndex":
        """Read an index written by save()."""
        meta = json.loads((folder / "lexical.json").read_text(encoding="utf-8"))
        bm25 = bm25s.BM25.load(str(folder / "bm25"), show_progress=False)
        return cls(meta["entities"], CompoundSplitter(meta["vocabulary"]), bm25)
