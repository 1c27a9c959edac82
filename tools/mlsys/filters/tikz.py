"""TikZ diagrams: `tikzpicture` in raw LaTeX and `.tikz` code blocks, drawn as SVG.

Many Quarto books draw most of their figures in TikZ, which Quarto compiles through LaTeX for
PDF (and, with a diagram extension, for HTML). We do the same for HTML: each picture becomes a
small `standalone` document with the project's LaTeX preamble (`include-in-header`,
`header-includes`: its packages, TikZ libraries, colours and macros), compiled with `latex`
and converted by `dvisvgm` with glyphs as paths, so the SVG needs no fonts. The SVG gets the
dark-mode style every figure of the site gets (`figtheme`), so black strokes become the
page's text colour on a dark page. Results are cached by the document's hash: a warm build,
or an edit elsewhere in the chapter, never runs LaTeX; a cold build compiles in parallel.

Two stages: `normalize_tikz` (parse stage: a `.tikz` block with `#fig-x` becomes a Figure, so
the index numbers it like an image) and `draw_tikz` (render stage: pictures -> images).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..figtheme import theme_svg
from .pandoc_ast import Node, attr_get, attr_pop, text_inlines, walk_passes

PACKAGES = "texlive-latex-base texlive-pictures texlive-latex-extra dvisvgm"
_TIKZ = re.compile(r"\\begin\{tikzpicture\}|\\tikz\s*[\[{]")
# `\tikz[options]{commands}` / `\tikz{commands}` inside a line of text: an inline picture.
_INLINE = re.compile(r"\A\s*\\tikz\s*(\[[^\]]*\]\s*)?\{.*\}\s*\Z", re.DOTALL)
# `\tikz \draw ...;` (no braces): pandoc splits it into raw bits and text, so it cannot be
# recovered as written (`--` has become a dash): reported, with the form that works.
_BARE = re.compile(r"\A\\tikz\s*\Z")
# Preamble statements that matter to a picture; anything else (page layout, fonts) is not.
_KEEP = re.compile(r"^\s*\\(usepackage|RequirePackage|PassOptionsToPackage|usetikzlibrary|usepgfplotslibrary|"
                   r"tikzset|pgfplotsset|definecolor|colorlet|newcommand|renewcommand|"
                   r"providecommand|DeclareMathOperator|tikzstyle|def|newlength|setlength|"
                   r"pgfkeys|pgfdeclarelayer|pgfsetlayers)\b")
# Packages that need another engine or touch the page, not the picture: left out.
_SKIP_PACKAGES = frozenset({"fontspec", "unicode-math", "polyglossia", "xeCJK", "luacode",
                            "hyperref", "bookmark", "geometry", "fancyhdr", "titlesec",
                            "luatexja", "microtype", "babel"})
_PACKAGE = re.compile(r"\s*\\(usepackage|RequirePackage|PassOptionsToPackage)\b")
_OPTION = re.compile(r"^\s*%%\|\s*([\w-]+)\s*:\s*(.*?)\s*$")
_LATEX_ERROR = re.compile(r"^! (.*)$", re.MULTILINE)
_LATEX_LINE = re.compile(r"^l\.(\d+) ", re.MULTILINE)
_SLOTS = threading.BoundedSemaphore(max(1, os.cpu_count() or 1))


class TikzError(RuntimeError):
    """One picture did not compile: LaTeX's message and the line within the picture."""

    def __init__(self, message: str, line: int | None):
        self.line = line
        super().__init__(message)


# -- the preamble ---------------------------------------------------------------------------

def _statements(text: str) -> list[str]:
    """Top-level preamble statements worth keeping, each with its braces balanced."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].split("%", 1)[0] if "\\%" not in lines[i] else lines[i]
        i += 1
        if not _KEEP.match(line):
            continue
        chunk = [line]
        depth = line.count("{") - line.count("}")
        while depth > 0 and i < len(lines):
            chunk.append(lines[i])
            depth += lines[i].count("{") - lines[i].count("}")
            i += 1
        stmt = "\n".join(chunk)
        pkg = re.match(r"\s*\\(?:usepackage|RequirePackage)(?:\[[^\]]*\])?\{([^}]*)\}", stmt)
        if pkg and any(p.strip() in _SKIP_PACKAGES for p in pkg.group(1).split(",")):
            continue
        out.append(stmt)
    return out


def _header_sources(config: dict[str, Any], base: Path) -> list[str]:
    """Raw LaTeX of `header-includes` and the files (or `text:`) of `include-in-header`, at
    the top level, for PDF/LaTeX, and for the diagram extension's TikZ engine
    (`diagram: engine: tikz: header-includes:`, where books put their TikZ preamble)."""
    texts: list[str] = []
    fmt = config.get("format")
    layers = [config] + [fmt[k] for k in ("pdf", "latex") if isinstance(fmt, dict)
                         and isinstance(fmt.get(k), dict)]
    diagram = _get(config, ("diagram", "engine", "tikz"))
    if isinstance(diagram, dict):
        layers.append(diagram)
    for layer in layers:
        for key in ("header-includes", "include-in-header"):
            value = layer.get(key)
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    if isinstance(item.get("text"), str):
                        texts.append(item["text"])
                    item = item.get("file")
                if not isinstance(item, str):
                    continue
                path = base / item
                if key == "include-in-header" and path.is_file():
                    texts.append(path.read_text(encoding="utf-8", errors="replace"))
                elif key == "header-includes" or "\\" in item:
                    texts.append(item)
    return texts


def _get(data: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def _front_matter(markdown: str) -> dict[str, Any]:
    m = re.match(r"\A---\n(.*?)\n(?:---|\.\.\.)\n", markdown, re.DOTALL)
    try:
        data = yaml.safe_load(m.group(1)) if m else None
    except yaml.YAMLError:
        data = None
    return data if isinstance(data, dict) else {}


def tikz_preamble(root: Path, config: dict[str, Any], doc: Path, markdown: str) -> str:
    """The preamble lines every picture of this chapter is compiled with."""
    texts = _header_sources(config, root) + _header_sources(_front_matter(markdown), doc.parent)
    stmts: list[str] = []
    for text in texts:
        stmts += [s for s in _statements(text) if s not in stmts]
    # the author's packages first (with their options: `\usepackage[dvipsnames]{xcolor}`
    # after tikz would be an option clash), then tikz, then libraries, colours and macros
    packages = [s for s in stmts if _PACKAGE.match(s)]
    rest = [s for s in stmts if not _PACKAGE.match(s)]
    return "\n".join([*packages, "\\usepackage{tikz}", "\\usepackage{amsmath,amssymb}", *rest])


def latex_available() -> bool:
    return shutil.which("latex") is not None and shutil.which("dvisvgm") is not None


# -- compiling ------------------------------------------------------------------------------

def _document(preamble: str, picture: str) -> tuple[str, int]:
    head = "\\documentclass[dvisvgm,border=2pt]{standalone}\n" + preamble + \
        "\n\\begin{document}\n"
    body = picture if "\\begin{tikzpicture}" in picture or "\\tikz" in picture else \
        "\\begin{tikzpicture}\n" + picture + "\n\\end{tikzpicture}"
    return head + body + "\n\\end{document}\n", head.count("\n")


def _latex_error(log: str, offset: int) -> TikzError:
    m = _LATEX_ERROR.search(log)
    message = m.group(1).strip() if m else "LaTeX failed"
    after = log[m.end():] if m else log
    detail = after.split("\n\n", 1)[0].strip().splitlines()
    context = next((d.strip() for d in detail if d.startswith("l.")), "")
    ln = _LATEX_LINE.search(after)
    line = int(ln.group(1)) - offset if ln else None
    if line is not None and line < 1:  # the preamble: a package or macro of the project
        return TikzError(f"{message} (in the project's LaTeX preamble: {context})", None)
    return TikzError(message + (f" ({context})" if context else ""), line)


def compile_picture(preamble: str, picture: str, cache: Path) -> Path:
    """The SVG of one picture (from the cache when this exact document was drawn before)."""
    from ..parse import digest, write_atomic

    doc, offset = _document(preamble, picture)
    target = cache / f"{digest('tikz', doc)[:24]}.svg"
    if target.is_file():
        return target
    with _SLOTS, tempfile.TemporaryDirectory(prefix="mlsys-tikz-") as tmp:
        (Path(tmp) / "pic.tex").write_text(doc, encoding="utf-8")
        try:
            proc = subprocess.run(["latex", "-interaction=nonstopmode", "-halt-on-error",
                                   "-no-shell-escape", "pic.tex"], cwd=tmp, capture_output=True,
                                  timeout=180)
        except subprocess.TimeoutExpired:
            raise TikzError("LaTeX took longer than 180 s", None) from None
        if proc.returncode != 0:
            log = Path(tmp, "pic.log")
            raise _latex_error(log.read_text(errors="replace") if log.is_file()
                               else proc.stdout.decode(errors="replace"), offset)
        svg = subprocess.run(["dvisvgm", "--no-fonts", "--exact-bbox", "-o", "pic.svg",
                              "pic.dvi"], cwd=tmp, capture_output=True, timeout=180)
        out = Path(tmp, "pic.svg")
        if svg.returncode != 0 or not out.is_file():
            raise TikzError("dvisvgm failed: " + svg.stderr.decode(errors="replace")
                            .strip()[-300:], None)
        write_atomic(target, theme_svg(out.read_text(encoding="utf-8")))
    return target


# -- the two stages -------------------------------------------------------------------------

def _tikz_code(node: Node) -> tuple[str, dict[str, str]]:
    """A `.tikz` block's LaTeX and its `%%| key: value` options (diagram-extension style)."""
    options: dict[str, str] = {}
    body = []
    for line in node["c"][1].splitlines():
        m = _OPTION.match(line)
        if m and not body:
            options[m.group(1)] = m.group(2).strip("'\"")
        else:
            body.append(line)
    return "\n".join(body), options


def protect_tikz(blocks: list[Node]) -> list[Node]:
    """Raw LaTeX pictures -> `.tikz` code blocks, before conditional content drops raw LaTeX
    (an HTML page has no use for the rest of it; a picture becomes an image)."""

    def fn(node: Node) -> Node | None:
        if node["t"] == "RawInline":
            fmt, text = node["c"]
            if fmt not in ("latex", "tex"):
                return None
            if _INLINE.match(text):  # inline picture: kept as a code span until normalised
                return {"t": "Code", "c": [["", ["tikz-inline"], []], text]}
            if _BARE.match(text):
                return {"t": "Code", "c": [["", ["tikz-bare"], []], text]}
            return None
        if node["t"] == "RawBlock" and _is_tikz(node):
            return {"t": "CodeBlock", "c": [["", ["tikz"], []], node["c"][1]]}
        inl = [n for n in node["c"] if n["t"] not in ("Space", "SoftBreak")] \
            if node["t"] in ("Para", "Plain") else []
        if len(inl) == 1 and inl[0]["t"] == "RawInline" and _is_tikz(inl[0]):
            return {"t": "CodeBlock", "c": [["", ["tikz"], []], inl[0]["c"][1]]}
        return None

    return walk_passes(blocks, [(frozenset({"RawInline", "RawBlock", "Para", "Plain"}), fn)])


def normalize_tikz(blocks: list[Node]) -> list[Node]:
    """`.tikz` code blocks -> raw LaTeX; with a figure label, a Figure around it (parse stage)."""

    def fn(node: Node) -> Node | None:
        if node["t"] == "Code":
            return {"t": "RawInline", "c": ["latex", node["c"][1]]} \
                if "tikz-inline" in node["c"][0][1] else None
        if "tikz" not in node["c"][0][1]:
            return None
        code, options = _tikz_code(node)
        a = node["c"][0]
        fid = a[0] or options.get("label", "")
        cap = attr_pop(a, "fig-cap") or options.get("fig-cap", "")
        alt = attr_get(a, "fig-alt") or options.get("fig-alt", "")
        if "\\begin{tikzpicture}" not in code and not _INLINE.match(code):
            code = "\\begin{tikzpicture}\n" + code.strip() + "\n\\end{tikzpicture}"
        raw = {"t": "RawBlock", "c": ["latex", code]}
        if not fid.startswith("fig-"):
            return raw
        caption = [{"t": "Plain", "c": text_inlines(cap)}] if cap else []
        return {"t": "Figure", "c": [[fid, ["tikz-figure"], [["fig-alt", alt]] if alt else []],
                                     [None, caption], [raw]]}

    return walk_passes(blocks, [(frozenset({"CodeBlock", "Code"}), fn)])


@dataclass(frozen=True)
class TikzIssue:
    """A picture that could not be drawn: severity, message, and text to locate it by."""

    severity: str
    message: str
    needle: str | None


def _needle(picture: str, line: int | None) -> str | None:
    """Text to find the picture's failing line in the chapter by: the picture's lines up to
    that line (or up to its first distinctive line), so that two pictures sharing a line
    (`\\resizebox{...}{%`, a common `\\tikzset`) are told apart by the lines before it."""
    lines = picture.splitlines()
    if line is None or not 0 < line <= len(lines):
        line = next((i for i, t in enumerate(lines, start=1) if len(t.strip()) >= 8), None)
    return "\n".join(lines[:line]) if line else None


def _is_tikz(node: Node) -> bool:
    fmt, text = node["c"]
    return fmt in ("latex", "tex") and bool(_TIKZ.search(text))


def draw_tikz(blocks: list[Node], preamble: str, cache: Path,
              jobs: int | None = None) -> tuple[dict[str, Path], list[TikzIssue]]:
    """Replace every TikZ picture with an `<img>` of its SVG (render stage).

    Returns the SVG files by the href the images use, and the pictures that failed."""
    pictures: list[str] = []
    walk_passes(blocks, [(frozenset({"RawBlock", "RawInline"}),
                          lambda n: pictures.append(n["c"][1]) if _is_tikz(n) else None)])
    bare = _drop_bare(blocks)
    if not pictures:
        return {}, bare
    if not latex_available():
        return {}, [TikzIssue("error", "TikZ figures need LaTeX and dvisvgm: apt-get install "
                              + PACKAGES, _needle(pictures[0], None))]
    unique = list(dict.fromkeys(pictures))
    with ThreadPoolExecutor(max_workers=jobs or min(len(unique), os.cpu_count() or 1)) as pool:
        futures = {p: pool.submit(compile_picture, preamble, p, cache) for p in unique}
    done: dict[str, Path] = {}
    issues: list[TikzIssue] = bare
    for picture, future in futures.items():
        try:
            done[picture] = future.result()
        except TikzError as exc:
            issues.append(TikzIssue("error", f"TikZ picture does not compile: {exc}",
                                    _needle(picture, exc.line)))
    generated = {f"_tikz/{path.name}": path for path in done.values()}

    def image(node: Node) -> Node | None:
        path = done.get(node["c"][1]) if _is_tikz(node) else None
        if path is None:
            return None
        inline = node["t"] == "RawInline"
        img = {"t": "Image", "c": [["", ["tikz", "tikz-inline"] if inline else ["tikz"], []],
                                   [{"t": "Str", "c": "TikZ diagram"}],
                                   [f"_tikz/{path.name}", ""]]}
        return img if inline else {"t": "Para", "c": [img]}

    walk_passes(blocks, [(frozenset({"RawBlock", "RawInline"}), image)])
    return generated, issues


def _drop_bare(blocks: list[Node]) -> list[TikzIssue]:
    """Remove the `\\tikz` of a brace-less inline picture and say how to write it."""
    issues: list[TikzIssue] = []

    def fn(node: Node) -> list[Node] | None:
        if "tikz-bare" not in node["c"][0][1]:
            return None
        issues.append(TikzIssue(
            "warning", "inline \\tikz without braces is not drawn (pandoc reads its commands "
            "as text): write \\tikz{...} or \\tikz[options]{...}", "\\tikz "))
        return []

    walk_passes(blocks, [(frozenset({"Code"}), fn)])
    return issues
