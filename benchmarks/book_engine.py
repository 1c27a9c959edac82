"""Book engine speed: cold, warm and one-chapter-edited builds of a synthetic book.

The book is generated (prose, sections, figures, tables, equations, callouts, citations and
cross-references between chapters, no code cells), so the figures measure the renderer's own
stages: parse, index, render, and the caches around them. Targets from the engine brief:
warm build < 1 s, one chapter's prose edited < 1.5 s, cold build <= 2x bare pandoc time.

    python benchmarks/book_engine.py [--quick] [--chapters N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from mlsys.parse import pandoc_path
from mlsys.pipeline import render_book

WORDS = ("memory bandwidth limits the throughput of every accelerator so the roofline model "
         "tells us whether a kernel is compute bound or memory bound and batching moves the "
         "operating point to the right").split()


def prose(seed: int, n: int) -> str:
    return " ".join(WORDS[(seed * 7 + i * 3) % len(WORDS)] for i in range(n)).capitalize() + "."


def chapter(i: int, total: int) -> str:
    other = (i + 1) % total + 1
    out = [f"# Chapter {i} title {{#sec-ch{i}}}", "", prose(i, 60), ""]
    for s in range(1, 7):
        out += [f"## Section {s} {{#sec-ch{i}-s{s}}}", ""]
        for p in range(4):
            out += [prose(i * 31 + s * 5 + p, 90) + f" See @fig-ch{other}-1 and @sec-ch{other}-s2"
                    f" [@work{(i + s + p) % 5}].", ""]
        out += [f"![A figure of section {s}](fig.png){{#fig-ch{i}-{s} fig-alt=\"figure\"}}", ""]
        out += ["| a | b | c |", "|---|---|---|", "| 1 | 2 | 3 |", "| 4 | 5 | 6 |", "",
                f": Table of section {s} {{#tbl-ch{i}-{s}}}", ""]
        out += [f"$$ E_{s} = m c^{s} $$ {{#eq-ch{i}-{s}}}", ""]
        out += ["::: {.callout-note}", prose(s, 30), ":::", ""]
        out += [f"### Detail {s}", "", prose(s * 3, 70) + f" As @eq-ch{i}-{s} shows.", ""]
    return "\n".join(out) + "\n"


def make_book(root: Path, n: int) -> None:
    root.mkdir(parents=True)
    chapters = "\n".join(f"    - ch{i}.qmd" for i in range(1, n + 1))
    (root / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: Bench\n  chapters:\n    - index.qmd\n"
        f"{chapters}\n    - references.qmd\nbibliography: refs.bib\n")
    (root / "index.qmd").write_text("# Preface {.unnumbered}\n\nStart at @sec-ch1.\n")
    (root / "references.qmd").write_text("# References {.unnumbered}\n\n::: {#refs}\n:::\n")
    (root / "refs.bib").write_text("".join(
        f"@book{{work{k},\n  author = {{Author {k}}},\n  title = {{Work {k}}},\n"
        f"  publisher = {{P}},\n  year = {{{2000 + k}}}\n}}\n\n" for k in range(5)))
    (root / "fig.png").write_bytes(bytes.fromhex(
        "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
        "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"))
    for i in range(1, n + 1):
        (root / f"ch{i}.qmd").write_text(chapter(i, n))


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small book, for CI")
    ap.add_argument("--chapters", type=int, default=None, help="number of chapters")
    args = ap.parse_args()
    n = args.chapters or (4 if args.quick else 20)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "book"
        make_book(root, n)
        cache = Path(tmp) / "cache"
        files = sorted(root.glob("*.qmd"))
        words = sum(len(f.read_text().split()) for f in files)

        def bare() -> None:
            for f in files:
                subprocess.run([pandoc_path(), str(f), "-f", "markdown", "-t", "html5",
                                "--mathml", "--citeproc", "--bibliography",
                                str(root / "refs.bib")], check=True, capture_output=True,
                               cwd=root)

        t_bare = timed(bare)
        t_cold = timed(lambda: render_book(root, cache_dir=cache))
        t_warm = min(timed(lambda: render_book(root, cache_dir=cache)) for _ in range(3))
        edited = root / "ch2.qmd"
        edited.write_text(edited.read_text() + "\nOne more closing sentence.\n")
        t_edit = timed(lambda: render_book(root, cache_dir=cache))
        shutil.rmtree(cache)
    print(f"synthetic book: {n} chapters + index + references, {words} words")
    print(f"bare pandoc (one md->html call per file, serial): {t_bare:.3f} s")
    print(f"cold build:  {t_cold:.3f} s  ({t_cold / t_bare:.2f}x bare pandoc; target <= 2x)")
    print(f"warm build:  {t_warm:.3f} s  (target < 1 s)")
    print(f"one chapter edited: {t_edit:.3f} s  (target < 1.5 s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
