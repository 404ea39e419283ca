"""The evaluation notebook runs end to end on the real data and draws its plots (slow)."""

from pathlib import Path
from typing import Any

import pytest

from matcher.engine import Matcher

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

pytestmark = pytest.mark.slow


def execute(name: str) -> tuple[str, list[dict[str, Any]]]:
    """Run a notebook of notebooks/ in place; its printed text and all its cell outputs."""
    import nbformat
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / "notebooks" / name, as_version=4)
    client = NotebookClient(
        notebook, timeout=1200, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}
    )
    client.execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    return text, outputs


@pytest.mark.skipif(not SHARED.exists(), reason="shared evaluation data not present")
def test_evaluation_notebook_executes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_EVAL_QUICK", "1")
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    text, outputs = execute("evaluation.ipynb")
    assert "minilm/dense" in text and "loss 0." in text
    assert "translation top-1" in text and "reliability: ECE" in text
    assert any("image/png" in o.get("data", {}) for o in outputs), "the comparison is plotted"
    assert not any(o.get("output_type") == "error" for o in outputs)


@pytest.mark.skipif(not SHARED.exists(), reason="shared evaluation data not present")
def test_partner_set_notebook_executes(
    demo: Matcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MATCHER_CACHE_FILE", str(demo.data_dir / "embeddings.sqlite"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    text, outputs = execute("partner_sets.ipynb")
    assert "mean disciplines" in text and "relevance ratio" in text
    assert any("image/png" in o.get("data", {}) for o in outputs), "the comparison is plotted"
    assert not any(o.get("output_type") == "error" for o in outputs)


def test_catalogue_map_notebook_draws_the_demo(
    demo: Matcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MATCHER_DATA_DIR", str(demo.data_dir))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    text, outputs = execute("catalogue_map.ipynb")
    assert "entities laid out with t-SNE" in text and "region 7:" in text
    assert any("image/png" in o.get("data", {}) for o in outputs), "the map is plotted"
    assert not any(o.get("output_type") == "error" for o in outputs)
