"""Code cells in Quarto's HTML shape: folded source as `<details>`, outputs in their own divs.

`code-fold: true` folds a cell's source under a "Code" summary (`code-summary:` renames it)
and `code-fold: show` starts it open, as Quarto does, with the browser's own `<details>`, so
no script is needed. A cell's outputs are `div.cell-output.cell-output-<kind>` around a plain
`<pre>`, the elements Quarto's themes style.
"""

from __future__ import annotations

from .pandoc_ast import Node, Pass, attr_pop, div, esc, raw_block, walk_passes

FOLD = frozenset({"true", "show"})


def _output(node: Node) -> Node | None:
    """An output block (`.cell-output .cell-output-stdout`): the classes move to a div."""
    a = node["c"][0]
    kinds = [c for c in a[1] if c.startswith("cell-output")]
    if not kinds:
        return None
    a[1] = [c for c in a[1] if not c.startswith("cell-output")]
    return div([node], kinds)


def _fold(node: Node) -> list[Node] | None:
    a = node["c"][0]
    fold = (attr_pop(a, "code-fold") or "").lower()
    summary = attr_pop(a, "code-summary") or "Code"
    if fold not in FOLD:
        return None
    opened = " open" if fold == "show" else ""
    return [raw_block(f'<details class="code-fold"{opened}>\n<summary>{esc(summary)}</summary>'),
            node, raw_block("</details>")]


def code_cell_pass() -> Pass:
    """Fold cells' source where asked; give outputs Quarto's wrapper divs."""

    def fn(node: Node) -> Node | list[Node] | None:
        return _output(node) or _fold(node)

    return frozenset({"CodeBlock"}), fn


def render_code_cells(blocks: list[Node]) -> list[Node]:
    return walk_passes(blocks, [code_cell_pass()])
