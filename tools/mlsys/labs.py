"""The marimo labs as a library: the catalogue, lookup by name, and the static export.

The labs are plain marimo notebooks in labs/ listed in labs/labs.yaml. `run` and `edit` drive
marimo's own CLI (commands: `mlsys.labs_cli`). `export` writes what the website shows of each lab: an explorable of its main
scenario (see `mlsys.explorable`), a small page with every number computed ahead of time, instead
of marimo's static HTML export (6.8 MB and 305 requests a page, with widgets that did nothing
without a kernel).
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from labkit.labs_yaml import LabInfo

from mlsys.errors import LabError
from mlsys.model import BuildError, ExportedLab, Problem
from mlsys.repo import find_repo_root

CATALOG = "labs.yaml"
CACHE = ".mlsys-cache/labs"
# Namespace identifiers inside inline SVG/MathML look like URLs but are never fetched.
_NAMESPACE_HOSTS = ("www.w3.org",)


# --------------------------------------------------------------------------- catalogue
@dataclass(frozen=True)
class Lab(LabInfo):
    """One lab of the catalogue (labkit's `LabInfo`: name, title, chapter, href, description)
    with its notebook file."""

    path: Path


def labs_dir(start: Path | None = None) -> Path:
    """The labs/ folder of the curriculum repository around `start` (default: cwd).

    Falls back to the labs/ next to this installed package (an editable install of the repo),
    so `mlsys labs list` works from anywhere."""
    try:
        return find_repo_root(start) / "labs"
    except BuildError:
        return Path(__file__).resolve().parents[2] / "labs"


def load_catalog(folder: Path) -> list[Lab]:
    """The labs listed in `folder`/labs.yaml; a malformed file is a BuildError with its line."""
    path = folder / CATALOG
    if not path.is_file():
        return []
    kit = _labkit(folder)
    try:
        entries = kit.catalog(path)
    except kit.CatalogError as exc:
        raise BuildError([Problem("error", str(exc))]) from None
    labs = [Lab(e.name, e.title, e.chapter, e.href, e.description, folder / f"{e.name}.py")
            for e in entries]
    missing = [Problem("error", f"lab {lab.name!r} is listed but {lab.path.name} is missing",
                       path) for lab in labs if not lab.path.is_file()]
    if missing:
        raise BuildError(missing)
    return labs


def _labkit(folder: Path | None = None) -> Any:
    """labkit, the labs' helper package (installed from labs/labkit/ with this package); it
    parses and checks the catalogue of any `folder` it is given."""
    try:
        import labkit
    except ImportError as exc:
        raise BuildError([Problem("error", f"the labs helper module labkit cannot be imported "
                                  f"({exc}); reinstall with pip install -e .")]) from None
    return labkit


def find_lab(name: str, folder: Path | None = None) -> Lab:
    """A lab by name; an unknown name is a clear error listing every lab."""
    labs = catalog_or_fail(folder)
    for lab in labs:
        if lab.name == name:
            return lab
    known = ", ".join(lab.name for lab in labs) or "(none)"
    raise LabError(f"unknown lab {name!r}; available labs: {known}")


def catalog_or_fail(folder: Path | None) -> list[Lab]:
    """The catalogue of `folder` (default: this repository's labs/); empty is an error."""
    folder = folder or labs_dir()
    try:
        labs = load_catalog(folder)
    except BuildError as exc:
        raise LabError(str(exc)) from None
    if not labs:
        raise LabError(f"no labs found: {folder / CATALOG} is missing or empty")
    return labs


# --------------------------------------------------------------------------- export
def foreign_urls(page: str) -> list[str]:
    """Every http(s) URL in a page that would reach another host (namespace ids excepted)."""
    found = re.findall(r"https?://[^\s\"'<>()\\]+", page)
    return sorted({u for u in found
                   if re.sub(r"^https?://", "", u).split("/")[0] not in _NAMESPACE_HOSTS})


def _source_digest(lab: Lab) -> str:
    """What an explorable depends on: the notebook, the helper, the catalogue, mlsysim and the
    exporter itself."""
    from mlsys import explorable

    h = hashlib.sha256()
    helper = sorted(Path(_labkit().__file__).parent.glob("*.py"))
    for f in (lab.path, *helper, lab.path.parent / CATALOG, Path(explorable.__file__)):
        h.update(f.read_bytes())
    h.update(_mlsysim_digest().encode())
    return h.hexdigest()[:20]


_MLSYSIM_DIGEST: dict[str, str] = {}


def _mlsysim_digest() -> str:
    if "d" not in _MLSYSIM_DIGEST:
        h = hashlib.sha256()
        spec = importlib.util.find_spec("mlsysim")
        if spec is not None and spec.submodule_search_locations:
            root = Path(list(spec.submodule_search_locations)[0])
            for f in sorted(root.rglob("*")):
                if f.suffix in (".py", ".yaml", ".json") and f.is_file():
                    h.update(f.relative_to(root).as_posix().encode())
                    h.update(f.read_bytes())
        _MLSYSIM_DIGEST["d"] = h.hexdigest()
    return _MLSYSIM_DIGEST["d"]


def _explorable(lab: Lab, cache: Path) -> tuple[str, str]:
    """One lab's (JSON, page body), from the cache when nothing it depends on changed."""
    from mlsys.explorable import build_explorable

    cached = cache / f"{lab.name}-{_source_digest(lab)}.json"
    if cached.is_file():
        stored = json.loads(cached.read_text(encoding="utf-8"))
        return stored["data"], stored["body"]
    made = build_explorable(lab.name, lab.title, lab.path, _labkit(lab.path.parent))
    cache.mkdir(parents=True, exist_ok=True)
    for old in cache.glob(f"{lab.name}-*.json"):
        old.unlink()
    tmp = cached.with_suffix(".tmp")
    tmp.write_text(json.dumps({"data": made.data, "body": made.body_html}), encoding="utf-8")
    tmp.replace(cached)
    return made.data, made.body_html


def lab_body(lab: Lab, explorable_html: str) -> str:
    """A lab's page body: its question, the explorable and the way to the full lab."""
    esc = html.escape
    return (
        f'<p class="lede">{esc(lab.description)}</p>\n'
        f'<p class="lab-chapter">From <a href="{esc(lab.href)}">{esc(lab.chapter)}</a> · '
        '<a href="index.html">All labs</a></p>\n'
        f"{explorable_html}\n"
        '<aside class="lab-live"><p><strong>Run the full lab live:</strong> '
        f"<code>mlsys labs run {esc(lab.name)}</code>. This page is the lab's main scenario, "
        "computed ahead of time by mlsysim for every setting of its controls; the notebook "
        "has the whole walk-through, every widget and the design challenge.</p></aside>"
    )


def export_labs(out_dir: Path, labs: Path | None = None, jobs: int = 2) -> list[ExportedLab]:
    """Write every lab's explorable into `out_dir`: `<name>.json` (every setting's numbers),
    a standalone `<name>.html`, and the shared `explorable.js`/`.css`.

    Returns one `ExportedLab` per lab for the site, which puts `body` in its own frame. Explorables are cached by the hash of what
    they depend on. Raises BuildError naming the notebook when its `EXPLORE` is missing or
    broken. `jobs` is kept for callers; the grid evaluation runs in this process."""
    from mlsys.explorable import write_assets

    folder = labs or labs_dir()
    catalog = load_catalog(folder)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cache = folder.parent / CACHE
    items: list[ExportedLab] = []
    problems: list[Problem] = []
    for lab in catalog:
        try:
            data, body = _explorable(lab, cache)
        except BuildError as exc:
            problems.extend(exc.problems)
            continue
        page = lab_body(lab, body)
        (out_dir / f"{lab.name}.json").write_text(data, encoding="utf-8")
        (out_dir / f"{lab.name}.html").write_text(_standalone(lab.title, page), encoding="utf-8")
        items.append(ExportedLab(lab.name, lab.title, lab.chapter, lab.description,
                                 f"{lab.name}.html", lab.href, page))
    if problems:
        raise BuildError(problems)
    if catalog:
        write_assets(out_dir)
    (out_dir / "index.html").write_text(index_page(items), encoding="utf-8")
    return items


def index_page(items: list[ExportedLab]) -> str:
    """The labs index: every lab with its chapter, and how to run one interactively."""
    rows = "\n".join(
        f'<li><a class="lab" href="{html.escape(it.href)}">{html.escape(it.title)}</a>'
        f'<span class="chapter"><a href="{html.escape(it.chapter_href)}">'
        f'{html.escape(it.chapter)}</a></span>'
        f'<p>{html.escape(it.description)}</p></li>'
        for it in items
    ) or "<li>No labs yet.</li>"
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Labs · ML Systems</title>
<meta name="description" content="Interactive marimo notebooks powered by mlsysim.">
<link rel="icon" href="assets/favicon.ico">
<style>
:root {{ color-scheme: light dark; --muted: #666; }}
@media (prefers-color-scheme: dark) {{ :root {{ --muted: #aaa; }} }}
body {{ font: 16px/1.55 system-ui, sans-serif; max-width: 48rem; margin: 2rem auto;
       padding: 0 1rem; }}
ol.labs {{ padding-left: 1.4rem; }}
ol.labs li {{ margin: 0 0 1rem; }}
a.lab {{ font-weight: 600; }}
.chapter {{ margin-left: .5rem; font-size: .9em; }}
.chapter a {{ color: var(--muted); }}
ol.labs p {{ margin: .2rem 0 0; }}
.note {{ border-left: 3px solid var(--muted); padding: .2rem .8rem; font-size: .95em; }}
</style>
</head>
<body>
<p><a href="../index.html">Curriculum home</a></p>
<h1>Labs</h1>
<p>Each lab asks one question about a machine-learning system. Predict the answer, then move
the sliders and watch the system hit a wall: memory, bandwidth, latency or budget. Every number
is computed by <code>mlsysim</code>, the same engine behind the book's figures.</p>
<ol class="labs">
{rows}
</ol>
<div class="note">
<p><strong>Each page is an explorable:</strong> the lab's main scenario, computed ahead of time
by mlsysim for every setting of its controls. To run a whole lab live, clone the repository and
run <code>mlsys labs run NAME</code> (for example <code>mlsys labs run training_memory</code>).</p>
</div>
</body>
</html>
"""


def _standalone(title: str, body: str) -> str:
    """A lab page outside the site (`mlsys labs export`): the same body, a plain frame."""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · Labs</title>
<style>:root {{ color-scheme: light dark; --bg: Canvas; --fg: CanvasText; --muted: GrayText;
--border: #8884; --surface: transparent; --accent: #1f5fae; }}
body {{ font: 16px/1.55 system-ui, sans-serif; max-width: 52rem; margin: 1.5rem auto;
padding: 0 1rem; }}</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
{body}
</body>
</html>
"""
