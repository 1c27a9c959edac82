# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Checkpoints and storage bandwidth")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = ("How big is one full training checkpoint of Llama-3-405B (bf16 weights with "
                "mixed-precision Adam state)?")
    OPTIONS = ("under 1 TB", "1 to 3 TB", "3 to 8 TB", "more than 8 TB")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        s = mlsysim.checkpoint_bytes("Llama-3-405B")
        w = mlsysim.model_size_bytes("Llama-3-405B", "bf16")
        correct = (OPTIONS[0] if s < 1e12 else OPTIONS[1] if s < 3e12
                   else OPTIONS[2] if s < 8e12 else OPTIONS[3])
        return correct, (
            f"{kit.fmt_bytes(s)}: the bf16 weights are only {kit.fmt_bytes(w)}; the fp32 "
            "master copy and Adam's two moments add six times as much again. That is what "
            "the storage must absorb every interval.")

    def explore_point(bw: int, mode: str, interval: int) -> dict[str, float]:
        s = mlsysim.checkpoint_bytes("Llama-3-405B")
        p = mlsysim.checkpoint_plan(s, 16384, bw * 1e9, interval * 60, mode == "asynchronous")
        return {"goodput": 100 * p.goodput, "best": 100 * p.best_goodput,
                "stall": p.blocking_s, "persist": p.persist_s,
                "optimum": p.best_interval_s}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["goodput"] >= 90:
            return True, f"Goodput {v['goodput']:.1f}%: at least 90% of the time trains."
        return False, (f"Goodput {v['goodput']:.1f}%, below 90% (the best interval here "
                       f"gives {v['best']:.1f}%).")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("bw", "Storage bandwidth", (50, 200, 1000), 200, "GB/s"),
                kit.Choice("mode", "Checkpoint writes", ("synchronous", "asynchronous"),
                           "synchronous"),
                kit.Choice("interval", "Checkpoint every", (2, 5, 10, 20, 30, 60, 120), 60,
                           "min")),
        outputs=(kit.Output("goodput", "Goodput", "%"),
                 kit.Output("best", "Best goodput", "%"),
                 kit.Output("stall", "Training stalls per save", "s"),
                 kit.Output("persist", "Time to persist", "s"),
                 kit.Output("optimum", "Best interval", "s")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="interval", plot_y=("goodput",), plot_limit="best", limit_label="best goodput",
        question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "checkpoint_bandwidth",
        "A checkpoint is a few terabytes written by thousands of GPUs at once. How fast must "
        "storage be, does writing asynchronously help, and which interval makes the most of "
        "a cluster that fails every few hours?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    A **synchronous** save stops training for $S/B$: the checkpoint's size over the storage
    bandwidth. An **asynchronous** save (CheckFreq, Mohan et al. 2021) stops only to copy each
    GPU's shard into host memory and lets the copy drain to storage in the background. That
    is not free: until the copy lands, the newest *durable* checkpoint is the previous one,
    so a failure loses the drain time too, and a drain longer than the interval makes the
    next snapshot wait. Goodput is what remains:
    $1 - \text{stall}/\tau - (\tau/2 + \text{drain} + R)/M$.
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
    model = mo.ui.dropdown(["Llama-3-8B", "Llama-3-70B", "GPT-3-175B", "Llama-3-405B"],
                           value="Llama-3-405B", label="Model")
    gpus = mo.ui.slider(steps=[1024, 2048, 4096, 8192, 16384, 32768], value=16384,
                        label="GPUs", show_value=True)
    bw = mo.ui.slider(steps=[25, 50, 100, 200, 400, 1000, 2000], value=200,
                      label="Storage bandwidth (GB/s, aggregate)", show_value=True)
    asynchronous = mo.ui.switch(value=False, label="Asynchronous (snapshot to host memory)")
    interval = mo.ui.slider(1, 240, value=60, label="Checkpoint every (minutes)",
                            show_value=True)
    restart = mo.ui.slider(60, 1800, step=60, value=600, label="Restart time (s)",
                           show_value=True)
    mo.vstack([mo.hstack([model, asynchronous], justify="start"),
               mo.hstack([gpus, bw], justify="start"),
               mo.hstack([interval, restart], justify="start")])
    return asynchronous, bw, gpus, interval, model, restart


@app.cell
def _(asynchronous, bw, gpus, interval, model, restart):
    size = mlsysim.checkpoint_bytes(model.value)
    plan = mlsysim.checkpoint_plan(size, gpus.value, bw.value * 1e9, interval.value * 60,
                                   asynchronous.value, restart.value)
    other = mlsysim.checkpoint_plan(size, gpus.value, bw.value * 1e9, interval.value * 60,
                                    not asynchronous.value, restart.value)
    return other, plan, size


@app.cell
def _(asynchronous, bw, gpus, interval, plan, restart, size):
    _mins = np.geomspace(1, 240, 120)
    _plot = kit.Plot(f"Goodput vs interval, {gpus.value:,} GPUs, {bw.value} GB/s",
                     "minutes between checkpoints", "goodput (%)", xlog=True, ylim=(0, 100))
    for _a, _name in ((False, "synchronous"), (True, "asynchronous")):
        _g = mlsysim.checkpoint_goodput_curve(size, gpus.value, bw.value * 1e9, _mins * 60,
                                              _a, restart.value)
        _plot.line(_mins, 100 * _g, label=_name, width=3.0 if _a == asynchronous.value
                   else 1.5)
    _plot.points(interval.value, 100 * plan.goodput, colour=kit.FAIL_COLOUR, size=6)
    _plot.hline(90, "90% target")
    _best = mlsysim.checkpoint_plan(size, gpus.value, bw.value * 1e9, plan.best_interval_s,
                                    asynchronous.value, restart.value)
    mo.vstack([
        kit.stats({"checkpoint": kit.fmt_bytes(size),
                   "training stalls per save": kit.fmt_time(plan.blocking_s),
                   "time to persist": kit.fmt_time(plan.persist_s),
                   "fleet MTBF": kit.fmt_time(plan.mtbf_s),
                   "goodput": f"{100 * plan.goodput:.1f}%",
                   "best interval": kit.fmt_time(plan.best_interval_s)}),
        kit.bars(["your interval", "best interval"], {
            "saving": [100 * plan.checkpoint_overhead, 100 * _best.checkpoint_overhead],
            "lost work": [100 * plan.lost_work, 100 * _best.lost_work],
            "restarts": [100 * plan.restart_overhead, 100 * _best.restart_overhead]},
            title="Where the lost time goes", ylabel="% of wall-clock time",
            width=420, height=260),
        _plot.show(),
    ])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Train **Llama-3-405B** on **at least 8,192 GPUs** with **goodput ≥ 90%**, using "
        "storage of **at most 200 GB/s**: a faster file system is not in the budget. Choose "
        "the interval and how the checkpoint is written."
    )
    return


@app.cell
def _(bw, gpus, model, other, plan):
    _issues = []
    if model.value != "Llama-3-405B":
        _issues.append("the challenge trains Llama-3-405B")
    if gpus.value < 8192:
        _issues.append("use at least 8,192 GPUs")
    if bw.value > 200:
        _issues.append(f"{bw.value} GB/s of storage is over the 200 GB/s budget")
    if plan.goodput < 0.9:
        _hint = (f" (the other way of writing could reach {100 * other.best_goodput:.1f}%)"
                 if other.best_goodput > plan.best_goodput + 0.005 else "")
        _issues.append(f"goodput is {100 * plan.goodput:.1f}%: saving "
                       f"{100 * plan.checkpoint_overhead:.1f}%, lost work "
                       f"{100 * plan.lost_work:.1f}%, restarts "
                       f"{100 * plan.restart_overhead:.1f}%{_hint}")
    kit.verdict(not _issues, f"Goodput {100 * plan.goodput:.1f}% with {bw.value} GB/s of "
                             "storage.", "; ".join(_issues) + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("checkpoint_bandwidth", [
        "A checkpoint holds the optimizer state, not just the weights: about seven times "
        "the bf16 model.",
        "Synchronous saves tie the interval to storage bandwidth; asynchronous saves cut the "
        "stall to a copy into host memory, so checkpoints can be frequent.",
        "Asynchronous is not free: work since the last durable checkpoint, drain time "
        "included, is lost on a failure, and restarts set a ceiling no interval can lift.",
    ])
    return


if __name__ == "__main__":
    app.run()
