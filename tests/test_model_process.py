"""Needs encoded in a child process: the same vectors, a dead child replaced, a failed one
left for the model in process, and a child that ends with its parent."""

import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from matcher import cli
from matcher.encoders import model_process
from matcher.encoders.factory import build_model
from matcher.encoders.model_process import ChildModel, ChildStartError, ProcessEncoder
from matcher.settings import EncoderSettings, get_settings

NEEDS = ["battery recycling testbed", "testbädd för återvinning av batterier", "AI for care"]
MINILM = EncoderSettings(name="minilm")


@pytest.fixture(scope="module")
def local():
    return build_model(MINILM)


@pytest.fixture(scope="module")
def in_process(local) -> np.ndarray:
    return local.encode_queries(NEEDS)


@pytest.fixture(scope="module")
def child():
    model = ChildModel(MINILM)
    yield model
    model.close()


@pytest.fixture
def no_start(monkeypatch):
    """Children cannot be started during the test."""

    def fail(self) -> None:
        raise ChildStartError("the minilm model process did not start")

    monkeypatch.setattr(ChildModel, "_start", fail)


def test_a_child_gives_the_vectors_of_the_model_in_process(child, local, in_process) -> None:
    assert child.pid != os.getpid()
    assert (child.model_id, child.dim, child.query_id) == (local.model_id, 384, local.query_id)
    assert np.array_equal(child.encode_queries(NEEDS), in_process)
    assert child.encode_queries([]).shape == (0, 384)
    with pytest.raises(RuntimeError, match="Error"):
        child.encode_queries([None])  # type: ignore[list-item]
    assert np.array_equal(child.encode_queries(NEEDS), in_process), "it goes on"


def test_a_killed_child_is_started_again(child, in_process, caplog) -> None:
    first = child.pid
    os.kill(first, signal.SIGKILL)
    child._process.wait(10)
    with caplog.at_level(logging.WARNING, logger="matcher.encoders"):
        assert np.array_equal(child.encode_queries(NEEDS), in_process)
    assert child.pid not in (None, first) and "starting it again" in caplog.text


def test_a_child_that_stops_answering_is_replaced(child, in_process, monkeypatch) -> None:
    monkeypatch.setattr(model_process, "ANSWER_TIMEOUT_S", 1)
    hung = child.pid
    os.kill(hung, signal.SIGSTOP)
    assert np.array_equal(child.encode_queries(NEEDS), in_process)
    assert child.pid != hung and not Path(f"/proc/{hung}").exists(), "the hung one was killed"


def test_catalogue_texts_stay_in_this_process(child, local, no_start) -> None:
    encoder = ProcessEncoder(MINILM, lambda: build_model(MINILM))
    encoder.child, running = child, child.pid
    texts = ["Recycling of lithium-ion batteries"]
    assert np.array_equal(encoder.encode_documents(texts), local.encode_documents(texts))
    assert encoder._local is not None and child.pid == running


def test_needs_fall_back_to_this_process_when_no_child_starts(
    local, in_process, no_start, caplog
) -> None:
    with caplog.at_level(logging.WARNING, logger="matcher.encoders"):
        encoder = ProcessEncoder(MINILM, lambda: build_model(MINILM))
    assert encoder.child is None and "did not start" in caplog.text
    assert (encoder.model_id, encoder.dim, encoder.query_id) == (
        local.model_id,
        384,
        local.query_id,
    )
    assert np.array_equal(encoder.encode_queries(NEEDS), in_process)


def test_the_child_ends_with_a_killed_parent(tmp_path: Path) -> None:
    script = (
        "from matcher.encoders.model_process import ChildModel\n"
        "from matcher.settings import EncoderSettings\n"
        "child = ChildModel(EncoderSettings(name='minilm'))\n"
        "print(child.pid, flush=True)\n"
        "import time; time.sleep(600)\n"
    )
    root = str(Path(__file__).resolve().parents[1])
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"PYTHONPATH": root, "HF_HUB_OFFLINE": "1"},
    )
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    parent.kill()
    parent.wait()
    for _ in range(100):
        if not Path(f"/proc/{pid}").exists() or "Z" in _state(pid):
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid), "the child outlived it"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_serve_turns_child_processes_on_unless_settings_say_otherwise(
    cli_data, monkeypatch
) -> None:
    seen = []
    monkeypatch.setattr("uvicorn.run", lambda app, **_: seen.append(app.state.matcher.settings))
    assert cli.main(["serve"]) == 0
    monkeypatch.setenv("MATCHER_ENCODER__NEED_PROCESSES", "false")
    get_settings.cache_clear()
    assert cli.main(["serve"]) == 0
    assert [s.encoder.need_processes for s in seen] == [True, False]
