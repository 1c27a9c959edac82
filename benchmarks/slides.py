"""How long the lecture slides take to build.

html    every deck to HTML slides: cold (values cache empty, so mlsysim runs), warm without the
        overflow check (pandoc only; target < 1 s per deck), and warm with the headless-Chromium
        overflow measurement (one browser start for all decks, about 2 s, plus the pages).
pdf     Beamer PDFs through pandoc + xelatex (one LaTeX pass per deck and theme), with page
        counts. Target < 10 s per deck and theme.

--quick builds one deck to HTML and to a light PDF only (what CI runs).

Usage: python benchmarks/slides.py [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from mlsys_slides import THEMES, build_decks, find_decks

ROOT = Path(__file__).resolve().parents[1]
HTML_TARGET_S = 1.0
PDF_TARGET_S = 10.0


def _timed(label: str, **kw: object) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        report = build_decks(ROOT, Path(tmp), **kw)  # type: ignore[arg-type]
        took = time.perf_counter() - start
    pages = sum(o.pages for o in report.outputs)
    extra = f", {pages} pages" if pages else ""
    per = took / max(1, len(report.outputs))
    print(f"{label:<28} {len(report.outputs):3d} file(s) {took:7.2f} s  ({per:.2f} s each{extra})")
    return per


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one deck, HTML and a light PDF")
    args = parser.parse_args()
    decks = find_decks(ROOT)
    print(f"{len(decks)} deck(s): {', '.join(p.stem for p in decks)}")
    cache = ROOT / ".mlsys-cache" / "slides" / "values"
    shutil.rmtree(cache, ignore_errors=True)
    chapter = decks[0].stem if args.quick else None
    _timed("html (cold values cache)", chapter=chapter, formats=("html",), overflow=False)
    ok = _timed("html (warm, no check)", chapter=chapter, formats=("html",),
                overflow=False) < HTML_TARGET_S
    _timed("html (warm, overflow check)", chapter=chapter, formats=("html",))
    themes = ("light",) if args.quick else THEMES
    ok &= _timed(f"pdf ({', '.join(themes)})", chapter=chapter, themes=themes,
                 formats=("pdf",)) < PDF_TARGET_S
    print("targets met" if ok else "a target was missed")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
