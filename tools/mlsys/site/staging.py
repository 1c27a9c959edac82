"""Atomic output: a hard-linked staging copy of the previous site, a manifest, a swap."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mlsys.figtheme import theme_digest, theme_svg
from mlsys.model import BuildError

from .config import MANIFEST_NAME, MANIFEST_VERSION, SiteError, SiteReport
from .text import _sha


def read_manifest(out_dir: Path) -> dict[str, Any]:
    """The manifest of the site in `out_dir` ({} when absent, unreadable or of another version)."""
    try:
        data = json.loads((Path(out_dir) / MANIFEST_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) and data.get("version") == MANIFEST_VERSION else {}


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


class _Staging:
    """The staging folder, the manifest and every write into the site (atomic swap at the end)."""

    def begin(self) -> None:
        """Create the staging folder as a cheap hard-linked copy of the current site."""
        if self.out.exists() and not (self.out / MANIFEST_NAME).exists() and (
            not self.out.is_dir() or any(self.out.iterdir())
        ):
            raise SiteError(
                f"{self.out} exists and was not written by mlsys (no {MANIFEST_NAME}); "
                "remove it or choose another output folder"
            )
        if self.stage.exists():
            shutil.rmtree(self.stage)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        if self.out.is_dir():
            shutil.copytree(self.out, self.stage, copy_function=_link_or_copy, symlinks=True)
        else:
            self.stage.mkdir(parents=True)
        # Files of the previous build are kept unless a section that owned them is rewritten.
        self.files = {k: {"hash": v["hash"], "owners": list(v["owners"])}
                      for k, v in self.old.get("files", {}).items()}

    def abort(self) -> None:
        """Throw the staging folder away; the previous site was never touched."""
        shutil.rmtree(self.stage, ignore_errors=True)

    def commit(self) -> SiteReport:
        """Write shared files, index for search, write the manifest and swap the site in."""
        try:
            self._write_assets()
            self._write_404()
            self._write_sitemap()
            self.report.problems = self.check_links()
            if self.strict and self.report.problems:
                raise BuildError(self.report.problems)
            self._run_search()
            manifest = {
                "version": MANIFEST_VERSION,
                "files": self.files,
                "sections": self.sections,
                "search": self.config.search and (self.stage / "pagefind").is_dir(),
            }
            target = self.stage / MANIFEST_NAME
            if target.exists():
                target.unlink()  # a hard link to the live manifest: never write through it
            target.write_text(json.dumps(manifest, indent=1), "utf-8")
            self._swap()
        except BaseException:
            self.abort()
            raise
        self.report.total_seconds = time.perf_counter() - self._t0
        return self.report

    def _swap(self) -> None:
        trash = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
        if trash.exists():
            shutil.rmtree(trash)
        if self.out.exists():
            os.rename(self.out, trash)
        os.rename(self.stage, self.out)
        shutil.rmtree(trash, ignore_errors=True)

    def _read_manifest(self) -> dict[str, Any]:
        return read_manifest(self.out)

    def write_bytes(self, rel: str, data: bytes, section: str, key: str | None = None) -> bool:
        """Write one file unless the previous build wrote the same bytes; True if written.

        `key` stands for the bytes in the manifest when the caller has a cheaper one."""
        digest = key or _sha(data)
        target = self.stage / rel
        prev = self.files.get(rel)
        self._record(rel, digest, section)
        if prev and prev.get("hash") == digest and target.exists():
            self.report.unchanged += 1
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() or target.is_symlink():
            target.unlink()  # it may be a hard link shared with the live site
        target.write_bytes(data)
        self.report.written.append(rel)
        if rel.endswith(".html"):
            self._html_changed = True
        return True

    def _record(self, rel: str, digest: str, section: str) -> None:
        prev = self.files.get(rel)
        owners = list(prev["owners"]) if prev else []
        if section not in owners:
            owners.append(section)
        self.files[rel] = {"hash": digest, "owners": owners}

    def write_text(self, rel: str, text: str, section: str) -> bool:
        return self.write_bytes(rel, text.encode("utf-8"), section)

    def copy_file(self, rel: str, src: Path, section: str) -> bool:
        """Copy a resource (image, data file); keyed by size and mtime to avoid hashing."""
        try:
            st = src.stat()
        except OSError as exc:
            raise SiteError(f"{src}: resource listed for {rel} cannot be read ({exc})") from exc
        key = f"stat:{st.st_size}:{st.st_mtime_ns}"
        target = self.stage / rel
        prev = self.files.get(rel)
        self._record(rel, key, section)
        if prev and prev.get("hash") == key and target.exists():
            self.report.unchanged += 1
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.unlink()
        shutil.copy2(src, target)
        self.report.written.append(rel)
        return True

    def copy_resource(self, rel: str, src: Path, section: str) -> bool:
        """Copy a book's resource; an SVG figure gets its dark-mode colours (see `figtheme`).

        An SVG unchanged since the last build (same size, mtime and theming code) is neither
        read nor re-themed: on a book with many figures that is most of a warm build."""
        if src.suffix.lower() != ".svg":
            return self.copy_file(rel, src, section)
        try:
            st = src.stat()
            key = f"svg:{theme_digest()}:{st.st_size}:{st.st_mtime_ns}"
            prev = self.files.get(rel)
            if prev and prev.get("hash") == key and (self.stage / rel).exists():
                self._record(rel, key, section)
                self.report.unchanged += 1
                return False
            text = src.read_text("utf-8", errors="replace")
        except OSError as exc:
            raise SiteError(f"{src}: resource listed for {rel} cannot be read ({exc})") from exc
        return self.write_bytes(rel, theme_svg(text).encode("utf-8"), section, key)

    def forget_section(self, section: str, keep: Iterable[str]) -> None:
        """Delete files a section wrote last time but not this time (a removed chapter)."""
        keep = set(keep)
        for rel, meta in list(self.files.items()):
            if section in meta["owners"] and rel not in keep:
                meta["owners"].remove(section)
                if meta["owners"]:
                    continue  # another section still produces it
                del self.files[rel]
                path = self.stage / rel
                if path.exists():
                    path.unlink()
                self.report.removed.append(rel)
                if rel.endswith(".html"):
                    self._html_changed = True

    def claim_tree(self, folder: str, section: str) -> list[str]:
        """Record files an exporter wrote itself under `folder` as belonging to `section`."""
        base = self.stage / folder
        rels = []
        for path in sorted(p for p in base.rglob("*") if p.is_file()):
            rel = path.relative_to(self.stage).as_posix()
            data = path.read_bytes()
            digest = _sha(data)
            prev = self.files.get(rel)
            if not prev or prev.get("hash") != digest:
                self.report.written.append(rel)
                if rel.endswith(".html"):
                    self._html_changed = True
            else:
                self.report.unchanged += 1
            self._record(rel, digest, section)
            rels.append(rel)
        return rels

    def fresh_folder(self, folder: str) -> Path:
        """An empty folder in the staging site for an exporter that writes files itself.

        It is emptied rather than reused because its files are hard links to the live site:
        writing into them in place would change the live site before the swap.
        """
        path = self.stage / folder
        if path.exists():
            shutil.rmtree(path)
        path.mkdir(parents=True)
        return path
