"""Pass one: number every labelled target of every chapter and index it by id.

Numbers depend on document order and on the chapter's own number ("Figure 3.2", "Table A.1"),
so the same walk runs for every chapter before any page is rendered; the resulting table is
all pass two needs to resolve `@fig-x` on any page, with no post-render patching.
"""

from __future__ import annotations

import posixpath
import string
from dataclasses import asdict, dataclass, field
from typing import Any

from .filters.pandoc_ast import Node, attr_get, iter_elements, stringify

BUILTIN_FLOATS = {"fig": "Figure", "tbl": "Table", "lst": "Listing"}
# Quarto's theorem-like environments: `::: {#thm-x}` divs, numbered per kind.
THEOREMS = {
    "thm": "Theorem", "lem": "Lemma", "cor": "Corollary", "prp": "Proposition",
    "cnj": "Conjecture", "def": "Definition", "exm": "Example", "exr": "Exercise",
    "sol": "Solution", "rem": "Remark",
}
# Quarto's own cross-referenceable callouts: key -> (callout type, prefix).
BUILTIN_CALLOUTS = {
    "nte": ("note", "Note"),
    "tip": ("tip", "Tip"),
    "wrn": ("warning", "Warning"),
    "cau": ("caution", "Caution"),
    "imp": ("important", "Important"),
}


@dataclass(frozen=True)
class XrefConfig:
    """What counts as a target, and how it is named, for one project."""

    floats: dict[str, str] = field(default_factory=lambda: dict(BUILTIN_FLOATS))
    callouts: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(BUILTIN_CALLOUTS))
    number_sections: bool = True
    # `crossref: fig-prefix:` etc. (how references read) and custom kinds' caption-prefix or
    # `crossref: fig-title:` (how captions start), when a project changes Quarto's defaults.
    ref_prefixes: dict[str, str] = field(default_factory=dict)
    captions: dict[str, str] = field(default_factory=dict)
    theorems: dict[str, str] = field(default_factory=lambda: dict(THEOREMS))
    title_delim: str = ":"  # `crossref: title-delim:`, between "Figure 1.2" and the caption
    number_depth: int | None = None  # `number-depth:`: deeper headings stay unnumbered
    toc_depth: int = 3  # `toc-depth:`: deepest heading level listed in a page's toc

    @property
    def float_keys(self) -> frozenset[str]:
        return frozenset(self.floats)

    @property
    def keys(self) -> frozenset[str]:
        return frozenset({*self.floats, *self.callouts, *self.theorems, "eq", "sec"})

    def prefix(self, key: str) -> str:
        if key in self.ref_prefixes:
            return self.ref_prefixes[key]
        if key in self.floats:
            return self.floats[key]
        if key in self.callouts:
            return self.callouts[key][1]
        if key in self.theorems:
            return self.theorems[key]
        return {"eq": "Equation", "sec": "Section"}.get(key, key)

    def caption_prefix(self, key: str) -> str:
        return self.captions.get(key) or self.floats.get(key) or self.prefix(key)

    def callout_key(self, callout_type: str) -> str | None:
        for key, (ctype, _prefix) in self.callouts.items():
            if ctype == callout_type:
                return key
        return None

    def fingerprint(self) -> str:
        return repr((sorted(self.floats.items()), sorted(self.callouts.items()),
                     self.number_sections, sorted(self.ref_prefixes.items()),
                     sorted(self.captions.items()), self.title_delim, self.number_depth,
                     self.toc_depth))


@dataclass(frozen=True)
class Target:
    """One referencable thing: where it lives and how a reference to it reads."""

    id: str
    key: str  # "fig", "sec", "vid", ...
    number: str | None  # "3.2", "3.2(a)", "A.1", or None when unnumbered
    href: str  # page href, e.g. "vol1/training.html"
    prefix: str  # "Figure", "Section", "Chapter", "Appendix", ...
    title: str = ""  # plain text: heading text or caption, used when there is no number
    chapter_level: bool = False  # a chapter's own H1: link to the page, not an anchor

    def label(self, number_only: bool = False) -> str:
        if self.number is None:
            return self.title or self.id
        return self.number if number_only else f"{self.prefix} {self.number}"

    def link_from(self, page_href: str) -> str:
        """The link from `page_href` to this target (relative, so the site can move)."""
        if page_href == self.href:
            return "#" + self.id if not self.chapter_level else "#"
        start = posixpath.dirname(page_href) or "."
        rel = posixpath.relpath(self.href, start)
        return rel if self.chapter_level else f"{rel}#{self.id}"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class ChapterIndex:
    """Pass-one facts about one chapter."""

    targets: list[Target]
    title: str | None  # the H1 text, when the chapter has one
    title_id: str | None
    xref_uses: list[str]  # ids referenced with @key-id, in order, deduplicated
    cite_keys: list[str]  # bibliography keys cited, in order, deduplicated
    duplicates: list[str]  # ids labelled twice in this chapter
    meta: dict[str, Any] = field(default_factory=dict)  # front matter the pipeline needs

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["targets"] = [t.to_json() for t in self.targets]
        return d

    @staticmethod
    def from_json(d: dict[str, Any]) -> ChapterIndex:
        return ChapterIndex(
            targets=[Target(**t) for t in d["targets"]],
            title=d["title"], title_id=d["title_id"], xref_uses=d["xref_uses"],
            cite_keys=d["cite_keys"], duplicates=d["duplicates"], meta=d.get("meta", {}),
        )


def is_xref_id(cid: str, config: XrefConfig) -> bool:
    """`@fig-x` and `@Fig-x` are references; `@knuth1984` is a citation."""
    if "-" not in cid:
        return False
    key = cid.split("-", 1)[0]
    return key in config.keys or (key[:1].isupper() and key.lower() in config.keys)


def canonical_id(cid: str) -> str:
    """`Fig-x` -> `fig-x`: the capitalised spelling only changes the reference's case."""
    key, rest = cid.split("-", 1)
    return f"{key.lower()}-{rest}"


def first_title(blocks: list[Node]) -> Node | None:
    """The chapter's H1: the first top-level level-1 heading, if it comes first in the body."""
    for b in blocks:
        if b["t"] == "Header" and b["c"][0] == 1:
            return b
        if b["t"] == "Header":
            return None
    return None


_INDEXED = frozenset({"Cite", "Header", "Div", "Figure", "Table", "CodeBlock", "Span"})
_FLOATS = frozenset({"Figure", "Table", "Div", "CodeBlock"})


def _letters(i: int) -> str:
    return string.ascii_lowercase[i] if i < 26 else str(i + 1)


def float_caption_text(node: Node) -> str:
    t, c = node["t"], node["c"]
    if t in ("Figure", "Table"):
        return stringify(c[1][1])
    if t == "Div":
        return attr_get(c[0], node_key(c[0][0]) + "-cap") or ""
    return ""


def node_key(id_: str) -> str:
    return id_.split("-", 1)[0] if "-" in id_ else ""


@dataclass
class _Indexer:
    """The running state of one chapter's pass-one walk: counters, seen ids, skipped nodes."""

    chapter_number: str | None
    href: str
    config: XrefConfig
    numbered: bool
    targets: list[Target] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    duplicates: list[str] = field(default_factory=list)
    skip: set[int] = field(default_factory=set)
    counters: dict[str, int] = field(default_factory=dict)
    sec_counts: list[int] = field(default_factory=lambda: [0] * 7)
    xref_uses: dict[str, None] = field(default_factory=dict)
    cite_keys: dict[str, None] = field(default_factory=dict)

    def add(self, t: Target) -> None:
        if t.id in self.seen:
            self.duplicates.append(t.id)
            return
        self.seen.add(t.id)
        self.targets.append(t)

    def next_number(self, key: str) -> str:
        self.counters[key] = self.counters.get(key, 0) + 1
        n = str(self.counters[key])
        return f"{self.chapter_number}.{n}" if self.chapter_number else n

    def visit(self, node: Node) -> None:
        """Index one element (in document order) unless an enclosing one claimed it."""
        if id(node) in self.skip:
            return
        t = node["t"]
        if t == "Cite":
            self.cite(node)
        elif t == "Header":
            self.header(node)
        elif t == "Span":
            a = node["c"][0]
            key = node_key(a[0])
            if key == "eq" and "equation" in a[1]:
                self.add(Target(a[0], "eq", self.next_number("eq"), self.href,
                                self.config.prefix("eq")))
        elif t in ("Div", "Figure", "Table", "CodeBlock"):
            if t == "Div" and self.div(node):
                return
            self.float_(node)

    def cite(self, node: Node) -> None:
        for cit in node["c"][0]:
            cid = cit["citationId"]
            if is_xref_id(cid, self.config):
                self.xref_uses.setdefault(canonical_id(cid), None)
            else:
                self.cite_keys.setdefault(cid, None)

    def header(self, node: Node) -> None:
        level, a, inl = node["c"]
        depth = max(level - 1, 1)
        config, chapter_number = self.config, self.chapter_number
        unnumbered = ("unnumbered" in a[1] or not self.numbered or chapter_number is None
                      or (config.number_depth is not None and depth + 1 > config.number_depth))
        number = None
        if not unnumbered:
            self.sec_counts[depth] += 1
            for d in range(depth + 1, 7):
                self.sec_counts[d] = 0
            number = ".".join([chapter_number or "", *(str(self.sec_counts[d]) for d in
                                                       range(1, depth + 1))])
        if a[0]:
            self.add(Target(a[0], "sec", number, self.href, config.prefix("sec"), stringify(inl)))

    def div(self, node: Node) -> bool:
        """Tabsets, callouts and theorems; returns True when the div is fully indexed."""
        a = node["c"][0]
        id_, classes = a[0], a[1]
        key = node_key(id_)
        config = self.config
        if "panel-tabset" in classes:  # its headings are tab titles, not sections
            level = next((b["c"][0] for b in node["c"][1] if b["t"] == "Header"), None)
            for inner in node["c"][1]:
                if inner["t"] == "Header" and inner["c"][0] == level:
                    self.skip.add(id(inner))
        ctype = next((c[len("callout-"):] for c in classes if c.startswith("callout-")), None)
        if ctype is not None:
            for inner in iter_elements(node["c"][1], frozenset({"Header"})):
                self.skip.add(id(inner))
            ckey = config.callout_key(ctype)
            if id_ and ckey and key == ckey:
                self.add(Target(id_, key, self.next_number(key), self.href, config.prefix(key),
                                attr_get(a, "title") or ""))
            return True
        if key in config.theorems and key not in config.floats:
            body = node["c"][1]
            title = ""
            if body and body[0]["t"] == "Header":
                self.skip.add(id(body[0]))
                title = stringify(body[0]["c"][2])
            self.add(Target(id_, key, self.next_number(key), self.href, config.prefix(key),
                            attr_get(a, "name") or title))
            return True
        return False

    def float_(self, node: Node) -> None:
        """A labelled figure, table, listing or custom float, with its lettered subfloats."""
        id_ = node["c"][0][0]
        key = node_key(id_)
        t = node["t"]
        if key not in self.config.floats or (t == "CodeBlock" and key != "lst"):
            return
        prefix = self.config.prefix(key)
        number = self.next_number(key)
        self.add(Target(id_, key, number, self.href, prefix, float_caption_text(node)))
        if t == "Div":
            subs = [n for n in iter_elements(node["c"][1], _FLOATS)
                    if node_key(n["c"][0][0]) == key]
            for i, sub in enumerate(subs):
                self.skip.add(id(sub))
                self.add(Target(sub["c"][0][0], key, f"{number}({_letters(i)})", self.href,
                                prefix, float_caption_text(sub)))


def index_chapter(
    blocks: list[Node],
    *,
    chapter_number: str | None,
    href: str,
    appendix: bool,
    config: XrefConfig,
    number_sections: bool | None = None,
    front_title: str | None = None,
) -> ChapterIndex:
    """Number and collect every target of one chapter, in document order.

    The renderer looks numbers up by id in the result, so whatever this walk decides is
    exactly what the page shows and what other pages' references say.
    """
    numbered = config.number_sections if number_sections is None else number_sections
    ix = _Indexer(chapter_number, href, config, numbered)

    title_node = None if front_title else first_title(blocks)
    title_text = front_title or (stringify(title_node["c"][2]) if title_node else None)
    title_id = title_node["c"][1][0] if title_node else None
    if title_node is not None and title_id:
        ix.add(Target(title_id, "sec", chapter_number, href,
                      "Appendix" if appendix else "Chapter", title_text or "", True))
        ix.skip.add(id(title_node))

    for node in iter_elements(blocks, _INDEXED):
        ix.visit(node)
    return ChapterIndex(ix.targets, title_text, title_id, list(ix.xref_uses),
                        list(ix.cite_keys), ix.duplicates)


class XrefTable:
    """Every target of the book by id (pass one's result, read by pass two)."""

    def __init__(self) -> None:
        self.targets: dict[str, Target] = {}

    def add_chapter(self, index: ChapterIndex) -> list[str]:
        """Add a chapter's targets; return ids that another chapter already defined."""
        clashes = []
        for t in index.targets:
            if t.id in self.targets:
                clashes.append(t.id)
            else:
                self.targets[t.id] = t
        return clashes

    def get(self, cid: str) -> Target | None:
        return self.targets.get(canonical_id(cid)) if "-" in cid else None

    def slice(self, ids: list[str]) -> dict[str, Any]:
        """The part of the table a chapter depends on (for its render cache key)."""
        return {i: (self.targets[i].to_json() if i in self.targets else None) for i in ids}
