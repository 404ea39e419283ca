"""GET /v1/jobs/{job_id}: the status of a large upload answered 202."""

from typing import Any

from fastapi import APIRouter

from api.deps import JobsDep
from matcher.errors import UnknownEntityError

router = APIRouter(prefix="/v1", tags=["ingestion"])


@router.get("/jobs/{job_id}")
def get_job(job_id: str, jobs: JobsDep) -> dict[str, Any]:
    """queued, running, done (with the ingest report as `result`) or failed (with `error`)."""
    job = jobs.get(job_id)
    if job is None:
        raise UnknownEntityError(f"no job with id '{job_id}'")
    return job
