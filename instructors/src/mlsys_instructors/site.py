"""The hub as a Quarto project (for the site) and the instructor bundle (never on the site).

`generate(dest, root)` is the `generate:` hook of curriculum.yml: it writes `_quarto.yml`
and every page of `/instructors/` into `dest` (student problem sets only). `build_bundle`
writes the same project with worked solutions, renders it with our engine into a folder
outside `_site/`, and zips it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from .courses import course_files, load_course
from .errors import InstructorsError
from .handbook import checks_markdown
from .pages import course_page, problem_set_page
from .problems import load_problem_set, problem_files
from .resolver import Index, index

GUIDES = ("pedagogy", "rubrics", "ta-handbook", "adoption")
HANDBOOK_MARK = "<!-- module-checks -->"


@dataclass(frozen=True)
class Bundle:
    folder: Path
    zip: Path
    problem_sets: int


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, "utf-8")


def _guides(dest: Path, root: Path) -> list[str]:
    pages = []
    for name in GUIDES:
        src = root / "instructors" / "guides" / f"{name}.qmd"
        if not src.is_file():
            raise InstructorsError(f"{src}: missing guide (the hub lists {', '.join(GUIDES)})")
        text = src.read_text("utf-8")
        if name == "ta-handbook":
            if HANDBOOK_MARK not in text:
                raise InstructorsError(f"{src}: the TA handbook needs a '{HANDBOOK_MARK}' line "
                                       "where the per-module table goes")
            text = text.replace(HANDBOOK_MARK, checks_markdown(root, "../"))
        _write(dest / f"{name}.qmd", text)
        pages.append(f"{name}.qmd")
    return pages


def _problem_sets(dest: Path, root: Path, idx: Index, solutions: bool) -> tuple[list, list]:
    """Write every problem set's page; returns the sets (in book order) and their pages."""
    psets = sorted((load_problem_set(f, idx) for f in problem_files(root)),
                   key=lambda ps: idx.items[ps.chapter].order)
    pages = []
    for ps in psets:
        stem = ps.chapter.split("/")[-1]
        _write(dest / "problems" / f"{stem}.qmd",
               problem_set_page(ps, idx, "../../", solutions))
        pages.append(f"problems/{stem}.qmd")
    return psets, pages


def _config(dest: Path, title: str, subtitle: str, chapters: list) -> None:
    config = {"project": {"type": "book"},
              "book": {"title": title, "subtitle": subtitle, "chapters": chapters},
              "lang": "en", "format": {"html": {"toc": True, "number-sections": False}}}
    _write(dest / "_quarto.yml", yaml.safe_dump(config, sort_keys=False))


def _project(dest: Path, root: Path, idx: Index) -> None:
    """The public hub: courses, guides and the students' problem sets."""
    courses = sorted((load_course(f, idx) for f in course_files(root)),
                     key=lambda c: (c.volume, -c.schedule.weeks, c.id))
    psets, pset_pages = _problem_sets(dest, root, idx, solutions=False)
    for c in courses:
        _write(dest / "courses" / f"{c.id}.qmd", course_page(c, idx, "../../"))
    hub = (root / "instructors" / "guides" / "index.qmd").read_text("utf-8")
    hub = hub.replace("<!-- courses -->", _course_list(courses))
    _write(dest / "index.qmd", hub.replace("<!-- problem-sets -->", _pset_table(psets)))
    _config(dest, "Teach", "Courses, problem sets and guides for teaching ML systems", [
        "index.qmd",
        {"part": "Courses", "chapters": [f"courses/{c.id}.qmd" for c in courses]},
        {"part": "Guides", "chapters": _guides(dest, root)},
        {"part": "Problem sets", "chapters": pset_pages}])


def _bundle_project(dest: Path, root: Path, idx: Index) -> None:
    """The instructors' bundle: worked solutions only, with a cover page saying so."""
    psets, pages = _problem_sets(dest, root, idx, solutions=True)
    cover = ["---", 'title: "Instructor solutions"', "number-sections: false", "---", "",
             "Worked solutions and answers for every problem set. **Do not share with "
             "students**: keep this folder and its zip off any public site and give it to "
             "teaching assistants through a private channel.", "",
             "Numbers were computed by mlsysim when this bundle was built; rebuild it with "
             "`mlsys build instructors --solutions` after the problem sets or mlsysim change.",
             "", _pset_table(psets), ""]
    _write(dest / "index.qmd", "\n".join(cover))
    _config(dest, "Instructor solutions", "Worked answers to every problem set; not for students",
            ["index.qmd", {"part": "Solutions", "chapters": pages}])


def _course_list(courses: list) -> str:
    return "\n".join(f"- [{c.title}](courses/{c.id}.html): {c.summary}" for c in courses)


def _pset_table(psets: list) -> str:
    rows = ["| Problem set | Problems | Auto-graded parts |", "|---|---|---|"]
    for ps in psets:
        stem = ps.chapter.split("/")[-1]
        graded = sum(x.kind != "open" for p in ps.problems for x in p.parts)
        rows.append(f"| [{ps.title}](problems/{stem}.qmd) | {len(ps.problems)} | {graded} |")
    return "\n".join(rows)


def generate(dest: Path, root: Path) -> None:
    """curriculum.yml hook: the public hub (no solutions) as a Quarto project in `dest`."""
    _project(Path(dest), Path(root), index(Path(root)))


def build_bundle(root: Path, out: Path | None = None) -> Bundle:
    """Render the worked solutions into `out` (default `_instructors/`) and zip them."""
    from mlsys.build import render_project
    from mlsys.model import BuildError

    root = Path(root).resolve()
    out = Path(out or root / "_instructors").resolve()
    if out == root / "_site" or (root / "_site") in out.parents:
        raise InstructorsError(f"{out}: the solutions bundle must not go inside _site/")
    with tempfile.TemporaryDirectory(prefix="mlsys-solutions-") as tmp:
        project = Path(tmp) / "project"
        _bundle_project(project, root, index(root))
        staged = Path(tmp) / "html"
        try:  # strict: a broken link in the bundle is an error, not a silent 404
            render_project(project, staged, strict=True)
        except BuildError as exc:
            raise InstructorsError("the solutions bundle did not build:\n" + "\n".join(
                str(p) for p in exc.problems)) from None
        out.mkdir(parents=True, exist_ok=True)
        folder, archive = out / "solutions", out / "instructor-solutions.zip"
        part = Path(tmp) / "bundle.zip"
        with zipfile.ZipFile(part, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(staged.rglob("*")):
                if f.is_file():
                    zf.write(f, Path("solutions") / f.relative_to(staged))
        old = out / ".solutions-old"
        shutil.rmtree(old, ignore_errors=True)
        if folder.exists():
            os.replace(folder, old)
        shutil.copytree(staged, folder)
        shutil.rmtree(old, ignore_errors=True)
        shutil.move(part, archive)
    return Bundle(folder, archive, len(problem_files(root)))
