"""Property tests: no need text, top_k or filter crashes the ranking, in the engine or the API.

Any Unicode (control characters, NUL, bidi marks, emoji, combining marks, unpaired
surrogates in the engine), texts over the limit, empty and blank texts, and random top_k and
filters either give a well-formed answer or one of the documented errors: pydantic's
ValidationError / InvalidRequestError in the engine, 422 `invalid_request` over HTTP.
The engine runs twice: with the fake encoder, and through the hybrid encoder's own code
(language routing, the two vectors side by side) with fake models in place of the real ones.
"""

import json
import math
from collections.abc import Iterator
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from api.app import create_app
from matcher.encoders import factory
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.errors import InvalidRequestError
from matcher.schemas import KINDS, NeedRequest, RecommendationResponse, Result
from matcher.settings import EncoderSettings, Settings
from tests.support.catalogue import write_catalogue
from tests.support.open_access import OPEN

LIMIT = 10_000  # max_need_chars in the default settings
JSON = {"content-type": "application/json"}
PROPERTY = settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
# NUL and other controls, zero-width and bidi marks, BOM, combining marks, emoji and a flag.
ODD = (
    "\x00\x07\x1b\x7f\u200b\u200d\u200e\u200f\u202e\u2066\ufeff\u0301\u0308"
    "\U0001f600\U0001f1f8\U0001f1ea"
)
WORDS = ["battery", "recycling", "lithium", "elderly", "care", "robot", "fraud", "återvinning"]

# Any code point, odd ones more often, and catalogue words so that some needs match.
any_text = st.text(st.characters(), max_size=200)
odd_text = st.lists(
    st.one_of(st.sampled_from(WORDS), st.text(st.sampled_from(ODD), min_size=1, max_size=4)),
    max_size=12,
).map(" ".join)
need_text = st.one_of(any_text, odd_text)
json_text = st.one_of(st.text(st.characters(codec="utf-8"), max_size=200), odd_text)
blank_text = st.text(st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2003\u3000"))
top_k = st.one_of(st.none(), st.integers(1, 100), st.integers(1, 100), st.integers())
pair = st.tuples(st.integers(1, 9), st.integers(1, 9)).map(sorted)
valid_filters = st.fixed_dictionaries(
    {},
    optional={
        "areas": st.lists(st.sampled_from(["medtech", "ict-digital", "sustainable-production"])),
        "municipalities": st.lists(st.one_of(st.sampled_from(["Stockholm", "Solna"]), json_text)),
        "near": st.fixed_dictionaries(
            {
                "lat": st.floats(-90, 90),
                "lon": st.floats(-180, 180),
                "radius_km": st.floats(0.001, 2000),
            }
        ),
        "open_to_smes": st.booleans(),
        "trl": st.one_of(st.integers(1, 9), pair),
        "access_types": st.lists(st.sampled_from(["physical", "remote", "virtual", "mail-in"])),
        "access_modes": st.lists(st.sampled_from(["free", "conditional", "paid"])),
        "languages": st.lists(st.sampled_from(["sv", "en"])),
    },
)
wild_filters = st.dictionaries(
    st.sampled_from(["areas", "near", "trl", "open_to_smes", "languages", "other"]),
    st.one_of(
        st.none(),
        st.integers(),
        st.floats(),
        st.text(max_size=5),
        st.lists(st.one_of(st.integers(), st.text(max_size=5)), max_size=3),
    ),
)
filters = st.one_of(valid_filters, valid_filters, wild_filters)
valid_kinds = st.lists(st.sampled_from(KINDS), min_size=1, max_size=3)
kinds = st.one_of(st.none(), valid_kinds, valid_kinds, st.lists(st.sampled_from(["robot", ""])))


def build(folder: Path, encoder: EncoderSettings, fake: FakeEncoder | None) -> Matcher:
    """The tiny catalogue built in `folder`."""
    settings = Settings(data_dir=folder / "data", encoder=encoder, access=OPEN)
    matcher = Matcher(settings, encoder=fake)
    matcher.build(str(write_catalogue(folder / "catalogue.jsonl")))
    return matcher


@pytest.fixture(scope="module")
def fake_engine(tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    """The tiny catalogue with the fake encoder."""
    return build(tmp_path_factory.mktemp("fake"), EncoderSettings(name="fake"), FakeEncoder())


@pytest.fixture(scope="module")
def hybrid_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Matcher]:
    """The default (hybrid) encoder path, with 384-d fake models where the real ones load."""

    def fake_model(settings: EncoderSettings) -> FakeEncoder:
        model = FakeEncoder(384)
        model.model_id = f"fake-{settings.name}"
        return model

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(factory, "create_encoder", fake_model)
        yield build(tmp_path_factory.mktemp("hybrid"), EncoderSettings(name="hybrid"), None)


@pytest.fixture(scope="module")
def api(fake_engine: Matcher) -> TestClient:
    """The app over the fake-encoder catalogue; server errors come back as responses."""
    app = create_app(fake_engine.settings, encoder=FakeEncoder())
    return TestClient(app, raise_server_exceptions=False)


def check_results(results: list[Result], top: int, kinds: AbstractSet[str]) -> None:
    """At most `top` results of the asked kinds, unique ids, finite scores."""
    assert len(results) <= top
    assert len({r.id for r in results}) == len(results)
    for result in results:
        assert math.isfinite(result.score), result
        assert result.kind in kinds
        assert all(math.isfinite(e.score) for e in result.reasons.evidence)


def check_answer(answer: RecommendationResponse, request: NeedRequest, top: int) -> None:
    """A well-formed answer to `request`."""
    asked = set(request.kinds or KINDS)
    check_results(answer.results, top, asked & {"company", "researcher"})
    check_results(answer.testbeds, top, asked & {"lab"})
    if answer.partner_set is not None:
        check_results(answer.partner_set, len(answer.partner_set), {"company", "researcher"})
    assert answer.need_id.startswith("need:")
    assert not {r.id for r in answer.results + answer.testbeds} & set(request.exclude)


def recommend_or_refuse(engine: Matcher, payload: dict[str, Any]) -> None:
    """The engine answers well, or refuses with a documented error for a documented reason."""
    try:
        request = NeedRequest.model_validate(payload)
    except ValidationError as exc:
        event(f"refused: {exc.errors()[0]['loc'][0]}")
        return
    top = 10 if request.top_k is None else request.top_k
    too_long = len(request.need) > LIMIT
    try:
        answer = engine.recommend(request, record=False)
    except InvalidRequestError:
        assert too_long or not 1 <= top <= 100
        event("refused: limits")
        return
    assert not too_long and 1 <= top <= 100
    check_answer(answer, request, top)
    event(f"answered with {'some' if answer.results or answer.testbeds else 'no'} results")


@PROPERTY
@given(text=need_text, top=top_k, wanted=kinds, where=filters)
def test_any_need_to_the_engine(
    fake_engine: Matcher, text: str, top: int | None, wanted: list[str] | None, where: dict
) -> None:
    """Any text, top_k, kinds and filters: an answer or a documented refusal."""
    payload = {"need": text, "top_k": top, "kinds": wanted, "filters": where}
    recommend_or_refuse(fake_engine, payload)


@PROPERTY
@given(text=need_text, top=top_k, wanted=kinds, where=filters)
def test_any_need_through_the_hybrid_encoder(
    hybrid_engine: Matcher, text: str, top: int | None, wanted: list[str] | None, where: dict
) -> None:
    """The real-model code path (language routing, hybrid vectors) with fake models."""
    payload = {"need": text, "top_k": top, "kinds": wanted, "filters": where}
    recommend_or_refuse(hybrid_engine, payload)


@settings(max_examples=15, deadline=None)
@given(size=st.integers(LIMIT + 1, 200_000), char=st.sampled_from(["a", "ä", "\u0301", "😀"]))
def test_too_long_needs_are_refused_by_the_engine(
    fake_engine: Matcher, size: int, char: str
) -> None:
    """Over the limit (after blanks are squeezed) is InvalidRequestError, never a crash."""
    with pytest.raises(InvalidRequestError, match="limit is 10000"):
        fake_engine.recommend(NeedRequest(need=char * size), record=False)


@settings(max_examples=30, deadline=None)
@given(text=blank_text)
def test_blank_needs_are_a_validation_error(text: str) -> None:
    """Empty and whitespace-only needs never reach the engine."""
    with pytest.raises(ValidationError, match="need is empty"):
        NeedRequest(need=text)


def assert_error(response: Any, status: int) -> None:
    """The one error shape with the given status."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == ("invalid_request" if status == 422 else error["code"])
    assert isinstance(error["message"], str) and error["message"]


@PROPERTY
@given(text=json_text, top=top_k, wanted=kinds, where=filters)
def test_any_need_over_http(
    api: TestClient, text: str, top: int | None, wanted: list[str] | None, where: dict
) -> None:
    """POST /v1/recommendations: 200 with a well-formed answer or a 422, never a 5xx."""
    body = {"need": text, "top_k": top, "kinds": wanted, "filters": where}
    # json.dumps writes NaN and Infinity as Python's JSON reader accepts them: an attack too
    response = api.post("/v1/recommendations", content=json.dumps(body), headers=JSON)
    assert response.status_code in (200, 422), response.text
    event(f"status {response.status_code}")
    if response.status_code == 422:
        assert_error(response, 422)
        return
    request = NeedRequest.model_validate(body)
    answer = RecommendationResponse.model_validate(response.json())
    check_answer(answer, request, 10 if top is None else top)


@settings(max_examples=10, deadline=None)
@given(size=st.integers(LIMIT + 1, 400_000), char=st.sampled_from(["a", "é", "😀", "\x00"]))
def test_too_long_needs_over_http(api: TestClient, size: int, char: str) -> None:
    """Over the limit: a clear 422 that names the limit, or 413 for a body over 1 MB."""
    body = json.dumps({"need": char * size}).encode()
    response = api.post("/v1/recommendations", content=body, headers=JSON)
    if len(body) > 1_000_000:
        assert_error(response, 413)
        return
    assert_error(response, 422)
    expected = "NUL character" if char == "\x00" else "limit is 10000"  # NUL is refused first
    assert expected in response.json()["error"]["message"]


@settings(max_examples=20, deadline=None)
@given(text=blank_text)
def test_blank_needs_over_http(api: TestClient, text: str) -> None:
    """Empty and whitespace-only needs: 422 saying the need is empty."""
    response = api.post("/v1/recommendations", json={"need": text})
    assert_error(response, 422)
    assert "need is empty" in response.json()["error"]["message"]


def test_a_body_over_a_megabyte_is_a_413(api: TestClient) -> None:
    """A huge need never reaches validation: the body limit answers first."""
    response = api.post("/v1/recommendations", json={"need": "a" * 2_000_000})
    assert_error(response, 413)
