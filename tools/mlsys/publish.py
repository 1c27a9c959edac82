"""`mlsys publish`: ship the site to a folder or a git branch, or a package to an index.

Nothing is published from a tree that is not committed, whose tests did not pass, or whose
site has a broken internal link or anchor. A folder deploy is swapped in by rename; a git
deploy is one new commit on the destination branch, pushed in one step, so a failure at any
point leaves the previous deploy as it was. PDFs and EPUBs found in `dist/book/` go under
`downloads/`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mlsys.build import CURRICULUM, SiteBuilder, load_curriculum
from mlsys.model import BuildError, Problem
from mlsys.parts import PartGroup, resolve_parts, unknown_part_message

MARKER = ".mlsys-publish"  # marks a folder a previous publish wrote (safe to replace)
Echo = Callable[[str], None]
_SCP_LIKE = re.compile(r"^[\w.-]+@[\w.-]+:")


@dataclass(frozen=True)
class Plan:
    """What a publish sends and where: shown by `--dry-run`, carried out otherwise."""

    what: str  # "site" or a package's name
    dest: str
    kind: str  # "folder", "git" or "index"
    files: tuple[Path, ...]
    total_bytes: int
    source: Path  # the staged folder (site) or dist/ (packages)


def publish_target(root: Path, name: str) -> PartGroup | None:
    """None for the site, else the part whose package is published; unknown names fail."""
    if name == "site":
        return None
    groups = resolve_parts(root, [])
    packaged = {g.name: g for g in groups if g.package}
    if name not in packaged:
        raise BuildError([Problem("error", unknown_part_message(name, ["site", *packaged]),
                                  root / CURRICULUM)])
    return packaged[name]


# --------------------------------------------------------------------------- preconditions


def require_clean_tree(root: Path) -> str:
    """The commit being published; uncommitted changes would publish what no commit holds."""
    from mlsys.testing import NOT_SOURCES

    r = subprocess.run(["git", "status", "--porcelain", "--", ".", *NOT_SOURCES], cwd=root,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise BuildError([Problem("error", "publishing needs a git checkout (to know what "
                                  f"is published): {r.stderr.strip()}", root)])
    dirty = [line[3:] for line in r.stdout.splitlines() if line.strip()]
    if dirty:
        shown = ", ".join(dirty[:5]) + (f" and {len(dirty) - 5} more" if len(dirty) > 5 else "")
        raise BuildError([Problem("error", f"uncommitted changes ({shown}); commit or stash "
                                  "them first, so what is published is a commit", root)])
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True,
                          text=True)
    return head.stdout.strip()


def require_passing_tests(root: Path, groups: list[PartGroup], echo: Echo) -> None:
    """Every part passed its tests on this tree: from the record of `mlsys test`, or now."""
    from mlsys.testing import passed_on_this_tree, run_tests

    todo = [g for g in groups if (g.tests or g.checks) and passed_on_this_tree(root, g.name)
            is not True]
    failed = [g.name for g in groups if passed_on_this_tree(root, g.name) is False]
    if todo:
        echo(f"testing {', '.join(g.name for g in todo)} before publishing")
        failed = [r.part for r in run_tests(root, todo, echo) if not r.ok]
    if failed:
        raise BuildError([Problem("error", f"tests fail in {', '.join(failed)}; nothing was "
                                  f"published (see `mlsys test {' '.join(failed)}`)")])


# --------------------------------------------------------------------------- the site


def stage_site(root: Path, stage: Path, echo: Echo) -> None:
    """Build the whole site, refuse broken links, and copy it with the downloads to `stage`."""
    from mlsys.linkcheck import check_site

    _export_book(root, echo)
    result = SiteBuilder(root).build()
    for p in result.problems:
        echo(str(p))
    broken = check_site(result.out)
    if broken:
        raise BuildError([Problem("error", f"{result.out}/{b.page}: line {b.line}: {b.reason}: "
                                  f"{b.url}") for b in broken])
    shutil.copytree(result.out, stage, symlinks=False)
    downloads = sorted(p for p in (root / "dist" / "book").glob("*")
                       if p.suffix in (".pdf", ".epub"))
    if downloads:
        (stage / "downloads").mkdir(exist_ok=True)
        for f in downloads:
            shutil.copy2(f, stage / "downloads" / f.name)
    (stage / ".nojekyll").write_text("", "utf-8")  # gh-pages: serve _folders as they are


def require_site_url(root: Path) -> None:
    """The feed's links and the sitemap need the address the site is served from."""
    if not load_curriculum(root).site_url:
        raise BuildError([Problem("error", "publishing the site needs `site-url:` (the address "
                                  "it is served from, for the feed's links)", root / CURRICULUM,
                                  1)])


def require_reachable(remote: str) -> str:
    """`git ls-remote` of a git destination: fails fast, before tests and build."""
    return _git(None, "ls-remote", "--heads", remote,
                failure=f"cannot reach the git destination {remote}")


def _export_book(root: Path, echo: Echo) -> None:
    """The book's PDF and EPUB, when the exporter (`mlsys.bookexport`) is installed."""
    try:
        from mlsys.bookexport import export_book  # type: ignore[import-not-found]
    except ImportError:
        echo("note: mlsys.bookexport is not installed; publishing without PDF/EPUB downloads")
        return
    for vol in ("1", "2"):
        for fmt in ("pdf", "epub"):
            export_book(root, vol, fmt, root / "dist" / "book")


def plan_site(stage: Path, dest: str, branch: str | None) -> Plan:
    files = tuple(sorted(p for p in stage.rglob("*") if p.is_file()))
    kind = "git" if branch or is_git_destination(dest) else "folder"
    return Plan("site", dest, kind, files, sum(p.stat().st_size for p in files), stage)


def is_git_destination(dest: str) -> bool:
    """A URL, `user@host:path`, a path ending in .git, or an existing git repository."""
    if "://" in dest or _SCP_LIKE.match(dest) or dest.rstrip("/").endswith(".git"):
        return True
    path = Path(dest)
    return (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir())


def deploy_folder(stage: Path, dest: Path) -> None:
    """Swap `stage` in at `dest` by rename; the old deploy is removed only after."""
    dest = dest.resolve()
    if not dest.parent.is_dir():
        raise BuildError([Problem("error", f"cannot publish to {dest}: {dest.parent} does not "
                                  "exist")])
    if dest.exists() and (not dest.is_dir() or (any(dest.iterdir())
                                                and not (dest / MARKER).is_file())):
        raise BuildError([Problem("error", f"{dest} holds files no publish wrote (no {MARKER}); "
                                  "refusing to replace them: choose an empty or new folder")])
    tag = uuid.uuid4().hex[:8]
    new, old = dest.parent / f".{dest.name}.new-{tag}", dest.parent / f".{dest.name}.old-{tag}"
    shutil.copytree(stage, new)
    (new / MARKER).write_text("published by mlsys\n", "utf-8")
    if dest.exists():
        dest.rename(old)
    new.rename(dest)
    shutil.rmtree(old, ignore_errors=True)


def deploy_git(stage: Path, remote: str, branch: str, message: str) -> str:
    """One new commit holding exactly `stage` on `branch` of `remote`; returns its id."""
    heads = _git(None, "ls-remote", "--heads", remote, branch,
                 failure=f"cannot reach the git destination {remote}")

    with tempfile.TemporaryDirectory(prefix="mlsys-deploy-") as tmp:
        work = Path(tmp) / "deploy"
        if heads.strip():
            _git(None, "clone", "-q", "--depth", "1", "--branch", branch, "--no-checkout",
                 remote, str(work), failure=f"cannot clone {remote}")
        else:
            _git(None, "init", "-q", str(work), failure="cannot create a git repository")
            _git(work, "checkout", "-q", "--orphan", branch, failure="cannot start the branch")
            _git(work, "remote", "add", "origin", remote, failure="cannot add the remote")
        _git(work, "rm", "-rq", "--cached", "--ignore-unmatch", ".", failure="cannot clear")
        for item in stage.iterdir():
            dest = work / item.name
            (shutil.copytree if item.is_dir() else shutil.copy2)(item, dest)
        _git(work, "add", "-A", ".", failure="cannot stage the site")
        _git(work, *_identity(), "commit", "-q", "--allow-empty", "-m", message,
             failure="cannot commit the site")
        _git(work, "push", "-q", "origin", f"HEAD:refs/heads/{branch}",
             failure=f"cannot push to {remote} (branch {branch}); the previous deploy is kept")
        return _git(work, "rev-parse", "HEAD", failure="no commit").strip()


def _identity() -> list[str]:
    """A committer identity only when git has none (a CI machine), never over the user's."""
    has = subprocess.run(["git", "config", "user.email"], capture_output=True, text=True)
    if has.returncode == 0 and has.stdout.strip():
        return []
    return ["-c", "user.name=mlsys publish", "-c", "user.email=mlsys@localhost"]


def _git(cwd: Path | None, *args: str, failure: str) -> str:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0"}
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env=env,
                       timeout=300)
    if r.returncode != 0:
        detail = (r.stderr.strip() or r.stdout.strip()).splitlines()
        raise BuildError([Problem("error", f"{failure}: {detail[-1] if detail else 'git failed'}")])
    return r.stdout


# --------------------------------------------------------------------------- the two verbs


def publish_site(root: Path, dest: str, *, branch: str | None = None, dry_run: bool = False,
                 echo: Echo = print) -> Plan:
    """Test, build, link-check and deploy the whole site; with `dry_run`, only the plan."""
    if branch and not is_git_destination(dest):
        raise BuildError([Problem("error", f"{dest} is not a git repository (a --branch needs "
                                  "a git destination)")])
    require_site_url(root)
    if branch or is_git_destination(dest):
        require_reachable(dest)
    commit = require_clean_tree(root)
    require_passing_tests(root, [g for g in resolve_parts(root, []) if g.tests or g.checks],
                          echo)
    with tempfile.TemporaryDirectory(prefix="mlsys-publish-") as tmp:
        stage = Path(tmp) / "site"
        stage_site(root, stage, echo)
        plan = plan_site(stage, dest, branch)
        if dry_run:
            return plan
        if plan.kind == "git":
            deploy_git(stage, dest, branch or "gh-pages", f"Publish the site from {commit[:12]}")
        else:
            deploy_folder(stage, Path(dest))
        return plan


def publish_package(root: Path, group: PartGroup, repository_url: str, *,
                    dry_run: bool = False, echo: Echo = print) -> Plan:
    """Test the part, build its sdist and wheel (twine-checked), upload them with twine.

    Companion distributions (tinytorch's `tinytorch-reference`, which holds the solutions) are
    built and checked too but stay in `dist/`: they go to an instructors' index by hand, never
    to the index learners install from.
    """
    from mlsys.dists import build_all, upload

    if "://" not in repository_url:
        raise BuildError([Problem("error", f"--to must be a package index URL (like "
                                  f"https://upload.pypi.org/legacy/), not '{repository_url}'")])
    require_clean_tree(root)
    require_passing_tests(root, [group], echo)
    assert group.package is not None
    dists, *kept = build_all(root / group.package, root / "dist")
    for extra in kept:
        echo(f"{extra.name} {extra.version}: built in dist/ ({extra.wheel.name}), not uploaded")
    plan = Plan(dists.name, repository_url, "index", dists.files,
                sum(f.stat().st_size for f in dists.files), root / "dist")
    if not dry_run:
        echo(upload(dists.files, repository_url))
    return plan
