"""Curriculum ids: one small resolver every part can share.

An id names one thing a course can point at, and resolves to its title, its page on the site
and (for reading) its size in words:

| id                         | source of truth                                  |
|----------------------------|--------------------------------------------------|
| `vol1/<stem>`              | chapter listed in `book/_quarto-vol1.yml` (vol2 likewise) |
| `vol1/<stem>#sec-...`      | a heading id inside that chapter's `.qmd`          |
| `lab:<name>`               | `labs/labs.yaml`                                  |
| `module:<NN_name>`         | `tinytorch/modules/NN_name/module.yaml`           |
| `kit:<name>`               | `kits/boards/<name>/kit.yaml` (checked once `kits/boards/` exists) |
| `interview:<track>`        | the seven interview tracks                        |
| `pset:vol1/<stem>`         | `instructors/problems/<stem>.yaml`                |

The index is read once per repository root and cached; it never imports the other parts.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

INTERVIEW_TRACKS = ("silicon", "memory", "distributed", "serving", "operations", "edge",
                    "efficiency")
_SKIP_CHAPTERS = {"index", "references"}
# The heading a chapter still being written uses for its outline; readings of it are labelled.
IN_PREPARATION = "What the full chapter will cover"
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*\{#(sec-[A-Za-z0-9_-]+)[^}]*\}\s*$")
_FENCE = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Item:
    """One curriculum item a course can reference."""

    id: str
    kind: str          # chapter, section, lab, module, kit, interview, pset
    title: str
    href: str | None   # path from the site root, or None when that part has no page yet
    words: int = 0     # reading size (chapters and sections)
    order: int = 0     # position in its sequence (book order, module number)
    appendix: bool = False


@dataclass(frozen=True)
class Index:
    """Every id that exists in one checkout of the repository."""

    root: Path
    items: dict[str, Item]
    kits_known: bool   # False while kits/boards/ does not exist: kit ids are taken on trust

    def get(self, ident: str) -> Item | None:
        """The item for `ident`; an unverifiable `kit:` id yields a placeholder item."""
        if ident in self.items:
            return self.items[ident]
        if ident.startswith("kit:") and not self.kits_known and len(ident) > 4:
            return Item(ident, "kit", f"Kit project: {ident[4:]}", None)
        return None

    def closest(self, ident: str, n: int = 3) -> list[str]:
        """The ids of the same kind most like `ident`, for error messages (compared without
        the shared `kind:` prefix, which would make every id of a kind look alike)."""
        kind = ident.split(":")[0] if ":" in ident else ""
        pool = [i for i in self.items if (i.split(":")[0] if ":" in i else "") == kind]
        names = {i.split(":", 1)[-1]: i for i in pool}
        found = difflib.get_close_matches(ident.split(":", 1)[-1], list(names), n=n,
                                          cutoff=0.6)
        return [names[f] for f in found]

    def chapters(self, volume: int, appendices: bool = False) -> list[Item]:
        """The chapters of one volume in book order."""
        return sorted((i for i in self.items.values() if i.kind == "chapter"
                       and i.id.startswith(f"vol{volume}/") and (appendices or not i.appendix)),
                      key=lambda i: i.order)

    def sections(self, chapter: str) -> list[Item]:
        """The level-2 sections of a chapter, in order."""
        return sorted((i for i in self.items.values() if i.kind == "section"
                       and i.id.startswith(chapter + "#")), key=lambda i: i.order)

    def of_kind(self, kind: str) -> list[Item]:
        """Every item of one kind (`lab`, `module`, ...) in its natural order."""
        return sorted((i for i in self.items.values() if i.kind == kind),
                      key=lambda i: (i.order, i.id))


def _words(lines: list[str]) -> int:
    count, fenced = 0, False
    for line in lines:
        if _FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            count += len(line.split())
    return count


def _chapter_items(vol: str, stem: str, qmd: Path, order: int, appendix: bool) -> list[Item]:
    """The chapter and its headings (level-2 headings carry their size in words)."""
    lines = qmd.read_text("utf-8").splitlines()
    title, items, heads = stem, [], []
    for n, line in enumerate(lines):
        m = _HEADING.match(line)
        if m and len(m.group(1)) == 1 and title == stem:
            title = m.group(2)
        elif m:
            heads.append((n, len(m.group(1)), m.group(2), m.group(3)))
    base = f"book/{vol}/{stem}.html"
    level2 = [h for h in heads if h[1] == 2] + [(len(lines), 2, "", "")]
    for k, (n, level, text, sec) in enumerate(heads):
        size = 0
        if level == 2:
            nxt = next(h[0] for h in level2 if h[0] > n)
            size = _words(lines[n:nxt])
        label = " (chapter in preparation)" if text.startswith(IN_PREPARATION) else ""
        items.append(Item(f"{vol}/{stem}#{sec}", "section", f"{title}: {text}{label}",
                          f"{base}#{sec}", size, order * 1000 + k))
    items.append(Item(f"{vol}/{stem}", "chapter", title, base, _words(lines), order, appendix))
    return items


def _book(root: Path) -> list[Item]:
    items: list[Item] = []
    for vol in ("vol1", "vol2"):
        cfg = root / "book" / f"_quarto-{vol}.yml"
        if not cfg.is_file():
            continue
        book = (yaml.safe_load(cfg.read_text("utf-8")) or {}).get("book", {})
        files: list[tuple[str, bool]] = []
        for key, appendix in (("chapters", False), ("appendices", True)):
            for entry in book.get(key) or []:
                chapters = entry.get("chapters", []) if isinstance(entry, dict) else [entry]
                files += [(c, appendix) for c in chapters]
        for order, (rel, appendix) in enumerate(files):
            qmd = root / "book" / rel
            if qmd.stem not in _SKIP_CHAPTERS and qmd.is_file():
                items += _chapter_items(vol, qmd.stem, qmd, order, appendix)
    return items


def _labs_modules_kits(root: Path) -> list[Item]:
    items: list[Item] = []
    labs = root / "labs" / "labs.yaml"
    if labs.is_file():
        for n, lab in enumerate((yaml.safe_load(labs.read_text("utf-8")) or {}).get("labs", [])):
            items.append(Item(f"lab:{lab['name']}", "lab", lab.get("title", lab["name"]),
                              f"labs/{lab['name']}.html", order=n))
    for spec in sorted((root / "tinytorch" / "modules").glob("*/module.yaml")):
        meta = yaml.safe_load(spec.read_text("utf-8")) or {}
        name = spec.parent.name
        items.append(Item(f"module:{name}", "module",
                          f"Module {meta.get('number', '')}: {meta.get('title', name)}".strip(),
                          f"tinytorch/{name}/lesson.html", order=int(meta.get("number", 0))))
    for spec in sorted((root / "kits" / "boards").glob("*/kit.yaml")):
        meta = yaml.safe_load(spec.read_text("utf-8")) or {}
        title = meta.get("title") or meta.get("name") or spec.parent.name
        items.append(Item(f"kit:{spec.parent.name}", "kit", f"Kit: {title}", None))
    return items


def _others(root: Path) -> list[Item]:
    items = [Item(f"interview:{t}", "interview", f"Interview track: {t}", None, order=n)
             for n, t in enumerate(INTERVIEW_TRACKS)]
    for n, ps in enumerate(sorted((root / "instructors" / "problems").glob("*.yaml"))):
        items.append(Item(f"pset:vol1/{ps.stem}", "pset", f"Problem set: {ps.stem}",
                          f"instructors/problems/{ps.stem}.html", order=n))
    return items


@functools.lru_cache(maxsize=8)
def _index(root: Path, stamp: tuple) -> Index:
    items = {i.id: i for i in _book(root) + _labs_modules_kits(root) + _others(root)}
    for ident, item in list(items.items()):  # a problem set is named after its chapter
        chapter = items.get(ident.removeprefix("pset:")) if item.kind == "pset" else None
        if chapter:
            items[ident] = Item(ident, "pset", f"Problem set: {chapter.title}", item.href,
                                order=chapter.order)
    return Index(root, items, (root / "kits" / "boards").is_dir())


def index(root: Path) -> Index:
    """The ids of the checkout at `root`; re-read when any file they come from changes (a
    long-running `mlsys preview` sees a new section or lab without restarting)."""
    root = Path(root).resolve()
    sources = [*root.glob("book/_quarto-vol*.yml"), *root.glob("book/vol*/*.qmd"),
               root / "labs" / "labs.yaml", *root.glob("tinytorch/modules/*/module.yaml"),
               *root.glob("kits/boards/*/kit.yaml"), root / "kits" / "boards",
               root / "instructors" / "problems"]
    stamp = tuple(sorted((str(p), p.stat().st_mtime_ns) for p in sources if p.exists()))
    return _index(root, stamp)
