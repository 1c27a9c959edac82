"""The small transforms behind reading and search, without a browser: dark-aware SVG figures,
links in reference lists, math indexed once, page descriptions."""

from __future__ import annotations

import io

import pytest
from mlsys.figtheme import DARK_BG, DARK_FG, dark_colour, theme_svg
from mlsys.filters.htmlpost import link_reference_locators, math_for_search
from mlsys.model import Page
from mlsys.site import describe


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#" + "".join(f"{v:02x}" for v in rgb)


def _lightness(colour: str) -> float:
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return (max(r, g, b) + min(r, g, b)) / 510


# White canvases become the page, black ink the page's text; colours keep their hue.
def test_dark_colours_turn_the_canvas_into_the_page_and_ink_into_text() -> None:
    assert dark_colour("#ffffff") == _hex(DARK_BG)
    assert dark_colour("white") == _hex(DARK_BG)
    assert dark_colour("#000") == _hex(DARK_FG)
    deep_blue, pale_green = dark_colour("#1f4e79"), dark_colour("#e3f4e3")
    assert _lightness(deep_blue) > _lightness("#1f4e79")  # a dark box becomes light
    r, g, b = (int(deep_blue[i:i + 2], 16) for i in (1, 3, 5))
    assert b > r  # still blue
    assert _lightness(pale_green) < 0.5  # a pale fill becomes deep behind light text


# The drawing is untouched; one style block recolours attributes and inline styles.
def test_theme_svg_adds_one_dark_mode_style_and_is_idempotent() -> None:
    svg = ('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
           '<rect width="10" height="10" fill="#FFFFFF"/>'
           '<path d="M0 0L9 9" style="fill: none; stroke: #1f77b4"/></svg>')
    out = theme_svg(svg)
    assert out.count("<style") == 1 and "@media (prefers-color-scheme: dark)" in out
    assert f'[fill="#FFFFFF" i]{{fill:{_hex(DARK_BG)}}}' in out
    assert '[style*="stroke: #1f77b4" i]{stroke:' in out and "!important" in out
    assert out.replace(out[out.index("<style"):out.index("</style>") + 8], "") == svg
    assert theme_svg(out) == out
    assert '[fill="black" i]' in theme_svg("<svg><text fill='black'>a</text></svg>")
    own = '<svg><style>@media (prefers-color-scheme: dark){rect{fill:red}}</style></svg>'
    assert theme_svg(own) == own  # a figure that styles dark mode itself is left alone
    assert theme_svg("not an svg") == "not an svg"


# A real matplotlib SVG (inline styles, white figure patch) gets rules for its colours.
def test_matplotlib_svg_gets_dark_rules_for_its_own_colours() -> None:
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [0, 1], color="#1f77b4")
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    plt.close(fig)
    out = theme_svg(buf.getvalue())
    assert '[style*="fill: #ffffff" i]' in out  # the white figure background
    assert '[style*="stroke: #1f77b4" i]' in out  # the line keeps a (lightened) blue
    assert '[style*="stroke: #000000" i]' in out  # axes become the text colour


# Bare URLs and DOIs in a reference entry become links; existing links stay single.
def test_reference_urls_and_dois_become_links() -> None:
    html = ('<div id="ref-a" class="csl-entry" role="listitem">Writer, A. 2019. Essay, '
            "https://www.example.org/a/b.html. doi:10.1145/3458817.3476209. "
            '<a href="https://x.org/">https://x.org/</a> (see https://en.wikipedia.org/wiki/A_(b)).'
            "</div><p>Prose keeps https://example.com as text.</p>")
    out = link_reference_locators(html)
    assert '<a href="https://www.example.org/a/b.html" class="ref-link">' in out
    assert "b.html</a>." in out  # the full stop stays outside the link
    assert 'doi:<a href="https://doi.org/10.1145/3458817.3476209" class="ref-link">' in out
    assert out.count("https://x.org/</a>") == 1 and 'href="https://x.org/" class' not in out
    assert 'href="https://en.wikipedia.org/wiki/A_(b)"' in out
    assert "Prose keeps https://example.com as text." in out


# MathML keeps its TeX annotation for assistive tools, but the search index skips it.
def test_tex_annotations_are_hidden_from_the_search_index() -> None:
    html = ('<math><semantics><mrow><mi>t</mi></mrow>'
            '<annotation encoding="application/x-tex">t</annotation></semantics></math>')
    assert ('<annotation encoding="application/x-tex" data-pagefind-ignore>t</annotation>'
            in math_for_search(html))


# A chapter opening with a "Learning objectives" callout is described by its first prose.
def test_description_skips_learning_objectives_and_lead_ins() -> None:
    body = ('<div class="callout callout-note"><div class="callout-header">Learning objectives'
            '</div><div class="callout-body"><p>After reading this chapter you should be able '
            "to:</p><ul><li>Explain it.</li></ul></div></div>"
            "<p>In short:</p><p>Memory bandwidth bounds decoding.</p>")
    page = Page(None, "c.html", "C", "C", "1", None, "chapter", body)
    assert describe(page) == "Memory bandwidth bounds decoding."


# A paragraph that introduces a list ends the description; the list's items never join it.
def test_description_stops_at_a_lead_in_to_a_list() -> None:
    body = ("<p>Every training program, from a tutorial to a month-long run, repeats the same "
            "loop:</p><ol><li>Load.</li></ol><p>Chapter 5 explained the steps.</p>")
    page = Page(None, "c.html", "C", "C", "1", None, "chapter", body)
    assert describe(page) == ("Every training program, from a tutorial to a month-long run, "
                              "repeats the same loop…")
