"""A Swedish–English lexicon for the BM25 index: English stems for the Swedish stems of a need,
so that a Swedish need finds English profiles by their words too.

Learned from texts written in both languages (SweCRIS grants with a Swedish and an English
abstract): a Swedish stem and an English stem that occur in the same pairs far more often than
chance (Dice coefficient over the pairs they occur in) are translations. Kept as a versioned
artefact under models/lexicon (pairs.json and its manifest).
"""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse

from matcher.files import write_json, write_manifest
from matcher.text import stemmer_for, words

FOLDER = "lexicon"
MIN_PAIRS = 3
MIN_DICE = 0.3
PER_STEM = 2


@dataclass
class Lexicon:
    """Swedish stem -> English stems."""

    pairs: dict[str, list[str]]
    version: str

    def translate(self, stems: list[str]) -> list[str]:
        """The English stems of these Swedish stems (those the lexicon knows), in order."""
        return [english for stem in stems for english in self.pairs.get(stem, [])]


def _stem_sets(texts: list[str], language: str) -> list[set[str]]:
    stemmer = stemmer_for(language)
    return [set(stemmer.stemWords(words(text))) for text in texts]


def _matrix(sets: list[set[str]]) -> tuple[sparse.csr_matrix, list[str]]:
    vocabulary = sorted({s for one in sets for s in one})
    index = {s: i for i, s in enumerate(vocabulary)}
    rows = [r for r, one in enumerate(sets) for _ in one]
    cols = [index[s] for one in sets for s in one]
    shape = (len(sets), len(vocabulary))
    return sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape), vocabulary


def learn(swedish: list[str], english: list[str], version: str) -> Lexicon:
    """The lexicon of parallel texts (the i-th Swedish text is the i-th English one)."""
    sv, sv_vocab = _matrix(_stem_sets(swedish, "sv"))
    en, en_vocab = _matrix(_stem_sets(english, "en"))
    together = (sv.T @ en).tocoo()
    sv_count = np.asarray(sv.sum(axis=0)).ravel()
    en_count = np.asarray(en.sum(axis=0)).ravel()
    dice = 2 * together.data / (sv_count[together.row] + en_count[together.col])
    keep = (together.data >= MIN_PAIRS) & (dice >= MIN_DICE)
    best: dict[str, list[tuple[float, str]]] = {}
    for row, col, value in zip(together.row[keep], together.col[keep], dice[keep], strict=True):
        best.setdefault(sv_vocab[row], []).append((float(value), en_vocab[col]))
    pairs = {
        stem: [e for _, e in sorted(found, key=lambda x: (-x[0], x[1]))[:PER_STEM]]
        for stem, found in best.items()
    }
    return Lexicon(pairs, version)


def save(models_dir: Path, lexicon: Lexicon, manifest: dict[str, Any]) -> Path:
    folder = models_dir / FOLDER
    write_json(folder / "pairs.json", lexicon.pairs, indent=0, sort_keys=True)
    write_manifest(folder, {**manifest, "version": lexicon.version})
    return folder


def load(models_dir: Path) -> Lexicon | None:
    """The saved lexicon, or None."""
    folder = models_dir / FOLDER
    try:
        pairs = json.loads((folder / "pairs.json").read_text(encoding="utf-8"))
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Lexicon(pairs, str(manifest.get("version", "")))
