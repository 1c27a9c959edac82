"""The freeze cache: execution results keyed by the code that made them, never the prose.

An entry is a directory `<key[:2]>/<key>/` with `results.json` and the figure files, written
aside and renamed into place so concurrent builds see a whole entry or none.
"""

from __future__ import annotations

import base64
import glob
import hashlib
import json
import os
import re
import shutil
import threading
import uuid
from pathlib import Path
from typing import Any

from mlsys.project import Project

from .run import run_plan
from .scan import Doc

CACHE_VERSION = "exec-v1"


def cache_key(doc: Doc, path: Path, project: Project) -> str:
    """Everything that can change an execution result, and nothing else (prose is not here).

    Code can also read files the chapter does not mention (the book's numbers come from
    mlsysim's data), so the project may list them under `mlsys: execute-depends:` (globs
    relative to the project root); their contents are part of every chapter's key.
    """
    h = hashlib.sha256()
    try:
        rel = path.resolve().relative_to(project.root.resolve()).as_posix()
    except ValueError:
        rel = path.resolve().as_posix()
    # where the code runs matters (relative paths, imports); say so only when it is not the
    # chapter's folder, so the default keeps its keys
    where = [] if doc.cwd is None or doc.cwd == path.resolve().parent else ["execute-dir:project"]
    h.update(json.dumps([CACHE_VERSION, doc.kernel, rel, doc.plan, doc.figsize, project.profile,
                         depends_digest(project), *where]).encode())
    return h.hexdigest()


_DIGESTS: dict[Path, tuple[tuple[int, int, int], str]] = {}  # file -> (stat stamp, sha256)
_DIGESTS_LOCK = threading.Lock()


def _file_digest(path: Path) -> str:
    """sha256 of a file, re-read only when its mtime or size changed (builds hash it often)."""
    st = path.stat()
    stamp = (st.st_mtime_ns, st.st_ctime_ns, st.st_size)
    with _DIGESTS_LOCK:
        known = _DIGESTS.get(path)
    if known and known[0] == stamp:
        return known[1]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with _DIGESTS_LOCK:
        _DIGESTS[path] = (stamp, digest)
    return digest


def depends_digest(project: Project) -> str:
    """Digest of the files named by `mlsys: execute-depends:` ("" when none are listed)."""
    cfg = project.config.get("mlsys")
    patterns = cfg.get("execute-depends") if isinstance(cfg, dict) else None
    if not patterns:
        return ""
    if isinstance(patterns, str):
        patterns = [patterns]
    h = hashlib.sha256()
    root = project.root.resolve()
    for pattern in patterns:
        h.update(f"\0{pattern}\0".encode())
        matches = glob.glob(os.path.join(root, str(pattern)), recursive=True)
        for name in sorted(m for m in matches if os.path.isfile(m)):
            rel = os.path.relpath(name, root)  # may climb out of the project: ../mlsysim/...
            h.update(f"{rel}:{_file_digest(Path(name))}\n".encode())
    return h.hexdigest()


_IMAGE_EXT = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}


def _image_size(out: dict[str, Any], mime: str) -> dict[str, int]:
    """The display size a kernel gave an image (a retina PNG is drawn at half its pixels)."""
    meta = (out.get("metadata") or {}).get(mime) or {}
    return {k: int(meta[k]) for k in ("width", "height")
            if isinstance(meta.get(k), int | float) and not isinstance(meta.get(k), bool)}


def externalise_images(results: list[dict[str, Any] | None], entry: Path) -> None:
    """Move image payloads out of the results into files under `entry` (the cache entry)."""
    for pi, res in enumerate(results):
        if not res or "outputs" not in res:
            continue
        k = 0
        for out in res["outputs"]:
            if out["type"] != "display":
                continue
            for mime, ext in _IMAGE_EXT.items():
                if mime in out["data"]:
                    k += 1
                    name = f"out-{pi}-{k}.{ext}"
                    payload = out["data"][mime]
                    if mime == "image/svg+xml":
                        (entry / name).write_text(payload, encoding="utf-8")
                    else:
                        (entry / name).write_bytes(base64.b64decode(payload))
                    out["image"] = {"file": name, "mime": mime, **_image_size(out, mime)}
                    out["data"] = {m: v for m, v in out["data"].items()
                                   if m not in _IMAGE_EXT}
                    break


def load_or_run(doc: Doc, path: Path, project: Project, cache_dir: Path,
                ) -> tuple[list[dict[str, Any] | None], Path | None, bool]:
    """Return (results, directory holding their image files, executed?)."""
    if not doc.plan:
        return [], None, False
    key = cache_key(doc, path, project)
    entry = cache_dir / key[:2] / key
    results_file = entry / "results.json"
    if results_file.is_file():
        try:
            frozen = json.loads(results_file.read_text(encoding="utf-8"))
            if not _missing_file_appeared(frozen, doc.cwd or path.parent):
                return frozen, entry, False
        except (OSError, ValueError):
            pass  # a damaged entry is simply re-made
    results = run_plan(doc, path, project)
    try:
        return results, _store(results, cache_dir, entry, key), True
    except OSError as exc:
        raise CacheUnwritable(results, f"cannot write the freeze cache in {cache_dir}: "
                               f"{exc}") from exc


# Quoted names in an error message: `'data.csv'` (Python), `"fig.png"` or `‘x.csv’` (R).
_QUOTED = re.compile(r"""['"\u2018\u201c]([^'"\u2019\u201d\n]{1,300})['"\u2019\u201d]""")


def _missing_file_appeared(results: list[dict[str, Any] | None], cwd: Path) -> bool:
    """A frozen failure about a file that was missing and exists now is stale (the author
    added the file: the next build must run the code again, not replay the error)."""
    for res in results:
        if not res or res.get("status") != "error":
            continue
        text = f"{res.get('ename', '')}: {res.get('evalue', '')}"
        if not re.search(r"(?i)no such file|cannot find|cannot open|not found|does not exist",
                         text):
            continue
        for name in _QUOTED.findall(text):
            try:
                if (cwd / name).exists():
                    return True
            except (OSError, ValueError):
                continue
    return False


class CacheUnwritable(Exception):
    def __init__(self, results: list[dict[str, Any] | None], message: str):
        super().__init__(message)
        self.results = results


def _store(results: list[dict[str, Any] | None], cache_dir: Path, entry: Path, key: str
           ) -> Path:
    """Write an entry aside, then rename it into place; return the directory of its files.

    A cell that raised is frozen like any other result: the key is the code, so the failure
    comes back (fast, with the same message) until the code or an execute-depends file
    changes. Only a kernel that died or timed out is not frozen, since that may be the
    machine's fault and the next build must retry.
    """
    transient = any(r is not None and r.get("fatal") for r in results)
    cache_dir.mkdir(parents=True, exist_ok=True)
    tmp = cache_dir / f"tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    externalise_images(results, tmp)
    (tmp / "results.json").write_text(json.dumps(results), encoding="utf-8")
    if transient:
        # not frozen, but its figures still need a home the site can copy them from
        final = cache_dir / "failed" / key
        final.parent.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(final, ignore_errors=True)
    else:
        final = entry
        final.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(tmp, final)  # atomic: readers see a whole entry or none
    except OSError:
        # another worker renamed the same entry first; theirs is identical, keep it
        shutil.rmtree(tmp, ignore_errors=True)
    return final


