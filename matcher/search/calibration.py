"""Per-language score alignment: a need's similarities to each language shard on one scale.

Multilingual encoders give texts in the need's own language higher similarities than equally
relevant texts in another language, and the hybrid encoder spreads English and Swedish pairs
differently. For each need and shard, the mean similarity (exact, from the shard's mean vector)
and its spread (from a fixed sample of the shard) are known; every shard's scores are mapped
onto the mean and spread of a reference shard — the shard of the need's own language, else the
largest one. The map is monotone within a shard, and with a single language nothing changes,
so scores stay plain similarities that are comparable across needs.
"""

from dataclasses import dataclass

import numpy as np

MIN_SAMPLE = 20
MIN_STD = 1e-6


@dataclass(frozen=True)
class Scale:
    """Mean and spread of one need's similarities to one shard."""

    mean: float
    std: float


def shard_scale(query: np.ndarray, mean: np.ndarray, sample: np.ndarray) -> Scale:
    """The need's mean similarity to a shard and its standard deviation over the sample."""
    std = float(np.std(sample @ query)) if len(sample) >= MIN_SAMPLE else 0.0
    return Scale(float(query @ mean), std)


def shard_scales(queries: np.ndarray, mean: np.ndarray, sample: np.ndarray) -> list[Scale]:
    """`shard_scale` for many queries (rows) with one matrix product."""
    means = (queries @ mean).tolist()
    if len(sample) >= MIN_SAMPLE:
        stds = np.std(queries @ sample.T, axis=1).tolist()
    else:
        stds = [0.0] * len(queries)
    return [Scale(float(m), float(s)) for m, s in zip(means, stds, strict=True)]


def reference_language(scales: dict[str, Scale], language: str, sizes: dict[str, int]) -> str:
    """The shard whose scale the others are mapped onto."""
    if language in scales:
        return language
    return max(sizes, key=lambda name: sizes[name])


def align(scores: np.ndarray, scale: Scale, reference: Scale) -> np.ndarray:
    """Map one shard's scores onto the reference shard's mean and spread."""
    if scale.std < MIN_STD or reference.std < MIN_STD:
        return scores - scale.mean + reference.mean
    return reference.mean + (scores - scale.mean) * (reference.std / scale.std)
