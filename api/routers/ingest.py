"""Catalogue writes over HTTP: bulk upsert of entities and deletion of one entity."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response

from api.access import check_role
from api.deps import JobsDep, MatcherDep, WritesDep
from api.errors import ErrorBody
from api.heavy import BusyError
from matcher.catalogue.reading import (
    NOT_UTF8_HINT,
    CatalogueError,
    LoadedCatalogue,
    NoValidRowsError,
    text_records,
    validate,
)
from matcher.errors import UnknownEntityError

router = APIRouter(prefix="/v1/entities", tags=["ingestion"])

MEDIA_FORMATS = {
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/jsonlines": "jsonl",
    "text/csv": "csv",
}
BULK_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": 'Entities in the catalogue format: a JSON list (or {"entities": [...]}),'
        " JSON Lines, or CSV with one column per field and lists split by ';'.",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
        },
    }
}
FormatQuery = Annotated[
    Literal["json", "jsonl", "csv"] | None,
    Query(description="Body format; taken from Content-Type when omitted."),
]
ReplaceQuery = Annotated[
    bool,
    Query(description="Also delete every stored entity that is not in this upload (admin only)."),
]


def replacing(request: Request, replace: ReplaceQuery = False) -> bool:
    """`replace` as the route parsed it; replacing the whole catalogue needs the admin role."""
    if replace:
        check_role(request, "admin")
    return replace


Replacing = Annotated[bool, Depends(replacing)]


def _format(request: Request, fmt: str | None) -> str:
    if fmt:
        return fmt
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in MEDIA_FORMATS:
        raise HTTPException(
            415,
            f"unsupported Content-Type '{media or 'none'}'; send application/json, "
            "application/x-ndjson or text/csv, or set ?format=",
        )
    return MEDIA_FORMATS[media]


BULK_ERRORS: dict[int | str, dict[str, Any]] = {
    415: {"model": ErrorBody, "description": "The Content-Type is none of the formats."},
    422: {
        "model": ErrorBody,
        "description": "No row of the body is valid; `rejected` gives every row with why.",
    },
}


@router.post(
    ":bulk",
    openapi_extra=BULK_BODY,
    responses=BULK_ERRORS | {202: {"description": "A large upload: a job to poll."}},
)
async def bulk(
    request: Request,
    response: Response,
    matcher: MatcherDep,
    heavy: WritesDep,
    jobs: JobsDep,
    replace: Replacing,
    format: FormatQuery = None,
) -> dict[str, Any]:
    """Add or update many entities by id; bad rows are reported with where and why.

    The good rows are stored and indexed; queries are served from the previous index until
    the new one is swapped in. Re-sending the same rows changes nothing. An upload of more than
    `server.bulk_inline_rows` rows is answered 202 with a job whose status and report are at
    `/v1/jobs/{job_id}`.
    """
    fmt = _format(request, format)
    body = await request.body()
    loaded = await heavy.run(_parse, body, fmt)
    rows = len(loaded.entities) + len(loaded.rejected)
    if rows <= matcher.settings.server.bulk_inline_rows:
        report = await heavy.run(matcher.ingest, loaded, replace)
        return report.summary()
    job_id = jobs.create("bulk")
    try:
        heavy.submit(jobs.run, job_id, lambda: matcher.ingest(loaded, replace=replace).summary())
    except BusyError as exc:
        jobs.fail(job_id, str(exc))
        raise
    response.status_code = 202
    response.headers["Location"] = f"/v1/jobs/{job_id}"
    return {"job_id": job_id, "status": "queued", "url": f"/v1/jobs/{job_id}", "rows": rows}


def _parse(body: bytes, fmt: str) -> LoadedCatalogue:
    """The body's valid entities and rejected rows; NoValidRowsError when none is valid."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogueError(
            f"the body is not UTF-8 text (byte {exc.start}); {NOT_UTF8_HINT}"
        ) from exc
    loaded = validate(text_records(text, fmt, "body"))
    if not loaded.entities:
        first = loaded.rejected[0] if loaded.rejected else None
        detail = f"; first: {first.where}: {first.reason}" if first else ""
        raise NoValidRowsError(
            f"no valid entities in the body ({len(loaded.rejected)} rejected{detail})",
            loaded.rejected,
        )
    return loaded


@router.delete("/{entity_id}")
async def delete_entity(entity_id: str, matcher: MatcherDep, heavy: WritesDep) -> dict[str, Any]:
    """Erase an entity: store, index, embedding cache, shortlists, feedback and rankings.

    `removed` counts what went, per place; an id the store does not hold is a 404 (rows
    elsewhere that still named it are erased all the same).
    """
    erased = await heavy.run(matcher.delete, [entity_id])
    if not erased.store:
        raise UnknownEntityError(f"no entity with id '{entity_id}'")
    return {"deleted": entity_id, "removed": erased.as_dict()}
