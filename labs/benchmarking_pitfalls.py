# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Benchmarking pitfalls")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = ("You time 10 runs from a cold start, without discarding any, and report the "
                "mean. Compared with the true steady-state latency your number is...")
    OPTIONS = ("within 5%", "10-50% too high", "more than 50% too high")

    def simulate(true_s: float, runs: int, warm_cost: float, jitter: float,
                 spike_prob: float, enqueue_share: float, synced: bool,
                 seed: int = 0) -> np.ndarray:
        """What a timer reads for `runs` iterations from a cold start (vectorised)."""
        rng = np.random.default_rng(seed)
        i = np.arange(runs)
        cold = 1.0 + (warm_cost - 1.0) * np.exp(-i / 3.0)
        noise = rng.lognormal(0.0, jitter, runs)
        spikes = np.where(rng.random(runs) < spike_prob, rng.uniform(1.0, 5.0, runs), 0.0)
        work = true_s * (cold * noise + spikes)
        return work if synced else work * enqueue_share

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        true = mlsysim.serve("Llama-3-8B", "H100-SXM", 1, 512, 256).tpot_s
        err = simulate(true, 10, 8.0, 0.05, 0.02, 0.05, True).mean() / true - 1
        correct = (OPTIONS[0] if abs(err) < 0.05 else OPTIONS[1] if err < 0.5
                   else OPTIONS[2])
        return correct, (
            f"With the default machine the mean of 10 cold runs is {100 * err:+.0f}% off: "
            "the first iterations are several times slower and they sit inside the mean.")

    def explore_point(discard: int, runs: int, synced: str, statistic: str) -> dict[str, float]:
        true = mlsysim.serve("Llama-3-8B", "H100-SXM", 1, 512, 256).tpot_s
        kept = simulate(true, discard + runs, 8.0, 0.05, 0.02, 0.05, synced == "yes")[discard:]
        reported = float(np.median(kept) if statistic == "median" else kept.mean())
        return {"reported": reported, "true": true, "error": 100 * (reported / true - 1)}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if abs(v["error"]) < 5:
            return True, f"Trustworthy: within {abs(v['error']):.1f}% of the true latency."
        return False, f"Misleading: {v['error']:+.0f}% off the true latency."

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("discard", "Warm-up runs discarded", (0, 5, 10, 20), 0),
                kit.Choice("runs", "Timed runs", (10, 50, 200), 10),
                kit.Choice("synced", "Synchronize before stopping the timer", ("yes", "no"),
                           "yes"),
                kit.Choice("statistic", "Report", ("mean", "median"), "mean")),
        outputs=(kit.Output("reported", "Reported latency", "s"),
                 kit.Output("true", "True latency (mlsysim)", "s"),
                 kit.Output("error", "Error", "%")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="discard", plot_y=("reported",), plot_limit="true", limit_label="true latency",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "benchmarking_pitfalls",
        "You time a model's decode step and report one number. How far can that number be "
        "from the truth if you skip the warm-up, forget to synchronize, take too few samples "
        "or pick the wrong statistic?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    The **true** steady-state latency comes from mlsysim (the time per output token of a
    decode step). The lab then *simulates* what a stopwatch would see, with a seeded random
    generator: the first iterations are slow (caches, allocator, kernel autotuning), every
    run jitters, and now and then a run is hit by an interruption (another process, a clock
    change). Without synchronization the host timer stops when the work is *queued*, not
    when it finishes. The machine's behaviour is yours to set below; the protocol is what
    you must get right.
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
    warm_cost = mo.ui.slider(1.0, 20.0, step=0.5, value=8.0,
                             label="First iteration, x steady state", show_value=True)
    jitter = mo.ui.slider(0.0, 0.3, step=0.01, value=0.05, label="Run-to-run jitter (sigma)",
                          show_value=True)
    spike_prob = mo.ui.slider(0.0, 0.1, step=0.005, value=0.02,
                              label="Chance a run is interrupted", show_value=True)
    enqueue = mo.ui.slider(0.01, 0.5, step=0.01, value=0.05,
                           label="Host enqueue time / GPU time", show_value=True)
    mo.vstack([mo.md("**The machine** (what you cannot change)"),
               mo.hstack([warm_cost, jitter, spike_prob, enqueue], wrap=True,
                         justify="start")])
    return enqueue, jitter, spike_prob, warm_cost


@app.cell
def _():
    synced = mo.ui.switch(value=False, label="Synchronize before stopping the timer")
    discard = mo.ui.slider(0, 50, value=0, label="Warm-up runs discarded", show_value=True)
    runs = mo.ui.slider(steps=[10, 20, 50, 100, 200, 500, 1000], value=10,
                        label="Timed runs", show_value=True)
    statistic = mo.ui.radio(["mean", "median"], value="mean", label="Report", inline=True)
    mo.vstack([mo.md("**Your measurement protocol**"),
               mo.hstack([synced, discard, runs, statistic], wrap=True, justify="start")])
    return discard, runs, statistic, synced


@app.cell
def _(discard, enqueue, jitter, runs, spike_prob, statistic, synced, warm_cost):
    true_s = mlsysim.serve("Llama-3-8B", "H100-SXM", 1, 512, 256).tpot_s
    samples = simulate(true_s, discard.value + runs.value, warm_cost.value, jitter.value,
                       spike_prob.value, enqueue.value, synced.value)
    kept = samples[discard.value:]
    reported = float(np.median(kept) if statistic.value == "median" else kept.mean())
    error = reported / true_s - 1
    # 95% interval of the reported statistic from 400 seeded bootstrap resamples
    boot = np.random.default_rng(1).choice(kept, size=(400, kept.size))
    stats_b = np.median(boot, axis=1) if statistic.value == "median" else boot.mean(axis=1)
    lo, hi = np.percentile(stats_b, [2.5, 97.5])
    spread = (hi - lo) / 2 / reported
    return error, kept, reported, samples, spread, true_s


@app.cell
def _(discard, error, kept, reported, samples, spread, true_s):
    _plot = kit.Plot("What the stopwatch saw", "iteration", "measured time (ms)")
    _i = np.arange(samples.size)
    _plot.points(_i[: discard.value], 1e3 * samples[: discard.value], label="discarded",
                 colour="#999999", size=2.5)
    _plot.points(_i[discard.value:], 1e3 * kept, label="kept", size=2.5)
    _plot.hline(1e3 * true_s, "true latency", colour=kit.PASS_COLOUR)
    mo.vstack([
        kit.stats({"true (mlsysim)": kit.fmt_time(true_s), "reported": kit.fmt_time(reported),
                   "error": f"{100 * error:+.1f}%", "95% interval": f"±{100 * spread:.1f}%",
                   "p99 of kept runs": kit.fmt_time(float(np.percentile(kept, 99)))}),
        _plot.show()])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Without touching the machine's sliders, design a protocol whose reported latency is "
        "within **±3%** of the truth with a 95% interval no wider than **±2%**. Then make the "
        "machine noisier and check that your protocol still holds."
    )
    return


@app.cell
def _(error, spread, synced):
    _issues = []
    if not synced.value:
        _issues.append("the timer stops when work is queued, not when it finishes")
    if abs(error) > 0.03:
        _issues.append(f"the reported value is {100 * error:+.1f}% from the truth")
    if spread > 0.02:
        _issues.append(f"its 95% interval is ±{100 * spread:.1f}%: too few runs")
    kit.verdict(not _issues, f"Reported within {100 * abs(error):.1f}% of the truth, "
                             f"±{100 * spread:.1f}% at 95%.",
                "; ".join(_issues) + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("benchmarking_pitfalls", [
        "Synchronize before you stop the clock: asynchronous devices return before the work "
        "is done.",
        "Discard warm-up runs and report the median with its interval; report tails (p99) "
        "separately, never folded into a mean.",
        "The number of runs sets the interval, not the accuracy: a biased protocol converges "
        "confidently to the wrong answer.",
    ])
    return


if __name__ == "__main__":
    app.run()
