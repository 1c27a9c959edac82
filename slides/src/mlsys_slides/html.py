"""Deck -> one self-contained HTML page of slides, driven by our own small JS (`assets/`).

Pandoc turns the Markdown into HTML (MathML for maths, classes for highlighted code); each slide
is wrapped in a `section.slide` that keeps its source line and title as data attributes, so the
browser's overflow measurement can name the slide. Figures are copied next to the page under a
content-hashed name; nothing is fetched from outside the site.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from pathlib import Path

from mlsys_slides.deck import Deck

ASSETS = Path(__file__).parent / "assets"
_IMAGE = re.compile(r"(!\[[^\]]*\]\()([^)\s]+)")

PAGE = """<!doctype html>
<html lang="en" data-theme="{theme}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · slides</title>
<link rel="stylesheet" href="assets/slides.css">
<script src="assets/slides.js" defer></script>
</head>
<body>
<main class="deck" data-deck="{name}" data-source="{source}">
<section class="slide title-slide" data-title="{title}" data-line="1">
<h1>{title}</h1>
<p class="subtitle">{subtitle}</p>
<p class="byline">ML Systems · lecture slides</p>
</section>
{body}
</main>
<nav class="controls" aria-label="Slide controls">
<a class="ctl home" href="index.html" title="All decks">☰</a>
<button class="ctl prev" type="button" title="Previous (←)" aria-label="Previous slide">‹</button>
<span class="counter" aria-live="polite"></span>
<button class="ctl next" type="button" title="Next (→, space)" aria-label="Next slide">›</button>
<button class="ctl speaker" type="button" title="Speaker view (s)">Notes</button>
<button class="ctl theme" type="button" title="Light/dark (d)" aria-label="Toggle dark mode">◐</button>
<button class="ctl print" type="button" title="Print or save as PDF (p)">PDF</button>
</nav>
<div class="progress" aria-hidden="true"><span></span></div>
</body>
</html>
"""


def _figures(md: str, deck: Deck, out_dir: Path) -> str:
    """Copy each figure to `figures/<hash><ext>` beside the page and point the slide at it."""
    def swap(m: re.Match) -> str:
        src = (deck.path.parent / m.group(2)).resolve()
        name = f"{hashlib.sha256(src.read_bytes()).hexdigest()[:16]}{src.suffix.lower()}"
        target = out_dir / "figures" / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, target)
        return f"{m.group(1)}figures/{name}"
    return _IMAGE.sub(swap, md)


def _wrapped(deck: Deck) -> str:
    """Each slide inside its own fenced div, carrying its title and source line."""
    chunks = []
    for n, s in enumerate(deck.slides, start=2):
        kind = ".section-slide" if s.level == 1 else ""
        title = s.title.replace('"', "&quot;")
        chunks.append(f':::::::::: {{.slide {kind} #slide-{n} data-title="{title}" '
                      f'data-line="{s.line}"}}\n\n{"#" * (s.level + 1)} {s.title}\n\n{s.body}\n\n'
                      "::::::::::\n")
    return "\n".join(chunks)


def render_html(deck: Deck, out_dir: Path, theme: str = "light") -> Path:
    """Write `<out_dir>/<deck>.html` (and its figures and the shared assets)."""
    import pypandoc

    out_dir.mkdir(parents=True, exist_ok=True)
    md = _figures(_wrapped(deck), deck, out_dir)
    body = pypandoc.convert_text(md, "html5", format="markdown-implicit_figures+implicit_figures",
                                 extra_args=["--mathml", "--wrap=none"])
    page = PAGE.format(theme=theme, title=html.escape(deck.title), name=deck.name,
                       subtitle=html.escape(deck.subtitle), source=html.escape(str(deck.path)),
                       body=body)
    copy_assets(out_dir)
    target = out_dir / f"{deck.name}.html"
    part = target.with_name(f".{target.name}.part")
    part.write_text(page, encoding="utf-8")
    part.replace(target)
    return target


def copy_assets(out_dir: Path) -> None:
    """The slide runtime (CSS + JS), served from the site beside the decks."""
    dest = out_dir / "assets"
    dest.mkdir(parents=True, exist_ok=True)
    for f in ASSETS.iterdir():
        if f.is_file():
            shutil.copyfile(f, dest / f.name)
