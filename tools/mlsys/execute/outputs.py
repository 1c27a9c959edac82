"""Phase 3 of execution: turn the scanned chapter plus results into pandoc markdown.

Every cell becomes its code and outputs laid out as Quarto lays them out (a `.cell` div, the
code block, output blocks, figures as images carrying the cell's label and caption), whatever
language ran it, so the parse stage and cross-references need to know nothing about kernels.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mlsys.include import Loc
from mlsys.model import Problem

from .scan import ESCAPED_FENCE, INLINE, Cell, Doc, truthy

Result = dict[str, Any]
_CELL_IN = re.compile(r"Cell In\s*\[(\d+)\],\s*line (\d+)")


class Writer:
    """Output lines, each with the original (file, line) it came from."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.locs: list[Loc] = []

    def add(self, text: str, loc: Loc) -> None:
        for part in text.split("\n"):
            self.lines.append(part)
            self.locs.append(loc)


@dataclass
class _Ctx:
    """What emitting one chapter needs besides the cells: results, where figures live."""

    doc: Doc
    results: list[Result | None]
    images: Path | None
    chapter: str
    w: Writer = field(default_factory=Writer)
    resources: dict[str, Path] = field(default_factory=dict)


def fence_for(text: str, char: str = "`") -> str:
    """A fence longer than any run of `char` inside `text`."""
    longest = max((len(m) for m in re.findall(re.escape(char) + "+", text)), default=0)
    return char * max(3, longest + 1)


def _attr_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def problem_line(res: Result, cell: Cell, doc: Doc) -> Loc:
    """The original file and line a traceback points at inside this cell (else its fence)."""
    line_in_cell: int | None = res.get("line")  # R reports the failing line directly
    count = res.get("count")
    for out in res.get("outputs", []):
        if out["type"] == "error" and line_in_cell is None:
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


def _caption_fn(cell: Cell, results: list[Result | None]) -> Callable[[str], str | None]:
    """Caption options with their inline expressions replaced by computed values."""

    def caption(key: str) -> str | None:
        value = cell.options.get(key)
        if value is None:
            return None
        text = str(value)
        for pi in cell.caption_exprs.get(key, []):
            r = results[pi] if pi < len(results) else None
            if r and r.get("status") == "ok":
                text = INLINE.sub(lambda _m, v=r["value"]: v, text, count=1)
        return " ".join(text.split())

    return caption


def _cell_attrs(cell: Cell, caption: Callable[[str], str | None]) -> tuple[str, str]:
    """Attributes of the cell's div and of its code block."""
    opts, label = cell.options, cell.label
    attrs = ".cell"
    code_attrs = f".{cell.lang} .cell-code"
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
    if truthy(opts.get("code-line-numbers")):
        code_attrs += " .number-lines"  # pandoc numbers the lines of the block
    if str(opts.get("code-overflow", "")).lower() == "wrap":
        code_attrs += " .code-overflow-wrap"
    for key in ("code-fold", "code-summary"):
        if key in opts:
            value = opts[key]
            value = str(value).lower() if isinstance(value, bool) else str(value)
            code_attrs += f' {key}="{_attr_escape(value)}"'
    return attrs, code_attrs


def _emit_cell(cell: Cell, ctx: _Ctx) -> None:
    opts, doc, w = cell.options, ctx.doc, ctx.w
    fence_loc = doc.locs[cell.fence]
    if not truthy(opts["include"]):
        return
    res = ctx.results[cell.plan_index] if cell.plan_index is not None else None
    caption = _caption_fn(cell, ctx.results)
    attrs, code_attrs = _cell_attrs(cell, caption)
    echo = truthy(opts["echo"]) or opts["echo"] == "fenced"
    output_opt = opts["output"]
    blocks: list[str] = []
    if res is not None and output_opt is not False and str(output_opt).lower() != "false":
        asis = str(output_opt).lower() == "asis"
        blocks = _output_blocks(res, cell, asis, ctx, caption)
    if not echo and not blocks:
        return  # nothing to show: no empty div for the parser to trip over
    # pandoc does not see an indented `:::` fence (a cell nested in a list item) as a div, so
    # nested cells are emitted without their wrapper
    wrap = not cell.indent
    if wrap:
        w.add(f"::: {{{attrs}}}", fence_loc)
    merged: list[str] = []
    if echo and truthy(opts.get("collapse")):
        merged, blocks = _collapsible(blocks)
    if echo:
        _emit_code(cell, doc, w, code_attrs, fenced=opts["echo"] == "fenced", tail=merged)
    for block in blocks:
        w.add("", fence_loc)
        # outputs of a cell nested in a list item keep the item's indentation
        w.add(textwrap.indent(block, cell.indent) if cell.indent else block, fence_loc)
    if wrap:
        w.add("", fence_loc)
        w.add(":::", fence_loc)


_TEXT_OUTPUT = re.compile(r"^(`{3,}) \{\.cell-output \.cell-output-(stdout|stderr|display)\}\n"
                          r"(.*)\n\1$", re.S)


def _collapsible(blocks: list[str]) -> tuple[list[str], list[str]]:
    """knitr's `collapse: true`: the text outputs that follow the code directly join its
    block (their lines, already prefixed by `comment`); the first figure, table or error
    ends the run, and it and everything after stay blocks of their own."""
    merged: list[str] = []
    for n, block in enumerate(blocks):
        m = _TEXT_OUTPUT.match(block)
        if not m:
            return merged, blocks[n:]
        merged += m.group(3).split("\n")
    return merged, []


def _emit_code(cell: Cell, doc: Doc, w: Writer, code_attrs: str, fenced: bool,
               tail: list[str] | None = None) -> None:
    """The cell's code block; `echo: fenced` shows it as written (fence, options and code);
    `tail` is output text collapsed into the block."""
    last = len(doc.locs) - 1
    start = 0 if fenced else cell.body_start
    body = cell.code[start:]
    if fenced:
        code_attrs = code_attrs.replace(f".{cell.lang} ", ".markdown ", 1)
        body = [doc.lines[cell.fence], *body, doc.lines[min(cell.close, len(doc.lines) - 1)]]
    tail = [f"{cell.indent}{t}" for t in tail or []]
    marks = fence_for("\n".join(body + tail))
    fence_loc = doc.locs[cell.fence]
    w.add(f"{cell.indent}{marks} {{{code_attrs}}}", fence_loc)
    for k, line in enumerate(body):
        w.add(line, doc.locs[min(cell.fence + start + k + (0 if fenced else 1), last)])
    for line in tail:
        w.add(line, doc.locs[min(cell.close, last)])
    w.add(f"{cell.indent}{marks}", doc.locs[min(cell.close, last)])


@dataclass
class _Outs:
    """Blocks collected from a cell's outputs; figures are placeholders until captioned."""

    blocks: list[str] = field(default_factory=list)
    streams: list[tuple[str, str]] = field(default_factory=list)
    figures: list[str] = field(default_factory=list)
    sizes: list[str] = field(default_factory=list)  # "width=320 height=240" when the kernel sized it
    table_done: bool = False
    comment: str = ""  # knitr's `comment` option: a prefix for every line of text output

    def flush_streams(self, asis: bool) -> None:
        """Consecutive stream outputs of one name become one output block."""
        if not self.streams:
            return
        name, text = self.streams[0][0], "".join(t for _, t in self.streams)
        self.streams.clear()
        if asis:
            self.blocks.append(text.rstrip("\n"))
            return
        if self.comment:
            text = "".join(f"{self.comment} {line}" for line in text.splitlines(True))
        marks = fence_for(text)
        self.blocks.append(f"{marks} {{.cell-output .cell-output-{name}}}\n"
                           f"{text.rstrip(chr(10))}\n{marks}")


def _output_blocks(res: Result, cell: Cell, asis: bool, ctx: _Ctx,
                   caption: Callable[[str], str | None]) -> list[str]:
    """Markdown blocks for a cell's outputs, with figure and table captions applied."""
    comment = cell.options.get("comment")
    acc = _Outs(comment=str(comment) if isinstance(comment, str) else "")
    tbl_cap = caption("tbl-cap")
    fig_show = str(cell.options.get("fig-show", "asis")).lower()
    for out in _held(res.get("outputs", []), cell.options):
        if out.get("image") and fig_show == "hide":
            continue  # drawn, never shown
        if out["type"] == "stream":
            if out["name"] == "stderr" and not _shown(out, cell.options):
                continue
            if acc.streams and acc.streams[-1][0] != out["name"]:
                acc.flush_streams(asis)
            acc.streams.append((out["name"], out["text"]))
            continue
        acc.flush_streams(asis)
        if out["type"] == "error":
            text = "\n".join(out["traceback"]).rstrip()
            marks = fence_for(text)
            acc.blocks.append(f"{marks} {{.cell-output .cell-output-error}}\n{text}\n{marks}")
        elif out.get("image") and ctx.images is not None:
            _add_figure(out["image"], cell, ctx, acc)
        else:
            _add_display(out.get("data", {}), cell.label or "", asis, tbl_cap, acc)
    acc.flush_streams(asis)
    if fig_show == "hold":  # every figure after the cell's other outputs, in drawing order
        acc.blocks = [b for b in acc.blocks if not b.startswith("\x00fig")] + \
            [b for b in acc.blocks if b.startswith("\x00fig")]
    return _place_figures(acc, cell, caption)


def _held(outputs: list[Result], opts: dict[str, Any]) -> list[Result]:
    """knitr's `results: hold`: the cell's printed text (stdout) moves after its other
    outputs, as one piece; warnings, messages and figures keep their order."""
    if str(opts.get("results", "")).lower() != "hold":
        return outputs
    text = [o for o in outputs if o["type"] == "stream" and o["name"] == "stdout"]
    return [o for o in outputs if o not in text] + text


def _shown(out: Result, opts: dict[str, Any]) -> bool:
    """Is this stderr output shown? `warning: false` hides warnings (all of Python's stderr);
    R's messages are hidden by `message: false`, as in knitr."""
    if out.get("condition") == "message":
        return truthy(opts.get("message", True))
    return truthy(opts["warning"])


def _add_figure(image: dict[str, str], cell: Cell, ctx: _Ctx, acc: _Outs) -> None:
    n = len(acc.figures) + 1
    label = cell.label or ""
    stem = label if label.startswith("fig-") else f"cell-{cell.index + 1}"
    href = f"figures/{ctx.chapter}/{stem}-{n}.{image['file'].rsplit('.', 1)[1]}"
    assert ctx.images is not None
    ctx.resources[href] = ctx.images / image["file"]
    acc.figures.append(href)
    acc.sizes.append(_image_attrs(cell.options, image))
    acc.blocks.append(f"\x00fig{n - 1}")


def _image_attrs(opts: dict[str, Any], image: dict[str, str]) -> str:
    """A figure's attributes: its display size (`out-width` / `out-height`, else the size
    the kernel reported) and `fig-align`, which the float filter turns into the figure's
    `quarto-figure-<align>` class."""
    out = {k: str(opts[f"out-{k}"]).strip() for k in ("width", "height") if f"out-{k}" in opts}
    size = out or {k: image[k] for k in ("width", "height") if k in image}
    attrs = [f"{k}={v}" for k, v in size.items()]
    align = str(opts.get("fig-align", "default")).lower()
    if align in ("left", "center", "right"):
        attrs.append(f'fig-align="{align}"')
    return " ".join(attrs)


def _add_display(data: dict[str, Any], label: str, asis: bool, tbl_cap: str | None,
                 acc: _Outs) -> None:
    if "text/markdown" in data or (asis and "text/plain" in data):
        text = str(data.get("text/markdown", data.get("text/plain", ""))).strip("\n")
        if label.startswith("tbl-") and tbl_cap and not acc.table_done and _is_pipe_table(text):
            text += f"\n\n: {tbl_cap} {{#{label}}}"
            acc.table_done = True
        acc.blocks.append(text)
    elif "text/html" in data:
        html = str(data["text/html"]).strip("\n")
        marks = fence_for(html)
        acc.blocks.append(f"{marks}{{=html}}\n{html}\n{marks}")
    elif "text/plain" in data:
        text = str(data["text/plain"])
        if acc.comment:
            text = "\n".join(f"{acc.comment} {line}" for line in text.split("\n"))
        marks = fence_for(text)
        acc.blocks.append(f"{marks} {{.cell-output .cell-output-display}}\n{text}\n{marks}")


def _place_figures(acc: _Outs, cell: Cell, caption: Callable[[str], str | None]) -> list[str]:
    """A single labelled figure is an image with the id; several become a figure div whose
    panels carry `fig-subcap` subcaptions (ids `fig-x-1`, ... given by the parser)."""
    blocks, figures, label, opts = acc.blocks, acc.figures, cell.label or "", cell.options
    fig_cap, fig_alt, tbl_cap = caption("fig-cap"), caption("fig-alt"), caption("tbl-cap")
    alt_attr = f' fig-alt="{_attr_escape(fig_alt)}"' if fig_alt else ""
    fig_id = label if label.startswith("fig-") else None
    raw_sub = opts.get("fig-subcap")
    subcaps = [" ".join(str(x).split()) for x in (raw_sub if isinstance(raw_sub, list) else [])]
    for n, href in enumerate(figures):
        slot = blocks.index(f"\x00fig{n}")
        size = acc.sizes[n] if n < len(acc.sizes) else ""
        if len(figures) == 1:
            attrs = " ".join(x for x in (f"#{fig_id}" if fig_id else "", alt_attr.strip(), size)
                             if x)
            blocks[slot] = f"![{fig_cap or ''}]({href})" + (f"{{{attrs}}}" if attrs else "")
        else:
            sub = subcaps[n] if n < len(subcaps) else ""
            attrs = " ".join(x for x in (alt_attr.strip(), size) if x)
            blocks[slot] = f"![{sub}]({href})" + (f"{{{attrs}}}" if attrs else "")
    if len(figures) > 1 and fig_id:
        layout = "".join(f' {k}="{_attr_escape(str(opts[k]))}"'
                         for k in ("layout-ncol", "layout-nrow") if k in opts)
        blocks = [f"::: {{#{fig_id}{layout}}}", *blocks, *([fig_cap] if fig_cap else []), ":::"]
    elif len(figures) > 1 and fig_cap:
        blocks = [*blocks, fig_cap]  # no label: nothing to number, the caption is a paragraph
    elif not figures and fig_id and fig_cap:
        blocks = [f"::: {{#{fig_id}}}", *_named_images(blocks, alt_attr, opts), fig_cap, ":::"]
    elif not figures:
        blocks = _named_images(blocks, "", opts)
    if label.startswith("tbl-") and tbl_cap and not acc.table_done and blocks:
        blocks = [f"::: {{#{label}}}", *blocks, tbl_cap, ":::"]
    return blocks


_NAMED_IMAGE = re.compile(r"^(!\[[^\]]*\]\([^)\s]+\))$")


def _named_images(blocks: list[str], alt_attr: str, opts: dict[str, Any]) -> list[str]:
    """Images the code named (`knitr::include_graphics`) get the cell's alt text, size and
    alignment, as knitr gives them to its own plots."""
    attrs = " ".join(x for x in (alt_attr.strip(), _image_attrs(opts, {})) if x)
    if not attrs:
        return blocks
    return [_NAMED_IMAGE.sub(lambda m: f"{m.group(1)}{{{attrs}}}", b) for b in blocks]


def _cell_failures(doc: Doc, results: list[Result | None], problems: list[Problem],
                   failed_labels: list[str]) -> None:
    """Report the first failing cell; list labels whose outputs never appeared."""
    failed_before: set[str] = set()  # languages whose session stopped on an error
    for c in doc.cells:
        res = results[c.plan_index] if c.plan_index is not None and results else None
        failed = bool(res) and res["status"] == "error" and not truthy(c.options["error"])
        # a labelled cell that raised, or that never ran because an earlier one raised
        stopped = c.lang in failed_before and c.plan_index is not None and not res
        if c.label and (failed or stopped):
            failed_labels.append(c.label)
        if failed:
            if c.lang not in failed_before:
                file, line = problem_line(res, c, doc)
                problems.append(Problem(
                    "error", f"code cell failed: {res.get('ename')}: {res.get('evalue')}",
                    file, line))
            failed_before.add(c.lang)


def _emit_escaped(ctx: _Ctx, i: int) -> int:
    """```{{python}} shows a cell verbatim (Quarto's escape for writing about cells)."""
    doc = ctx.doc
    end = min(doc.escaped[i], len(doc.lines) - 1)
    shown = doc.lines[i : end + 1]
    shown[0] = ESCAPED_FENCE.sub(r"\1\2{\3}", shown[0])
    marks = fence_for("\n".join(shown))
    ctx.w.add(f"{marks} {{.markdown .cell-code}}", doc.locs[i])
    for k, text in enumerate(shown):
        ctx.w.add(text, doc.locs[i + k])
    ctx.w.add(marks, doc.locs[end])
    return end + 1


def _inline_line(ctx: _Ctx, i: int, problems: list[Problem]) -> str:
    """Line `i` with its inline expressions replaced by their values."""
    doc = ctx.doc
    line = doc.rewrites.get(i, doc.lines[i])  # a rewrite only changes the line's end
    pieces: list[str] = []
    pos = 0
    for m, pi in doc.inline[i]:
        pieces.append(line[pos : m.start()])
        r = ctx.results[pi] if pi < len(ctx.results) else None
        if r is not None and r["status"] == "ok":
            pieces.append(r["value"])
        else:
            pieces.append(m.group(0))
            if r is not None:
                problems.append(Problem(
                    "error", f"inline expression `{m.group(3).strip()}` failed: "
                    f"{r.get('ename')}: {r.get('evalue')}", *doc.locs[i]))
        pos = m.end()
    pieces.append(line[pos:])
    return "".join(pieces)


def emit(doc: Doc, results: list[Result | None], images: Path | None, chapter: str,
         problems: list[Problem], failed_labels: list[str]) -> tuple[Writer, dict[str, Path]]:
    """The chapter's markdown (with its line map) and the figure files it references."""
    ctx = _Ctx(doc, results, images, chapter)
    _cell_failures(doc, results, problems, failed_labels)
    cells = {c.fence: c for c in doc.cells}
    i = 0
    while i < len(doc.lines):
        if i in cells:
            _emit_cell(cells[i], ctx)
            i = cells[i].close + 1
        elif i in doc.escaped:
            i = _emit_escaped(ctx, i)
        else:
            line = _inline_line(ctx, i, problems) if i in doc.inline else \
                doc.rewrites.get(i, doc.lines[i])
            ctx.w.add(line, doc.locs[i])
            i += 1
    return ctx.w, ctx.resources
