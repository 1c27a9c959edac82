"""Long-running pandoc processes for one build, so a cold build starts pandoc once, not twice
per chapter.

Each chapter needs two conversions (Markdown -> JSON AST, JSON AST -> HTML). Run as separate
`pandoc` processes, start-up alone costs about as much as bare pandoc's whole conversion of a
small chapter, which blows the "2x bare pandoc" budget. Inside a `pandoc_session()` the same
conversions go to `pandoc lua lua/worker.lua` processes (one per thread that needs one, started
on first use, so a warm build starts none) that read one JSON request per line.

`pandoc server` was the first design: the pandoc that pypandoc-binary ships is linked without
GHC's threaded runtime and aborts on its first HTTP request, so it cannot be used.

A worker that cannot start or dies mid-build is never silent and never yields wrong output:
the conversion is redone with a one-off `pandoc` process, and `PandocSession.fallback` says
why (the pipeline reports it as a warning).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

WORKER_LUA = Path(__file__).resolve().parent / "lua" / "worker.lua"


class WorkerFailed(RuntimeError):
    """The worker process is gone or answered nonsense (not a conversion error)."""


@dataclass(frozen=True)
class Conversion:
    """One pandoc conversion a worker can do: what `run_pandoc`'s argument list means."""

    source: str
    target: str
    mathml: bool = False
    wrap: str | None = None
    citeproc: bool = False

    @staticmethod
    def from_args(args: list[str]) -> Conversion | None:
        """The conversion `pandoc ARGS` does, or None when ARGS use an option we don't map."""
        source = target = wrap = None
        mathml = citeproc = False
        i = 0
        while i < len(args):
            a = args[i]
            if a in ("-f", "--from") and i + 1 < len(args):
                source, i = args[i + 1], i + 2
                continue
            if a in ("-t", "--to") and i + 1 < len(args):
                target, i = args[i + 1], i + 2
                continue
            if a == "--mathml":
                mathml = True
            elif a == "--citeproc":
                citeproc = True
            elif a.startswith("--wrap="):
                wrap = a.split("=", 1)[1]
            else:
                return None
            i += 1
        if source is None or target is None:
            return None
        return Conversion(source, target, mathml, wrap, citeproc)


class _Worker:
    """One `pandoc lua worker.lua` process; used by one thread at a time."""

    def __init__(self, pandoc: str) -> None:
        # stderr goes to a file, not a pipe: pandoc's warnings over a long build could fill a
        # pipe nobody reads and stall the worker
        self.err = tempfile.TemporaryFile()
        try:
            self.proc = subprocess.Popen(
                [pandoc, "lua", str(WORKER_LUA)], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=self.err)
        except OSError:
            self.err.close()
            raise

    def convert(self, conv: Conversion, text: str, cwd: Path | None) -> tuple[bool, str]:
        """(True, output) or (False, pandoc's error message); WorkerFailed if the process is
        unusable."""
        request: dict[str, object] = {"from": conv.source, "to": conv.target, "text": text,
                                      "mathml": conv.mathml, "citeproc": conv.citeproc}
        if conv.wrap:  # (JSON null would reach Lua as a value, not as nil)
            request["wrap"] = conv.wrap
        if cwd:
            request["cwd"] = str(cwd)
        try:
            assert self.proc.stdin is not None and self.proc.stdout is not None
            self.proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            self.proc.stdin.flush()
            line = self.proc.stdout.readline()
        except (OSError, ValueError) as exc:  # a broken pipe: say why the worker died
            raise WorkerFailed(self._death() if self.proc.poll() is not None
                               else f"pandoc worker: {exc}") from exc
        if not line:
            raise WorkerFailed(self._death())
        try:
            reply = json.loads(line)
        except ValueError as exc:
            raise WorkerFailed(f"pandoc worker answered: {line[:200]!r}") from exc
        if "error" in reply:
            return False, str(reply["error"])
        out = str(reply["output"])
        # the pandoc CLI ends its output with a newline; keep byte-identical results
        return True, out if out.endswith("\n") else out + "\n"

    def _death(self) -> str:
        try:
            self.proc.wait(timeout=5)
            self.err.seek(0)
            err = self.err.read().decode("utf-8", "replace")
        except (subprocess.TimeoutExpired, OSError, ValueError):
            err = ""
        return (f"pandoc worker exited (status {self.proc.returncode})"
                + (f": {' '.join(err.split())[:300]}" if err.strip() else ""))

    def close(self) -> None:
        """Close stdin (the worker's loop ends), wait briefly, kill if it hangs."""
        try:
            if self.proc.stdin:
                self.proc.stdin.close()
            self.proc.wait(timeout=5)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()
        self.err.close()


class PandocSession:
    """The workers of one build; `convert` is safe to call from several threads."""

    def __init__(self, pandoc: str) -> None:
        self.pandoc = pandoc
        self._idle: list[_Worker] = []
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self.fallback: str | None = None  # why conversions went back to one-off processes
        self._reported = False
        self.conversions = 0  # requests the workers answered (errors included)

    def convert(self, conv: Conversion, text: str, cwd: Path | None) -> tuple[bool, str] | None:
        """(ok, output-or-error) from a worker; None when the workers failed (run it anew)."""
        worker = self._take()
        if worker is None:
            return None
        try:
            result = worker.convert(conv, text, cwd)
        except WorkerFailed as exc:
            with self._lock:
                self.fallback = self.fallback or str(exc)
            worker.close()
            return None
        with self._lock:
            self._idle.append(worker)
            self.conversions += 1
        return result

    def _take(self) -> _Worker | None:
        with self._lock:
            if self.fallback is not None:
                return None
            if self._idle:
                return self._idle.pop()
        try:
            worker = _Worker(self.pandoc)
        except OSError as exc:
            with self._lock:
                self.fallback = f"cannot start pandoc worker: {exc}"
            return None
        with self._lock:
            self._all.append(worker)
        return worker

    def unreported_fallback(self) -> str | None:
        """`fallback` the first time it is asked for (one warning per build, not per volume)."""
        with self._lock:
            if self.fallback is None or self._reported:
                return None
            self._reported = True
            return self.fallback

    def close(self) -> None:
        with self._lock:
            workers, self._all, self._idle = self._all, [], []
        for w in workers:
            w.close()

    @property
    def workers_started(self) -> int:
        return len(self._all)


_CURRENT: PandocSession | None = None
_DEPTH = 0
_SESSION_LOCK = threading.Lock()


def current_session() -> PandocSession | None:
    """The session `run_pandoc` sends conversions to (None outside `pandoc_session()`)."""
    return _CURRENT


@contextmanager
def pandoc_session(pandoc: str) -> Iterator[PandocSession]:
    """Send `run_pandoc` conversions to long-running workers until the block ends.

    Nested sessions (a site build around a book build) share the outer one; the workers are
    shut down when the outermost block ends, even on an exception.
    """
    global _CURRENT, _DEPTH
    with _SESSION_LOCK:
        if _CURRENT is None:
            _CURRENT = PandocSession(pandoc)
        _DEPTH += 1
        session = _CURRENT
    try:
        yield session
    finally:
        with _SESSION_LOCK:
            _DEPTH -= 1
            last = _DEPTH == 0
            if last:
                _CURRENT = None
        if last:
            session.close()
