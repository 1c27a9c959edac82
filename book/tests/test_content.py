"""Every Volume I chapter meets the countable part of the content bar.

The rest of the bar (accuracy, originality, voice) is a human read; these checks keep the
measurable floor from slipping as chapters are edited.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
import yaml

BOOK = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("content_stats", Path(__file__).with_name("content_stats.py"))
content_stats = importlib.util.module_from_spec(_spec)
sys.modules["content_stats"] = content_stats  # dataclasses look their module up here
_spec.loader.exec_module(content_stats)


def _chapters(profile: str) -> list[str]:
    """Chapter files of a volume, without the index, references page and appendices."""
    cfg = yaml.safe_load((BOOK / f"_quarto-{profile}.yml").read_text(encoding="utf-8"))
    out: list[str] = []
    for entry in cfg["book"]["chapters"]:
        files = entry["chapters"] if isinstance(entry, dict) else [entry]
        out += [f for f in files if not f.endswith(("index.qmd", "references.qmd"))]
    return out


VOL1 = _chapters("vol1")
KEYS = content_stats.bib_keys()


def test_volume_one_has_sixteen_chapters() -> None:
    assert len(VOL1) == 16, VOL1


@pytest.mark.parametrize("rel", VOL1)
def test_chapter_meets_the_bar(rel: str) -> None:
    s = content_stats.stats(BOOK / rel, KEYS)
    assert content_stats.shortfalls(s) == [], f"{rel}: {content_stats.shortfalls(s)}"


@pytest.mark.parametrize("rel", VOL1)
def test_every_figure_and_table_is_referenced(rel: str) -> None:
    text = (BOOK / rel).read_text(encoding="utf-8")
    ids = set(re.findall(r"#((?:fig|tbl)-[\w-]+)", text)) | set(
        re.findall(r"#\|\s*label:\s*((?:fig|tbl)-[\w-]+)", text)
    )
    # A subfigure is referenced through its parent.
    ids = {i for i in ids if not any(i != j and i.startswith(j + "-") for j in ids)}
    unreferenced = sorted(i for i in ids if not re.search(rf"@{re.escape(i)}\b", text, re.I))
    assert unreferenced == [], f"{rel}: never referenced in the text: {unreferenced}"


def test_bib_entries_have_author_title_year() -> None:
    for bib in [BOOK / "references.bib", *sorted((BOOK / "bib").glob("*.bib"))]:
        for entry in re.split(r"\n(?=@)", bib.read_text(encoding="utf-8")):
            if not entry.strip().startswith("@"):
                continue
            key = re.match(r"@\w+\s*\{\s*([^,\s]+)", entry.strip()).group(1)
            for field in ("title", "year"):
                assert re.search(rf"^\s*{field}\s*=", entry, re.M | re.I), f"{bib.name}: {key} lacks {field}"
            assert re.search(r"^\s*(author|editor|organization)\s*=", entry, re.M | re.I), (
                f"{bib.name}: {key} lacks author"
            )
