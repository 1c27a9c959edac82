# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Where does the time go?")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = "ResNet-50 at batch 1 in fp16 on an H100: which wall does it hit?"
    OPTIONS = ("compute-bound", "memory-bound")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        m = mlsysim.model("ResNet-50")
        r = mlsysim.roofline("H100-SXM", mlsysim.inference_flops(m, 1),
                             mlsysim.model_size_bytes(m, "fp16"), "fp16")
        return f"{r.bound}-bound", (
            f"Its intensity is {r.intensity:.0f} FLOP/byte, and the H100's ridge point in fp16 "
            f"is {r.ridge_point:.0f}: the tensor cores idle while weights stream in. One "
            f"inference takes {kit.fmt_time(r.time_s)}.")

    def explore_point(device: str, precision: str, batch: int) -> dict[str, float]:
        m = mlsysim.model("ResNet-50")
        n = 1 if mlsysim.hardware(device).flash else batch  # an MCU runs one input at a time
        r = mlsysim.roofline(device, mlsysim.inference_flops(m, n),
                             mlsysim.model_size_bytes(m, precision), precision)
        return {"intensity": r.intensity, "ridge": r.ridge_point, "time": r.time_s,
                "per_input": r.time_s / n}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["intensity"] >= v["ridge"]:
            return True, "Compute-bound: the arithmetic units set the pace."
        return False, (f"Memory-bound: {v['intensity']:.3g} FLOP/byte is under the ridge point "
                       f"of {v['ridge']:.3g}; the chip waits for weights.")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("device", "Device", ("H100-SXM", "Jetson-Orin-Nano-8GB", "STM32H747"),
                           "H100-SXM"),
                kit.Choice("precision", "Number format", ("fp32", "fp16", "int8"), "fp16"),
                kit.Choice("batch", "Batch size", (1, 2, 4, 8, 16, 32, 64, 128, 256), 1)),
        outputs=(kit.Output("intensity", "Arithmetic intensity", "FLOP/B"),
                 kit.Output("ridge", "Ridge point", "FLOP/B"),
                 kit.Output("time", "Time per batch", "s"),
                 kit.Output("per_input", "Time per input", "s")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="batch", plot_y=("intensity",), plot_limit="ridge", limit_label="ridge point",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "where_time_goes",
        "One image classifier, three machines: a data-centre GPU, an edge board and a "
        "microcontroller. On each, is an inference limited by how fast the chip computes, or "
        "by how fast it can read the model's weights from memory?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    The **roofline** answers this with two numbers per chip: its peak arithmetic rate
    (FLOP/s) and its memory bandwidth (bytes/s). A workload's **arithmetic intensity** is the
    FLOPs it does per byte it moves. Below the chip's *ridge point* (peak / bandwidth) the
    workload waits on memory; above it, on arithmetic.

    Here one inference of a CNN reads every weight once per batch, so its intensity is
    *batch × FLOPs per image ÷ weight bytes*. (Activation traffic is ignored: a lower bound on
    bytes, which makes the memory wall look *kinder* than it is.)
    """)
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
    cnns = [n for n in mlsysim.list_models() if mlsysim.model(n).kind == "cnn"]
    model = mo.ui.dropdown(cnns, value="ResNet-50", label="Model")
    precision = mo.ui.dropdown(["fp32", "fp16", "int8"], value="fp16", label="Number format")
    batch = mo.ui.slider(1, 256, value=1, label="Batch size (cloud and edge)",
                         show_value=True)
    cloud = mo.ui.dropdown(mlsysim.list_hardware("datacenter"), value="H100-SXM",
                           label="Cloud")
    edge = mo.ui.dropdown(mlsysim.list_hardware("edge"), value="Jetson-Orin-Nano-8GB",
                          label="Edge")
    tiny = mo.ui.dropdown(mlsysim.list_hardware("tiny"), value="STM32H747", label="Tiny")
    mo.vstack([mo.hstack([model, precision, batch], justify="start"),
               mo.hstack([cloud, edge, tiny], justify="start")])
    return batch, cloud, edge, model, precision, tiny


@app.cell
def _(batch, cloud, edge, model, precision, tiny):
    def place(device: str, n: int) -> dict:
        """Roofline of `n` inferences on one device, or the reason it cannot run them."""
        hw = mlsysim.hardware(device)
        m = mlsysim.model(model.value)
        weights = mlsysim.model_size_bytes(m, precision.value)
        store = hw.flash or hw.memory
        try:
            r = mlsysim.roofline(hw, mlsysim.inference_flops(m, n), weights, precision.value)
        except mlsysim.MlsysimError as exc:
            return {"device": hw.name, "ok": False, "reason": str(exc)}
        if weights > store:
            return {"device": hw.name, "ok": False, "r": r,
                    "reason": f"{m.name} needs {kit.fmt_bytes(weights)} of weights in "
                              f"{precision.value}; {hw.name} stores {kit.fmt_bytes(store)}"}
        return {"device": hw.name, "ok": True, "r": r, "n": n}

    # microcontrollers run one input at a time: there is no batch to amortise weights over
    placed = [place(cloud.value, batch.value), place(edge.value, batch.value),
              place(tiny.value, 1)]
    return (placed,)


@app.cell
def _(placed):
    _rows = []
    for _p in placed:
        if "r" not in _p:
            _rows.append({"device": _p["device"], "intensity": "-", "ridge": "-",
                          "bound": "cannot run", "time per batch": "-"})
            continue
        _r = _p["r"]
        _rows.append({"device": _p["device"], "intensity": f"{_r.intensity:,.1f} FLOP/B",
                      "ridge": f"{_r.ridge_point:,.1f} FLOP/B", "bound": _r.bound,
                      "time per batch": kit.fmt_time(_r.time_s)})
    _notes = [kit.infeasible(f"{_p['device']}: {_p['reason']}") for _p in placed
              if not _p["ok"]]
    mo.vstack([kit.table(_rows), *_notes])
    return


@app.cell
def _(placed, precision):
    _plot = kit.Plot(f"Rooflines in {precision.value}; dots: the chosen model",
                     "arithmetic intensity (FLOP / byte)", "attainable FLOP/s",
                     xlog=True, ylog=True)
    _x = np.logspace(-1, 4, 120)
    for _i, _p in enumerate(placed):
        try:
            _roof = mlsysim.roofline(_p["device"], _x, np.ones_like(_x), precision.value)
        except mlsysim.MlsysimError:
            continue
        _plot.line(_x, _roof.attainable_flops, label=_p["device"], colour=kit.PALETTE[_i])
        if "r" in _p:
            _plot.points(_p["r"].intensity, _p["r"].attainable_flops, colour=kit.PALETTE[_i])
    _plot.show()
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Deploy everywhere. Choose a model, format and batch so that **(1)** the cloud GPU is "
        "*compute-bound* (you are paying for its tensor cores, use them) and **(2)** the "
        "microcontroller *stores the weights* and answers one input in **under 100 ms**."
    )
    return


@app.cell
def _(placed):
    _cloud, _tiny = placed[0], placed[2]
    _problems = []
    if "r" not in _cloud:
        _problems.append(f"the cloud GPU cannot run it: {_cloud['reason']}")
    elif _cloud["r"].bound != "compute":
        _problems.append(
            f"the cloud GPU is memory-bound (intensity {_cloud['r'].intensity:,.0f} < ridge "
            f"{_cloud['r'].ridge_point:,.0f} FLOP/B): raise the batch")
    if not _tiny["ok"]:
        _problems.append(f"the microcontroller cannot run it: {_tiny['reason']}")
    elif _tiny["r"].time_s > 0.1:
        _problems.append(f"the microcontroller takes {kit.fmt_time(_tiny['r'].time_s)} per "
                         "input (over 100 ms)")
    kit.verdict(
        not _problems,
        f"The cloud GPU runs at its compute roof and the microcontroller answers in "
        f"{kit.fmt_time(_tiny['r'].time_s) if 'r' in _tiny else '?'}.",
        "; ".join(_problems) + ".",
    )
    return


@app.cell(hide_code=True)
def _():
    kit.summary("where_time_goes", [
        "Whether a workload is compute- or memory-bound depends on the chip as much as on "
        "the workload: the ridge point moves by orders of magnitude across devices.",
        "Batching raises intensity by reusing each weight it reads; a microcontroller "
        "serving one sensor has no batch to hide behind.",
        "Before asking which is faster, ask what fits: on tiny devices flash and SRAM decide "
        "the model before the FLOP/s do.",
    ])
    return


if __name__ == "__main__":
    app.run()
