"""The OpenAPI document with the limits the server enforces from its settings: results per list
(`top_k`) run from 1 to `ranking.max_top_k` in every request body and query that takes them."""

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI

from matcher.settings import Settings

TOP_K_BODIES = ("NeedRequest", "PortfolioRun")


def _bound(schema: dict[str, Any], low: int, high: int) -> None:
    for branch in schema.get("anyOf", [schema]):
        if branch.get("type") == "integer":
            branch.update(minimum=low, maximum=high)


def document_limits(app: FastAPI, settings: Settings) -> None:
    """Make `app.openapi()` state the settings' limits."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = generate()
        high = settings.ranking.max_top_k
        for name in TOP_K_BODIES:
            schema = document["components"]["schemas"].get(name, {})
            if "top_k" in schema.get("properties", {}):
                _bound(schema["properties"]["top_k"], 1, high)
        for operations in document["paths"].values():
            for operation in operations.values():
                for parameter in operation.get("parameters", []):
                    if parameter["name"] == "top_k":
                        _bound(parameter["schema"], 1, high)
        return document

    app.openapi = openapi  # type: ignore[method-assign]
