"""Loading a Quarto book project: profiles, numbering, selection, and located errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from mlsys.model import BuildError
from mlsys.project import deep_merge, load_project, read_front_matter, select_chapters

BOOK = Path(__file__).parent / "fixtures" / "exec_book"


@pytest.fixture(autouse=True)
def _no_env_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUARTO_PROFILE", raising=False)


def write_book(root: Path, config: str, files: dict[str, str] | None = None) -> Path:
    """A throwaway book project: `_quarto.yml` plus the given files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "_quarto.yml").write_text(textwrap.dedent(config).lstrip())
    for name, text in (files or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text).lstrip())
    return root


def only_problem(exc: pytest.ExceptionInfo[BuildError]):
    assert len(exc.value.problems) == 1, exc.value.problems
    return exc.value.problems[0]


def test_default_profile_numbers_chapters_like_quarto() -> None:
    p = load_project(BOOK)
    assert p.profile == "main"
    assert p.title == "Engine test book"  # from the profile
    assert p.subtitle == "Main profile"
    assert p.author == "A. Author"  # from the base, kept by the deep merge
    rows = [(c.rel, c.kind, c.number, c.part, c.title) for c in p.chapters]
    assert rows == [
        ("index.qmd", "index", None, None, "Welcome"),
        ("preface.qmd", "chapter", None, None, "Preface"),
        ("cells.qmd", "chapter", "1", "Basics", "Cells and options"),
        ("figures.qmd", "chapter", "2", "Basics", "Figures"),
        ("parts/advanced.qmd", "page", None, "Advanced topics", "Advanced topics"),
        ("broken.qmd", "chapter", "3", "Advanced topics", "Broken chapter"),
        ("references.qmd", "references", None, None, "References"),
        ("notation.qmd", "appendix", "A", "Appendices", "Notation"),
        ("glossary.qmd", "appendix", "B", "Appendices", "Glossary of terms"),
    ]
    assert p.chapters[4].href == "parts/advanced.html"
    assert all(c.path.is_absolute() and c.path.is_file() for c in p.chapters)
    assert p.bibliography == [BOOK.resolve() / "refs.bib"]
    assert p.crossref_custom == [{"kind": "float", "key": "vid", "reference-prefix": "Video"}]
    assert p.callouts["definition"]["crossref"] == "dfn"
    assert p.number_sections is True
    assert p.output_dir == BOOK.resolve() / "_out"


def test_explicit_profile_merges_onto_the_base() -> None:
    p = load_project(BOOK, profile="short")
    assert p.profile == "short"
    # lists concatenate without repeats: base [index] + profile [index, figures]
    assert [c.rel for c in p.chapters] == ["index.qmd", "figures.qmd"]
    assert p.chapters[1].number == "1"
    assert p.number_sections is False  # format.html merged key by key
    assert p.config["format"]["html"] == {"number-sections": False}
    assert p.config["crossref"]["custom"][0]["key"] == "vid"  # untouched base key survives


def test_several_profiles_first_listed_wins_and_lists_concatenate(tmp_path: Path) -> None:
    root = write_book(tmp_path, """
        project:
          type: book
        profile:
          group: [[a, b], [plain]]
        book:
          title: Base
          chapters: [index.qmd]
        bibliography: base.bib
        """, {"index.qmd": "# Hi\n", "one.qmd": "# One\n", "two.qmd": "# Two\n",
              "base.bib": "", "a.bib": "",
              "_quarto-a.yml": "book:\n  title: A\n  chapters: [index.qmd, one.qmd]\n"
                               "bibliography: [a.bib]\n",
              "_quarto-b.yml": "book:\n  title: B\n  chapters: [two.qmd]\n"})
    p = load_project(root, profile="a,b")
    assert p.title == "A"  # the first listed profile has priority, as in Quarto
    assert [c.rel for c in p.chapters] == ["index.qmd", "two.qmd", "one.qmd"]
    assert [b.name for b in p.bibliography] == ["base.bib", "a.bib"]
    assert load_project(root, profile="plain").title == "Base"  # declared, no file: allowed


def test_quarto_profile_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QUARTO_PROFILE", "short")
    assert load_project(BOOK).title == "Short"
    assert load_project(BOOK, profile="main").title == "Engine test book"  # argument wins


def test_unknown_profile_is_an_error_naming_known_ones() -> None:
    with pytest.raises(BuildError) as exc:
        load_project(BOOK, profile="vol9")
    prob = only_problem(exc)
    assert prob.file == BOOK.resolve() / "_quarto.yml"
    assert "vol9" in prob.message and "main" in prob.message and "short" in prob.message


def test_deep_merge_semantics() -> None:
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1, "bib": "refs.bib"}
    merged = deep_merge(base, {"a": {"y": [2, 3], "x": 5}, "c": 2, "bib": ["more.bib"]})
    # Quarto concatenates lists (base first) without repeats, and coerces scalars to lists
    assert merged == {"a": {"x": 5, "y": [1, 2, 3]}, "b": 1, "c": 2,
                      "bib": ["refs.bib", "more.bib"]}
    assert base == {"a": {"x": 1, "y": [1, 2]}, "b": 1, "bib": "refs.bib"}  # not modified
    assert deep_merge({"l": [1]}, {"l": None}) == {"l": [1]}
    assert deep_merge({"l": None}, {"l": [1]}) == {"l": [1]}


leaf = st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers(), max_size=2))
tree = st.recursive(leaf, lambda kids: st.dictionaries(st.sampled_from("abc"), kids, max_size=3),
                    max_leaves=8)


@settings(deadline=None)
@given(st.dictionaries(st.sampled_from("abcd"), tree), st.dictionaries(st.sampled_from("abcd"),
                                                                       tree))
def test_deep_merge_keeps_every_key_and_profile_wins(base: dict, over: dict) -> None:
    merged = deep_merge(base, over)

    def check(m: dict, b: dict, o: dict) -> None:
        assert set(m) == set(b) | set(o)
        for k, v in o.items():
            old = b.get(k)
            if isinstance(v, dict) and isinstance(old, dict):
                check(m[k], old, v)
            elif isinstance(v, list) or isinstance(old, list):
                got = m[k] if isinstance(m[k], list) else [m[k]]
                items = [*(old if isinstance(old, list) else [old]),
                         *(v if isinstance(v, list) else [v])]
                kept = [x for x in items if x in got]
                assert all(x in got for x in items if x not in (None, [], "", False))
                empty = (None, [], "", False)
                if old not in empty and v not in empty:
                    # Concatenation drops repeats; a list merged onto nothing is kept as written.
                    assert len(set(map(repr, got))) == len(got)
                assert [x for x in kept if x in got] == kept
            else:
                assert m[k] == v  # the profile's scalar or mapping wins
        for k in set(b) - set(o):
            assert m[k] == b[k]

    check(merged, base, over)


def test_invalid_yaml_in_quarto_yml_names_the_line(tmp_path: Path) -> None:
    root = write_book(tmp_path, """
        project:
          type: book
        book:
          title: "Unclosed
          chapters:
            - index.qmd
        """, {"index.qmd": "# Hi\n"})
    with pytest.raises(BuildError) as exc:
        load_project(root)
    prob = only_problem(exc)
    assert prob.file == root.resolve() / "_quarto.yml"
    assert prob.line in (4, 5)  # the unclosed quote starts on line 4; yaml notices at 5
    assert "invalid YAML" in prob.message


def test_invalid_yaml_in_profile_names_the_profile_file(tmp_path: Path) -> None:
    root = write_book(tmp_path, """
        project:
          type: book
        book:
          chapters: [index.qmd]
        """, {"index.qmd": "# Hi\n", "_quarto-bad.yml": "book:\n  title: x\n   bad: [\n"})
    with pytest.raises(BuildError) as exc:
        load_project(root, profile="bad")
    prob = only_problem(exc)
    assert prob.file == root.resolve() / "_quarto-bad.yml"
    assert prob.line == 3


def test_wrong_project_type_and_missing_chapters(tmp_path: Path) -> None:
    root = write_book(tmp_path / "a", """
        # a manuscript is neither a book nor a website
        project:
          type: manuscript
        book:
          chapters: [index.qmd]
        """, {"index.qmd": "# Hi\n"})
    with pytest.raises(BuildError) as exc:
        load_project(root)
    prob = only_problem(exc)
    assert (prob.line, "'manuscript'" in prob.message) == (3, True)

    root = write_book(tmp_path / "b", """
        project:
          type: book
        book:
          title: No chapters
        """)
    with pytest.raises(BuildError) as exc:
        load_project(root)
    prob = only_problem(exc)
    assert prob.message == "missing 'book: chapters:'" and prob.line == 3


def test_missing_chapter_files_are_all_reported_at_their_lines(tmp_path: Path) -> None:
    root = write_book(tmp_path, """
        project:
          type: book
        book:
          chapters:
            - index.qmd
            - part: "One"
              chapters:
                - gone.qmd
                - here.qmd
          appendices:
            - also-gone.qmd
        bibliography: nothere.bib
        """, {"index.qmd": "# Hi\n", "here.qmd": "# Here\n"})
    with pytest.raises(BuildError) as exc:
        load_project(root)
    found = sorted((p.line, p.message) for p in exc.value.problems)
    assert found == [
        (8, "chapter file not found: gone.qmd"),
        (11, "chapter file not found: also-gone.qmd"),
        (12, "bibliography file not found: nothere.bib"),
    ]


def test_missing_chapter_listed_in_a_profile_names_the_profile(tmp_path: Path) -> None:
    root = write_book(tmp_path, """
        project:
          type: book
        profile:
          default: p
        book:
          chapters: [index.qmd]
        """, {"index.qmd": "# Hi\n", "_quarto-p.yml": "book:\n  chapters:\n    - index.qmd\n"
              "    - nope.qmd\n"})
    with pytest.raises(BuildError) as exc:
        load_project(root)
    prob = only_problem(exc)
    assert (prob.file.name, prob.line) == ("_quarto-p.yml", 4)


def test_invalid_front_matter_reports_the_qmd_line(tmp_path: Path) -> None:
    root = write_book(tmp_path, """
        project:
          type: book
        book:
          chapters: [index.qmd, bad.qmd]
        """, {"index.qmd": "# Hi\n",
              "bad.qmd": "---\ntitle: ok\nauthor: [unclosed\n---\n\n# Bad\n"})
    with pytest.raises(BuildError) as exc:
        load_project(root)
    prob = only_problem(exc)
    assert prob.file == root.resolve() / "bad.qmd"
    assert prob.line in (3, 4)  # the bad flow list opens on line 3 of the .qmd
    meta, body = read_front_matter(root / "index.qmd")
    assert (meta, body) == ({}, 1)


def test_read_front_matter_returns_body_line(tmp_path: Path) -> None:
    f = tmp_path / "c.qmd"
    f.write_text("---\ntitle: \"T\"\nexecute:\n  echo: false\n---\n\nBody\n")
    assert read_front_matter(f) == ({"title": "T", "execute": {"echo": False}}, 6)
    f.write_text("---\n- a list\n---\n")
    with pytest.raises(BuildError) as exc:
        read_front_matter(f)
    assert only_problem(exc).message == "front matter must be a YAML mapping"
    f.write_text("---\ntitle: never closed\n")
    with pytest.raises(BuildError) as exc:
        read_front_matter(f)
    assert only_problem(exc).line == 1


def test_select_chapters_by_stem_title_and_prefix() -> None:
    p = load_project(BOOK)
    pick = lambda *names: [c.rel for c in select_chapters(p, list(names))]  # noqa: E731
    assert pick("figures") == ["figures.qmd"]
    assert pick("CELLS AND OPTIONS") == ["cells.qmd"]  # title, case-insensitive
    assert pick("glos") == ["glossary.qmd"]  # unique prefix
    assert pick("notation", "cells", "cells") == ["cells.qmd", "notation.qmd"]  # book order
    assert pick("parts/advanced.qmd", "broken.qmd") == ["parts/advanced.qmd", "broken.qmd"]


def test_select_chapters_ambiguous_and_unknown(tmp_path: Path) -> None:
    root = write_book(tmp_path, """
        project:
          type: book
        book:
          chapters: [index.qmd, intro_a.qmd, intro_b.qmd, intro.qmd]
        """, {"index.qmd": "# Hi\n", "intro_a.qmd": "# Alpha\n", "intro_b.qmd": "# Beta\n",
              "intro.qmd": "# Introduction\n"})
    p = load_project(root)
    assert [c.rel for c in select_chapters(p, ["intro"])] == ["intro.qmd"]  # exact beats prefix
    with pytest.raises(BuildError) as exc:
        select_chapters(p, ["intro_", "intrp_b", "zzz"])
    msgs = [str(x) for x in exc.value.problems]
    assert msgs[0].startswith("error: ambiguous chapter 'intro_' matches: intro_a (Alpha), "
                              "intro_b (Beta)")
    assert "unknown chapter 'intrp_b' (did you mean: intro_b" in msgs[1]
    assert msgs[2] == "error: unknown chapter 'zzz'"
    assert all(x.file is None for x in exc.value.problems)


def test_unknown_chapter_suggests_each_chapter_once(tmp_path: Path) -> None:
    # a chapter whose title is its file name differing only in case used to be offered twice
    root = write_book(tmp_path, """
        project:
          type: book
        book:
          chapters: [index.qmd, introduction.qmd, notation.qmd]
        """, {"index.qmd": "# Preface\n", "introduction.qmd": "# Introduction\n",
              "notation.qmd": "# Notation\n"})
    with pytest.raises(BuildError) as exc:
        select_chapters(load_project(root), ["introdution"])
    (msg,) = [str(x) for x in exc.value.problems]
    hint = msg.split("did you mean: ", 1)[1].rstrip(")")
    names = hint.split(", ")
    assert names[0] == "introduction"
    assert len(names) == len({n.lower() for n in names}), msg
    assert "Introduction" not in names
