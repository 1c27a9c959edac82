"""Footnote definitions no text cites: pandoc drops them, so the reader never sees the note.

Books that move paragraphs around leave `[^fn-x]: ...` definitions behind whose `[^fn-x]`
reference went with the paragraph. Pandoc only logs that at its own verbosity, and a build
that hid it would lose the note without a word, so each one is a warning at its line. The
scan is on the Markdown text (code fences skipped), so line numbers are the chapter's.
"""

from __future__ import annotations

import re

_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:")
_REFERENCE = re.compile(r"\[\^([^\]\s]+)\]")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


def unused_notes(markdown: str) -> list[tuple[int, str]]:
    """(line, note id) of every footnote definition that no `[^id]` in the text cites."""
    if "[^" not in markdown:
        return []
    defined: dict[str, int] = {}
    cited: set[str] = set()
    fence: str | None = None
    for number, line in enumerate(markdown.splitlines(), start=1):
        m = _FENCE.match(line)
        if m and (fence is None or m.group(1).startswith(fence)):
            fence = None if fence else m.group(1)[0] * 3
            continue
        if fence:
            continue
        d = _DEFINITION.match(line)
        if d:
            defined.setdefault(d.group(1), number)
            line = line[d.end():]
        cited.update(_REFERENCE.findall(line))
    return sorted((n, key) for key, n in defined.items() if key not in cited)
