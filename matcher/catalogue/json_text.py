"""JSON from untrusted text with its nesting bounded: Python's parser (and every recursive walk
after it) fails on nesting about a thousand levels deep, and no catalogue record needs more than
a few levels, so deeper text is refused before it is parsed."""

import json
import re
from typing import Any

import numpy as np

MAX_DEPTH = 64
STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


class TooDeepError(ValueError):
    """JSON nested deeper than MAX_DEPTH."""


def nesting(text: str) -> int:
    """How deeply arrays and objects nest in a JSON text (brackets inside strings not counted)."""
    bare = STRING.sub('""', text).encode("utf-8", "surrogatepass")
    codes = np.frombuffer(bare, dtype=np.uint8)
    steps = np.isin(codes, (ord("["), ord("{"))).astype(np.int32)
    steps -= np.isin(codes, (ord("]"), ord("}")))
    return int(np.cumsum(steps).max(initial=0))


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """`json.loads`, refusing text nested deeper than `max_depth` with TooDeepError."""
    depth = nesting(text)
    if depth > max_depth:
        raise TooDeepError(f"JSON nested {depth} levels deep; at most {max_depth} are read")
    return json.loads(text)
