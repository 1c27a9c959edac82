"""`export_book`: one volume of `book/` to `vol<N>.pdf` or `vol<N>.epub`, atomically."""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from ..model import Problem
from ..pipeline import Progress, prepare_book
from .errors import ExportError

FORMATS = ("pdf", "epub")


@dataclass(frozen=True)
class ExportResult:
    """The file written, how long it took, and what the export could not carry over."""

    path: Path
    seconds: float
    problems: list[Problem]


def export_volume(project_dir: Path, profile: str | None, to: str, target: Path, *,
                  strict: bool = False, cache_dir: Path | None = None,
                  progress: Progress | None = None) -> ExportResult:
    """Export the Quarto book at `project_dir` (with `profile`) to `target` as `to`.

    Raises ExportError (a BuildError) on errors, or on warnings under `strict`; `target` is
    then left as it was.
    """
    if to not in FORMATS:
        raise ExportError([Problem("error", f"unknown export format {to!r} "
                                   f"(choose {' or '.join(FORMATS)})")])
    start = time.perf_counter()
    book = prepare_book(project_dir, profile=profile, target=to, cache_dir=cache_dir,
                        progress=progress)
    if to == "pdf":
        from .pdf import compile_pdf, label_locator, typst_source

        source, problems, images = typst_source(book)
        _fail_if(strict, [*book.problems, *problems])
        data = compile_pdf(source, images, _font_config(project_dir, profile),
                           label_locator(book))
    else:
        from .epub import epub_bytes

        data, problems = epub_bytes(book)
        _fail_if(strict, [*book.problems, *problems])
    write_bytes_atomic(target, data)
    return ExportResult(target, time.perf_counter() - start, [*book.problems, *problems])


def _font_config(project_dir: Path, profile: str | None) -> Path:
    """The config file that names the main font: the profile's if it does, else the base."""
    if profile:
        prof = Path(project_dir) / f"_quarto-{profile}.yml"
        if prof.is_file() and "mainfont" in prof.read_text(encoding="utf-8"):
            return prof
    return Path(project_dir) / "_quarto.yml"


def _fail_if(strict: bool, problems: list[Problem]) -> None:
    if strict and problems:
        raise ExportError(problems)


def write_bytes_atomic(target: Path, data: bytes) -> None:
    """Write to a temporary file beside `target`, then rename: never a half-written file."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a book is for sharing
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_book(root: Path, vol: str, to: str, out_dir: Path, *, strict: bool = False,
                progress: Progress | None = None) -> Path:
    """Volume `vol` ("1" or "2") of `root/book` to `out_dir/vol<vol>.<pdf|epub>`.

    The entry point `mlsys publish` uses; raises ExportError (file:line problems) when the
    volume cannot be exported, leaving any earlier file in `out_dir` as it was.
    """
    target = Path(out_dir) / f"vol{vol}.{to}"
    return export_volume(Path(root) / "book", f"vol{vol}", to, target, strict=strict,
                         progress=progress).path
