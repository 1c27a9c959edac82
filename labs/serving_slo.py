# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Serving under an SLO")

with app.setup:
    import functools

    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    @functools.cache
    def simulate(model: str, gpu: str, rate: float, max_batch: int, spread: float = 0.0):
        """One seeded simulation, cached for the session: a slider move reuses other runs."""
        return mlsysim.simulate_serving(model, gpu, rate, 300, max_batch=max_batch,
                                        slo_ttft_s=0.5, slo_tpot_s=0.05,
                                        length_spread=spread, seed=0)

    QUESTION = ("Llama-3-8B on one H100, batch limit 8. Arrivals go from 2 to 5 requests per "
                "second (2.5x). The 99th-percentile time to first token grows by about...")
    OPTIONS = ("2.5x, in proportion", "10x", "more than 30x")

    def answer() -> tuple[str, str]:
        """The correct option and why, computed with mlsysim (the notebook and the site share it)."""
        a = simulate("Llama-3-8B", "H100-SXM", 2.0, 8)
        b = simulate("Llama-3-8B", "H100-SXM", 5.0, 8)
        x = b.ttft_p99_s / a.ttft_p99_s
        correct = OPTIONS[0] if x < 5 else OPTIONS[1] if x < 30 else OPTIONS[2]
        return correct, (f"p99 TTFT goes from {kit.fmt_time(a.ttft_p99_s)} to "
                         f"{kit.fmt_time(b.ttft_p99_s)} ({x:.0f}x). Near capacity a queue forms, "
                         "and queueing delay grows without bound as utilization approaches 100%.")

    def explore_point(rate: float, max_batch: int) -> dict[str, float]:
        sim = simulate("Llama-3-8B", "H100-SXM", float(rate), int(max_batch))
        return {"ttft_p50": sim.ttft_p50_s, "ttft_p99": sim.ttft_p99_s,
                "tpot_p99": sim.tpot_p99_s, "slo": 100 * sim.slo_attainment,
                "throughput": sim.throughput_tokens_per_s, "slo_ttft": 0.5}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["slo"] >= 99:
            return True, f"SLO met: {v['slo']:.1f}% of requests within 500 ms TTFT and 50 ms TPOT."
        return False, (f"SLO missed: only {v['slo']:.1f}% of requests meet it "
                       f"(p99 TTFT {mlsysim.format_quantity(v['ttft_p99'], 's')}).")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("rate", "Arrival rate (Llama-3-8B, one H100)",
                           (1, 2, 5, 10, 20, 30, 40), 20, "req/s"),
                kit.Choice("max_batch", "Batch limit", (4, 8, 16, 32, 64, 128), 8)),
        outputs=(kit.Output("ttft_p50", "TTFT p50", "s"), kit.Output("ttft_p99", "TTFT p99", "s"),
                 kit.Output("tpot_p99", "TPOT p99", "s"), kit.Output("slo", "SLO attainment", "%"),
                 kit.Output("throughput", "Throughput", "tok/s")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="rate", plot_y=("ttft_p50", "ttft_p99"), plot_limit="slo_ttft", limit_label="SLO: TTFT 500 ms", log_y=True,
        question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "serving_slo",
        "Users do not arrive on a schedule. With requests arriving at random, how close to "
        "its capacity can a server run before the slowest users' wait explodes?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    mlsysim simulates **continuous batching**: at every decode iteration, requests that
    have arrived join the running batch if the batch limit and KV-cache memory allow, and
    finished ones leave. Arrivals are **Poisson** (independent, at a mean rate), the same
    seed gives the same run. The service-level objective (SLO) here: time to first token
    ≤ 500 ms and time per output token ≤ 50 ms. *SLO attainment* is the share of requests
    that meet both.
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
    model = mo.ui.dropdown(kit.models("llm"), value="Llama-3-8B", label="Model")
    gpu = mo.ui.dropdown(mlsysim.list_hardware("datacenter"), value="H100-SXM", label="GPU")
    rate = mo.ui.slider(1, 40, value=20, label="Arrival rate (requests/s)", show_value=True)
    max_batch = mo.ui.slider(steps=[4, 8, 16, 32, 64, 128, 256], value=8,
                             label="Batch limit", show_value=True)
    spread = mo.ui.slider(0.0, 1.0, step=0.1, value=0.0,
                          label="Length variability (lognormal sigma)", show_value=True)
    fleet = mo.ui.slider(steps=[50, 100, 200, 500, 1000, 2000], value=200,
                         label="Fleet target (requests/s)", show_value=True)
    mo.vstack([mo.hstack([model, gpu, fleet], justify="start"),
               mo.hstack([rate, max_batch, spread], justify="start")])
    return fleet, gpu, max_batch, model, rate, spread


@app.cell
def _(gpu, max_batch, model, rate, spread):
    try:
        sim = simulate(model.value, gpu.value, float(rate.value), max_batch.value, spread.value)
        rates = np.array([2.0, 5, 10, 20, 30, 40])
        sweep = [simulate(model.value, gpu.value, r, max_batch.value, spread.value)
                 for r in rates]
        problem = ""
    except mlsysim.MlsysimError as exc:
        sim, sweep, rates, problem = None, [], np.array([]), str(exc)
    return problem, rates, sim, sweep


@app.cell
def _(fleet, problem, rate, rates, sim, sweep):
    if sim is None:
        _out = kit.infeasible(problem)
    else:
        _plot = kit.Plot("Time to first token vs load", "arrival rate (requests/s)",
                         "TTFT (s)", ylog=True)
        _plot.line(rates, [s.ttft_p50_s for s in sweep], label="p50")
        _plot.line(rates, [s.ttft_p99_s for s in sweep], label="p99")
        _plot.hline(0.5, "SLO 500 ms")
        _plot.vline(rate.value, "you", colour=kit.PALETTE[4])
        # fleet sizing: the highest swept rate one replica serves within the SLO
        _good = [r for r, s in zip(rates, sweep, strict=True) if s.slo_attainment >= 0.99]
        _per = max(_good) if _good else 0.0
        _replicas = f"{int(np.ceil(fleet.value / _per))}" if _per else "no rate meets the SLO"
        _out = mo.vstack([
            kit.stats({"TTFT p50 / p99": f"{kit.fmt_time(sim.ttft_p50_s)} / "
                                         f"{kit.fmt_time(sim.ttft_p99_s)}",
                       "TPOT p99": kit.fmt_time(sim.tpot_p99_s),
                       "mean batch": f"{sim.mean_batch:.1f}",
                       "SLO attainment": f"{100 * sim.slo_attainment:.1f}%",
                       "throughput": f"{sim.throughput_tokens_per_s:,.0f} tok/s",
                       "one replica within SLO": f"up to {_per:g} req/s" if _per else "-",
                       f"replicas for {fleet.value} req/s": _replicas}),
            _plot.show()])
    _out
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Serve **at least 20 requests/s** on one GPU with **SLO attainment ≥ 99%**. The "
        "default batch limit of 8 was tuned for low latency at light load."
    )
    return


@app.cell
def _(problem, rate, sim):
    if sim is None:
        _ok, _why = False, problem
    else:
        _issues = []
        if rate.value < 20:
            _issues.append("the load must be at least 20 requests/s")
        if sim.slo_attainment < 0.99:
            _issues.append(f"SLO missed: only {100 * sim.slo_attainment:.1f}% of requests "
                           f"meet it (p99 TTFT {kit.fmt_time(sim.ttft_p99_s)}, p99 TPOT "
                           f"{kit.fmt_time(sim.tpot_p99_s)})")
        _ok, _why = not _issues, "; ".join(_issues)
    kit.verdict(_ok, f"{100 * sim.slo_attainment if sim else 0:.1f}% of requests meet the SLO "
                     "at this load.", _why + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("serving_slo", [
        "Random arrivals turn a server near capacity into a queue: p99 latency explodes "
        "long before average utilization reaches 100%.",
        "Continuous batching absorbs bursts by growing the batch; a tight batch limit turns "
        "bursts into queueing delay.",
        "Capacity planning targets percentiles under realistic arrivals, never the average "
        "under a steady stream.",
    ])
    return


if __name__ == "__main__":
    app.run()
