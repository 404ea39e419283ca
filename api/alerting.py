"""Saved needs and alerts in the app: their store (erased with the catalogue's entities), the
alert pass after every ingest of the app's engine, and the delivery thread."""

from fastapi import FastAPI

from matcher.engine import Matcher
from matcher.settings import AlertSettings
from matcher.watch.alert_store import ErasableWatchStore
from matcher.watch.alerts import listener
from matcher.watch.delivery import Deliverer


def install_watch(app: FastAPI, matcher: Matcher, settings: AlertSettings) -> None:
    """The store, the alert pass after each ingest, and the delivery thread the app's lifespan
    starts and stops."""
    store = watch_engine(matcher)
    app.state.watch, app.state.alerts, app.state.alert_settings = store, store.alerts, settings
    app.state.introductions = store.introductions
    app.state.deliverer = Deliverer(store.alerts, store.introductions, settings)


def watch_engine(matcher: Matcher) -> ErasableWatchStore:
    """The data directory's saved needs, erased with its entities and alerted after each of
    the engine's ingests (the server and the command line alike)."""
    store = ErasableWatchStore(matcher.data_dir / "watch.sqlite")
    matcher.watch_erasure(store)
    matcher.on_ingested(listener(matcher.served, lambda: matcher.encoder, store.alerts))
    return store
