"""News: dated Markdown posts (`news/*.md`) and `contributors.yml` become site pages and a feed.

`generate(dest, root)` is the `generate:` hook of the `news` part in curriculum.yml: it writes a
small Quarto project (the News index, one page per post, a Subscribe page, the Contributors
page) plus `feed.xml`, an Atom feed (RFC 4287) linked from the index so the pipeline copies it
beside the pages. Entry ids are `urn:uuid:` names derived from each post's file name, so they
never change when the site moves; links are absolute when curriculum.yml has `site-url`.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import yaml

from mlsys.build import CURRICULUM, load_curriculum
from mlsys.model import BuildError, Problem
from mlsys.project import read_yaml

NEWS_DIR = "news"
CONTRIBUTORS = "contributors.yml"
FEED = "feed.xml"
SITE_FOLDER = "news/"  # where the news part is served (its curriculum.yml url)
_NAME_RE = re.compile(r"^(\d{4}-\d{2}-\d{2})-([a-z0-9][a-z0-9-]*)\.md$")
_QMD_LINK_RE = re.compile(r'href="([\w-]+)\.qmd')
_FRONT_RE = re.compile(r"\A---\n(.*?)\n---\n", re.S)
_POST_FIELDS = ("title", "date", "author", "summary")
_ID_NAMESPACE = uuid.UUID("6f1f3c1e-2a4e-4c53-9a43-7d0b1f0e5a10")  # ours, fixed forever


@dataclass(frozen=True)
class Post:
    """One dated post of `news/`."""

    slug: str  # file name without the .md: "2026-12-06-mlsys-test"
    title: str
    date: dt.date
    author: str
    summary: str
    body: str  # Markdown after the front matter
    source: Path

    @property
    def href(self) -> str:
        return f"{self.slug}.html"

    @property
    def atom_id(self) -> str:
        return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, self.slug)}"


@dataclass(frozen=True)
class Contributor:
    """One person credited on the Contributors page."""

    name: str
    role: str
    parts: tuple[str, ...]


def _error(message: str, file: Path, line: int | None = None) -> BuildError:
    return BuildError([Problem("error", message, file, line)])


def load_post(path: Path) -> Post:
    """Read one post; a bad name or front matter is an error naming the file and line."""
    m = _NAME_RE.match(path.name)
    if not m:
        raise _error("a post's file name must be YYYY-MM-DD-slug.md (lowercase slug)", path, 1)
    text = path.read_text("utf-8").replace("\r\n", "\n")
    front = _FRONT_RE.match(text)
    if not front:
        raise _error("a post starts with front matter between --- lines (title, date, author, "
                     "summary)", path, 1)
    try:
        meta = yaml.safe_load(front.group(1)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise _error(f"invalid front matter: {exc}", path, mark.line + 2 if mark else 1) from None
    missing = [k for k in _POST_FIELDS if not meta.get(k)] if isinstance(meta, dict) else list(
        _POST_FIELDS)
    if missing:
        raise _error(f"front matter is missing {', '.join(missing)}", path, 1)
    date = meta["date"]
    if isinstance(date, str):
        try:
            date = dt.date.fromisoformat(date)
        except ValueError:
            date = None
    if not isinstance(date, dt.date) or date.isoformat() != m.group(1):
        raise _error(f"date must be the file name's date {m.group(1)}, not {meta['date']!r}",
                     path, _line_of(front.group(1), "date") + 1)
    return Post(path.stem, str(meta["title"]), date, str(meta["author"]),
                " ".join(str(meta["summary"]).split()), text[front.end():].strip() + "\n", path)


def _line_of(block: str, key: str) -> int:
    for i, line in enumerate(block.splitlines(), 1):
        if line.startswith(f"{key}:"):
            return i
    return 1


def load_posts(root: Path) -> list[Post]:
    """Every post of `news/`, newest first."""
    posts = [load_post(p) for p in sorted((root / NEWS_DIR).glob("*.md"))
             if p.name.lower() != "readme.md"]
    return sorted(posts, key=lambda p: (p.date, p.slug), reverse=True)


def load_contributors(root: Path) -> list[Contributor]:
    """`contributors.yml`: a list of {name, role, parts}; each mistake with its line."""
    file = root / CONTRIBUTORS
    if not file.is_file():
        return []
    data, loc = read_yaml(file)
    if not isinstance(data, list):
        raise _error("must be a list of {name, role, parts}", file, 1)
    people, problems = [], []
    for i, item in enumerate(data):
        line = loc.line(i)
        parts = item.get("parts") if isinstance(item, dict) else None
        if not isinstance(item, dict) or not item.get("name") or not item.get("role") or \
                not isinstance(parts, list) or not parts:
            problems.append(Problem("error", "each contributor needs name, role and a "
                                    "non-empty list of parts", file, line))
            continue
        people.append(Contributor(str(item["name"]), str(item["role"]),
                                  tuple(str(p) for p in parts)))
    if problems:
        raise BuildError(problems)
    return people


# --------------------------------------------------------------------------- the Atom feed


def _stamp(date: dt.date) -> str:
    return f"{date.isoformat()}T00:00:00Z"


def _html(markdown: str, base: str) -> str:
    """A post's body as HTML for the feed; links to sibling pages point at the site."""
    import pypandoc

    body = pypandoc.convert_text(markdown, "html", format="markdown")
    return _QMD_LINK_RE.sub(lambda m: f'href="{base}{m.group(1)}.html', body)


def atom_feed(posts: list[Post], *, title: str, site_url: str | None) -> str:
    """The feed (RFC 4287): one entry per post, newest first, content as escaped HTML.

    Without `site_url` the links are relative to the feed itself (valid, but a feed reader
    needs the feed's own address to follow them)."""
    base = f"{site_url.rstrip('/')}/{SITE_FOLDER}" if site_url else ""
    updated = _stamp(posts[0].date) if posts else dt.datetime.now(dt.UTC).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(title)}: news</title>",
        f"  <subtitle>{escape('What is new in the curriculum, part by part.')}</subtitle>",
        f"  <id>urn:uuid:{uuid.uuid5(_ID_NAMESPACE, 'feed')}</id>",
        f"  <updated>{updated}</updated>",
        f'  <link rel="self" type="application/atom+xml" href={quoteattr(base + FEED)}/>',
        f'  <link rel="alternate" type="text/html" href={quoteattr(base + "index.html")}/>',
        f"  <author><name>{escape(title)} contributors</name></author>",
        "  <generator>mlsys</generator>",
    ]
    for p in posts:
        out += [
            "  <entry>",
            f"    <title>{escape(p.title)}</title>",
            f"    <id>{p.atom_id}</id>",
            f"    <updated>{_stamp(p.date)}</updated>",
            f"    <published>{_stamp(p.date)}</published>",
            f"    <author><name>{escape(p.author)}</name></author>",
            f'    <link rel="alternate" type="text/html" href={quoteattr(base + p.href)}/>',
            f"    <summary>{escape(p.summary)}</summary>",
            f'    <content type="html">{escape(_html(p.body, base))}</content>',
            "  </entry>",
        ]
    out.append("</feed>")
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- the pages


def _long_date(date: dt.date) -> str:
    return f"{date.day} {date.strftime('%B %Y')}"


def _index_page(posts: list[Post]) -> str:
    lines = ["# News {.unnumbered}", "",
             "What changed in the curriculum, newest first. Follow along with the "
             f"[Atom feed]({FEED}), or see [how to subscribe](subscribe.qmd), by feed reader "
             "or by email.", ""]
    if not posts:
        lines.append("No posts yet.")
    for p in posts:
        lines += [f"- **[{p.title}]({p.slug}.qmd)**, {_long_date(p.date)}, {p.author}  ",
                  f"  {p.summary}", ""]
    return "\n".join(lines) + "\n"


def _post_page(p: Post) -> str:
    return (f"# {p.title} {{.unnumbered}}\n\n*{_long_date(p.date)} · {p.author}*\n\n{p.body}\n"
            f"[All news](index.qmd) · [Atom feed]({FEED})\n")


def _subscribe_page(site_url: str | None) -> str:
    feed = f"{site_url.rstrip('/')}/{SITE_FOLDER}{FEED}" if site_url else None
    where = f"`{feed}`" if feed else f"the [feed file]({FEED}) of this folder"
    return f"""# Subscribe {{.unnumbered}}

Every post on the [News](index.qmd) page is also published as an Atom feed: {where}.
Atom is an open format (RFC 4287) that any feed reader understands, so you choose how
posts reach you; this site runs no tracking code and no third-party widget.

## With a feed reader {{.unnumbered}}

Paste the feed's address into your reader (a desktop or phone app, a browser extension, or
a self-hosted reader). It checks the feed now and then and shows new posts as they appear.
Nothing about you is sent to us.

## By email {{.unnumbered}}

A feed-to-email service watches a feed and mails each new entry. Any such service works:
give it the feed's address and your email address, confirm the subscription it sends you,
and new posts arrive in your inbox. To run it yourself instead, the open-source
`rss2email` tool (packaged by most Linux distributions) does the same from a cron job.
To stop, unsubscribe in that service or remove the feed from your reader.

## What is in the feed {{.unnumbered}}

One entry per post, with its title, date, author, a one-line summary and the full text.
Entries keep their identity forever, so a reader never shows an old post as new.
"""


def _contributors_page(people: list[Contributor]) -> str:
    lines = ["# Contributors {.unnumbered}", "",
             "The people who write, build and test the curriculum, and the parts they work on.",
             ""]
    if not people:
        return "\n".join(lines + ["No contributors are listed yet."]) + "\n"
    lines += ["| Name | Role | Parts |", "|---|---|---|"]
    lines += [f"| {c.name} | {c.role} | {', '.join(c.parts)} |" for c in people]
    return "\n".join(lines) + "\n"


def generate(dest: Path, root: Path) -> None:
    """The `generate:` hook: write the News project (pages + feed.xml) into `dest`."""
    curriculum = load_curriculum(root)
    posts, people = load_posts(root), load_contributors(root)
    if not curriculum.site_url:
        print(f"{root / CURRICULUM}: warning: no site-url, so the feed's links are relative "
              "(set it before publishing)", file=sys.stderr)
    pages = {"index.qmd": _index_page(posts)}
    pages.update({f"{p.slug}.qmd": _post_page(p) for p in posts})
    pages["subscribe.qmd"] = _subscribe_page(curriculum.site_url)
    pages["contributors.qmd"] = _contributors_page(people)
    config = {"project": {"type": "book"},
              "book": {"title": "News", "chapters": list(pages)},
              "format": {"html": {"number-sections": False}}}
    (dest / "_quarto.yml").write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")
    for name, text in pages.items():
        (dest / name).write_text(text, "utf-8")
    (dest / FEED).write_text(atom_feed(posts, title=curriculum.title,
                                       site_url=curriculum.site_url), "utf-8")


def check(root: Path) -> list[str]:
    """The `check:` of the news part: posts and contributors load, the feed parses cleanly."""
    try:
        posts, _ = load_posts(root), load_contributors(root)
    except BuildError as exc:
        return [str(p) for p in exc.problems]
    import feedparser

    curriculum = load_curriculum(root)
    parsed = feedparser.parse(atom_feed(posts, title=curriculum.title,
                                        site_url=curriculum.site_url))
    if parsed.bozo:
        return [f"{root / NEWS_DIR}: error: the generated feed does not parse: "
                f"{parsed.bozo_exception}"]
    return []
