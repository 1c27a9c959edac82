"""How a chapter looks in Chromium: figures in dark mode, wide tables and math on a phone,
callout icons without an emoji font. Each check measures what a reader would see."""

from __future__ import annotations

import json
import re
import shutil
import textwrap
from pathlib import Path

import pytest
from mlsys.build import SiteBuilder, load_curriculum, render_project

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SITE_REPO = Path(__file__).parent / "fixtures" / "site_repo"


CHAPTER = """\
# Looks

![A chart drawn on white](chart.svg){#fig-chart}

| Layer | Parameters | Forward FLOPs per example | Output activations per example | Memory |
|-------|-----------:|--------------------------:|-------------------------------:|-------:|
| 784→256 | 200,960 | 401,408 | 256 | 803,840 bytes |
| 256→128 | 32,896 | 65,536 | 128 | 131,584 bytes |

: A table wider than a phone {#tbl-wide}

$$ C_{\\text{train}} \\approx 6 N D \\quad\\text{and}\\quad
   T = \\frac{6 N D}{\\text{peak} \\times \\text{utilisation}} \\quad\\text{and}\\quad
   M = 16 N + \\text{activations} + \\text{workspace} $$ {#eq-long}

An unlabelled one, as long:

$$ C_{\\text{train}} \\approx 6 N D \\quad\\text{and}\\quad
   T = \\frac{6 N D}{\\text{peak} \\times \\text{utilisation}} \\quad\\text{and}\\quad
   M = 16 N + \\text{activations} + \\text{workspace} $$

::: {.callout-note}
A note with an icon.
:::

An essay cited by its web address [@essay].
"""

# A reference whose only locator is a long URL in plain text (no link to break it at).
BIB = (
    "@misc{essay,\n  author = {Writer, Ada},\n  title = {On Long Addresses},\n"
    "  howpublished = {Essay, \\url{http://www.example.org/essays/a/rather/long/path/"
    "to/OnLongAddressesThatDoNotBreak.html}},\n  year = {2019}\n}\n"
)

CHART = ('<svg xmlns="http://www.w3.org/2000/svg" width="600" height="300">'
         '<rect width="600" height="300" fill="#fff"/>'
         '<path d="M20 280 L580 20" stroke="#000" stroke-width="4"/></svg>')


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    root = tmp_path_factory.mktemp("polish") / "book"
    root.mkdir()
    (root / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: Looks\n  chapters:\n    - index.qmd\n"
        "bibliography: refs.bib\n")
    (root / "refs.bib").write_text(BIB)
    (root / "index.qmd").write_text(textwrap.dedent(CHAPTER))
    (root / "chart.svg").write_text(CHART)
    result = render_project(root, root.parent / "site")
    return (result.out / "index.html").as_uri()


def _open(browser: object, url: str, scheme: str, width: int) -> object:
    page = browser.new_page(viewport={"width": width, "height": 900}, color_scheme=scheme)
    page.goto(url)
    return page


def test_svg_figures_take_the_page_colour_in_dark_mode(browser: object, page_url: str) -> None:
    """A figure drawn on white follows the theme (its own dark-mode style, see figtheme.py):
    no white card in either theme, the same frame in both."""
    frames = []
    for scheme in ("dark", "light"):
        page = _open(browser, page_url, scheme, 1400)
        assert page.evaluate("document.documentElement.dataset.theme") == scheme
        img = "getComputedStyle(document.querySelector('figure img'))"
        assert page.evaluate(f"{img}.backgroundColor") == "rgba(0, 0, 0, 0)"
        frames.append(page.evaluate(f"[{img}.borderRadius, {img}.paddingLeft]"))
        page.close()
    assert frames[0] == frames[1] and frames[0][0] != "0px"


def test_wide_table_and_math_scroll_in_their_own_box_on_a_phone(browser: object,
                                                                 page_url: str) -> None:
    phone = _open(browser, page_url, "light", 390)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    # the reference list too: a long plain-text URL wraps instead of widening the page
    assert "OnLongAddresses" in phone.inner_text(".csl-entry")
    table = "document.querySelector('table')"
    assert phone.evaluate(f"{table}.scrollWidth > {table}.clientWidth")  # it scrolls sideways
    assert phone.evaluate(f"{table}.getBoundingClientRect().right") <= 390
    small = phone.evaluate(f"parseFloat(getComputedStyle({table}).fontSize)")
    phone.close()
    desk = _open(browser, page_url, "light", 1400)
    assert small < desk.evaluate(f"parseFloat(getComputedStyle({table}).fontSize)")
    desk.close()


def test_callout_icon_is_drawn_and_follows_the_theme(browser: object, page_url: str) -> None:
    colours = []
    for scheme in ("light", "dark"):
        page = _open(browser, page_url, scheme, 1400)
        box = page.evaluate("(() => { const r = document.querySelector('.callout-icon svg')"
                            ".getBoundingClientRect(); return [r.width, r.height]; })()")
        assert box[0] >= 12 and box[1] >= 12  # a visible drawing, whatever fonts exist
        colours.append(page.evaluate(
            "getComputedStyle(document.querySelector('.callout-icon svg')).color"))
        page.close()
    assert colours[0] != colours[1]


@pytest.fixture(scope="module")
def curriculum_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture curriculum under the real curriculum's title (the one a reader sees)."""
    root = tmp_path_factory.mktemp("navbar") / "repo"
    shutil.copytree(SITE_REPO, root)
    title = load_curriculum(REPO).title
    cur = root / "curriculum.yml"
    cur.write_text(re.sub(r'^title: .*$', f"title: {json.dumps(title)}", cur.read_text(),
                          count=1, flags=re.MULTILINE))
    SiteBuilder(root).build()
    return root / "_site"


@pytest.mark.parametrize("page", ["index.html", "book/vol1/memory.html"])
def test_the_site_title_fits_the_navbar_on_a_phone(browser: object, curriculum_site: Path,
                                                    page: str) -> None:
    """At 390 px, with the drawer, search and theme buttons beside it, the whole title shows
    (on two lines if need be), clear of the buttons, and the link's tooltip holds it too."""
    title = load_curriculum(REPO).title
    phone = _open(browser, (curriculum_site / page).as_uri(), "light", 390)
    brand = phone.evaluate("""() => {
        const s = document.querySelector('.brand span'), r = s.getBoundingClientRect();
        const tools = document.querySelector('.navbar-tools').getBoundingClientRect();
        const bar = document.querySelector('.navbar').getBoundingClientRect();
        return {text: s.textContent, tip: s.parentElement.title, right: r.right,
                top: r.top, bottom: r.bottom, barTop: bar.top, barBottom: bar.bottom,
                toolsLeft: tools.left, clippedX: s.scrollWidth > s.clientWidth + 1,
                clippedY: s.scrollHeight > s.clientHeight + 1,
                pageWidth: document.documentElement.scrollWidth}; }""")
    phone.close()
    assert brand["text"] == title and brand["tip"] == title
    assert not brand["clippedX"] and not brand["clippedY"], brand
    assert brand["right"] <= brand["toolsLeft"], brand
    assert brand["barTop"] <= brand["top"] and brand["bottom"] <= brand["barBottom"], brand
    assert brand["pageWidth"] <= 390
