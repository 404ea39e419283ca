"""The FastAPI application factory."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api.errors import BodyLimitMiddleware, install_error_handlers
from api.routers import coach, entities, health, ingest, pages, recommendations, teams
from matcher import __version__
from matcher.encoders import Encoder
from matcher.engine import Matcher
from matcher.settings import Settings, get_settings


def create_app(settings: Settings | None = None, encoder: Encoder | None = None) -> FastAPI:
    """A new app over the data directory named in the settings."""
    settings = settings or get_settings()
    matcher = Matcher(settings, encoder=encoder)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        matcher.warm_up()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="Innovation matchmaking engine",
        version=__version__,
        description="Partners and testbeds in the Stockholm region for an innovation need.",
    )
    app.state.matcher = matcher
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.server.max_body_bytes,
        bulk_bytes=settings.server.max_bulk_bytes,
    )
    routers = (health, recommendations, ingest, entities, teams, coach, pages)
    for router in (module.router for module in routers):
        app.include_router(router)
    app.include_router(entities.map_router)
    app.mount("/static", StaticFiles(directory=pages.STATIC), name="static")
    return app
