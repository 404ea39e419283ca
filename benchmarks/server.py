"""`matcher serve` in a subprocess for the benchmarks: started, awaited, measured, stopped."""

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

MATCHER = str(Path(sys.executable).parent / "matcher")
# No need vectors kept in memory between requests: every measured need and clause is encoded,
# as a new user's would be (the needs share clauses: a base need with a varying context).
FRESH_NEEDS = {"MATCHER_ENCODER__RECENT_NEEDS": "0"}
UNLIMITED = {  # no effective rate limit: a benchmark client sends more than 10 requests a second
    "MATCHER_ACCESS__RATE_PER_MINUTE": "10000000",
    "MATCHER_ACCESS__BURST": "1000000",
}


def free_port() -> int:
    """A port nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Server:
    """`matcher serve` on 127.0.0.1 over a data directory; its output goes to serve.log there."""

    def __init__(
        self,
        data_dir: Path,
        env: dict[str, str],
        port: int | None = None,
        ready_s: float = 120,
        program: list[str] | None = None,
    ) -> None:
        """`program` replaces the `matcher` command (it must take the same arguments)."""
        port = port or free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = data_dir / "serve.log"
        args = [*(program or [MATCHER]), "serve", "--host", "127.0.0.1", "--port", str(port)]
        args += ["--data-dir", str(data_dir)]
        started = time.perf_counter()
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        self._wait_ready(ready_s)
        self.start_s = time.perf_counter() - started

    def _wait_ready(self, timeout: float) -> None:
        """Until /readyz answers 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited ({self.proc.returncode}); see {self.log}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=60).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        raise TimeoutError(f"server not ready after {timeout} s")

    def peak_rss_mb(self) -> float:
        """The high-water resident memory (VmHWM) of the server and its model processes."""
        return sum(_peak_mb(pid) for pid in [self.proc.pid, *descendants(self.proc.pid)])

    def stop(self) -> None:
        """Terminate it (kill after 30 s)."""
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _peak_mb(pid: int) -> float:
    """A process's VmHWM in MB (0 when it is gone)."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return 0.0
    return next((int(line.split()[1]) / 1024 for line in lines if line.startswith("VmHWM:")), 0.0)


def descendants(pid: int) -> list[int]:
    """Every descendant of a process."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return found + [grandchild for child in found for grandchild in descendants(child)]
