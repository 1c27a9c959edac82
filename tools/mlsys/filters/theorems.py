"""Theorem-like divs (`::: {#thm-x}`, `#lem-`, `#def-`, ...) and proofs.

Quarto numbers these per kind and starts the first paragraph with a bold "Theorem 2.1
(Name)"; `.proof`, `.remark` and `.solution` divs are unnumbered and start with an italic
label. The heading that names a theorem is its title, not a section.
"""

from __future__ import annotations

from ..xref import Target, XrefConfig, node_key
from .pandoc_ast import Node, Pass, attr_pop, span, text_inlines, walk_passes

UNNUMBERED = {"proof": "Proof", "remark": "Remark", "solution": "Solution"}


def _lead(blocks: list[Node], lead: list[Node]) -> list[Node]:
    """Put `lead` at the start of the first paragraph (or in a new one)."""
    if blocks and blocks[0]["t"] in ("Para", "Plain"):
        blocks[0]["c"] = [*lead, {"t": "Space"}, *blocks[0]["c"]]
        return blocks
    return [{"t": "Para", "c": lead}, *blocks]


def theorem_pass(local: dict[str, Target], config: XrefConfig) -> Pass:
    def fn(node: Node) -> None:
        a, content = node["c"]
        if any(c.startswith("callout") for c in a[1]):
            return None
        key = node_key(a[0])
        target = local.get(a[0])
        if target is not None and key in config.theorems and key not in config.floats:
            name: list[Node] = []
            if content and content[0]["t"] == "Header":
                name = content[0]["c"][2]
                content = content[1:]
            named = attr_pop(a, "name")
            if named:
                name = text_inlines(named)
            label = text_inlines(f"{target.prefix} {target.number}")
            if name:
                label += [{"t": "Space"}, {"t": "Str", "c": "("}, *name, {"t": "Str", "c": ")"}]
            lead = [span([{"t": "Strong", "c": label}], ["theorem-title"])]
            node["c"][1] = _lead(content, lead)
            a[1][:0] = ["theorem", f"theorem-{key}"]
            return None
        kind = next((c for c in a[1] if c in UNNUMBERED), None)
        if kind is not None and content:
            lead = [span([{"t": "Emph", "c": text_inlines(UNNUMBERED[kind] + ".")}],
                         [f"{kind}-title"])]
            content = _lead(content, lead)
            if kind == "proof":
                last = content[-1]
                if last["t"] in ("Para", "Plain"):
                    last["c"] = [*last["c"], {"t": "Space"}, span([{"t": "Str", "c": "∎"}],
                                                                   ["qed"])]
            node["c"][1] = content
        return None

    return frozenset({"Div"}), fn


def render_theorems(blocks: list[Node], local: dict[str, Target],
                    config: XrefConfig) -> list[Node]:
    return walk_passes(blocks, [theorem_pass(local, config)])
