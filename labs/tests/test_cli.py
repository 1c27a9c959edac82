"""`mlsys labs` commands and the exporter, on the real catalogue and on broken copies of it."""

from __future__ import annotations

import json
import math
import re
import shutil
import subprocess
import sys
from pathlib import Path

import mlsysim
import pytest
from click.testing import CliRunner
from mlsys.labs import export_labs, foreign_urls
from mlsys.labs_cli import labs
from mlsys.model import BuildError

LABS = Path(__file__).resolve().parents[1]
REPO = LABS.parent


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(labs, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_list_shows_every_lab_with_its_chapter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out = invoke("list")
    assert code == 0, out
    assert "where_time_goes" in out and "Vol I, Ch. 1" in out


@pytest.mark.parametrize("verb", ["run", "edit"])
def test_unknown_lab_is_a_clear_error_listing_the_labs(verb: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    code, out = invoke(verb, "no_such_lab")
    assert code != 0
    assert "unknown lab 'no_such_lab'" in out and "where_time_goes" in out
    assert "Traceback" not in out


def _copy_labs(tmp_path: Path, names: list[str]) -> Path:
    """A miniature curriculum repository holding some of the labs."""
    root = tmp_path / "repo"
    (root / "labs").mkdir(parents=True)
    (root / "curriculum.yml").write_text("title: t\nparts: []\n")
    text = (LABS / "labs.yaml").read_text()
    entries = text.split("  - name: ")
    kept = [e for e in entries[1:] if e.split("\n", 1)[0].strip() in names]
    (root / "labs" / "labs.yaml").write_text("labs:\n" + "".join("  - name: " + e for e in kept))
    for n in names:
        shutil.copy(LABS / f"{n}.py", root / "labs")
    return root / "labs"


def test_malformed_catalogue_names_the_file_and_line(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _copy_labs(tmp_path, ["where_time_goes"])
    (folder / "labs.yaml").write_text(
        "labs:\n  - name: where_time_goes\n    title: T\n    chapter: C\n"
        "    href: x.html\n    description: D\n  - name: second\n    title: T\n")
    monkeypatch.chdir(folder.parent)
    code, out = invoke("list")
    assert code != 0
    assert re.search(r"labs\.yaml:7: lab entry 2 needs a text field 'chapter'", out), out
    (folder / "labs.yaml").write_text("labs: [\n")
    code, out = invoke("list")
    assert code != 0 and "labs.yaml" in out and "not valid YAML" in out


def test_listed_lab_without_notebook_is_reported(tmp_path: Path) -> None:
    folder = _copy_labs(tmp_path, ["where_time_goes"])
    (folder / "where_time_goes.py").unlink()
    with pytest.raises(BuildError, match="where_time_goes.py is missing"):
        export_labs(tmp_path / "out", folder)


def test_a_lab_that_crashes_fails_the_export_naming_its_file(tmp_path: Path) -> None:
    folder = _copy_labs(tmp_path, ["where_time_goes"])
    nb = folder / "where_time_goes.py"
    nb.write_text(nb.read_text().replace("import mlsysim\n", "import mlsysim_typo\n", 1))
    with pytest.raises(BuildError) as err:
        export_labs(tmp_path / "out", folder)
    text = str(err.value)
    assert "where_time_goes.py" in text and "setup failed" in text


def test_a_lab_without_an_explorable_fails_the_export_naming_its_file(tmp_path: Path) -> None:
    folder = _copy_labs(tmp_path, ["where_time_goes"])
    nb = folder / "where_time_goes.py"
    nb.write_text(nb.read_text().replace("    EXPLORE = kit.Explore(", "    _UNUSED = dict(", 1))
    with pytest.raises(BuildError) as err:
        export_labs(tmp_path / "out", folder)
    assert "where_time_goes.py" in str(err.value) and "EXPLORE" in str(err.value)


def test_export_writes_small_self_contained_explorables(tmp_path: Path) -> None:
    folder = _copy_labs(tmp_path, ["where_time_goes"])
    out = tmp_path / "site" / "labs"
    items = export_labs(out, folder)
    assert [it.name for it in items] == ["where_time_goes"]
    assert items[0].href == "where_time_goes.html"
    page = (out / "where_time_goes.html").read_text()
    assert foreign_urls(page) == []
    refs = re.findall(r'(?:src|href)="([^"#:]+\.(?:js|css))"', page)
    assert sorted(refs) == ["explorable.css", "explorable.js"]
    assert all((out / r).is_file() for r in refs)
    total = sum((out / f).stat().st_size for f in ("where_time_goes.html", *refs))
    assert total < 100_000, total
    data = json.loads((out / "where_time_goes.json").read_text())
    sizes = [len(i["labels"]) for i in data["inputs"]]
    assert len(data["points"]) == math.prod(sizes)  # every setting was evaluated
    # the default setting's numbers are in the page before any script runs, as mlsysim says
    m = mlsysim.model("ResNet-50")
    r = mlsysim.roofline("H100-SXM", mlsysim.inference_flops(m, 1),
                         mlsysim.model_size_bytes(m, "fp16"), "fp16")
    assert f'data-output="time">{mlsysim.format_quantity(r.time_s, "s")}<' in page
    index = (out / "index.html").read_text()
    assert 'href="where_time_goes.html"' in index and "Vol I, Ch. 1" in index
    assert "mlsys labs run" in index and foreign_urls(index) == []
    # a second export reuses the cached explorable
    again = export_labs(out, folder)
    assert again == items and (out / "where_time_goes.html").read_text() == page


def test_every_lab_declares_an_explorable_of_two_to_four_inputs() -> None:
    from mlsys.explorable import load_spec
    from mlsys.labs import _labkit, load_catalog

    kit = _labkit(REPO / "labs")
    for lab in load_catalog(REPO / "labs"):
        spec = load_spec(lab.path, kit)
        assert 2 <= len(spec.inputs) <= 4, lab.name
        assert spec.answer()[0] in spec.options, lab.name


def test_foreign_urls_ignores_namespace_ids() -> None:
    page = '<svg xmlns="http://www.w3.org/2000/svg"/>'
    assert foreign_urls(page) == []
    assert foreign_urls('<img src="https://example.com/a.png">') == ["https://example.com/a.png"]


def test_mlsys_cli_exposes_the_labs_group() -> None:
    proc = subprocess.run([sys.executable, "-m", "mlsys.cli", "labs", "--help"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    for verb in ("list", "run", "edit", "export", "test"):
        assert verb in proc.stdout


@pytest.mark.slow
def test_run_serves_the_lab_read_only_on_localhost(tmp_path: Path) -> None:
    """`mlsys labs run NAME` starts marimo's app server on 127.0.0.1 (not edit mode)."""
    import socket
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlsys.cli", "labs", "run", "where_time_goes", "--headless",
         "--port", str(port)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        start_new_session=True)
    try:
        page = ""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    page = r.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert page, "marimo did not start"
        assert '"mode": "read"' in page, "run must serve the read-only app, not the editor"
    finally:
        import os
        import signal

        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _alive(pid: int) -> bool:
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[-1][:1] not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_stopping_labs_run_stops_its_marimo_server(sig: str) -> None:
    """`kill PID` (or Ctrl-C) of `mlsys labs run` must not leave marimo holding the port."""
    import signal
    import socket
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "mlsys.cli", "labs", "run", "where_time_goes", "--headless",
         "--port", str(port)], cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            pytest.fail("marimo did not start listening")
        children = _children(proc.pid)
        assert children, "mlsys labs run should run marimo as its child"
        proc.send_signal(getattr(signal, sig))  # to mlsys only, as `kill PID` does
        proc.wait(timeout=20)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(c) for c in children):
            time.sleep(0.2)
        assert not any(_alive(c) for c in children), "marimo outlived mlsys labs run"
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", port)) != 0, "the port is still listening"
        assert proc.returncode == (0 if sig == "SIGINT" else 143)
    finally:
        if proc.poll() is None:
            import os

            os.killpg(proc.pid, signal.SIGKILL)


def test_export_to_an_unwritable_place_is_a_clear_error(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.chdir(REPO)
    code, out = invoke("export", "--out", str(blocker / "labs"))
    assert code != 0
    assert "cannot write the export" in out and "Traceback" not in out
