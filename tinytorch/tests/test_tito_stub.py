"""The stubber: learners get hints and a clear TODO, never the answer, and code that imports."""

from __future__ import annotations

import ast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tito.curriculum import CurriculumError, find_module, load_module
from tito.stub import StubError, find_regions, solution_lines, stub_source

SRC = '''\
class Relu:
    def forward(self, x):
        """Keep positives."""
        # BEGIN SOLUTION
        # HINT: np.maximum is vectorised
        out = np.maximum(x, 0)
        # END SOLUTION
        return out

    def backward(self, g):
        if g is not None:
            # BEGIN SOLUTION
            return g * (self.x > 0)
            # END SOLUTION
        return None
'''


def test_region_becomes_hints_and_a_named_todo_at_the_same_indentation():
    out = stub_source(SRC, 3)
    assert "        # HINT: np.maximum is vectorised\n" in out
    assert (
        '        raise NotImplementedError("TODO(module 03): Relu.forward — see the hints above")'
        in out
    )
    assert (
        '            raise NotImplementedError("TODO(module 03): Relu.backward — see the hints above")'
        in out
    )
    assert "np.maximum(x, 0)" not in out and "self.x > 0" not in out
    assert "return out" in out and '"""Keep positives."""' in out  # given code stays
    ast.parse(out)


def test_solution_lines_lists_the_answers_only():
    assert solution_lines(SRC) == ["out = np.maximum(x, 0)", "return g * (self.x > 0)"]


@pytest.mark.parametrize(
    ("src", "line", "words"),
    [
        ("def f():\n    # END SOLUTION\n    return 1\n", 2, "without a matching"),
        ("def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n", 3, "inside the region"),
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", 1, "not inside a function"),
        ("def f(:\n    pass\n", 1, "cannot parse"),
    ],
)
def test_malformed_markers_name_the_line(src, line, words):
    with pytest.raises(StubError, match=rf"mod\.py:{line}: .*{words}"):
        find_regions(src, "mod.py")


_stmt = st.sampled_from(
    ["y = x + 1", "y = x * 2", "z = [i for i in range(3)]", "w = {'a': 1}", "y = -x"]
)


@settings(max_examples=60, deadline=None)
@given(
    bodies=st.lists(st.lists(_stmt, min_size=1, max_size=4), min_size=1, max_size=4),
    hints=st.lists(st.text(alphabet="abc xyz", min_size=1, max_size=20).filter(str.strip), max_size=2),
    indent=st.sampled_from([4, 8]),
)
def test_stubbed_code_always_parses_and_never_leaks_a_solution_line(bodies, hints, indent):
    lines: list[str] = []
    for k, body in enumerate(bodies):
        pad = " " * indent
        if indent == 8:
            lines.append(f"class C{k}:")
            lines.append(f"    def f{k}(self, x):")
        else:
            lines.append(f"def f{k}(x):")
        lines.append(f"{pad}# BEGIN SOLUTION")
        lines.extend(f"{pad}# HINT: {h}" for h in hints)
        lines.extend(f"{pad}{s}  # secret{k}" for s in body)
        lines.append(f"{pad}# END SOLUTION")
        lines.append(f"{pad}return x")
    src = "\n".join(lines) + "\n"
    out = stub_source(src, 7, "gen.py")
    tree = ast.parse(out)
    assert "secret" not in out
    assert out.count("NotImplementedError") == len(bodies)
    for h in hints:
        assert f"# HINT: {h}".rstrip() in out
    assert len([n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)]) == len(bodies)


def test_module_yaml_errors_name_file_and_field(tmp_path):
    folder = tmp_path / "04_layers"
    folder.mkdir()
    (folder / "module.yaml").write_text("number: 4\nname: 04_layers\ntitle: L\ngroup: misc\nsources: []\n")
    with pytest.raises(CurriculumError, match=r"module.yaml:4: field 'group'"):
        load_module(folder)
    (folder / "module.yaml").write_text("number: 4\nname: [unclosed\n")
    with pytest.raises(CurriculumError, match=r"module.yaml:\d+: invalid YAML"):
        load_module(folder)


def test_find_module_accepts_number_padded_number_and_names(tmp_path):
    folder = tmp_path / "03_activations"
    folder.mkdir()
    (folder / "module.yaml").write_text(
        "number: 3\nname: 03_activations\ntitle: Activations\ngroup: foundation\n"
        "sources: [activations.py]\n"
    )
    mods = [load_module(folder)]
    for key in ("3", "03", "activations", "03_activations"):
        assert find_module(key, mods).number == 3
    with pytest.raises(CurriculumError, match="no module 'relu'"):
        find_module("relu", mods)
