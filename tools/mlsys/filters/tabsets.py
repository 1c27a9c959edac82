"""`.panel-tabset` divs: the headings inside become tabs, the content between them panels.

The markup works without JavaScript (every panel shows, under its tab bar); components.js
turns it into real tabs with ARIA roles and arrow-key navigation. Tab headings are titles,
not sections, so pass one does not number them and the toc does not list them.
"""

from __future__ import annotations

import itertools

from .pandoc_ast import Node, Pass, esc, plain, raw_block, walk_passes


def tab_level(content: list[Node]) -> int | None:
    """The heading level that separates tabs: the level of the first heading in the div."""
    for b in content:
        if b["t"] == "Header":
            return b["c"][0]
    return None


def tabset_pass(page_key: str) -> Pass:
    """Replace each tabset div by a tab bar and one panel per heading."""
    seq = itertools.count(1)

    def fn(node: Node) -> list[Node] | None:
        a, content = node["c"]
        if "panel-tabset" not in a[1]:
            return None
        level = tab_level(content)
        if level is None:
            return None
        n = next(seq)
        tabs: list[tuple[list[Node], list[Node]]] = []
        lead: list[Node] = []
        for b in content:
            if b["t"] == "Header" and b["c"][0] == level:
                tabs.append((b["c"][2], []))
            elif tabs:
                tabs[-1][1].append(b)
            else:
                lead.append(b)
        base = f"tabset-{page_key}-{n}"
        classes = " ".join(["panel-tabset", *[c for c in a[1] if c != "panel-tabset"]])
        id_html = f' id="{esc(a[0])}"' if a[0] else ""
        out = [raw_block(f'<div class="{esc(classes)}"{id_html} data-tabset>'), *lead,
               raw_block('<div class="tabset-tabs" role="tablist">')]
        for i, (title, _) in enumerate(tabs):
            selected = "true" if i == 0 else "false"
            out += [raw_block(f'<button type="button" class="tabset-tab" role="tab" '
                              f'id="{base}-tab-{i + 1}" aria-controls="{base}-panel-{i + 1}" '
                              f'aria-selected="{selected}">'),
                    plain(title), raw_block("</button>")]
        out.append(raw_block("</div>"))
        for i, (_, body) in enumerate(tabs):
            out += [raw_block(f'<div class="tabset-panel" role="tabpanel" '
                              f'id="{base}-panel-{i + 1}" aria-labelledby="{base}-tab-{i + 1}">'),
                    *body, raw_block("</div>")]
        out.append(raw_block("</div>"))
        return out

    return frozenset({"Div"}), fn


def render_tabsets(blocks: list[Node], page_key: str) -> list[Node]:
    return walk_passes(blocks, [tabset_pass(page_key)])
