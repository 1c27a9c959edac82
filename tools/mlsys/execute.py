"""Run a chapter's `{python}` cells and inline `` `{python} expr` `` in a Jupyter kernel.

The output is plain pandoc markdown in which every cell became its code and outputs, the way
Quarto lays them out, so the parse stage needs to know nothing about Jupyter. Execution is the
slow part of a book build (a kernel start alone is ~0.5 s), so results are kept in a freeze
cache keyed only by what can change them — the code, never the prose — and a chapter whose code
did not change is rebuilt without starting a kernel.

Three phases keep this testable and the cache honest:
1. scan: expand includes, find cells and inline expressions, resolve each cell's options;
2. run: execute the plan (cells and inline expressions in document order) or load it from cache;
3. emit: turn the scanned document plus the results into markdown and a line map.
"""

from __future__ import annotations

import ast
import base64
import glob
import hashlib
import json
import os
import queue
import re
import shutil
import subprocess
import tempfile
import textwrap
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from mlsys.include import Loc, expand_includes
from mlsys.model import BuildError, Problem
from mlsys.project import Project, load_yaml, read_front_matter

CACHE_VERSION = "exec-v1"
DEFAULT_KERNEL = "python3"

_CELL_FENCE = re.compile(r"^(\s*)(`{3,})\s*\{python(?:3)?(\s[^}]*)?\}\s*$")
_ANY_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_ESCAPED_FENCE = re.compile(r"^(\s*)(`{3,})\s*\{\{(python[^}]*)\}\}\s*$")
_INLINE = re.compile(r"(?<!`)(`+)\{python\}[ \t]+(.+?)(?<!`)\1(?!`)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_IN = re.compile(r"Cell In\s*\[(\d+)\],\s*line (\d+)")
_OPTION = re.compile(r"^\s*#\|\s?(.*)$")


def _cell_timeout() -> float:
    """Seconds one cell or inline expression may run (MLSYS_CELL_TIMEOUT, default 600)."""
    try:
        return float(os.environ.get("MLSYS_CELL_TIMEOUT", "600"))
    except ValueError:
        return 600.0


# Options Quarto resolves per cell; values are the defaults before project/chapter config.
_DEFAULTS: dict[str, Any] = {
    "echo": True,
    "eval": True,
    "output": True,
    "warning": True,
    "error": False,
    "include": True,
}


@dataclass
class ExecutedChapter:
    """A chapter after execution: what the parse stage reads, plus how to locate its lines."""

    markdown: str  # pandoc markdown, cells replaced by outputs, includes expanded
    line_map: list[tuple[Path, int]]  # line_map[i] = (original file, original line) of line i+1
    resources: dict[str, Path]  # href relative to the chapter's output dir -> file on disk
    problems: list[Problem]
    executed: bool  # False when served from the freeze cache or when there was no code
    # sha256 of the chapter's source with includes expanded: the pipeline keys the chapter's
    # cross-reference index by it, so a partial build can reuse it without executing
    source_digest: str = ""
    # labels of cells that raised: their figures/tables never appeared, so a reference to one
    # is a knock-on of the failure already reported, not a problem of its own
    failed_labels: tuple[str, ...] = ()


def source_digest(lines: list[str]) -> str:
    """Digest of a chapter's expanded source lines (what `ExecutedChapter.source_digest` holds)."""
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def source_location(ch: ExecutedChapter, line: int) -> tuple[Path, int]:
    """Map a 1-based line of `ch.markdown` back to the original file and line."""
    if not ch.line_map:
        raise ValueError("chapter has no lines")
    index = min(max(line, 1), len(ch.line_map)) - 1
    return ch.line_map[index]


# --------------------------------------------------------------------------------------------
# Phase 1: scan


@dataclass
class _Cell:
    index: int  # 0-based cell number within the chapter
    fence: int  # index of the opening fence in the expanded document
    close: int  # index of the closing fence
    fence_marks: str
    indent: str
    code: list[str]  # every line between the fences (option lines included)
    body_start: int  # offset into `code` of the first non-option line
    options: dict[str, Any]
    label: str | None
    plan_index: int | None = None  # where this cell's result lives in the plan
    caption_exprs: dict[str, list[int]] = field(default_factory=dict)  # option -> plan indices


@dataclass
class _Doc:
    lines: list[str]
    locs: list[Loc]
    front_end: int  # index of the first body line (front matter is lines[:front_end])
    cells: list[_Cell]
    inline: dict[int, list[tuple[re.Match[str], int]]]  # line index -> (match, plan index)
    plan: list[tuple[str, str, dict[str, Any]]]  # ("cell"|"expr", code, extra) in order
    problems: list[Problem]
    kernel: str
    figsize: tuple[float, float] = (7.0, 5.0)  # inches, Quarto's HTML default
    escaped: dict[int, int] = field(default_factory=dict)  # ```{{python}} open -> close index


def _fence_end(lines: list[str], start: int, marks: str) -> int:
    """Index of the line closing the fence opened at `start` (len(lines) if never closed)."""
    j = start + 1
    while j < len(lines) and not (
        lines[j].strip().startswith(marks) and not lines[j].strip().strip(marks[0])
    ):
        j += 1
    return j


def _parse_attr_options(attrs: str) -> dict[str, Any]:
    """Options written on the fence, e.g. ```{python echo=false #fig-x}."""
    out: dict[str, Any] = {}
    for token in re.findall(r"[\w.-]+=(?:\"[^\"]*\"|'[^']*'|\S+)|#[\w:.-]+|\.[\w-]+", attrs or ""):
        if token.startswith("#"):
            out["label"] = token[1:]
        elif "=" in token:
            key, value = token.split("=", 1)
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
    n = 0
    for line in code:
        m = _OPTION.match(line)
        if not m:
            break
        opts.append(m.group(1))
        n += 1
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


def _truthy(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.lower() in ("true", "yes"))


def _cell_figsize(opts: dict[str, Any], default: tuple[float, float], loc: Loc,
                  problems: list[Problem]) -> list[float] | None:
    """A cell's own `fig-width` / `fig-height` (inches), when it sets either."""
    if "fig-width" not in opts and "fig-height" not in opts:
        return None
    size = list(default)
    for i, key in enumerate(("fig-width", "fig-height")):
        value = opts.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            problems.append(Problem("error", f"{key} must be a positive number of inches, got "
                                    f"{value!r}", loc[0], loc[1] + 1))
            return None
        size[i] = float(value)
    return size


# Run around a cell with its own fig-width/fig-height: matplotlib draws it at that size.
_SET_FIGSIZE = ("import matplotlib as _mlsys_mpl\n"
                "_mlsys_figsize = _mlsys_mpl.rcParams['figure.figsize']\n"
                "_mlsys_mpl.rcParams['figure.figsize'] = ({}, {})")
_RESET_FIGSIZE = "_mlsys_mpl.rcParams['figure.figsize'] = _mlsys_figsize"


def _html_options(meta: dict[str, Any], project: Project) -> dict[str, Any]:
    """`code-fold` / `code-summary` set for the whole project or chapter (top level or under
    `format: html:`), the defaults every cell of the chapter starts from."""
    found: dict[str, Any] = {}
    for source in (project.config, meta):
        fmt = source.get("format")
        html = fmt.get("html") if isinstance(fmt, dict) else None
        for layer in (source, html if isinstance(html, dict) else {}):
            found.update({k: layer[k] for k in ("code-fold", "code-summary") if k in layer})
    return found


def _scan(path: Path, project: Project) -> _Doc:
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
    base = dict(_DEFAULTS)
    base.update({k: v for k, v in project.execute_options.items() if k in _DEFAULTS})
    chapter_exec = meta.get("execute") if isinstance(meta.get("execute"), dict) else {}
    base.update({k: v for k, v in chapter_exec.items() if k in _DEFAULTS})
    base.update(_html_options(meta, project))
    enabled = project.execute_options.get("enabled", True) and chapter_exec.get("enabled", True)
    kernel = meta.get("jupyter") or project.config.get("jupyter") or DEFAULT_KERNEL
    if isinstance(kernel, dict):
        kernel = kernel.get("kernelspec", {}).get("name", DEFAULT_KERNEL)

    doc = _Doc(lines, locs, front_end, [], {}, [], problems, str(kernel),
               _figsize(meta, project, problems, path))
    i = front_end
    while i < len(lines):
        line = lines[i]
        cell = _CELL_FENCE.match(line)
        if cell:
            marks = cell.group(2)
            j = _fence_end(lines, i, marks)
            if j >= len(lines):
                problems.append(Problem("error", "code cell is not closed", *locs[i]))
            code = lines[i + 1 : j]
            opts, n_opts = _cell_options(code, locs[i], problems)
            attr_opts = _parse_attr_options(cell.group(3) or "")
            options = {**base, **attr_opts, **opts}
            if not enabled:
                options["eval"] = False
            label = options.get("label") or options.get("lst-label")
            c = _Cell(len(doc.cells), i, j, marks, cell.group(1), code, n_opts, options,
                      str(label) if label else None)
            if _truthy(options["eval"]):
                c.plan_index = len(doc.plan)
                indent = cell.group(1)
                # option lines are not sent, so traceback line numbers match the code shown
                body = "\n".join(ln[len(indent):] if ln.startswith(indent) else ln.lstrip()
                                 for ln in code[n_opts:])
                extra: dict[str, Any] = {"error": _truthy(options["error"])}
                size = _cell_figsize({**attr_opts, **opts}, doc.figsize, locs[i], problems)
                if size is not None:
                    extra["figsize"] = size
                doc.plan.append(("cell", body, extra))
            for key in ("fig-cap", "tbl-cap", "fig-alt", "lst-cap"):
                value = options.get(key)
                if isinstance(value, str) and enabled:
                    for m in _INLINE.finditer(value):
                        c.caption_exprs.setdefault(key, []).append(len(doc.plan))
                        doc.plan.append(("expr", m.group(2).strip(), {}))
            doc.cells.append(c)
            i = j + 1
            continue
        other = _ANY_FENCE.match(line)
        if other:
            if _ESCAPED_FENCE.match(line):
                doc.escaped[i] = _fence_end(lines, i, other.group(1))
                i = doc.escaped[i] + 1
                continue
            i = _fence_end(lines, i, other.group(1)) + 1
            continue
        if "{python}" in line and enabled:
            for m in _INLINE.finditer(line):
                doc.inline.setdefault(i, []).append((m, len(doc.plan)))
                doc.plan.append(("expr", m.group(2).strip(), {}))
        i += 1
    return doc


# --------------------------------------------------------------------------------------------
# Phase 2: run (or load from the freeze cache)


def _cache_key(doc: _Doc, path: Path, project: Project) -> str:
    """Everything that can change an execution result, and nothing else (prose is not here).

    Code can also read files the chapter does not mention (the book's numbers come from
    mlsysim's data), so the project may list them under `mlsys: execute-depends:` (globs
    relative to the project root); their contents are part of every chapter's key.
    """
    h = hashlib.sha256()
    try:
        rel = path.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        rel = path.resolve().as_posix()
    h.update(json.dumps([CACHE_VERSION, doc.kernel, rel, doc.plan, doc.figsize, project.profile,
                         depends_digest(project)]).encode())
    return h.hexdigest()


_DIGESTS: dict[Path, tuple[tuple[int, int, int], str]] = {}  # file -> (stat stamp, sha256)
_DIGESTS_LOCK = threading.Lock()


def _file_digest(path: Path) -> str:
    """sha256 of a file, re-read only when its mtime or size changed (builds hash it often)."""
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_size)
    with _DIGESTS_LOCK:
        known = _DIGESTS.get(path)
    if known and known[0] == stamp:
        return known[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with _DIGESTS_LOCK:
        _DIGESTS[path] = (stamp, digest)
    return digest


def depends_digest(project: Project) -> str:
    """Digest of the files named by `mlsys: execute-depends:` ("" when none are listed)."""
    cfg = project.config.get("mlsys")
    patterns = cfg.get("execute-depends") if isinstance(cfg, dict) else None
    if not patterns:
        return ""
    if isinstance(patterns, str):
        patterns = [patterns]
    h = hashlib.sha256()
    root = project.root.resolve()
    for pattern in patterns:
        h.update(f"\0{pattern}\0".encode())
        matches = glob.glob(os.path.join(root, str(pattern)), recursive=True)
        for name in sorted(m for m in matches if os.path.isfile(m)):
            rel = os.path.relpath(name, root)  # may climb out of the project: ../mlsysim/...
            h.update(f"{rel}:{_file_digest(Path(name))}\n".encode())
    return h.hexdigest()


_RC_LOCK = threading.Lock()
_RC_FILES: dict[tuple[float, float], Path] = {}


def _matplotlibrc(figsize: tuple[float, float]) -> Path:
    """A matplotlibrc for kernels: inline backend, the figure size, deterministic SVG ids.

    Handing matplotlib its settings through MATPLOTLIBRC (rather than a startup cell) keeps
    kernels of chapters without figures from paying for a matplotlib import.
    """
    with _RC_LOCK:
        rc = _RC_FILES.get(figsize)
        if rc is None or not rc.is_file():
            rc = Path(tempfile.mkdtemp(prefix="mlsys-mpl-")) / "matplotlibrc"
            rc.write_text(
                "backend: module://matplotlib_inline.backend_inline\n"
                f"figure.figsize: {figsize[0]}, {figsize[1]}\n"
                "svg.hashsalt: mlsys\n"
                "svg.fonttype: path\n"
            )
            _RC_FILES[figsize] = rc
        return rc


def _figsize(meta: dict[str, Any], project: Project, problems: list[Problem],
             path: Path) -> tuple[float, float]:
    """fig-width/fig-height from the chapter, else the project's html format, else 7 x 5."""
    html = project.config.get("format", {})
    html = html.get("html", {}) if isinstance(html, dict) else {}
    html = html if isinstance(html, dict) else {}
    size = [7.0, 5.0]
    for i, key in enumerate(("fig-width", "fig-height")):
        value = meta.get(key, html.get(key, project.config.get(key)))
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            problems.append(Problem("error", f"{key} must be a positive number of inches, got "
                                    f"{value!r}", path, None))
            continue
        size[i] = float(value)
    return size[0], size[1]


_STARTUP = "%config InlineBackend.figure_formats = ['svg']\n"


class _KernelStopped(Exception):
    """The kernel died or timed out: nothing later in the chapter can run."""


class _Kernel:
    """One Jupyter kernel for one chapter, started in the chapter's directory."""

    def __init__(self, kernel_name: str, cwd: Path, figsize: tuple[float, float] = (7.0, 5.0),
                 extra_env: dict[str, str] | None = None):
        from jupyter_client.manager import KernelManager

        self._sock_dir = tempfile.mkdtemp(prefix="mlsys-k-")
        self.km = KernelManager(kernel_name=kernel_name, transport="ipc",
                                ip=os.path.join(self._sock_dir, "k"))
        env = dict(os.environ)
        env.update({
            "MATPLOTLIBRC": str(_matplotlibrc(figsize)),
            "MPLBACKEND": "module://matplotlib_inline.backend_inline",
            "SOURCE_DATE_EPOCH": "0",
            "PYTHONHASHSEED": "0",  # set iteration order, so outputs are reproducible
            **(extra_env or {}),
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        })
        try:
            self.km.start_kernel(cwd=str(cwd), env=env, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        except Exception as exc:  # no such kernelspec, kernel binary missing, ...
            shutil.rmtree(self._sock_dir, ignore_errors=True)
            raise RuntimeError(f"cannot start Jupyter kernel '{kernel_name}': {exc}") from exc
        self.kc = self.km.client()
        self.kc.start_channels()
        try:
            self.kc.wait_for_ready(timeout=60)
        except RuntimeError as exc:
            self.close()
            raise RuntimeError(f"Jupyter kernel '{kernel_name}' did not start: {exc}") from exc
        self.kc.execute_interactive(_STARTUP, store_history=False, output_hook=lambda m: None,
                                    timeout=60)

    def _request(self, code: str, hook: Any, **kwargs: Any) -> dict[str, Any]:
        """Send one execute request; collect its outputs until the kernel is idle again.

        A hand-written loop rather than `execute_interactive`, so that a kernel that dies
        mid-cell (a segfault, `os._exit`) is noticed within a second instead of at the timeout.
        """
        msg_id = self.kc.execute(code, allow_stdin=False, stop_on_error=False, **kwargs)
        limit = _cell_timeout()
        deadline = time.monotonic() + limit
        idle = False
        while not idle:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.km.interrupt_kernel()
                raise _KernelStopped(f"TimeoutError: did not finish in {limit:g} s "
                                     "(set MLSYS_CELL_TIMEOUT to allow longer)")
            try:
                msg = self.kc.get_iopub_msg(timeout=min(1.0, remaining))
            except queue.Empty:
                if not self.km.is_alive():
                    raise _KernelStopped("KernelDied: the Python kernel died while running "
                                         "this code") from None
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status":
                idle = msg["content"]["execution_state"] == "idle"
            else:
                hook(msg)
        while True:
            try:
                reply = self.kc.get_shell_msg(timeout=max(1.0, deadline - time.monotonic()))
            except queue.Empty:
                raise _KernelStopped("KernelDied: no reply from the Python kernel") from None
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def run_cell(self, code: str) -> dict[str, Any]:
        outputs: list[dict[str, Any]] = []

        def hook(msg: dict[str, Any]) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append({"type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("display_data", "execute_result"):
                out = {"type": "display", "data": content["data"]}
                if content.get("metadata"):  # e.g. a retina PNG's width/height in CSS pixels
                    out["metadata"] = content["metadata"]
                outputs.append(out)
            elif kind == "error":
                outputs.append({"type": "error", "ename": content["ename"],
                                "evalue": content["evalue"],
                                "traceback": [_ANSI.sub("", t) for t in content["traceback"]]})
            elif kind == "clear_output":
                outputs.clear()

        try:
            content = self._request(code, hook)["content"]
        except _KernelStopped as exc:
            ename, _, evalue = str(exc).partition(": ")
            return {"status": "error", "outputs": outputs, "ename": ename, "evalue": evalue,
                    "count": None, "fatal": True}
        result = {"status": content["status"], "outputs": outputs,
                  "count": content.get("execution_count")}
        if content["status"] == "error":
            result["ename"] = content.get("ename", "Error")
            result["evalue"] = content.get("evalue", "")
        return result

    def run_expr(self, expr: str) -> dict[str, Any]:
        try:
            reply = self._request("", lambda m: None, store_history=False,
                                  user_expressions={"v": f"str(({expr}\n))"})
        except _KernelStopped as exc:
            ename, _, evalue = str(exc).partition(": ")
            return {"status": "error", "ename": ename, "evalue": evalue, "fatal": True}
        value = reply["content"].get("user_expressions", {}).get("v", {})
        if value.get("status") != "ok":
            return {"status": "error", "ename": value.get("ename", "Error"),
                    "evalue": value.get("evalue", "")}
        return {"status": "ok", "value": ast.literal_eval(value["data"]["text/plain"])}

    def close(self) -> None:
        try:
            self.kc.stop_channels()
            self.km.shutdown_kernel(now=True)
        finally:
            shutil.rmtree(self._sock_dir, ignore_errors=True)


_IMAGE_EXT = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}


def _image_size(out: dict[str, Any], mime: str) -> dict[str, int]:
    """The display size a kernel gave an image (a retina PNG is drawn at half its pixels)."""
    meta = (out.get("metadata") or {}).get(mime) or {}
    return {k: int(meta[k]) for k in ("width", "height")
            if isinstance(meta.get(k), int | float) and not isinstance(meta.get(k), bool)}


def _externalise_images(results: list[dict[str, Any] | None], entry: Path) -> None:
    """Move image payloads out of the results into files under `entry` (the cache entry)."""
    for pi, res in enumerate(results):
        if not res or "outputs" not in res:
            continue
        k = 0
        for out in res["outputs"]:
            if out["type"] != "display":
                continue
            for mime, ext in _IMAGE_EXT.items():
                if mime in out["data"]:
                    k += 1
                    name = f"out-{pi}-{k}.{ext}"
                    payload = out["data"][mime]
                    if mime == "image/svg+xml":
                        (entry / name).write_text(payload, encoding="utf-8")
                    else:
                        (entry / name).write_bytes(base64.b64decode(payload))
                    out["image"] = {"file": name, "mime": mime, **_image_size(out, mime)}
                    out["data"] = {m: v for m, v in out["data"].items()
                                   if m not in _IMAGE_EXT}
                    break


def _run_plan(doc: _Doc, cwd: Path, project: Project
              ) -> tuple[list[dict[str, Any] | None], bool]:
    """Execute the plan in one kernel; stop at the first cell error not marked `error: true`."""
    results: list[dict[str, Any] | None] = [None] * len(doc.plan)
    # like Quarto, tell the code which profile is active (so it can branch on the volume)
    env = {"QUARTO_PROJECT_DIR": str(project.root)}
    if project.profile:
        env["QUARTO_PROFILE"] = project.profile
    kernel = _Kernel(doc.kernel, cwd, doc.figsize, env)
    failed = False
    try:
        for i, (kind, code, extra) in enumerate(doc.plan):
            size = extra.get("figsize")
            if size:
                kernel.run_cell(_SET_FIGSIZE.format(*size))
            res = kernel.run_cell(code) if kind == "cell" else kernel.run_expr(code)
            if size:
                kernel.run_cell(_RESET_FIGSIZE)
            results[i] = res
            if res.get("fatal") or (kind == "cell" and res["status"] == "error"
                                    and not extra["error"]):
                failed = True
                break
    finally:
        kernel.close()
    return results, failed


def _load_or_run(doc: _Doc, path: Path, project: Project, cache_dir: Path,
                 ) -> tuple[list[dict[str, Any] | None], Path | None, bool]:
    """Return (results, directory holding their image files, executed?)."""
    if not doc.plan:
        return [], None, False
    key = _cache_key(doc, path, project)
    entry = cache_dir / key[:2] / key
    results_file = entry / "results.json"
    if results_file.is_file():
        try:
            return json.loads(results_file.read_text(encoding="utf-8")), entry, False
        except (OSError, ValueError):
            pass  # a damaged entry is simply re-made
    results, _failed = _run_plan(doc, path.parent, project)
    try:
        return results, _store(results, cache_dir, entry, key), True
    except OSError as exc:
        raise _CacheUnwritable(results, f"cannot write the freeze cache in {cache_dir}: "
                               f"{exc}") from exc


class _CacheUnwritable(Exception):
    def __init__(self, results: list[dict[str, Any] | None], message: str):
        super().__init__(message)
        self.results = results


def _store(results: list[dict[str, Any] | None], cache_dir: Path, entry: Path, key: str
           ) -> Path:
    """Write an entry aside, then rename it into place; return the directory of its files.

    A cell that raised is frozen like any other result: the key is the code, so the failure
    comes back (fast, with the same message) until the code or an execute-depends file
    changes. Only a kernel that died or timed out is not frozen, since that may be the
    machine's fault and the next build must retry.
    """
    transient = any(r is not None and r.get("fatal") for r in results)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f"tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    _externalise_images(results, tmp)
    (tmp / "results.json").write_text(json.dumps(results), encoding="utf-8")
    if transient:
        # not frozen, but its figures still need a home the site can copy them from
        final = cache_dir / "failed" / key
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(final, ignore_errors=True)
    else:
        final = entry
        final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(tmp, final)  # atomic: readers see a whole entry or none
    except OSError:
        # another worker renamed the same entry first; theirs is identical, keep it
        shutil.rmtree(tmp, ignore_errors=True)
    return final


# --------------------------------------------------------------------------------------------
# Phase 3: emit


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.locs: list[Loc] = []

    def add(self, text: str, loc: Loc) -> None:
        for part in text.split("\n"):
            self.lines.append(part)
            self.locs.append(loc)


def _fence_for(text: str, char: str = "`") -> str:
    longest = max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)
    return char * max(3, longest + 1)


def _attr_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _problem_line(res: dict[str, Any], cell: _Cell, doc: _Doc) -> Loc:
    """The original file and line a traceback points at inside this cell (else its fence)."""
    count = res.get("count")
    line_in_cell: int | None = None
    for out in res.get("outputs", []):
        if out["type"] == "error":
            for tb in out["traceback"]:
                for m in _CELL_IN.finditer(tb):
                    if count is None or int(m.group(1)) == count:
                        line_in_cell = int(m.group(2))
    if line_in_cell and 1 <= line_in_cell <= len(cell.code) - cell.body_start:
        return doc.locs[cell.fence + cell.body_start + line_in_cell]
    return doc.locs[cell.fence]


def _is_pipe_table(text: str) -> bool:
    rows = [r for r in text.strip().splitlines() if r.strip()]
    return len(rows) >= 2 and all(r.lstrip().startswith("|") for r in rows[:2]) and bool(
        re.match(r"^\s*\|?\s*:?-{3,}", rows[1]))


def _emit_cell(cell: _Cell, doc: _Doc, results: list[dict[str, Any] | None],
               images: Path | None, chapter: str, w: _Writer,
               resources: dict[str, Path]) -> None:
    opts = cell.options
    fence_loc = doc.locs[cell.fence]
    if not _truthy(opts["include"]):
        return
    res = results[cell.plan_index] if cell.plan_index is not None else None

    def caption(key: str) -> str | None:
        value = opts.get(key)
        if value is None:
            return None
        text = str(value)
        for pi in cell.caption_exprs.get(key, []):
            r = results[pi] if pi < len(results) else None
            if r and r.get("status") == "ok":
                text = _INLINE.sub(lambda _m, v=r["value"]: v, text, count=1)
        return " ".join(text.split())

    label = cell.label
    attrs = ".cell"
    code_attrs = ".python .cell-code"
    if label and label.startswith("lst-"):
        # a code listing: the id and caption go on the code block, as Quarto writes it
        cap = caption("lst-cap")
        code_attrs = f"#{label} " + code_attrs + (f' lst-cap="{_attr_escape(cap)}"' if cap
                                                   else "")
    elif label and not label.startswith(("fig-", "tbl-")):
        attrs = f"#{label} .cell"
    extra = opts.get("classes")
    if isinstance(extra, str | list):
        names = extra.split() if isinstance(extra, str) else [str(x) for x in extra]
        attrs += "".join(f" .{n.lstrip('.')}" for n in names)
    if isinstance(opts.get("column"), str):
        attrs += f" .column-{opts['column']}"  # e.g. column: margin -> .column-margin
    for key in ("code-fold", "code-summary"):
        if key in opts:
            value = opts[key]
            value = str(value).lower() if isinstance(value, bool) else str(value)
            code_attrs += f' {key}="{_attr_escape(value)}"'
    echo = _truthy(opts["echo"]) or opts["echo"] == "fenced"
    output_opt = opts["output"]
    blocks: list[str] = []
    if res is not None and output_opt is not False and str(output_opt).lower() != "false":
        asis = str(output_opt).lower() == "asis"
        blocks = _output_blocks(res, cell, opts, asis, images, chapter, resources, caption)
    if not echo and not blocks:
        return  # nothing to show: no empty div for the parser to trip over
    # pandoc does not see an indented `:::` fence (a cell nested in a list item) as a div, so
    # nested cells are emitted without their wrapper
    wrap = not cell.indent
    if wrap:
        w.add(f"::: {{{attrs}}}", fence_loc)
    if echo:
        fenced = opts["echo"] == "fenced"
        start = 0 if fenced else cell.body_start
        body = cell.code[start:]
        if fenced:  # Quarto shows the cell as written: its fence, options and code
            code_attrs = code_attrs.replace(".python ", ".markdown ", 1)
            body = [doc.lines[cell.fence], *body, doc.lines[min(cell.close, len(doc.lines) - 1)]]
        marks = _fence_for("\n".join(body))
        w.add(f"{cell.indent}{marks} {{{code_attrs}}}", fence_loc)
        for k, line in enumerate(body):
            w.add(line, doc.locs[min(cell.fence + start + k + (0 if fenced else 1),
                                     len(doc.locs) - 1)])
        w.add(f"{cell.indent}{marks}", doc.locs[min(cell.close, len(doc.locs) - 1)])
    for block in blocks:
        w.add("", fence_loc)
        # outputs of a cell nested in a list item keep the item's indentation
        w.add(textwrap.indent(block, cell.indent) if cell.indent else block, fence_loc)
    if wrap:
        w.add("", fence_loc)
        w.add(":::", fence_loc)


def _output_blocks(res: dict[str, Any], cell: _Cell, opts: dict[str, Any], asis: bool,
                   images: Path | None, chapter: str, resources: dict[str, Path],
                   caption: Any) -> list[str]:
    """Markdown blocks for a cell's outputs, with figure and table captions applied."""
    blocks: list[str] = []
    streams: list[tuple[str, str]] = []
    show_warnings = _truthy(opts["warning"])
    label = cell.label or ""
    fig_cap, fig_alt, tbl_cap = caption("fig-cap"), caption("fig-alt"), caption("tbl-cap")
    raw_sub = opts.get("fig-subcap")
    subcaps = [" ".join(str(x).split()) for x in (raw_sub if isinstance(raw_sub, list) else [])]
    figures: list[str] = []
    sizes: list[str] = []  # "width=320 height=240" when the kernel sized the image
    table_done = False

    def flush_streams() -> None:
        if not streams:
            return
        name, text = streams[0][0], "".join(t for _, t in streams)
        streams.clear()
        if asis:
            blocks.append(text.rstrip("\n"))
            return
        marks = _fence_for(text)
        blocks.append(f"{marks} {{.cell-output .cell-output-{name}}}\n{text.rstrip(chr(10))}\n"
                      f"{marks}")

    for out in res.get("outputs", []):
        if out["type"] == "stream":
            if out["name"] == "stderr" and not show_warnings:
                continue
            if streams and streams[-1][0] != out["name"]:
                flush_streams()
            streams.append((out["name"], out["text"]))
            continue
        flush_streams()
        if out["type"] == "error":
            text = "\n".join(out["traceback"]).rstrip()
            marks = _fence_for(text)
            blocks.append(f"{marks} {{.cell-output .cell-output-error}}\n{text}\n{marks}")
            continue
        data = out.get("data", {})
        image = out.get("image")
        if image and images is not None:
            n = len(figures) + 1
            stem = label if label.startswith("fig-") else f"cell-{cell.index + 1}"
            href = f"figures/{chapter}/{stem}-{n}.{image['file'].rsplit('.', 1)[1]}"
            resources[href] = images / image["file"]
            figures.append(href)
            sizes.append(" ".join(f"{k}={image[k]}" for k in ("width", "height") if k in image))
            blocks.append(f"\x00fig{n - 1}")
            continue
        if "text/markdown" in data or (asis and "text/plain" in data):
            text = str(data.get("text/markdown", data.get("text/plain", ""))).strip("\n")
            if label.startswith("tbl-") and tbl_cap and not table_done and _is_pipe_table(text):
                text += f"\n\n: {tbl_cap} {{#{label}}}"
                table_done = True
            blocks.append(text)
        elif "text/html" in data:
            html = str(data["text/html"]).strip("\n")
            marks = _fence_for(html)
            blocks.append(f"{marks}{{=html}}\n{html}\n{marks}")
        elif "text/plain" in data:
            text = str(data["text/plain"])
            marks = _fence_for(text)
            blocks.append(f"{marks} {{.cell-output .cell-output-display}}\n{text}\n{marks}")
    flush_streams()

    # figures: a single labelled figure is an image with the id; several become a figure div
    alt_attr = f' fig-alt="{_attr_escape(fig_alt)}"' if fig_alt else ""
    fig_id = label if label.startswith("fig-") else None
    for n, href in enumerate(figures):
        slot = blocks.index(f"\x00fig{n}")
        if len(figures) == 1:
            attrs = " ".join(x for x in (f"#{fig_id}" if fig_id else "", alt_attr.strip(),
                                         sizes[n]) if x)
            blocks[slot] = f"![{fig_cap or ''}]({href})" + (f"{{{attrs}}}" if attrs else "")
        else:
            sub = subcaps[n] if n < len(subcaps) else ""
            attrs = " ".join(x for x in (alt_attr.strip(), sizes[n]) if x)
            blocks[slot] = f"![{sub}]({href})" + (f"{{{attrs}}}" if attrs else "")
    if len(figures) > 1 and fig_id:
        # Quarto's div figure: the panels (ids fig-x-1, fig-x-2 given by the parser), then
        # the caption as the last paragraph
        layout = "".join(f' {k}="{_attr_escape(str(opts[k]))}"'
                         for k in ("layout-ncol", "layout-nrow") if k in opts)
        blocks = [f"::: {{#{fig_id}{layout}}}", *blocks, *([fig_cap] if fig_cap else []),
                  ":::"]
    elif len(figures) > 1 and fig_cap:
        blocks = [*blocks, fig_cap]  # no label: nothing to number, the caption is a paragraph
    elif not figures and fig_id and fig_cap:
        blocks = [f"::: {{#{fig_id}}}", *blocks, fig_cap, ":::"]
    if label.startswith("tbl-") and tbl_cap and not table_done and blocks:
        blocks = [f"::: {{#{label}}}", *blocks, tbl_cap, ":::"]
    return blocks


def _emit(doc: _Doc, results: list[dict[str, Any] | None], images: Path | None,
          chapter: str, problems: list[Problem],
          failed_labels: list[str]) -> tuple[_Writer, dict[str, Path]]:
    w = _Writer()
    resources: dict[str, Path] = {}
    cells = {c.fence: c for c in doc.cells}
    failed_before = False
    for c in doc.cells:
        res = results[c.plan_index] if c.plan_index is not None and results else None
        failed = bool(res) and res["status"] == "error" and not _truthy(c.options["error"])
        # a labelled cell that raised, or that never ran because an earlier one raised
        if c.label and (failed or (failed_before and c.plan_index is not None and not res)):
            failed_labels.append(c.label)
        if failed:
            if not failed_before:
                file, line = _problem_line(res, c, doc)
                problems.append(Problem(
                    "error", f"code cell failed: {res.get('ename')}: {res.get('evalue')}",
                    file, line))
            failed_before = True
    i = 0
    while i < len(doc.lines):
        if i in cells:
            c = cells[i]
            _emit_cell(c, doc, results, images, chapter, w, resources)
            i = c.close + 1
            continue
        if i in doc.escaped:
            # ```{{python}} shows a cell verbatim (Quarto's escape for writing about cells)
            end = min(doc.escaped[i], len(doc.lines) - 1)
            shown = doc.lines[i : end + 1]
            shown[0] = _ESCAPED_FENCE.sub(r"\1\2{\3}", shown[0])
            marks = _fence_for("\n".join(shown))
            w.add(f"{marks} {{.markdown .cell-code}}", doc.locs[i])
            for k, text in enumerate(shown):
                w.add(text, doc.locs[i + k])
            w.add(marks, doc.locs[end])
            i = end + 1
            continue
        line = doc.lines[i]
        if i in doc.inline:
            pieces: list[str] = []
            pos = 0
            for m, pi in doc.inline[i]:
                pieces.append(line[pos : m.start()])
                r = results[pi] if pi < len(results) else None
                if r is None:
                    pieces.append(m.group(0))
                elif r["status"] == "ok":
                    pieces.append(r["value"])
                else:
                    pieces.append(m.group(0))
                    problems.append(Problem(
                        "error", f"inline expression `{m.group(2).strip()}` failed: "
                        f"{r.get('ename')}: {r.get('evalue')}", *doc.locs[i]))
                pos = m.end()
            pieces.append(line[pos:])
            line = "".join(pieces)
        w.add(line, doc.locs[i])
        i += 1
    return w, resources


def execute_chapter(path: Path, project: Project, cache_dir: Path) -> ExecutedChapter:
    """Execute one chapter's code (or reuse the freeze cache) and return its markdown.

    Safe to call for different chapters at the same time from threads or processes: each call
    has its own kernel, and cache entries appear atomically (written aside, then renamed).
    """
    path = Path(path).resolve()
    doc = _scan(path, project)
    problems = list(doc.problems)
    executed = False
    results: list[dict[str, Any] | None] = []
    images: Path | None = None
    try:
        results, images, executed = _load_or_run(doc, path, project, Path(cache_dir))
    except RuntimeError as exc:  # the kernel could not start: report it, render the prose
        problems.append(Problem("error", str(exc), path, None))
    except _CacheUnwritable as exc:  # outputs are fine, images could not be kept
        problems.append(Problem("error", str(exc), path, None))
        results, executed = exc.results, True
    if len(results) < len(doc.plan):
        results = results + [None] * (len(doc.plan) - len(results))
    failed: list[str] = []
    w, resources = _emit(doc, results, images, path.stem, problems, failed)
    return ExecutedChapter("\n".join(w.lines) + "\n", w.locs, resources, problems, executed,
                           source_digest(doc.lines), tuple(failed))
