# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Failures and checkpointing")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np
    from mlsysim import reliability

    import labkit as kit

    QUESTION = "A training job on 16,384 H100-class GPUs. How often is it interrupted?"
    OPTIONS = ("every few weeks", "every day or two", "every few hours", "every few minutes")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        h = mlsysim.fleet_mtbf(16384)
        correct = (OPTIONS[3] if h < 0.5 else OPTIONS[2] if h < 12
                   else OPTIONS[1] if h < 72 else OPTIONS[0])
        return correct, (
            f"The fleet fails every {kit.fmt_time(h * 3600)} on average, although each "
            f"GPU runs about {kit.fmt_time(mlsysim.fleet_mtbf(1) * 3600)} between "
            "interruptions (the rate Meta reported for its Llama 3 cluster).")

    def explore_point(gpus: int, interval: int, save: int) -> dict[str, float]:
        mtbf = mlsysim.fleet_mtbf(gpus) * 3600
        mine = mlsysim.training_goodput(mtbf, save, 900, interval * 60)
        best = mlsysim.training_goodput(mtbf, save, 900)
        return {"goodput": 100 * mine.goodput, "best": 100 * best.goodput, "mtbf": mtbf,
                "optimum": mlsysim.young_daly_interval(save, mtbf)}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["goodput"] >= v["best"] - 1:
            return True, f"Near the optimum: {v['goodput']:.1f}% of the time is useful work."
        return False, (f"Goodput {v['goodput']:.1f}%, but {v['best']:.1f}% is possible with "
                       "the Young-Daly interval.")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("gpus", "GPUs", (256, 1024, 4096, 16384, 32768), 16384),
                kit.Choice("interval", "Checkpoint every", (5, 15, 30, 60, 120, 240, 480), 240,
                           "min"),
                kit.Choice("save", "Checkpoint write time", (30, 120, 300, 900), 300, "s")),
        outputs=(kit.Output("goodput", "Goodput", "%"),
                 kit.Output("best", "Best goodput", "%"),
                 kit.Output("mtbf", "Fleet MTBF", "s"),
                 kit.Output("optimum", "Young-Daly interval", "s")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="interval", plot_y=("goodput",), plot_limit="best", limit_label="best goodput",
        question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "failures_checkpointing",
        "A GPU fails rarely; a job on sixteen thousand of them fails all the time. How often "
        "should it save a checkpoint, and how much of the cluster's time does the answer "
        "decide?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    With $n$ devices failing independently, the job's mean time between failures is the
    device MTBF divided by $n$. Saving a checkpoint every $\tau$ seconds costs $C/\tau$ of the
    time (writing), each failure loses on average $\tau/2$ of work plus a restart $R$. The
    **Young–Daly** interval $\tau^* = \sqrt{2\,C\,M}$ balances the two. What remains is the
    **goodput**: the share of wall-clock time that moves training forward.
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
    gpus = mo.ui.slider(steps=[256, 1024, 4096, 8192, 16384, 32768], value=16384,
                        label="GPUs", show_value=True)
    save = mo.ui.slider(5, 900, step=5, value=300, label="Checkpoint write time (s)",
                        show_value=True)
    restart = mo.ui.slider(30, 3600, step=30, value=900, label="Restart time (s)",
                           show_value=True)
    interval = mo.ui.slider(1, 480, value=240, label="Checkpoint every (minutes)",
                            show_value=True)
    _default = reliability.DEFAULT_GPU_MTBF_HOURS
    device_mtbf = mo.ui.slider(steps=sorted({round(_default * f) for f in
                                             (0.25, 0.5, 1.0, 2.0, 4.0)}),
                               value=round(_default), label="Hours between failures, per GPU",
                               show_value=True)
    mo.vstack([mo.hstack([gpus, interval], justify="start"),
               mo.hstack([save, restart, device_mtbf], justify="start")])
    return device_mtbf, gpus, interval, restart, save


@app.cell
def _(device_mtbf, gpus, interval, restart, save):
    mtbf_s = mlsysim.fleet_mtbf(gpus.value, device_mtbf.value) * 3600
    optimum = mlsysim.young_daly_interval(save.value, mtbf_s)
    result = mlsysim.training_goodput(mtbf_s, save.value, restart.value, interval.value * 60)
    best = mlsysim.training_goodput(mtbf_s, save.value, restart.value)
    return best, mtbf_s, optimum, result


@app.cell
def _(best, interval, mtbf_s, optimum, restart, result, save):
    _taus = np.linspace(1, 480, 160)
    _g = np.array([mlsysim.training_goodput(mtbf_s, save.value, restart.value, t * 60).goodput
                   for t in _taus])
    _plot = kit.Plot("Goodput vs checkpoint interval", "minutes between checkpoints",
                     "goodput (%)", ylim=(0, 100))
    _plot.line(_taus, 100 * _g, label="goodput")
    _plot.points(interval.value, 100 * result.goodput, colour=kit.PALETTE[1], size=6)
    _plot.vline(optimum / 60, "Young–Daly", colour=kit.PASS_COLOUR)
    _plot.hline(90, "90% target")
    mo.vstack([
        kit.stats({"fleet MTBF": kit.fmt_time(mtbf_s),
                   "Young–Daly interval": kit.fmt_time(optimum),
                   "goodput": f"{100 * result.goodput:.1f}%",
                   "best possible here": f"{100 * best.goodput:.1f}%"}),
        kit.bars(["your interval", "Young–Daly"], {
            "writing checkpoints": [100 * result.checkpoint_overhead,
                                    100 * best.checkpoint_overhead],
            "lost work": [100 * result.lost_work, 100 * best.lost_work],
            "restarts": [100 * result.restart_overhead, 100 * best.restart_overhead]},
            title="Where the lost time goes", ylabel="% of wall-clock time",
            width=420, height=260),
        _plot.show(),
    ])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Run on **at least 16,384 GPUs** with **goodput ≥ 90%**. You may pick the interval, "
        "and you may invest in faster checkpoints (asynchronous writes to local storage) and "
        "faster restarts (hot spares) — each slider is an engineering project."
    )
    return


@app.cell
def _(gpus, result):
    _issues = []
    if gpus.value < 16384:
        _issues.append("the job needs at least 16,384 GPUs")
    if result.goodput < 0.9:
        _issues.append(f"goodput is {100 * result.goodput:.1f}% (checkpoints "
                       f"{100 * result.checkpoint_overhead:.1f}%, lost work "
                       f"{100 * result.lost_work:.1f}%, restarts "
                       f"{100 * result.restart_overhead:.1f}%)")
    kit.verdict(not _issues, f"Goodput {100 * result.goodput:.1f}%: the cluster spends "
                             "nine tenths of its time training.", "; ".join(_issues) + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("failures_checkpointing", [
        "Failures scale with the fleet: a job on n GPUs fails n times as often as one GPU.",
        "Young–Daly balances writing checkpoints against losing work; the optimum moves as "
        "the square root of both the write time and the MTBF.",
        "At scale, restart time and checkpoint speed matter more than the interval: they "
        "set the ceiling on goodput.",
    ])
    return


if __name__ == "__main__":
    app.run()
