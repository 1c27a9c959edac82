"""The site's `/slides/` folder: an index of the decks and one HTML deck per chapter.

Called by `mlsys build` through curriculum.yml (`kind: static`, `generate:`), so it writes
finished files only. The overflow check runs here too: a slide that runs off its frame stops
the site build with the deck's file and the slide's title.
"""

from __future__ import annotations

import html
from pathlib import Path

from mlsys_slides.build import build_decks, find_decks

INDEX = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lecture slides · ML Systems</title>
<link rel="stylesheet" href="assets/slides.css">
<style>
html, body {{ overflow: auto; height: auto; font-size: 18px; background: var(--bg); }}
@media (prefers-color-scheme: dark) {{ :root {{ --bg: #12151b; --fg: #dfe3ea; --muted: #98a2b3;
  --accent: #7fb0f0; --border: #2a303b; }} }}
main.index {{ max-width: 860px; margin: 0 auto; padding: 32px 20px; }}
main.index h1 {{ color: var(--accent); }}
main.index li {{ margin: 10px 0; }}
main.index a {{ color: var(--accent); }}
main.index .meta {{ color: var(--muted); font-size: 15px; }}
</style>
</head>
<body>
<main class="index">
<p><a href="../index.html">← ML Systems curriculum</a></p>
<h1>Lecture slides</h1>
<p>Decks for the chapters of Volume I, in book order. Keys: → or space next, ← back, <kbd>s</kbd> speaker view
(notes and timer in a second window), <kbd>d</kbd> light/dark, <kbd>f</kbd> full screen; swipe on
a phone; the PDF button prints one slide per page. Beamer PDFs in four themes come from
<code>mlsys slides build CHAPTER --to pdf --theme light|dark|minimal|high-contrast</code>.</p>
<ol>
{items}
</ol>
</main>
</body>
</html>
"""


def generate(dest: Path, root: Path) -> None:
    """Write every deck's HTML, the shared assets and `index.html` into `dest`."""
    report = build_decks(root, dest, formats=("html",))
    items = []
    for deck in report.decks:
        n = len(deck.slides) + 1
        items.append(f'<li><a href="{deck.name}.html">{html.escape(deck.title)}</a> '
                     f'<span class="meta">· {n} slides · <a href="../book/vol1/{deck.chapter}.html">'
                     f"chapter</a></span></li>")
    (dest / "index.html").write_text(INDEX.format(items="\n".join(items)), encoding="utf-8")


def pages(root: Path) -> set[str]:
    """The pages `generate` writes, by name only: the site's link check for a build that
    leaves the slides out (a book-only build) needs these, not the decks themselves."""
    return {"index.html"} | {f"{p.stem}.html" for p in find_decks(root)}
