"""Courses as data: the three shipped plans resolve, and bad references are named precisely."""

from __future__ import annotations

from pathlib import Path

import pytest
from mlsys_instructors.check import check
from mlsys_instructors.courses import course_files, load_course, read_course
from mlsys_instructors.errors import InstructorsError
from mlsys_instructors.resolver import index
from mlsys_instructors.yamlsrc import loads

GOOD_WEEK = """
  - title: Start
    goals: [Say what a system is.]
    reading: [vol1/introduction]
    lab: lab:where_time_goes
    module: module:01_tensor
"""


def course_text(weeks: str, n: int = 1) -> str:
    return (f"id: t\ntitle: T\nvolume: 1\nsummary: S\nschedule:\n  weeks: {n}\n"
            f"weeks:{weeks}")


def problems_of(text: str, root: Path) -> list[str]:
    _, errors = read_course(loads(text, Path("c.yaml")), index(root))
    return [str(e) for e in errors]


def test_three_shipped_courses_have_only_valid_references(root: Path) -> None:
    names = {f.stem for f in course_files(root)}
    assert {"foundations", "foundations-quarter", "at-scale"} <= names
    errors = [p for p in check(root) if ": error:" in p]
    assert errors == []


def test_shipped_courses_have_the_promised_lengths_and_volumes(root: Path) -> None:
    idx = index(root)
    by_id = {c.id: c for c in (load_course(f, idx) for f in course_files(root))}
    assert (len(by_id["foundations"].weeks), by_id["foundations"].volume) == (12, 1)
    assert (len(by_id["foundations-quarter"].weeks), by_id["foundations-quarter"].volume) == (10, 1)
    assert (len(by_id["at-scale"].weeks), by_id["at-scale"].volume) == (12, 2)
    for course in by_id.values():
        assert all(w.goals and w.reading for w in course.weeks), course.id


def test_foundations_reads_every_volume_one_chapter_once(root: Path) -> None:
    idx = index(root)
    course = load_course(root / "instructors/courses/foundations.yaml", idx)
    read = [r for w in course.weeks for r in w.reading]
    assert sorted(read) == sorted(c.id for c in idx.chapters(1))


def test_unknown_id_names_file_line_and_closest_ids(root: Path) -> None:
    text = course_text(GOOD_WEEK.replace("vol1/introduction", "vol1/introduktion"))
    (msg,) = problems_of(text, root)
    assert msg.startswith("c.yaml:10: error: unknown curriculum id 'vol1/introduktion'")
    assert "closest: vol1/introduction" in msg


def test_unknown_lab_and_module_are_reported_together(root: Path) -> None:
    text = course_text(GOOD_WEEK.replace("lab:where_time_goes", "lab:where_time")
                       .replace("module:01_tensor", "module:01_tensors"))
    msgs = problems_of(text, root)
    assert len(msgs) == 2
    assert "c.yaml:11:" in msgs[0] and "lab:where_time_goes" in msgs[0]
    assert "c.yaml:12:" in msgs[1] and "module:01_tensor" in msgs[1]


def test_an_id_of_the_wrong_kind_is_refused(root: Path) -> None:
    (msg,) = problems_of(course_text(GOOD_WEEK.replace("lab:where_time_goes",
                                                       "vol1/training")), root)
    assert "c.yaml:11:" in msg and "is a chapter; expected a lab" in msg


def test_sections_resolve_and_bad_section_ids_do_not(root: Path) -> None:
    good = GOOD_WEEK.replace("vol1/introduction", "vol1/training#sec-training-memory")
    assert problems_of(course_text(good), root) == []
    bad = GOOD_WEEK.replace("vol1/introduction", "vol1/training#sec-training-memroy")
    (msg,) = problems_of(course_text(bad), root)
    assert "closest: vol1/training#sec-training-memory" in msg


def test_week_count_must_match_the_schedule(root: Path) -> None:
    (msg,) = problems_of(course_text(GOOD_WEEK, n=2), root)
    assert "the schedule says 2 weeks but 1 are listed" in msg


def test_bad_weekday_time_and_holiday_are_named(root: Path) -> None:
    text = course_text(GOOD_WEEK).replace(
        "  weeks: 1\n", "  weeks: 1\n  lectures: [Tuesday]\n  lab_time: '25:00'\n"
        "  lab_minutes: two hours\n") \
        + "holidays: [2027-02-30]\n"
    msgs = "\n".join(problems_of(text, root))
    assert "'Tuesday' is not a weekday" in msgs
    assert "'lab_time' must be a time HH:MM" in msgs
    assert "'2027-02-30' is not a valid date" in msgs
    assert "'lab_minutes' must be a whole number of minutes" in msgs


def test_unknown_field_is_an_error_not_silence(root: Path) -> None:
    (msg,) = problems_of(course_text(GOOD_WEEK + "    reeding: [vol1/training]\n"), root)
    assert "c.yaml:13:" in msg and "unknown week field 'reeding'" in msg


def test_load_course_raises_with_every_problem(root: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(course_text(GOOD_WEEK.replace("lab:where_time_goes", "lab:nope")
                               .replace("module:01_tensor", "module:99_nope")))
    with pytest.raises(InstructorsError) as info:
        load_course(bad, index(root))
    assert str(info.value).count("unknown curriculum id") == 2


def test_broken_yaml_reports_its_line() -> None:
    with pytest.raises(InstructorsError, match=r"^c\.yaml:3: error: invalid YAML"):
        loads("id: t\nweeks: [\n", Path("c.yaml"))


@pytest.fixture
def repo_copy(tmp_path: Path, root: Path) -> Path:
    """The parts the hub reads (book config and chapters, labs, modules, hub data)."""
    import shutil

    dest = tmp_path / "repo"
    skip = shutil.ignore_patterns("images", "*.py", "_site", "__pycache__")
    for part in ("book", "instructors", "tinytorch/modules"):
        shutil.copytree(root / part, dest / part, ignore=skip)
    (dest / "labs").mkdir()
    shutil.copy(root / "labs/labs.yaml", dest / "labs/labs.yaml")
    shutil.copy(root / "curriculum.yml", dest / "curriculum.yml")
    return dest


def test_a_renamed_lab_breaks_the_check_and_the_site_build(repo_copy: Path) -> None:
    from mlsys_instructors.site import generate

    course = repo_copy / "instructors/courses/foundations.yaml"
    text = course.read_text()
    line = text.splitlines().index("    lab: lab:kernel_fusion") + 1
    course.write_text(text.replace("lab:kernel_fusion", "lab:kernel_fusin"))
    errors = [p for p in check(repo_copy) if ": error:" in p]
    assert errors == [f"{course}:{line}: error: unknown curriculum id 'lab:kernel_fusin'; "
                      "closest: lab:kernel_fusion"]
    with pytest.raises(InstructorsError, match="lab:kernel_fusin"):
        generate(repo_copy / "out", repo_copy)


def test_check_command_fails_on_a_broken_reference(repo_copy: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner
    from mlsys.cli import main

    course = repo_copy / "instructors/courses/at-scale.yaml"
    course.write_text(course.read_text().replace("vol2/collectives#sec-collectives-ops",
                                                 "vol2/collectives#sec-collective-ops"))
    monkeypatch.chdir(repo_copy)
    result = CliRunner().invoke(main, ["instructors", "check"])
    assert result.exit_code == 1
    assert "unknown curriculum id 'vol2/collectives#sec-collective-ops'" in result.output
    assert "closest: vol2/collectives#sec-collectives-ops" in result.output
