# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The operator roofline")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = ("Llama-3-8B generating one token at a time (decode, batch 1) on an H100: what "
                "share of the time is spent in compute-bound operators?")
    OPTIONS = ("most of it", "about half", "almost none")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        f = mlsysim.transformer_ops("Llama-3-8B", 2048, 1, "H100-SXM", "bf16",
                                    "decode").compute_bound_fraction
        correct = OPTIONS[0] if f > 0.66 else OPTIONS[1] if f > 0.33 else OPTIONS[2]
        return correct, (
            f"{100 * f:.0f}% of decode time is compute-bound. With one token per step every "
            "weight matrix is read to do one multiply-add per element: intensity near 1 "
            "FLOP/byte, hundreds of times below the ridge.")

    def explore_point(phase: str, batch: int, gpu: str) -> dict[str, float]:
        ops = mlsysim.transformer_ops("Llama-3-8B", 2048, batch, gpu, "bf16", phase)
        return {"time": ops.time_s, "share": 100 * ops.compute_bound_fraction,
                "intensity": ops.total_flops / ops.total_bytes,
                "ridge": mlsysim.ridge_point(gpu, "bf16")}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["share"] >= 50:
            return True, f"Mostly compute-bound: {v['share']:.0f}% of the time."
        return False, (f"Mostly memory-bound: only {v['share']:.0f}% of the time is in "
                       "compute-bound operators.")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("phase", "Phase", ("decode", "prefill"), "decode"),
                kit.Choice("batch", "Batch", (1, 4, 16, 64, 256, 512), 1),
                kit.Choice("gpu", "GPU", ("H100-SXM", "A100-80GB", "L4"), "H100-SXM")),
        outputs=(kit.Output("time", "Time per step", "s"),
                 kit.Output("share", "Compute-bound share", "%"),
                 kit.Output("intensity", "Overall intensity", "FLOP/B")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="batch", plot_y=("intensity",), plot_limit="ridge", limit_label="ridge point",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "operator_roofline",
        "An accelerator's headline number is its matrix-multiply peak. Which operators of a "
        "transformer can actually use it, and which wait on memory no matter how fast the "
        "tensor cores are?",
    )
    return


@app.cell
def _():
    guess = kit.prediction(QUESTION, OPTIONS)
    guess
    return (guess,)


@app.cell
def _(guess):
    kit.reveal(guess, *answer())
    return


@app.cell
def _():
    model = mo.ui.dropdown(kit.models("llm"), value="Llama-3-8B", label="Model")
    gpu = mo.ui.dropdown(mlsysim.list_hardware("datacenter"), value="H100-SXM", label="GPU")
    phase = mo.ui.radio(["prefill", "decode"], value="decode", label="Phase", inline=True)
    batch = mo.ui.slider(steps=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], value=1,
                         label="Batch (sequences)", show_value=True)
    seq_len = mo.ui.slider(steps=[256, 512, 1024, 2048, 4096, 8192], value=2048,
                           label="Context length", show_value=True)
    mo.vstack([mo.hstack([model, gpu, phase], justify="start"),
               mo.hstack([batch, seq_len], justify="start")])
    return batch, gpu, model, phase, seq_len


@app.cell
def _(batch, gpu, model, phase, seq_len):
    try:
        ops = mlsysim.transformer_ops(model.value, seq_len.value, batch.value, gpu.value,
                                      kit.precision_for(gpu.value), phase.value)
        problem = ""
    except mlsysim.MlsysimError as exc:
        ops, problem = None, str(exc)
    return ops, problem


@app.cell
def _(gpu, ops, problem):
    if ops is None:
        _out = kit.infeasible(problem)
    else:
        _x = np.logspace(-1, 4, 100)
        _roof = mlsysim.roofline(gpu.value, _x, np.ones_like(_x), ops.precision)
        _plot = kit.Plot(f"{ops.model} {ops.phase} on {ops.hardware}", "FLOP / byte",
                         "attainable FLOP/s", xlog=True, ylog=True)
        _plot.line(_x, _roof.attainable_flops, label=f"roofline ({ops.precision})")
        _mem = [o for o in ops.ops if o.bound == "memory"]
        _cmp = [o for o in ops.ops if o.bound == "compute"]
        for _group, _c, _lab in ((_mem, kit.FAIL_COLOUR, "memory-bound"),
                                 (_cmp, kit.PASS_COLOUR, "compute-bound")):
            if _group:
                _ix = np.array([o.intensity for o in _group])
                _plot.points(_ix, mlsysim.roofline(gpu.value, _ix, np.ones_like(_ix),
                                                   ops.precision).attainable_flops,
                             label=_lab, colour=_c, labels=[o.name for o in _group])
        _rows = [{"operator": o.name, "FLOP/byte": f"{o.intensity:,.1f}",
                  "time": kit.fmt_time(o.time_s), "share": f"{100 * o.time_s / ops.time_s:.0f}%",
                  "bound": o.bound} for o in ops.ops]
        _out = mo.vstack([
            kit.stats({"total time": kit.fmt_time(ops.time_s),
                       "compute-bound share": f"{100 * ops.compute_bound_fraction:.0f}%",
                       "ridge point": f"{_roof.ridge_point:,.0f} FLOP/B"}),
            _plot.show(), kit.table(_rows)])
    _out
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Serving engineers batch requests so the MLP's weight reads are shared. In **decode**, "
        "find the smallest batch at which the MLP projections (`mlp_up`, `mlp_down`) become "
        "**compute-bound** on the chosen GPU."
    )
    return


@app.cell
def _(ops, phase, problem):
    if ops is None:
        _ok, _why = False, problem
    else:
        _mlp = [o for o in ops.ops if o.name in ("mlp_up", "mlp_down", "moe_up", "moe_down")]
        _slow = [o for o in _mlp if o.bound != "compute"]
        _ok = phase.value == "decode" and not _slow
        _why = ("the challenge is about decode" if phase.value != "decode" else
                "still memory-bound: " + ", ".join(f"{o.name} at {o.intensity:.0f} FLOP/B"
                                                  for o in _slow))
    kit.verdict(_ok, "The MLP matmuls now run at the compute roof: every weight byte read "
                     "feeds enough tokens.", _why + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("operator_roofline", [
        "Prefill is matrix-matrix and mostly compute-bound; decode is matrix-vector and "
        "almost entirely memory-bound.",
        "Normalisation, softmax and residual adds are memory-bound at any batch: they are "
        "what fusion is for.",
        "Batching lifts the weight-bound matmuls toward the ridge, but attention over a KV "
        "cache does not benefit: each sequence reads its own cache.",
    ])
    return


if __name__ == "__main__":
    app.run()
