"""Heavy work off the request path: team solves and catalogue writes can hold a thread for
seconds to minutes, so they run on a few threads of their own instead of the pool that serves
reads, at a lower scheduling priority (reads come first on a busy machine), in two lanes (a
flood of team solves never keeps a catalogue write waiting). When a lane's threads are busy and
its queue is full, a request is refused at once with 503 and Retry-After rather than waiting."""

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
RETRY_AFTER_S = 5


class BusyError(RuntimeError):
    """Every heavy thread is busy and the queue is full."""


NICENESS = 10


def _lower() -> None:
    """Lower the calling thread's scheduling priority (Linux schedules threads one by one)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):  # another system, or not allowed: the default priority
        pass


class HeavyWork:
    """`workers` threads for heavy work and room for `queue` more tasks waiting for them, of
    which at most `public` come from callers without a key."""

    def __init__(
        self, workers: int, queue: int, public: int | None = None, name: str = "heavy"
    ) -> None:
        self._executor = ThreadPoolExecutor(workers, thread_name_prefix=name, initializer=_lower)
        self._slots = threading.BoundedSemaphore(workers + queue)
        self._public = threading.BoundedSemaphore(public or workers + queue)

    def submit(self, function: Callable[..., T], *args: Any, public: bool = False) -> "Future[T]":
        """Start `function(*args)` on a heavy thread (or queue it); BusyError when full."""
        gates = [self._slots, self._public] if public else [self._slots]
        taken: list[threading.BoundedSemaphore] = []
        for gate in gates:
            if not gate.acquire(blocking=False):
                for held in taken:
                    held.release()
                raise BusyError(
                    "the server is busy with other team solves and catalogue writes; "
                    f"try again in {RETRY_AFTER_S} s"
                )
            taken.append(gate)
        future = self._executor.submit(function, *args)

        def release(_: "Future[T]") -> None:
            for gate in taken:
                gate.release()

        future.add_done_callback(release)
        return future

    async def run(self, function: Callable[..., T], *args: Any, public: bool = False) -> T:
        """`function(*args)` on a heavy thread, awaited without holding a request thread;
        `public`: for a caller without a key, who has fewer places."""
        return await asyncio.wrap_future(self.submit(function, *args, public=public))
