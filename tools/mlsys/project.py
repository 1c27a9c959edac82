"""Load a Quarto book project (`_quarto.yml` plus profiles) into a typed model.

The sources must stay valid Quarto, so this module reads the same files Quarto reads and applies
the same rules (profile merging, chapter numbering, part pages, appendices). Every mistake an
author can make here is reported as a `BuildError` whose problems name the file and line, because
"invalid config" without a location costs an author minutes of bisecting a long YAML file.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from mlsys.model import BuildError, Problem
from mlsys.yamlsource import (  # noqa: F401 (YAML_LOADER, load_yaml: re-exported)
    YAML_LOADER,
    YamlLocator,
    YamlSyntaxError,
    load_yaml,
    parse_yaml,
)

ChapterKind = Literal["index", "chapter", "appendix", "references", "page"]

_CONFIG_NAMES = ("_quarto.yml", "_quarto.yaml")
_HEADING = re.compile(r"^#\s+(.*?)\s*$")
_ATTRS = re.compile(r"\s*\{([^{}]*)\}\s*$")
_REFS_DIV = re.compile(r"^:{3,}\s*\{[^}]*#refs\b[^}]*\}\s*$|^:{3,}\s*#refs\s*$", re.MULTILINE)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")


@dataclass(frozen=True)
class ChapterRef:
    """One file of the book in reading order, with the number and title Quarto would give it."""

    path: Path  # absolute path of the .qmd
    rel: str  # the path as written in _quarto.yml
    href: str  # rel with .qmd -> .html
    part: str | None  # title of the enclosing part ("Appendices" for appendices)
    kind: ChapterKind  # "page" is a part page (`part: file.qmd`)
    number: str | None  # "3", "B" or None when unnumbered
    title: str


@dataclass
class Project:
    """A loaded book project: the merged config plus the facts every later stage needs."""

    root: Path
    profile: str | None
    config: dict[str, Any]
    title: str
    subtitle: str | None
    author: str | None
    description: str | None
    chapters: list[ChapterRef]
    bibliography: list[Path] = field(default_factory=list)
    crossref_custom: list[dict[str, Any]] = field(default_factory=list)
    callouts: dict[str, Any] = field(default_factory=dict)
    number_sections: bool = True
    output_dir: Path = Path("_book")
    warnings: list[Problem] = field(default_factory=list)  # config the build reports, goes on

    @property
    def execute_options(self) -> dict[str, Any]:
        """Project-wide `execute:` options (format-level ones win, as in Quarto)."""
        opts: dict[str, Any] = {}
        if isinstance(self.config.get("execute"), dict):
            opts.update(self.config["execute"])
        html = _html_format(self.config)
        if isinstance(html.get("execute"), dict):
            opts.update(html["execute"])
        return opts


# --------------------------------------------------------------------------------------------
# YAML with line numbers


# The one line-aware loader lives in `mlsys.yamlsource` (every part depends on mlsysim);
# here its syntax errors become `Problem`s at their line.


def read_yaml(file: Path) -> tuple[Any, YamlLocator]:
    """Read a YAML file of the repository (curriculum.yml, contributors.yml, ...): its data and
    a locator that tells the line of any key path; a syntax error is a Problem at its line.
    The one line-aware loader of `mlsys`: configs other than _quarto.yml use it too."""
    try:
        text = file.read_text("utf-8")
    except OSError as exc:
        raise BuildError([Problem("error", f"cannot read: {exc}", file)]) from exc
    return _parse_yaml(text, file)


def _parse_yaml(text: str, file: Path, line_offset: int = 0) -> tuple[Any, YamlLocator]:
    """Parse one YAML document; a syntax error becomes a Problem at the right line of `file`."""
    try:
        return parse_yaml(text, file, line_offset)
    except YamlSyntaxError as exc:
        raise BuildError([Problem("error", f"invalid YAML: {exc.detail}", file, exc.line)]) \
            from None


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise BuildError([Problem("error", f"not UTF-8 text: {exc}", path)]) from None
    except OSError as exc:
        raise BuildError([Problem("error", f"cannot read: {exc.strerror}", path)]) from None


def read_front_matter(path: Path, text: str | None = None) -> tuple[dict[str, Any], int]:
    """Return a .qmd's YAML front matter and the 1-based line where its body starts.

    Errors in the front matter are reported at the line of the .qmd itself (not of the YAML
    snippet), so an author's editor can jump straight to the mistake.
    """
    if text is None:
        text = _read_text(path)
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return {}, 1
    for end in range(1, len(lines)):
        if lines[end].strip() in ("---", "..."):
            break
    else:
        raise BuildError([Problem("error", "front matter is not closed by '---'", path, 1)])
    data, _ = _parse_yaml("\n".join(lines[1:end]), path, line_offset=1)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BuildError([Problem("error", "front matter must be a YAML mapping", path, 2)])
    return data, end + 2


# --------------------------------------------------------------------------------------------
# Profiles


def deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Merge `over` onto `base` the way Quarto merges project config and profiles.

    Mappings merge key by key and `over`'s scalars win. Lists are NOT replaced: Quarto
    concatenates them (base first; a scalar on either side counts as a one-item list) and drops
    duplicates, so a profile can add a bibliography file without repeating the base's.
    """
    out = dict(base)
    for key, value in over.items():
        old = out.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            out[key] = deep_merge(old, value)
        elif isinstance(value, list) or isinstance(old, list):
            if old is None or old is False or old == [] or old == "":
                out[key] = value
            elif value is None or value is False or value == [] or value == "":
                out[key] = old
            else:
                out[key] = _unique([*_as_list(old), *_as_list(value)])
        else:
            out[key] = value
    return out


def _get(data: Any, keys: tuple[str, ...]) -> Any:
    for k in keys:
        data = data.get(k) if isinstance(data, dict) else None
    return data


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _unique(items: list[Any]) -> list[Any]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = json.dumps(item, sort_keys=True, default=str)
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out


def _profile_names(requested: str | None, base: dict[str, Any]) -> list[str]:
    """Explicit argument, else QUARTO_PROFILE, else `profile: default:` (Quarto's order)."""
    spec: Any = requested
    if not spec:
        spec = os.environ.get("QUARTO_PROFILE") or None
    if not spec:
        prof = base.get("profile")
        spec = prof.get("default") if isinstance(prof, dict) else None
    if not spec:
        return []
    items = spec if isinstance(spec, list) else str(spec).split(",")
    return [str(p).strip() for p in items if str(p).strip()]


def _declared_profiles(base: dict[str, Any]) -> set[str]:
    """Profiles named under `profile: group:` (a list, or a list of lists)."""
    prof = base.get("profile")
    group = prof.get("group") if isinstance(prof, dict) else None
    names: set[str] = set()
    for item in group if isinstance(group, list) else []:
        names.update(str(x) for x in (item if isinstance(item, list) else [item]))
    return names


def _find_config(root: Path, stem: str) -> Path | None:
    for ext in (".yml", ".yaml"):
        candidate = root / f"{stem}{ext}"
        if candidate.is_file():
            return candidate
    return None


# --------------------------------------------------------------------------------------------
# Chapters


def _strip_attrs(text: str) -> tuple[str, str]:
    """Split `Title {#id .unnumbered}` into ("Title", "#id .unnumbered")."""
    m = _ATTRS.search(text)
    if m:
        return text[: m.start()].strip(), m.group(1)
    return text.strip(), ""


def _unquote_title(value: Any) -> str:
    return " ".join(str(value).split())


def _scan_chapter(path: Path) -> tuple[str, bool, bool]:
    """Return (title, unnumbered, is_references) of a chapter file."""
    text = _read_text(path)
    meta, body_start = read_front_matter(path, text)
    lines = text.splitlines()[body_start - 1 :]
    heading_title: str | None = None
    heading_unnumbered = False
    in_fence: str | None = None
    for line in lines:
        fence = _FENCE.match(line)
        if fence:
            mark = fence.group(1)
            if in_fence is None:
                in_fence = mark[0] * len(mark)
            elif line.strip().startswith(in_fence) and not line.strip().strip(mark[0]):
                in_fence = None
            continue
        if in_fence is None:
            m = _HEADING.match(line)
            if m:
                heading_title, attrs = _strip_attrs(m.group(1))
                heading_unnumbered = _is_unnumbered(attrs)
                break
    refs = bool(_REFS_DIV.search(text))
    if meta.get("title") is not None:
        title, attrs = _strip_attrs(_unquote_title(meta["title"]))
        unnumbered = _is_unnumbered(attrs) or heading_unnumbered or meta.get("number-sections") is False
    else:
        title = heading_title or path.stem.replace("_", " ").replace("-", " ").title()
        unnumbered = heading_unnumbered or meta.get("number-sections") is False
    return title, unnumbered, refs


def _is_unnumbered(attrs: str) -> bool:
    tokens = attrs.split()
    return ".unnumbered" in tokens or "-" in tokens


class _ChapterWalker:
    """Walk `book: chapters:` and `book: appendices:`, numbering as Quarto does."""

    def __init__(self, root: Path, problems: list[Problem]):
        self.root = root
        self.problems = problems
        self.refs: list[ChapterRef] = []
        self.next_number = 1
        self.next_letter = 0
        self.numbered = True  # False for a website: its pages have no chapter numbers

    def _resolve(self, entry: Any, loc: YamlLocator, keys: tuple[str | int, ...]) -> Path | None:
        if not isinstance(entry, str) or not entry.strip():
            self.problems.append(
                Problem("error", f"chapter entry must be a file path, got {entry!r}",
                        loc.file, loc.line(*keys))
            )
            return None
        path = (self.root / entry).resolve()
        if not path.is_file():
            self.problems.append(
                Problem("error", f"chapter file not found: {entry}", loc.file, loc.line(*keys))
            )
            return None
        return path

    def _add(self, rel: str, path: Path, part: str | None, appendix: bool, first: bool,
             loc: YamlLocator, keys: tuple[str | int, ...]) -> None:
        try:
            title, unnumbered, refs = _scan_chapter(path)
        except BuildError as exc:
            self.problems.extend(exc.problems)
            return
        kind: ChapterKind
        number: str | None = None
        if first and not appendix:
            kind = "index"
        elif refs:
            kind = "references"
        elif appendix:
            kind = "appendix"
            if not unnumbered:
                number = _letters(self.next_letter)
                self.next_letter += 1
        else:
            kind = "chapter"
            if not unnumbered and self.numbered:
                number = str(self.next_number)
                self.next_number += 1
        href = re.sub(r"\.(qmd|md|ipynb)$", ".html", rel)
        self.refs.append(ChapterRef(path, rel, href, part, kind, number, title))

    def walk(self, entries: list[tuple[Any, YamlLocator, tuple[str | int, ...]]],
             appendix: bool = False) -> None:
        """Walk located entries: (value, file it came from, key path in that file)."""
        part_title = "Appendices" if appendix else None
        for entry, loc, ekeys in entries:
            first = not self.refs
            if isinstance(entry, dict):
                if appendix:
                    self.problems.append(Problem(
                        "error", "appendices cannot contain parts", loc.file, loc.line(*ekeys)))
                    continue
                self._walk_part(entry, loc, ekeys)
                continue
            path = self._resolve(entry, loc, ekeys)
            if path is not None:
                self._add(entry, path, part_title, appendix, first, loc, ekeys)

    def _walk_part(self, entry: dict[str, Any], loc: YamlLocator,
                   keys: tuple[str | int, ...]) -> None:
        if "part" not in entry:
            self.problems.append(Problem(
                "error", "a mapping in 'chapters:' needs a 'part:' key", loc.file, loc.line(*keys)))
            return
        part = entry["part"]
        title = _unquote_title(part)
        if isinstance(part, str) and re.search(r"\.(qmd|md)$", part):
            path = self._resolve(part, loc, (*keys, "part"))
            if path is None:
                return
            try:
                title, _, _ = _scan_chapter(path)
            except BuildError as exc:
                self.problems.extend(exc.problems)
                return
            href = re.sub(r"\.(qmd|md)$", ".html", part)
            self.refs.append(ChapterRef(path, part, href, title, "page", None, title))
        sub = entry.get("chapters", [])
        if not isinstance(sub, list):
            self.problems.append(Problem(
                "error", "'chapters:' of a part must be a list", loc.file,
                loc.line(*keys, "chapters")))
            return
        for i, child in enumerate(sub):
            ckeys = (*keys, "chapters", i)
            if isinstance(child, dict):
                self.problems.append(Problem(
                    "error", "parts cannot be nested", loc.file, loc.line(*ckeys)))
                continue
            path = self._resolve(child, loc, ckeys)
            if path is not None:
                self._add(child, path, title, False, not self.refs, loc, ckeys)


def _letters(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA (appendix letters)."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(ord("A") + rem) + out
    return out


# --------------------------------------------------------------------------------------------
# load_project


def _html_format(config: dict[str, Any]) -> dict[str, Any]:
    fmt = config.get("format")
    if isinstance(fmt, dict) and isinstance(fmt.get("html"), dict):
        return fmt["html"]
    return {}


def load_project(path: Path, profile: str | None = None) -> Project:
    """Read `_quarto.yml` (and `_quarto-<profile>.yml`) at `path` into a `Project`.

    `path` may be the project directory or the config file itself. Raises `BuildError` listing
    every problem found, each naming the YAML file and line it comes from.
    """
    root, config_file = _config_file(Path(path).resolve())
    layers = _Layers.read(root, config_file, profile)
    problems: list[Problem] = []
    _metadata_files(root, layers, problems)
    walker = _ChapterWalker(root, problems)
    if _project_type(layers) == "website":
        book = _website_pages(layers, walker, problems)
    else:
        book = _check_book_type(layers, problems)
        _walk_chapters(layers, book, walker, problems)
    bibliography = _bibliography(root, layers, problems)
    if any(p.severity == "error" for p in problems):
        raise BuildError(problems)
    project = _assemble(root, layers, book, walker, bibliography)
    project.warnings = problems
    return project


def _config_file(path: Path) -> tuple[Path, Path]:
    """The project root and its `_quarto.yml`, given either of them."""
    if path.is_file():
        return path.parent, path
    found = next((path / n for n in _CONFIG_NAMES if (path / n).is_file()), None)
    if found is None:
        raise BuildError([Problem("error", "no _quarto.yml in this directory", path)])
    return path, found


def _read_mapping(file: Path, what: str) -> tuple[dict[str, Any], YamlLocator]:
    data, loc = _parse_yaml(_read_text(file), file)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise BuildError([Problem("error", f"{what} must be a YAML mapping", file, 1)])
    return data, loc


@dataclass
class _Layers:
    """The base config and each profile's, in merge order, with the merged result."""

    config: dict[str, Any]
    names: list[str]
    layers: list[tuple[dict[str, Any], YamlLocator]]

    @property
    def base_loc(self) -> YamlLocator:
        return self.layers[0][1]

    @staticmethod
    def read(root: Path, config_file: Path, profile: str | None) -> _Layers:
        base, base_loc = _read_mapping(config_file, "_quarto.yml")
        config = base
        layers: list[tuple[dict[str, Any], YamlLocator]] = [(base, base_loc)]
        names = _profile_names(profile, base)
        declared = _declared_profiles(base)
        # Quarto gives the FIRST listed profile priority, so profiles are merged last to first
        for name in reversed(names):
            prof_file = _find_config(root, f"_quarto-{name}")
            if prof_file is None and name in declared:
                continue  # Quarto allows a declared profile without a file (for when-profile)
            if prof_file is None:
                known = sorted(p.stem.removeprefix("_quarto-")
                               for p in root.glob("_quarto-*.y*ml"))
                raise BuildError([Problem(
                    "error",
                    f"profile '{name}' has no _quarto-{name}.yml (known profiles: "
                    f"{', '.join(known) or 'none'})",
                    config_file, base_loc.line("profile"))])
            data, loc = _read_mapping(prof_file, "profile config")
            config = deep_merge(config, data)
            layers.append((data, loc))
        return _Layers(config, names, layers)

    def owner(self, *keys: str) -> YamlLocator:
        """The file whose value for `keys` survived the merge (the last layer that sets it)."""
        for data, loc in reversed(self.layers):
            if _get(data, keys) is not None:
                return loc
        return self.base_loc

    def located(self, *keys: str) -> list[tuple[Any, YamlLocator, tuple[str | int, ...]]]:
        """A merged list with each item's file and key path: the merge concatenates lists in
        layer order and drops repeats, so replaying that order locates every item."""
        items: list[tuple[Any, YamlLocator, tuple[str | int, ...]]] = []
        seen: set[str] = set()
        for data, loc in self.layers:
            value = _get(data, keys)
            if value is None:
                continue
            pairs = enumerate(value) if isinstance(value, list) else [(None, value)]
            for i, item in pairs:
                key = json.dumps(item, sort_keys=True, default=str)
                if key not in seen:
                    seen.add(key)
                    items.append((item, loc, keys if i is None else (*keys, i)))
        return items


def _metadata_files(root: Path, layers: _Layers, problems: list[Problem]) -> None:
    """Merge `metadata-files:` into the config as defaults (the project's own keys win, as a
    document's metadata wins over pandoc's `--metadata-file`); a missing file is a warning."""
    for item, loc, keys in layers.located("metadata-files"):
        path = root / str(item)
        if not path.is_file():
            problems.append(Problem("warning", f"metadata file not found: {item} (its options "
                                    "are not applied)", loc.file, loc.line(*keys)))
            continue
        data, _ = _read_mapping(path, "a metadata file")
        layers.config = deep_merge(data, layers.config)


def _project_type(layers: _Layers) -> Any:
    proj = layers.config.get("project")
    return proj.get("type") if isinstance(proj, dict) else None


def _check_book_type(layers: _Layers, problems: list[Problem]) -> dict[str, Any]:
    """`project: type: book` and a `book:` mapping with chapters; returns that mapping."""
    config = layers.config
    proj = config.get("project")
    ptype = proj.get("type") if isinstance(proj, dict) else None
    if ptype != "book":
        where = layers.owner("project", "type")
        problems.append(Problem(
            "error", f"'project: type:' must be 'book' or 'website' (got {ptype!r})", where.file,
            where.line("project", "type") or where.line("project") or 1))
    book = config.get("book")
    if not isinstance(book, dict) or "chapters" not in book:
        where = layers.owner("book")
        problems.append(Problem("error", "missing 'book: chapters:'", where.file,
                                where.line("book") or 1))
        raise BuildError(problems)
    return book


def _walk_chapters(layers: _Layers, book: dict[str, Any], walker: _ChapterWalker,
                   problems: list[Problem]) -> None:
    for key in ("chapters", "appendices"):
        if book.get(key) is None:
            continue
        if not isinstance(book[key], list):
            where = layers.owner("book", key)
            problems.append(Problem("error", f"'book: {key}:' must be a list", where.file,
                                    where.line("book", key)))
            continue
        walker.walk(layers.located("book", key), appendix=key == "appendices")


# A Quarto website (`project: type: website`) lists its pages in `website: sidebar:`, grouped by
# `section:`; we read that list as the book's reading order: sections become parts, pages have
# no chapter numbers (a website numbers figures per page), and `project: render:` (when given)
# limits which pages are rendered, as it does in Quarto.

@dataclass(frozen=True)
class _SidebarPage:
    """One page a website's sidebar (or `project: render:`) lists, with where it is written."""

    rel: str
    part: str | None
    loc: YamlLocator
    keys: tuple[str | int, ...]
    text: str | None = None  # the entry's own label (`text:`), when it has one


def _website_pages(layers: _Layers, walker: _ChapterWalker,
                   problems: list[Problem]) -> dict[str, Any]:
    """Walk a website's sidebar (then its `project: render:` list) into `walker`; returns the
    `website:` mapping, which holds the title as `book:` does for a book."""
    walker.numbered = False
    website = layers.config.get("website")
    website = website if isinstance(website, dict) else {}
    render = [(str(v), loc, k) for v, loc, k in layers.located("project", "render")]
    entries: list[_SidebarPage] = []
    for sidebar, loc, keys in _sidebars(layers):
        _sidebar_entries(sidebar.get("contents"), None, loc, (*keys, "contents"), entries,
                         problems)
    wanted = [posixpath.normpath(r) for r, _, _ in render]
    skipped = [e for e in entries if wanted and not _rendered(e.rel, wanted)]
    if skipped:
        first = skipped[0]
        problems.append(Problem(
            "warning", f"{len(skipped)} sidebar page(s) are not in 'project: render:' and are "
            f"left out (first: {first.rel})", first.loc.file, first.loc.line(*first.keys)))
    pages = [e for e in entries if e not in skipped]
    listed = {posixpath.normpath(e.rel) for e in pages}
    pages += [_SidebarPage(r, None, loc, k) for r, loc, k in render
              if posixpath.normpath(r) not in listed and not any(c in r for c in "*?[")]
    if not pages:
        where = layers.owner("website")
        problems.append(Problem("error", "a website project needs pages: 'website: sidebar: "
                                "contents:' or 'project: render:'", where.file,
                                where.line("website") or 1))
    for e in pages:
        path = walker._resolve(e.rel, e.loc, e.keys)
        if path is None:
            continue
        walker._add(e.rel, path, e.part, False, not walker.refs, e.loc, e.keys)
        title = walker.refs[-1].title if walker.refs and walker.refs[-1].path == path else None
        if e.text and title is not None and e.text != title:
            problems.append(Problem(
                "warning", f"sidebar text '{e.text}' is not shown: the sidebar names "
                f"{e.rel} by its title '{title}'", e.loc.file, e.loc.line(*e.keys)))
    return website


def _sidebars(layers: _Layers) -> list[tuple[dict[str, Any], YamlLocator, tuple[str | int, ...]]]:
    """`website: sidebar:` as one mapping or a list of them, each with where it is written."""
    out = []
    for item, loc, keys in layers.located("website", "sidebar"):
        if isinstance(item, dict):
            out.append((item, loc, keys))
    return out


def _rendered(rel: str, wanted: list[str]) -> bool:
    norm = posixpath.normpath(rel)
    return any(fnmatch.fnmatch(norm, w) for w in wanted)


def _sidebar_entries(contents: Any, part: str | None, loc: YamlLocator,
                     keys: tuple[str | int, ...], out: list[Any], problems: list[Problem]) -> None:
    """Flatten sidebar `contents:` into (file, section title, loc, keys), warning about what
    a book's navigation cannot show (external links, `auto:` globs, nested sections)."""
    for i, item in enumerate(contents if isinstance(contents, list) else []):
        ikeys = (*keys, i)
        if isinstance(item, dict) and "section" in item:
            title = _unquote_title(item["section"])
            if part is not None:
                problems.append(Problem(
                    "warning", f"sidebar section '{title}' inside '{part}': nested sections "
                    f"are shown as one ('{part}')", loc.file, loc.line(*ikeys)))
            if isinstance(item.get("href"), str):
                out.append(_SidebarPage(item["href"], part or title, loc, (*ikeys, "href")))
            _sidebar_entries(item.get("contents"), part or title, loc, (*ikeys, "contents"),
                             out, problems)
            continue
        href = item.get("href") if isinstance(item, dict) else item
        if isinstance(item, dict) and "auto" in item:
            problems.append(Problem("warning", "sidebar 'auto:' entries are not supported (list "
                                    "the pages)", loc.file, loc.line(*ikeys)))
        elif isinstance(href, str) and re.match(r"^[a-z][a-z0-9+.-]*:", href):
            problems.append(Problem("warning", f"external sidebar link not shown: {href}",
                                    loc.file, loc.line(*ikeys)))
        elif isinstance(href, str) and re.search(r"\.(qmd|md|ipynb)$", href):
            text = item.get("text") if isinstance(item, dict) else None
            out.append(_SidebarPage(href, part, loc, (*ikeys, "href") if isinstance(item, dict)
                                    else ikeys, _unquote_title(text) if text else None))
        elif not (isinstance(item, dict) and str(item.get("text", "")).strip("- ") == ""):
            problems.append(Problem("warning", f"sidebar entry not understood: {item!r}",
                                    loc.file, loc.line(*ikeys)))


def _bibliography(root: Path, layers: _Layers, problems: list[Problem]) -> list[Path]:
    bibliography: list[Path] = []
    for item, loc, keys in layers.located("bibliography"):
        bib_path = (root / str(item)).resolve()
        if not bib_path.is_file():
            problems.append(Problem("error", f"bibliography file not found: {item}",
                                    loc.file, loc.line(*keys)))
        bibliography.append(bib_path)
    return bibliography


def _assemble(root: Path, layers: _Layers, book: dict[str, Any], walker: _ChapterWalker,
              bibliography: list[Path]) -> Project:
    """The checked configuration as a `Project`."""
    config = layers.config
    proj = config.get("project")
    crossref = config.get("crossref")
    custom = crossref.get("custom") if isinstance(crossref, dict) else None
    mlsys_cfg = config.get("mlsys")
    callouts = mlsys_cfg.get("callouts") if isinstance(mlsys_cfg, dict) else None
    html = _html_format(config)
    numbered = html.get("number-sections", config.get("number-sections", True))
    out_dir = proj.get("output-dir", "_book") if isinstance(proj, dict) else "_book"

    def text(key: str) -> str | None:
        value = book.get(key, config.get(key))
        if value is None:
            return None
        if isinstance(value, list):
            return ", ".join(_author_name(v) for v in value)
        return _author_name(value) if key == "author" else str(value)

    return Project(
        root=root,
        profile=",".join(layers.names) or None,
        config=config,
        title=text("title") or root.name,
        subtitle=text("subtitle"),
        author=text("author"),
        description=text("description"),
        chapters=walker.refs,
        bibliography=bibliography,
        crossref_custom=[c for c in custom if isinstance(c, dict)] if isinstance(custom, list)
        else [],
        callouts=dict(callouts) if isinstance(callouts, dict) else {},
        number_sections=bool(numbered),
        output_dir=(root / str(out_dir)).resolve(),
    )


def _author_name(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name", ""))
    return str(value)


# --------------------------------------------------------------------------------------------
# Chapter selection


def _candidates(ch: ChapterRef) -> Iterator[str]:
    yield ch.path.stem.lower()
    yield ch.title.lower()
    yield re.sub(r"\.(qmd|md|ipynb)$", "", ch.rel).lower()  # a tab-completed path works too


def _close_chapters(project: Project, key: str, n: int = 4) -> list[str]:
    """File names of the chapters nearest to a mistyped name, each chapter once (its file
    name and its title are both compared, case-insensitively, but only the name is shown)."""
    scored = []
    for c in project.chapters:
        score = max(difflib.SequenceMatcher(None, key, s).ratio() for s in _candidates(c))
        if score >= 0.5:
            scored.append((-score, c.path.stem))
    return list(dict.fromkeys(stem for _, stem in sorted(scored)))[:n]


def select_chapters(project: Project, names: list[str]) -> list[ChapterRef]:
    """Pick chapters by file stem or title (case-insensitive): exact match, else unique prefix.

    Results keep the book's reading order and drop duplicates. Every unknown or ambiguous name
    is reported at once, with suggestions, so a typo costs one run, not one per name.
    """
    problems: list[Problem] = []
    chosen: set[Path] = set()
    for name in names:
        key = re.sub(r"\.(qmd|md|ipynb)$", "", name.strip().lower()).removeprefix("./")
        exact = [c for c in project.chapters if key in _candidates(c)]
        if exact:
            chosen.update(c.path for c in exact[:1])
            continue
        prefix = [c for c in project.chapters if any(s.startswith(key) for s in _candidates(c))]
        if len(prefix) == 1:
            chosen.add(prefix[0].path)
        elif prefix:
            listing = ", ".join(f"{c.path.stem} ({c.title})" for c in prefix)
            problems.append(Problem("error", f"ambiguous chapter '{name}' matches: {listing}"))
        else:
            close = _close_chapters(project, key)
            hint = f" (did you mean: {', '.join(close)})" if close else ""
            problems.append(Problem("error", f"unknown chapter '{name}'{hint}"))
    if problems:
        raise BuildError(problems)
    return [c for c in project.chapters if c.path in chosen]
