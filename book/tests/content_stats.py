"""Countable parts of a chapter's quality bar (Volume I content issue).

Why a script: writers need the same numbers the test suite enforces while they write, and the
numbers must not depend on a build. Run: `python book/tests/content_stats.py book/vol1/x.qmd ...`.
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

BOOK = Path(__file__).resolve().parents[1]

# Reference prefixes that are cross-references, not citations.
XREF_PREFIXES = ("sec-", "fig-", "tbl-", "eq-", "lst-", "dfn-", "exm-", "vid-")

FENCE = re.compile(r"^(`{3,}|~{3,})")
DISPLAY_MATH = re.compile(r"\$\$.*?\$\$", re.S)
INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\s)[^$\n]+?(?<!\s)\$")
INLINE_CODE = re.compile(r"`[^`\n]*`")
ATTRS = re.compile(r"\{[^{}\n]*\}")
HTML_TAG = re.compile(r"<[^>\n]+>")
LINK_URL = re.compile(r"\]\([^)\n]*\)")
CITE = re.compile(r"(?<![\w.@])-?@([A-Za-z][\w:.#$%&+?<>~/-]*[\w])")
WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")


@dataclass
class Stats:
    words: int
    inline_python: int
    figures: int
    tables: int
    citations: int
    unknown_citations: list[str]
    footnotes: int
    quizzes: int
    quiz_questions: int
    napkin_math: int
    definitions: int
    has_objectives: bool
    has_takeaways: bool
    has_fallacies: bool
    links_lab_or_tinytorch: bool


def bib_keys() -> set[str]:
    """Every citation key defined in the book's .bib files."""
    keys: set[str] = set()
    for bib in [BOOK / "references.bib", *sorted((BOOK / "bib").glob("*.bib"))]:
        if bib.exists():
            keys.update(re.findall(r"@\w+\s*\{\s*([^,\s]+)\s*,", bib.read_text(encoding="utf-8")))
    return keys


def prose_lines(text: str) -> list[str]:
    """The lines of a chapter that are prose: no front matter, code, tables or fences."""
    lines = text.splitlines()
    if lines and lines[0].strip() == "---":
        for i in range(1, len(lines)):
            if lines[i].strip() in ("---", "..."):
                lines = lines[i + 1 :]
                break
    out: list[str] = []
    fence: str | None = None
    for line in lines:
        m = FENCE.match(line.lstrip())
        if fence:
            if m and line.lstrip().startswith(fence) and not line.strip()[len(fence):].strip():
                fence = None
            continue
        if m:
            fence = m.group(1)
            continue
        s = line.strip()
        if s.startswith((":::", "|", "#|", "<!--")) or re.match(r"^[-+:= |]+$", s or "x"):
            continue
        if s.startswith(": ") and "{#tbl-" in s:  # table caption
            continue
        out.append(line)
    return out


def stats(path: Path, keys: set[str] | None = None) -> Stats:
    """Measure one chapter against the content bar."""
    text = path.read_text(encoding="utf-8")
    keys = bib_keys() if keys is None else keys
    prose = "\n".join(prose_lines(text))
    prose = DISPLAY_MATH.sub(" ", prose)
    prose = INLINE_MATH.sub(" ", prose)
    prose = INLINE_CODE.sub(" ", prose)
    prose = LINK_URL.sub("]", prose)
    prose = ATTRS.sub(" ", prose)
    prose = HTML_TAG.sub(" ", prose)
    prose = CITE.sub(" ", prose)
    words = len(WORD.findall(prose))

    cited = {k for k in CITE.findall(text) if not k.startswith(XREF_PREFIXES)}
    # Drop e-mail-like or decorator-like false positives: only keys that look like bib keys.
    cited = {k for k in cited if re.fullmatch(r"[A-Za-z][\w-]*\d{4}[\w-]*", k) or k in keys}
    figures = set(re.findall(r"#(fig-[\w-]+)", text)) | set(
        re.findall(r"#\|\s*label:\s*(fig-[\w-]+)", text)
    )
    # Subfigures (fig-x-a inside a fig-x div) count once with their parent.
    figures = {f for f in figures if not any(f != g and f.startswith(g + "-") for g in figures)}
    tables = set(re.findall(r"\{#(tbl-[\w-]+)", text)) | set(
        re.findall(r"#\|\s*label:\s*(tbl-[\w-]+)", text)
    )
    return Stats(
        words=words,
        inline_python=len(re.findall(r"`\{python\}", text)),
        figures=len(figures),
        tables=len(tables),
        citations=len(cited & keys),
        unknown_citations=sorted(cited - keys),
        footnotes=len(re.findall(r"\^\[", text)) + len(re.findall(r"^\[\^[^\]]+\]:", text, re.M)),
        quizzes=len(re.findall(r"\.callout-quiz", text)),
        quiz_questions=quiz_questions(text),
        napkin_math=len(re.findall(r"\.callout-napkin-math", text)),
        definitions=len(re.findall(r"\.callout-definition", text)),
        has_objectives="learning objectives" in text.lower(),
        has_takeaways=".callout-takeaways" in text,
        has_fallacies=bool(re.search(r"^##+ .*fallacies", text, re.M | re.I)),
        links_lab_or_tinytorch=bool(re.search(r"\]\([^)]*(labs|tinytorch)/", text)),
    )


def quiz_questions(text: str) -> int:
    """Numbered questions inside self-check quizzes (`::: {.callout-quiz}` blocks)."""
    n, depth = 0, 0
    for line in text.splitlines():
        s = line.strip()
        m = re.match(r"^(:{3,})\s*\{[^}]*\.callout-quiz", s)
        if m:
            depth = len(m.group(1))
            continue
        if depth and re.fullmatch(":{" + str(depth) + ",}", s):
            depth = 0
        elif depth and re.match(r"^\d+\.\s", line):
            n += 1
    return n


# Volume I's bar, second edition (issue 20): twice the depth and twice the figures of the first.
BAR = {
    "words": 8000,
    "inline_python": 5,
    "figures": 6,
    "tables": 2,
    "citations": 8,
    "quizzes": 1,
    # second edition (issue 20): at least ten questions per chapter, none with four
    "quiz_questions": 10,
    "napkin_math": 1,
}


# Volume II's bar (issue 19): longer chapters, more figures, tables, sources and questions.
BAR_VOL2 = {
    "words": 6000,
    "inline_python": 8,
    "figures": 6,
    "tables": 3,
    "citations": 12,
    "quiz_questions": 8,
    "napkin_math": 1,
}


def shortfalls(s: Stats, bar: dict[str, int] | None = None) -> list[str]:
    """What a chapter still lacks, in words an author can act on."""
    bar = BAR if bar is None else bar
    out = [f"{k}: {getattr(s, k)} < {v}" for k, v in bar.items() if getattr(s, k) < v]
    out += [f"unknown citation keys: {', '.join(s.unknown_citations)}"] if s.unknown_citations else []
    for flag in ("has_objectives", "has_takeaways", "has_fallacies", "links_lab_or_tinytorch"):
        if not getattr(s, flag):
            out.append(f"missing: {flag.removeprefix('has_')}")
    return out


def main(argv: list[str]) -> int:
    keys = bib_keys()
    bad = 0
    for arg in argv:
        s = stats(Path(arg), keys)
        short = shortfalls(s, BAR_VOL2 if "/vol2/" in Path(arg).resolve().as_posix() else BAR)
        bad += bool(short)
        print(f"{arg}: " + ", ".join(f"{k}={v}" for k, v in asdict(s).items()))
        for line in short:
            print(f"  SHORT {line}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
