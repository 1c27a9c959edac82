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
        # BEGIN SOLUTION
        # HINT: An empty text gives no vocabulary: ValueError.
        # HINT:
        # HINT: The vocabulary is every distinct character of the text in a deterministic order
        # HINT: (the same text must always give the same ids, or a saved model decodes nonsense),
        # HINT: after the unknown marker, which takes id 0. Keep both directions: id to character
        # HINT: and character to id.
        if not text:
            raise ValueError("CharTokenizer needs a non-empty text to build its vocabulary")
        self.itos: list[str] = [self.UNK, *sorted(set(text))]
        self.stoi: dict[str, int] = {ch: i for i, ch in enumerate(self.itos)}
        # END SOLUTION

    @property
    def vocab_size(self) -> int:
        # BEGIN SOLUTION
        # HINT: Count the vocabulary, unknown marker included.
        return len(self.itos)
        # END SOLUTION

    def encode(self, text: str) -> list[int]:
        """Characters never seen in training map to ``<unk>`` (id 0) rather than failing."""
        # BEGIN SOLUTION
        # HINT: One id per character; a character never seen in training maps to the unknown id
        # HINT: instead of raising.
        return [self.stoi.get(ch, 0) for ch in text]
        # END SOLUTION

    def decode(self, ids: Iterable[int]) -> str:
        # BEGIN SOLUTION
        # HINT: The inverse: each id's character, joined. Ids may arrive as numpy integers.
        return "".join(self.itos[int(i)] for i in ids)
        # END SOLUTION


def pair_counts(ids: np.ndarray, weights: np.ndarray) -> dict[tuple[int, int], int]:
    """Weighted counts of adjacent pairs; negative ids are separators and never pair up.

    ``ids`` is the concatenation of all distinct chunks separated by -1, and ``weights[i]`` is
    how often the chunk holding position i occurs in the corpus, so one pass counts the corpus.
    """
    # BEGIN SOLUTION
    # HINT: Count every pair of neighbours in ONE vectorised pass over the whole corpus. The ids of
    # HINT: all distinct chunks are concatenated with -1 between them; a pair touching a -1 crosses
    # HINT: a chunk boundary and never counts.
    # HINT:
    # HINT: Trick: turn each pair (a, b) into a single integer with a base larger than any id, so
    # HINT: counting pairs becomes counting integers; weight each pair by how often its chunk
    # HINT: occurs in the corpus (weights of the left position).
    # HINT:
    # HINT: Return a dict from pair to (integer) count. Edge cases: an empty corpus or no valid
    # HINT: pairs.
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
    # HINT: Mark where the pair starts. Left to right and without overlap: in "a a a" the pair (a,
    # HINT: a) matches twice (overlapping), but only the first can be merged, and in a run of four
    # HINT: both the first and the third.
    # HINT:
    # HINT: For a != b matches cannot overlap. For a == b, within each run of consecutive matches
    # HINT: keep every other one counting from the run's start; find each position's run start
    # HINT: without a Python loop (a running maximum of start indices does it).
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
    # BEGIN SOLUTION
    # HINT: Write the new id at every merged position, then drop the right partner of each merge.
    # HINT: Work on a copy: the caller's array is not yours to change.
    hit = merge_positions(ids, pair)
    out = ids.copy()
    out[hit] = new_id
    return out[~_absorbed(hit)]
    # END SOLUTION


def _absorbed(hit: np.ndarray) -> np.ndarray:
    """Positions swallowed by a merge: the right neighbour of every merged position."""
    # BEGIN SOLUTION
    # HINT: The positions swallowed by a merge are the right neighbours of the merged ones: the
    # HINT: mask shifted by one.
    right = np.zeros_like(hit)
    right[1:] = hit[:-1]
    return right
    # END SOLUTION


class BPETokenizer:
    """Byte-level BPE: ids 0-255 are bytes, each learned merge adds one id."""

    def __init__(self) -> None:
        # BEGIN SOLUTION
        # HINT: Start with no merges and the 256 single-byte tokens (id i is the byte i): any text
        # HINT: can be encoded from the start.
        self.merges: list[tuple[int, int]] = []
        self.vocab: dict[int, bytes] = {i: bytes([i]) for i in range(256)}
        # END SOLUTION

    @property
    def vocab_size(self) -> int:
        # BEGIN SOLUTION
        # HINT: Bytes plus learned merges.
        return len(self.vocab)
        # END SOLUTION

    @staticmethod
    def _chunks(text: str) -> list[str]:
        # BEGIN SOLUTION
        # HINT: Split the text with the module's chunk pattern so merges never cross a word
        # HINT: boundary.
        return _CHUNK.findall(text)
        # END SOLUTION

    @staticmethod
    def _flatten(chunks: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Bytes of each chunk, separated by -1, plus an array marking chunk boundaries."""
        # BEGIN SOLUTION
        # HINT: The UTF-8 bytes of each chunk as int64, each chunk followed by a -1 separator, all
        # HINT: concatenated; also the running count of separators (which chunk each position
        # HINT: belongs to). No chunks gives two empty arrays.
        parts: list[np.ndarray] = []
        for c in chunks:
            parts.append(np.frombuffer(c.encode("utf-8"), dtype=np.uint8).astype(np.int64))
            parts.append(np.array([-1], dtype=np.int64))
        if not parts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        flat = np.concatenate(parts)
        return flat, np.cumsum(flat < 0)
        # END SOLUTION

    def train(self, text: str, vocab_size: int) -> BPETokenizer:
        """Learn ``vocab_size - 256`` merges, most frequent pair first (ties: smallest pair)."""
        # BEGIN SOLUTION
        # HINT: A target below 256 is a ValueError (the byte alphabet is already 256). Count
        # HINT: distinct chunks once: training works on each distinct chunk with its frequency as a
        # HINT: weight, not on the whole repeated corpus.
        # HINT:
        # HINT: Each round: count pairs, pick the most frequent (ties broken by the smallest pair,
        # HINT: so training is deterministic), merge it everywhere under the next id, record the
        # HINT: merge and the new token's bytes (the two parts' bytes joined).
        # HINT:
        # HINT: Stop early when no pair occurs at least twice (merging a pair seen once saves
        # HINT: nothing). Keep the weights aligned with the ids as positions disappear. Return self
        # HINT: so calls chain.
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
        return self
        # END SOLUTION

    def encode(self, text: str) -> list[int]:
        """Apply the merges in the order they were learned (that reproduces training)."""
        # BEGIN SOLUTION
        # HINT: Bytes of the chunks, then replay the learned merges in the order they were learned
        # HINT: (merge k got id 256 + k): that reproduces what training did. Stop early when
        # HINT: nothing is left to merge. Drop the separators.
        ids, _ = self._flatten(self._chunks(text))
        for rank, pair in enumerate(self.merges):
            if ids.size < 2:
                break
            ids = merge_pair(ids, pair, 256 + rank)
        return [int(i) for i in ids if i >= 0]
        # END SOLUTION

    def decode(self, ids: Iterable[int]) -> str:
        """Join the bytes of each id; invalid UTF-8 (a cut multi-byte char) becomes U+FFFD."""
        # BEGIN SOLUTION
        # HINT: Join the bytes of every id and decode as UTF-8. A cut multi-byte character becomes
        # HINT: the replacement character, not an exception; an id the vocabulary does not know is
        # HINT: a ValueError naming it and the vocabulary size.
        try:
            raw = b"".join(self.vocab[int(i)] for i in ids)
        except KeyError as exc:
            raise ValueError(f"unknown token id {exc.args[0]} (vocab size {self.vocab_size})") from None
        return raw.decode("utf-8", errors="replace")
        # END SOLUTION

    def compression_ratio(self, text: str) -> float:
        """UTF-8 bytes per token: how much shorter sequences get than with raw bytes."""
        # BEGIN SOLUTION
        # HINT: UTF-8 bytes of the text per token of its encoding (guard against zero tokens).
        n = len(self.encode(text))
        return len(text.encode("utf-8")) / max(n, 1)
        # END SOLUTION
