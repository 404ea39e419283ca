"""Evaluations of the engine on labelled data: each returns named metrics and a primary one."""

from matcher.evaluation.base import EvaluationDataError, EvaluationResult
from matcher.evaluation.registry import (
    EVALUATIONS,
    NAMES,
    evaluation_settings,
    run_evaluation,
)

__all__ = [
    "EVALUATIONS",
    "NAMES",
    "EvaluationDataError",
    "EvaluationResult",
    "evaluation_settings",
    "run_evaluation",
]
