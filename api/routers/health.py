"""Liveness, readiness and metrics."""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from pydantic import BaseModel

from api.deps import MatcherDep
from api.metrics import RequestMetrics, gauge
from matcher import __version__

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Process status."""

    status: str


class Readiness(BaseModel):
    """Whether an index is loaded, and the catalogue size."""

    ready: bool
    entities: dict[str, int]


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up."""
    return Health(status="ok")


@router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
def readyz(matcher: MatcherDep) -> Readiness | JSONResponse:
    """The index is built and can answer needs."""
    body = Readiness(ready=matcher.ready(), entities=matcher.store.count())
    if not body.ready:
        return JSONResponse(status_code=503, content=body.model_dump())
    return body


class PrometheusText(PlainTextResponse):
    """The Prometheus text exposition format."""

    media_type = "text/plain; version=0.0.4"


@router.get("/metrics", response_class=PrometheusText)
def metrics(request: Request, matcher: MatcherDep) -> str:
    """Requests by route and status with their latencies, the catalogue size, readiness."""
    requests: RequestMetrics = request.app.state.metrics
    counts = matcher.store.count()
    lines = [
        *gauge("matcher_info", "The running version.", [(f'version="{__version__}"', 1)]),
        *gauge(
            "matcher_ready",
            "1 when an index is loaded and needs are answered.",
            [("", int(matcher.ready()))],
        ),
        *gauge(
            "matcher_entities",
            "Entities stored, by kind.",
            [(f'kind="{kind}"', n) for kind, n in sorted(counts.items())],
        ),
        *requests.lines(),
    ]
    return "\n".join(lines) + "\n"
