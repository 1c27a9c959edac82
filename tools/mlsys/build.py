"""Orchestration: which projects to render, where each lands in the site, and in what order.

`mlsys` commands are thin; this module holds what they share. It knows the curriculum
(curriculum.yml: the parts of the one site), renders Quarto parts with the pipeline, exports
the labs with their own exporter, and hands everything to `site.SiteWriter`, which owns the
output folder. It raises `BuildError` for anything an author or user got wrong, so the CLI can
list every problem with its file and line and exit non-zero.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlsys.model import BuildError, ExportedLab, Problem, RenderedBook
from mlsys.project import read_yaml
from mlsys.repo import CURRICULUM, find_repo_root  # noqa: F401 (callers import it from here)
from mlsys.site import (
    BookSection,
    ElsewherePart,
    NavLink,
    NavMenu,
    SiteConfig,
    SiteReport,
    SiteWriter,
    read_manifest,
)

Progress = Callable[[str, int, int], None]
CACHE_DIR = ".mlsys-cache"
SITE_DIR = "_site"
MENU_ORDER = ("Read", "Build", "Teach")
PART_KINDS = ("quarto", "labs", "static")
GENERATED_DIR = "generated"  # inside CACHE_DIR: the sources that parts generate for the site


@dataclass(frozen=True)
class Part:
    """One entry of curriculum.yml: a part of the site and how to build, test and ship it.

    `group` names the part for `mlsys test|build|publish` (vol1 and vol2 are both `book`);
    `tests` are pytest folders, `check` a `"pkg.mod:func"` returning `file:line: ...` problems,
    `generate` a `"pkg.mod:func"` writing the part's sources, `package` the folder of a Python
    distribution `mlsys build` turns into an sdist and a wheel.
    """

    id: str
    title: str
    kind: str
    path: str
    url: str
    nav: str
    blurb: str | None = None
    profile: str | None = None
    group: str = ""
    tests: tuple[str, ...] = ()
    check: str | None = None
    package: str | None = None
    # system tools the part's build runs -> the Debian package that provides each
    needs: tuple[tuple[str, str], ...] = ()
    # "package.module:function" writing this part's sources into a folder it is given: a
    # Quarto project (kind quarto) or finished files (kind static). See `generate_part`.
    generate: str | None = None
    line: int | None = None  # the entry's line in curriculum.yml, for errors


@dataclass
class Curriculum:
    """curriculum.yml, checked: the site's title and its parts in order."""

    root: Path
    title: str
    description: str | None
    parts: list[Part]
    site_url: str | None = None

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    def present(self, part: Part) -> bool:
        """Whether a part exists on disk, so a fresh checkout builds what it has."""
        if missing_tools(part):
            return False  # `mlsys build` notes it (skipped_for_tools); never a failure
        where = self.root / part.path
        if part.generate:  # its sources folder must exist too (a partial checkout lacks it)
            return where.exists() and _installed(part.generate.split(":")[0])
        if part.kind == "quarto":
            return (where / "_quarto.yml").is_file() or (where / "_quarto.yaml").is_file()
        return where.is_dir() and labs_exporter() is not None


@dataclass
class BuildResult:
    """What a build produced, for the CLI's summary and the benchmarks."""

    out: Path
    books: dict[str, RenderedBook] = field(default_factory=dict)
    report: SiteReport | None = None
    problems: list[Problem] = field(default_factory=list)  # warnings that did not stop it
    render_seconds: float = 0.0


# --------------------------------------------------------------------------- curriculum


def load_curriculum(root: Path) -> Curriculum:
    """Read and check curriculum.yml; every mistake is reported with its line."""
    file = root / CURRICULUM
    data, loc = read_yaml(file)
    data = data or {}
    if not isinstance(data, dict):
        raise BuildError([Problem("error", "must be a mapping with title and parts", file, 1)])

    problems: list[Problem] = []
    parts: list[Part] = []
    raw_parts = data.get("parts")
    if not isinstance(raw_parts, list) or not raw_parts:
        raise BuildError([Problem("error", "'parts' must be a non-empty list", file)])
    seen: set[str] = set()
    for i, raw in enumerate(raw_parts):
        line = loc.line("parts", i)
        if not isinstance(raw, dict):
            problems.append(Problem("error", "each part must be a mapping", file, line))
            continue
        why = _part_problem(raw, seen)
        if why is not None:
            problems.append(Problem("error", why, file, line))
            continue
        seen.add(raw["id"])
        url = str(raw["url"]).strip("/")
        parts.append(Part(
            id=str(raw["id"]), title=str(raw["title"]), kind=str(raw["kind"]),
            path=str(raw["path"]), url=url + "/" if url else "", nav=str(raw["nav"]),
            blurb=raw.get("blurb"), profile=raw.get("profile"), generate=raw.get("generate"),
            line=line, **part_extras(raw, file, line, problems),
        ))
    if problems:
        raise BuildError(problems)
    return Curriculum(
        root=root, title=str(data.get("title") or "Curriculum"),
        description=data.get("description"), parts=parts, site_url=data.get("site-url"),
    )


def _part_problem(raw: dict[str, Any], seen: set[str]) -> str | None:
    """What is wrong with one entry of `parts:` (the first thing found), or None."""
    missing = [k for k in ("id", "title", "kind", "path", "url", "nav") if not raw.get(k)]
    if missing:
        return f"part is missing {', '.join(missing)}"
    if raw.get("generate") is not None and not _is_spec(raw["generate"]):
        return (f"part '{raw['id']}': generate must be 'package.module:function', "
                f"not '{raw['generate']}'")
    if raw["kind"] == "static" and not raw.get("generate"):
        return f"part '{raw['id']}': kind static needs a generate function"
    if raw["kind"] not in PART_KINDS:
        return (f"part '{raw['id']}': kind must be one of {', '.join(PART_KINDS)}, "
                f"not '{raw['kind']}'")
    if raw["nav"] not in MENU_ORDER:
        return f"part '{raw['id']}': nav must be one of {', '.join(MENU_ORDER)}"
    if raw["id"] in seen:
        return f"duplicate part id '{raw['id']}'"
    return None


def part_extras(raw: dict[str, Any], file: Path, line: int | None,
                problems: list[Problem]) -> dict[str, Any]:
    """The optional fields of a part for `mlsys test|build|publish`, checked."""
    extras: dict[str, Any] = {"group": str(raw.get("group") or raw["id"])}
    tests = raw.get("tests", [])
    if not isinstance(tests, list) or not all(isinstance(t, str) for t in tests):
        problems.append(Problem("error", f"part '{raw['id']}': tests must be a list of "
                                "folders", file, line))
        tests = []
    extras["tests"] = tuple(tests)
    needs = raw.get("needs") or {}
    if not isinstance(needs, dict) or not all(isinstance(v, str) for v in needs.values()):
        problems.append(Problem("error", f"part '{raw['id']}': needs maps each system tool to "
                                "its Debian package (pdflatex: texlive-latex-extra)", file, line))
        needs = {}
    extras["needs"] = tuple((str(k), v) for k, v in needs.items())
    for key in ("check", "package"):
        value = raw.get(key)
        if value is not None and not isinstance(value, str):
            problems.append(Problem("error", f"part '{raw['id']}': {key} must be a string",
                                    file, line))
            value = None
        if value and key != "package" and ":" not in value:
            problems.append(Problem("error", f"part '{raw['id']}': {key} must name "
                                    f"'package.module:function', not '{value}'", file, line))
            value = None
        extras[key] = value
    return extras


def missing_tools(part: Part) -> list[tuple[str, str]]:
    """The (tool, Debian package) pairs of `needs:` that are not on PATH."""
    return [(tool, pkg) for tool, pkg in part.needs if shutil.which(tool) is None]


def skipped_for_tools(parts: list[Part], file: Path) -> list[Problem]:
    """One note per part left out of a full build because a system tool is missing."""
    notes = []
    for part in parts:
        missing = missing_tools(part)
        if missing:
            tools = ", ".join(t for t, _ in missing)
            pkgs = " ".join(dict.fromkeys(p for _, p in missing))
            notes.append(Problem("warning", f"part '{part.id}' skipped: {tools} not found "
                                 f"(apt-get install {pkgs})", file, part.line))
    return notes


def _is_spec(value: object) -> bool:
    """Whether `value` reads as "package.module:function"."""
    if not isinstance(value, str) or value.count(":") != 1:
        return False
    module, func = value.split(":")
    return all(x.isidentifier() for x in module.split(".")) and func.isidentifier()


def _installed(module_name: str) -> bool:
    """Whether a generator's package is installed, found without importing it: a book build
    asks this of every other part, and importing the instructors' generator (which pulls in
    mlsysim) costs a fifth of a second. A module that then lacks its function is still
    reported, by `generator_of`, when the part is built."""
    import importlib.util

    return importlib.util.find_spec(module_name.split(".")[0]) is not None


def generator_of(part: Part, source: Path) -> Callable[[Path, Path], None] | None:
    """The function behind a part's `generate:`, or None when its package is not installed
    (a fresh checkout builds the parts it has). A module that imports but lacks the function
    is an author's mistake, reported with the entry's line."""
    import importlib

    assert part.generate is not None
    module_name, func_name = part.generate.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            return None
        raise
    func = getattr(module, func_name, None)
    if not callable(func):
        raise BuildError([Problem(
            "error", f"part '{part.id}': {module_name} has no function {func_name}", source,
            part.line)])
    return func


def generate_part(part: Part, root: Path, dest: Path) -> Path:
    """Run a part's generator into `dest`, touching only files whose bytes changed.

    The generator writes into an empty temporary folder; files are then copied over the
    previous generation one by one, so unchanged sources keep their mtimes (the pipeline's
    caches and preview's watcher see no change) and a failed generation leaves the previous
    one in place.
    """
    func = generator_of(part, root / CURRICULUM)
    if func is None:
        raise BuildError([Problem(
            "error", f"part '{part.id}': cannot import {part.generate.split(':')[0]}; is the "
            "package installed (see README, Quick start)?", root / CURRICULUM, part.line)])
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}-") as tmp:
        run_generator(part, func, Path(tmp), root)
        _sync_tree(Path(tmp), dest)
    return dest


def run_generator(part: Part, func: Callable[[Path, Path], None], dest: Path,
                  root: Path) -> None:
    """Call a part's generator; whatever it raises becomes a problem of that part (its
    message names the source file and line), so the author sees a list, not a traceback.
    Set MLSYS_DEBUG=1 to get the traceback of a generator's own bug."""
    import os

    try:
        func(dest, root)
    except Exception as exc:
        if os.environ.get("MLSYS_DEBUG"):
            raise
        raise BuildError([Problem(
            "error", f"part '{part.id}' ({part.generate}) failed: {exc}", root / CURRICULUM,
            part.line)]) from exc


def _stamp(dest: Path) -> Path:
    """Where the fingerprint of a generated part's inputs is kept (beside its output)."""
    return dest.parent / f".{dest.name}.inputs"


def _tree_fingerprint(folder: Path) -> str:
    """Every file's path, size and modification time under `folder` (caches and build
    output skipped): cheap, and changes whenever an author saves a file there."""
    import hashlib

    h = hashlib.sha256()
    for f in sorted(folder.rglob("*")):
        if any(part.startswith(".") or part in ("__pycache__", "_site", "dist")
               for part in f.relative_to(folder).parts):
            continue
        if f.is_file():
            st = f.stat()
            h.update(f"{f.relative_to(folder).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n"
                     .encode())
    return h.hexdigest()


def _sync_tree(src: Path, dest: Path) -> None:
    """Make `dest` hold exactly the files of `src`, rewriting only those that differ."""
    wanted = {p.relative_to(src) for p in src.rglob("*") if p.is_file()}
    if dest.is_dir():
        for old in sorted(dest.rglob("*"), reverse=True):
            rel = old.relative_to(dest)
            if old.is_file() and rel not in wanted:
                old.unlink()
            elif old.is_dir() and not any(old.iterdir()):
                old.rmdir()
    for rel in sorted(wanted):
        target = dest / rel
        data = (src / rel).read_bytes()
        if target.is_file() and target.read_bytes() == data:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def labs_exporter() -> Callable[..., list[dict[str, Any]]] | None:
    """The labs part's exporter, if that part is installed (it is optional for the site)."""
    try:
        from mlsys.labs import export_labs  # type: ignore[attr-defined]
    except ImportError:
        return None
    return export_labs


# --------------------------------------------------------------------------- rendering


def render(
    path: Path,
    *,
    profile: str | None = None,
    chapters: list[str] | None = None,
    strict: bool = False,
    cache_dir: Path | None = None,
    progress: Progress | None = None,
) -> RenderedBook:
    """Render one Quarto project with the pipeline (imported late: it is the heavy part)."""
    from mlsys.pipeline import render_book

    return render_book(
        path, profile=profile, chapters=chapters, strict=strict, cache_dir=cache_dir,
        progress=progress,
    )


def resolve_chapters(path: Path, profile: str | None, names: list[str]) -> list[str]:
    """Check chapter names (file name or title, unique prefix) and return their file stems."""
    from mlsys.project import load_project, select_chapters

    project = load_project(path, profile)
    return [c.path.stem for c in select_chapters(project, names)]


def chapters_in(path: Path, profile: str | None, names: list[str]) -> list[str]:
    """The names (of several volumes' chapters) that name a chapter of this project."""
    found = []
    for name in names:
        try:
            found += resolve_chapters(path, profile, [name])
        except BuildError:
            continue
    return found


def default_output(path: Path, profile: str | None) -> Path:
    """Where `mlsys render PATH` writes: the project's output-dir (Quarto's default _book)."""
    from mlsys.project import load_project

    project = load_project(path, profile)
    out = Path(project.output_dir)
    return out if out.is_absolute() else project.root / out


def render_project(
    path: Path,
    out: Path | None = None,
    *,
    profile: str | None = None,
    strict: bool = False,
    progress: Progress | None = None,
) -> BuildResult:
    """`mlsys render`: any Quarto book project becomes a site of its own in `out`."""
    path = Path(path).resolve()
    out = Path(out).resolve() if out else default_output(path, profile)
    t0 = time.perf_counter()
    book = render(path, profile=profile, strict=strict, cache_dir=path / CACHE_DIR,
                  progress=progress)
    render_s = time.perf_counter() - t0
    home = book.pages[0].href if book.pages else "index.html"
    config = SiteConfig(title=book.title, description=book.description, home_href=home)
    with SiteWriter(out, config, strict=strict) as writer:
        writer.add_book(BookSection("book", book, prefix="", label=None))
    return BuildResult(out=out, books={"book": book}, report=writer.report,
                       problems=list(book.problems) + writer.report.problems,
                       render_seconds=render_s)


# --------------------------------------------------------------------------- the one site


class SiteBuilder:
    """Builds the curriculum's one site (or some of its parts) into `<root>/_site`.

    Kept as an object so `mlsys preview` can re-render one chapter at a time while reusing
    what it knows about the curriculum and the previous build.
    """

    def __init__(self, root: Path, out: Path | None = None, *, strict: bool = False,
                 progress: Progress | None = None, search: bool = True) -> None:
        self.root = Path(root).resolve()
        self.curriculum = load_curriculum(self.root)
        self.out = Path(out).resolve() if out else self.root / SITE_DIR
        self.cache = self.root / CACHE_DIR
        self.strict = strict
        self.progress = progress
        self.search = search
        self._generated: dict[str, Path] = {}

    def source(self, part: Part) -> Path:
        """The folder a part is built from: its `path`, or for a part with `generate:` the
        sources its generator wrote under the cache (generated once per builder)."""
        if not part.generate:
            return self.root / part.path
        if part.id not in self._generated:
            dest = self.cache / GENERATED_DIR / part.id
            self._generated[part.id] = generate_part(part, self.root, dest)
            _stamp(dest).write_text(_tree_fingerprint(self.root / part.path), "utf-8")
        return self._generated[part.id]

    def listing_source(self, part: Part) -> Path:
        """The sources to read a part's page names from, for the link check of a build that
        does not build that part. A generator names its pages after the files of its own
        folder, so its last output is reused while that folder is unchanged: a book edit
        does not re-run the instructors' generator (half a second) to learn its pages."""
        if not part.generate or part.id in self._generated:
            return self.source(part)
        dest = self.cache / GENERATED_DIR / part.id
        stamp = _stamp(dest)
        if ((dest / "_quarto.yml").is_file() and stamp.is_file()
                and stamp.read_text("utf-8") == _tree_fingerprint(self.root / part.path)):
            return dest
        return self.source(part)

    # -- selection ---------------------------------------------------------------------------

    def book_parts(self, vols: Iterable[str] | None = None) -> list[Part]:
        """The parts rendered from book/ (vol1, vol2), optionally only some volumes."""
        parts = [p for p in self.curriculum.parts
                 if p.kind == "quarto" and Path(p.path) == Path("book")]
        if vols is not None:
            wanted = {f"vol{v}" if str(v).isdigit() else str(v) for v in vols}
            parts = [p for p in parts if p.id in wanted or (p.profile or "") in wanted]
        return [p for p in parts if self.curriculum.present(p)]

    # -- building ----------------------------------------------------------------------------

    def build(self, parts: list[Part] | None = None, chapters: list[str] | None = None,
              *, with_labs: bool | None = None, defer_search: bool = False) -> BuildResult:
        """Render `parts` (default: every part on disk) and write them into the site.

        chapters: names to re-render in each part (the other pages keep their last build).
        defer_search: keep the old search index; the caller refreshes it after the swap
        (preview does, so a reader's reload never waits for indexing).
        """
        todo = parts if parts is not None else [
            p for p in self.curriculum.parts if self.curriculum.present(p)
        ]
        result = BuildResult(out=self.out)
        if parts is None:
            result.problems += skipped_for_tools(self.curriculum.parts, self.root / CURRICULUM)
        t0 = time.perf_counter()
        sections = self._render_books(todo, chapters, result)
        result.render_seconds = time.perf_counter() - t0

        labs = [p for p in todo if p.kind == "labs"] if with_labs is not False else []
        static = [p for p in todo if p.kind == "static"]
        writer = SiteWriter(self.out, self._config(sections), defer_search=defer_search,
                            strict=self.strict)
        built = {s.key for s in sections} | {p.id for p in labs + static}
        writer.elsewhere = [self._elsewhere(p) for p in self.curriculum.parts
                            if p.id not in built]
        with writer:
            for section in sections:
                writer.add_book(section)
            lab_items = {p.id: self._export_labs(writer, p) for p in labs}
            for part in static:
                self._export_static(writer, part)
            writer.add_landing(self._landing(writer, lab_items))
        result.report = writer.report
        result.problems.extend(writer.report.problems)
        return result

    def _render_books(self, todo: list[Part], chapters: list[str] | None,
                      result: BuildResult) -> list[BookSection]:
        """Render every Quarto part of `todo`; every part is tried before failing, so the
        author sees every problem at once."""
        problems: list[Problem] = []
        sections: list[BookSection] = []
        books = [p for p in todo if p.kind == "quarto"]
        if not books:
            return sections
        from mlsys.pandoc_worker import pandoc_session
        from mlsys.parse import pandoc_path

        with pandoc_session(pandoc_path()):  # one set of pandoc workers for every volume
            for part in books:
                try:
                    section = self._render_book(part, chapters)
                except BuildError as exc:
                    problems.extend(exc.problems)
                    continue
                if section is None:
                    continue  # none of the named chapters is in this volume
                result.books[part.id] = section.book
                result.problems.extend(section.book.problems)
                sections.append(section)
        if problems:
            raise BuildError(problems)
        return sections

    def _render_book(self, part: Part, chapters: list[str] | None) -> BookSection | None:
        path = self.source(part)
        names = None
        if chapters:
            names = chapters_in(path, part.profile, chapters)
            if not names:
                return None
        book = render(path, profile=part.profile, chapters=names, strict=self.strict,
                      cache_dir=self.cache / part.path.replace("/", "_"),
                      progress=self._progress_for(part))
        partial = bool(chapters)
        if partial and self._navigation_changed(part, book):
            # A re-rendered chapter changed its title, number or part: every page's
            # sidebar must change too, so render the whole part (cheap: it is cached).
            book = render(path, profile=part.profile, strict=self.strict,
                          cache_dir=self.cache / part.path.replace("/", "_"),
                          progress=self._progress_for(part))
            partial = False
        return BookSection(part.id, book, prefix=part.url, label=part.title, partial=partial)

    def _export_static(self, writer: SiteWriter, part: Part) -> None:
        """A `kind: static` part: its generator writes finished files straight under its URL."""
        folder = part.url or f"{part.id}/"
        dest = writer.fresh_folder(folder)
        func = generator_of(part, self.root / CURRICULUM)
        if func is None:
            return
        run_generator(part, func, dest, self.root)
        produced = writer.claim_tree(folder, part.id)
        writer.forget_section(part.id, produced)
        writer.sections[part.id] = {
            "title": part.title, "prefix": part.url,
            "pages": [{"href": "index.html", "title": part.title, "number": None,
                       "part": None}],
            "sidebar": [],
        }

    def _static_pages(self, part: Part) -> set[str]:
        """The pages a static part writes, for links checked without building it: its
        module's `pages(root)` when it offers one (cheap: names, not files), otherwise what
        its generator writes into a throw-away folder."""
        func = generator_of(part, self.root / CURRICULUM)
        if func is None:
            raise ValueError(f"cannot import {part.generate}")
        lister = getattr(sys.modules[func.__module__], "pages", None)
        if callable(lister):
            return set(lister(self.root))
        with tempfile.TemporaryDirectory() as tmp:
            func(Path(tmp), self.root)
            return {p.relative_to(tmp).as_posix() for p in Path(tmp).rglob("*.html")}

    def _elsewhere(self, part: Part) -> ElsewherePart:
        """A part this run does not build, as the link checker sees it: the pages its own
        config promises (labs.yaml's labs; a Quarto project's chapters), read without
        building it, so a book-only build in a fresh clone checks its links honestly."""
        where = self.root / part.path

        def pages() -> set[str]:
            if part.kind == "static":
                return self._static_pages(part)
            if part.kind == "labs":
                from mlsys.labs import load_catalog

                if not (where / "labs.yaml").is_file():
                    raise ValueError(f"{where / 'labs.yaml'} does not exist")
                try:
                    return {"index.html"} | {f"{lab.name}.html" for lab in load_catalog(where)}
                except BuildError as exc:
                    raise ValueError("; ".join(p.message for p in exc.problems)) from None
            if not self.curriculum.present(part):
                raise ValueError(f"{where} has no _quarto.yml")
            from mlsys.project import load_project

            try:
                project = load_project(self.listing_source(part), part.profile)
            except BuildError as exc:
                raise ValueError("; ".join(p.message for p in exc.problems)) from None
            return {c.href for c in project.chapters}

        return ElsewherePart(part.url, part.title, pages)

    def _progress_for(self, part: Part) -> Progress | None:
        """Progress of one part's render, its stages labelled with the part ("vol1 render")."""
        if self.progress is None:
            return None
        report = self.progress
        return lambda stage, done, total: report(f"{part.id} {stage}", done, total)

    def _navigation_changed(self, part: Part, book: RenderedBook) -> bool:
        """Whether the pages of a partial render differ in what navigation shows of them."""
        old = self._previous_sections().get(part.id) or {}
        known = {p["href"]: p for p in old.get("pages", [])}
        for page in book.pages:
            before = known.get(page.href)
            now = {"href": page.href, "title": page.title, "number": page.number,
                   "part": page.part}
            if before != now:
                return True
        return False

    def _previous_sections(self) -> dict[str, Any]:
        return read_manifest(self.out).get("sections", {})

    def _export_labs(self, writer: SiteWriter, part: Part) -> list[ExportedLab]:
        export = labs_exporter()
        if export is None:
            return []
        digest = self._labs_digest(part)
        old = writer.sections.get(part.id) or {}
        owned = [rel for rel, meta in writer.files.items() if part.id in meta["owners"]]
        if old.get("digest") == digest and owned and all(
            (writer.stage / rel).is_file() for rel in owned
        ):
            # nothing the export depends on has changed
            return [ExportedLab.from_json(d) for d in old.get("labs", [])]
        folder = writer.fresh_folder(part.url or "labs/")
        if self.progress:
            self.progress(f"{part.id} export", 0, 1)
        items = export(folder, labs=self.root / part.path)
        if self.progress:
            self.progress(f"{part.id} export", 1, 1)
        # The exporter's own pages are standalone (for `mlsys labs export`); in the site the
        # index and every lab wear the site's frame instead (navbar, dark mode, search).
        (folder / "index.html").unlink(missing_ok=True)
        for item in items:
            (folder / item.href).unlink(missing_ok=True)
        produced = writer.claim_tree(part.url or "labs/", part.id)
        for item in items:
            page = (part.url or "labs/") + item.href
            writer.add_simple_page(page, item.title, item.body, part.id, item.description)
            produced.append(page)
        index = (part.url or "labs/") + "index.html"
        writer.add_labs_index(index, part.title, part.blurb, items, self._book_pages(), part.id)
        produced.append(index)
        writer.forget_section(part.id, produced)  # labs removed since the last export
        writer.sections[part.id] = {
            "title": part.title, "prefix": part.url, "digest": digest,
            "labs": [it.to_json() for it in items],
            "pages": [{"href": "index.html", "title": part.title, "number": None,
                       "part": None}],
            "sidebar": [],
        }
        return items

    def _book_pages(self) -> dict[str, str]:
        """Site path of every chapter of every Quarto part on disk -> the part's title, read
        from each project's config (the labs index groups labs by the book they belong to)."""
        from mlsys.project import load_project

        pages: dict[str, str] = {}
        for part in self.curriculum.parts:
            if part.kind != "quarto" or not self.curriculum.present(part):
                continue
            try:
                project = load_project(self.listing_source(part), part.profile)
            except BuildError:
                continue  # that part's own build reports its config problems
            for chapter in project.chapters:
                pages.setdefault(part.url + chapter.href, part.title)
        return pages

    def _labs_digest(self, part: Part) -> str:
        """What a labs export depends on, by file size and mtime: the notebooks, the exporter,
        mlsysim's sources (labs compute with it) and marimo's version. Equal digest, same
        pages: the export (every lab's grid evaluated by mlsysim) is skipped."""
        import hashlib
        from importlib.metadata import PackageNotFoundError, version

        import mlsys.explorable as explorable_module
        import mlsys.labs as labs_module

        h = hashlib.sha256()
        roots = [self.root / part.path, self.root / "mlsysim" / "src"]
        files = [Path(labs_module.__file__), Path(explorable_module.__file__),
                 *(explorable_module.ASSETS / f for f in (explorable_module.SCRIPT,
                                                          explorable_module.STYLE))]
        for folder in roots:
            if folder.is_dir():
                files += [p for p in folder.rglob("*") if p.is_file()
                          and not any(x.startswith((".", "__")) for x in p.parts[-4:])]
        for path in sorted(files):
            st = path.stat()
            h.update(f"{path}:{st.st_size}:{st.st_mtime_ns}\n".encode())
        try:
            h.update(version("marimo").encode())
        except PackageNotFoundError:
            pass
        return h.hexdigest()

    # -- navigation --------------------------------------------------------------------------

    def _home(self, part: Part, sections: dict[str, Any]) -> str | None:
        meta = sections.get(part.id)
        if not meta or not meta.get("pages"):
            return None
        return part.url + meta["pages"][0]["href"]

    def _known_sections(self, sections: list[BookSection]) -> dict[str, Any]:
        """Section metadata of this build merged over the previous build's manifest."""
        known = dict(self._previous_sections())
        for s in sections:
            if s.partial and s.key in known:
                continue  # only some pages were rendered; the book's home page is unchanged
            known[s.key] = {
                "pages": [{"href": p.href, "title": p.title, "number": p.number,
                           "part": p.part} for p in s.book.pages],
            }
        return known

    def _config(self, sections: list[BookSection]) -> SiteConfig:
        known = self._known_sections(sections)
        menus: list[NavMenu] = []
        for name in MENU_ORDER:
            links = []
            for part in self.curriculum.parts:
                if part.nav != name:
                    continue
                home = self._home(part, known)
                if home is None and part.kind in ("labs", "static") and \
                        self.curriculum.present(part):
                    home = part.url + "index.html"
                if home:
                    links.append(NavLink(part.title, home, part.blurb))
            if links:
                menus.append(NavMenu(name, links))
        return SiteConfig(title=self.curriculum.title, description=self.curriculum.description,
                          menus=menus, site_url=self.curriculum.site_url, search=self.search)

    def _landing(self, writer: SiteWriter, labs: dict[str, list[dict[str, Any]]]
                 ) -> list[dict[str, Any]]:
        """The landing page's map: per menu, a card per part with its parts and chapters."""
        groups = []
        for name in MENU_ORDER:
            cards = []
            for part in self.curriculum.parts:
                if part.nav != name:
                    continue
                meta = writer.sections.get(part.id)
                card: dict[str, Any] = {"title": part.title, "blurb": part.blurb,
                                        "available": bool(meta), "groups": [],
                                        "href": self._home(part, writer.sections) or "",
                                        "start_label": "Start reading" if part.kind == "quarto"
                                        else "Open the labs"}
                if meta and part.kind == "quarto":
                    by_href = {p["href"]: p for p in meta.get("pages", [])}
                    for grp in meta.get("sidebar", []):
                        links = [{"href": part.url + h, "title": by_href[h]["title"],
                                  "number": by_href[h]["number"], "blurb": None}
                                 for h in grp["hrefs"] if h in by_href]
                        if links:
                            card["groups"].append({"title": grp["title"], "links": links})
                elif meta and part.kind == "labs":
                    items = labs.get(part.id) or [ExportedLab.from_json(d)
                                                  for d in meta.get("labs", [])]
                    card["groups"].append({"title": None, "links": [
                        {"href": part.url + it.href, "title": it.title or it.name,
                         "number": None, "blurb": it.chapter or None} for it in items]})
                cards.append(card)
            if cards:
                groups.append({"title": name, "cards": cards})
        return groups


# --------------------------------------------------------------------------- check and clean


def check_book(root: Path, vols: Iterable[str] | None = None, strict: bool = False,
               progress: Progress | None = None) -> list[Problem]:
    """Render the book's volumes in memory only; returns warnings, raises on errors."""
    builder = SiteBuilder(root, strict=strict, progress=progress)
    problems: list[Problem] = []
    errors: list[Problem] = []
    for part in builder.book_parts(vols):
        try:
            book = render(builder.root / part.path, profile=part.profile, strict=strict,
                          cache_dir=builder.cache / part.path.replace("/", "_"),
                          progress=progress)
        except BuildError as exc:
            errors.extend(exc.problems)
            continue
        problems.extend(book.problems)
    if errors:
        raise BuildError(errors + problems)
    return problems


def clean(root: Path) -> list[Path]:
    """Remove the site and every cache the tools wrote; returns what was removed."""
    removed = []
    candidates = [root / SITE_DIR, root / CACHE_DIR]
    candidates += [p for p in root.glob("*/" + CACHE_DIR)]
    candidates += [p for p in root.glob(f".{SITE_DIR}.staging-*")]
    for path in candidates:
        if path.exists():
            shutil.rmtree(path)
            removed.append(path)
    return removed
