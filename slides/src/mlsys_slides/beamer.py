"""Deck -> Beamer PDF: pandoc writes the LaTeX, xelatex typesets it, the log is read per frame.

Pandoc's Beamer writer already knows slides, notes, incremental lists and columns; this module
adds what it does not: a theme chosen by name (`slides/themes/<theme>.tex` on top of
`base.tex`), SVG figures converted with `rsvg-convert`, and a log reader that turns LaTeX's
line numbers back into the deck's file and the slide's title, for errors and for overfull boxes
(content that runs off the frame).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from mlsys_slides.deck import Deck
from mlsys_slides.errors import SlideOverflowError, SlidesError

TEX_PACKAGES = ("texlive-xetex texlive-latex-recommended texlive-latex-extra "
                "texlive-fonts-recommended")
HIGHLIGHT = {"light": "tango", "dark": "breezedark", "minimal": "monochrome",
             "high-contrast": "breezedark"}
OVERFULL_PT = 1.0  # boxes overfull by less than this are invisible; more is a defect
_IMAGE = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)")
# Beamer's columns span the paper, not the text, unless told; keep them inside the margins.
_COLUMNS = re.compile(r"^(:{3,})\s*(?:columns|\{\.columns)", re.M)
_OVERFULL = re.compile(r"^Overfull \\([hv])box \(([\d.]+)pt too (?:high|wide)\) "
                       r"(?:detected at line (\d+)|in paragraph at lines (\d+)--\d+|in alignment at lines (\d+)--\d+)")
_ERROR = re.compile(r"^(?:\./)?deck\.tex:(\d+): (.*)$")
_MISSING = re.compile(r"^Missing character: There is no (.) \(U\+([0-9A-F]+)\)")


@dataclass(frozen=True)
class PdfResult:
    """A typeset deck: where the PDF went and how many pages it has."""

    pdf: Path
    pages: int


def frame_count(deck: Deck) -> int:
    """Pages pandoc's Beamer output has: the title page, one per section, one per slide."""
    return 1 + len(deck.slides)


def _figures_for_latex(md: str, deck: Deck, work: Path) -> str:
    """Absolute figure paths; SVGs converted to PDF (LaTeX cannot include SVG)."""
    def swap(m: re.Match) -> str:
        src = (deck.path.parent / m.group(2)).resolve()
        if src.suffix.lower() != ".svg":
            return m.group(1) + str(src)
        if not shutil.which("rsvg-convert"):
            raise SlidesError(f"{m.group(2)} is an SVG; converting it for LaTeX needs "
                              "rsvg-convert (apt-get install librsvg2-bin)", deck.path)
        out = work / f"{hashlib.sha256(src.read_bytes()).hexdigest()[:16]}.pdf"
        if not out.exists():
            subprocess.run(["rsvg-convert", "-f", "pdf", "-o", str(out), str(src)], check=True,
                           capture_output=True, timeout=60)
        return m.group(1) + str(out)
    return _IMAGE.sub(swap, md)


def _inside_margins(md: str) -> str:
    """Mark every columns div `.onlytextwidth` (`:::: columns` and `:::: {.columns ...}`)."""
    md = _COLUMNS.sub(lambda m: f"{m.group(1)} {{.columns .onlytextwidth", md)
    return re.sub(r"(\{\.columns \.onlytextwidth)\s*$", r"\1}", md, flags=re.M)


def to_latex(deck: Deck, theme: str, themes_dir: Path, work: Path) -> str:
    """The deck as a standalone Beamer document in `theme`."""
    import pypandoc

    md = _figures_for_latex(deck.markdown(), deck, work)
    md = _inside_margins(md)
    total = work / "total.tex"
    total.write_text(f"\\def\\mlsystotal{{{frame_count(deck)}}}\n")
    args = ["--standalone", "--slide-level=2", "-V", "aspectratio=169", "-V", "classoption=t",
            "-V", "mainfont=DejaVu Sans", "-V", "sansfont=DejaVu Sans",
            "-V", "monofont=DejaVu Sans Mono", "-V", "monofontoptions=Scale=0.85",
            "-V", "fontsize=12pt", "--pdf-engine=xelatex",
            f"--syntax-highlighting={HIGHLIGHT[theme]}",
            "-H", str(total), "-H", str(themes_dir / "base.tex"),
            "-H", str(themes_dir / f"{theme}.tex")]
    return pypandoc.convert_text(md, "beamer", format="markdown", extra_args=args)


def typeset(deck: Deck, theme: str, themes_dir: Path, out: Path) -> PdfResult:
    """Write `out` (atomically) or raise `SlidesError` naming the deck and the slide."""
    engine = shutil.which("xelatex")
    if engine is None:
        raise SlidesError(f"xelatex is not installed; Beamer PDFs need TeX Live: "
                          f"apt-get install {TEX_PACKAGES}")
    with tempfile.TemporaryDirectory(prefix="mlsys-slides-") as tmp:
        work = Path(tmp)
        tex = to_latex(deck, theme, themes_dir, work)
        (work / "deck.tex").write_text(tex, encoding="utf-8")
        proc = subprocess.run(
            [engine, "-interaction=nonstopmode", "-halt-on-error", "-file-line-error", "deck.tex"],
            cwd=work, capture_output=True, text=True, errors="replace", timeout=300)
        log_path = work / "deck.log"
        log = log_path.read_text(errors="replace") if log_path.exists() else proc.stdout
        problems = read_log(log, tex, deck, failed=proc.returncode != 0)
        if problems:
            raise problems[0] if len(problems) == 1 else SlidesError(
                "\n".join(str(p) for p in problems))
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(f".{out.name}.part")
        shutil.copyfile(work / "deck.pdf", part)
        part.replace(out)
    return PdfResult(out, _pages(log))


def _pages(log: str) -> int:
    m = re.search(r"Output written on deck\.pdf \((\d+) pages?", log)
    return int(m.group(1)) if m else 0


def _frame_of(tex_lines: list[int], line: int) -> int | None:
    """Index of the frame whose `\\begin{frame}` is the last one at or before `line`."""
    idx = None
    for k, start in enumerate(tex_lines):
        if start <= line:
            idx = k
    return idx


def read_log(log: str, tex: str, deck: Deck, failed: bool) -> list[SlidesError]:
    """LaTeX errors, overfull boxes and missing glyphs, each located at the deck's slide."""
    lines = tex.splitlines()
    starts = [i + 1 for i, t in enumerate(lines) if t.startswith("\\begin{frame}")]
    frames = deck.content_slides

    def at(line: int | None) -> tuple[int, str | None]:
        k = _frame_of(starts, line) if line else None
        if k is None or k >= len(frames):
            return 1, None
        return frames[k].line, frames[k].title

    problems: list[SlidesError] = []
    for raw in log.splitlines():
        if m := _ERROR.match(raw):
            src, title = at(int(m.group(1)))
            problems.append(SlidesError(f"LaTeX error: {m.group(2)}", deck.path, src, title))
        elif (m := _OVERFULL.match(raw)) and float(m.group(2)) > OVERFULL_PT:
            src, title = at(int(next(g for g in m.groups()[2:] if g)))
            what = "too tall" if m.group(1) == "v" else "too wide"
            problems.append(SlideOverflowError(
                f"content runs off the frame ({what} by {m.group(2)}pt)", deck.path, src, title))
        elif m := _MISSING.match(raw):
            problems.append(SlidesError(f"the font has no glyph for '{m.group(1)}' "
                                        f"(U+{m.group(2)})", deck.path))
    if failed and not any(not isinstance(p, SlideOverflowError) for p in problems):
        tail = "\n".join(log.splitlines()[-15:])
        problems.append(SlidesError(f"xelatex failed:\n{tail}", deck.path))
    return problems
