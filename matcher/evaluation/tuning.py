"""Tuning the dense/lexical fusion weight on labelled data, checked on held-out splits.

The weight is chosen on gold-standard splits 1-5 (lowest loss; CORDIS Recall@50 breaks ties)
and checked on splits 6-10. It becomes the default only if it beats dense-only ranking on the
held-out splits; otherwise the saved weight is 0.
"""

from pathlib import Path
from typing import Any

import numpy as np

from matcher.evaluation.cordis import Cordis
from matcher.evaluation.goldstandard import GoldStandard, Parts, split_metrics
from matcher.search.fusion import save_weights
from matcher.settings import RankingSettings, Settings

GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
TUNE_SPLITS = (1, 2, 3, 4, 5)
HELD_OUT = (6, 7, 8, 9, 10)


def mean_loss(
    parts: dict[int, Parts], ratings: dict, ranking: RankingSettings, splits: tuple
) -> float:
    """Average gold-standard loss over some splits."""
    return float(np.mean([split_metrics(parts[s], ratings, ranking)["loss"] for s in splits]))


def cordis_recall(settings: Settings, data: Path, weights: tuple[float, ...]) -> dict[float, float]:
    """CORDIS Recall@50 for each weight, from one set of leave-one-out builds."""
    evaluation = Cordis()
    found = evaluation.collect(settings, data)
    return {w: evaluation.recall(found, RankingSettings(lexical_weight=w)) for w in weights}


def tune(settings: Settings, gold: Path, cordis: Path, progress: bool = False) -> dict[str, Any]:
    """Grid search, held-out check, and the saved weights with their manifest."""
    root = settings.data_dir
    gold_settings = settings.model_copy(
        update={"data_dir": root / "goldstandard" / settings.encoder.name}
    )
    parts, ratings, matcher = GoldStandard(TUNE_SPLITS + HELD_OUT).parts(
        gold_settings, gold, progress=progress
    )
    cordis_settings = settings.model_copy(
        update={"data_dir": root / "cordis" / settings.encoder.name}
    )
    recall = cordis_recall(cordis_settings, cordis, GRID)
    grid = [
        {
            "lexical_weight": w,
            "gold_loss_tune": mean_loss(
                parts, ratings, RankingSettings(lexical_weight=w), TUNE_SPLITS
            ),
            "gold_loss_held_out": mean_loss(
                parts, ratings, RankingSettings(lexical_weight=w), HELD_OUT
            ),
            "cordis_recall@50": recall[w],
        }
        for w in GRID
    ]
    best = min(grid, key=lambda g: (round(g["gold_loss_tune"], 4), -g["cordis_recall@50"]))
    dense = grid[0]
    beats = best["gold_loss_held_out"] < dense["gold_loss_held_out"]
    chosen = best["lexical_weight"] if beats else 0.0
    manifest = {
        "what": "dense + w * spread * lexical: BM25 share (0..1) worth w standard deviations "
        "of the need's dense similarities",
        "encoder": matcher.encoder.model_id,
        "tuned_on": "goldstandard splits 1-5 (loss), CORDIS leave-one-out Recall@50 as tie-break",
        "held_out": "goldstandard splits 6-10",
        "chosen": best,
        "dense_only": dense,
        "beats_dense_on_held_out": beats,
        "grid": grid,
    }
    folder = save_weights(
        settings.models_dir, {"fusion": "convex", "lexical_weight": chosen}, manifest
    )
    return {"lexical_weight": chosen, "folder": str(folder), **manifest}
