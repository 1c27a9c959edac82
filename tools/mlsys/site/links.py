"""Broken links in the staged site, reported at the line of the chapter source that wrote them."""

from __future__ import annotations

import html
from pathlib import Path

from mlsys.model import Problem

from .text import _EXTERNAL_RE, _ID_RE, _LINK_RE


def _source_line(source: Path, url: str, cache: dict[Path, list[str]]) -> int | None:
    """The first line of a chapter's source that holds a link's target (the rendered HTML
    has lost the line; the author wrote the same text). None when it came from elsewhere
    (the navbar, an include, a cross-reference)."""
    if source not in cache:
        try:
            cache[source] = source.read_text("utf-8").splitlines()
        except OSError:
            cache[source] = []
    lines = cache[source]
    target = url.partition("#")[0]
    for needle in dict.fromkeys((url, html.unescape(url), target, html.unescape(target))):
        if not needle:
            continue
        for i, line in enumerate(lines, 1):
            if needle in line:
                return i
    return None


class _Links:
    """The link check over the staged site, with the source line of each broken link."""

    def check_links(self) -> list[Problem]:
        """Warn about links from the pages written in this build to files or anchors that the
        site does not have (a renamed chapter or label). A link into a part of the curriculum
        this build does not write is checked against that part's config instead."""
        problems: list[Problem] = []
        ids: dict[Path, set[str]] = {}
        stage = self.stage.resolve()
        for rel in self.report.written:
            if not rel.endswith(".html") or rel == "404.html":
                continue
            page = self.stage / rel
            text = page.read_text("utf-8")
            seen: set[str] = set()
            for url in _LINK_RE.findall(text):
                if url in seen or _EXTERNAL_RE.match(url) or url.startswith(("/", "#")):
                    continue
                seen.add(url)
                target, _, frag = url.partition("#")
                target = target.split("?", 1)[0]
                if target.endswith("pagefind/") or not target:
                    continue
                dest = (page.parent / html.unescape(target)).resolve()
                if not dest.is_file():
                    verdict = self._check_elsewhere(dest, stage)
                    if verdict is None:
                        problems.append(self._link_problem(rel, f"broken link to {url}", url))
                    elif verdict:
                        problems.append(self._link_problem(
                            rel, f"broken link to {url}: {verdict}", url))
                elif frag and dest.suffix == ".html":
                    if dest not in ids:
                        ids[dest] = set(_ID_RE.findall(dest.read_text("utf-8")))
                    if html.unescape(frag) not in ids[dest]:
                        problems.append(
                            self._link_problem(rel, f"link to a missing anchor: {url}", url))
        return problems

    def _check_elsewhere(self, dest: Path, stage: Path) -> str | None:
        """For a missing file: None when no unbuilt part claims it (a plain broken link), ""
        when one of them has that page, else why none of them has it."""
        try:
            site_path = dest.relative_to(stage).as_posix()
        except ValueError:
            return None  # outside the site altogether
        claims = [(i, p) for i, p in enumerate(self.elsewhere)
                  if site_path.startswith(p.prefix)]
        if not claims:
            return None
        reasons = []
        for i, part in claims:
            if i not in self._elsewhere_pages:
                try:
                    self._elsewhere_pages[i] = part.pages()
                except ValueError as exc:
                    self._elsewhere_pages[i] = str(exc)
            pages = self._elsewhere_pages[i]
            if isinstance(pages, str):
                reasons.append(f"cannot check against {part.title}: {pages}")
            elif site_path[len(part.prefix):] in pages:
                return ""
            else:
                reasons.append(f"{part.title} (not built in this run) has no such page")
        return "; ".join(reasons)

    def _link_problem(self, rel: str, message: str, url: str) -> Problem:
        source = self._sources.get(rel)
        where = "" if source else f"{rel}: "
        return Problem("warning", where + message, source,
                       _source_line(source, url, self._source_lines) if source else None)
