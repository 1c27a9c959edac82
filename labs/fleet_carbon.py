# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Fleet carbon: where and when a job runs")

with app.setup:
    import functools

    import marimo as mo
    import mlsysim
    import numpy as np
    from mlsysim import economics, grid_carbon

    import labkit as kit

    GPU, GPUS = "H100-SXM", 512
    GRIDS = tuple(grid_carbon.GRIDS)
    ALLOWED = ("solar-rich", "mixed")
    BUDGET_KG, MAX_WALL_H = 450.0, 24.0
    PUES = {"hyperscale (1.10)": economics.DEFAULT_PUE, "industry average (1.58)": 1.58}
    QUESTION = ("A Llama-3-8B training run on 512 H100s moves from a coal-dominated grid to "
                "a hydro-dominated one. By how much do its total emissions, manufacturing "
                "included, fall?")
    OPTIONS = ("about 3x", "about 15x", "about 50x", "about 150x")

    @functools.cache
    def compute_hours() -> float:
        """Hours of Llama-3-8B trained on its compute-optimal tokens on 512 H100s."""
        m = mlsysim.model("Llama-3-8B")
        run = mlsysim.train(m, mlsysim.cluster(GPU, GPUS), mlsysim.chinchilla_tokens(m.params),
                            512, 4096)
        return run.total_time_s / 3600

    def job(grid: str, start: int = 0, per_day: int = 24, pue: float = economics.DEFAULT_PUE,
            embodied: float = grid_carbon.DEFAULT_EMBODIED_KG_PER_GPU) -> mlsysim.JobCarbon:
        return mlsysim.job_carbon(GPU, GPUS, compute_hours(), grid, start, per_day, pue,
                                  embodied_kg_per_gpu=embodied)

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        coal, hydro = job("coal-dominated"), job("hydro-dominated")
        ratio = coal.total_kg / hydro.total_kg
        correct = (OPTIONS[0] if ratio < 7 else OPTIONS[1] if ratio < 27
                   else OPTIONS[2] if ratio < 87 else OPTIONS[3])
        return correct, (
            f"{coal.total_kg:,.0f} kg becomes {hydro.total_kg:,.0f} kg ({ratio:.2g}x). The "
            f"electricity's share falls {coal.operational_kg / hydro.operational_kg:.2g}x, "
            f"but the {hydro.embodied_kg:,.0f} kg of manufacturing charged to the run does "
            f"not move: on the clean grid it is {100 * hydro.embodied_kg / hydro.total_kg:.0f}% "
            "of what is left.")

    def explore_point(grid: str, start: int, pue: float) -> dict[str, float]:
        j = job(grid, start, 24, pue)
        return {"total": j.total_kg, "operational": j.operational_kg,
                "embodied": j.embodied_kg, "intensity": j.mean_g_per_kwh,
                "budget": BUDGET_KG, "allowed": float(grid in ALLOWED)}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if not v["allowed"]:
            return False, (f"{v['total']:,.0f} kg CO2e, but data residency allows only the "
                           "solar-rich and mixed regions.")
        if v["total"] <= BUDGET_KG:
            return True, f"{v['total']:,.0f} kg CO2e, within the {BUDGET_KG:,.0f} kg budget."
        return False, f"{v['total']:,.0f} kg CO2e, over the {BUDGET_KG:,.0f} kg budget."

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("grid", "Grid", GRIDS, "mixed"),
                kit.Choice("start", "Start hour (of 24)", (0, 4, 8, 12, 16, 20), 16),
                kit.Choice("pue", "Facility PUE", tuple(PUES.values()), 1.58)),
        outputs=(kit.Output("total", "Total emissions (kg CO2e)", ""),
                 kit.Output("operational", "From electricity (kg)", ""),
                 kit.Output("embodied", "From manufacturing (kg)", ""),
                 kit.Output("intensity", "Mean grid intensity (g/kWh)", "")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="start", plot_y=("total",), plot_limit="budget", limit_label="budget",
        question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "fleet_carbon",
        "The same training run emits ten or a hundred times more carbon depending on where "
        "and when it draws its power, and the chips it runs on were not made for free. "
        "Which levers matter: the region, the hour, the facility or the hardware's life?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Emissions = energy at the meter (IT energy x **PUE**) x the grid's **carbon intensity**
    at the hours the job runs, plus **embodied** emissions: manufacturing the GPUs, charged
    to the job for the share of their life it holds them. Dodge et al. (2022) measured both
    levers for cloud jobs: picking the region, and shifting or pausing work to follow the
    cleanest hours. The grids are archetype generation mixes (labelled assumptions), priced
    hour by hour from each source's life-cycle intensity (IPCC medians), the solar-rich one
    dipping at midday, the same model the chapter uses; embodied emissions per GPU are an
    assumption to vary. The run is Llama-3-8B on its compute-optimal tokens, timed by
    `mlsysim.train`; the emissions come from `mlsysim.job_carbon`.
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
    grid = mo.ui.dropdown(list(GRIDS), value="mixed", label="Grid")
    pue = mo.ui.radio(list(PUES), value="industry average (1.58)", label="Facility PUE")
    start = mo.ui.slider(0, 23, value=16, label="Start hour (local time)", show_value=True)
    per_day = mo.ui.slider(steps=[8, 12, 16, 24], value=24,
                           label="Hours run per day (the cleanest ones)", show_value=True)
    embodied = mo.ui.slider(steps=[0, 75, 150, 300, 600], value=150,
                            label="Embodied kg CO2e per GPU (assumption)", show_value=True)
    mo.vstack([mo.hstack([grid, pue], justify="start"),
               mo.hstack([start, per_day], justify="start"), embodied])
    return embodied, grid, per_day, pue, start


@app.cell
def _(embodied, grid, per_day, pue, start):
    result = job(grid.value, start.value, per_day.value, PUES[pue.value], embodied.value)
    return (result,)


@app.cell
def _(embodied, grid, per_day, pue, result, start):
    _hours = np.arange(24)
    _plot = kit.Plot(f"Total emissions vs start hour ({per_day.value} h a day, PUE "
                     f"{PUES[pue.value]:.2f})", "start hour", "kg CO2e", ylog=True)
    for _g in GRIDS:
        _plot.line(_hours, [job(_g, int(_h), per_day.value, PUES[pue.value],
                                embodied.value).total_kg for _h in _hours],
                   label=_g, width=3.0 if _g == grid.value else 1.5)
    _plot.hline(BUDGET_KG, "challenge budget")
    _plot.points(start.value, result.total_kg, colour=kit.FAIL_COLOUR, size=6)
    _each = [job(_g, start.value, per_day.value, PUES[pue.value], embodied.value)
             for _g in GRIDS]
    mo.vstack([
        kit.stats({"compute time": kit.fmt_time(compute_hours() * 3600),
                   "wall-clock time": kit.fmt_time(result.wall_hours * 3600),
                   "energy at the meter": f"{result.facility_kwh:,.0f} kWh",
                   "mean intensity": f"{result.mean_g_per_kwh:,.0f} g/kWh",
                   "electricity": f"{result.operational_kg:,.0f} kg",
                   "manufacturing": f"{result.embodied_kg:,.0f} kg",
                   "total": f"{result.total_kg:,.0f} kg CO2e"}),
        kit.bars(list(GRIDS), {"electricity": [_j.operational_kg for _j in _each],
                               "manufacturing": [_j.embodied_kg for _j in _each]},
                 title=f"Where the emissions come from, starting at {start.value}:00",
                 ylabel="kg CO2e", width=660, height=260),
        _plot.show(),
    ])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Data residency rules allow only the **solar-rich** and **mixed** regions. "
        f"Finish within **{MAX_WALL_H:.0f} hours** of wall-clock time and emit **at most "
        f"{BUDGET_KG:,.0f} kg CO2e**, manufacturing included (keep the embodied assumption "
        "at 150 kg per GPU)."
    )
    return


@app.cell
def _(embodied, grid, result):
    _issues = []
    if grid.value not in ALLOWED:
        _issues.append(f"the {grid.value} grid is not an allowed region")
    if embodied.value != 150:
        _issues.append("keep the embodied assumption at 150 kg per GPU")
    if result.wall_hours > MAX_WALL_H:
        _issues.append(f"the run takes {kit.fmt_time(result.wall_hours * 3600)} of wall-clock "
                       f"time (max {MAX_WALL_H:.0f} h)")
    if result.total_kg > BUDGET_KG:
        _issues.append(f"it emits {result.total_kg:,.0f} kg CO2e (budget {BUDGET_KG:,.0f} kg)")
    kit.verdict(not _issues, f"{result.total_kg:,.0f} kg CO2e in "
                             f"{kit.fmt_time(result.wall_hours * 3600)}.",
                "; ".join(_issues) + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("fleet_carbon", [
        "Grids differ by more than an order of magnitude in carbon per kWh: the region is the "
        "biggest lever, and it is often constrained by data residency or capacity.",
        "On a solar grid the hour matters for short jobs; pausing to follow clean hours "
        "stretches the wall clock and charges more manufacturing to the run.",
        "On a clean grid, embodied emissions and PUE are what remain: efficiency and "
        "hardware lifetime become the levers.",
    ])
    return


if __name__ == "__main__":
    app.run()
