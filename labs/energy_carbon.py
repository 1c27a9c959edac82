# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Energy, carbon and cost of a training run")

with app.setup:
    import functools

    import marimo as mo
    import mlsysim
    import numpy as np
    from mlsysim import economics

    import labkit as kit

    QUESTION = ("Llama-3-8B trained compute-optimally on 64 A100s, US-average grid. Which single "
                "change cuts its emissions the most?")
    OPTIONS = ("switch to H100s", "a perfect facility (PUE 1.0)", "a grid ten times cleaner")

    @functools.cache
    def llama8b_run(hw: str) -> mlsysim.TrainResult:
        """Llama-3-8B trained on its compute-optimal tokens on 64 GPUs (cached per GPU)."""
        m = mlsysim.model("Llama-3-8B")
        return mlsysim.train(m, mlsysim.cluster(hw, 64), mlsysim.chinchilla_tokens(m.params),
                             512, 4096)

    def co2_kg(hw: str, pue: float = economics.DEFAULT_PUE,
               grid: float = economics.DEFAULT_GRID_G_PER_KWH) -> float:
        return mlsysim.energy(llama8b_run(hw), pue=pue, grid_g_per_kwh=grid).co2_kg

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        base = co2_kg("A100-80GB")
        cuts = {OPTIONS[0]: co2_kg("H100-SXM"), OPTIONS[1]: co2_kg("A100-80GB", pue=1.0),
                OPTIONS[2]: co2_kg("A100-80GB", grid=economics.DEFAULT_GRID_G_PER_KWH / 10)}
        return min(cuts, key=cuts.get), (
            "Emissions: baseline " + f"{base / 1e3:.2f} t; " + "; ".join(
                f"{k}: {v / 1e3:.2f} t" for k, v in cuts.items())
            + ". Efficiency gains are factors of two; electricity sources differ by factors "
              "of ten or more.")

    def explore_point(gpu: str, pue: float, grid: int) -> dict[str, float]:
        e = mlsysim.energy(llama8b_run(gpu), pue=pue, grid_g_per_kwh=grid)
        return {"co2": e.co2_kg / 1e3, "energy": float(e.kwh) * 1e3,
                "time": llama8b_run(gpu).total_time_s,
                "baseline": co2_kg("A100-80GB") / 1e3}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        cut = v["baseline"] / v["co2"]
        if cut >= 4:
            return True, f"Emissions cut {cut:.3g}x from the A100, US-grid baseline."
        return False, (f"Only {cut:.3g}x below the A100, US-grid baseline: aim for 4x.")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("gpu", "64 GPUs", ("A100-80GB", "H100-SXM"), "A100-80GB"),
                kit.Choice("pue", "Facility PUE", (1.0, 1.1, 1.2, 1.5), 1.2),
                kit.Choice("grid", "Grid carbon intensity", (25, 50, 100, 200, 400, 800), 400,
                           "g/kWh")),
        outputs=(kit.Output("co2", "Emissions", "t CO2"), kit.Output("energy", "Energy", "Wh"),
                 kit.Output("time", "Training time", "s")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="grid", plot_y=("co2",), plot_limit="baseline", limit_label="baseline",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "energy_carbon",
        "Training a large model draws megawatt-hours from the grid. Which decisions move its "
        "energy, emissions and bill the most: the chip, the data centre, or where the "
        "electricity comes from?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    mlsysim predicts the run's wall-clock time from the training model (plan search, MFU),
    then charges the devices at a fraction of their board power, multiplies by the data
    centre's **PUE** (facility power / IT power: cooling, conversion losses) and converts
    energy to emissions with the grid's **carbon intensity** (g CO₂e per kWh). Rental cost is
    GPU-hours at the registry's approximate cloud price.
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
    model = mo.ui.dropdown(kit.models("llm"), value="Llama-3-70B", label="Model")
    gpu = mo.ui.dropdown(mlsysim.list_hardware("datacenter"), value="A100-80GB", label="GPU")
    gpus = mo.ui.slider(steps=[64, 128, 256, 512, 1024, 2048], value=256, label="GPUs",
                        show_value=True)
    power = mo.ui.slider(0.5, 1.0, step=0.05, value=0.8, label="Average power / TDP",
                         show_value=True)
    pue = mo.ui.slider(1.0, 2.0, step=0.02, value=economics.DEFAULT_PUE, label="PUE",
                       show_value=True)
    grid = mo.ui.slider(10, 900, step=2, value=economics.DEFAULT_GRID_G_PER_KWH,
                        label="Grid intensity (g CO2e/kWh)", show_value=True)
    mo.vstack([mo.hstack([model, gpu, gpus], justify="start"),
               mo.hstack([power, pue, grid], justify="start")])
    return gpu, gpus, grid, model, power, pue


@app.cell
def _(gpu, gpus, grid, model, power, pue):
    tokens = mlsysim.chinchilla_tokens(mlsysim.model(model.value).params)
    run = mlsysim.train(model.value, mlsysim.cluster(gpu.value, gpus.value), tokens, 1024, 4096,
                        precision=kit.precision_for(gpu.value))
    if run.feasible:
        en = mlsysim.energy(run, power_fraction=power.value, pue=pue.value,
                            grid_g_per_kwh=grid.value)
        price = mlsysim.hardware(gpu.value).price_per_hour
        rental = run.gpu_hours * price if price else float("nan")
    else:
        en, rental = None, float("nan")
    return en, rental, run, tokens


@app.cell
def _(en, grid, run, tokens):
    if en is None:
        _out = kit.infeasible(run.reason)
    else:
        _g = np.linspace(10, 900, 60)
        _plot = kit.Plot("Emissions of this run vs the grid it draws from",
                         "grid intensity (g CO2e / kWh)", "t CO2e")
        _plot.line(_g, mlsysim.carbon(en.kwh, _g) / 1e3, label="this run")
        _plot.points(grid.value, en.co2_kg / 1e3, colour=kit.PALETTE[1], size=6)
        _plot.hline(50, "50 t budget")
        _out = mo.vstack([
            kit.stats({"tokens": f"{tokens:.3g}", "wall-clock": kit.fmt_time(run.total_time_s),
                       "GPU-hours": f"{run.gpu_hours:,.0f}", "MFU": f"{run.mfu:.0%}",
                       "energy": f"{en.mwh:,.1f} MWh",
                       "emissions": f"{en.co2_kg / 1e3:,.1f} t CO2e"}),
            _plot.show()])
    _out
    return


@app.cell
def _(rental):
    kit.stats({"rental cost": f"${rental:,.0f}" if np.isfinite(rental) else "no price listed"})
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Train **Llama-3-70B** compute-optimally (20 tokens per parameter) within **30 days**, "
        "for at most **50 t CO2e** and **$1.3 M** of rented GPU time. The default plan, 256 "
        "A100s on an average grid, misses all three."
    )
    return


@app.cell
def _(en, model, rental, run):
    _issues = []
    if model.value != "Llama-3-70B":
        _issues.append("the challenge trains Llama-3-70B")
    if en is None:
        _issues.append(f"the run is infeasible: {run.reason}")
    else:
        if run.total_time_s > 30 * 86400:
            _issues.append(f"it takes {kit.fmt_time(run.total_time_s)} (over 30 days)")
        if en.co2_kg > 50e3:
            _issues.append(f"it emits {en.co2_kg / 1e3:,.0f} t CO2e (over budget)")
        if not rental <= 1.3e6:
            _issues.append(f"it costs ${rental:,.0f} (over budget)")
    kit.verdict(not _issues, "On time, under the carbon budget and under the bill.",
                "; ".join(_issues) + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("energy_carbon", [
        "Energy follows GPU-hours × power: a faster chip saves energy only by finishing "
        "sooner, and more GPUs change the calendar, not the energy.",
        "PUE multiplies everything a facility draws; modern hyperscale sites sit near 1.1.",
        "Grid carbon intensity spans almost two orders of magnitude, so where and when a run "
        "happens matters more than any single efficiency trick.",
    ])
    return


if __name__ == "__main__":
    app.run()
