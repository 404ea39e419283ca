"""`matcher serve` with wall-clock timers around the stages of a recommendation.

Started by benchmarks/request_stages.py as `python -m benchmarks.stage_timers serve ...`; on
SIGTERM it writes every stage's times (ms, one entry per call, in call order) as JSON to the
file named by STAGE_TIMES and exits. Only for measuring: the timers wrap the engine's
functions, so the server answers exactly as `matcher serve` does.
"""

import functools
import json
import os
import signal
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import uvicorn

from matcher import answer, engine, recommend
from matcher.cli.main import main
from matcher.encoders import hybrid
from matcher.needs import analysis as needs
from matcher.search import retrieval

TIMES: defaultdict[str, list[float]] = defaultdict(list)
STAGES: list[tuple[Any, str, str]] = [  # owner, attribute, label
    (engine.Matcher, "recommend_many", "request in the engine"),
    (hybrid.HybridEncoder, "encode_queries", "encode"),
    (retrieval.Retriever, "queries", "prepare queries"),
    (retrieval.Retriever, "candidates_many", "search"),
    (answer.Answer, "build", "answer"),
    (answer, "rank", "rank"),
    (recommend.ClauseVectors, "of", "wait for clauses"),
    (needs.NeedAnalysis, "analyse", "aspects"),
    (needs.NeedAnalysis, "pool", "partner pool"),
    (needs.NeedAnalysis, "cover", "cover"),
    (answer.Answer, "_partner_set", "partner set"),
    (answer.Answer, "_result", "explain one result"),
]


def timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """`function` that appends its wall time to TIMES[label]."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            TIMES[label].append(1000 * (time.perf_counter() - started))

    return run


def write_and_exit(*_: Any) -> None:
    """Write the times and leave at once (SIGTERM)."""
    with open(os.environ["STAGE_TIMES"], "w", encoding="utf-8") as out:
        json.dump(TIMES, out)
    os._exit(0)


def serve_quietly(app: Any, **options: Any) -> None:
    """uvicorn.run without its own signal handlers, so SIGTERM reaches write_and_exit."""
    server = uvicorn.Server(uvicorn.Config(app, **(options | {"log_level": "warning"})))
    server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
    server.run()


if __name__ == "__main__":
    for owner, attribute, label in STAGES:
        setattr(owner, attribute, timed(label, getattr(owner, attribute)))
    signal.signal(signal.SIGTERM, write_and_exit)
    uvicorn.run = serve_quietly  # type: ignore[assignment]
    sys.exit(main(sys.argv[1:]))
