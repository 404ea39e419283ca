"""Schemathesis against the app's own OpenAPI schema: no 5xx, every 4xx in the one error shape.

Every generated request carries an admin key, so the write routes (bulk upsert, delete,
portfolios, feedback, reranker training) are exercised as well as the reads. The number of
examples per operation is bounded (FUZZ_EXAMPLES, default 25) so the file runs in CI.
"""

import os
import tempfile
import zlib
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from api.app import create_app
from matcher.catalogue.keys import KeyStore
from matcher.coach import workflow as coach
from matcher.coach.schemas import PortfolioCreate
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.settings import AccessSettings, EncoderSettings, Settings
from tests.support.catalogue import write_catalogue

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
# Keys are required (the real setting), the limit is high enough that 429 hides nothing.
ACCESS = AccessSettings(require_keys=True, public_read=False, rate_per_minute=10**7, burst=10**6)
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]

SENT: Counter[str] = Counter()  # generated requests per operation, printed at the end (-s)
ANSWERED: Counter[int] = Counter()  # and the statuses they got
# JSON Lines bodies are plain text on the wire (the schema declares them as a string).
schemathesis.serializer.alias("application/x-ndjson", "text/plain")


def openapi_document() -> dict[str, Any]:
    """The app's OpenAPI document, from a throwaway app (the schema does not depend on data).

    Loaded at import because `schema.parametrize()` needs it then; the lazy
    `schemathesis.pytest.from_fixture` does not work with pytest 9.
    """
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=folder, encoder=EncoderSettings(name="fake"), access=ACCESS)
        return create_app(settings, encoder=FakeEncoder()).openapi()


schema = schemathesis.openapi.from_dict(openapi_document())


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, str, dict[str, str]]:
    """The app over the tiny catalogue (fake encoder), an admin key for it, and ids it holds
    (an entity, a portfolio, one of its needs) to put in half of the generated paths."""
    folder = tmp_path_factory.mktemp("fuzz")
    settings = Settings(
        data_dir=folder / "data",
        models_dir=folder / "models",
        encoder=EncoderSettings(name="fake"),
        access=ACCESS,
    )
    matcher = Matcher(settings, encoder=FakeEncoder())
    matcher.build(str(write_catalogue(folder / "catalogue.jsonl")))
    _, secret = KeyStore(matcher.store).create("fuzz", "admin")
    body = PortfolioCreate(name="Fuzz", needs=[{"text": "recycling lithium-ion batteries"}])
    stored = coach.create_portfolio(matcher, body)
    known = {
        "entity_id": "company:battery-loop",
        "portfolio_id": stored["id"],
        "need_id": stored["needs"][0]["need_id"],
    }
    return create_app(settings, encoder=FakeEncoder()), secret, known


def use_known_ids(case: Case, known: dict[str, str]) -> None:
    """Put stored ids into half of the cases' paths (chosen by a checksum, so reruns agree),
    so reads reach the engine instead of stopping at 404; deletes keep their random ids."""
    params = case.path_parameters
    if not params or case.method == "DELETE":
        return
    if zlib.crc32(repr(sorted(params.items())).encode()) % 2:
        for name in params.keys() & known.keys():
            params[name] = known[name]


@pytest.fixture(scope="module", autouse=True)
def report_counts() -> Iterator[None]:
    """Print how many requests each operation got (visible with `pytest -s`)."""
    yield
    for operation, count in sorted(SENT.items()):
        print(f"{count:5d}  {operation}")
    print(f"{sum(SENT.values()):5d}  requests in all, {len(SENT)} operations")
    print("statuses:", dict(sorted(ANSWERED.items())))


def assert_error_shape(response: Response, case: Case) -> None:
    """A 4xx answer is JSON {"error": {"code": str, "message": str}}."""
    if not 400 <= response.status_code < 500:
        return
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    body = response.json()
    assert isinstance(body, dict) and set(body) == {"error"}, where
    error = body["error"]
    assert isinstance(error, dict), where
    assert isinstance(error.get("code"), str) and error["code"], where
    assert isinstance(error.get("message"), str) and error["message"], where


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Case, fuzz_app: tuple[Any, str, dict[str, str]]) -> None:
    """Any generated request: status below 500, errors in the one shape, schema kept."""
    app, key, known = fuzz_app
    use_known_ids(case, known)
    admin = {"authorization": f"Bearer {key}"}
    response = case.call(app=app, headers=admin, timeout=120)  # the map's t-SNE is slow
    SENT[case.operation.label] += 1
    ANSWERED[response.status_code] += 1
    assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
    assert_error_shape(response, case)
    # A body over the size limit is refused unread (413): the rejection negative data needs.
    checks = CHECKS if response.status_code != 413 else CHECKS[:-1]
    case.validate_response(response, checks=checks, headers=admin)
