"""Run one module's tests in a fresh interpreter with the learner's workspace first on sys.path.

Invoked by :mod:`tito.runner` as ``python -m tito._pytest_child WORKSPACE TESTFILE RESULTS
[PYTEST_ARGS...]``.
It writes one JSON record per test (plus which ``tinytorch`` was really imported) so the parent
can draw a readable table and prove that the learner's code, not the reference, was tested.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


class _Collector:
    """A pytest plugin that keeps the outcome and the key error line of every test."""

    def __init__(self) -> None:
        self.results: list[dict[str, str]] = []
        self._seen: set[str] = set()

    @staticmethod
    def _message(report) -> str:  # noqa: ANN001 - pytest's report type
        text = getattr(report, "longreprtext", "") or ""
        errors = [ln[1:].strip() for ln in text.splitlines() if ln.startswith("E ")]
        if errors:
            return " ".join(errors)[:300]
        lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
        return (lines[-1] if lines else "")[:300]

    def pytest_runtest_logreport(self, report) -> None:  # noqa: ANN001
        if report.nodeid in self._seen:
            return
        if report.failed or report.skipped or report.when == "call":
            self._seen.add(report.nodeid)
            outcome = "failed" if report.failed else "skipped" if report.skipped else "passed"
            if report.failed and report.when != "call":
                outcome = "error"
            self.results.append(
                {"nodeid": report.nodeid, "outcome": outcome, "message": self._message(report),
                 "details": (getattr(report, "longreprtext", "") or "")[-4000:]}
            )

    def pytest_collectreport(self, report) -> None:  # noqa: ANN001
        if report.failed:
            self.results.append(
                {"nodeid": report.nodeid or "collection", "outcome": "error",
                 "message": self._message(report),
                 "details": (getattr(report, "longreprtext", "") or "")[-4000:]}
            )


def main(argv: list[str]) -> int:
    workspace, test_file, results = (Path(a) for a in argv[:3])
    sys.path.insert(0, str(workspace))
    import pytest

    collector = _Collector()
    ini = test_file.parent / "pytest.ini"
    ini.write_text("[pytest]\n", encoding="utf-8")
    code = pytest.main(
        [
            str(test_file),
            "-q",
            "-c",
            str(ini),
            "--rootdir",
            str(test_file.parent),
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "--tb=short",
            "--no-header",
            *argv[3:],
        ],
        plugins=[collector],
    )
    mod = sys.modules.get("tinytorch")
    record = {
        "exit_code": int(code),
        "tinytorch_file": getattr(mod, "__file__", None) if mod else None,
        "results": collector.results,
    }
    results.write_text(json.dumps(record), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
