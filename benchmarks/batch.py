"""Portfolio batch against single calls: 40 startup needs from the demo catalogue.

Run by hand after `matcher build --catalogue demo`: `.venv/bin/python benchmarks/batch.py`.
Each mode gets a fresh engine (so no need vector is cached from the other mode) that has
loaded its models and index before the clock starts; both run in the same process on the
same needs. Prints seconds per mode and the ratio.
"""

import os
import platform
import time

from matcher.engine import Matcher
from matcher.schemas import Company, NeedRequest
from matcher.settings import get_settings

NEEDS = 40


def needs(matcher: Matcher) -> list[NeedRequest]:
    """The first startups and SMEs of the catalogue, each description as a need."""
    companies = sorted(
        (e for e in matcher.store.all() if isinstance(e, Company) and e.stage != "large"),
        key=lambda e: e.id,
    )[:NEEDS]
    return [NeedRequest(need=c.description, municipality=None) for c in companies]


def fresh() -> Matcher:
    """An engine with models and index loaded."""
    matcher = Matcher(get_settings())
    matcher.warm_up()
    matcher.ready()
    return matcher


def main() -> None:
    """Time both modes."""
    machine = platform.processor() or platform.machine()
    print(f"machine: {machine}, {os.cpu_count()} cores, Python {platform.python_version()}")
    single = fresh()
    requests = needs(single)
    started = time.perf_counter()
    for request in requests:
        single.recommend(request, record=False)
    single_seconds = time.perf_counter() - started
    batch = fresh()
    started = time.perf_counter()
    batch.recommend_many(requests, record=False)
    batch_seconds = time.perf_counter() - started
    print(f"{len(requests)} single calls: {single_seconds:.2f} s")
    print(f"one batch of {len(requests)}: {batch_seconds:.2f} s")
    print(f"single / batch: {single_seconds / batch_seconds:.2f}x")


if __name__ == "__main__":
    main()
