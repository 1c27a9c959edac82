"""`mlsys preview`: serve the site locally, re-render what an author saves, reload the browser.

Only the standard library serves: an HTTP server whose HTML responses get a ten-line live-reload
script (never written to disk, so a built site stays clean), and a Server-Sent Events stream that
says "reload" after each rebuild. watchfiles reports saved files; a saved chapter is re-rendered
alone (the pipeline's caches make that fast) and swapped into the site atomically. The search
index is refreshed after the reload is sent, so the author never waits for it.
"""

from __future__ import annotations

import http.server
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from mlsys.build import CACHE_DIR, SITE_DIR, BuildError, Part, SiteBuilder
from mlsys.site import MANIFEST_NAME, run_pagefind

EVENTS_PATH = "/__mlsys/events"
# Reload on "reload"; on "problem", show the build's problems in a banner over the old page,
# so an author sees why the page did not change without looking at the terminal.
RELOAD_SNIPPET = (
    "<script>(function(){var es=new EventSource('" + EVENTS_PATH + "');"
    "es.addEventListener('reload',function(){location.reload();});"
    "es.addEventListener('problem',function(e){var b=document.getElementById('mlsys-problem');"
    "if(!b){b=document.createElement('pre');b.id='mlsys-problem';b.style.cssText='position:fixed;"
    "left:1rem;right:1rem;bottom:1rem;z-index:99;max-height:40vh;overflow:auto;margin:0;"
    "padding:1rem;border-radius:8px;background:#2b0f0f;color:#ffd7d7;font:13px/1.5 monospace;"
    "white-space:pre-wrap;box-shadow:0 8px 30px rgba(0,0,0,.4)';document.body.appendChild(b);}"
    "b.textContent='mlsys preview: the last save did not build\\n\\n'+JSON.parse(e.data);});"
    "})();</script>"
)
IGNORED_DIRS = {SITE_DIR, CACHE_DIR, "_book", "_freeze", ".git", "__pycache__", ".quarto"}


class ReloadHub:
    """Counts rebuilds; SSE clients wait on it and are told each time the count moves."""

    def __init__(self) -> None:
        self.generation = 0
        self.last: tuple[str, str] = ("reload", "")  # the event of the latest generation
        self.cond = threading.Condition()
        self.closed = False

    def fire(self, event: str = "reload", data: str = "") -> None:
        with self.cond:
            self.generation += 1
            self.last = (event, data)
            self.cond.notify_all()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        with self.cond:
            self.cond.wait_for(lambda: self.generation != seen or self.closed, timeout)
            return self.generation


class _Handler(http.server.SimpleHTTPRequestHandler):
    hub: ReloadHub

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # a preview server that prints every request drowns the build messages

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if self.path.split("?")[0] == EVENTS_PATH:
            self._events()
            return
        path = Path(self.translate_path(self.path))
        if path.is_dir() and self.path.split("?")[0].endswith("/"):
            path = path / "index.html"
        if path.suffix == ".html" and path.is_file():
            self._html(path)
            return
        super().do_GET()

    def _html(self, path: Path) -> None:
        text = path.read_text("utf-8", errors="replace")
        cut = text.rfind("</body>")
        text = text[:cut] + RELOAD_SNIPPET + text[cut:] if cut >= 0 else text + RELOAD_SNIPPET
        data = text.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def _events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        hub = self.hub
        seen = hub.generation
        try:
            self.wfile.write(b"retry: 500\n\n")
            self.wfile.flush()
            while not hub.closed:
                now = hub.wait(seen, timeout=10.0)
                if hub.closed:
                    break
                if now != seen:
                    seen = now
                    event, data = hub.last
                    payload = json.dumps(data) if event == "problem" else str(now)
                    self.wfile.write(f"event: {event}\ndata: {payload}\n\n".encode())
                else:
                    self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """Missing pages get the site's own 404 page, as on a real host."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file() or self.command != "GET":
            super().send_error(code, message, explain)
            return
        data = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@dataclass
class RebuildEvent:
    """One rebuild triggered by saved files, with how long the reader waited for it."""

    files: list[Path]
    chapters: list[str]
    seconds: float
    error: str | None = None


# Files editors write beside the one being saved: vim's swap files and its write test "4913",
# emacs's "#autosave#" and ".#lock", backups ("~", ".bak", ".orig"), JetBrains' safe-write
# copies, and "name.tmp"-style atomic-save temporaries. A save must not rebuild (or be
# reported) because of them.
_TEMP_SUFFIXES = ("~", ".swp", ".swo", ".swx", ".tmp", ".bak", ".orig", ".crswap",
                  "___jb_tmp___", "___jb_old___")


def is_editor_temp(name: str) -> bool:
    """Whether a file name is an editor's temporary or backup file, not a source."""
    return (name.startswith((".", "#")) or name.endswith(_TEMP_SUFFIXES) or name.isdigit()
            or re.fullmatch(r".+\.(qmd|md|yml|yaml|bib)\.[0-9a-f]{4,}", name) is not None)


@dataclass
class Preview:
    """The running preview: a server thread and a watcher thread over one SiteBuilder."""

    builder: SiteBuilder
    parts: list[Part]
    port: int = 0
    echo: Callable[[str], None] = print
    events: list[RebuildEvent] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.hub = ReloadHub()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.server: _Server | None = None
        self.rebuilt = threading.Event()  # set after every rebuild, for tests and tools

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"hub": self.hub})
        self.server = _Server(
            ("127.0.0.1", self.port), partial(handler, directory=str(self.builder.out))
        )
        serve = threading.Thread(target=self.server.serve_forever, name="preview-http",
                                 daemon=True)
        watch = threading.Thread(target=self._watch, name="preview-watch", daemon=True)
        self._threads = [serve, watch]
        serve.start()
        watch.start()

    def stop(self) -> None:
        self._stop.set()
        self.hub.close()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        for t in self._threads:
            t.join(timeout=5)

    # -- watching ----------------------------------------------------------------------------

    def watched_dirs(self) -> list[Path]:
        return sorted({self.builder.root / p.path for p in self.parts})

    def _watch(self) -> None:
        from watchfiles import watch

        dirs = [str(d) for d in self.watched_dirs()]
        for changes in watch(*dirs, stop_event=self._stop, debounce=50, step=20,
                             watch_filter=self._relevant, yield_on_timeout=False,
                             raise_interrupt=False):
            files = sorted({Path(p) for _, p in changes})
            self.rebuild(files)

    def _relevant(self, _change: Any, path: str) -> bool:
        p = Path(path)
        if any(part in IGNORED_DIRS or part.startswith(".") for part in p.parts[-6:-1]):
            return False
        return p.name != MANIFEST_NAME and not is_editor_temp(p.name)

    def rebuild(self, files: list[Path]) -> RebuildEvent:
        """Re-render what `files` affect: saved chapters alone, anything else the whole part.

        A saved chapter is re-rendered only in the volume(s) that list it; any other file
        (config, bibliography, an included snippet, an image) rebuilds each part it lives in.
        """
        t0 = time.perf_counter()
        chapters_of = {part.id: self._chapter_paths(part) for part in self.parts}
        all_chapters = set().union(*chapters_of.values()) if chapters_of else set()
        saved = [f for f in files if f.resolve() in all_chapters]
        others = [f for f in files if f.resolve() not in all_chapters]
        chapters = sorted({f.stem for f in saved})
        error = None
        deferred = False
        try:
            for part in self.parts:
                if self._parts_for(others, [part]):
                    result = self.builder.build([part], None, with_labs=False,
                                                defer_search=True)
                else:
                    mine = [f.stem for f in saved if f.resolve() in chapters_of[part.id]]
                    if not mine:
                        continue
                    result = self.builder.build([part], mine, with_labs=False,
                                                defer_search=True)
                deferred = deferred or bool(result.report and result.report.search_deferred)
        except BuildError as exc:
            error = "\n".join(str(p) for p in exc.problems)
        except Exception as exc:  # a preview must survive a broken save and keep serving
            error = f"{type(exc).__name__}: {exc}"
        seconds = time.perf_counter() - t0
        event = RebuildEvent(files, chapters, seconds, error)
        self.events.append(event)
        if error:
            self.echo(f"rebuild failed ({seconds:.2f} s):\n{error}")
            self.hub.fire("problem", error)
        else:
            self.hub.fire()
            self.echo(f"rebuilt {', '.join(f.name for f in files)} in {seconds:.2f} s")
            if deferred:
                try:
                    run_pagefind(self.builder.out)
                except Exception as exc:  # search is a convenience in preview
                    self.echo(f"search index not refreshed: {exc}")
        self.rebuilt.set()
        return event

    def _parts_for(self, files: list[Path], parts: list[Part]) -> list[Part]:
        """The parts among `parts` whose source folder holds any of `files`."""
        out = []
        for part in parts:
            base = (self.builder.root / part.path).resolve()
            if any(base in f.resolve().parents for f in files):
                out.append(part)
        return out

    def _chapter_paths(self, part: Part) -> set[Path]:
        """The chapter files a part lists (empty when its config is broken: rebuild reports it)."""
        from mlsys.project import load_project

        try:
            project = load_project(self.builder.source(part), part.profile)
        except BuildError:
            return set()
        return {c.path.resolve() for c in project.chapters}


def run_preview(builder: SiteBuilder, *, part: str | None = None, port: int = 0,
                build_first: bool = True, echo: Callable[[str], None] = print) -> None:
    """Build, then serve and watch until interrupted (Ctrl-C)."""
    parts = builder.book_parts() if part == "book" else [
        p for p in builder.curriculum.parts
        if p.kind == "quarto" and builder.curriculum.present(p)
    ]
    if build_first:
        builder.build(parts if part == "book" else None)
    preview = Preview(builder, parts, port=port, echo=echo)
    preview.start()
    echo(f"serving {builder.out} at {preview.url}  (Ctrl-C to stop)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        echo("stopping preview")
    finally:
        preview.stop()
