"""Quarto shortcodes other than `include`: pagebreak, meta, var, env, kbd, video.

They are expanded in the Markdown text, before pandoc reads it, exactly as Quarto does, and
outside code (fenced blocks and inline code keep them literally). Every replacement stays on
its line, so line numbers of later problems are unchanged. `{{{< x >}}}` is Quarto's escape
and yields the literal `{{< x >}}`. An unknown shortcode is left visible and reported.
"""

from __future__ import annotations

import html
import json
import os
import re
import shlex
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

_SHORTCODE = re.compile(r"(\{?)\{\{<\s*([\w-]+)((?:\s+[^>]*?)?)\s*>\}\}(\}?)")
_KWARG = re.compile(r"^[A-Za-z_][\w-]*=")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_YOUTUBE = re.compile(r"(?:youtube\.com/watch\?v=|youtu\.be/|youtube\.com/embed/)([\w-]{6,})")
_VIMEO = re.compile(r"vimeo\.com/(?:video/)?(\d+)")


@dataclass
class ShortcodeResult:
    text: str
    unknown: list[tuple[int, str]] = field(default_factory=list)  # (1-based line, message)
    extensions: frozenset[str] = frozenset()  # names Lua extensions handle


def _lookup(data: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _scalar(value: Any) -> str | None:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    return None


def _video(args: list[str], kwargs: dict[str, str]) -> str:
    src = kwargs.get("src") or (args[0] if args else "")
    title = html.escape(kwargs.get("title", "Video"), quote=True)
    size = "".join(f' {k}="{html.escape(kwargs[k], quote=True)}"'
                   for k in ("width", "height") if k in kwargs)
    yt, vm = _YOUTUBE.search(src), _VIMEO.search(src)
    if not (yt or vm or "://" in src):
        # a local file: an image element pandoc writes as <video>, and we copy as a resource
        dims = " ".join(f"{k}={kwargs[k]}" for k in ("width", "height") if k in kwargs)
        return f"![]({src})" + (f"{{{dims}}}" if dims else "")
    if yt or vm:
        url = (f"https://www.youtube.com/embed/{yt.group(1)}" if yt
               else f"https://player.vimeo.com/video/{vm.group(1)}")
        return (f'<div class="video-container"><iframe src="{url}" title="{title}"{size} '
                'frameborder="0" allowfullscreen loading="lazy"></iframe></div>')
    return (f'<div class="video-container"><video controls preload="metadata" '
            f'src="{html.escape(src, quote=True)}" title="{title}"{size}></video></div>')


def expand_shortcodes(text: str, meta: dict[str, Any], variables: dict[str, Any],
                      extensions: frozenset[str] = frozenset()) -> ShortcodeResult:
    """Replace shortcodes in Markdown text (outside code); `include` is not handled here.

    A shortcode an extension contributes (`extensions`: its names) becomes a placeholder span
    carrying its arguments and line, which the Lua stage (`luafilters`) replaces."""
    result = ShortcodeResult("", extensions=extensions)
    out_lines: list[str] = []
    fence: str | None = None
    for lineno, line in enumerate(text.split("\n"), start=1):
        m = _FENCE.match(line)
        if fence is not None:
            if m and m.group(1)[0] == fence[0] and len(m.group(1)) >= len(fence) \
                    and line.strip() == m.group(1):
                fence = None
            out_lines.append(line)
            continue
        if m:
            fence = m.group(1)
            out_lines.append(line)
            continue
        if "{{<" not in line:
            out_lines.append(line)
            continue
        # keep inline code spans untouched: expand only between them
        pieces: list[str] = []
        pos = 0
        for code in _INLINE_CODE.finditer(line):
            pieces.append(_expand_segment(line[pos:code.start()], meta, variables, lineno, result))
            pieces.append(code.group(0))
            pos = code.end()
        pieces.append(_expand_segment(line[pos:], meta, variables, lineno, result))
        out_lines.append("".join(pieces))
    result.text = "\n".join(out_lines)
    return result


def _expand_segment(segment: str, meta: dict[str, Any], variables: dict[str, Any],
                    lineno: int, result: ShortcodeResult) -> str:
    def repl(m: re.Match[str]) -> str:
        open_brace, name, rest, close_brace = m.groups()
        if open_brace and close_brace:  # {{{< x >}}} -> literal {{< x >}}
            return m.group(0)[1:-1]
        try:
            tokens = shlex.split(rest or "")
        except ValueError:
            tokens = (rest or "").split()
        args = [t for t in tokens if not _KWARG.match(t)]
        kwargs = dict(t.split("=", 1) for t in tokens if _KWARG.match(t))
        value: str | None
        if name == "pagebreak":
            value = ""
        elif name in ("meta", "var", "env"):
            key = args[0] if args else ""
            if name == "env":
                value = os.environ.get(key)
            else:
                value = _scalar(_lookup(meta if name == "meta" else variables, key))
            if value is None:
                result.unknown.append((lineno, f"{name} shortcode: no value for '{key}'"))
                value = f"?{name}:{key}"
        elif name == "kbd":
            keys = kwargs.get("mac") or kwargs.get("win") or kwargs.get("linux") or \
                " ".join(args)
            value = f"<kbd>{html.escape(keys)}</kbd>"
        elif name == "video":
            value = _video(args, kwargs)
        elif name == "include":
            return m.group(0)
        elif name in result.extensions:
            coded = quote(json.dumps(tokens), safe="")
            value = (f'[]{{.mlsys-shortcode name="{name}" args="{coded}" line="{lineno}"}}')
        else:
            result.unknown.append((lineno, f"unknown shortcode '{name}'"))
            return m.group(0)
        return open_brace + value + close_brace

    return _SHORTCODE.sub(repl, segment)
