"""`matcher serve` runs NumPy's BLAS on one thread."""

import numpy as np
import pytest
from threadpoolctl import ThreadpoolController

from matcher import cli
from matcher.threads import quiet_numpy_blas


def _numpy_blas() -> list:
    blas = [lib for lib in ThreadpoolController().lib_controllers if lib.user_api == "blas"]
    return [lib for lib in blas if "numpy" in lib.filepath] or blas


@pytest.fixture
def two_threads():
    """NumPy's BLAS on two threads during the test, and as it was afterwards."""
    before = {lib.filepath: lib.num_threads for lib in _numpy_blas()}
    for lib in _numpy_blas():
        lib.set_num_threads(2)
    yield
    for lib in _numpy_blas():
        lib.set_num_threads(before[lib.filepath])


def test_numpy_blas_runs_on_one_thread_after_quieting(two_threads):
    assert quiet_numpy_blas() == len(_numpy_blas()) > 0
    assert all(lib.num_threads == 1 for lib in _numpy_blas())
    a = np.random.default_rng(0).random((300, 300))
    assert np.allclose(a @ np.eye(300), a)  # products still work


def test_serve_quiets_numpy_blas_before_it_serves(two_threads, cli_data, monkeypatch):
    seen = {}

    def run(app, **options):
        seen["threads"] = [lib.num_threads for lib in _numpy_blas()]
        seen["options"] = options

    monkeypatch.setattr("uvicorn.run", run)
    assert cli.main(["serve", "--port", "8123"]) == 0
    assert seen["threads"] and all(n == 1 for n in seen["threads"])
    assert seen["options"]["port"] == 8123
