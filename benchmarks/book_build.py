"""How fast `mlsys build book` is: cold, warm, one chapter edited, against bare pandoc.

Prints a table of figures measured on a copy of book/ in a temporary folder (the real sources
are never edited). Targets: warm < 1 s; one chapter edited < 1.5 s; cold <= 2x (bare pandoc
of every chapter, sequential) + (cell execution time).

    python benchmarks/book_build.py            # the real book/
    python benchmarks/book_build.py --quick    # the small fixture book (CI proves it runs)

While book/ is still being written, chapters listed in _quarto-vol*.yml that do not exist yet
are dropped from the copy's config, and the table says how many.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tools" / "tests" / "fixtures" / "site_repo"


def prepare(source: Path, dest: Path) -> int:
    """Copy curriculum.yml and book/ to dest; drop missing chapters. Returns how many."""
    dest.mkdir(parents=True)
    shutil.copy(source / "curriculum.yml", dest)
    shutil.copytree(source / "book", dest / "book",
                    ignore=shutil.ignore_patterns(".mlsys-cache", "_book", "_site", "tests"))
    dropped = 0

    def keep(entries: list) -> list:
        nonlocal dropped
        out = []
        for e in entries:
            if isinstance(e, str):
                if (dest / "book" / e).exists():
                    out.append(e)
                else:
                    dropped += 1
            elif isinstance(e, dict) and isinstance(e.get("chapters"), list):
                e = {**e, "chapters": keep(e["chapters"])}
                if e["chapters"]:
                    out.append(e)
            else:
                out.append(e)
        return out

    for cfg in (dest / "book").glob("_quarto-*.yml"):
        data = yaml.safe_load(cfg.read_text()) or {}
        book = data.get("book") or {}
        for key in ("chapters", "appendices"):
            if isinstance(book.get(key), list):
                book[key] = keep(book[key])
                if not book[key]:
                    del book[key]
        cfg.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return dropped


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (user + system).

    On a shared machine wall time swings with other people's load; CPU time does not, so the
    cold-build budget is also checked on it.
    """
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(
        resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def timed(fn, *args, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - t0, out


def preview_latency(builder, parts, chapter: Path) -> float | None:
    """Seconds from saving `chapter` to the live-reload event of a running preview."""
    import http.client
    import threading

    from mlsys.preview import EVENTS_PATH, Preview

    preview = Preview(builder, parts, echo=lambda _m: None)
    preview.start()
    got = threading.Event()
    stamp: list[float] = []
    conn = http.client.HTTPConnection("127.0.0.1", preview.server.server_address[1], timeout=35)

    def listen() -> None:
        conn.request("GET", EVENTS_PATH)
        resp = conn.getresponse()
        ready.set()
        for line in iter(resp.fp.readline, b""):
            if line.startswith(b"event: reload"):
                stamp.append(time.perf_counter())
                got.set()
                return

    ready = threading.Event()
    threading.Thread(target=listen, daemon=True).start()
    try:
        ready.wait(10)
        time.sleep(0.3)  # the watcher registers its watches
        t0 = time.perf_counter()
        chapter.write_text(chapter.read_text() + "\nSaved while previewing.\n")
        return stamp[0] - t0 if got.wait(30) else None
    finally:
        preview.stop()
        conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="use the small fixture book (for CI)")
    ap.add_argument("--source", type=Path,
                    help="another folder holding curriculum.yml and book/ (default: this repo)")
    args = ap.parse_args()

    import pypandoc
    from mlsys.build import SiteBuilder
    from mlsys.execute import execute_chapter
    from mlsys.model import BuildError
    from mlsys.project import load_project

    source = FIXTURE if args.quick else (args.source or REPO)
    with tempfile.TemporaryDirectory(prefix="mlsys-bench-") as tmp:
        root = Path(tmp) / "repo"
        dropped = prepare(source, root)
        builder = SiteBuilder(root)
        parts = builder.book_parts()
        projects = [load_project(root / p.path, p.profile) for p in parts]
        chapters = list(dict.fromkeys(c.path for pr in projects for c in pr.chapters))

        # Bare pandoc: each chapter's source, sequentially, no filters, no site.
        pandoc = pypandoc.get_pandoc_path()
        t0, c0 = time.perf_counter(), cpu_seconds()
        for path in chapters:
            subprocess.run([pandoc, "-f", "markdown", "-t", "html", str(path)],
                           check=True, capture_output=True)
        bare, bare_cpu = time.perf_counter() - t0, cpu_seconds() - c0

        # Cell execution alone (kernels included), into a scratch freeze cache.
        by_path = {c.path: pr for pr in projects for c in pr.chapters}
        scratch = Path(tmp) / "exec-only"
        t0, c0 = time.perf_counter(), cpu_seconds()
        for path in chapters:
            execute_chapter(path, by_path[path], scratch)
        cells, cells_cpu = time.perf_counter() - t0, cpu_seconds() - c0

        try:
            c0 = cpu_seconds()
            cold, res_cold = timed(builder.build, parts)
            cold_cpu = cpu_seconds() - c0
        except BuildError as exc:
            errors = [p for p in exc.problems if p.severity == "error"]
            print(f"book/ does not build yet ({len(errors)} errors), so it cannot be timed; "
                  f"first: {errors[0] if errors else exc.problems[0]}")
            print(f"  measured so far: bare pandoc {bare:.3f} s, cell execution {cells:.3f} s "
                  f"({len(chapters)} chapters)")
            return 1
        warm, res_warm = timed(builder.build, parts)

        edited = max(chapters, key=lambda p: p.stat().st_size) if args.quick else next(
            (c for c in chapters if c.stem == "introduction"), chapters[-1])
        edited.write_text(edited.read_text() + "\n\nOne more sentence, for the benchmark.\n")
        one, res_one = timed(builder.build, parts, [edited.stem])
        edited.write_text(edited.read_text() + "\nA second edit.\n")
        again, res_again = timed(builder.build, parts, [edited.stem])
        edited.write_text(edited.read_text() + "\nAnd another.\n")
        one_full, res_one_full = timed(builder.build, parts)
        reload_s = preview_latency(builder, parts, edited)

    budget = 2 * bare + cells
    cpu_budget = 2 * bare_cpu + cells_cpu

    def search(res) -> str:
        s = res.report.search_seconds
        return "reused" if s is None else f"{s * 1000:.0f} ms"

    rows = [
        ("chapters (both volumes)", f"{len(chapters)}"
         + (f"  ({dropped} listed but not written yet, dropped)" if dropped else "")),
        ("bare pandoc, sequential", f"{bare:.3f} s"),
        ("cell execution alone", f"{cells:.3f} s"),
        ("cold build", f"{cold:.3f} s  (search index {search(res_cold)})"),
        ("  budget 2x pandoc + cells", f"{budget:.3f} s  -> ratio {cold / budget:.2f}"
         f"  [{'ok' if cold <= budget else 'OVER'}]"),
        ("  the same in CPU time", f"cold {cold_cpu:.3f} s, budget {cpu_budget:.3f} s"
         f"  -> ratio {cold_cpu / cpu_budget:.2f}  [{'ok' if cold_cpu <= cpu_budget else 'OVER'}]"),
        ("warm build (nothing changed)", f"{warm:.3f} s  (search index {search(res_warm)})"
         f"  [{'ok' if warm < 1.0 else 'OVER'} < 1 s]"),
        (f"first edit after cold: build book {edited.stem}",
         f"{one:.3f} s  (search index {search(res_one)})"
         f"  [{'ok' if one < 1.5 else 'OVER'} < 1.5 s]"),
        ("  the same chapter edited again",
         f"{again:.3f} s  (search index {search(res_again)})"
         f"  [{'ok' if again < 1.5 else 'OVER'} < 1.5 s]"),
        ("one chapter edited: build book (all)",
         f"{one_full:.3f} s  (search index {search(res_one_full)})"
         f"  [{'ok' if one_full < 1.5 else 'OVER'} < 1.5 s]"),
        ("preview: save -> reload event",
         f"{reload_s:.3f} s  [{'ok' if reload_s < 1.0 else 'OVER'} < 1 s]"
         if reload_s is not None else "no reload within 30 s"),
        ("cold: render / site writer / search",
         f"{res_cold.render_seconds:.3f} s / "
         f"{res_cold.report.total_seconds - (res_cold.report.search_seconds or 0):.3f} s / "
         f"{res_cold.report.search_seconds or 0:.3f} s"),
        ("pages written cold / warm / edited",
         f"{len(res_cold.report.written)} / {len(res_warm.report.written)} / "
         f"{len(res_one.report.written)}"),
    ]
    print(f"mlsys book build benchmark ({'fixture, --quick' if args.quick else source}; "
          f"pandoc {pypandoc.get_pandoc_version()})")
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
