"""Print transforms shared by the PDF and EPUB writers, one small function per feature.

A printed book cannot hide an answer behind a click or put a note in a margin that the page
does not have, so these passes reshape a chapter's AST for paper: quiz answers move to the
chapter's end, margin notes become footnotes, tab sets become consecutive sections, and
every cross-reference becomes an in-document link (`#fig-x`) with the number the website
shows. Format-specific wrappers (Typst boxes, EPUB classes) live in `typst.py` and `epub.py`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..filters.callouts import callout_type
from ..filters.pandoc_ast import Node, attr_get, stringify, text_inlines
from ..xref import Target, XrefConfig

BLOCKS = frozenset({"Para", "Plain", "Div", "Header", "BulletList", "OrderedList", "CodeBlock",
                    "RawBlock", "BlockQuote", "Table", "Figure", "HorizontalRule", "LineBlock",
                    "DefinitionList"})


@dataclass
class Notice:
    """Something a reader of the export would miss: a message and text to locate it by."""

    message: str
    needle: str | None = None


@dataclass
class Found:
    """What the passes of one chapter collected for the writer and the build log."""

    notices: list[Notice] = field(default_factory=list)
    images: list[tuple[Path, str]] = field(default_factory=list)  # (file, target as written)
    index_terms: int = 0


def block_lists(tree: object) -> Iterator[list[Node]]:
    """Every list of blocks in `tree`, outermost first (a Div's body, a list item, ...)."""
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if item and isinstance(item[0], dict) and item[0].get("t") in BLOCKS:
                yield item
            stack.extend(reversed(item))
        elif isinstance(item, dict) and isinstance(item.get("c"), list | dict):
            stack.append(item["c"])


def callout_title(node: Node) -> str:
    """A callout's title as text: its `title=` attribute or its leading heading (which is
    where pandoc puts `title=`)."""
    title = attr_get(node["c"][0], "title")
    if title is None and node["c"][1] and node["c"][1][0]["t"] == "Header":
        title = stringify(node["c"][1][0]["c"][2])
    return (title or "").strip()


def is_answer(node: Node) -> bool:
    """An answer inside a quiz: a callout titled "Answer" (Quarto's collapsed tip)."""
    if node["t"] != "Div" or callout_type(node["c"][0][1]) is None:
        return False
    return callout_title(node).lower().startswith("answer") or "answer" in node["c"][0][1]


def quiz_answers(blocks: list[Node], anchor: str, heading: str) -> list[Node]:
    """Take every answer out of the chapter's quizzes; return the section that lists them.

    Each quiz keeps its questions and gains a line pointing to the answers, which follow
    the chapter under `heading`, grouped by quiz and numbered like the questions.
    """
    groups: list[tuple[str, list[list[Node]]]] = []
    for lst in block_lists(blocks):
        for quiz in lst:
            if quiz["t"] != "Div" or callout_type(quiz["c"][0][1]) != "quiz":
                continue
            answers = _pull_answers(quiz["c"][1])
            if not answers:
                continue
            title = callout_title(quiz) or f"Self-check {len(groups) + 1}"
            groups.append((title, answers))
            quiz["c"][1].append({"t": "Para", "c": [{"t": "Emph", "c": [
                *text_inlines("Answers are at the"), {"t": "Space"},
                {"t": "Link", "c": [["", [], []], text_inlines("end of the chapter"),
                                    ["#" + anchor, ""]]},
                {"t": "Str", "c": "."}]}]})
    if not groups:
        return []
    out: list[Node] = [{"t": "Header", "c": [2, [anchor, ["unnumbered", "unlisted"], []],
                                             text_inlines(heading)]}]
    for title, answers in groups:
        out.append({"t": "Para", "c": [{"t": "Strong", "c": text_inlines(title)}]})
        out.append({"t": "OrderedList", "c": [[1, {"t": "Decimal"}, {"t": "Period"}],
                                              answers]})
    return out


def _pull_answers(body: list[Node]) -> list[list[Node]]:
    """Remove answer callouts from a quiz body (in list items or not), in question order."""
    answers: list[list[Node]] = []
    for lst in list(block_lists(body)):
        kept = [b for b in lst if not is_answer(b)]
        for b in lst:
            if is_answer(b):
                body = b["c"][1]
                if body and body[0]["t"] == "Header":  # the "Answer" title itself
                    body = body[1:]
                answers.append(body or [{"t": "Plain", "c": []}])
        lst[:] = kept or [{"t": "Plain", "c": []}]
    return answers


def margin_notes(blocks: list[Node]) -> None:
    """`.column-margin` / `.aside` blocks and spans become footnotes of the text before them."""
    for lst in list(block_lists(blocks)):
        out: list[Node] = []
        for b in lst:
            if b["t"] == "Div" and _is_margin(b["c"][0][1]):
                note = {"t": "Note", "c": b["c"][1] or [{"t": "Para", "c": []}]}
                host = next((x for x in reversed(out) if x["t"] in ("Para", "Plain")), None)
                if host is not None:
                    host["c"].append(note)
                else:
                    out.append({"t": "Para", "c": [note]})
                continue
            out.append(b)
        lst[:] = out
    for node in _inlines_of(blocks, "Span"):
        if _is_margin(node["c"][0][1]):
            node["c"][1] = [{"t": "Note", "c": [{"t": "Para", "c": node["c"][1]}]}]


def _is_margin(classes: list[str]) -> bool:
    return "column-margin" in classes or "aside" in classes or "margin-aside" in classes


def _inlines_of(tree: object, kind: str) -> Iterator[Node]:
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if item.get("t") == kind:
                yield item
            if isinstance(item.get("c"), list | dict):
                stack.append(item["c"])


def flatten_tabsets(blocks: list[Node]) -> None:
    """A tab set's panels follow one another on paper, each under its own bold title."""
    for lst in list(block_lists(blocks)):
        out: list[Node] = []
        for b in lst:
            if b["t"] == "Div" and "panel-tabset" in b["c"][0][1]:
                for inner in b["c"][1]:
                    if inner["t"] == "Header":
                        out.append({"t": "Para", "c": [{"t": "Strong", "c": inner["c"][2]}]})
                    else:
                        out.append(inner)
                continue
            out.append(b)
        lst[:] = out


def bake_captions(blocks: list[Node], local: dict[str, Target], config: XrefConfig) -> None:
    """Figures, tables and listings get "Figure 3.2:" in front of their caption.

    The number comes from the book-wide index, so it equals the website's; the writers
    then switch their own float numbering off.
    """
    def prefix(fid: str) -> list[Node]:
        target = local.get(fid)
        if target is None or target.number is None:
            return []
        if "(" in target.number:
            label = target.number[target.number.index("("):]
        else:
            label = f"{config.caption_prefix(target.key)} {target.number}{config.title_delim}"
        return [{"t": "Strong", "c": text_inlines(label)}, {"t": "Space"}]

    for lst in list(block_lists(blocks)):
        for i, b in enumerate(lst):
            if b["t"] in ("Figure", "Table"):
                _prefix_caption(b["c"][1], prefix(b["c"][0][0]))
            elif b["t"] == "Div" and b["c"][0][0] in local \
                    and local[b["c"][0][0]].key in config.floats:
                lst[i] = _div_float(b, prefix(b["c"][0][0]))
            elif b["t"] == "CodeBlock" and b["c"][0][0] in local:
                cap = attr_get(b["c"][0], "lst-cap") or ""
                lst[i] = {"t": "Div", "c": [[b["c"][0][0], ["listing"], []], [
                    {"t": "Para", "c": [*prefix(b["c"][0][0]), *text_inlines(cap)]},
                    {"t": "CodeBlock", "c": [["", b["c"][0][1], []], b["c"][1]]}]]}


def _prefix_caption(caption: list, prefix: list[Node]) -> None:
    if not prefix:
        return
    if caption[1] and caption[1][0]["t"] in ("Plain", "Para"):
        caption[1][0]["c"][:0] = prefix
    else:
        caption[1] = [{"t": "Plain", "c": prefix[:-1]}]


def _div_float(node: Node, prefix: list[Node]) -> Node:
    """A labelled div (several images, or a cell's output) becomes one captioned Figure."""
    a, content = node["c"]
    key = a[0].split("-", 1)[0]
    cap_attr = attr_get(a, f"{key}-cap")
    if cap_attr is not None:
        cap = text_inlines(cap_attr)
    elif len(content) > 1 and content[-1]["t"] in ("Para", "Plain"):
        cap, content = content[-1]["c"], content[:-1]
    elif len(content) == 1 and content[0]["t"] in ("Figure", "Table"):
        inner = content[0]
        cb = inner["c"][1][1]
        cap = cb[0]["c"] if cb and cb[0]["t"] in ("Plain", "Para") else []
        inner["c"][1] = [None, []]
    else:
        cap = []
    return {"t": "Figure", "c": [[a[0], [f"float-{key}"], []],
                                 [None, [{"t": "Plain", "c": [*prefix, *cap]}]], content]}


def local_links(blocks: list[Node], chapter_ids: dict[str, str],
                known_ids: set[str], found: Found) -> None:
    """Links into the book (`training.html#fig-x`) point inside the one document (`#fig-x`).

    A link to an anchor the export does not contain keeps its text and loses the link
    (Typst refuses a link to a missing label), with a notice.
    """
    for node in _inlines_of(blocks, "Link"):
        url = node["c"][2][0]
        if "://" in url or url.startswith("mailto:"):
            continue
        page, _, anchor = url.partition("#")
        page = page.rsplit("/", 1)[-1]
        if not anchor and page in chapter_ids:
            anchor = chapter_ids[page]
        if anchor and anchor in known_ids:
            node["c"][2][0] = "#" + anchor
        elif anchor or page:
            if not url.startswith("../"):  # other volumes and parts: text on paper
                found.notices.append(Notice(f"link to {url} has no target in the export; "
                                            "kept as text", url))
            node["t"] = "Span"
            node["c"] = [["", ["dead-link"], []], node["c"][1]]


def resolve_images(blocks: list[Node], source_dir: Path, generated: dict[str, Path],
                   found: Found) -> None:
    """Image targets become absolute files (a cell's figure lives in the execution cache)."""
    for node in _inlines_of(blocks, "Image"):
        target = node["c"][2][0]
        if "://" in target:
            found.notices.append(Notice(f"remote image {target} is not embedded", target))
            continue
        path = generated.get(target) or (source_dir / target).resolve()
        found.images.append((path, target))
        node["c"][2][0] = str(path)


def raw_blocks(blocks: list[Node], keep: str, index: Callable[[str], list[Node]],
               found: Found) -> None:
    """Raw content for other formats is dropped, with a notice; `\\index{}` becomes `index`."""
    for lst in list(block_lists(blocks)):
        out = []
        for b in lst:
            terms = _index_terms(b["c"][1]) if b["t"] == "RawBlock" and b["c"][0] in (
                "tex", "latex") else None
            if terms:  # `\\index{a}\\index{b}` alone on a line: a block of its own
                found.index_terms += len(terms)
                out.append({"t": "Plain", "c": [x for t in terms for x in index(t)]})
                continue
            if b["t"] == "RawBlock" and b["c"][0] != keep:
                found.notices.append(Notice(f"raw {b['c'][0]} block left out of the export",
                                            b["c"][1].strip().splitlines()[0][:40]
                                            if b["c"][1].strip() else None))
                continue
            out.append(b)
        lst[:] = out
    for lst in _inline_lists(blocks):
        out = []
        for x in lst:
            if x.get("t") == "RawInline" and x["c"][0] in ("tex", "latex"):
                term = _index_term(x["c"][1])
                if term is not None:
                    found.index_terms += 1
                    out.extend(index(term))
                    continue
                found.notices.append(Notice("raw LaTeX left out of the export", x["c"][1]))
                continue
            if x.get("t") == "RawInline" and x["c"][0] != keep:
                found.notices.append(Notice(f"raw {x['c'][0]} left out of the export",
                                            x["c"][1]))
                continue
            out.append(x)
        lst[:] = out


def _inline_lists(tree: object) -> Iterator[list[Node]]:
    for lst in _all_lists(tree):
        if lst and isinstance(lst[0], dict) and lst[0].get("t") not in BLOCKS \
                and any(isinstance(x, dict) and x.get("t") == "RawInline" for x in lst):
            yield lst


def _all_lists(tree: object) -> Iterator[list]:
    stack: list[object] = [tree]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            yield item
            stack.extend(item)
        elif isinstance(item, dict) and isinstance(item.get("c"), list | dict):
            stack.append(item["c"])


def _index_terms(tex: str) -> list[str] | None:
    """The terms of a run of `\\index{}` commands and nothing else; None otherwise."""
    parts = re.findall(r"\\index\{[^{}]*\}|\S", tex)
    terms = [_index_term(p) for p in parts]
    return None if not terms or None in terms else [t for t in terms if t]


def _index_term(tex: str) -> str | None:
    """The term of `\\index{term}` (a `!` sub-entry reads "term, sub"); None for other TeX."""
    tex = tex.strip()
    if not (tex.startswith("\\index{") and tex.endswith("}")):
        return None
    term = tex[len("\\index{"):-1].split("@", 1)[-1].split("|", 1)[0]
    return ", ".join(p.strip() for p in term.split("!") if p.strip()) or None
