"""Per-language score standardisation.

Multilingual encoders give texts in the query's own language a higher similarity than equally
relevant texts in another language. Each language shard keeps the mean vector and covariance of
its item vectors, so a query's similarity to the shard has an exact mean (q·μ) and standard
deviation (sqrt(qᵀΣq)); scores are compared as z-scores within their shard, which removes the
language offset. Small shards borrow strength from the whole collection (shrinkage).
"""

from dataclasses import dataclass

import numpy as np

SHRINK_ITEMS = 50.0
MIN_STD = 1e-4


@dataclass
class ShardStats:
    """Mean vector and covariance of one shard's item vectors."""

    mean: np.ndarray
    cov: np.ndarray
    count: int


def moments(vectors: np.ndarray) -> ShardStats:
    """Raw mean and covariance of a set of vectors."""
    vectors = np.asarray(vectors, dtype=np.float64)
    dim = vectors.shape[1]
    if len(vectors) == 0:
        return ShardStats(np.zeros(dim), np.zeros((dim, dim)), 0)
    mean = vectors.mean(axis=0)
    centred = vectors - mean
    return ShardStats(mean, centred.T @ centred / len(vectors), len(vectors))


def shrink(shard: ShardStats, everything: ShardStats) -> ShardStats:
    """Blend a shard's moments with the collection's, weighted by the shard's size."""
    w = shard.count / (shard.count + SHRINK_ITEMS)
    mean = w * shard.mean + (1 - w) * everything.mean
    cov = w * shard.cov + (1 - w) * everything.cov
    return ShardStats(mean.astype(np.float32), cov.astype(np.float32), shard.count)


def standardise(scores: np.ndarray, query: np.ndarray, stats: ShardStats) -> np.ndarray:
    """Z-scores of a query's similarities within a shard."""
    mean = float(query @ stats.mean)
    std = float(np.sqrt(max(float(query @ stats.cov @ query), 0.0)))
    return (scores - mean) / max(std, MIN_STD)
