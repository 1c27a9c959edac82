"""Cross-references: `@fig-x`, `@Fig-x`, `[-@fig-x]`, `[see @fig-x; @tbl-y]` -> links.

Pandoc reads every `@id` as a citation; the ones whose prefix is a known kind are ours and
must be resolved before citeproc sees the document. Unknown ones stay visible as `?@fig-x`
so an author spots them on the page as well as in the build log.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..xref import XrefConfig, XrefTable, is_xref_id
from .pandoc_ast import Node, Pass, span, text_inlines, walk_passes


@dataclass(frozen=True)
class MissingRef:
    cid: str  # as written, e.g. "Fig-x"


def _link(text: str, href: str) -> Node:
    return {"t": "Link", "c": [["", ["quarto-xref"], []], text_inlines(text), [href, ""]]}


def xref_pass(table: XrefTable, config: XrefConfig, page_href: str,
              missing: list[MissingRef]) -> Pass:
    """Replace reference Cites by links; leave real citations (maybe split off) to citeproc."""

    def one(cit: dict) -> list[Node]:
        cid = cit["citationId"]
        target = table.get(cid)
        out: list[Node] = list(cit.get("citationPrefix") or [])
        if out:
            out.append({"t": "Space"})
        if target is None:
            missing.append(MissingRef(cid))
            out.append(span([{"t": "Str", "c": f"?@{cid}"}], ["xref-missing"]))
        else:
            number_only = cit["citationMode"]["t"] == "SuppressAuthor"
            out.append(_link(target.label(number_only), target.link_from(page_href)))
        suffix = list(cit.get("citationSuffix") or [])
        if suffix:
            if suffix[0]["t"] not in ("Space", "Str") or (
                    suffix[0]["t"] == "Str" and suffix[0]["c"][:1] not in ",;.:)"):
                out.append({"t": "Space"})
            out.extend(suffix)
        return out

    def fn(node: Node) -> list[Node] | None:
        if node["t"] != "Cite":
            return None
        citations = node["c"][0]
        refs = [c for c in citations if is_xref_id(c["citationId"], config)]
        if not refs:
            return None
        out: list[Node] = []
        for i, cit in enumerate(refs):
            if i:
                out.extend([{"t": "Str", "c": ","}, {"t": "Space"}])
            out.extend(one(cit))
        rest = [c for c in citations if not is_xref_id(c["citationId"], config)]
        if rest:
            out.extend([{"t": "Space"}, {"t": "Cite", "c": [rest, [
                {"t": "Str", "c": "@" + c["citationId"]} for c in rest]]}])
        return out

    return frozenset({"Cite"}), fn


def resolve_xrefs(
    blocks: list[Node], table: XrefTable, config: XrefConfig, page_href: str
) -> tuple[list[Node], list[MissingRef]]:
    missing: list[MissingRef] = []
    return walk_passes(blocks, [xref_pass(table, config, page_href, missing)]), missing
