"""The labs in the website: each lab's main scenario, evaluated ahead of time, as an explorable.

A lab declares its scenario in its notebook's setup block (`EXPLORE = kit.Explore(...)`): two to
four discrete inputs, the outputs with their units, a verdict rule, a plot and its prediction.
Here we import the notebook (marimo runs only the setup block on import), evaluate mlsysim on
every combination of the inputs, format every number with `mlsysim.format_quantity` and write
one compact JSON per lab. The page's script (`assets/explorable.js`) only looks results up, so a
lab in the site needs no Python, no server and no CDN, and answers a control in a frame.
"""

from __future__ import annotations

import hashlib
import html
import importlib.util
import itertools
import json
import math
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlsys.model import BuildError, Problem

ASSETS = Path(__file__).resolve().parent / "assets"
SCRIPT, STYLE = "explorable.js", "explorable.css"


@dataclass(frozen=True)
class Explorable:
    """One lab's explorable: the page body (site frame added by the caller) and its JSON."""

    name: str
    title: str
    data: str  # the compact JSON the script reads
    body_html: str


def load_spec(notebook: Path, kit: Any) -> Any:
    """Import a lab notebook and return its `EXPLORE` (a `labkit.Explore`).

    `kit` is the labs' helper module; the notebook imports it as `labkit`, so it is registered
    under that name while the notebook's setup block runs."""
    key = f"_lab_{notebook.stem}_{hashlib.sha1(str(notebook).encode()).hexdigest()[:8]}"
    spec = importlib.util.spec_from_file_location(key, notebook)
    if spec is None or spec.loader is None:
        raise BuildError([Problem("error", "cannot import this notebook", notebook)])
    module = importlib.util.module_from_spec(spec)
    saved = sys.modules.get("labkit")
    sys.modules["labkit"] = kit
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # the notebook's own code failed: report it as the lab's problem
        raise BuildError([Problem("error", f"the notebook's setup failed: "
                                  f"{type(exc).__name__}: {exc}", notebook)]) from None
    finally:
        if saved is None:
            sys.modules.pop("labkit", None)
        else:
            sys.modules["labkit"] = saved
    explore = getattr(module, "EXPLORE", None)
    if not isinstance(explore, kit.Explore):
        raise BuildError([Problem("error", "the notebook's setup defines no EXPLORE = "
                                  "kit.Explore(...): the site cannot show this lab", notebook)])
    _check_spec(explore, notebook)
    return explore


def _check_spec(e: Any, notebook: Path) -> None:
    names = [c.name for c in e.inputs]
    problems = []
    if not 2 <= len(names) <= 4:
        problems.append(f"EXPLORE has {len(names)} inputs; an explorable takes 2 to 4")
    for c in e.inputs:
        if c.default not in c.values:
            problems.append(f"EXPLORE input {c.name!r}: default {c.default!r} is not one of "
                            f"its values")
    if e.plot_x not in names:
        problems.append(f"EXPLORE plot_x {e.plot_x!r} is not an input ({', '.join(names)})")
    if problems:
        raise BuildError([Problem("error", p, notebook) for p in problems])


def _num(x: Any) -> float | None:
    """A plot value kept to six significant digits (the JSON stays small); NaN/inf -> None."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return float(f"{v:.6g}") if math.isfinite(v) else None


def evaluate_grid(e: Any, notebook: Path) -> dict[str, Any]:
    """Every combination of the inputs (last input fastest) -> numbers, texts and verdict."""
    import mlsysim

    keys = list(dict.fromkeys([o.name for o in e.outputs] + list(e.plot_y)
                              + ([e.plot_limit] if e.plot_limit else [])))
    units = {o.name: o.unit for o in e.outputs}
    points = []
    for combo in itertools.product(*[c.values for c in e.inputs]):
        args = dict(zip([c.name for c in e.inputs], combo, strict=True))
        try:
            values = e.evaluate(**args)
            ok, why = e.verdict(values)
        except mlsysim.MlsysimError as exc:  # an impossible setting is a verdict, not a crash
            points.append({"v": [None] * len(keys), "t": ["—"] * len(e.outputs),
                           "ok": False, "why": str(exc)})
            continue
        missing = [k for k in keys if k not in values]
        if missing:
            raise BuildError([Problem("error", f"EXPLORE.evaluate{args} returned no "
                                      f"{', '.join(missing)}", notebook)])
        points.append({
            "v": [_num(values[k]) for k in keys],
            "t": [mlsysim.format_quantity(float(values[o.name]), units[o.name])
                  for o in e.outputs],
            "ok": bool(ok), "why": why})
    return {"keys": keys, "points": points}


def _label(value: Any, unit: str) -> str:
    import mlsysim

    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return mlsysim.format_quantity(value, unit) if unit else f"{value:g}"


def build_explorable(name: str, title: str, notebook: Path, kit: Any) -> Explorable:
    """Evaluate one lab's `EXPLORE` and render its page body."""
    e = load_spec(notebook, kit)
    grid = evaluate_grid(e, notebook)
    correct, explanation = e.answer()
    if correct not in e.options:
        raise BuildError([Problem("error", f"EXPLORE.answer() returned {correct!r}, which is "
                                  "not one of the prediction's options", notebook)])
    labels = {o.name: o.label for o in e.outputs}
    payload = {
        "name": name,
        "inputs": [{"name": c.name, "label": c.label,
                    "labels": [_label(v, c.unit) for v in c.values],
                    "default": c.values.index(c.default)} for c in e.inputs],
        "outputs": [{"name": o.name, "label": o.label} for o in e.outputs],
        "plot": {"x": e.plot_x, "y": list(e.plot_y), "limit": e.plot_limit, "log": e.log_y,
                 "limit_label": e.limit_label,
                 "labels": [labels.get(k, k) for k in e.plot_y]},
        "predict": {"question": e.question, "options": list(e.options), "answer": correct,
                    "explanation": explanation},
        **grid,
    }
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
    return Explorable(name, title, data, page_body(name, payload, data))


def _default_point(payload: dict[str, Any]) -> dict[str, Any]:
    index = 0
    for spec in payload["inputs"]:
        index = index * len(spec["labels"]) + spec["default"]
    return payload["points"][index]


def page_body(name: str, payload: dict[str, Any], data: str) -> str:
    """The explorable's HTML, with the default setting's numbers already in place (the page
    reads right before its script runs); the script then wires the controls and the plot."""
    esc = html.escape
    point = _default_point(payload)
    controls = "\n".join(
        f'<label class="ex-control"><span>{esc(c["label"])}</span>'
        f'<select data-input="{esc(c["name"])}">'
        + "".join(f'<option value="{i}"{" selected" if i == c["default"] else ""}>'
                  f"{esc(lab)}</option>" for i, lab in enumerate(c["labels"]))
        + "</select></label>" for c in payload["inputs"])
    outputs = "\n".join(
        f'<div class="ex-out"><dt>{esc(o["label"])}</dt>'
        f'<dd data-output="{esc(o["name"])}">{esc(t)}</dd></div>'
        for o, t in zip(payload["outputs"], point["t"], strict=True))
    pred = payload["predict"]
    options = "\n".join(
        f'<label><input type="radio" name="ex-guess-{esc(name)}" value="{esc(opt)}"> '
        f"{esc(opt)}</label>" for opt in pred["options"])
    verdict_class = "ok" if point["ok"] else "bad"
    safe_data = data.replace("</", "<\\/")  # the JSON cannot close its <script> element
    return f"""<link rel="stylesheet" href="{STYLE}">
<div class="explorable" data-lab="{esc(name)}">
<section class="ex-predict" aria-label="Predict first">
<p class="ex-question"><strong>Predict first.</strong> {esc(pred["question"])}</p>
<fieldset class="ex-options"><legend class="visually-hidden">Your prediction</legend>
{options}
</fieldset>
<button type="button" class="ex-commit" disabled>Commit my prediction</button>
<p class="ex-reveal" role="status" hidden></p>
</section>
<section class="ex-explore" aria-label="Explore">
<div class="ex-controls">
{controls}
</div>
<p class="ex-verdict {verdict_class}" role="status">{esc(point["why"])}</p>
<dl class="ex-outputs">
{outputs}
</dl>
<figure class="ex-plot" aria-label="Plot"></figure>
</section>
<script type="application/json" class="ex-data">{safe_data}</script>
</div>
<script src="{SCRIPT}" defer></script>"""


def write_assets(out_dir: Path) -> None:
    """Copy the explorable's script and style beside the lab pages."""
    for f in (SCRIPT, STYLE):
        (out_dir / f).write_bytes((ASSETS / f).read_bytes())
