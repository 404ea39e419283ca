"""Every evaluation by name, in one place: the CLI, the notebooks and the tuning read it, so a
new evaluation is one entry here (and its module)."""

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from matcher.evaluation.base import Evaluation, EvaluationDataError, EvaluationResult
from matcher.settings import Settings

PACKAGED = Path(__file__).parent  # data files that ship with the evaluations


@dataclass(frozen=True)
class Registered:
    """One evaluation: what it measures, its default data and how it is made (imported only
    when run, so listing the evaluations stays cheap)."""

    help: str
    data: str
    make: Callable[[tuple[int, ...] | None], Evaluation]
    packaged: bool = False
    per_encoder: bool = True

    def default_data(self, settings: Settings) -> Path:
        """The data it reads unless told otherwise."""
        return PACKAGED / self.data if self.packaged else settings.evaluation_data / self.data


def _goldstandard(splits: tuple[int, ...] | None) -> Evaluation:
    from matcher.evaluation.goldstandard import SPLITS, GoldStandard

    return GoldStandard(splits or SPLITS)


def _cordis(_: tuple[int, ...] | None) -> Evaluation:
    from matcher.evaluation.cordis import Cordis

    return Cordis()


def _crosslingual(_: tuple[int, ...] | None) -> Evaluation:
    from matcher.evaluation.crosslingual import Crosslingual

    return Crosslingual()


def _swecris(_: tuple[int, ...] | None) -> Evaluation:
    from matcher.evaluation.swecris import Swecris

    return Swecris()


def _challenges(_: tuple[int, ...] | None) -> Evaluation:
    from matcher.evaluation.challenges import SwecrisChallenges

    return SwecrisChallenges()


def _partnersets(_: tuple[int, ...] | None) -> Evaluation:
    from matcher.evaluation.partnersets import PartnerSets

    return PartnerSets()


EVALUATIONS: dict[str, Registered] = {
    "goldstandard": Registered(
        "expertise gold standard: order each reviewer's rated papers (loss, lower is better)",
        "goldstandard-reviewer-paper",
        _goldstandard,
    ),
    "cordis": Registered(
        "CORDIS consortia: find each EU project's participants from its objective",
        "cordis-semiconductor-ev-export",
        _cordis,
    ),
    "crosslingual": Registered(
        "Swedish against English: the same need across languages, per encoder",
        "crosslingual.jsonl",
        _crosslingual,
        packaged=True,
        per_encoder=False,
    ),
    "swecris": Registered(
        "SweCRIS in Swedish and English: find a later grant's people among earlier grants",
        "swecris-kth-grants",
        _swecris,
    ),
    "swecris-challenges": Registered(
        "SweCRIS: a company's own later grant among all open challenges (the reverse ranking)",
        "swecris-kth-grants",
        _challenges,
    ),
    "partnersets": Registered(
        "partner sets against the plain top list on the demo catalogue",
        "partnersets.jsonl",
        _partnersets,
        packaged=True,
    ),
}
NAMES = tuple(EVALUATIONS)


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
    entry = EVALUATIONS.get(name)
    if entry is None:
        raise EvaluationDataError(f"unknown evaluation '{name}'; choose from {', '.join(NAMES)}")
    settings = evaluation_settings(settings)
    folder = settings.data_dir / name
    if entry.per_encoder:
        folder = folder / settings.encoder.name
    scoped = settings.model_copy(update={"data_dir": folder})
    source = data or entry.default_data(settings)
    return entry.make(splits).run(scoped, source, progress=progress)
