"""Callout icons are our own inline SVGs (no emoji font needed), coloured by the theme."""

from __future__ import annotations

import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from mlsys.filters.icons import ICON_NAMES, icon_svg
from mlsys.pipeline import render_book

REPO = Path(__file__).resolve().parents[2]
SVG = re.compile(r'<span class="callout-icon"[^>]*>(.*?)</span>', re.DOTALL)


def book(root: Path, callouts: str, text: str) -> Path:
    root.mkdir(parents=True)
    (root / "_quarto.yml").write_text(
        "project:\n  type: book\nbook:\n  title: T\n  chapters:\n    - index.qmd\n"
        + textwrap.dedent(callouts))
    (root / "index.qmd").write_text(textwrap.dedent(text))
    return root


def icons_of(html: str) -> list[str]:
    return SVG.findall(html)


def test_every_icon_is_well_formed_svg_that_follows_current_color() -> None:
    required = {"note", "info", "tip", "lightbulb", "warning", "caution", "important", "book",
                "flask", "calculator", "check", "pin", "question"}
    assert required <= ICON_NAMES
    drawings = set()
    for name in sorted(ICON_NAMES):
        svg = icon_svg(name)
        assert svg is not None
        root = ET.fromstring(svg)  # well-formed XML, or this raises
        assert root.get("viewBox") == "0 0 24 24"
        assert root.get("stroke") == "currentColor" and root.get("fill") == "none"
        assert root.get("aria-hidden") == "true"
        assert len(root) >= 1
        assert not re.search(r"#[0-9a-fA-F]{3,6}\b|rgb\(", svg)  # no colour of its own
        drawings.add(svg)
    assert len(drawings) == 11  # aliases share a drawing; the 11 drawings differ
    assert icon_svg("not-an-icon") is None


def test_builtin_callouts_use_svg_icons_not_emoji(tmp_path: Path) -> None:
    root = book(tmp_path / "b", "", """\
        # Home

        ::: {.callout-note}
        A note.
        :::

        ::: {.callout-tip}
        A tip.
        :::

        ::: {.callout-warning}
        A warning.
        :::

        ::: {.callout-caution}
        Careful.
        :::

        ::: {.callout-important}
        Important.
        :::
        """)
    html = render_book(root, cache_dir=tmp_path / "c").pages[0].body_html
    icons = icons_of(html)
    assert len(icons) == 5
    assert all(i.startswith("<svg") and 'stroke="currentColor"' in i for i in icons)
    assert len(set(icons)) == 5
    assert not re.search("[\U0001F300-\U0001FAFF\u2139\u26A0\u2757]", html)


def test_project_icons_name_an_svg_or_are_literal_text(tmp_path: Path) -> None:
    root = book(tmp_path / "b", """\
        mlsys:
          callouts:
            napkin-math:
              title: Napkin math
              icon: calculator
            star:
              title: Star
              icon: "★"
            plain:
              title: Plain
        """, """\
        # Home

        ::: {.callout-napkin-math}
        Estimate.
        :::

        ::: {.callout-star}
        Shine.
        :::

        ::: {.callout-plain}
        No icon configured.
        :::
        """)
    html = render_book(root, cache_dir=tmp_path / "c").pages[0].body_html
    icons = icons_of(html)
    assert icons == [icon_svg("calculator"), "★"]


def test_the_books_callouts_use_our_svg_icons() -> None:
    config = yaml.safe_load((REPO / "book" / "_quarto.yml").read_text())
    callouts = config["mlsys"]["callouts"]
    assert callouts
    for name, conf in callouts.items():
        assert conf.get("icon") in ICON_NAMES, f"callout {name}: icon {conf.get('icon')!r}"
