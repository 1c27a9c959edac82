# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Fabric topology and the MoE all-to-all")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    DESIGNS = tuple(mlsysim.alltoall_fabric.DESIGNS)
    QUESTION = ("An MoE layer on 1,024 H100s exchanges its tokens with an all-to-all. The "
                "fat-tree's leaves go from full bisection to 4:1 oversubscribed. How much "
                "longer does the exchange take?")
    OPTIONS = ("about the same", "up to 2x", "2x to 4x", "more than 4x")

    def exchange_bytes(model: str, tokens: int) -> float:
        """Bytes one GPU dispatches per MoE layer: each token goes to top_k experts, as a
        d_model-wide bf16 vector."""
        m = mlsysim.model(model)
        return float(tokens * m.moe["top_k"] * m.d_model * 2)

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        nbytes = exchange_bytes("Mixtral-8x7B", 16384)
        full = mlsysim.alltoall_on_fabric(nbytes, 1024, "fat-tree 1:1")
        over = mlsysim.alltoall_on_fabric(nbytes, 1024, "fat-tree 4:1")
        ratio = over.time_s / full.time_s
        correct = (OPTIONS[0] if ratio < 1.15 else OPTIONS[1] if ratio < 2
                   else OPTIONS[2] if ratio <= 4 else OPTIONS[3])
        return correct, (
            f"{kit.fmt_time(full.time_s)} becomes {kit.fmt_time(over.time_s)} ({ratio:.2g}x): "
            f"almost all of each GPU's {kit.fmt_bytes(nbytes)} must leave its leaf, through "
            "uplinks with a quarter of the hosts' bandwidth. A ring all-reduce, which sends "
            "one flow each way across a leaf boundary, would barely notice.")

    def explore_point(design: str, gpus: int, tokens: int) -> dict[str, float]:
        nbytes = exchange_bytes("Mixtral-8x7B", tokens)
        r = mlsysim.alltoall_on_fabric(nbytes, gpus, design)
        return {"time": r.time_s, "nic": r.injection_s + r.latency_s,
                "switches": r.switches, "power": r.power_w, "bisection": r.bisection_bw}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        slow = v["time"] / v["nic"]
        if slow <= 1.2:
            return True, f"The fabric keeps up: within {slow:.2g}x of what the NICs allow."
        return False, f"The fabric is the bottleneck: {slow:.2g}x slower than the NICs allow."

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("design", "Fabric", DESIGNS, "fat-tree 4:1"),
                kit.Choice("gpus", "GPUs", (64, 256, 1024, 4096), 1024),
                kit.Choice("tokens", "Tokens per GPU", (4096, 16384, 65536), 16384)),
        outputs=(kit.Output("time", "All-to-all time", "s"),
                 kit.Output("nic", "NIC-bound time", "s"),
                 kit.Output("bisection", "Bisection bandwidth", "B/s"),
                 kit.Output("switches", "Switches", "switches"),
                 kit.Output("power", "Fabric power", "W")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="gpus", plot_y=("time",), plot_limit="nic", limit_label="NIC bound",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "fabric_alltoall",
        "A mixture-of-experts layer sends every token to the GPUs that hold its experts: an "
        "all-to-all, in which most bytes cross the middle of the network. Which fabric "
        "designs carry it at the NICs' speed, and which ones make the network the "
        "bottleneck?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Each GPU sends $\frac{n-1}{n}$ of its buffer $S$ through its own NIC: that is the
    **injection bound** $\frac{n-1}{n}\,S/\beta$. In a fat-tree whose leaves are
    oversubscribed $r{:}1$, the share $\frac{n-h}{n}$ that leaves a leaf of $h$ GPUs shares
    uplinks worth $1/r$ of the hosts' bandwidth, so the exchange takes
    $\max\!\big(\frac{n-1}{n}, r\frac{n-h}{n}\big)\,S/\beta$. A torus has no switches, but
    uniform traffic must cross its **bisection**, only $2N/k_{\max}$ links wide. Every design
    here gives a GPU the same NIC bandwidth; only the wiring differs.
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
    design = mo.ui.radio(list(DESIGNS), value="fat-tree 4:1", label="Fabric design")
    model = mo.ui.dropdown(["Mixtral-8x7B", "DeepSeek-V3"], value="Mixtral-8x7B",
                           label="MoE model")
    gpus = mo.ui.slider(steps=[64, 128, 256, 512, 1024, 2048, 4096], value=1024,
                        label="GPUs", show_value=True)
    tokens = mo.ui.slider(steps=[1024, 2048, 4096, 8192, 16384, 32768, 65536], value=16384,
                          label="Tokens per GPU per step", show_value=True)
    link = mo.ui.dropdown(["IB-HDR", "IB-NDR", "IB-XDR"], value="IB-NDR", label="NIC link")
    mo.vstack([mo.hstack([design, mo.vstack([model, link])], justify="start"),
               mo.hstack([gpus, tokens], justify="start")])
    return design, gpus, link, model, tokens


@app.cell
def _(design, gpus, link, model, tokens):
    nbytes = exchange_bytes(model.value, tokens.value)
    try:
        result = mlsysim.alltoall_on_fabric(nbytes, gpus.value, design.value, link.value)
        problem = ""
    except mlsysim.MlsysimError as exc:
        result, problem = None, str(exc)
    return nbytes, problem, result


@app.cell
def _(design, gpus, link, nbytes, problem, result):
    if result is None:
        _out = kit.infeasible(problem)
    else:
        _ns = np.array([64, 128, 256, 512, 1024, 2048, 4096])
        _plot = kit.Plot(f"All-to-all of {kit.fmt_bytes(nbytes)} per GPU over {link.value}",
                         "GPUs", "time (s)", xlog=True, ylog=True)
        for _d in DESIGNS:
            _t = [mlsysim.alltoall_on_fabric(nbytes, int(_n), _d, link.value).time_s
                  for _n in _ns]
            _plot.line(_ns, _t, label=_d, width=3.0 if _d == design.value else 1.5)
        _plot.points(gpus.value, result.time_s, colour=kit.FAIL_COLOUR, size=6)
        _nic = result.injection_s + result.latency_s
        _out = mo.vstack([
            kit.stats({"all-to-all": kit.fmt_time(result.time_s),
                       "NIC-bound time": kit.fmt_time(_nic),
                       "bound by": result.bound,
                       "bisection": kit.fmt_rate(result.bisection_bw, "B/s"),
                       "switches": f"{result.switches:,}",
                       "fabric power": kit.fmt_rate(result.power_w, "W")}),
            _plot.show()])
    _out
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Run the MoE exchange on **at least 1,024 GPUs** so that the fabric is not the "
        "bottleneck: the all-to-all may take at most **1.2x** what the NICs alone allow. "
        "Change the design, not the workload — then compare what each passing design costs "
        "in switches and power."
    )
    return


@app.cell
def _(gpus, problem, result):
    if result is None:
        _ok, _why = False, problem
    else:
        _slow = result.time_s / (result.injection_s + result.latency_s)
        _issues = []
        if gpus.value < 1024:
            _issues.append("use at least 1,024 GPUs")
        if _slow > 1.2:
            _issues.append(f"the {result.design} fabric makes the exchange {_slow:.2g}x "
                           f"slower than the NICs allow ({kit.fmt_time(result.fabric_s)} "
                           "in the fabric)")
        _ok, _why = not _issues, "; ".join(_issues)
    kit.verdict(_ok, f"The {result.design if result else ''} fabric carries the exchange at "
                     "the NICs' speed.", _why + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("fabric_alltoall", [
        "An all-to-all pushes nearly every byte across the network's middle, so it feels "
        "oversubscription and thin bisections that a ring all-reduce never notices.",
        "Oversubscribing leaves r:1 saves switches and power and slows the all-to-all by "
        "about r once the job spans many leaves.",
        "A torus without switches has a bisection that shrinks relative to its size: fine "
        "for neighbour exchanges, slow for expert parallelism.",
    ])
    return


if __name__ == "__main__":
    app.run()
