"""knitr's `opts_chunk$set(...)`: chunk-option defaults an R cell sets for the cells after it.

A knitr document usually starts with a setup chunk such as
`knitr::opts_chunk$set(echo = FALSE, fig.width = 6)`. knitr applies those defaults to every
later chunk (a chunk's own options still win). Options are decided here before anything runs
(one R session runs the whole plan), so the call is read from the cell's source: its
arguments must be literals (`TRUE`, `FALSE`, numbers, strings, `c(...)` of those, `NULL`,
`NA`).
Anything else is reported, with its line, and ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_CALL = re.compile(r"(?:\bknitr\s*::\s*)?\bopts_chunk\s*\$\s*set\s*\(")
_NUMBER = re.compile(r"^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?L?$")
_NAME = re.compile(r"^[A-Za-z.][\w.]*$")
_SOURCE = re.compile(r"\b(?:base\s*::\s*)?source\s*\(\s*([\"'])([^\"'\n]+)\1")


@dataclass(frozen=True)
class OptsCall:
    """One `opts_chunk$set(...)` in a cell: where, what it sets, and what could not be read."""

    line: int  # 0-based line within the cell's code
    options: dict[str, Any]  # Quarto spelling: `fig.width` -> `fig-width`
    unread: tuple[str, ...]  # `name = expression` arguments that are not literals


def quarto_name(knitr_name: str) -> str:
    """knitr's dotted option names in Quarto's spelling (`fig.width` -> `fig-width`)."""
    return knitr_name.replace(".", "-") if knitr_name.startswith(
        ("fig.", "tbl.", "out.", "lst.", "code.")) else knitr_name


def _literal(text: str) -> tuple[bool, Any]:
    """(True, value) for an R literal, (False, None) for anything else."""
    text = text.strip()
    if text in ("TRUE", "T"):
        return True, True
    if text in ("FALSE", "F"):
        return True, False
    if text in ("NULL", "NA"):
        return True, None
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return True, text[1:-1].replace("\\" + text[0], text[0])
    if _NUMBER.match(text):
        value = float(text.rstrip("L"))
        return True, int(value) if value.is_integer() and "." not in text else value
    if text.startswith("c(") and text.endswith(")"):
        parts = [_literal(p) for p in _split(text[2:-1])]
        if all(ok for ok, _ in parts):
            return True, [v for _, v in parts]
    return False, None


def _split(args: str) -> list[str]:
    """Top-level comma-separated arguments (commas inside quotes or brackets stay)."""
    out, depth, quote, start = [], 0, "", 0
    for i, ch in enumerate(args):
        if quote:
            quote = "" if ch == quote and args[i - 1] != "\\" else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(args[start:i])
            start = i + 1
    out.append(args[start:])
    return [a for a in (s.strip() for s in out) if a]


def _blank(code: str, strings: bool) -> str:
    """`code` with each R comment (and, if `strings`, each string's content) blanked out:
    same length, so offsets still match."""
    out, quote, comment = [], "", False
    for i, ch in enumerate(code):
        if comment:
            comment = ch != "\n"
            out.append(ch if ch == "\n" else " ")
            continue
        if quote:
            closing = ch == quote and code[i - 1] != "\\"
            out.append(" " if strings and not closing and ch != "\n" else ch)
            quote = "" if closing else quote
            continue
        if ch in "\"'":
            quote = ch
        elif ch == "#":
            comment = True
            out.append(" ")
            continue
        out.append(ch)
    return "".join(out)


def _arguments(code: str, open_at: int) -> str | None:
    """The text between the call's parentheses (None if they never close)."""
    depth, quote = 1, ""
    for i in range(open_at, len(code)):
        ch = code[i]
        if quote:
            quote = "" if ch == quote and code[i - 1] != "\\" else quote
        elif ch in "\"'":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return code[open_at:i]
    return None


def opts_chunk_calls(code: str) -> list[OptsCall]:
    """Every `opts_chunk$set(...)` in an R cell's code, in order."""
    calls = []
    code = _blank(code, strings=False)
    for m in _CALL.finditer(_blank(code, strings=True)):
        args = _arguments(code, m.end())
        if args is None:
            continue
        options: dict[str, Any] = {}
        unread: list[str] = []
        for arg in _split(args):
            name, eq, value = arg.partition("=")
            name = name.strip().strip("`")
            ok, parsed = _literal(value) if eq and _NAME.match(name) else (False, None)
            if ok:
                options[quarto_name(name)] = parsed
            else:
                unread.append(" ".join(arg.split()))
        calls.append(OptsCall(code.count("\n", 0, m.start()), options, tuple(unread)))
    return calls


def yaml_defaults(*layers: Any) -> dict[str, Any]:
    """`knitr: opts_chunk:` of the project, then the chapter (Quarto passes them to knitr)."""
    out: dict[str, Any] = {}
    for layer in layers:
        knitr = layer.get("knitr") if isinstance(layer, dict) else None
        opts = knitr.get("opts_chunk") if isinstance(knitr, dict) else None
        if isinstance(opts, dict):
            out.update({quarto_name(str(k)): v for k, v in opts.items()})
    return out


def sourced_files(code: str) -> list[tuple[int, str]]:
    """`source("file.R")` calls with a literal path: (0-based line, path), in order.

    A setup chunk often sources a shared `_common.R` that calls `opts_chunk$set()`."""
    code = _blank(code, strings=False)
    return [(code.count("\n", 0, m.start()), m.group(2)) for m in _SOURCE.finditer(code)]
