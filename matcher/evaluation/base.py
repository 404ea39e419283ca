"""The evaluation interface: run against an engine configuration, return named metrics."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from matcher.encoders import Encoder
from matcher.settings import Settings


@dataclass
class EvaluationResult:
    """Named metrics of one evaluation, which of them is primary and its direction."""

    name: str
    metrics: dict[str, float]
    primary: str
    higher_is_better: bool
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> float:
        """The primary metric."""
        return self.metrics[self.primary]

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {
            "evaluation": self.name,
            "primary": self.primary,
            "value": self.value,
            "higher_is_better": self.higher_is_better,
            "metrics": self.metrics,
            "details": self.details,
        }


class Evaluation(Protocol):
    """Something that measures the engine on a labelled data set."""

    name: str

    def run(
        self, settings: Settings, data: Path, encoder: Encoder | None = None, progress: bool = False
    ) -> EvaluationResult:
        """Build what is needed under settings.data_dir and measure."""
        ...


class EvaluationDataError(ValueError):
    """The evaluation data is missing or not in the expected shape."""
