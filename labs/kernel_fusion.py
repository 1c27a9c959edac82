# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Kernel fusion")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np
    from mlsysim import kernels

    import labkit as kit

    QUESTION = ("Four elementwise ops over a 100-million-element bf16 tensor on an H100. Fusing "
                "them makes the chain...")
    OPTIONS = ("no faster: elementwise work is tiny either way", "about 2x faster",
               "about 4x faster")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        r = mlsysim.elementwise_chain("H100-SXM", 100_000_000, 4)
        correct = OPTIONS[0] if r.speedup < 1.3 else OPTIONS[1] if r.speedup < 3 else OPTIONS[2]
        return correct, (
            f"{r.speedup:.2f}x: unfused moves {kit.fmt_bytes(r.unfused_bytes)}, fused "
            f"{kit.fmt_bytes(r.fused_bytes)}. The time is the traffic, and fusion removes "
            "the intermediate round trips.")

    def explore_point(size: float, ops: int, gpu: str) -> dict[str, float]:
        c = mlsysim.elementwise_chain(gpu, int(10 ** size), ops, kit.precision_for(gpu))
        return {"unfused": c.unfused_time_s, "fused": c.fused_time_s, "speedup": c.speedup,
                "launch": 100 * c.unfused_launch_share}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["speedup"] >= 2:
            return True, f"Fusion pays: {v['speedup']:.3g}x faster."
        return False, f"Fusion barely helps here: only {v['speedup']:.3g}x."

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("size", "Tensor size (log10 elements)",
                           (3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0), 8.0),
                kit.Choice("ops", "Operations in the chain", (1, 2, 4, 8, 16, 32), 4),
                kit.Choice("gpu", "GPU", ("H100-SXM", "A100-80GB"), "H100-SXM")),
        outputs=(kit.Output("unfused", "Unfused", "s"), kit.Output("fused", "Fused", "s"),
                 kit.Output("speedup", "Speed-up", "x"),
                 kit.Output("launch", "Launch share (unfused)", "%")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="size", plot_y=("unfused", "fused"), log_y=True,
        question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "kernel_fusion",
        "An eager framework runs bias-add, activation, dropout and residual-add as separate "
        "kernels, each reading and writing the whole tensor. What does fusing them into one "
        "kernel save, and when is the cost not bytes at all but launching kernels?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Elementwise operations do about one FLOP per value, far below any accelerator's ridge
    point: they are **memory-bound**, so their time is the bytes they move. Unfused, a chain
    of $k$ operations moves $2k$ copies of the tensor (read + write each) and pays $k$ kernel
    **launches**; fused, it reads once, keeps intermediates in registers, writes once, and
    launches once. The launch cost is host-side overhead (a few microseconds on a GPU); tools
    like CUDA graphs shrink it.
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
    gpu = mo.ui.dropdown(mlsysim.list_hardware("datacenter"), value="H100-SXM", label="GPU")
    size = mo.ui.slider(steps=[float(x) for x in np.arange(3.0, 9.51, 0.5)], value=6.0,
                        label="Tensor size, log10 elements", show_value=True)
    ops = mo.ui.slider(1, 32, value=8, label="Operations in the chain", show_value=True)
    launch_us = mo.ui.slider(0.5, 20.0, step=0.5, value=kernels.DEFAULT_LAUNCH_S * 1e6,
                             label="Launch overhead (µs)", show_value=True)
    fused = mo.ui.switch(value=False, label="Fuse the chain")
    mo.vstack([mo.hstack([gpu, size, ops], justify="start"),
               mo.hstack([launch_us, fused], justify="start")])
    return fused, gpu, launch_us, ops, size


@app.cell
def _(fused, gpu, launch_us, ops, size):
    chain = mlsysim.elementwise_chain(gpu.value, int(10 ** size.value), ops.value,
                                      kit.precision_for(gpu.value),
                                      launch_s=launch_us.value * 1e-6)
    mine_s = chain.fused_time_s if fused.value else chain.unfused_time_s
    # effective bandwidth: the unavoidable traffic (one read + one write) over the time taken
    bw_share = chain.fused_bytes / mine_s / mlsysim.hardware(gpu.value).memory_bw
    return bw_share, chain, mine_s


@app.cell
def _(bw_share, chain, gpu, launch_us, mine_s, ops, size):
    _x = np.logspace(3, 9.5, 60)
    _sweep = mlsysim.elementwise_chain(gpu.value, np.round(_x), ops.value, chain.precision,
                                       launch_s=launch_us.value * 1e-6)
    _plot = kit.Plot(f"{ops.value} elementwise ops on {gpu.value}", "tensor elements",
                     "time (s)", xlog=True, ylog=True)
    _plot.line(_x, _sweep.unfused_time_s, label="unfused", colour=kit.FAIL_COLOUR)
    _plot.line(_x, _sweep.fused_time_s, label="fused", colour=kit.PASS_COLOUR)
    _plot.vline(10 ** size.value, "your tensor", colour=kit.PALETTE[4])
    mo.vstack([
        kit.stats({"unfused": kit.fmt_time(chain.unfused_time_s),
                   "fused": kit.fmt_time(chain.fused_time_s),
                   "speedup": f"{chain.speedup:.1f}x",
                   "launch share (unfused)": f"{100 * chain.unfused_launch_share:.0f}%",
                   "fused kernel is": f"{chain.bound}-bound",
                   "your time": kit.fmt_time(mine_s),
                   "bandwidth used": f"{100 * bw_share:.0f}%"}),
        _plot.show()])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Make the chain (at least 8 operations) run at **70% or more of the GPU's memory "
        "bandwidth**, counting only the unavoidable traffic (read the input once, write the "
        "result once). Fusing helps; when does it stop being enough?"
    )
    return


@app.cell
def _(bw_share, chain, fused, ops):
    _issues = []
    if ops.value < 8:
        _issues.append("keep at least 8 operations in the chain")
    if bw_share < 0.7:
        _why = ("kernel launches dominate" if (not fused.value and chain.unfused_launch_share
                                                > 0.5) or (fused.value and chain.bound ==
                                                           "launch")
                else "intermediate tensors travel to memory and back" if not fused.value
                else "the tensor is too small to amortise the launch")
        _issues.append(f"only {100 * bw_share:.0f}% of the bandwidth does useful work: {_why}")
    kit.verdict(not _issues, f"{100 * bw_share:.0f}% of peak bandwidth: the chain now costs "
                             "about what reading and writing the tensor once costs.",
                "; ".join(_issues) + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("kernel_fusion", [
        "Elementwise chains are memory-bound: fusing k of them divides the traffic by about "
        "k.",
        "For small tensors the cost is launches, not bytes: fusion and CUDA graphs attack "
        "overhead, batching attacks size.",
        "Compilers (XLA, TorchInductor) fuse automatically; knowing what they save tells "
        "you when eager code is leaving speed on the table.",
    ])
    return


if __name__ == "__main__":
    app.run()
