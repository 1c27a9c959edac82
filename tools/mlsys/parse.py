"""Markdown -> pandoc JSON AST, cached by content hash.

Pandoc is the one Markdown reader we trust to read Quarto sources the way Quarto does, so we
call the real binary (JSON in/out) and cache its output: an unchanged chapter costs a hash
and a file read, never a subprocess.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import tempfile
import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from .errors import MlsysError
from .filters.attr_markdown import lift_attribute_markdown
from .filters.conditional import apply_conditional
from .filters.normalize import normalize
from .filters.pandoc_ast import meta_value
from .filters.tikz import normalize_tikz, protect_tikz
from .pandoc_worker import Conversion, current_session

READER = "markdown"
# Bump when normalisation changes, so old cached ASTs are not reused.
NORMALIZE_VERSION = "5"


class PandocError(MlsysError, RuntimeError):
    """Pandoc exited with an error; the message is pandoc's own stderr."""


# lru_cache alone lets every worker thread that asks before the first answer run its own
# `pandoc --version` (12 processes in a cold build of six chapters); the lock makes it one.
_PANDOC_LOCK = threading.Lock()


@lru_cache(maxsize=1)
def _pandoc_path() -> str:
    """The pandoc binary shipped with pypandoc-binary (no system pandoc needed).

    Taken directly when present: pypandoc's own search runs every candidate for its version
    and, when the bundled one is slow to answer on a loaded machine, silently settles for an
    older system pandoc (without `pandoc.json` for Lua filters). `PYPANDOC_PANDOC` still wins.
    """
    import pypandoc

    bundled = Path(pypandoc.__file__).resolve().parent / "files" / "pandoc"
    if not os.environ.get("PYPANDOC_PANDOC") and bundled.is_file() and \
            os.access(bundled, os.X_OK):
        return str(bundled)
    return pypandoc.get_pandoc_path()


def pandoc_path() -> str:
    """The pandoc binary shipped with pypandoc-binary (no system pandoc needed)."""
    with _PANDOC_LOCK:
        return _pandoc_path()


@lru_cache(maxsize=1)
def engine_digest() -> str:
    """Hash of the engine's own source (parse, xref, render, pipeline, filters).

    Part of every cache key, so editing a filter invalidates what it produced without anyone
    having to remember to bump a version number.
    """
    here = Path(__file__).resolve().parent
    files = [here / "parse.py", here / "xref.py", here / "render.py", here / "pipeline.py",
             *sorted((here / "filters").glob("*.py")), *sorted(here.glob("lua*.py")), here / "jsonfilters.py",
             *sorted((here / "lua").glob("*.lua"))]
    h = hashlib.sha256()
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return h.hexdigest()[:16]


@lru_cache(maxsize=1)
def _pandoc_version(path: str) -> str:
    """Asked of the binary once, then remembered in a file keyed by the binary's path, size
    and modification time: a warm build starts no process at all."""
    st = os.stat(path)
    memo = Path(tempfile.gettempdir()) / f"mlsys-pandoc-version-{os.getuid()}.json"
    key = f"{path}:{st.st_size}:{st.st_mtime_ns}"
    try:
        known = json.loads(memo.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(key), str):
        return known[key]
    out = subprocess.run([path, "--version"], capture_output=True, text=True, check=True)
    version = out.stdout.splitlines()[0].strip()
    try:
        write_atomic(memo, json.dumps({key: version}))
    except OSError:
        pass
    return version


def pandoc_version() -> str:
    """"pandoc 3.x" of the binary in use (part of cache keys); asked once per process."""
    path = pandoc_path()
    with _PANDOC_LOCK:
        return _pandoc_version(path)


def run_pandoc(args: list[str], text: str, cwd: Path | None = None) -> str:
    """Run pandoc with `text` on stdin; raise PandocError with its stderr on failure.

    Inside `pandoc_session()` (a build) the conversion goes to a long-running worker, with the
    same output; a one-off process is the fallback and the path for options it doesn't map.
    """
    session = current_session()
    conv = Conversion.from_args(args) if session is not None else None
    if session is not None and conv is not None:
        answer = session.convert(conv, text, cwd)
        if answer is not None:
            ok, out = answer
            if not ok:
                raise PandocError(out.strip() or "pandoc failed")
            return out
    proc = subprocess.run(
        [pandoc_path(), *args],
        input=text.encode("utf-8"),
        capture_output=True,
        cwd=str(cwd) if cwd else None,
    )
    if proc.returncode != 0:
        raise PandocError(proc.stderr.decode("utf-8", "replace").strip() or "pandoc failed")
    return proc.stdout.decode("utf-8")


def digest(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def write_atomic(path: Path, data: str) -> None:
    """Write via a temporary file and rename, so a crash never leaves a half cache entry."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_cache(cache_dir: Path | None, stage: str, key: str) -> Any | None:
    if cache_dir is None:
        return None
    path = cache_dir / stage / f"{key}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_cache(cache_dir: Path | None, stage: str, key: str, value: Any) -> None:
    """Store a cache entry; a cache that cannot be written only costs speed, never the build."""
    if cache_dir is None:
        return
    try:
        write_atomic(cache_dir / stage / f"{key}.json", json.dumps(value, separators=(",", ":")))
    except OSError:
        pass


def parse_key(markdown: str, float_keys: frozenset[str], profiles: frozenset[str],
              target: str = "html", lua: Any = None,
              meta: Mapping[str, Any] | None = None) -> str:
    # Project metadata only matters to `when-meta` / `unless-meta`; leave it out otherwise
    # so editing an unrelated config key keeps every parsed chapter.
    uses_meta = meta and "-meta=" in markdown
    return digest(
        "ast", markdown, lua.digest if lua is not None else "", pandoc_version(), READER, NORMALIZE_VERSION, engine_digest(),
        ",".join(sorted(float_keys)), ",".join(sorted(profiles)),
        *([] if target == "html" else [target]),
        *([json.dumps(meta, sort_keys=True, default=str)] if uses_meta else []),
    )


def parse_markdown(
    markdown: str,
    *,
    float_keys: frozenset[str] = frozenset({"fig", "tbl", "lst"}),
    profiles: frozenset[str] = frozenset(),
    cache_dir: Path | None = None,
    target: str = "html",
    lua: Any = None,
    meta: Mapping[str, Any] | None = None,
) -> tuple[dict[str, Any], str]:
    """Parse executed Markdown into a normalised HTML-ready AST; return (ast, cache key).

    Normalisation (conditional content, equation and table labels) is part of this stage so
    its result is cached with the AST. `target` "pdf" or "epub" keeps what those exports
    show instead (format-conditional content, `\\index{}` terms).
    """
    key = parse_key(markdown, float_keys, profiles, target, lua, meta)
    cached = read_cache(cache_dir, "ast", key)
    if cached is not None:
        return cached, key
    ast = json.loads(run_pandoc(["-f", READER, "-t", "json"], markdown))
    if lua is not None:  # a `luafilters.LuaPlan`: shortcodes and pre-ast filters
        ast = lua.run(ast, "early", target)
    if "tikz" in markdown:  # pictures survive the removal of other raw LaTeX
        ast["blocks"] = protect_tikz(ast["blocks"])
    doc_meta = {**(meta or {}), **{k: meta_value(v) for k, v in ast.get("meta", {}).items()}}
    apply_conditional(ast["blocks"], profiles, target, doc_meta)
    lift_attribute_markdown(ast["blocks"], float_keys, parse_inline_strings)
    normalize(ast["blocks"], float_keys)
    if "tikz" in markdown:  # `.tikz` blocks: raw LaTeX, in a Figure when labelled
        ast["blocks"] = normalize_tikz(ast["blocks"])
    if lua is not None:  # the default place of user filters: before cross-references
        ast = lua.run(ast, "parse", target)
    write_cache(cache_dir, "ast", key, ast)
    return ast, key


def parse_inline_strings(texts: list[str]) -> list[list[dict[str, Any]]]:
    """Parse several short Markdown strings with one pandoc call; return each one's inlines."""
    doc = "".join(f"::: {{#mlsys-s{i}}}\n{' '.join(t.split())}\n:::\n\n"
                  for i, t in enumerate(texts))
    blocks = json.loads(run_pandoc(["-f", READER, "-t", "json"], doc))["blocks"]
    out: list[list[dict[str, Any]]] = [[] for _ in texts]
    for b in blocks:
        if b["t"] == "Div" and b["c"][0][0].startswith("mlsys-s"):
            i = int(b["c"][0][0][len("mlsys-s"):])
            first = b["c"][1][0] if b["c"][1] else None
            if first is not None and first["t"] in ("Para", "Plain"):
                out[i] = first["c"]
    return out


_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*\{(?P<lang>[A-Za-z][\w+-]*)[^}]*\}\s*$")
_OPTION = re.compile(r"^\s*#\|\s*([\w-]+)\s*:\s*(.*?)\s*$")


def unexecuted_markdown(source: str, float_keys: frozenset[str]) -> str:
    """Source of a chapter that is not being executed, shaped for indexing only.

    Executable cells become empty labelled divs, so `#| label: fig-x` cells count as targets
    in the same document position their executed output would take.
    """
    out: list[str] = []
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            out.append(lines[i])
            i += 1
            continue
        fence = m.group("fence")
        j = i + 1
        label = None
        while j < len(lines) and not lines[j].startswith(fence[0] * len(fence)):
            opt = _OPTION.match(lines[j])
            if opt and opt.group(1) in ("label", "lst-label"):
                label = opt.group(2).strip("'\"")
            j += 1
        if label and label.split("-", 1)[0] in float_keys:
            out.extend(["", f"::: {{#{label}}}", "cell output", ":::", ""])
        i = j + 1
    return "\n".join(out) + "\n"
