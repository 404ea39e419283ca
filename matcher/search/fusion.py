"""Fusion weights tuned on labelled data, kept under models/fusion with a manifest."""

import json
from pathlib import Path
from typing import Any

from matcher.files import write_json, write_manifest
from matcher.settings import RankingSettings, Settings

FOLDER = "fusion"


def load_weights(models_dir: Path) -> dict[str, Any]:
    """The tuned fusion parameters, or {} when none were saved."""
    path = models_dir / FOLDER / "weights.json"
    if not path.exists():
        return {}
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def resolved_ranking(settings: Settings) -> RankingSettings:
    """Ranking settings with the tuned lexical weight filled in where none was set."""
    ranking = settings.ranking
    if ranking.lexical_weight is not None:
        return ranking
    tuned = load_weights(settings.models_dir).get("lexical_weight", 0.0)
    return ranking.model_copy(update={"lexical_weight": float(tuned)})


def save_weights(models_dir: Path, weights: dict[str, Any], manifest: dict[str, Any]) -> Path:
    """Write weights.json and manifest.json (what was tuned, on what, with which results)."""
    folder = models_dir / FOLDER
    write_json(folder / "weights.json", weights, sort_keys=True)
    write_manifest(folder, manifest)
    return folder
