"""Per-language score alignment.

Multilingual encoders give texts in the query's own language a higher similarity than equally
relevant texts in another language. Each language shard keeps the offset of its mean vector
from the mean of all item vectors; a query's similarity to a text is lowered by the query's
similarity to that offset (q·(μ_shard − μ_all)), which is exactly how much more the query is
drawn to that language on average. With one language the offset is zero and scores stay plain
cosine similarities, comparable across needs. Small shards are pulled towards the whole
collection (shrinkage) so that a handful of texts cannot set the offset alone.
"""

import numpy as np

SHRINK_ITEMS = 50.0


def language_offsets(vectors: np.ndarray, languages: np.ndarray) -> dict[str, np.ndarray]:
    """Shrunk offset of each language's mean vector from the overall mean."""
    overall = vectors.mean(axis=0, dtype=np.float64)
    offsets: dict[str, np.ndarray] = {}
    for language in sorted(set(languages.tolist())):
        members = vectors[languages == language]
        weight = len(members) / (len(members) + SHRINK_ITEMS)
        offset = weight * (members.mean(axis=0, dtype=np.float64) - overall)
        offsets[language] = offset.astype(np.float32)
    return offsets


def align(scores: np.ndarray, query: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Scores of one shard with the query's pull towards that language removed."""
    return scores - float(query @ offset)
