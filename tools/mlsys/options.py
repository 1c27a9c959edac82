"""Which Quarto options the engine honours, and a warning for every one it would ignore.

A real book's `_quarto.yml` carries dozens of options; one the engine silently drops (a
`css:` file, `code-tools:`, a `website:` navbar) looks to its author like a bug in their
config. So every key is sorted into one of three lists:

* honoured -- the engine acts on it (or on the part of it that matters for HTML);
* other formats -- it only affects PDF, LaTeX, EPUB, Word or slides (the whole
  `format: pdf:` subtree, or top-level `documentclass:`, `mainfont:`, ...): never a warning,
  since an HTML build is right to ignore it;
* anything else -- a warning at its file and line ("not supported, ignored"), an error under
  `--strict`.

Top-level keys outside the lists may be a book's own metadata, read by its Lua filters or a
`{{< meta >}}` shortcode; they are only reported when no filter could be reading them.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .execute.knitr_opts import quarto_name
from .execute.scan import DOC_CELL_OPTIONS, HONOURED, bad_value
from .luafilters import filter_items
from .model import Problem
from .project import Project, _parse_yaml, load_yaml

# Keys of an `execute:` section (project, chapter, or under `format: html:`). `cache` and
# `freeze` name what the engine always does (FIXED); `daemon` only tunes kernel start-up.
EXECUTE = frozenset({
    "echo", "eval", "warning", "error", "output", "include", "cache", "freeze", "daemon",
    "enabled"})
# Cell options a project or chapter sets for all its cells (top level or `format: html:`).
CELL_DEFAULTS = frozenset({"fig-width", "fig-height", *DOC_CELL_OPTIONS})
# How code runs: where, with which engine and kernel, and knitr's chunk defaults.
ENGINE = frozenset({"execute", "execute-dir", "engine", "jupyter", "knitr"})
# Shared by `_quarto.yml` and a chapter's front matter.
COMMON = frozenset({
    "title", "subtitle", "author", "date", "description", "abstract", "keywords", "lang",
    "bibliography", "nocite", "references", "crossref", "execute", "format", "filters",
    "filter-metadata", "number-sections", "number-depth", "toc", "toc-depth", "toc-title",
    "shortcodes", "header-includes", "include-in-header", "link-citations", "citation",
    "editor", "categories", "image", "draft", "params"}) | CELL_DEFAULTS | ENGINE
PROJECT = COMMON | {"project", "book", "profile", "mlsys", "metadata-files", "diagram"}
DOCUMENT = COMMON | {"id", "label", "unnumbered", "order", "aliases", "search", "language"}
BOOK = frozenset({
    "title", "subtitle", "author", "date", "description", "abstract", "chapters",
    "appendices", "references", "output-file", "site-url", "doi", "license", "copyright"})
# `website:` of a website project: its sidebar is the reading order; the site frame (navbar,
# footer, search, previous/next links) is our own template's.
WEBSITE = frozenset({"title", "sidebar", "search", "page-navigation", "site-url"})
PROJECT_SECTION = frozenset({
    "type", "output-dir", "execute-dir", "render", "resources", "pre-render", "post-render",
    "preview", "lib-dir", "title"})
HTML = frozenset({
    "toc", "toc-depth", "toc-title", "number-sections", "number-depth", "code-copy",
    "html-math-method", "execute", "link-citations", "lang", "fig-responsive",
    "anchor-sections", "smooth-scroll", "citations-hover", "footnotes-hover",
    "crossrefs-hover", "reference-location", "citation-location", "email-obfuscation",
    "filters", "shortcodes"}) | CELL_DEFAULTS
# Formats an HTML build is right to leave alone, and top-level keys only they read.
OTHER_FORMATS = frozenset({
    "pdf", "latex", "beamer", "typst", "epub", "epub2", "epub3", "docx", "odt", "pptx",
    "revealjs", "gfm", "commonmark", "markdown", "ipynb", "jats", "rtf", "context", "man",
    "asciidoc", "confluence", "docusaurus-md", "hugo-md", "dashboard"})
OTHER_FORMAT_KEYS = frozenset({
    "documentclass", "classoption", "papersize", "geometry", "fontsize", "mainfont",
    "sansfont", "monofont", "mathfont", "CJKmainfont", "fontfamily", "fontfamilyoptions",
    "linestretch", "linkcolor", "urlcolor", "citecolor", "filecolor", "toccolor",
    "colorlinks", "pdf-engine", "pdf-engine-opts", "keep-tex", "keep-typ", "latex-tinytex",
    "latex-auto-install", "latex-output-dir", "latex-clean", "cite-method", "biblio-style",
    "biblio-title", "natbiboptions", "biblatexoptions", "indent", "block-headings", "lof",
    "lot", "fig-pos", "tbl-pos", "cover-image", "epub-cover-image", "reference-doc",
    "slide-level", "incremental", "pdf-title", "pdfa", "fontenc", "mainfontoptions",
    "include-before-body", "include-after-body", "top-level-division"})


# Options the engine always treats one way: other values are reported as not supported.
# option -> (the values that match, what the engine does)
FIXED: dict[str, tuple[tuple[Any, ...], str]] = {
    "code-copy": ((True, "hover"), "always shows a copy button on code"),
    "html-math-method": (("mathml",), "always writes math as MathML"),
    "fig-responsive": ((True,), "always scales images to the text width"),
    "anchor-sections": ((True,), "always gives headings an anchor link"),
    "smooth-scroll": ((False,), "never animates scrolling"),
    "citations-hover": ((True,), "always previews citations on hover"),
    "footnotes-hover": ((True,), "always previews footnotes on hover"),
    "crossrefs-hover": ((True,), "always previews cross-references on hover"),
    "reference-location": (("margin",), "shows footnotes in the margin of wide pages"),
    "citation-location": (("document",), "lists references at the end of the page"),
    "email-obfuscation": (("none",), "never obfuscates e-mail addresses"),
    "cache": ((True,), "always reuses the results of unchanged code"),
    "freeze": ((True, "auto"), "always reuses the results of unchanged code"),
}
# Sections whose keys are checked too: section -> the keys the engine acts on.
SECTIONS = {"execute": EXECUTE, "knitr": frozenset({"opts_chunk"})}


# Metadata a chapter reads: `{{< meta key >}}`, and `when-meta` / `unless-meta` conditions
# (whose dotted path starts at a top-level key).
_META_REF = re.compile(r"\{\{<\s*meta\s+([\w-]+)|(?:when|unless)-meta\s*=\s*[\"']?([\w-]+)")


def _meta_refs(text: str) -> set[str]:
    return {a or b for a, b in _META_REF.findall(text)}


# Quarto options (HTML or general) this engine does not implement: reported even in a project
# with filters, where other unknown top-level keys are taken for the book's own metadata.
QUARTO_IGNORED = frozenset({
    "css", "theme", "reader-mode", "code-tools", "code-link", "code-annotations", "grid",
    "page-layout", "title-block-banner", "title-block-style", "highlight-style", "mermaid",
    "website", "comments", "google-analytics", "cookie-consent", "search", "favicon",
    "navbar", "sidebar", "page-footer", "repo-url", "repo-actions", "sharing", "downloads",
    "margin-header", "margin-footer", "bread-crumbs", "page-navigation",
    "back-to-top-navigation", "appendix-style", "lightbox", "fig-cap-location",
    "tbl-cap-location", "cap-location", "embed-resources", "self-contained", "minimal",
    "link-external-icon", "link-external-newwindow", "link-external-filter", "include-in-body",
    "max-width", "mainfont-html", "fontcolor", "backgroundcolor", "monobackgroundcolor",
    "html-table-processing", "other-links", "code-links", "notebook-links", "csl",
    "template", "template-partials", "format-links", "keep-md", "df-print"})


class _Lazy:
    """Line numbers on demand: the line-aware parse is slow, and most configs are clean."""

    def __init__(self, text: str, file: Path, offset: int = 0):
        self.text, self.file, self.offset = text, file, offset
        self._where: Any = None

    def line(self, *keys: Any) -> int | None:
        if self._where is None:
            self._where = _parse_yaml(self.text, self.file, line_offset=self.offset)[1]
        return self._where.line(*keys)


# Options honoured with one value only: what the engine always does (`citeproc: true`, it
# processes citations anyway); the other value would be ignored, so it stays a warning.
ALWAYS = {"citeproc": True}


def _fixed(key: str, value: Any, path: tuple[str, ...], where: Any, out: list[Problem],
           label: str) -> None:
    """A value asking for what the engine never does (`code-copy: false`) is reported."""
    accepted, does = FIXED[key]
    if value in accepted or (isinstance(value, str) and value.lower() in accepted):
        return
    name = ".".join([*path, key])
    value = str(value).lower() if isinstance(value, bool) else value
    out.append(Problem("warning", f"{label} option '{name}: {value}' is not supported: this "
                       f"engine {does}; ignored", where.file, where.line(*path, key)))


def _check(data: dict[str, Any], known: frozenset[str] | set[str], path: tuple[str, ...],
           where: Any, out: list[Problem], lenient: bool, label: str) -> None:
    for key, value in data.items():
        if isinstance(key, str) and key in known and key in FIXED:
            _fixed(key, value, path, where, out, label)
        if isinstance(key, str) and key in known and key in SECTIONS and isinstance(value, dict):
            _check(value, SECTIONS[key], (*path, key), where, out, False, label)
        if not isinstance(key, str) or key in known or key in OTHER_FORMAT_KEYS:
            continue
        if key in ALWAYS and data[key] == ALWAYS[key]:
            continue
        if lenient and not path and key not in QUARTO_IGNORED:
            continue  # a book's own metadata, which a Lua filter may read
        name = ".".join([*path, key])
        out.append(Problem("warning", f"{label} option '{name}' is not supported by this "
                           "engine and is ignored", where.file, where.line(*path, key)))


def _knitr_chunk_options(data: dict[str, Any], where: Any, out: list[Problem]) -> None:
    """`knitr: opts_chunk:` of `_quarto.yml`: options the engine does not act on.

    (A chapter's own `knitr:` is checked when the chapter is scanned.)"""
    knitr = data.get("knitr")
    opts = knitr.get("opts_chunk") if isinstance(knitr, dict) else None
    for key, value in (opts if isinstance(opts, dict) else {}).items():
        name = quarto_name(str(key))
        why = f"option '{key}' is not supported by this engine and is ignored" \
            if name not in HONOURED else bad_value(name, value) if value is not None else None
        if why:
            out.append(Problem("warning", f"project knitr opts_chunk {why}", where.file,
                               where.line("knitr", "opts_chunk", key)))


def _check_formats(fmt: Any, where: Any, out: list[Problem], label: str) -> None:
    if not isinstance(fmt, dict):
        return
    for name, value in fmt.items():
        base = str(name).split("+")[0].split("-")[0]
        if base in OTHER_FORMATS:
            continue
        if base != "html":
            out.append(Problem("warning", f"{label} format '{name}' is not built by this "
                               "engine (HTML only; see `mlsys build book --to pdf|epub`)",
                               where.file, where.line("format", name)))
        elif isinstance(value, dict):
            _check(value, HTML, ("format", str(name)), where, out, False, label)


def _get_type(data: dict[str, Any]) -> Any:
    proj = data.get("project")
    return proj.get("type") if isinstance(proj, dict) else None


def project_option_problems(project: Project, used: set[str] | None = None) -> list[Problem]:
    """Warnings for every option of `_quarto.yml` (and its profiles) the engine ignores."""
    files = [f for f in (project.root / "_quarto.yml", project.root / "_quarto.yaml")
             if f.is_file()][:1]
    for name in (project.profile or "").split(","):
        files += [f for f in (project.root / f"_quarto-{name}.yml",
                              project.root / f"_quarto-{name}.yaml") if name and f.is_file()]
    lenient = bool(filter_items(project.config))
    out: list[Problem] = []
    for file in files:
        text = file.read_text(encoding="utf-8")
        data, where = load_yaml(text), _Lazy(text, file)
        if not isinstance(data, dict):
            continue
        website = {"website"} if _get_type(data) == "website" else set()
        _check(data, PROJECT | website | (used or set()), (), where, out, lenient, "project")
        sections = [("book", BOOK), ("project", PROJECT_SECTION)]
        if _get_type(data) == "website":
            sections.append(("website", WEBSITE))
        for section, known in sections:
            if isinstance(data.get(section), dict):
                _check(data[section], known, (section,), where, out, False, "project")
        _check_formats(data.get("format"), where, out, "project")
        _knitr_chunk_options(data, where, out)
    return out


def document_option_problems(path: Path, text: str, has_filters: bool) -> list[Problem]:
    """Warnings for the front matter options of one chapter that the engine ignores."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---":
        return []
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        return []
    block = "\n".join(lines[1:end])
    data = load_yaml(block)
    if not isinstance(data, dict):
        return []
    where = _Lazy(block, path, 1)
    out: list[Problem] = []
    lenient = has_filters or bool(filter_items(data))
    used = _meta_refs(text)
    _check(data, DOCUMENT | used, (), where, out, lenient, "document")
    _check_formats(data.get("format"), where, out, "document")
    return out


def option_problems(project: Project, chapters: list[Any]) -> list[Problem]:
    """The ignored options of the project and of the chapters being built."""
    has_filters = bool(filter_items(project.config))
    texts: dict[Path, str] = {}
    for ref in project.chapters:
        try:
            texts[ref.path] = ref.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue  # reading the chapter reports this
    used = {name for text in texts.values() for name in _meta_refs(text)}
    out = project_option_problems(project, used)
    for ref in chapters:
        if ref.path in texts:
            out += document_option_problems(ref.path, texts[ref.path], has_filters)
    return out
