"""Evaluations of the engine on labelled data: each returns named metrics and a primary one."""

from pathlib import Path

from matcher.evaluation.base import EvaluationDataError, EvaluationResult
from matcher.settings import Settings

DATA_FOLDERS = {
    "goldstandard": "goldstandard-reviewer-paper",
    "cordis": "cordis-semiconductor-ev-export",
    "crosslingual": "",
    "partnersets": "",
}
NAMES = tuple(DATA_FOLDERS)


def evaluation_settings(settings: Settings) -> Settings:
    """Settings whose data directory is the evaluation area: one shared embedding cache that
    also keeps need vectors, so repeated evaluations and tuning encode nothing twice."""
    root = settings.data_dir / "evaluation"
    root.mkdir(parents=True, exist_ok=True)
    return settings.model_copy(
        update={
            "data_dir": root,
            "cache_file": settings.cache_file or root / "embeddings.sqlite",
            "encoder": settings.encoder.model_copy(update={"keep_queries": True}),
        }
    )


def run_evaluation(
    name: str,
    settings: Settings,
    data: Path | None = None,
    splits: tuple[int, ...] | None = None,
    progress: bool = False,
) -> EvaluationResult:
    """Run one evaluation in its own folder under the data directory."""
    from matcher.evaluation.cordis import Cordis
    from matcher.evaluation.crosslingual import PAIRS, Crosslingual
    from matcher.evaluation.goldstandard import SPLITS, GoldStandard

    if name not in DATA_FOLDERS:
        raise EvaluationDataError(f"unknown evaluation '{name}'; choose from {', '.join(NAMES)}")
    settings = evaluation_settings(settings)
    folder = settings.data_dir / name / settings.encoder.name
    scoped = settings.model_copy(update={"data_dir": folder})
    if name == "goldstandard":
        source = data or settings.evaluation_data / DATA_FOLDERS[name]
        return GoldStandard(splits or SPLITS).run(scoped, source, progress=progress)
    if name == "cordis":
        return Cordis().run(
            scoped, data or settings.evaluation_data / DATA_FOLDERS[name], progress=progress
        )
    if name == "partnersets":
        from matcher.evaluation.partnersets import NEEDS, PartnerSets

        return PartnerSets().run(scoped, data or NEEDS, progress=progress)
    return Crosslingual().run(
        settings.model_copy(update={"data_dir": folder.parent}), data or PAIRS, progress=progress
    )


__all__ = [
    "NAMES",
    "EvaluationDataError",
    "EvaluationResult",
    "evaluation_settings",
    "run_evaluation",
]
