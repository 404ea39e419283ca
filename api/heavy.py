"""Heavy work off the request path: team solves and catalogue writes can hold a thread for
seconds to minutes, so they run on a few threads of their own instead of the pool that serves
reads. When every heavy thread is busy and the queue behind them is full, a request is refused
at once with 503 and Retry-After rather than waiting."""

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
RETRY_AFTER_S = 5


class BusyError(RuntimeError):
    """Every heavy thread is busy and the queue is full."""


class HeavyWork:
    """`workers` threads for heavy work and room for `queue` more tasks waiting for them."""

    def __init__(self, workers: int, queue: int) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix="heavy")
        self._slots = threading.BoundedSemaphore(workers + queue)

    def submit(self, function: Callable[..., T], *args: Any) -> "Future[T]":
        """Start `function(*args)` on a heavy thread (or queue it); BusyError when full."""
        if not self._slots.acquire(blocking=False):
            raise BusyError(
                "the server is busy with other team solves and catalogue writes; "
                f"try again in {RETRY_AFTER_S} s"
            )
        future = self._executor.submit(function, *args)
        future.add_done_callback(lambda _: self._slots.release())
        return future

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on a heavy thread, awaited without holding a request thread."""
        return await asyncio.wrap_future(self.submit(function, *args))
