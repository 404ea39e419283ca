"""Which runtime should encode needs: the lean PyTorch stack, ONNX Runtime or OpenVINO.

Run by hand from the repository root (needs `pip install -e '.[runtimes]'`):

    .venv/bin/python -m benchmarks.encoder_runtime --needs 200

Both models' layer stacks are exported once to ONNX from the packaged weights
(benchmarks/onnx_stack.py); every variant then encodes the same needs one at a time, as the
server does, on one thread, in rotating order (A B C, B C A, ...) so drift of the machine's
speed falls on all alike. Twice: with the machine otherwise idle, and "under load", with a
second process keeping every core busy with the matrix products a ranking makes. Each
variant's vectors are compared with the float32 lean stack's (cosine). Prints the table and
writes the "## Need encoder runtime" section of docs/benchmarks.md (unless --no-docs).
"""

import argparse
import multiprocessing
import os
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.docs_page import replace_section
from benchmarks.latency_needs import needs as need_bodies
from benchmarks.latency_report import machine

HEADING = "## Need encoder runtime"
VARIANTS = ("lean bfloat16", "lean float32", "onnxruntime", "openvino", "openvino-f32")
Encode = Callable[[list[str]], np.ndarray]


def busy(stop: Any) -> None:
    """Keep the cores busy with float32 products of a ranking's size until told to stop."""
    rng = np.random.default_rng(0)
    a, b = rng.random((2000, 384), np.float32), rng.random((384, 2000), np.float32)
    while not stop.is_set():
        a @ b


def encoders(scratch: Path) -> dict[str, dict[str, Encode]]:
    """Per model, each variant's need encoder (one need list in, vectors out)."""
    from benchmarks.onnx_stack import RuntimeStack, export
    from matcher.encoders.e5_torch import TorchE5
    from matcher.encoders.minilm import MiniLMEncoder

    made: dict[str, dict[str, Encode]] = {"MiniLM": {}, "e5": {}}
    for model in made:
        for variant in VARIANTS:
            precision = "bfloat16" if variant == "lean bfloat16" else "float32"
            if model == "MiniLM":
                minilm = MiniLMEncoder(precision=precision)
                encoder, stack_owner = minilm.encode_queries, minilm._lean
            else:
                e5 = TorchE5(precision=precision)
                encoder, stack_owner = (lambda t, e5=e5: e5.encode(t, True)), e5
            if not variant.startswith("lean"):
                path = scratch / f"{model}.onnx"
                if not path.exists():
                    export(stack_owner.stack, path)
                stack_owner.stack = RuntimeStack(path, variant)  # type: ignore[arg-type]
            made[model][variant] = _one_thread(encoder)
    return made


def _one_thread(encode: Encode) -> Encode:
    from matcher.encoders.base import normalise
    from matcher.encoders.bert_layers import one_thread

    def run(texts: list[str]) -> np.ndarray:
        with one_thread():
            return normalise(np.asarray(encode(texts), np.float32))

    return run


def timed(made: dict[str, Callable[[str], Any]], texts: Iterable[str]) -> dict[str, list[float]]:
    """Milliseconds per text for every call (a variant's encoder, a side's query), the order
    rotating every text (A B C, B C A, ...)."""
    names = list(made)
    times: dict[str, list[float]] = {n: [] for n in names}
    for number, text in enumerate(texts):
        shift = number % len(names)
        for name in names[shift:] + names[:shift]:
            start = time.perf_counter()
            made[name](text)
            times[name].append((time.perf_counter() - start) * 1000)
    return times


def agreement(made: dict[str, Encode], texts: list[str]) -> dict[str, float]:
    """Least cosine of each variant's vectors to the float32 lean stack's."""
    reference = made["lean float32"](texts)
    return {n: float(np.min(np.sum(e(texts) * reference, axis=1))) for n, e in made.items()}


def measure(count: int) -> dict[str, Any]:
    """Every model and variant: times idle and under load, and agreement."""
    texts = [body["need"] for body in need_bodies(count)]
    results: dict[str, Any] = {"machine": machine(), "needs": len(texts), "models": {}}
    with tempfile.TemporaryDirectory(prefix="onnx-") as scratch:
        made = encoders(Path(scratch))
        for model, variants in made.items():
            for encode in variants.values():
                encode(texts[:8])  # warm-up
            alone = {name: (lambda t, e=encode: e([t])) for name, encode in variants.items()}
            entry = {"agreement": agreement(variants, texts[:40]), "idle": timed(alone, texts)}
            stop = multiprocessing.Event()
            hogs = [
                multiprocessing.Process(target=busy, args=(stop,))
                for _ in range(os.cpu_count() or 2)
            ]
            for hog in hogs:
                hog.start()
            try:
                entry["loaded"] = timed(alone, texts)
            finally:
                stop.set()
                for hog in hogs:
                    hog.join()
            results["models"][model] = entry
    return results


def table(results: dict[str, Any]) -> str:
    """The runtime table in Markdown, with ratios to the lean stack the server uses."""
    lines = [
        "| model | runtime | min cosine to lean float32 | idle p50 / p99 ms "
        "| under load p50 / p99 ms | idle p50 vs lean bfloat16 | under load p50 vs lean bfloat16 |",
        "|---|---|---|---|---|---|---|",
    ]
    for model, entry in results["models"].items():
        base = {k: float(np.median(entry[k]["lean bfloat16"])) for k in ("idle", "loaded")}
        for variant in VARIANTS:
            cells = [model, variant, f"{entry['agreement'][variant]:.6f}"]
            for key in ("idle", "loaded"):
                ms = np.asarray(entry[key][variant])
                cells.append(f"{np.median(ms):.1f} / {np.percentile(ms, 99):.1f}")
            cells += [f"{np.median(entry[k][variant]) / base[k]:.2f}" for k in ("idle", "loaded")]
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def section(results: dict[str, Any]) -> str:
    """The docs section: how it was measured, the machine and the table."""
    m = results["machine"]
    return (
        f"{HEADING}\n\n`python -m benchmarks.encoder_runtime --needs {results['needs']}` "
        f"({m['date']}; {m['cpu']}, {m['cores']} cores, Python {m['python']}): each need encoded "
        "alone on one thread, every runtime in rotating order, idle and with every core kept "
        'busy by another process ("under load"). Same tokenisation, embedding and pooling; '
        "only the layers' runtime differs (benchmarks/onnx_stack.py exports them to ONNX from "
        "the packaged weights).\n\n" + table(results) + "\n"
    )


def main() -> None:
    """Measure, print, and write the docs section."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--needs", type=int, default=200, help="needs per measurement")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    args = parser.parse_args()
    results = measure(args.needs)
    print(table(results))
    if not args.no_docs:
        replace_section(HEADING, section(results))


if __name__ == "__main__":
    main()
