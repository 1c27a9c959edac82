"""Lua filters, the `quarto` Lua module and Lua shortcode extensions (fixture `lua_book`)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mlsys import luafilters
from mlsys.model import BuildError, RenderedBook
from mlsys.pipeline import render_book

FIXTURE = Path(__file__).parent / "fixtures" / "lua_book"


def _copy(tmp_path: Path) -> Path:
    root = tmp_path / "book"
    shutil.copytree(FIXTURE, root)
    return root


def _html(book: RenderedBook, href: str) -> str:
    return next(p.body_html for p in book.pages if p.href == href)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, RenderedBook]:
    root = _copy(tmp_path_factory.mktemp("lua"))
    return root, render_book(root, cache_dir=root / ".cache")


def test_quiz_filter_injects_callouts_from_json(built: tuple[Path, RenderedBook]) -> None:
    _, book = built
    assert book.problems == []
    page = _html(book, "basics.html")
    # the callout sits at the end of its section, before the next heading
    quiz = page.index('id="quiz-throughput"')
    assert page.index('id="sec-throughput"') < quiz < page.index('id="sec-latency"')
    assert "Which unit measures throughput?" in page
    assert "Usually, up to the memory limit." in page
    # rendered by our callout stage, in Quarto's callout container
    assert 'class="callout callout-style-default callout-tip callout-titled quiz-callout" ' \
        'id="quiz-throughput"' in page


def test_filter_metadata_sets_label_and_colour(built: tuple[Path, RenderedBook]) -> None:
    root, book = built
    page = _html(book, "basics.html")
    assert 'callout-title">Self-Check: throughput</span>' in page
    assert "--quiz-colour: #2a9d8f" in page
    # add_html_dependency: the stylesheet is linked and shipped with the page
    assert '<link rel="stylesheet" href="site_libs/quiz/quiz.css">' in page
    assert book.resources["site_libs/quiz/quiz.css"] == root / "filters" / "quiz.css"


def test_injected_figure_is_numbered_and_referenced(built: tuple[Path, RenderedBook]) -> None:
    page = _html(built[1], "basics.html")
    assert '<a href="#fig-injected" class="quarto-xref">Figure 1.1</a>' in page
    assert '<div id="fig-injected" class="quarto-float quarto-figure' in page
    assert '<span class="float-prefix">Figure 1.1:</span> An injected figure.' in page


def test_filter_after_quarto_runs_on_rendered_tree(built: tuple[Path, RenderedBook]) -> None:
    page = _html(built[1], "basics.html")
    assert "stamp: figure markup seen, json b2" in page
    assert "path x.txt" in page  # quarto.utils.resolve_path
    # a page without figures: the same project filter ran there too
    assert "stamp: figure markup absent" in _html(built[1], "index.html")


def test_shortcode_extension_inline_and_block(built: tuple[Path, RenderedBook]) -> None:
    page = _html(built[1], "index.html")
    assert "<p>Hello <strong>Ada (cheerful)</strong>, welcome.</p>" in page
    assert '<div class="banner">\n<p>Read me first</p>\n<p>context: block</p>' in page


def test_warm_build_runs_no_lua(built: tuple[Path, RenderedBook],
                                monkeypatch: pytest.MonkeyPatch) -> None:
    root, first = built

    def boom(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm build ran a Lua filter")

    monkeypatch.setattr(luafilters.LuaPlan, "run", boom)
    monkeypatch.setattr(luafilters, "shortcode_names", boom)  # names come from the disk cache
    again = render_book(root, cache_dir=root / ".cache")
    assert [p.body_html for p in again.pages] == [p.body_html for p in first.pages]


def test_editing_the_quiz_json_reruns_the_filter(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    render_book(root, cache_dir=root / ".cache")
    data = root / "quizzes" / "basics.json"
    data.write_text(data.read_text().replace("Which unit", "What unit"))
    page = _html(render_book(root, cache_dir=root / ".cache"), "basics.html")
    assert "What unit measures throughput?" in page


def test_lua_error_names_filter_line_and_declaring_line(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    quiz = root / "filters" / "quiz.lua"
    lines = quiz.read_text().splitlines()
    at = next(i for i, t in enumerate(lines) if "local label, colour" in t)
    lines.insert(at + 1, '  error("the quiz file is malformed")')
    quiz.write_text("\n".join(lines) + "\n")
    with pytest.raises(BuildError) as info:
        render_book(root, cache_dir=root / ".cache")
    errors = [p for p in info.value.problems if p.severity == "error"]
    assert len(errors) == 1
    assert f"{quiz}:{at + 2}: the quiz file is malformed" in errors[0].message
    assert errors[0].message.endswith("(while filtering basics.qmd)")
    assert errors[0].file == root / "_quarto.yml"
    assert errors[0].line == 11  # "  - filters/quiz.lua"


def test_missing_filter_is_a_warning_then_strict_error(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    chapter = root / "basics.qmd"
    chapter.write_text(chapter.read_text().replace(
        "quiz: quizzes/basics.json\n", "quiz: quizzes/basics.json\nfilters:\n  - nothere.lua\n"))
    book = render_book(root, cache_dir=root / ".cache")
    [problem] = book.problems
    assert "filter file not found: nothere.lua" in problem.message
    assert (problem.file, problem.line) == (chapter, 4)
    with pytest.raises(BuildError):
        render_book(root, cache_dir=root / ".cache", strict=True)


def test_unknown_shortcode_and_log_warning_are_reported(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    index = root / "index.qmd"
    index.write_text(index.read_text() + "\nAnd {{< grete Bob >}} too.\n")
    stamp = root / "filters" / "stamp.lua"
    stamp.write_text(stamp.read_text().replace(
        "  local seen_figure = false", '  quarto.log.warning("stamping", 3)\n'
        "  local seen_figure = false"))
    book = render_book(root, cache_dir=root / ".cache")
    messages = {(p.file, p.line, p.message) for p in book.problems}
    assert (index, 7, "unknown shortcode 'grete'") in messages
    assert any(m.startswith(f"Lua filter: {stamp}:7: stamping 3") for _, _, m in messages)


def test_shortcode_error_is_at_the_calling_line(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    greet = root / "_extensions" / "greet" / "greet.lua"
    greet.write_text(greet.read_text().replace(
        "    local who = pandoc.utils.stringify(args[1])",
        "    local who = pandoc.utils.stringify(args[1])\n"
        "    if who == 'Ada' then error('no greeting for Ada') end"))
    with pytest.raises(BuildError) as info:
        render_book(root, cache_dir=root / ".cache")
    [problem] = [p for p in info.value.problems if p.severity == "error"]
    assert (problem.file, problem.line) == (root / "index.qmd", 3)
    assert "shortcode 'greet'" in problem.message and "no greeting for Ada" in problem.message
    assert f"{greet}:" in problem.message


def test_pre_ast_filter_sees_raw_tree_and_json_filter_runs(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "early.lua").write_text(
        "-- counts raw LaTeX blocks, which only exist before conditional content is applied\n"
        "function Pandoc(doc)\n"
        "  local n = 0\n"
        "  doc:walk({ RawBlock = function(el) n = n + 1 end })\n"
        "  doc.blocks:insert(pandoc.Para({ pandoc.Str('raw blocks seen: ' .. n) }))\n"
        "  return doc\n"
        "end\n")
    (root / "tool.py").write_text("print('not a JSON document')\n")
    chapter = root / "basics.qmd"
    chapter.write_text(chapter.read_text().replace(
        "quiz: quizzes/basics.json\n", "quiz: quizzes/basics.json\nfilters:\n"
        "  - path: early.lua\n    at: pre-ast\n  - tool.py\n")
        + "\n```{=latex}\n\\newpage\n```\n")
    with pytest.raises(BuildError) as err:
        render_book(root, cache_dir=root / ".cache")
    # a JSON filter is run (as pandoc runs one); one that writes no JSON fails the build
    [problem] = err.value.problems
    assert problem.message.startswith("JSON filter failed: ")
    assert "did not write a pandoc JSON document" in problem.message
    assert "not a JSON document" in problem.message
    assert (problem.file, problem.line) == (chapter, 6)
    (root / "tool.py").write_text("import sys\nsys.stdout.write(sys.stdin.read())\n")
    book = render_book(root, cache_dir=root / ".cache")
    assert "raw blocks seen: 1" in _html(book, "basics.html")
    assert book.problems == []


def test_log_output_and_dump_reach_the_terminal(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    root = _copy(tmp_path)
    (root / "talk.lua").write_text(
        "function Pandoc(doc)\n"
        "  quarto.log.output('blocks:', #doc.blocks, { kind = 'demo' })\n"
        "  quarto.utils.dump({ answer = 42 })\n"
        "end\n")
    index = root / "index.qmd"
    index.write_text("---\nfilters:\n  - talk.lua\n---\n\n" + index.read_text())
    render_book(root, cache_dir=root / ".cache")
    err = capsys.readouterr().err
    assert "blocks: " in err and 'kind = "demo"' in err
    assert "answer = 42" in err
    # chapters are filtered in parallel: every line names the chapter it came from
    assert "index.qmd: blocks: " in err


def test_project_options_are_filter_metadata_only_while_filters_run(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    config = root / "_quarto.yml"
    config.write_text(config.read_text() + 'title: "The Whole Book"\n')
    (root / "seen.lua").write_text(
        "function Pandoc(doc)\n"
        "  doc.blocks:insert(pandoc.Para({ pandoc.Str('meta title: '"
        " .. pandoc.utils.stringify(doc.meta.title)) }))\n"
        "  return doc\n"
        "end\n")
    chapter = root / "basics.qmd"
    chapter.write_text(chapter.read_text().replace(
        "quiz: quizzes/basics.json\n", "quiz: quizzes/basics.json\nfilters:\n  - seen.lua\n"))
    book = render_book(root, cache_dir=root / ".cache")
    page = next(p for p in book.pages if p.href == "basics.html")
    assert "meta title: The Whole Book" in page.body_html  # the filter saw the project's
    assert page.title == "Basics"  # and the chapter kept its own


def test_extension_filter_by_name_and_unknown_position(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    ext = root / "_extensions" / "acme" / "shout"
    ext.mkdir(parents=True)
    (ext / "_extension.yml").write_text(
        "title: Shout\nversion: 1.0.0\ncontributes:\n  filters:\n    - shout.lua\n")
    (ext / "shout.lua").write_text(
        "return { { Str = function(s) if s.text == 'Latency' then"
        " return pandoc.Str('LATENCY') end end } }\n")
    chapter = root / "basics.qmd"
    chapter.write_text(chapter.read_text().replace(
        "quiz: quizzes/basics.json\n", "quiz: quizzes/basics.json\nfilters:\n  - shout\n"
        "  - path: seen.lua\n    at: sometime\n"))
    (root / "seen.lua").write_text("function Para(p) return p end\n")
    book = render_book(root, cache_dir=root / ".cache")
    assert "LATENCY is the time one request takes." in _html(book, "basics.html")
    [problem] = book.problems
    assert "unknown filter position 'at: sometime'" in problem.message
    assert (problem.file, problem.line) == (chapter, 5)


def test_filters_under_format_html_run_too(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "mark.lua").write_text(
        "function Pandoc(doc)\n"
        "  doc.blocks:insert(pandoc.Para({ pandoc.Str('format-level filter ran') }))\n"
        "  return doc\n"
        "end\n")
    chapter = root / "basics.qmd"
    chapter.write_text(chapter.read_text().replace(
        "quiz: quizzes/basics.json\n",
        "quiz: quizzes/basics.json\nformat:\n  html:\n    filters:\n      - mark.lua\n"))
    book = render_book(root, cache_dir=root / ".cache")
    assert book.problems == []
    assert "format-level filter ran" in _html(book, "basics.html")


# A pandoc JSON filter in plain Python: argv[1] is the format; the tree comes on stdin.
JSON_FILTER = """\
import json, sys

doc = json.load(sys.stdin)
meta = doc["meta"]
label = meta["filter-metadata"]["c"]["quiz"]["c"]["label"]["c"]
def para(text):
    return {"t": "Para", "c": [{"t": "Str", "c": text}]}
image = {"t": "Image", "c": [["", [], []], [], ["diagram.svg", ""]]}
figure = {"t": "Div", "c": [["fig-json", [], []], [
    {"t": "Para", "c": [image]}, para("Drawn by a JSON filter.")]]}
doc["blocks"] += [para(f"format={sys.argv[1]} label={label}"), figure]
json.dump(doc, sys.stdout)
"""

LATE_FILTER = """\
import json, sys

doc = json.load(sys.stdin)
def count(node):
    if isinstance(node, dict):
        hit = node.get("t") == "Link" and "quarto-xref" in node["c"][0][1]
        return hit + sum(count(v) for v in node.values())
    if isinstance(node, list):
        return sum(count(v) for v in node)
    return 0
n = count(doc["blocks"])
doc["blocks"].append({"t": "Para", "c": [{"t": "Str", "c": f"xref-links-seen={n}"}]})
json.dump(doc, sys.stdout)
"""


def test_json_filters_run_where_lua_filters_would(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "filters" / "figure.py").write_text(JSON_FILTER)
    (root / "filters" / "late.py").write_text(LATE_FILTER)
    chapter = root / "basics.qmd"
    chapter.write_text(chapter.read_text().replace(
        "quiz: quizzes/basics.json\n", "quiz: quizzes/basics.json\nfilters:\n"
        "  - path: filters/figure.py\n    at: pre-quarto\n  - filters/late.py\n")
        + "\nThe JSON filter's figure is @fig-json.\n")
    book = render_book(root, cache_dir=root / ".cache")
    assert book.problems == []
    page = _html(book, "basics.html")
    # argv[1] is the format; project options (filter-metadata) are in the metadata
    assert "format=html label=Self-Check" in page
    # before cross-references: the injected figure is numbered and the reference resolves
    assert '<a href="#fig-json" class="quarto-xref">Figure 1.2</a>' in page
    assert '<span class="float-prefix">Figure 1.2:</span> Drawn by a JSON filter.' in page
    # after `quarto` (the project lists it first): it sees our rendered tree, where the
    # resolved references are links
    assert "xref-links-seen=3" in page
    # the Lua filters of the project still ran around them
    assert "Which unit measures throughput?" in page


def test_json_filter_failure_names_the_filter_and_its_line(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "boom.py").write_text("import sys\nsys.stderr.write('no quizzes here\\n')\n"
                                  "sys.exit(2)\n")
    (root / "tool").write_text("#!/bin/sh\ncat\n")  # executable, but not marked so
    chapter = root / "basics.qmd"
    chapter.write_text(chapter.read_text().replace(
        "quiz: quizzes/basics.json\n", "quiz: quizzes/basics.json\nfilters:\n  - boom.py\n"))
    with pytest.raises(BuildError) as err:
        render_book(root, cache_dir=root / ".cache")
    [problem] = err.value.problems
    assert problem.message == (f"JSON filter failed: {root / 'boom.py'}: exited with "
                               "status 2: no quizzes here")
    assert (problem.file, problem.line) == (chapter, 4)  # the `- boom.py` line
    chapter.write_text(chapter.read_text().replace("  - boom.py\n", "  - tool\n"))
    with pytest.raises(BuildError) as err:
        render_book(root, cache_dir=root / ".cache")
    assert "not executable" in err.value.problems[0].message
    (root / "tool").chmod(0o755)
    assert render_book(root, cache_dir=root / ".cache").problems == []
