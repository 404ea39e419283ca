"""Per-request context: request id, API key, rate limit and one structured log line.

The log line holds no personal data: the route template instead of the path (an entity id can
name a person), no client address, no body; the key's id, never its secret.
"""

import copy
import json
import logging
import math
import re
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.access import presented_key
from api.errors import error_response
from api.metrics import RequestMetrics
from matcher.catalogue.keys import ApiKey

log = logging.getLogger("matcher.requests")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
LIMITED = "/v1/"  # the API; pages, static files and health checks are not rate limited


def serve_logging() -> dict[str, Any]:
    """Uvicorn's logging settings for `matcher serve`: its own start-up and error lines as
    usual, one JSON line per request from this middleware on standard output, and no
    uvicorn access line (it names the client's address and the raw path, which can hold an
    entity id that names a person)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["request"] = {"format": "%(message)s"}
    config["handlers"]["request"] = {
        "formatter": "request",
        "class": "logging.StreamHandler",
        "stream": "ext://sys.stdout",
    }
    config["loggers"]["uvicorn.access"] = {"handlers": [], "level": "WARNING", "propagate": False}
    config["loggers"][log.name] = {"handlers": ["request"], "level": "INFO", "propagate": False}
    return config


class RateLimiter:
    """Token buckets: `per_minute` refill, `burst` capacity, one bucket per caller."""

    def __init__(self, per_minute: int, burst: int, clock: Callable[[], float] = time.monotonic):
        self.rate = per_minute / 60.0
        self.burst = float(burst)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, caller: str) -> float:
        """0 when the call may go ahead, else the seconds to wait."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(caller, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= 1:
                self._buckets[caller] = (tokens - 1, now)
                wait = 0.0
            else:
                self._buckets[caller] = (tokens, now)
                wait = (1 - tokens) / self.rate
            if len(self._buckets) > 10_000:
                self._forget_full(now)
        return wait

    def _forget_full(self, now: float) -> None:
        full = [
            c
            for c, (t, last) in self._buckets.items()
            if t + (now - last) * self.rate >= self.burst
        ]
        for caller in full:
            del self._buckets[caller]


class RequestContext:
    """Pure ASGI middleware around every HTTP request."""

    def __init__(
        self,
        app: ASGIApp,
        check: Callable[[str], ApiKey | None],
        limiter: RateLimiter,
        metrics: RequestMetrics,
    ) -> None:
        self.app = app
        self.check = check
        self.limiter = limiter
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        given = headers.get("x-request-id", "")
        request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        presented = presented_key(headers)
        key = await to_thread.run_sync(self.check, presented) if presented else None
        state = scope.setdefault("state", {})
        state.update(request_id=request_id, api_key=key, bad_key=bool(presented and not key))
        status = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        caller = f"key:{key.id}" if key else f"ip:{(scope.get('client') or ('-', 0))[0]}"
        wait = self.limiter.take(caller) if scope["path"].startswith(LIMITED) else 0.0
        try:
            if wait > 0:
                response = error_response(
                    429, "rate_limited", f"too many requests; retry in {math.ceil(wait)} s"
                )
                response.headers["Retry-After"] = str(math.ceil(wait))
                await response(scope, receive, send_with_id)
            else:
                await self.app(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", "unmatched")
            took = time.perf_counter() - started
            self.metrics.observe(scope["method"], route, status["code"], took)
            if log.isEnabledFor(logging.INFO):
                self._log(scope, request_id, status["code"], took, key)

    @staticmethod
    def _log(scope: Scope, request_id: str, code: int, took: float, key: ApiKey | None) -> None:
        """The request's one JSON line."""
        route = scope.get("route")
        line = {
            "event": "request",
            "request_id": request_id,
            "method": scope["method"],
            "route": getattr(route, "path", "unmatched"),
            "status": code,
            "ms": round(1000 * took, 1),
            "key": key.id if key else None,
        }
        log.info(json.dumps(line))
