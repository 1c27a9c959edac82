"""Phase 1 of execution: expand includes, find cells and inline expressions, resolve options.

The scan decides everything a run depends on (the plan), so the freeze cache can be keyed by
the plan alone and a warm build never needs a kernel or R.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlsys.execute.knitr_opts import (
    opts_chunk_calls,
    quarto_name,
    sourced_files,
    yaml_defaults,
)
from mlsys.include import Loc, expand_includes
from mlsys.model import BuildError, Problem
from mlsys.project import Project, load_yaml, read_front_matter

DEFAULT_KERNEL = "python3"

# The languages this engine runs; any other `{name}` cell is shown as code, with a warning.
ENGINES = {"python": "python", "python3": "python", "r": "r"}
# `engine:` values in front matter: jupyter runs `{python}` cells, knitr runs `{r}` cells
KNOWN_ENGINES = {"jupyter", "knitr", "markdown"}

# group 4: options on the fence, Quarto style (`{python #fig-x echo=false}`) or knitr style
# (`{r setup, echo=FALSE}`)
CELL_FENCE = re.compile(r"^(\s*)(`{3,})\s*\{([A-Za-z][\w+-]*)([\s,][^}]*)?\}\s*$")
ANY_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
ESCAPED_FENCE = re.compile(r"^(\s*)(`{3,})\s*\{\{([A-Za-z][^}]*)\}\}\s*$")
# inline `{python} expr` / `{r} expr`: group 2 is the language, group 3 the expression
INLINE = re.compile(r"(?<!`)(`+)\{(python|r)\}[ \t]+(.+?)(?<!`)\1(?!`)")
OPTION = re.compile(r"^\s*#\|\s?(.*)$")

# Cell options the engine acts on (at cell level, or as knitr `opts_chunk` defaults); any
# other cell option is reported at its line as "not supported, ignored".
HONOURED = frozenset({
    "echo", "eval", "include", "output", "warning", "message", "error", "results", "comment",
    "cache", "fig-asp",  # (every result is cached: the freeze cache)
    "fig-width", "fig-height", "fig-cap", "fig-alt", "fig-subcap", "dev", "dpi", "label",
    "classes", "column", "code-fold", "code-summary", "layout-ncol", "layout-nrow", "tbl-cap",
    "lst-cap", "lst-label", "fig-align", "out-width", "out-height", "collapse", "fig-show",
    "code-line-numbers", "code-overflow"})
# Cell options a chapter's front matter (top level or `format: html:`) or `_quarto.yml` sets
# for every cell of the chapter.
DOC_CELL_OPTIONS = ("code-fold", "code-summary", "code-line-numbers", "code-overflow",
                    "fig-align", "fig-asp", "out-width", "out-height")
# Options whose value must be one of a few words: anything else is reported and ignored.
CHOICES: dict[str, tuple[str, ...]] = {
    "fig-align": ("default", "left", "center", "right"),
    "fig-show": ("asis", "hold", "hide"),
    "results": ("markup", "asis", "hide", "hold", "false"),
    "code-overflow": ("scroll", "wrap"),
}
# out-width / out-height: a number (pixels), a percentage or a CSS length
SIZE = re.compile(r"^\d+(\.\d+)?(%|px|in|cm|mm|em|rem|pt|vw)?$")

# Options Quarto resolves per cell; values are the defaults before project/chapter config.
DEFAULTS: dict[str, Any] = {
    "echo": True,
    "eval": True,
    "output": True,
    "warning": True,
    "error": False,
    "include": True,
}


@dataclass
class Cell:
    """One executable cell as written in the chapter, with its resolved options."""

    index: int  # 0-based cell number within the chapter
    fence: int  # index of the opening fence in the expanded document
    close: int  # index of the closing fence
    fence_marks: str
    indent: str
    code: list[str]  # every line between the fences (option lines included)
    body_start: int  # offset into `code` of the first non-option line
    options: dict[str, Any]
    label: str | None
    lang: str = "python"  # "python", "r", or an engine we cannot run (shown as code)
    plan_index: int | None = None  # where this cell's result lives in the plan
    caption_exprs: dict[str, list[int]] = field(default_factory=dict)  # option -> plan indices


@dataclass
class Doc:
    """A scanned chapter: its expanded lines, cells, inline expressions and the run plan."""

    lines: list[str]
    locs: list[Loc]
    front_end: int  # index of the first body line (front matter is lines[:front_end])
    cells: list[Cell]
    inline: dict[int, list[tuple[re.Match[str], int]]]  # line index -> (match, plan index)
    # ("cell"|"expr", code, extra) in document order; extra["lang"] says who runs it
    plan: list[tuple[str, str, dict[str, Any]]]
    problems: list[Problem]
    kernel: str
    figsize: tuple[float, float] = (7.0, 5.0)  # inches, Quarto's HTML default
    escaped: dict[int, int] = field(default_factory=dict)  # ```{{python}} open -> close index
    cwd: Path | None = None  # where code runs (execute-dir)
    first_r: Loc | None = None  # the first R cell or inline R (for "R is missing")
    # knitr chunk-option defaults (`knitr: opts_chunk:`, then each `opts_chunk$set()` so far)
    knitr_defaults: dict[str, Any] = field(default_factory=dict)
    # lines that chapter-wide options rewrite: plain (not executed) code blocks' opening
    # fences get the `code-line-numbers` / `code-overflow` classes, images alone on their
    # line the `fig-align`: line index -> new line
    rewrites: dict[int, str] = field(default_factory=dict)


def fence_end(lines: list[str], start: int, marks: str) -> int:
    """Index of the line closing the fence opened at `start` (len(lines) if never closed)."""
    j = start + 1
    while j < len(lines) and not (
        lines[j].strip().startswith(marks) and not lines[j].strip().strip(marks[0])
    ):
        j += 1
    return j


def truthy(value: Any) -> bool:
    """Quarto's reading of a boolean option (YAML true, or the strings true/yes)."""
    return value is True or (isinstance(value, str) and value.lower() in ("true", "yes"))


def _parse_attr_options(attrs: str) -> dict[str, Any]:
    """Options written on the fence: ```{python echo=false #fig-x}, or knitr's
    ```{r label, fig.cap="..."} (a leading bare word is the label; `fig.cap` is `fig-cap`)."""
    out: dict[str, Any] = {}
    attrs = attrs or ""
    bare = re.match(r"[\s,]*([\w-]+)\s*(?:,|$)", attrs)
    if bare:
        out["label"] = bare.group(1)
    for token in re.findall(r"[\w.-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s,]+)|#[\w:.-]+|\.[\w-]+",
                           attrs):
        if token.startswith("#"):
            out["label"] = token[1:]
        elif "=" in token:
            key, value = (part.strip() for part in token.split("=", 1))
            key = key.replace(".", "-") if key.startswith(("fig.", "tbl.", "out.")) else key
            if value[:1] in "\"'":
                out[key] = value[1:-1]
            else:
                try:
                    out[key] = yaml.safe_load(value)
                except yaml.YAMLError:
                    out[key] = value
    return out


def _cell_options(code: list[str], file_loc: Loc, problems: list[Problem]) -> tuple[dict, int]:
    """Parse the leading `#|` option lines of a cell (they are YAML)."""
    opts: list[str] = []
    for line in code:
        m = OPTION.match(line)
        if not m:
            break
        opts.append(m.group(1))
    n = len(opts)
    if not opts:
        return {}, 0
    try:
        data = load_yaml("\n".join(opts))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = file_loc[1] + 1 + (mark.line if mark else 0)
        problems.append(Problem("error", f"invalid cell option: {exc.problem}", file_loc[0], line))
        return {}, n
    if data is None:
        return {}, n
    if not isinstance(data, dict):
        problems.append(Problem("error", "cell options must be 'key: value' lines",
                                file_loc[0], file_loc[1] + 1))
        return {}, n
    return data, n


def bad_value(key: str, value: Any) -> str | None:
    """Why `value` cannot be used for option `key` (None when it can)."""
    if key in CHOICES:
        word = "false" if value is False else str(value).lower()
        if word not in CHOICES[key]:
            return (f"option '{key}' must be one of {', '.join(CHOICES[key])}, got "
                    f"{value!r}; ignored")
    elif key == "code-line-numbers" and not isinstance(value, bool) and \
            str(value).lower() not in ("true", "false"):
        return (f"option 'code-line-numbers' highlights lines ({value!r}) only in slides; "
                "here it is true or false; ignored")
    elif key in ("out-width", "out-height") and not SIZE.match(str(value).strip()):
        return (f"option '{key}' must be a number of pixels, a percentage or a CSS length "
                f"(e.g. 70%, 300px, 4in), got {value!r}; ignored")
    return None


def valid_options(options: dict[str, Any], report: Callable[[str, str], None]
                  ) -> dict[str, Any]:
    """`options` without the values `bad_value` rejects; `report(key, why)` for each."""
    out = {}
    for key, value in options.items():
        why = bad_value(key, value) if value is not None else None
        if why:
            report(key, why)
        else:
            out[key] = value
    return out


def _option_offset(code: list[str], n_opts: int, key: str) -> int | None:
    """0-based line within the cell of the `#| key:` option line (None: on the fence)."""
    pattern = re.compile(rf"^\s*#\|\s*{re.escape(key)}\s*:")
    return next((k for k in range(n_opts) if pattern.match(code[k])), None)


def _own_options(code: list[str], n_opts: int, attr: dict[str, Any], opts: dict[str, Any],
                 fence: int, doc: Doc) -> dict[str, Any]:
    """The cell's own options (fence attributes, then `#|` lines), with each option the
    engine does not support, or a value it cannot use, reported at its line and dropped."""
    merged: dict[str, Any] = {}
    lines: dict[str, int] = {}
    for source in (attr, opts):
        for key, value in source.items():
            name = quarto_name(str(key))
            merged[name] = value
            at = _option_offset(code, n_opts, str(key)) if source is opts else None
            lines[name] = fence if at is None else fence + 1 + at

    def report(key: str, why: str) -> None:
        doc.problems.append(Problem("warning", f"cell {why}", *doc.locs[lines[key]]))

    for key in [k for k in merged if k not in HONOURED]:
        report(key, f"option '{key}' is not supported by this engine and is ignored")
        del merged[key]
    return valid_options(merged, report)


def _figsize(meta: dict[str, Any], project: Project, problems: list[Problem],
             path: Path) -> tuple[float, float]:
    """fig-width/fig-height from the chapter (its html format, then its top level), else the
    project's (the same order), else 7 x 5."""
    layers = []
    for source in (meta, project.config):
        fmt = source.get("format")
        html = fmt.get("html") if isinstance(fmt, dict) else None
        layers += [html if isinstance(html, dict) else {}, source]
    size = [7.0, 5.0]
    for i, key in enumerate(("fig-width", "fig-height")):
        value = next((layer[key] for layer in layers if key in layer), None)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            problems.append(Problem("error", f"{key} must be a positive number of inches, got "
                                    f"{value!r}", path, None))
            continue
        size[i] = float(value)
    return size[0], size[1]


@dataclass(frozen=True)
class _Settings:
    """What the chapter's and project's config decide for every cell of the chapter."""

    base: dict[str, Any]
    enabled: bool
    engine_ok: bool  # False for an `engine:` we cannot run: every cell is shown as code
    code_classes: tuple[str, ...] = ()  # what chapter-wide code options add to every block
    fig_align: str | None = None  # chapter-wide fig-align (left, center, right)


def _front_line(lines: list[str], front_end: int, key: str) -> int:
    """0-based index of `key:` in the front matter (0 when not found)."""
    for i in range(front_end):
        if lines[i].startswith(f"{key}:"):
            return i
    return 0


def _html_options(meta: dict[str, Any], project: Project) -> dict[str, Any]:
    """Cell options (`DOC_CELL_OPTIONS`) set for the whole project or chapter (top level or
    under `format: html:`), the defaults every cell of the chapter starts from."""
    found: dict[str, Any] = {}
    for source in (project.config, meta):
        fmt = source.get("format")
        html = fmt.get("html") if isinstance(fmt, dict) else None
        for layer in (source, html if isinstance(html, dict) else {}):
            found.update({k: layer[k] for k in DOC_CELL_OPTIONS if k in layer})
    return found


def _cell_figsize(options: dict[str, Any], default: tuple[float, float], loc: Loc,
                  problems: list[Problem]) -> list[float] | None:
    """A Python cell's figure size in inches, when its options change the chapter's (its own
    `fig-width` / `fig-height`, knitr defaults, or a height from `fig-asp`)."""
    if "fig-width" not in options and "fig-height" not in options:
        return None
    size = list(default)
    for i, key in enumerate(("fig-width", "fig-height")):
        value = options.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            problems.append(Problem("error", f"{key} must be a positive number of inches, got "
                                    f"{value!r}", loc[0], loc[1] + 1))
            return None
        size[i] = float(value)
    return size


def _doc_reporter(meta: dict[str, Any], project: Project, doc: Doc,
                  section: str | None = None) -> Callable[[str, str], None]:
    """Report a problem with an option set in the chapter's front matter (at its line) or
    else in `_quarto.yml`; `section` is the top-level key the option sits under."""

    fmt = meta.get("format")
    html = fmt.get("html") if isinstance(fmt, dict) else None

    def report(key: str, why: str) -> None:
        top = section or key
        if top not in meta and section is None and isinstance(html, dict) and key in html:
            top = "format"
        if top in meta:
            file, line = doc.locs[_front_line(doc.lines, doc.front_end, top)]
        else:
            file, line = project.root / "_quarto.yml", None
        doc.problems.append(Problem("warning", why, file, line))

    return report


def _knitr_yaml(meta: dict[str, Any], project: Project, doc: Doc) -> dict[str, Any]:
    """`knitr: opts_chunk:` defaults of the project and chapter, without the options the
    engine does not support or values it cannot use. The chapter's are reported here; the
    project's once for the whole book, by `mlsys.options`."""
    report = _doc_reporter(meta, project, doc, "knitr")
    own = yaml_defaults(meta)

    def chapter_only(key: str, why: str) -> None:
        if key in own:
            report(key, f"knitr opts_chunk {why}")

    found = yaml_defaults(project.config, meta)
    for key in [k for k in found if k not in HONOURED]:
        chapter_only(key, f"option '{key}' is not supported by this engine and is ignored")
        del found[key]
    return valid_options(found, chapter_only)


def _settings(meta: dict[str, Any], project: Project, doc: Doc) -> _Settings:
    """Resolve execute options (project, then chapter) and check the chapter's engine."""
    base = dict(DEFAULTS)
    base.update({k: v for k, v in project.execute_options.items() if k in DEFAULTS})
    chapter_exec = meta.get("execute") if isinstance(meta.get("execute"), dict) else {}
    base.update({k: v for k, v in chapter_exec.items() if k in DEFAULTS})
    base.update(valid_options(_html_options(meta, project), _doc_reporter(meta, project, doc)))
    enabled = project.execute_options.get("enabled", True) and chapter_exec.get("enabled", True)
    engine = meta.get("engine")
    if engine is not None and str(engine) not in KNOWN_ENGINES:
        file, line = doc.locs[_front_line(doc.lines, doc.front_end, "engine")]
        doc.problems.append(Problem(
            "warning", f"unsupported engine '{engine}': its cells are shown as code, not run "
            f"(supported: {', '.join(sorted(KNOWN_ENGINES))})", file, line))
    classes = ("number-lines",) if truthy(base.get("code-line-numbers")) else ()
    if str(base.get("code-overflow", "")).lower() == "wrap":
        classes += ("code-overflow-wrap",)
    align = str(base.get("fig-align", "default")).lower()
    return _Settings(base, bool(enabled), engine is None or str(engine) in KNOWN_ENGINES,
                     classes, align if align != "default" else None)


def _execute_dir(meta: dict[str, Any], project: Project, path: Path, doc: Doc) -> Path:
    """Where code runs: the chapter's folder (`execute-dir: file`) or the project root."""
    proj = project.config.get("project")
    value = proj.get("execute-dir") if isinstance(proj, dict) else None
    value = meta.get("execute-dir", value)
    if value in (None, "file"):
        return path.parent
    if value == "project":
        return project.root.resolve()
    file, line = doc.locs[_front_line(doc.lines, doc.front_end, "execute-dir")]
    doc.problems.append(Problem("warning", f"execute-dir must be 'file' or 'project', got "
                                f"{value!r}; running in the chapter's folder", file, line))
    return path.parent


def _kernel_name(meta: dict[str, Any], project: Project) -> str:
    kernel = meta.get("jupyter") or project.config.get("jupyter") or DEFAULT_KERNEL
    if isinstance(kernel, dict):
        kernel = kernel.get("kernelspec", {}).get("name", DEFAULT_KERNEL)
    return str(kernel)


def scan(path: Path, project: Project) -> Doc:
    """Expand includes, resolve execute options, and list cells and inline expressions."""
    expanded = expand_includes(path, project.root)
    problems = list(expanded.problems)
    lines, locs = expanded.lines, expanded.locs
    meta: dict[str, Any] = {}
    front_end = 0
    try:
        meta, body_start = read_front_matter(path, "\n".join(lines) + "\n")
        front_end = body_start - 1
    except BuildError as exc:
        # read_front_matter counted lines of the expanded text; the front matter precedes any
        # include, so those line numbers are the chapter's own.
        problems.extend(exc.problems)
    doc = Doc(lines, locs, front_end, [], {}, [], problems, _kernel_name(meta, project),
              _figsize(meta, project, problems, path))
    settings = _settings(meta, project, doc)
    doc.cwd = _execute_dir(meta, project, path, doc)
    doc.knitr_defaults = _knitr_yaml(meta, project, doc)
    i = front_end
    while i < len(lines):
        i = _scan_line(doc, i, settings)
    return doc


def _scan_line(doc: Doc, i: int, settings: _Settings) -> int:
    """Scan the construct starting at line `i`; return the index of the next line to scan."""
    lines = doc.lines
    cell = CELL_FENCE.match(lines[i])
    if cell:
        return _scan_cell(doc, i, cell, settings) + 1
    other = ANY_FENCE.match(lines[i])
    if other:
        if ESCAPED_FENCE.match(lines[i]):
            doc.escaped[i] = fence_end(lines, i, other.group(1))
            return doc.escaped[i] + 1
        rewritten = _with_classes(lines[i], settings.code_classes)
        if rewritten:
            doc.rewrites[i] = rewritten
        return fence_end(lines, i, other.group(1)) + 1
    if settings.fig_align and (image := _LONE_IMAGE.match(lines[i])) and \
            "fig-align" not in (image.group(3) or ""):
        attrs = f'{(image.group(3) or "")[1:-1]} fig-align="{settings.fig_align}"'.strip()
        doc.rewrites[i] = f"{image.group(1)}{image.group(2)}{{{attrs}}}"
    if settings.enabled and "`{" in lines[i]:
        for m in INLINE.finditer(lines[i]):
            doc.inline.setdefault(i, []).append((m, len(doc.plan)))
            _plan_expr(doc, m, doc.locs[i])
    return i + 1


# a markdown image alone on its line (a figure when captioned), with its attributes
_LONE_IMAGE = re.compile(r"^(\s*)(!\[.*\]\([^)]*\))(\{[^}]*\})?\s*$")
_PLAIN_FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*(\{[^}]*\}|[\w+#.-]+)?\s*$")


def _with_classes(line: str, classes: tuple[str, ...]) -> str | None:
    """A plain code block's opening fence with `classes` added (None: nothing to add, or a
    raw block such as ```{=html}, which is not code)."""
    m = _PLAIN_FENCE.match(line) if classes else None
    info = (m.group(3) or "") if m else "{="
    if not m or info.startswith("{="):
        return None
    add = " ".join(f".{c}" for c in classes)
    if info.startswith("{"):
        attrs = f"{info[:-1].rstrip()} {add}}}"
    else:
        attrs = f"{{.{info} {add}}}" if info else f"{{{add}}}"
    return f"{m.group(1)}{m.group(2)} {attrs}"


def _plan_expr(doc: Doc, m: re.Match[str], loc: Loc) -> None:
    lang = m.group(2)
    if lang == "r" and doc.first_r is None:
        doc.first_r = loc
    # Python entries keep their historical shape (and so their freeze-cache keys)
    doc.plan.append(("expr", m.group(3).strip(), {"lang": lang} if lang != "python" else {}))


def _scan_cell(doc: Doc, i: int, cell: re.Match[str], settings: _Settings) -> int:
    """Record the cell opened at line `i` (and plan its run); return its closing line."""
    lines, locs, problems = doc.lines, doc.locs, doc.problems
    marks = cell.group(2)
    j = fence_end(lines, i, marks)
    if j >= len(lines):
        problems.append(Problem("error", "code cell is not closed", *locs[i]))
    code = lines[i + 1 : j]
    opts, n_opts = _cell_options(code, locs[i], problems)
    lang = ENGINES.get(cell.group(3).lower(), cell.group(3))
    own = _own_options(code, n_opts, _parse_attr_options(cell.group(4) or ""), opts, i, doc)
    options = _resolve_options(doc, settings, lang, own)
    runnable = lang in ("python", "r") and settings.engine_ok
    if lang not in ("python", "r"):
        problems.append(Problem("warning", f"unsupported cell engine '{{{cell.group(3)}}}': "
                                "the cell is shown as code, not run", *locs[i]))
    if not settings.enabled or not runnable:
        options["eval"] = False
    label = options.get("label") or options.get("lst-label")
    c = Cell(len(doc.cells), i, j, marks, cell.group(1), code, n_opts, options,
             str(label) if label else None, lang)
    if lang == "r" and doc.first_r is None:
        doc.first_r = locs[i]
    if truthy(options["eval"]):
        c.plan_index = len(doc.plan)
        indent = cell.group(1)
        # option lines are not sent, so traceback line numbers match the code shown
        body = "\n".join(ln[len(indent):] if ln.startswith(indent) else ln.lstrip()
                         for ln in code[n_opts:])
        extra = _cell_extra(options, lang)
        if lang == "python":  # R draws at fig-width/fig-height itself (see _cell_extra)
            size = _cell_figsize(options, doc.figsize, locs[i], problems)
            if size is not None:
                extra["figsize"] = size
        doc.plan.append(("cell", body, extra))
        if lang == "r" and ("opts_chunk" in body or "source" in body):
            _opts_chunk(doc, body, i + 1 + n_opts)
    for key in ("fig-cap", "tbl-cap", "fig-alt", "lst-cap"):
        value = options.get(key)
        if isinstance(value, str) and settings.enabled:
            for m in INLINE.finditer(value):
                c.caption_exprs.setdefault(key, []).append(len(doc.plan))
                _plan_expr(doc, m, locs[i])
    doc.cells.append(c)
    return j


def _resolve_options(doc: Doc, settings: _Settings, lang: str, own: dict[str, Any]
                     ) -> dict[str, Any]:
    """A cell's options: the chapter's, then knitr's defaults, then the cell's own.

    knitr's defaults reach every cell of a knitr document (Quarto runs Python through knitr
    too once a chapter has R cells)."""
    knitr = doc.knitr_defaults if doc.first_r is not None or lang == "r" else {}
    options = {**settings.base, **knitr, **own}
    _knitr_results(options)
    asp = options.get("fig-asp")
    if isinstance(asp, int | float) and not isinstance(asp, bool) and asp > 0 \
            and "fig-height" not in own:  # knitr: height = width x aspect ratio
        options["fig-height"] = float(options.get("fig-width", doc.figsize[0])) * asp
    return options


def _knitr_results(options: dict[str, Any]) -> None:
    """knitr's `results:` in Quarto's terms: `asis` and `hide` set `output:` (unless the
    cell sets `output:` itself); `hold` is applied when outputs are laid out."""
    results = str(options.get("results", "")).lower()
    if results in ("asis", "hide", "false") and options.get("output", True) is True:
        options["output"] = "asis" if results == "asis" else False


def _opts_chunk(doc: Doc, body: str, first_line: int) -> None:
    """Apply an R cell's `opts_chunk$set(...)` to the cells after it (as knitr does), also
    when it is in a file the cell `source()`s (resolved from where the code runs)."""
    found = [(first_line + c.line, c, "") for c in opts_chunk_calls(body)]
    for offset, name in sourced_files(body):
        script = (doc.cwd or Path(".")) / name
        if script.is_file() and "opts_chunk" in (text := script.read_text(errors="replace")):
            found += [(first_line + offset, c, f" (in {name})") for c in opts_chunk_calls(text)]
    for at, call, where in sorted(found, key=lambda f: f[0]):
        file, line = doc.locs[at]

        def report(_key: str, why: str, where: str = where, file: Path = file,
                   line: int = line) -> None:
            doc.problems.append(Problem("warning", f"opts_chunk$set(){where}: {why}", file,
                                        line))

        usable = valid_options({k: v for k, v in call.options.items() if k in HONOURED},
                               report)
        doc.knitr_defaults.update({k: v for k, v in usable.items() if v is not None})
        for k in [k for k, v in call.options.items() if v is None]:
            doc.knitr_defaults.pop(k, None)  # `NULL` / `NA`: back to the default
        for name in sorted(set(call.options) - HONOURED):
            doc.problems.append(Problem(
                "warning", f"opts_chunk$set(){where}: knitr option '{name}' is not supported "
                "by this engine and is ignored", file, line))
        for arg in call.unread:
            doc.problems.append(Problem(
                "warning", f"opts_chunk$set(){where}: '{arg}' is not a literal value, so it cannot be "
                "applied before the cells run; ignored", file, line))


def _cell_extra(options: dict[str, Any], lang: str) -> dict[str, Any]:
    """What a runner needs besides the code; part of the cache key, so keep it minimal."""
    extra: dict[str, Any] = {"error": truthy(options["error"])}
    if lang != "python":
        # Python cells keep their historical plan entries (and so their cache keys)
        extra["lang"] = lang
        for key in ("fig-width", "fig-height", "dpi", "dev"):
            if key in options:
                extra[key] = options[key]
    return extra
