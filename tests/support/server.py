"""`matcher serve` and the CLI in subprocesses over a data directory, with the fake encoder."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def environment(data: Path, **settings: str) -> dict[str, str]:
    """The environment of a subprocess on `data` with the fake encoder; `settings` are more
    MATCHER_* variables."""
    return {
        **os.environ,
        "MATCHER_DATA_DIR": str(data),
        "MATCHER_ENCODER__NAME": "fake",
        "HF_HUB_OFFLINE": "1",
        "PYTHONPATH": str(ROOT),
        **settings,
    }


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def matcher(data: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    """A CLI command run to its end (it must succeed)."""
    command = [sys.executable, "-m", "matcher.cli", *args]
    return subprocess.run(
        command, env=environment(data, **settings), check=True, capture_output=True, text=True
    )


def serve(
    data: Path, port: int, output: IO[bytes] | None = None, **settings: str
) -> subprocess.Popen[bytes]:
    """`matcher serve` on the data directory, once it answers; its output to `output`."""
    command = [sys.executable, "-m", "matcher.cli", "serve", "--port", str(port)]
    sink = output or subprocess.DEVNULL
    process = subprocess.Popen(command, env=environment(data, **settings), stdout=sink, stderr=sink)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("the server did not start")
