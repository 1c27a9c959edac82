"""Repair attribute blocks pandoc would not read: `{#sec-x key= value}` keeps its id.

Pandoc reads `{#id .class key=value}` only when every `key=value` pair is written without
spaces around `=`; one stray space turns the whole block into literal text, so the heading
or figure loses its id and every `@sec-x` pointing at it goes unresolved. Quarto keeps the
id. We close the gap before pandoc runs, in the Markdown text (line numbers unchanged), and
report each repair as a warning at its line so the author can fix the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# An attribute block that starts with an id or a class: `{#x ...}` / `{.x ...}`.
_BLOCK = re.compile(r"\{[#.][A-Za-z][^{}\n]*\}")
_LOOSE_EQ = re.compile(r"""([\w-]+)\s*=\s+(?=["'\w])|([\w-]+)\s+=\s*(?=["'\w])""")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
# Any attribute block with a space beside an `=`: one scan of the text finds none in almost
# every chapter, so the line walk below runs only where a repair may be needed.
_SUSPECT = re.compile(r"\{[#.][A-Za-z][^{}\n]*?(?:\s=|=\s)[^{}\n]*\}")


@dataclass(frozen=True)
class Repair:
    line: int  # 1-based, in the text given
    written: str
    read_as: str


_QUOTED = re.compile(r""""[^"]*"|'[^']*'""")


def _fix(block: str) -> str:
    """Close loose `=` between keys and values, never inside a quoted value (an alt text may
    well say `t = 8`)."""
    out, pos = [], 0
    for q in _QUOTED.finditer(block):
        out.append(_LOOSE_EQ.sub(lambda m: f"{m.group(1) or m.group(2)}=", block[pos:q.start()]))
        out.append(q.group(0))
        pos = q.end()
    out.append(_LOOSE_EQ.sub(lambda m: f"{m.group(1) or m.group(2)}=", block[pos:]))
    return "".join(out)


def repair_attributes(markdown: str) -> tuple[str, list[Repair]]:
    """Close the spaces around `=` in attribute blocks outside code; list what changed."""
    if _SUSPECT.search(markdown) is None:
        return markdown, []
    lines = markdown.split("\n")
    repairs: list[Repair] = []
    fence: str | None = None
    for i, line in enumerate(lines):
        m = _FENCE.match(line)
        if m and (fence is None or m.group(1).startswith(fence)):
            fence = None if fence else m.group(1)
            continue
        if fence or "{" not in line:
            continue

        def one(match: re.Match[str], row: int = i) -> str:
            fixed = _fix(match.group(0))
            if fixed != match.group(0):
                repairs.append(Repair(row + 1, match.group(0), fixed))
            return fixed

        lines[i] = _BLOCK.sub(one, line)
    return ("\n".join(lines), repairs) if repairs else (markdown, [])
