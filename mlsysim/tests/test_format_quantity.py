"""`mlsysim.format_quantity`: one public formatter for a number and its unit, as prose shows it
(the interview answers and any other part quote values through it)."""

from __future__ import annotations

import pytest

import mlsysim


@pytest.mark.parametrize("value, unit, sig, text", [
    (141.1e9, "B", 3, "141 GB"),
    (3.35e12, "B/s", 3, "3.35 TB/s"),
    (989.4e12, "FLOP/s", 2, "990 TFLOP/s"),
    (4.794e-3, "s", 3, "4.79 ms"),
    (20.16, "s", 3, "20.2 s"),
    (50.72e6, "$", 3, "$50.7M"),
    (847.0, "$", 3, "$847"),
    (1.4125, "$", 3, "$1.41"),
    (3.171, "x", 3, "3.17x"),
    (56.5, "%", 3, "56.5%"),
    (8192, "tokens", 3, "8,190 tokens"),
    (131072, "", 6, "131,072"),
    (0.000123, "", 2, "0.00012"),
    (104, "chats", 3, "104 chats"),
    (2.0, "x", 2, "2x"),
], ids=lambda v: str(v))
def test_values_read_as_prose_with_their_unit(value: float, unit: str, sig: int, text: str) -> None:
    assert mlsysim.format_quantity(value, unit, sig) == text


def test_the_default_is_three_significant_figures_like_the_summaries() -> None:
    assert mlsysim.format_quantity(295.343) == "295"
    assert mlsysim.format_quantity(0.0021, "s") == "2.1 ms"
