"""Needs encoded in a child process per model, so the models and the ranking never wait for
each other's hold on Python's interpreter lock.

A forward pass makes a few hundred small PyTorch calls, and each needs the interpreter lock
between its products. In one process, a request's ranking (Python and NumPy) and the model
threads take turns at that lock, and a need encoded while another thread runs plain Python
takes many times as long. A child process has a lock of its own (docs/benchmarks.md has what
it gains under one client and under four); the vectors are bit for bit the ones the model
gives in process.

Only needs go to the child. Catalogue texts come in large batches that use every core, and go
to the model in this process, loaded on first use. If the child dies, the next call starts a
new one; if that fails too, needs are encoded in this process from then on.
"""

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from matcher.encoders.base import Encoder
from matcher.settings import EncoderSettings

log = logging.getLogger("matcher.encoders")
START_TIMEOUT_S = 300
ANSWER_TIMEOUT_S = 120
ROOT = str(Path(__file__).resolve().parents[2])  # where `matcher` is imported from


def serve(settings: EncoderSettings, connection: Connection) -> None:
    """The child: build the model, say who it is, then answer needs until the parent goes."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the server; it closes the pipe
    from matcher.encoders.models import build_model
    from matcher.threads import quiet_numpy_blas

    quiet_numpy_blas()
    model = build_model(settings)
    query_id = getattr(model, "query_id", model.model_id)
    connection.send(("ready", model.model_id, model.dim, query_id))
    while True:
        try:
            texts = connection.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", model.encode_queries(texts))
        except Exception as exc:  # noqa: BLE001 - handed back to the parent, who raises it
            reply = ("error", f"{type(exc).__name__}: {exc}")
        connection.send(reply)


class ChildStartError(RuntimeError):
    """A model process could not be started."""


class ChildModel:
    """One model running in a child process; `encode_queries` is safe from any thread.

    The child is a fresh interpreter (`python -m matcher.encoders.model_process`), not a fork
    or a multiprocessing spawn, so it never runs the parent's main module again; the two talk
    over a socket pair that closes when either ends."""

    def __init__(self, settings: EncoderSettings) -> None:
        self.settings = settings
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._start()

    def _start(self) -> None:
        ours, theirs = socket.socketpair()
        path = os.pathsep.join(p for p in (ROOT, os.environ.get("PYTHONPATH")) if p)
        command = [sys.executable, "-m", __name__, str(theirs.fileno())]
        command.append(self.settings.model_dump_json())
        try:
            process = subprocess.Popen(
                command,
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
                env=os.environ | {"PYTHONPATH": path},
                start_new_session=True,  # Ctrl-C in a terminal goes to the server alone
            )
        except OSError as exc:
            ours.close()
            raise ChildStartError(f"the {self.settings.name} model process did not start") from exc
        finally:
            theirs.close()
        connection = Connection(ours.detach())
        try:
            if not connection.poll(START_TIMEOUT_S):
                raise RuntimeError(f"no answer within {START_TIMEOUT_S} s")
            _, self.model_id, self.dim, self.query_id = connection.recv()
        except (EOFError, OSError, RuntimeError, ValueError) as exc:
            process.kill()
            process.wait()
            connection.close()
            raise ChildStartError(f"the {self.settings.name} model process did not start") from exc
        self._process, self._connection = process, connection

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """The needs' vectors from the child (a dead child is started again once)."""
        with self._lock:
            try:
                return self._ask(texts)
            except (EOFError, OSError):
                log.warning("the %s model process ended; starting it again", self.settings.name)
                self.close(wait_s=0)
                self._start()
                return self._ask(texts)

    def _ask(self, texts: list[str]) -> np.ndarray:
        if self._connection is None:
            raise EOFError("no model process")
        self._connection.send(texts)
        if not self._connection.poll(ANSWER_TIMEOUT_S):  # a child that hangs is replaced
            raise EOFError(f"no answer within {ANSWER_TIMEOUT_S} s")
        status, value = self._connection.recv()
        if status != "ok":
            raise RuntimeError(value)
        return np.asarray(value, dtype=np.float32)

    @property
    def pid(self) -> int | None:
        """The child's process id."""
        return None if self._process is None else self._process.pid

    def close(self, wait_s: float = 5) -> None:
        """Stop the child: it ends when the socket closes (killed after `wait_s`)."""
        if self._connection is not None:
            self._connection.close()
        if self._process is not None:
            try:
                self._process.wait(wait_s)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = self._connection = None


class ProcessEncoder:
    """An encoder whose needs go to a child process and whose catalogue texts go to the model
    in this process (built on first use by `local`)."""

    def __init__(self, settings: EncoderSettings, local: Callable[[], Encoder]) -> None:
        self._local_factory = local
        self._local: Encoder | None = None
        self._local_lock = threading.Lock()
        self.child: ChildModel | None = None
        try:
            self.child = ChildModel(settings)
        except ChildStartError as exc:
            log.warning("%s; encoding needs in the server process", exc)
        identity: Any = self.child or self._in_process()
        self.model_id: str = identity.model_id
        self.dim: int = identity.dim
        self.query_id: str = getattr(identity, "query_id", self.model_id)

    def _in_process(self) -> Encoder:
        with self._local_lock:
            if self._local is None:
                self._local = self._local_factory()
            return self._local

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Needs in the child; in this process once the child cannot be started."""
        child = self.child
        if child is not None:
            try:
                return child.encode_queries(texts)
            except ChildStartError as exc:
                log.warning("%s; encoding needs in the server process", exc)
                self.child = None
        return self._in_process().encode_queries(texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Catalogue texts, in this process."""
        return self._in_process().encode_documents(texts)


if __name__ == "__main__":
    serve(EncoderSettings.model_validate_json(sys.argv[2]), Connection(int(sys.argv[1])))
