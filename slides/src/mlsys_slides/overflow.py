"""The HTML half of the overflow check: headless Chromium lays every slide out at 1280x720 and
reports each slide whose content box is larger than the slide.

Beamer's half lives in `beamer.read_log` (LaTeX's overfull boxes). Without Chromium or
Playwright the check is skipped with a warning saying what to install; it is never silently
passed.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from mlsys_slides.deck import Deck
from mlsys_slides.errors import SlideOverflowError, SlidesError

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
MEASURE = """() => {
  document.body.classList.add("measure");
  const out = [];
  for (const s of document.querySelectorAll(".deck > .slide")) {
    const dh = s.scrollHeight - s.clientHeight, dw = s.scrollWidth - s.clientWidth;
    let dc = 0;
    for (const el of s.querySelectorAll("pre, table, img, .columns")) {
      dc = Math.max(dc, el.scrollWidth - el.clientWidth);
    }
    if (dh > 1 || dw > 1 || dc > 1) out.push([s.dataset.title, +s.dataset.line, dh, Math.max(dw, dc)]);
  }
  return out;
}"""


class ChromiumMissing(SlidesError):
    """The overflow measurement needs Debian's chromium and the playwright package."""


def measure(pages: list[Path]) -> dict[Path, list[tuple[str, int, int, int]]]:
    """For each HTML deck: (title, source line, px too tall, px too wide) of overflowing slides.

    Runs in a worker thread: Playwright's sync API refuses a thread with a running asyncio loop
    (a notebook, a test's browser fixture, a caller's own loop), and a fresh thread has none."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_measure, pages).result()


def _measure(pages: list[Path]) -> dict[Path, list[tuple[str, int, int, int]]]:
    if not CHROMIUM.exists():
        raise ChromiumMissing(f"the HTML overflow check needs Chromium at {CHROMIUM} "
                              "(apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ChromiumMissing("the HTML overflow check needs playwright (pip install "
                              "playwright)") from None
    found = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            for html in pages:
                page.goto(html.resolve().as_uri())
                found[html] = [tuple(x) for x in page.evaluate(MEASURE)]
        finally:
            browser.close()
    return found


def check_html(pages: list[Path], decks: list[Deck]) -> None:
    """Raise one `SlideOverflowError` listing every slide that runs off its frame."""
    try:
        found = measure(pages)
    except ChromiumMissing as exc:
        warnings.warn(f"{exc}; overflow check skipped", stacklevel=2)
        return
    by_name = {d.name: d for d in decks}
    problems = []
    for html, bad in found.items():
        deck = by_name.get(html.stem)
        for title, line, dh, dw in bad:
            what = f"{dh}px too tall" if dh > 1 else f"{dw}px too wide"
            problems.append(str(SlideOverflowError(
                f"content runs off the slide ({what})", deck.path if deck else html, line, title)))
    if problems:
        raise SlideOverflowError("\n".join(problems))
