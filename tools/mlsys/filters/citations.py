"""Citations: find unknown keys before citeproc, and place each chapter's reference list.

Citeproc itself only warns on stderr about a missing key; checking keys against the parsed
bibliography here gives a located Problem and a styled `?key` in the page instead.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

from .pandoc_ast import Node, Pass, iter_elements, raw_block, span, walk_passes

_BIB_KEY = re.compile(r"@\s*(\w+)\s*[{(]\s*([^,\s]+)\s*,")


def bibliography_keys(path: Path) -> set[str]:
    """Keys defined in a .bib/.bibtex, CSL-JSON or CSL-YAML file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    suffix = path.suffix.lower()
    if suffix in (".bib", ".bibtex"):
        return {m.group(2) for m in _BIB_KEY.finditer(text)
                if m.group(1).lower() not in ("comment", "string", "preamble")}
    if suffix == ".json":
        data = json.loads(text)
    else:
        data = yaml.safe_load(text)
        if isinstance(data, dict):
            data = data.get("references", [])
    return {str(item["id"]) for item in data or [] if isinstance(item, dict) and "id" in item}


def citation_pass(known: frozenset[str], missing: list[str]) -> Pass:
    """Replace citations of unknown keys by a visible `?key` span; return the keys."""

    def fn(node: Node) -> list[Node] | None:
        if node["t"] != "Cite":
            return None
        citations = node["c"][0]
        bad = [c for c in citations if c["citationId"] not in known]
        if not bad:
            return None
        missing.extend(c["citationId"] for c in bad)
        good = [c for c in citations if c["citationId"] in known]
        out: list[Node] = []
        if good:
            out.append({"t": "Cite", "c": [good, [{"t": "Str", "c": "@" + c["citationId"]}
                                                 for c in good]]})
        for c in bad:
            if out:
                out.append({"t": "Space"})
            out.append(span([{"t": "Str", "c": "?" + c["citationId"]}], ["citation-missing"]))
        return out

    return frozenset({"Cite"}), fn


def has_refs_div(blocks: list[Node]) -> bool:
    return any(n["c"][0][0] == "refs" for n in iter_elements(blocks, frozenset({"Div"})))


def has_citations(blocks: list[Node]) -> bool:
    return bool(iter_elements(blocks, frozenset({"Cite"})))


def references_section(title: str = "References") -> list[Node]:
    """A heading plus the `#refs` div citeproc fills, appended to a chapter that cites."""
    return [
        raw_block('<section class="chapter-references" id="chapter-references">'),
        raw_block(f'<h2 class="unnumbered">{title}</h2>'),
        {"t": "Div", "c": [["refs", [], []], []]},
        raw_block("</section>"),
    ]


def nocite_meta(keys: list[str]) -> dict:
    """Meta value `nocite` listing keys, so the references page lists every work cited."""
    cits = [{"citationId": k, "citationPrefix": [], "citationSuffix": [],
             "citationMode": {"t": "NormalCitation"}, "citationNoteNum": 0, "citationHash": 0}
            for k in keys]
    return {"t": "MetaInlines", "c": [{"t": "Cite", "c": [cits, [{"t": "Str", "c": "@"}]]}]}


def mark_missing_citations(blocks: list[Node], known: frozenset[str]) -> tuple[list[Node],
                                                                                list[str]]:
    missing: list[str] = []
    return walk_passes(blocks, [citation_pass(known, missing)]), missing
