"""Tokenizers (module 10): turning text into the integer ids a model can embed.

Two designs bracket the trade-off. A character tokenizer has a tiny vocabulary and never meets
an unknown word, but sequences are long, and attention cost grows with the square of length.
Byte-pair encoding (BPE) starts from the 256 byte values, so it too can encode any text, then
learns merges of frequent neighbouring pairs, shortening sequences at the price of a bigger
embedding table. Both are plain Python/numpy: tokenization runs once per text, outside autograd.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

import numpy as np

# Words keep their leading space (" cat"), so merges never cross a word boundary but spaces
# still get merged into tokens; runs of punctuation and of whitespace form their own chunks.
_CHUNK = re.compile(r" ?\w+| ?[^\w\s]+|\s+")


class CharTokenizer:
    """One id per distinct character of the training text (plus ``<unk>`` at id 0)."""

    UNK = "<unk>"

    def __init__(self, text: str) -> None:
        if not text:
            raise ValueError("CharTokenizer needs a non-empty text to build its vocabulary")
        # BEGIN SOLUTION
        # HINT: sorted(set(text)) gives a deterministic vocabulary; reserve id 0 for UNK
        self.itos: list[str] = [self.UNK, *sorted(set(text))]
        self.stoi: dict[str, int] = {ch: i for i, ch in enumerate(self.itos)}
        # END SOLUTION

    @property
    def vocab_size(self) -> int:
        return len(self.itos)

    def encode(self, text: str) -> list[int]:
        """Characters never seen in training map to ``<unk>`` (id 0) rather than failing."""
        # BEGIN SOLUTION
        # HINT: dict.get with a default of 0
        return [self.stoi.get(ch, 0) for ch in text]
        # END SOLUTION

    def decode(self, ids: Iterable[int]) -> str:
        # BEGIN SOLUTION
        # HINT: look every id up in self.itos and join
        return "".join(self.itos[int(i)] for i in ids)
        # END SOLUTION


def pair_counts(ids: np.ndarray, weights: np.ndarray) -> dict[tuple[int, int], int]:
    """Weighted counts of adjacent pairs; negative ids are separators and never pair up.

    ``ids`` is the concatenation of all distinct chunks separated by -1, and ``weights[i]`` is
    how often the chunk holding position i occurs in the corpus, so one pass counts the corpus.
    """
    # BEGIN SOLUTION
    # HINT: encode each pair (a, b) as a single integer a * base + b, drop pairs touching -1,
    # HINT: then np.unique(..., return_inverse=True) and np.bincount(..., weights=...)
    left, right = ids[:-1], ids[1:]
    valid = (left >= 0) & (right >= 0)
    base = int(ids.max()) + 1 if ids.size else 1
    codes = left[valid].astype(np.int64) * base + right[valid]
    if codes.size == 0:
        return {}
    uniq, inverse = np.unique(codes, return_inverse=True)
    totals = np.bincount(inverse, weights=weights[:-1][valid])
    return {(int(c // base), int(c % base)): int(t) for c, t in zip(uniq, totals, strict=True)}
    # END SOLUTION


def merge_positions(ids: np.ndarray, pair: tuple[int, int]) -> np.ndarray:
    """Mask of the positions i where ``pair`` starts and is merged (left to right, no overlap).

    Vectorised: with a == b a run like a,a,a holds overlapping matches, of which only every
    other one (counting from the start of the run) may be merged.
    """
    # BEGIN SOLUTION
    # HINT: hit[i] is True where (ids[i], ids[i+1]) == pair; inside a run of consecutive hits
    # HINT: keep even offsets from the run start (np.maximum.accumulate finds run starts)
    a, b = pair
    hit = np.zeros(ids.shape, dtype=bool)
    hit[:-1] = (ids[:-1] == a) & (ids[1:] == b)
    if a == b and hit.any():
        idx = np.arange(ids.size)
        starts = hit & ~np.concatenate(([False], hit[:-1]))
        run_start = np.maximum.accumulate(np.where(starts, idx, 0))
        hit &= (idx - run_start) % 2 == 0
    return hit
    # END SOLUTION


def merge_pair(ids: np.ndarray, pair: tuple[int, int], new_id: int) -> np.ndarray:
    """Replace every merged occurrence of ``pair`` by ``new_id`` (the right item disappears)."""
    hit = merge_positions(ids, pair)
    out = ids.copy()
    out[hit] = new_id
    return out[~_absorbed(hit)]


def _absorbed(hit: np.ndarray) -> np.ndarray:
    """Positions swallowed by a merge: the right neighbour of every merged position."""
    right = np.zeros_like(hit)
    right[1:] = hit[:-1]
    return right


class BPETokenizer:
    """Byte-level BPE: ids 0-255 are bytes, each learned merge adds one id."""

    def __init__(self) -> None:
        self.merges: list[tuple[int, int]] = []
        self.vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)

    @staticmethod
    def _chunks(text: str) -> list[str]:
        return _CHUNK.findall(text)

    @staticmethod
    def _flatten(chunks: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Bytes of each chunk, separated by -1, plus an array marking chunk boundaries."""
        parts: list[np.ndarray] = []
        for c in chunks:
            parts.append(np.frombuffer(c.encode("utf-8"), dtype=np.uint8).astype(np.int64))
            parts.append(np.array([-1], dtype=np.int64))
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        flat = np.concatenate(parts)
        return flat, np.cumsum(flat < 0)

    def train(self, text: str, vocab_size: int) -> BPETokenizer:
        """Learn ``vocab_size - 256`` merges, most frequent pair first (ties: smallest pair)."""
        if vocab_size < 256:
            raise ValueError(f"vocab_size must be at least 256 (the byte alphabet), got {vocab_size}")
        counts = Counter(self._chunks(text))
        words = list(counts)
        ids, _ = self._flatten(words)
        # each position's weight is the frequency of its chunk
        lengths = np.array([len(w.encode("utf-8")) + 1 for w in words], dtype=np.int64)
        weights = np.repeat(np.array([counts[w] for w in words], dtype=np.float64), lengths)
        self.merges = []
        self.vocab = {i: bytes([i]) for i in range(256)}
        # BEGIN SOLUTION
        # HINT: loop: count pairs, pick the max count (ties -> smallest pair), merge it
        # HINT: everywhere, record it in self.merges and self.vocab; stop when no pair repeats
        for new_id in range(256, vocab_size):
            stats = pair_counts(ids, weights)
            if not stats:
                break
            best = min(stats, key=lambda p: (-stats[p], p))
            if stats[best] < 2:
                break
            hit = merge_positions(ids, best)
            keep = ~_absorbed(hit)
            ids = np.where(hit, new_id, ids)[keep]
            weights = weights[keep]  # a merged pair lies in one chunk: same weight
            self.merges.append(best)
            self.vocab[new_id] = self.vocab[best[0]] + self.vocab[best[1]]
        # END SOLUTION
        return self

    def encode(self, text: str) -> list[int]:
        """Apply the merges in the order they were learned (that reproduces training)."""
        ids, _ = self._flatten(self._chunks(text))
        # BEGIN SOLUTION
        # HINT: for rank, pair in enumerate(self.merges): ids = merge_pair(ids, pair, 256 + rank)
        for rank, pair in enumerate(self.merges):
            if ids.size < 2:
                break
            ids = merge_pair(ids, pair, 256 + rank)
        # END SOLUTION
        return [int(i) for i in ids if i >= 0]

    def decode(self, ids: Iterable[int]) -> str:
        """Join the bytes of each id; invalid UTF-8 (a cut multi-byte char) becomes U+FFFD."""
        # BEGIN SOLUTION
        # HINT: b"".join(self.vocab[i] ...).decode("utf-8", errors="replace")
        try:
            raw = b"".join(self.vocab[int(i)] for i in ids)
        except KeyError as exc:
            raise ValueError(f"unknown token id {exc.args[0]} (vocab size {self.vocab_size})") from None
        return raw.decode("utf-8", errors="replace")
        # END SOLUTION

    def compression_ratio(self, text: str) -> float:
        """UTF-8 bytes per token: how much shorter sequences get than with raw bytes."""
        n = len(self.encode(text))
        return len(text.encode("utf-8")) / max(n, 1)
