"""Phase 2 of execution for `{python}` cells: one Jupyter kernel per chapter.

The kernel starts in the chapter's execute-dir (so `import helpers` finds a module there) with
settings that make outputs reproducible (hash seed, SVG ids, a fixed figure size).
"""

from __future__ import annotations

import ast
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def cell_timeout() -> float:
    """Seconds one cell or inline expression may run (MLSYS_CELL_TIMEOUT, default 600)."""
    try:
        return float(os.environ.get("MLSYS_CELL_TIMEOUT", "600"))
    except ValueError:
        return 600.0


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



_STARTUP = "%config InlineBackend.figure_formats = ['svg']\n"


class KernelStopped(Exception):
    """The kernel died or timed out: nothing later in the chapter can run."""


class Kernel:
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
        limit = cell_timeout()
        deadline = time.monotonic() + limit
        idle = False
        while not idle:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.km.interrupt_kernel()
                raise KernelStopped(f"TimeoutError: did not finish in {limit:g} s "
                                     "(set MLSYS_CELL_TIMEOUT to allow longer)")
            try:
                msg = self.kc.get_iopub_msg(timeout=min(1.0, remaining))
            except queue.Empty:
                if not self.km.is_alive():
                    raise KernelStopped("KernelDied: the Python kernel died while running "
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
                raise KernelStopped("KernelDied: no reply from the Python kernel") from None
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def run_cell(self, code: str) -> dict[str, Any]:
        outputs: list[dict[str, Any]] = []

        def hook(msg: dict[str, Any]) -> None:
            kind, content = msg["msg_type"], msg["content"]
            if kind == "stream":
                outputs.append({"type": "stream", "name": content["name"], "text": content["text"]})
            elif kind in ("display_data", "execute_result"):
                outputs.append({"type": "display", "data": content["data"]})
            elif kind == "error":
                outputs.append({"type": "error", "ename": content["ename"],
                                "evalue": content["evalue"],
                                "traceback": [ANSI.sub("", t) for t in content["traceback"]]})
            elif kind == "clear_output":
                outputs.clear()

        try:
            content = self._request(code, hook)["content"]
        except KernelStopped as exc:
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
        except KernelStopped as exc:
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


