"""Module 10 tests: tokenizers map text to ids and back, and BPE learns useful merges."""

import numpy as np
import pytest
from tinytorch.tokenizers import (
    BPETokenizer,
    CharTokenizer,
    merge_pair,
    merge_positions,
    pair_counts,
)

CORPUS = (
    "the cat sat on the mat. the dog sat on the log. "
    "then the cat and the dog sat together on the mat and the log. "
) * 20


def test_char_tokenizer_round_trips_its_training_text():
    tok = CharTokenizer(CORPUS)
    ids = tok.encode(CORPUS)
    assert len(ids) == len(CORPUS)
    assert tok.decode(ids) == CORPUS


def test_char_vocabulary_is_sorted_distinct_characters_after_unk():
    tok = CharTokenizer("banana")
    assert tok.vocab_size == 4  # <unk>, a, b, n
    assert tok.encode("abn") == [1, 2, 3]


def test_char_tokenizer_maps_unseen_characters_to_unk():
    tok = CharTokenizer("abc")
    assert tok.encode("axb") == [1, 0, 2]


def test_char_tokenizer_rejects_empty_training_text():
    with pytest.raises(ValueError):
        CharTokenizer("")


def test_pair_counts_are_weighted_and_skip_separators():
    ids = np.array([1, 2, 1, 2, -1, 2, 1, -1])
    weights = np.array([3, 3, 3, 3, 3, 5, 5, 5], dtype=float)
    counts = pair_counts(ids, weights)
    assert counts == {(1, 2): 6, (2, 1): 3 + 5}


def test_merge_of_a_repeated_symbol_does_not_overlap():
    assert merge_pair(np.array([7, 7, 7]), (7, 7), 9).tolist() == [9, 7]
    assert merge_pair(np.array([7, 7, 7, 7]), (7, 7), 9).tolist() == [9, 9]
    assert merge_positions(np.array([1, 7, 7, 7, 2]), (7, 7)).tolist() == [
        False, True, False, False, False]


def test_merge_replaces_every_occurrence_of_a_distinct_pair():
    out = merge_pair(np.array([1, 2, 3, 1, 2, 1]), (1, 2), 300)
    assert out.tolist() == [300, 3, 300, 1]


def test_first_bpe_merge_is_the_most_frequent_pair():
    tok = BPETokenizer().train("ab ab ab cd", 257)
    assert tok.merges == [(ord("a"), ord("b"))]
    assert tok.vocab[256] == b"ab"


def test_bpe_round_trips_any_text_including_unseen_unicode():
    tok = BPETokenizer().train(CORPUS, 320)
    rng = np.random.default_rng(0)
    alphabet = list("the cat sat mat dog ,.!?\n\t") + ["é", "ß", "中", "🙂"]
    for _ in range(30):
        text = "".join(rng.choice(alphabet, size=int(rng.integers(0, 60))))
        assert tok.decode(tok.encode(text)) == text


def test_bpe_shortens_sequences_on_text_like_its_training_data():
    tok = BPETokenizer().train(CORPUS, 330)
    ids = tok.encode(CORPUS)
    assert len(ids) < len(CORPUS.encode()) / 2.5
    assert tok.compression_ratio(CORPUS) > 2.5


def test_bpe_vocabulary_never_exceeds_the_requested_size():
    tok = BPETokenizer().train(CORPUS, 300)
    assert tok.vocab_size <= 300
    assert max(tok.encode(CORPUS)) < tok.vocab_size


def test_bpe_merges_stay_inside_words():
    tok = BPETokenizer().train(CORPUS, 400)
    for token in tok.vocab.values():
        # a space may only begin a token (" cat"); never sit between two words
        assert b" " not in token.lstrip(b" ") or token.strip() == b""


def test_bpe_rejects_unknown_ids_and_too_small_vocabularies():
    tok = BPETokenizer().train(CORPUS, 260)
    with pytest.raises(ValueError):
        tok.decode([10_000])
    with pytest.raises(ValueError):
        BPETokenizer().train(CORPUS, 100)
