"""Saved needs and alerts in the app: their store, the alert pass after every ingest of the
app's engine (PUT, bulk upload, a rebuild), and the delivery thread."""

import logging
from collections.abc import Callable

from fastapi import FastAPI

from matcher.engine import Matcher
from matcher.settings import AlertSettings
from matcher.watch.alert_store import AlertStore, ErasableWatchStore
from matcher.watch.alerts import alert_pass
from matcher.watch.delivery import Deliverer

log = logging.getLogger("matcher.alerts")


def alerting(matcher: Matcher, alerts: AlertStore) -> Callable[[list[str]], None]:
    """The listener: new alerts for the changed entities. A failed pass is logged and never
    fails the ingest that ran it (the catalogue write has committed)."""

    def listener(changed: list[str]) -> None:
        try:
            encoder = matcher.encoder
            alert_pass(matcher.served(), encoder.model_id, encoder.encode_queries, alerts, changed)
        except Exception:
            log.exception("the alert pass after an ingest of %d entities failed", len(changed))

    return listener


def install_watch(app: FastAPI, matcher: Matcher, settings: AlertSettings) -> None:
    """The saved needs' store (erased with the catalogue's entities), the alert pass after
    each ingest, and the delivery thread the app's lifespan starts and stops."""
    store = ErasableWatchStore(matcher.data_dir / "watch.sqlite")
    matcher.watch_erasure(store)
    matcher.on_ingested(alerting(matcher, store.alerts))
    app.state.watch, app.state.alerts, app.state.alert_settings = store, store.alerts, settings
    app.state.introductions = store.introductions
    app.state.deliverer = Deliverer(store.alerts, store.introductions, settings)
