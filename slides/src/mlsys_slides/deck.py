"""Deck sources -> a `Deck` of `Slide`s, with every `{python}` value filled in.

The parser only splits; pandoc does the Markdown. A line `## Title` starts a slide, `# Title`
starts a section (a divider slide), both outside code fences. The first ```` ```{python} ````
block is the deck's setup cell; inline `` `{python} expr` `` spans are evaluated against it
(see `values.py`). Figures are checked here, so a missing file is reported with its line
before any tool runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from mlsys_slides.errors import SlidesError
from mlsys_slides.values import evaluate

_FENCE = re.compile(r"^(`{3,}|~{3,})")
_SETUP = re.compile(r"^```\s*\{python\}\s*$")
_INLINE = re.compile(r"`\{python\}\s+([^`]+)`")
_IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)")
_FIGURE = re.compile(r"(!\[[^\]]*\]\()figure:([\w.-]+)")
_ATTRS = re.compile(r"\s*\{[^}]*\}\s*$")


@dataclass(frozen=True)
class Slide:
    """One slide: its title, level (1 = section divider, 2 = content), Markdown body (values
    filled in, notes included) and the source line of its heading."""

    title: str
    level: int
    body: str
    line: int

    @property
    def has_notes(self) -> bool:
        return re.search(r"^:::+\s*\{?\.?notes\}?\s*$", self.body, re.M) is not None


@dataclass(frozen=True)
class Deck:
    """A parsed deck: front matter, the slides in order, and where it came from."""

    path: Path
    name: str
    title: str
    subtitle: str
    chapter: str
    slides: tuple[Slide, ...]
    figures: tuple[Path, ...]

    @property
    def content_slides(self) -> tuple[Slide, ...]:
        return tuple(s for s in self.slides if s.level == 2)

    def markdown(self) -> str:
        """The deck as one pandoc Markdown document (front matter + slides)."""
        meta = yaml.safe_dump({"title": self.title, "subtitle": self.subtitle},
                              allow_unicode=True, sort_keys=False)
        parts = [f"---\n{meta}---\n"]
        for s in self.slides:
            parts.append(f"{'#' * s.level} {s.title}\n\n{s.body}\n")
        return "\n".join(parts)


def _front_matter(text: str, path: Path) -> tuple[dict, list[str], int]:
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        raise SlidesError("a deck starts with YAML front matter (--- title: ... ---)", path, 1)
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        raise SlidesError("front matter is not closed by a --- line", path, 1) from None
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise SlidesError(f"front matter: {getattr(exc, 'problem', exc)}", path,
                          2 + (mark.line if mark else 0)) from None
    if not isinstance(meta, dict) or not meta.get("title"):
        raise SlidesError("front matter needs a title", path, 1)
    return meta, lines, end + 1


def _split(lines: list[str], start: int, path: Path) -> tuple[str, list[tuple[int, int, str]]]:
    """Find the setup cell and the headings: returns (setup code, [(line_no, level, title)])."""
    setup: list[str] = []
    heads: list[tuple[int, int, str]] = []
    fence: str | None = None
    in_setup = False
    for i in range(start, len(lines)):
        line = lines[i]
        m = _FENCE.match(line)
        if fence is None and m:
            fence = m.group(1)
            if _SETUP.match(line):
                if setup or in_setup:
                    raise SlidesError("a deck has one {python} setup cell; move this code into "
                                      "the first one", path, i + 1)
                in_setup = True
            continue
        if fence is not None:
            if line.strip() == fence:
                fence = None
                in_setup = False
            elif in_setup:
                setup.append(line)
            continue
        h = re.match(r"^(#{1,2}) (.+)$", line)
        if h:
            heads.append((i + 1, len(h.group(1)), _ATTRS.sub("", h.group(2)).strip()))
    if fence is not None:
        raise SlidesError("a code block is never closed", path, len(lines))
    return "\n".join(setup), heads


def _body(lines: list[str], head: int, end: int) -> list[str]:
    body = lines[head:end]
    # Drop the setup cell from whichever slide holds it: it is not shown.
    out: list[str] = []
    skipping = False
    for line in body:
        if _SETUP.match(line):
            skipping = True
            continue
        if skipping:
            skipping = line.strip() != "```"
            continue
        out.append(line)
    return out


def load_deck(path: Path, cache_dir: Path | None = None) -> Deck:
    """Parse a deck file and fill in its `{python}` values (cached by content hash)."""
    text = path.read_text(encoding="utf-8")
    meta, lines, start = _front_matter(text, path)
    setup, heads = _split(lines, start, path)
    if not any(level == 2 for _, level, _ in heads):
        raise SlidesError("a deck needs at least one '## ' slide", path, start + 1)
    exprs = [(i + 1, m.group(1).strip()) for i, line in enumerate(lines)
             for m in _INLINE.finditer(line)]
    evaluated = evaluate(setup, exprs, path, cache_dir)
    values = evaluated.values
    figures = _figures(lines, path, evaluated.figures)
    slides = []
    for k, (line_no, level, title) in enumerate(heads):
        end = heads[k + 1][0] - 1 if k + 1 < len(heads) else len(lines)
        body = "\n".join(_body(lines, line_no, end)).strip()
        body = _INLINE.sub(lambda m: values[m.group(1).strip()], body)
        title = _INLINE.sub(lambda m: values[m.group(1).strip()], title)
        body = _FIGURE.sub(lambda m: m.group(1) + str(evaluated.figures[m.group(2)]), body)
        slides.append(Slide(title, level, body, line_no))
    return Deck(path=path, name=path.stem, title=str(meta["title"]),
                subtitle=str(meta.get("subtitle", "")), chapter=str(meta.get("chapter", path.stem)),
                slides=tuple(slides), figures=figures)


def _figures(lines: list[str], path: Path, drawn: dict[str, Path]) -> tuple[Path, ...]:
    """Every image the deck shows, resolved next to the deck (or drawn by its setup cell as
    `figure:label`); a missing one is an error naming its line."""
    found = []
    for i, line in enumerate(lines):
        for m in _IMAGE.finditer(line):
            if m.group(1).startswith("figure:"):
                label = m.group(1).removeprefix("figure:")
                if label not in drawn:
                    names = ", ".join(sorted(drawn)) or "none"
                    raise SlidesError(f"the setup cell drew no figure labelled '{label}' "
                                      f"(labelled figures: {names})", path, i + 1)
                found.append(drawn[label])
                continue
            target = (path.parent / m.group(1)).resolve()
            if not target.is_file():
                raise SlidesError(f"figure not found: {m.group(1)}", path, i + 1)
            found.append(target)
    return tuple(found)
