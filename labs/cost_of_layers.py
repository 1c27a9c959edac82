# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The cost of layers")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = ("At batch 1 and width 1,024, which layer has the highest arithmetic intensity: a "
                "dense layer on one vector, a 3×3 convolution on a 28×28 map, or self-attention "
                "over 1,024 tokens?")
    OPTIONS = ("dense", "convolution", "attention")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        i = {"dense": mlsysim.dense_layer(1024, 1024).intensity,
             "convolution": mlsysim.conv2d_layer(28, 28, 1024, 1024, 3).intensity,
             "attention": mlsysim.attention_layer(1024, 1024, 16).intensity}
        return max(i, key=i.get), ("Intensities (FLOP/byte, bf16): " + ", ".join(
            f"{k} {v:,.0f}" for k, v in i.items())
            + ". A convolution reuses each filter at every pixel; a dense layer on one vector "
              "uses each weight once.")

    def explore_point(layer: str, width: int, batch: int) -> dict[str, float]:
        if layer == "dense":
            c = mlsysim.dense_layer(width, width, batch)
        elif layer == "convolution":
            c = mlsysim.conv2d_layer(28, 28, width, width, 3, 1, batch)
        else:
            c = mlsysim.attention_layer(1024, width, max(1, width // 64), batch)
        return {"flops": c.flops, "bytes": c.bytes_moved, "intensity": c.intensity,
                "ridge": mlsysim.ridge_point("H100-SXM", "bf16")}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["intensity"] >= v["ridge"]:
            return True, "Compute-bound on an H100 (bf16): past the ridge point."
        return False, (f"Memory-bound on an H100 (bf16): {v['intensity']:.3g} FLOP/byte is under "
                       f"the ridge point of {v['ridge']:.3g}.")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("layer", "Layer", OPTIONS, "dense"),
                kit.Choice("width", "Width", (256, 512, 1024, 2048, 4096), 1024),
                kit.Choice("batch", "Batch", (1, 4, 16, 64, 256, 1024), 1)),
        outputs=(kit.Output("flops", "FLOPs", "FLOP"), kit.Output("bytes", "Bytes moved", "B"),
                 kit.Output("intensity", "Intensity", "FLOP/B")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="batch", plot_y=("intensity",), plot_limit="ridge", limit_label="H100 ridge point",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "cost_of_layers",
        "A dense layer, a convolution and an attention layer of the same width: which one "
        "holds the most parameters, does the most arithmetic, keeps the most activation "
        "memory — and which one can keep an accelerator busy?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Three numbers describe a layer's appetite: **parameters** (memory that persists),
    **FLOPs** (work per forward pass) and **activations** (memory that lives until the
    backward pass). Their ratio to the **bytes moved** — weights, inputs and outputs, each
    read or written once — is the layer's arithmetic intensity, which decides where it sits
    on the roofline. Here the dense layer sees one vector per batch item, the convolution a
    feature map, attention a sequence of tokens.
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
    width = mo.ui.slider(steps=[256, 512, 1024, 2048, 4096, 8192], value=1024,
                         label="Width (features / channels / d_model)", show_value=True)
    batch = mo.ui.slider(steps=[2 ** k for k in range(12)], value=1, label="Batch",
                         show_value=True)
    spatial = mo.ui.slider(steps=[7, 14, 28, 56, 112], value=28,
                           label="Convolution map size", show_value=True)
    seq = mo.ui.slider(steps=[128, 256, 512, 1024, 2048, 4096, 8192], value=1024,
                       label="Attention sequence length", show_value=True)
    depthwise = mo.ui.switch(value=False, label="Depthwise convolution")
    gpu = mo.ui.dropdown(mlsysim.list_hardware(), value="H100-SXM", label="Device")
    mo.vstack([mo.hstack([width, batch, gpu], justify="start"),
               mo.hstack([spatial, depthwise, seq], justify="start")])
    return batch, depthwise, gpu, seq, spatial, width


@app.cell
def _(batch, depthwise, seq, spatial, width):
    layers = {
        "dense": mlsysim.dense_layer(width.value, width.value, batch.value),
        "convolution": mlsysim.conv2d_layer(spatial.value, spatial.value, width.value,
                                            width.value, 3, 1, batch.value,
                                            depthwise=depthwise.value),
        "attention": mlsysim.attention_layer(seq.value, width.value,
                                             max(1, width.value // 64), batch.value),
    }
    return (layers,)


@app.cell
def _(gpu, layers):
    _prec = kit.precision_for(gpu.value, ("bf16", "fp16", "fp32", "int8"))
    _ridge = mlsysim.ridge_point(gpu.value, _prec)
    _rows = [{"layer": k, "params": f"{v.params:,.0f}", "FLOPs": kit.fmt_flops(v.flops),
              "activations": kit.fmt_bytes(v.activation_bytes),
              "bytes moved": kit.fmt_bytes(v.bytes_moved),
              "FLOP/byte": f"{v.intensity:,.1f}",
              "bound": "compute" if v.intensity >= _ridge else "memory"}
             for k, v in layers.items()]
    _x = np.logspace(-1, 4, 100)
    _roof = mlsysim.roofline(gpu.value, _x, np.ones_like(_x), _prec)
    _plot = kit.Plot(f"Layers on the {gpu.value} roofline ({_prec})", "FLOP / byte",
                     "attainable FLOP/s", xlog=True, ylog=True)
    _plot.line(_x, _roof.attainable_flops, label="roofline")
    _ix = np.array([v.intensity for v in layers.values()])
    _plot.points(_ix, mlsysim.roofline(gpu.value, _ix, np.ones_like(_ix), _prec)
                 .attainable_flops, colour=kit.PALETTE[1], labels=list(layers), size=6)
    mo.vstack([kit.table(_rows), _plot.show()])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "On the chosen device, find the **smallest batch** at which the **dense** layer "
        "becomes compute-bound (width 1,024 or more). Then look at attention: why does it "
        "stay memory-bound here whatever the batch?"
    )
    return


@app.cell
def _(batch, gpu, width):
    _steps = np.array([2 ** k for k in range(12)])
    _ridge = mlsysim.ridge_point(gpu.value, kit.precision_for(gpu.value, ("bf16", "fp16",
                                                                         "fp32", "int8")))
    _sweep = mlsysim.dense_layer(width.value, width.value, _steps).intensity
    _ok_b = _steps[_sweep >= _ridge]
    _issues = []
    if width.value < 1024:
        _issues.append("use a width of at least 1,024")
    if _ok_b.size == 0:
        _issues.append(f"at width {width.value} no batch up to 2,048 reaches the ridge "
                       f"({_ridge:,.0f} FLOP/B): widen the layer")
    elif batch.value < _ok_b[0]:
        _issues.append(f"at batch {batch.value} the dense layer is memory-bound "
                       f"({_sweep[list(_steps).index(batch.value)]:,.0f} FLOP/B < ridge "
                       f"{_ridge:,.0f})")
    elif batch.value > _ok_b[0]:
        _issues.append(f"batch {batch.value} is compute-bound, but a smaller batch also is")
    kit.verdict(not _issues, f"Batch {batch.value} is the first compute-bound batch: each "
                             "weight byte now feeds enough rows.", "; ".join(_issues) + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("cost_of_layers", [
        "Convolutions reuse each weight at every position: few parameters, many FLOPs, "
        "high intensity even at batch 1.",
        "Dense layers use each weight once per input row: batching is what makes them "
        "compute-bound.",
        "Unfused attention writes and re-reads a sequence² score matrix, so its activations "
        "grow quadratically and its intensity stays low: that is the case for fused "
        "attention kernels.",
    ])
    return


if __name__ == "__main__":
    app.run()
