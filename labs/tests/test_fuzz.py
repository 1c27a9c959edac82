"""Any combination of values the widgets offer runs to a verdict: no traceback, ever.

Widget ranges are meant to make invalid states impossible; where a state is still infeasible
(out of memory, a plan that does not divide the GPUs, a format a chip lacks), the lab must
show mlsysim's reason. Hypothesis draws widget values from what each widget offers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import labkit as kit

LABS = Path(__file__).resolve().parents[1]

NAMES = [lab.name for lab in kit.catalog()]
SLOW = {"serving_slo"}  # each new setting runs a few hundred-request simulations


def _choices(element: Any) -> list[Any] | None:
    kind = type(element).__name__
    if kind == "slider" and element.steps:
        return list(element.steps)
    if kind in ("slider", "number"):
        step = element.step or 1
        n = int(round((element.stop - element.start) / step))
        return [element.start + i * step for i in range(n + 1)]
    if kind in ("dropdown", "radio"):
        return list(element.options.values())
    if kind == "switch":
        return [False, True]
    return None


def _widgets(name: str) -> dict[str, list[Any]]:
    import marimo as mo

    _, defs = kit.load_app(name).run()
    return {var: _choices(v) for var, v in defs.items()
            if isinstance(v, mo.ui.slider | mo.ui.dropdown | mo.ui.radio | mo.ui.switch)}


@pytest.mark.parametrize("name", NAMES)
def test_random_widget_values_always_reach_a_verdict(name: str) -> None:
    widgets = _widgets(name)
    assert "guess" in widgets and len(widgets) >= 2

    @settings(max_examples=5 if name in SLOW else 25, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.data())
    def check(data: st.DataObject) -> None:
        values = {var: data.draw(st.sampled_from(opts), label=var)
                  for var, opts in widgets.items() if opts}
        run = kit.run_lab(name, **values)
        assert run.verdicts() in (["pass"], ["fail"]), values
        assert "Traceback" not in run.text and "Error:" not in run.plain

    check()


def test_set_widget_refuses_values_the_lab_does_not_offer() -> None:
    import marimo as mo

    with pytest.raises(ValueError, match="outside"):
        kit.set_widget(mo.ui.slider(1, 10), 11)
    with pytest.raises(ValueError, match="steps"):
        kit.set_widget(mo.ui.slider(steps=[1, 2, 4]), 3)
    with pytest.raises(ValueError, match="options"):
        kit.set_widget(mo.ui.dropdown(["a", "b"]), "c")
    with pytest.raises(kit.LabRunError, match="no widget"):
        kit.run_lab("where_time_goes", nonexistent=1)
    assert kit.set_widget(mo.ui.radio(["x", "y"]), "y").value == "y"
