"""What is installed of the book toolchain, for `mlsys doctor`.

Each probe runs the real tool (or asks its Python package) for a version, so the report tells
what a build will actually find, not what a config file claims. A missing tool is a row with
version None and a hint on how to get it, never an exception.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")


def _run_version(cmd: list[str], timeout: float = 30) -> str | None:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if proc.returncode != 0:
        return None
    m = re.search(r"\d+(?:\.\d+)+", proc.stdout + proc.stderr)
    return m.group(0) if m else None


def _pandoc() -> str | None:
    try:
        import pypandoc

        return str(pypandoc.get_pandoc_version())
    except (ImportError, OSError, RuntimeError):
        return None


def _kernel() -> str | None:
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

        spec = KernelSpecManager().get_kernel_spec("python3")
    except (ImportError, NoSuchKernel, OSError):
        return None
    python = spec.argv[0] if spec.argv else sys.executable
    if python in ("python", "python3", "{python}"):
        python = sys.executable
    try:
        proc = subprocess.run(
            [python, "-c", "import ipykernel, sys; "
             "print(f'ipykernel {ipykernel.__version__}, Python {sys.version.split()[0]}')"],
            capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def _pagefind() -> str | None:
    return _run_version([sys.executable, "-m", "pagefind", "--version"])


def _typst() -> str | None:
    try:
        from importlib.metadata import PackageNotFoundError, version

        return version("typst")
    except (ImportError, PackageNotFoundError):
        return None


def _chromium() -> str | None:
    if not CHROMIUM.exists():
        return None
    return _run_version([str(CHROMIUM), "--headless", "--version"])


def _r() -> str | None:
    """R and knitr versions (R cells and `engine: knitr` chapters need both)."""
    try:
        proc = subprocess.run(
            ["Rscript", "--vanilla", "-e", "cat(paste0('R ', getRversion(), ', knitr ', "
             "tryCatch(as.character(packageVersion('knitr')), error = function(e) 'MISSING')))"],
            capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = proc.stdout.strip()
    return out if proc.returncode == 0 and out and "MISSING" not in out else None


_PROBES: list[tuple[str, Callable[[], str | None], str]] = [
    ("pandoc", _pandoc, "pip install pypandoc-binary (ships pandoc)"),
    ("python kernel", _kernel, "pip install ipykernel && python -m ipykernel install --sys-prefix"),
    ("pagefind", _pagefind, "pip install 'pagefind[bin]'"),
    ("typst", _typst, "pip install typst"),
    ("R + knitr", _r, "apt-get install r-base-core r-cran-knitr r-cran-jsonlite r-cran-ggplot2"),
    ("chromium", _chromium, "apt-get install chromium (browser tests and PDF screenshots)"),
]


def toolchain_report() -> list[tuple[str, str | None, str]]:
    """(name, version or None when missing, hint) for every tool the book build uses."""
    return [(name, probe(), hint) for name, probe, hint in _PROBES]
