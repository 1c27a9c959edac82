# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Collectives on real fabrics")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = ("A 1 KB all-reduce (say, a loss value and a few statistics) across 1,024 H100s: "
                "which algorithm finishes first?")
    OPTIONS = ("ring", "tree", "hierarchical")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        c = mlsysim.cluster("H100-SXM", 1024)
        t = {a: mlsysim.allreduce_time(1e3, 1024, c, a) for a in OPTIONS}
        return min(t, key=t.get), ("Small messages are all latency: " + ", ".join(
            f"{a} {kit.fmt_time(v)}" for a, v in t.items())
            + ". The ring pays 2,046 sequential hops.")

    def explore_point(size: float, gpus: int, algorithm: str) -> dict[str, float]:
        c = mlsysim.cluster("H100-SXM", gpus, fabric="Ethernet-100G")
        times = {a: float(mlsysim.allreduce_time(10 ** size, gpus, c, a)) for a in OPTIONS}
        return {"time": times[algorithm], "best": min(times.values()),
                "busbw": 2 * (gpus - 1) / gpus * 10 ** size / times[algorithm]}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["time"] <= v["best"] * 1.001:
            return True, "The fastest of ring, tree and hierarchical for this message."
        return False, (f"Another algorithm is {v['time'] / v['best']:.3g}x faster "
                       "for this message.")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("size", "Message size (log10 bytes)",
                           (3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0), 3.0),
                kit.Choice("gpus", "H100 GPUs (100G Ethernet)", (8, 64, 256, 1024, 4096), 1024),
                kit.Choice("algorithm", "Algorithm", OPTIONS, "ring")),
        outputs=(kit.Output("time", "All-reduce time", "s"),
                 kit.Output("best", "Best of the three", "s"),
                 kit.Output("busbw", "Bus bandwidth", "B/s")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="size", plot_y=("time",), plot_limit="best", limit_label="fastest algorithm",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "collectives",
        "Every data-parallel step ends with an all-reduce of the gradients. Ring, tree or "
        "hierarchical: which algorithm is fastest depends on the message size, the number of "
        "GPUs and the network. Where does each one win?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    The **alpha-beta model** charges each message step a latency $\alpha$ and each byte
    $1/\beta$ of the link's bandwidth. A **ring** sends the least data per GPU,
    $2\frac{n-1}{n}$ of the buffer, but in $2(n-1)$ steps, so its latency grows with $n$.
    A **tree** needs only about $2\log_2 n$ steps. **Hierarchical** reduces inside each
    node over NVLink first, so only a slice of the buffer crosses the slower network.
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
    network = mo.ui.dropdown(mlsysim.list_fabrics(), value="Ethernet-100G",
                             label="Network between nodes")
    gpus = mo.ui.slider(steps=[8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096], value=256,
                        label="GPUs", show_value=True)
    size = mo.ui.slider(steps=[float(x) for x in np.arange(3.0, 11.01, 0.5)], value=9.0,
                        label="Message size, log10 bytes", show_value=True)
    algorithm = mo.ui.radio(["ring", "tree", "hierarchical"], value="ring",
                            label="Algorithm", inline=True)
    mo.vstack([mo.hstack([gpu, network], justify="start"),
               mo.hstack([gpus, size], justify="start"), algorithm])
    return algorithm, gpu, gpus, network, size


@app.cell
def _(gpu, gpus, network):
    try:
        cl = mlsysim.cluster(gpu.value, gpus.value, fabric=network.value)
        problem = ""
    except mlsysim.MlsysimError as exc:
        cl, problem = None, str(exc)
    return cl, problem


@app.cell
def _(algorithm, cl, gpus, problem, size):
    if cl is None:
        _out = kit.infeasible(problem)
    else:
        _x = np.logspace(3, 11, 60)
        _plot = kit.Plot(f"All-reduce on {gpus.value} GPUs ({cl.intra.name} inside nodes, "
                         f"{cl.inter.name} between)", "message size (bytes)", "time (s)",
                         xlog=True, ylog=True)
        for _a in ("ring", "tree", "hierarchical"):
            _plot.line(_x, mlsysim.allreduce_time(_x, gpus.value, cl, _a), label=_a)
        _plot.vline(10 ** size.value, kit.fmt_bytes(10 ** size.value), colour=kit.PALETTE[4])
        _t = mlsysim.allreduce_time(10 ** size.value, gpus.value, cl, algorithm.value)
        _bus = 2 * (gpus.value - 1) / gpus.value * 10 ** size.value / _t
        _out = mo.vstack([
            kit.stats({"time": kit.fmt_time(_t),
                       "bus bandwidth": kit.fmt_rate(_bus, "B/s"),
                       "nodes": str(cl.nodes),
                       "network per GPU": kit.fmt_rate(cl.inter.bw_per_direction, "B/s")}),
            _plot.show()])
    _out
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Each step of data-parallel training of Llama-3-8B all-reduces its bf16 gradients. "
        "On **at least 256 GPUs**, get that all-reduce under **0.5 s** per step — with the "
        "network you have (Ethernet-100G by default) or by arguing for a faster one."
    )
    return


@app.cell
def _(algorithm, cl, gpus, problem):
    _grad = mlsysim.model_size_bytes("Llama-3-8B", "bf16")
    if cl is None:
        _ok, _why = False, problem
    else:
        _t = mlsysim.allreduce_time(_grad, gpus.value, cl, algorithm.value)
        _issues = []
        if gpus.value < 256:
            _issues.append("use at least 256 GPUs")
        if _t > 0.5:
            _issues.append(f"{algorithm.value} all-reduce of {kit.fmt_bytes(_grad)} takes "
                           f"{kit.fmt_time(_t)}, over the 0.5 s budget")
        _ok, _why = not _issues, "; ".join(_issues)
    kit.verdict(_ok, f"The gradients sync within budget on {cl.inter.name if cl else ''}.",
                _why + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("collectives", [
        "Small messages are latency-bound (trees win), large ones bandwidth-bound (rings and "
        "hierarchical schemes win).",
        "Hierarchical all-reduce sends only 1/g of the buffer over the slow network, g being "
        "the GPUs per node: topology awareness beats raw link speed.",
        "Bus bandwidth, not message time, is the figure to compare across GPU counts.",
    ])
    return


if __name__ == "__main__":
    app.run()
