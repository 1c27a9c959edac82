"""The book pipeline: config -> execute -> parse -> index (all chapters) -> render -> book.

`render_book` is the one entry point the site and CLI use. It collects every problem of the
whole build before failing, so an author fixes a batch of mistakes per run, not one. Each
stage is cached by content hash under the cache directory: an unchanged chapter costs a hash
and two small file reads, never pandoc or a kernel.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from .execute import (
    ExecutedChapter,
    code_digest,
    depends_digest,
    execute_chapter,
    source_digest,
    source_location,
)
from .filters.attr_repair import repair_attributes
from .filters.callouts import callout_css
from .filters.citations import bibliography_keys, has_refs_div
from .filters.notes import unused_notes
from .filters.pandoc_ast import esc, meta_value
from .filters.shortcodes import expand_shortcodes
from .filters.tikz import draw_tikz, latex_available, tikz_preamble
from .include import expand_includes
from .luafilters import LuaError, LuaPlan, lua_warnings, plan_chapter, project_lua_digest
from .model import BuildError, Page, Problem, RenderedBook, SidebarPart
from .options import option_problems
from .pandoc_worker import pandoc_session
from .parse import (
    PandocError,
    digest,
    engine_digest,
    pandoc_path,
    pandoc_version,
    parse_key,
    parse_markdown,
    read_cache,
    run_pandoc,
    unexecuted_markdown,
    write_atomic,
    write_cache,
)
from .project import ChapterRef, Project, load_project, select_chapters
from .render import RENDER_VERSION, ChapterContext, Issue, RenderedChapter, render_chapter
from .xref import (
    BUILTIN_CALLOUTS,
    BUILTIN_FLOATS,
    THEOREMS,
    ChapterIndex,
    XrefConfig,
    XrefTable,
    index_chapter,
    is_xref_id,
)

Progress = Callable[[str, int, int], None]
INDEX_VERSION = "6"


def xref_config(project: Project) -> XrefConfig:
    """Target kinds of this project: Quarto's built-ins, custom floats, numbered callouts."""
    floats = dict(BUILTIN_FLOATS)
    captions: dict[str, str] = {}
    for kind in project.crossref_custom:
        key = kind.get("key")
        if kind.get("kind", "float") == "float" and isinstance(key, str) and key:
            floats[key] = str(kind.get("reference-prefix") or key.capitalize())
            if kind.get("caption-prefix"):
                captions[key] = str(kind["caption-prefix"])
    crossref = project.config.get("crossref")
    crossref = crossref if isinstance(crossref, dict) else {}
    ref_prefixes = {key: str(crossref[f"{key}-prefix"]) for key in (*BUILTIN_FLOATS, "eq", "sec")
                    if isinstance(crossref.get(f"{key}-prefix"), str)}
    for key in BUILTIN_FLOATS:
        if isinstance(crossref.get(f"{key}-title"), str):
            captions[key] = crossref[f"{key}-title"]
    callouts = dict(BUILTIN_CALLOUTS)
    for name, conf in project.callouts.items():
        if isinstance(conf, dict) and isinstance(conf.get("crossref"), str):
            title = str(conf.get("title") or str(name).replace("-", " ").capitalize())
            callouts[conf["crossref"]] = (str(name), title)
    labels = {key: str(crossref[f"{key}-labels"]) for key in (*floats, *THEOREMS, *callouts, "eq")
              if isinstance(crossref.get(f"{key}-labels"), str)}
    if isinstance(crossref.get("labels"), str):
        labels["*"] = crossref["labels"]
    sub = crossref.get("subref-labels")
    delim = crossref.get("title-delim")
    fmt = project.config.get("format")
    html = fmt.get("html") if isinstance(fmt, dict) else None
    html = html if isinstance(html, dict) else {}

    def depth(key: str, default: int | None) -> int | None:
        value = html.get(key, project.config.get(key))
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    return XrefConfig(floats, callouts, project.number_sections, ref_prefixes, captions,
                      title_delim=str(delim) if isinstance(delim, str | int) else ":",
                      number_depth=depth("number-depth", None),
                      toc_depth=depth("toc-depth", 3) or 3, labels=labels,
                      subref_labels=str(sub) if isinstance(sub, str) else "alpha a")


@dataclass
class _Prepared:
    ref: ChapterRef
    markdown: str
    ast_key: str
    index: ChapterIndex
    executed: ExecutedChapter | None
    ast: dict[str, Any] | None  # loaded lazily: a warm build never needs it
    problems: list[Problem]  # found while preparing (e.g. unknown shortcodes)
    lua: LuaPlan | None = None  # the chapter's Lua filters and shortcodes


@dataclass
class _Failed:
    """A chapter that could not be parsed: it is reported, and left out of the book."""

    ref: ChapterRef
    problems: list[Problem]
    executed: ExecutedChapter | None


def _front_meta(ast: dict[str, Any]) -> dict[str, Any]:
    meta = {k: meta_value(v) for k, v in ast.get("meta", {}).items()
            if k in ("title", "subtitle", "description", "author", "bibliography",
                     "number-sections")}
    meta["has_refs"] = has_refs_div(ast["blocks"])
    return meta


def _bib_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value] if isinstance(value, list) else []


@lru_cache(maxsize=1)
def _exec_digest() -> str:
    """Hash of the code that turns a source into executed markdown (execute, include)."""
    here = Path(__file__).resolve().parent
    return digest(code_digest().encode(), (here / "include.py").read_bytes())


def _file_digest(paths: list[Path]) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(str(p).encode())
        try:
            h.update(p.read_bytes())
        except OSError:
            h.update(b"<missing>")
    return h.hexdigest()


def _locate(prep: _Prepared, needle: str | None) -> tuple[Path, int | None]:
    """The source file and line where `needle` first appears in a chapter (for messages).

    A needle of several lines is a block's lines up to the one meant (a TikZ picture up to
    its failing line): the block is matched line by line, ignoring indentation, and the
    line is its last; failing that, its last line alone is looked for."""
    if needle is None:
        return prep.ref.path, None
    lines = prep.markdown.splitlines()
    found = _find_block(lines, needle.splitlines()) if "\n" in needle else None
    if found is None:
        needle = needle.splitlines()[-1].strip() if "\n" in needle else needle
        pattern = re.compile(re.escape(needle) + (r"(?![\w-])" if needle.startswith("@")
                                                   else ""))
        found = next((i for i, line in enumerate(lines, start=1) if pattern.search(line)), None)
    if found is None:
        return prep.ref.path, None
    if prep.executed is not None and prep.executed.line_map:
        return source_location(prep.executed, found)
    return prep.ref.path, found


def _find_block(lines: list[str], block: list[str]) -> int | None:
    """1-based line of `block`'s last line where all of it appears in `lines` (stripped);
    a first line the source lacks (a wrapper added around a `.tikz` block) may be skipped."""
    for want in (block, block[1:]):
        want = [w.strip() for w in want]
        if not want:
            continue
        for i in range(len(lines) - len(want) + 1):
            if lines[i].strip() == want[0] and \
                    all(lines[i + k].strip() == w for k, w in enumerate(want)):
                return i + len(want)
    return None


class _Build:
    """One run of the pipeline: holds the project, caches and the problems found so far."""

    def __init__(self, project: Project, cache_dir: Path, jobs: int, progress: Progress | None):
        self.project = project
        self.cache_dir = cache_dir
        self.jobs = jobs
        self.progress = progress
        self.config = xref_config(project)
        self.profiles = frozenset((project.profile or "").split(",")) - {""}
        self.problems: list[Problem] = []
        self.failed_labels: set[str] = set()  # labels of cells that failed (no knock-on xrefs)
        self._bib_cache: dict[Path, frozenset[str]] = {}
        self._csl: dict[Path, dict[str, dict[str, Any]]] = {}
        self._digests: dict[tuple[Path, ...], str] = {}
        self._lock = threading.Lock()
        self._variables: dict[str, Any] | None = None
        self._book_digest: str | None = None
        self.selected: set[Path] = set()

    def _report(self, stage: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(stage, done, total)

    def _map(self, stage: str, fn: Callable[[Any], Any], items: list[Any]) -> list[Any]:
        total = len(items)
        self._report(stage, 0, total)
        if self.jobs <= 1 or total <= 1:
            out = []
            for i, item in enumerate(items):
                out.append(fn(item))
                self._report(stage, i + 1, total)
            return out
        with ThreadPoolExecutor(max_workers=self.jobs) as pool:
            futures = [pool.submit(fn, item) for item in items]
            out = []
            for i, f in enumerate(futures):
                out.append(f.result())
                self._report(stage, i + 1, total)
            return out

    # -- stage 1: execute, parse, index ------------------------------------------------------
    def prepare(self, item: tuple[ChapterRef, bool]) -> _Prepared | _Failed:
        ref, selected = item
        executed = None
        if selected:
            try:
                executed = execute_chapter(ref.path, self.project, self.cache_dir / "exec")
            except BuildError as exc:  # keep going: report it with every other problem
                return _Failed(ref, list(exc.problems), None)
            markdown = executed.markdown
        else:
            expanded = expand_includes(ref.path, self.project.root)
            source = "\n".join(expanded.lines)
            # The index an earlier build made from this very source, executed: exact, and
            # costs one small read (no pandoc), so only edited chapters are re-indexed.
            known = read_cache(self.cache_dir, "book-index",
                               self.source_key(ref, source_digest(expanded.lines)))
            if known is not None:
                return _Prepared(ref, source, "", ChapterIndex.from_json(known), None, None, [])
            markdown = unexecuted_markdown(source, self.config.float_keys)
        lua, early = plan_chapter(self.project.root, self.project.config, ref.path, markdown,
                                  self.cache_dir)
        early = early if selected else []
        if "{{<" in markdown:
            markdown, found = self.shortcodes(ref, markdown, executed,
                                              frozenset(n for n, _ in lua.shortcodes) if lua
                                              else frozenset())
            early += found
        markdown, repaired = self.repair(ref, markdown, executed)
        early += repaired
        ast_key = parse_key(markdown, self.config.float_keys, self.profiles, lua=lua,
                            meta=self.project.config)
        index_key = digest("index", INDEX_VERSION, engine_digest(), ast_key, ref.href,
                           ref.number or "",
                           ref.kind, self.config.fingerprint())
        cached = read_cache(self.cache_dir, "index", index_key)
        ast = None
        if cached is not None:
            index = ChapterIndex.from_json(cached)
        else:
            try:
                ast, ast_key = parse_markdown(markdown, float_keys=self.config.float_keys,
                                              profiles=self.profiles, cache_dir=self.cache_dir,
                                              lua=lua, meta=self.project.config)
            except LuaError as exc:
                return _Failed(ref, [*early, lua.problem(exc)] if lua else early, executed)
            except PandocError as exc:
                line = re.search(r"line (\d+)", str(exc))
                problem = Problem("error", "pandoc cannot read this chapter: "
                                  + " ".join(str(exc).split()), ref.path,
                                  int(line.group(1)) if line else None)
                return _Failed(ref, [*early, problem], executed)
            meta = _front_meta(ast)
            front_title = meta.get("title") if isinstance(meta.get("title"), str) else None
            ns = meta.get("number-sections")
            index = index_chapter(
                ast["blocks"], chapter_number=ref.number, href=ref.href,
                appendix=ref.kind == "appendix", config=self.config,
                number_sections=ns if isinstance(ns, bool) else None, front_title=front_title)
            index.meta = meta
            if lua is not None:
                index.meta["lua-warnings"] = lua_warnings(ast.get("meta", {}))
            write_cache(self.cache_dir, "index", index_key, index.to_json())
        if executed is not None and executed.source_digest:
            key = self.source_key(ref, executed.source_digest)
            if not (self.cache_dir / "book-index" / f"{key}.json").is_file():
                write_cache(self.cache_dir, "book-index", key, index.to_json())
        early += [Problem("warning", f"Lua filter: {w}", ref.path)
                  for w in index.meta.get("lua-warnings", []) if selected]
        return _Prepared(ref, markdown, ast_key, index, executed, ast, early, lua)

    def source_key(self, ref: ChapterRef, source: str) -> str:
        """Key of a chapter's executed index by its source digest and everything else that
        shapes the index (project config, variables, execute-depends files, engine code)."""
        variables = self.variables()
        with self._lock:
            if self._book_digest is None:
                self._book_digest = digest(
                    json.dumps(self.project.config, sort_keys=True, default=str),
                    json.dumps(variables, sort_keys=True, default=str),
                    self.project.profile or "", ",".join(sorted(self.profiles)),
                    depends_digest(self.project), _exec_digest(), engine_digest(),
                    pandoc_version(), self.config.fingerprint(),
                    project_lua_digest(self.project.root, self.project.config))
        return digest("book-index", INDEX_VERSION, self._book_digest, source,
                      str(ref.path), ref.href, ref.number or "", ref.kind)

    def shortcodes(self, ref: ChapterRef, markdown: str, executed: ExecutedChapter | None,
                   extensions: frozenset[str] = frozenset()) -> tuple[str, list[Problem]]:
        """Expand Quarto shortcodes; an unknown one is a warning at its source line."""
        front: dict[str, Any] = {}
        fm = re.match(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", markdown, re.DOTALL)
        if fm:
            try:
                loaded = yaml.safe_load(fm.group(1))
                front = loaded if isinstance(loaded, dict) else {}
            except yaml.YAMLError:
                front = {}
        meta = {**self.project.config, **(self.project.config.get("book") or {}), **front}
        result = expand_shortcodes(markdown, meta, self.variables(), extensions)
        problems = []
        if ref.path in self.selected:
            for line, message in result.unknown:
                file, where = ref.path, line
                if executed is not None and executed.line_map:
                    file, where = source_location(executed, line)
                problems.append(Problem("warning", message, file, where))
        return result.text, problems

    def repair(self, ref: ChapterRef, markdown: str,
               executed: ExecutedChapter | None) -> tuple[str, list[Problem]]:
        """Attribute blocks pandoc cannot read (`{#x key= v}`): repaired, each a warning; and
        footnote definitions nothing cites (pandoc drops them): each a warning."""
        text, repairs = repair_attributes(markdown)
        found = [(r.line, f"malformed attribute {r.written}: spaces around '=' (read as "
                  f"{r.read_as})") for r in repairs]
        found += [(line, f"footnote [^{key}] is defined but never cited, so it is not shown")
                  for line, key in unused_notes(text)]
        problems = []
        if ref.path in self.selected:
            for line, message in sorted(found):
                file, where = ref.path, line
                if executed is not None and executed.line_map:
                    file, where = source_location(executed, line)
                problems.append(Problem("warning", message, file, where))
        return text, problems

    def variables(self) -> dict[str, Any]:
        """`_variables.yml` of the project (what `{{< var key >}}` reads), loaded once."""
        with self._lock:
            if self._variables is None:
                path = self.project.root / "_variables.yml"
                data: Any = {}
                if path.is_file():
                    try:
                        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
                    except yaml.YAMLError as exc:
                        self.problems.append(Problem("error", f"invalid YAML: {exc}", path))
                self._variables = data if isinstance(data, dict) else {}
            return self._variables

    # -- locating problems ------------------------------------------------------------------
    def locate(self, prep: _Prepared, needle: str | None) -> tuple[Path, int | None]:
        return _locate(prep, needle)

    def files_digest(self, paths: list[Path]) -> str:
        """Digest of the bibliography files, computed once per build per combination."""
        key = tuple(paths)
        with self._lock:
            if key not in self._digests:
                self._digests[key] = _file_digest(paths)
            return self._digests[key]

    def csl(self, path: Path) -> dict[str, dict[str, Any]] | None:
        """A BibTeX/BibLaTeX/CSL-JSON file as CSL items by key (None for other formats).

        Converted once (cached by content), so each chapter hands citeproc only the few
        entries it cites instead of making pandoc re-read every .bib for every chapter.
        """
        fmt = {".bib": "biblatex", ".bibtex": "bibtex", ".json": "csljson"}.get(
            path.suffix.lower())
        if fmt is None:
            return None
        with self._lock:
            if path in self._csl:
                return self._csl[path]
            items: dict[str, dict[str, Any]] = {}
            try:
                data = path.read_bytes()
                key = digest("csl", pandoc_version(), fmt, data)
                cached = read_cache(self.cache_dir, "csl", key)
                if cached is None:
                    cached = json.loads(run_pandoc(["-f", fmt, "-t", "csljson"],
                                                   data.decode("utf-8", "replace")))
                    write_cache(self.cache_dir, "csl", key, cached)
                items = {str(item["id"]): item for item in cached
                         if isinstance(item, dict) and "id" in item}
            except (OSError, ValueError, PandocError) as exc:
                self.problems.append(Problem(
                    "error", "cannot read bibliography: " + " ".join(str(exc).split()), path))
            self._csl[path] = items
            return items

    def bib_keys(self, paths: list[Path]) -> frozenset[str]:
        keys: set[str] = set()
        for p in paths:
            items = self.csl(p)
            if items is not None:
                keys |= set(items)
                continue
            with self._lock:
                if p not in self._bib_cache:
                    try:
                        self._bib_cache[p] = frozenset(bibliography_keys(p))
                    except (OSError, ValueError) as exc:
                        self.problems.append(
                            Problem("error", f"cannot read bibliography: {exc}", p))
                        self._bib_cache[p] = frozenset()
                keys |= self._bib_cache[p]
        return frozenset(keys)

    def cited_subset(self, paths: list[Path], keys: list[str]) -> list[Path]:
        """Bibliography files for citeproc holding only `keys` (plus any unconvertible file)."""
        items: dict[str, dict[str, Any]] = {}
        rest: list[Path] = []
        for p in paths:
            converted = self.csl(p)
            if converted is None:
                rest.append(p)
            else:
                for k, v in converted.items():
                    items.setdefault(k, v)
        chosen = [items[k] for k in dict.fromkeys(keys) if k in items]
        text = json.dumps(chosen, sort_keys=True)
        target = self.cache_dir / "csl-subset" / f"{digest(text)}.json"
        if not target.is_file():
            try:
                write_atomic(target, text)
            except OSError:  # no writable cache: fall back to the whole files
                return list(paths)
        return [target, *rest]

    def tikz_preamble(self, prep: _Prepared) -> str:
        """The LaTeX preamble of the chapter's TikZ pictures ("" when it has none)."""
        if "tikz" not in prep.markdown:
            return ""
        return tikz_preamble(self.project.root, self.project.config, prep.ref.path,
                             prep.markdown) + f"\n% latex found: {latex_available()}"

    # -- stage 3: render ----------------------------------------------------------------------
    def render(self, prep: _Prepared, table: XrefTable, nocite: list[str],
               pages: dict[Path, str], pages_digest: str) -> tuple[RenderedChapter | None,
                                                                   list[Problem]]:
        ref, index = prep.ref, prep.index
        bibs = list(self.project.bibliography)
        for b in _bib_list(index.meta.get("bibliography")):
            bibs.append((ref.path.parent / b).resolve())
        problems: list[Problem] = []
        for b in bibs:
            if not b.is_file():
                problems.append(Problem("error", f"bibliography file not found: {b}", ref.path))
        bibs = [b for b in bibs if b.is_file()]
        use_nocite = nocite if (ref.kind == "references" or index.meta.get("has_refs")) else []
        generated = dict(prep.executed.resources) if prep.executed else {}
        local = [t.to_json() for t in index.targets]
        key = digest(
            "html", RENDER_VERSION, engine_digest(), pandoc_version(), prep.ast_key, ref.href,
            str(ref.path),
            ref.number or "", ref.kind,
            json.dumps(table.slice(index.xref_uses), sort_keys=True),
            json.dumps(local, sort_keys=True), self.config.fingerprint(),
            json.dumps(self.project.callouts, sort_keys=True, default=str),
            self.files_digest(bibs), json.dumps(use_nocite), pages_digest,
            json.dumps({k: str(v) for k, v in sorted(generated.items())}),
            self.tikz_preamble(prep),
        )
        cached = read_cache(self.cache_dir, "html", key)
        result = None
        if cached is not None:
            result = RenderedChapter.from_json(cached)
            if not all(p.is_file() for p in result.resources.values()) or any(
                    p.is_file() for p in result.missing):
                result = None  # a resource vanished, or a missing image appeared
        if result is None:
            ast = prep.ast
            if ast is None:
                ast, _ = parse_markdown(prep.markdown, float_keys=self.config.float_keys,
                                        profiles=self.profiles, cache_dir=self.cache_dir,
                                        lua=prep.lua, meta=self.project.config)
            drawn, tikz_issues = draw_tikz(ast["blocks"], self.tikz_preamble(prep),
                                           self.cache_dir / "tikz")
            generated.update(drawn)
            front_title = index.meta.get("title")
            ctx = ChapterContext(
                page_href=ref.href, source_dir=ref.path.parent, config=self.config,
                table=table, index=index, callouts=self.project.callouts,
                bibliography=self.cited_subset(bibs, [*index.cite_keys, *use_nocite])
                if bibs else [],
                bib_keys=self.bib_keys(bibs), nocite=use_nocite, generated=generated,
                pages=pages, front_title=front_title if isinstance(front_title, str) else None,
                lua=prep.lua)
            try:
                result = render_chapter(ast, ctx)
            except LuaError as exc:
                return None, [*problems, prep.lua.problem(exc) if prep.lua else
                              Problem("error", str(exc), ref.path)]
            except PandocError as exc:
                problems.append(Problem("error", f"pandoc failed: {exc}", ref.path))
                return None, problems
            result.issues[:0] = [Issue(i.severity, i.message, i.needle) for i in tikz_issues]
            write_cache(self.cache_dir, "html", key, result.to_json())
        for issue in result.issues:
            file, line = self.locate(prep, issue.needle)
            problems.append(Problem(issue.severity, issue.message, file, line))  # type: ignore[arg-type]
        return result, problems


def _page(prep: _Prepared, rendered: RenderedChapter) -> Page:
    ref, index = prep.ref, prep.index
    title = index.title or ref.title
    title_html = rendered.title_html or esc(title)
    if ref.number:
        title_html = f'<span class="chapter-number">{esc(ref.number)}</span> {title_html}'
    kind = ref.kind if ref.kind in ("index", "chapter", "appendix", "references", "page") \
        else "chapter"
    meta = index.meta
    return Page(
        source=ref.path, href=ref.href, title=title, title_html=title_html, number=ref.number,
        part=ref.part, kind=kind, body_html=rendered.body_html, toc=rendered.toc,
        description=_text(meta.get("description")), subtitle=_text(meta.get("subtitle")),
        author=_authors(meta.get("author")))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _authors(value: Any) -> str | None:
    """Front matter `author:` as one string: a name, a list of names, or {name: ...} maps."""
    items = value if isinstance(value, list) else [value]
    names = [str(v.get("name", "")) if isinstance(v, dict) else str(v)
             for v in items if v is not None]
    return ", ".join(n for n in names if n) or None


def _sidebar(pages: list[Page]) -> list[SidebarPart]:
    groups: list[SidebarPart] = []
    for p in pages:
        if p.kind == "appendix":
            title, kind = (p.part or "Appendices"), "appendices"
        elif p.part:
            title, kind = p.part, "part"
        else:
            title, kind = None, "top"
        if groups and groups[-1].title == title and groups[-1].kind == kind:
            groups[-1].hrefs.append(p.href)
        else:
            groups.append(SidebarPart(title, [p.href], kind))  # type: ignore[arg-type]
    return groups


def _knock_on(problem: Problem, failed_labels: set[str]) -> bool:
    """A reference to the output of a cell that failed: the failure is already reported."""
    from mlsys.render import UNRESOLVED

    return problem.message.startswith(UNRESOLVED) and (
        problem.message.removeprefix(UNRESOLVED) in failed_labels)


def _prepare_all(build: _Build, items: list[tuple[ChapterRef, bool]], chosen_paths: set[Path]
                 ) -> tuple[list[_Prepared], XrefTable, dict[str, None]]:
    """Stage one for every chapter, then the book-wide table of targets and cited keys."""
    outcomes: list[_Prepared | _Failed] = build._map("prepare", build.prepare, items)
    prepared: list[_Prepared] = []
    for prep in outcomes:
        if prep.executed is not None:
            build.problems.extend(prep.executed.problems)
            build.failed_labels.update(prep.executed.failed_labels)
        build.problems.extend(prep.problems)
        if isinstance(prep, _Prepared):
            prepared.append(prep)

    table = XrefTable()
    nocite: dict[str, None] = {}
    for prep in prepared:
        for dup in prep.index.duplicates:
            if prep.ref.path in chosen_paths and is_xref_id(dup, build.config):
                file, line = build.locate(prep, "#" + dup)
                build.problems.append(Problem("warning", f"duplicate label #{dup}", file, line))
        for clash in table.add_chapter(prep.index):
            if prep.ref.path in chosen_paths and is_xref_id(clash, build.config):
                first = table.targets[clash].href
                file, line = build.locate(prep, "#" + clash)
                build.problems.append(Problem(
                    "warning", f"label #{clash} is also defined in {first}", file, line))
        for k in prep.index.cite_keys:
            nocite.setdefault(k, None)
    return prepared, table, nocite


def _prepare_and_render(build: _Build, items: list[tuple[ChapterRef, bool]],
                        chosen_paths: set[Path]
                        ) -> tuple[list[_Prepared], list[tuple[RenderedChapter | None,
                                                                list[Problem]]]]:
    """Pass one for every chapter (chapters not being rendered are only indexed), then pass
    two for the chosen ones: each rendered chapter (None if it failed) and its problems."""
    prepared, table, nocite = _prepare_all(build, items, chosen_paths)
    pages_map = {p.ref.path: p.ref.href for p in prepared}
    pages_digest = digest(json.dumps(sorted((str(k), v) for k, v in pages_map.items())))
    to_render = [p for p in prepared if p.ref.path in chosen_paths]
    known = build.bib_keys(list(build.project.bibliography))
    cited = [k for k in nocite if k in known]

    def work(prep: _Prepared) -> tuple[RenderedChapter | None, list[Problem]]:
        return build.render(prep, table, cited, pages_map, pages_digest)

    return prepared, build._map("render", work, to_render)


def worker_problem(reason: str) -> Problem:
    """The warning for a build whose pandoc worker failed (its output is still right)."""
    return Problem("warning", f"{reason}; the rest of this build ran one pandoc process per "
                   "conversion (same output, slower)")


def render_book(
    path: Path,
    *,
    profile: str | None = None,
    chapters: list[str] | None = None,
    strict: bool = False,
    cache_dir: Path | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
) -> RenderedBook:
    """Render a Quarto book project to HTML fragments the site writer wraps in templates.

    `chapters` renders only those (by file stem or title prefix), while references to the
    other chapters still resolve: those are indexed from their unexecuted sources. Raises
    BuildError with every problem when there are errors (or, under `strict`, warnings).
    """
    project = load_project(Path(path), profile)
    cache = Path(cache_dir) if cache_dir is not None else project.root / ".mlsys-cache"
    build = _Build(project, cache, jobs or min(4, os.cpu_count() or 1), progress)
    chosen = select_chapters(project, chapters) if chapters else project.chapters
    chosen_paths = {c.path for c in chosen}
    build.selected = chosen_paths
    build.problems.extend(project.warnings)
    build.problems.extend(option_problems(project, chosen))
    items = [(ref, ref.path in chosen_paths) for ref in project.chapters]
    with pandoc_session(pandoc_path()) as session:  # workers start on first use only
        prepared, results = _prepare_and_render(build, items, chosen_paths)
    if (reason := session.unreported_fallback()) is not None:
        build.problems.append(worker_problem(reason))
    to_render = [p for p in prepared if p.ref.path in chosen_paths]
    pages: list[Page] = []
    resources: dict[str, Path] = {}
    for prep, (rendered, problems) in zip(to_render, results, strict=True):
        build.problems.extend(p for p in problems if not _knock_on(p, build.failed_labels))
        if rendered is None:
            continue
        pages.append(_page(prep, rendered))
        resources.update(rendered.resources)

    # a project-level problem (a filter the config names) is found once per chapter: say it once
    problems = list(dict.fromkeys(build.problems))
    if any(p.severity == "error" for p in problems) or (strict and problems):
        raise BuildError(problems)
    return RenderedBook(
        root=project.root, title=project.title, subtitle=project.subtitle,
        author=project.author, description=project.description, pages=pages,
        sidebar=_sidebar(pages), css=callout_css(project.callouts), resources=resources,
        problems=problems)


@dataclass(frozen=True)
class ExportChapter:
    """One chapter as the exporters need it: executed, parsed, indexed, not yet rendered."""

    ref: ChapterRef
    ast: dict[str, Any]  # a fresh tree each call: exporters transform it in place
    index: ChapterIndex
    generated: dict[str, Path]  # figure files the cells made: href -> file on disk
    _prep: _Prepared

    def locate(self, needle: str | None) -> tuple[Path, int | None]:
        """Source file and line of `needle` (cells' output maps back to the .qmd line)."""
        return _locate(self._prep, needle)


@dataclass(frozen=True)
class PreparedBook:
    """A whole volume after pass one: what the PDF and EPUB writers start from."""

    project: Project
    config: XrefConfig
    table: XrefTable
    chapters: list[ExportChapter]
    bibliography: list[Path]  # every bibliography file of the project that exists
    bib_keys: frozenset[str]  # every key those files define
    cited: list[str]  # keys cited anywhere in the book, in order of first use
    problems: list[Problem]
    cache_dir: Path | None = None  # where the pipeline caches (exporters cache there too)


def prepare_book(path: Path, *, profile: str | None = None, target: str = "html",
                 cache_dir: Path | None = None, jobs: int | None = None,
                 progress: Progress | None = None) -> PreparedBook:
    """Execute (freeze cache), parse and index every chapter, as `render_book` does.

    The cells' results come from the same cache the HTML build fills, so the numbers in an
    export are the website's numbers and a warm export runs no kernel; only the parse is
    redone for a `target` other than "html" (cached too). Raises BuildError when a chapter
    cannot be prepared.
    """
    project = load_project(Path(path), profile)
    cache = Path(cache_dir) if cache_dir is not None else project.root / ".mlsys-cache"
    build = _Build(project, cache, jobs or min(4, os.cpu_count() or 1), progress)
    every = {c.path for c in project.chapters}
    build.selected = every
    build.problems.extend(project.warnings)
    with pandoc_session(pandoc_path()) as session:
        prepared, table, nocite = _prepare_all(build, [(r, True) for r in project.chapters],
                                               every)
    if (reason := session.unreported_fallback()) is not None:
        build.problems.append(worker_problem(reason))
    if any(p.severity == "error" for p in build.problems):
        raise BuildError(build.problems)
    chapters = []
    for prep in prepared:
        ast = prep.ast if target == "html" else None
        if ast is None:  # the export's own parse: its conditional content, its raw formats
            ast, _ = parse_markdown(prep.markdown, float_keys=build.config.float_keys,
                                    profiles=build.profiles, cache_dir=cache, target=target,
                                    lua=prep.lua, meta=project.config)
        generated = dict(prep.executed.resources) if prep.executed else {}
        drawn, issues = draw_tikz(ast["blocks"], build.tikz_preamble(prep), cache / "tikz")
        generated.update(drawn)  # TikZ pictures: the same SVGs as the website's
        for issue in issues:
            build.problems.append(Problem(issue.severity, issue.message,  # type: ignore[arg-type]
                                          *_locate(prep, issue.needle)))
        chapters.append(ExportChapter(prep.ref, ast, prep.index, generated, prep))
    bibs = [b for b in project.bibliography if b.is_file()]
    known = build.bib_keys(bibs)
    return PreparedBook(project, build.config, table, chapters, bibs, known,
                        [k for k in nocite if k in known], list(build.problems), cache)
