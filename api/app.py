"""The FastAPI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from api.access import AUTHORISED
from api.alerting import install_watch
from api.context import RateLimiter, RequestContext
from api.deps import VALID_UNICODE
from api.errors import ERROR_RESPONSES, BodyLimitMiddleware, install_error_handlers
from api.heavy import HeavyWork
from api.jobs import JobStore
from api.methods import AnswerOptions
from api.metrics import CatalogueCollector, RequestMetrics
from api.openapi import document_limits
from api.routers import (
    coach,
    docs,
    entities,
    health,
    ingest,
    introductions,
    jobs,
    needs,
    pages,
    recommendations,
    reranker,
    teams,
)
from api.security import SecurityHeaders
from matcher import __version__
from matcher.catalogue.keys import KeyStore
from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.settings import Settings, get_settings


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Load the models before the first request; deliver alerts while the app runs."""
    matcher: Matcher = app.state.matcher
    matcher.warm_up()
    matcher.index_matches_store()  # a store written after its last rebuild: rebuild it now
    app.state.deliverer.start()
    yield
    app.state.deliverer.stop()


def create_app(settings: Settings | None = None, encoder: Encoder | None = None) -> FastAPI:
    """A new app over the data directory named in the settings."""
    settings = settings or get_settings()
    matcher = Matcher(settings, encoder=encoder)

    app = FastAPI(
        lifespan=lifespan,
        title="Innovation matchmaking engine",
        version=__version__,
        description="Partners and testbeds in the Stockholm region for an innovation need.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.matcher = matcher
    server, public = settings.server, settings.access.public_team_concurrency
    app.state.solves = HeavyWork(server.heavy_workers, server.heavy_queue, public, "solves")
    app.state.writes = HeavyWork(server.heavy_workers, server.heavy_queue, None, "writes")
    app.state.jobs = JobStore(matcher.data_dir / "jobs.sqlite")
    matcher.watch_erasure(app.state.jobs)
    install_watch(app, matcher, settings.alerts)
    app.state.access = settings.access
    app.state.metrics = RequestMetrics()
    app.state.metrics.watch(CatalogueCollector(__version__, matcher.ready, matcher.counts))
    install_error_handlers(app)
    app.add_middleware(AnswerOptions, fastapi=app)
    document_limits(app, settings)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.server.max_body_bytes,
        bulk_bytes=settings.server.max_bulk_bytes,
    )
    keys = KeyStore(matcher.store)
    limiter = RateLimiter(settings.access.rate_per_minute, settings.access.burst)
    app.add_middleware(RequestContext, check=keys.check, limiter=limiter, metrics=app.state.metrics)
    if settings.access.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.access.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )
    for router in (health.router, pages.router, docs.router):
        app.include_router(router)
    api = (recommendations.router, ingest.router, entities.router, entities.map_router)
    watch = (needs.router, introductions.router)
    for router in (*api, teams.router, coach.router, *watch, reranker.router, jobs.router):
        app.include_router(
            router, dependencies=[AUTHORISED, VALID_UNICODE], responses=ERROR_RESPONSES
        )
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    app.mount("/docs-assets", docs.assets, name="docs-assets")
    app.add_middleware(SecurityHeaders)
    return app
