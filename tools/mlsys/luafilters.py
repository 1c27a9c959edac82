"""Lua filters and Lua shortcode extensions, run through pandoc's own Lua engine.

Quarto books lean on `filters:` (project or document) to inject quizzes, number custom blocks
or restyle callouts. We run them with the pandoc that parses the book (from pypandoc-binary),
through `lua/runner.lua`, which gives every filter our `quarto` module (`lua/quarto.lua`).
A filter runs at the stage where Quarto would run it:

* `at: pre-ast` -- on the tree as pandoc read it (before conditional content and our
  normalisation);
* `at: post-ast` / `pre-quarto`, and every filter listed before `quarto` (the default) -- after
  normalisation and before cross-references are indexed, so the callouts and figures a filter
  adds are numbered and can be referenced;
* `at: post-quarto` / `pre-render` / `post-render`, and filters listed after `quarto` -- on
  the rendered tree just before pandoc writes HTML.

A `filters:` entry that is not a `.lua` file (a script or an executable, or `type: json`) is a
pandoc JSON filter: it runs at the same position, through `jsonfilters.run_json_filter`.

Both stages are cached with the tree they produce (the plan's digest covers the filter files'
bytes), so a warm build runs no Lua. What filters ask of the page (`include_text`,
`add_html_dependency`) and their `quarto.log.warning`s travel in the tree's metadata.
"""

from __future__ import annotations

import html
import json
import os
import posixpath
import re
import subprocess
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .jsonfilters import FilterRunError, run_json_filter
from .model import Problem
from .parse import PandocError, digest, pandoc_path, read_cache, write_cache
from .project import load_yaml

LUA_DIR = Path(__file__).resolve().parent / "lua"
EARLY, PARSE, RENDER = "early", "parse", "render"
_STAGE = {"pre-ast": EARLY, "post-ast": PARSE, "pre-quarto": PARSE, "post-quarto": RENDER,
          "pre-render": RENDER, "post-render": RENDER}
_OUT_KEY = "mlsys-lua"
_ERROR = re.compile(r"^MLSYS-LUA-ERROR\t([^\t]*)\t(.*)$", re.MULTILINE)
# Filters pandoc or our pipeline applies anyway: naming them is not a problem. The diagram
# extension's `.tikz` blocks (and its `diagram:` preamble) are drawn by filters/tikz.py.
_BUILTIN = frozenset({"quarto", "citeproc", "crossref", "diagram", "pandoc-ext/diagram"})
# Project keys that configure the project, not the document's metadata.
_NOT_META = frozenset({"project", "book", "format", "profile", "website", "execute", "mlsys"})


class LuaError(PandocError):
    """A Lua filter or shortcode failed: `where` is "file.lua:line" (or "doc.qmd:line")."""

    def __init__(self, where: str, message: str):
        self.where = where
        self.message = message
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class FilterEntry:
    """One `filters:` item resolved to a Lua file, with where it was declared."""

    path: Path
    stage: str
    declared_in: Path
    line: int | None
    kind: str = "lua"  # or "json": an executable or script fed the AST as JSON


@dataclass(frozen=True)
class LuaPlan:
    """Everything the Lua stages of one chapter need; `digest` keys the caches."""

    doc: Path
    project: Path
    filters: tuple[FilterEntry, ...]
    shortcodes: tuple[tuple[str, Path], ...]
    meta_json: str
    digest: str

    def has(self, stage: str) -> bool:
        return any(f.stage == stage for f in self.filters) or (
            stage == EARLY and bool(self.shortcodes))

    def run(self, ast: dict[str, Any], stage: str, target: str = "html") -> dict[str, Any]:
        """The tree after this stage's filters (unchanged when the stage has none).

        Filters run in the order declared: consecutive Lua filters share one pandoc process,
        a JSON filter gets the tree on stdin in between (shortcodes run first, as in Quarto).
        """
        if not self.has(stage):
            return ast
        segments: list[tuple[str, list[FilterEntry]]] = []
        for entry in (f for f in self.filters if f.stage == stage):
            if segments and segments[-1][0] == entry.kind == "lua":
                segments[-1][1].append(entry)
            else:
                segments.append((entry.kind, [entry]))
        shortcodes = dict(self.shortcodes) if stage == EARLY else {}
        if shortcodes and (not segments or segments[0][0] != "lua"):
            segments.insert(0, ("lua", []))
        for i, (kind, entries) in enumerate(segments):
            if kind == "json":
                try:
                    ast = run_json_filter(ast, entries[0].path, self.doc, target,
                                          json.loads(self.meta_json))
                except FilterRunError as exc:
                    raise LuaError(exc.where, exc.message) from exc
            else:
                ast = self._run_lua(ast, entries, shortcodes if i == 0 else {}, target)
        return ast

    def _run_lua(self, ast: dict[str, Any], entries: list[FilterEntry],
                 shortcodes: dict[str, Path], target: str) -> dict[str, Any]:
        config = {
            "module_dir": str(LUA_DIR), "format": target, "doc": str(self.doc),
            "project": str(self.project), "meta": json.loads(self.meta_json),
            "output_file": self.doc.with_suffix(".html").name,
            "filters": [str(f.path) for f in entries],
            "shortcodes": {n: str(p) for n, p in shortcodes.items()},
        }
        env = {**os.environ, "MLSYS_LUA_CONFIG": json.dumps(config)}
        proc = subprocess.run(
            [pandoc_path(), "-f", "json", "-t", "json", "--lua-filter",
             str(LUA_DIR / "runner.lua")], input=json.dumps(ast).encode(), env=env,
            capture_output=True, cwd=str(self.doc.parent))
        err = proc.stderr.decode("utf-8", "replace")
        for i, path in enumerate(config["filters"], start=1):
            err = err.replace(f"filter{i}.lua:", f"{path}:")
        for name, path in config["shortcodes"].items():
            err = err.replace(f"shortcode-{name}.lua:", f"{path}:")
        if proc.returncode != 0:
            m = _ERROR.search(err)
            if m:
                raise LuaError(m.group(1), m.group(2).strip())
            raise LuaError(str(LUA_DIR / "runner.lua"), " ".join(err.split()) or "pandoc failed")
        logged = _ERROR.sub("", err).strip()
        if logged:  # quarto.log.output and io.stderr, for the author as under Quarto; chapters
            # run in parallel, so each line says which chapter it came from
            where = _rel(self.doc, self.project)
            print("\n".join(f"{where}: {line}" for line in logged.splitlines()),
                  file=sys.stderr)
        out = json.loads(proc.stdout)
        _merge_output(out["meta"], config["filters"])
        return out

    def problem(self, exc: LuaError) -> Problem:
        """A filter's failure as a problem at the line that asks for the filter."""
        m = re.match(r"^(.*\.(?:qmd|md|ipynb|rmd)):(\d+)$", exc.where)
        if m:  # a shortcode: the document line that calls it
            return Problem("error", exc.message, Path(m.group(1)), int(m.group(2)))
        entry = next((f for f in self.filters if str(f.path) == exc.where.split(":")[0]), None)
        where = exc.where if ":" in exc.where else f"{exc.where}"
        text = exc.message if exc.message.startswith(exc.where.split(":")[0]) else \
            f"{where}: {exc.message}"
        if entry is None:
            return Problem("error", f"Lua filter failed: {text}", self.doc)
        if entry.declared_in != self.doc:  # a project filter: say which chapter it was on
            text += f" (while filtering {_rel(self.doc, self.project)})"
        what = "JSON filter" if entry.kind == "json" else "Lua filter"
        return Problem("error", f"{what} failed: {text}", entry.declared_in, entry.line)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _meta_string(node: Any) -> str | None:
    if isinstance(node, dict) and node.get("t") == "MetaString":
        return str(node["c"])
    return None


def _merge_output(meta: dict[str, Any], filters: list[str]) -> None:
    """Fold this run's `mlsys-lua` output into the accumulated `mlsys-lua-out` entry."""
    raw = _meta_string(meta.pop(_OUT_KEY, None))
    if raw is None:
        return
    for i, path in enumerate(filters, start=1):
        raw = raw.replace(f"filter{i}.lua:", f"{path}:")
    new = json.loads(raw)
    old = json.loads(_meta_string(meta.get("mlsys-lua-out")) or "{}")
    merged = {"includes": {}, "dependencies": [*old.get("dependencies", []),
                                               *(new.get("dependencies") or [])],
              "warnings": [*old.get("warnings", []), *(new.get("warnings") or [])]}
    for where in ("in-header", "before-body", "after-body"):
        merged["includes"][where] = [*old.get("includes", {}).get(where, []),
                                     *((new.get("includes") or {}).get(where) or [])]
    meta["mlsys-lua-out"] = {"t": "MetaString", "c": json.dumps(merged)}


@dataclass(frozen=True)
class PageExtras:
    """What filters added to a page: HTML before/after the body, files to copy, warnings."""

    head: str = ""
    tail: str = ""
    resources: dict[str, Path] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def page_extras(meta: dict[str, Any], page_href: str) -> PageExtras:
    """Turn the filters' includes and HTML dependencies into markup around the page body.

    Dependency files are copied under `site_libs/<name>/` (as Quarto does) and linked
    page-relatively; `in-header` text goes first, since our template owns the real `<head>`.
    """
    raw = _meta_string(meta.pop("mlsys-lua-out", None))
    if raw is None:
        return PageExtras()
    out = json.loads(raw)
    page_dir = posixpath.dirname(page_href) or "."
    head: list[str] = list(out["includes"].get("in-header", []))
    resources: dict[str, Path] = {}
    seen: set[str] = set()
    for dep in out.get("dependencies", []):
        if dep["name"] in seen:
            continue
        seen.add(dep["name"])
        for kind in ("stylesheets", "scripts"):
            for file in dep.get(kind) or []:
                path = Path(file)
                href = f"site_libs/{dep['name']}/{path.name}"
                resources[href] = path
                url = html.escape(posixpath.relpath(href, page_dir), quote=True)
                head.append(f'<link rel="stylesheet" href="{url}">' if kind == "stylesheets"
                            else f'<script src="{url}"></script>')
        if dep.get("head"):
            head.append(dep["head"])
    head.extend(out["includes"].get("before-body", []))
    warnings = tuple(f"{w['where']}: {w['text']}".lstrip(": ") for w in out.get("warnings", []))
    return PageExtras("\n".join(head), "\n".join(out["includes"].get("after-body", [])),
                      resources, warnings)


def lua_warnings(meta: dict[str, Any]) -> list[str]:
    """The `quarto.log.warning` messages of the parse-stage filters (kept with the index)."""
    raw = _meta_string(meta.get("mlsys-lua-out"))
    out = json.loads(raw) if raw else {}
    return [f"{w['where']}: {w['text']}".lstrip(": ") for w in out.get("warnings", [])]


# -- planning: which filters and shortcodes apply to a chapter ---------------------------------

def _extension_dirs(root: Path, doc_dir: Path) -> list[Path]:
    """`_extensions/<name>/` and `_extensions/<org>/<name>/` folders of the project and doc."""
    found: list[Path] = []
    for base in dict.fromkeys([root / "_extensions", doc_dir / "_extensions"]):
        if base.is_dir():
            found += sorted(p.parent for p in base.glob("*/_extension.y*ml"))
            found += sorted(p.parent for p in base.glob("*/*/_extension.y*ml"))
    return found


def _contributes(ext: Path, kind: str) -> list[Path]:
    file = next(ext.glob("_extension.y*ml"))
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    items = (data.get("contributes") or {}).get(kind) if isinstance(data, dict) else None
    items = items if isinstance(items, list) else []
    out = []
    for item in items:
        name = item.get("path") if isinstance(item, dict) else item
        if isinstance(name, str):
            out.append((ext / name).resolve())
    return out


@lru_cache(maxsize=32)
def shortcode_names(files: tuple[Path, ...], key: str) -> tuple[tuple[str, Path], ...]:
    """The names each shortcode file defines (asked of pandoc's Lua, cached by `key`)."""
    del key  # part of the cache key only: the files' bytes
    proc = subprocess.run([pandoc_path(), "lua", str(LUA_DIR / "names.lua"),
                           *map(str, files)], capture_output=True)
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")
        m = _ERROR.search(err)
        raise LuaError(m.group(1) if m else "shortcode extension",
                       (m.group(2) if m else err).strip())
    names = json.loads(proc.stdout)
    return tuple(sorted((n, Path(p)) for n, p in names.items()))


def extension_shortcodes(root: Path, doc_dir: Path, cache_dir: Path | None = None
                         ) -> tuple[tuple[str, Path], ...]:
    """Every Lua shortcode the project's (and the chapter's) `_extensions/` contribute.

    The names are cached on disk by the files' bytes, so a warm build starts no Lua."""
    files = tuple(f for ext in _extension_dirs(root, doc_dir)
                  for f in _contributes(ext, "shortcodes") if f.suffix == ".lua")
    if not files:
        return ()
    key = digest("names", *(str(f) for f in files),
                 *(f.read_bytes() if f.is_file() else b"" for f in files))
    known = read_cache(cache_dir, "lua-names", key)
    if known is not None:
        return tuple((n, Path(p)) for n, p in known)
    names = shortcode_names(files, key)
    write_cache(cache_dir, "lua-names", key, [[n, str(p)] for n, p in names])
    return names


@dataclass(frozen=True)
class _Declared:
    item: Any
    file: Path
    line: int | None
    base: Path  # relative paths resolve from here


def _front_filters(doc: Path, markdown: str) -> tuple[list[_Declared], dict[str, Any]]:
    m = re.match(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", markdown, re.DOTALL)
    if not m or not re.search(r"^\s*filters\s*:|\.\w{1,5}[\"']?\s*$", m.group(1),
                                  re.MULTILINE):
        return [], {}
    try:
        front = load_yaml(m.group(1))
    except yaml.YAMLError:
        return [], {}
    front = front if isinstance(front, dict) else {}
    items = filter_items(front)
    lines = m.group(1).splitlines()
    out = []
    for item in items:
        needle = item.get("path") if isinstance(item, dict) else item
        line = next((i + 2 for i, text in enumerate(lines) if str(needle) in text), None)
        out.append(_Declared(item, doc, line, doc.parent))
    return out, front


def filter_items(config: dict[str, Any]) -> list[Any]:
    """`filters:` at the top level, then under `format: html:` (Quarto reads both)."""
    items = list(config.get("filters")) if isinstance(config.get("filters"), list) else []
    fmt = config.get("format")
    html = fmt.get("html") if isinstance(fmt, dict) else None
    if isinstance(html, dict) and isinstance(html.get("filters"), list):
        items += [i for i in html["filters"] if i not in items]
    return items


def _project_filters(root: Path, config: dict[str, Any]) -> list[_Declared]:
    items = filter_items(config)
    files = [p for p in (root / "_quarto.yml", root / "_quarto.yaml") if p.is_file()]
    text = files[0].read_text(encoding="utf-8").splitlines() if files else []
    out = []
    for item in items:
        needle = str(item.get("path") if isinstance(item, dict) else item)
        line = next((i + 1 for i, t in enumerate(text) if t.strip().startswith("-")
                     and needle in t), None)
        out.append(_Declared(item, files[0] if files else root, line, root))
    return out


def _resolve(decl: _Declared, root: Path, stage: str,
             problems: list[Problem]) -> list[FilterEntry]:
    item = decl.item
    name = item.get("path") if isinstance(item, dict) else item
    declared_type = item.get("type") if isinstance(item, dict) else None
    if not isinstance(name, str) or not name:
        problems.append(Problem("warning", f"filter entry not understood: {item!r}",
                                decl.file, decl.line))
        return []
    path = (decl.base / name).resolve()
    if not path.suffix:  # an extension's name (`name` or `org/name`), else a JSON filter
        for ext in _extension_dirs(root, decl.base):
            if name in (ext.name, f"{ext.parent.name}/{ext.name}"):
                return [FilterEntry(p, stage, decl.file, decl.line,
                                    "lua" if p.suffix == ".lua" else "json")
                        for p in _contributes(ext, "filters")]
    if not path.suffix and not path.is_file():
        problems.append(Problem("warning", f"filter '{name}': no such extension under "
                                "_extensions/ (the filter is not run)", decl.file, decl.line))
        return []
    if not path.is_file():
        problems.append(Problem("warning", f"filter file not found: {name} (the filter is "
                                "not run)", decl.file, decl.line))
        return []
    kind = "lua" if path.suffix == ".lua" and declared_type != "json" else "json"
    return [FilterEntry(path, stage, decl.file, decl.line, kind)]


def _meta_for_filters(config: dict[str, Any]) -> dict[str, Any]:
    """Project-level options as the document's metadata (Quarto merges them the same way)."""
    meta = {k: v for k, v in config.items() if k not in _NOT_META}
    fmt = config.get("format")
    if isinstance(fmt, dict) and isinstance(fmt.get("html"), dict):
        meta = {**meta, **fmt["html"]}
    return json.loads(json.dumps(meta, default=str))


def plan_chapter(root: Path, config: dict[str, Any], doc: Path, markdown: str,
                 cache_dir: Path | None = None) -> tuple[LuaPlan | None, list[Problem]]:
    """The Lua filters and shortcodes of one chapter (None when it has neither)."""
    problems: list[Problem] = []
    front_items, front = _front_filters(doc, markdown)
    declared = _project_filters(root, config) + front_items
    entries: list[FilterEntry] = []
    after_quarto = False
    for decl in declared:
        name = decl.item if isinstance(decl.item, str) else None
        if name in _BUILTIN:
            after_quarto = after_quarto or name == "quarto"
            continue
        at = decl.item.get("at") if isinstance(decl.item, dict) else None
        if at is not None and at not in _STAGE:
            problems.append(Problem("warning", f"unknown filter position 'at: {at}' (one of "
                                    f"{', '.join(_STAGE)}); running it at pre-quarto",
                                    decl.file, decl.line))
        stage = _STAGE.get(at or "", RENDER if after_quarto else PARSE)
        for entry in _resolve(decl, root, stage, problems):
            if entry.path not in {e.path for e in entries}:
                entries.append(entry)
    try:
        shortcodes = extension_shortcodes(root, doc.parent, cache_dir) if "{{<" in markdown else ()
    except LuaError as exc:
        problems.append(Problem("error", f"shortcode extension: {exc}", doc))
        shortcodes = ()
    if not entries and not shortcodes:
        return None, problems
    meta = _meta_for_filters(config)
    meta_json = json.dumps(meta, sort_keys=True)
    key = digest("lua", *_data_files([meta, front], [doc.parent, root]), (LUA_DIR / "runner.lua").read_bytes(), (LUA_DIR / "quarto.lua")
                 .read_bytes(), meta_json, str(doc),
                 *(f"{e.stage}:{e.path}" for e in entries),
                 *(e.path.read_bytes() for e in entries),
                 *(f"{n}:{p}" for n, p in shortcodes),
                 *(p.read_bytes() for p in dict.fromkeys(p for _, p in shortcodes)))
    return LuaPlan(doc, root, tuple(entries), shortcodes, meta_json, key), problems


def _data_files(values: list[Any], bases: list[Path]) -> list[bytes]:
    """Bytes of files the metadata names (a quiz JSON, say): filters read them, so an edit
    to one must reach the cache key."""
    out: list[bytes] = []
    stack = list(values)
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, str) and 0 < len(value) < 300 and "\n" not in value and \
                re.search(r"\.\w{1,5}$", value):
            for base in bases:
                path = base / value
                if path.is_file():
                    out += [value.encode(), path.read_bytes()]
                    break
    return out


def project_lua_digest(root: Path, config: dict[str, Any]) -> str:
    """Bytes of the project's filters and extensions: part of the key under which a chapter's
    index is reused by builds of other chapters (a changed filter may change its targets)."""
    items = filter_items(config)
    paths = [root / str(i.get("path") if isinstance(i, dict) else i) for i in items]
    ext = root / "_extensions"
    if ext.is_dir():
        paths += sorted(ext.rglob("*.lua")) + sorted(ext.rglob("_extension.y*ml"))
    return digest(*(p.read_bytes() for p in paths if p.is_file()))
