"""A bounded load test (slow suite): 20 clients for 10 s against `matcher serve`, zero errors.

The full run is `python -m benchmarks.load --clients 20 --seconds 30` (benchmarks/load.py);
this is the same workload, shorter (requests still running at the end, a map layout or a bulk
write waiting for the writer lock, can take 15-20 s more on a busy 2-core machine), with the
fake encoder.
"""

from pathlib import Path

import pytest

from benchmarks.load import run, summary, table


@pytest.mark.slow
def test_twenty_clients_mixing_reads_and_writes(tmp_path: Path) -> None:
    """No error, no server traceback, every acknowledged bulk row stored; p99 reported."""
    results = run(clients=20, seconds=10, data_dir=tmp_path / "data")
    print(table(results))
    print(summary(results))
    assert results["errors"] == []
    assert results["server_tracebacks"] == 0
    assert results["missing_rows"] == []
    assert results["acknowledged_rows"] > 0, "the writes must have happened"
    kinds = results["kinds"]
    assert {"recommend", "bulk", "feedback", "shortlist"} <= kinds.keys()
    assert results["expected_4xx"] > 0
