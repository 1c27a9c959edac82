"""`mlsys publish` of the site: to a local bare git repository (gh-pages style) and to a folder.

Real git, a real build of a miniature curriculum, real tests run before publishing. Every
refusal is checked to leave the previous deploy exactly as it was.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from mlsys.cli import main

FIXTURE = Path(__file__).parent / "fixtures" / "site_repo"
GITIGNORE = "_site/\n.mlsys-cache/\n__pycache__/\ndist/\n"

pytestmark = pytest.mark.skipif(shutil.which("git") is None,
                                reason="git is not installed (apt-get install git)")


def git(cwd: Path, *args: str) -> str:
    r = subprocess.run(["git", "-c", "user.name=Test", "-c", "user.email=t@example.org", *args],
                       cwd=cwd, capture_output=True, text=True, check=True)
    return r.stdout.strip()


def commit_all(root: Path, message: str) -> None:
    git(root, "add", "-A")
    git(root, "commit", "-qm", message)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(FIXTURE, root)
    (root / ".gitignore").write_text(GITIGNORE)
    (root / "book" / "tests").mkdir()
    (root / "book" / "tests" / "test_book.py").write_text("def test_ok():\n    pass\n")
    (root / "news").mkdir()
    (root / "news" / "2026-02-03-hello.md").write_text(
        "---\ntitle: Hello\ndate: 2026-02-03\nauthor: Ada\nsummary: The first post.\n---\n\nHi.\n")
    cur = root / "curriculum.yml"
    text = cur.read_text().replace("parts:\n", "site-url: https://example.org/tiny/\nparts:\n")
    text = text.replace("    profile: vol1\n", "    profile: vol1\n    group: book\n"
                        "    tests: [book/tests]\n")
    text += ("  - id: news\n    title: News\n    kind: quarto\n    path: news\n    url: news/\n"
             "    nav: Read\n    generate: \"mlsys.news:generate\"\n")
    cur.write_text(text)
    git(root, "init", "-q", "-b", "main")
    commit_all(root, "fixture")
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(remote))
    return remote


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def deployed(remote: Path, branch: str = "gh-pages") -> list[str]:
    """Files of the branch's last commit, and the number of commits on it."""
    return git(remote, "ls-tree", "-r", "--name-only", branch).splitlines()


def commits(remote: Path, branch: str = "gh-pages") -> int:
    r = subprocess.run(["git", "rev-list", "--count", branch], cwd=remote, capture_output=True,
                       text=True)
    return int(r.stdout.strip()) if r.returncode == 0 else 0


# Publishing to a bare repository adds one commit per deploy on gh-pages, keeping the last one
# as its parent, with the news feed, .nojekyll and the book's downloads.
def test_publish_to_a_bare_repository_adds_one_commit(repo: Path, bare: Path) -> None:
    (repo / "dist" / "book").mkdir(parents=True)
    (repo / "dist" / "book" / "vol1.pdf").write_bytes(b"%PDF-1.7 fixture")
    code, out = run("publish", "--to", str(bare))
    assert code == 0, out
    files = deployed(bare)
    assert {"index.html", "book/vol1/introduction.html", "news/feed.xml", ".nojekyll",
            "downloads/vol1.pdf"} <= set(files)
    assert commits(bare) == 1
    feed = git(bare, "show", "gh-pages:news/feed.xml")
    assert "https://example.org/tiny/news/2026-02-03-hello.html" in feed
    (repo / "book" / "vol1" / "memory.qmd").write_text(
        (repo / "book" / "vol1" / "memory.qmd").read_text() + "\nA new paragraph.\n")
    commit_all(repo, "edit")
    code, out = run("publish", "--to", str(bare))
    assert code == 0, out
    assert commits(bare) == 2
    assert "A new paragraph." in git(bare, "show", "gh-pages:book/vol1/memory.html")
    assert "Publish the site from" in git(bare, "log", "-1", "--format=%s", "gh-pages")


# --dry-run tests and builds, lists what would be sent, and sends nothing.
def test_dry_run_sends_nothing(repo: Path, bare: Path) -> None:
    code, out = run("publish", "site", "--to", str(bare), "--dry-run")
    assert code == 0, out
    assert f"would publish site to {bare} (branch gh-pages)" in out
    assert "news/feed.xml" in out
    assert commits(bare) == 0


# A folder destination is replaced as a whole, and a folder no publish wrote is refused.
def test_publish_to_a_folder_swaps_it_in(repo: Path, tmp_path: Path) -> None:
    dest = tmp_path / "www"
    code, out = run("publish", "--to", str(dest))
    assert code == 0, out
    assert (dest / "index.html").is_file() and (dest / "news" / "feed.xml").is_file()
    (dest / "stale.html").write_text("old")
    code, out = run("publish", "--to", str(dest))
    assert code == 0, out
    assert not (dest / "stale.html").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".www.")]
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.tex").write_text("mine")
    code, out = run("publish", "--to", str(precious))
    assert code == 1 and "holds files no publish wrote" in out
    assert [p.name for p in precious.iterdir()] == ["thesis.tex"]


# Uncommitted changes, a failing test, a broken anchor, a missing site-url, an unreachable or
# non-git destination: each is refused with its cause, and the last deploy stays.
def test_refusals_leave_the_previous_deploy(repo: Path, bare: Path, tmp_path: Path) -> None:
    assert run("publish", "--to", str(bare))[0] == 0
    before = git(bare, "rev-parse", "gh-pages")

    (repo / "book" / "vol1" / "memory.qmd").write_text("# Changed\n")
    code, out = run("publish", "--to", str(bare))
    assert code == 1 and "uncommitted changes (book/vol1/memory.qmd)" in out
    git(repo, "checkout", "--", ".")

    (repo / "book" / "tests" / "test_book.py").write_text("def test_ok():\n    assert False\n")
    commit_all(repo, "break a test")
    code, out = run("publish", "--to", str(bare))
    assert code == 1 and "tests fail in book; nothing was published" in out
    git(repo, "revert", "--no-edit", "HEAD")

    intro = repo / "book" / "vol1" / "introduction.qmd"
    intro.write_text(intro.read_text() + "\nSee [nowhere](memory.qmd#sec-nowhere).\n")
    commit_all(repo, "a broken anchor")
    code, out = run("publish", "--to", str(bare))
    assert code == 1 and "missing anchor: memory.html#sec-nowhere" in out
    git(repo, "revert", "--no-edit", "HEAD")

    code, out = run("publish", "--to", str(tmp_path / "nowhere" / "site.git"))
    assert code == 1 and "cannot reach the git destination" in out
    code, out = run("publish", "--to", str(tmp_path / "plain"), "--branch", "pages")
    assert code == 1 and "is not a git repository" in out

    cur = repo / "curriculum.yml"
    cur.write_text(cur.read_text().replace("site-url: https://example.org/tiny/\n", ""))
    commit_all(repo, "no site-url")
    code, out = run("publish", "--to", str(bare))
    assert code == 1 and "curriculum.yml:1: error: publishing the site needs `site-url:`" in out
    assert git(bare, "rev-parse", "gh-pages") == before
