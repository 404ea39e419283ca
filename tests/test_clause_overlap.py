"""A need's clauses are encoded while the need itself is searched and ranked."""

import threading
from pathlib import Path

import numpy as np
import pytest

from matcher import answer as answer_module
from matcher.answer import Answer
from matcher.encoders.fake import FakeEncoder
from matcher.engine import Matcher
from matcher.needs.aspects import segments
from matcher.recommend import NeedBatch
from matcher.schemas import NeedRequest
from matcher.settings import Settings

NEED = (
    "We recycle lithium batteries and need a testbed for cell disassembly, researchers in "
    "machine learning for sorting, and a partner for life cycle assessment."
)


class GatedEncoder(FakeEncoder):
    """Holds back the encoding of anything but the need until the ranking has started."""

    def __init__(self) -> None:
        super().__init__()
        self.ranking = threading.Event()
        self.clause_calls: list[tuple[str, bool]] = []
        self.fail = False

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        if texts != [NEED] and any(t in segments(NEED) for t in texts):
            ranked_meanwhile = self.ranking.wait(timeout=10)
            self.clause_calls.append((threading.current_thread().name, ranked_meanwhile))
            if self.fail:
                raise RuntimeError("the model failed on a clause")
        return super().encode_queries(texts)


@pytest.fixture
def gated(settings: Settings, catalogue_file: Path, monkeypatch: pytest.MonkeyPatch):
    encoder = GatedEncoder()
    matcher = Matcher(settings, encoder=encoder)
    matcher.build(str(catalogue_file))
    ranked = answer_module.rank

    def rank(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        encoder.ranking.set()
        return ranked(*args, **kwargs)

    monkeypatch.setattr(answer_module, "rank", rank)
    return matcher, encoder


def test_clauses_are_encoded_on_a_helper_thread_while_the_need_is_ranked(gated) -> None:
    matcher, encoder = gated
    assert len(segments(NEED)) > 1
    answer = matcher.recommend(NeedRequest(need=NEED), record=False)
    assert answer.results and answer.aspects
    [(thread, ranked_meanwhile)] = encoder.clause_calls
    assert thread.startswith("clauses") and ranked_meanwhile


def test_answers_are_the_same_as_when_every_vector_is_ready_first(gated) -> None:
    matcher, encoder = gated
    overlapped = matcher.recommend(NeedRequest(need=NEED), record=False)
    loaded, request = matcher.served(), NeedRequest(need=NEED)
    vectors = matcher.encoder.encode_queries([NEED, *segments(NEED)])
    need = NeedBatch([request], matcher.encoder.encode_queries, loaded.retriever).need(0)
    need.clause_vectors = lambda: vectors[1:]
    ready = Answer(loaded, matcher.ranking, need, None).build(10)
    assert overlapped.model_dump() == ready.model_dump()


def test_a_failed_clause_encoding_fails_the_request(gated) -> None:
    matcher, encoder = gated
    encoder.fail = True
    with pytest.raises(RuntimeError, match="failed on a clause"):
        matcher.recommend(NeedRequest(need=NEED), record=False)
