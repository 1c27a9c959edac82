# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Scaling laws and the compute-optimal model")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = "Your budget grows 10x. How should the compute-optimal model change?"
    OPTIONS = ("10x the parameters, same tokens", "about 3x parameters and 3x tokens",
               "same parameters, 10x the tokens")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        n1, d1 = mlsysim.chinchilla(1e23)
        n2, d2 = mlsysim.chinchilla(1e24)
        growth = {OPTIONS[0]: abs(np.log10(n2 / n1) - 1),
                  OPTIONS[1]: abs(np.log10(n2 / n1) - 0.5) + abs(np.log10(d2 / d1) - 0.5),
                  OPTIONS[2]: abs(np.log10(d2 / d1) - 1)}
        return min(growth, key=growth.get), (
            f"Both grow as the square root of compute: {n2 / n1:.2f}x parameters and "
            f"{d2 / d1:.2f}x tokens, about {d1 / n1:.0f} tokens per parameter.")

    def explore_point(budget: float, size: float) -> dict[str, float]:
        compute, params = 10.0 ** budget, 10.0 ** size
        tokens = compute / (6.0 * params)
        grid = np.logspace(8, 12.5, 181)
        best = float(mlsysim.hoffmann_loss(grid, compute / (6.0 * grid)).min())
        return {"loss": float(mlsysim.hoffmann_loss(params, tokens)), "best": best,
                "tokens": tokens, "ratio": tokens / params}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        gap = 100 * (v["loss"] / v["best"] - 1)
        if gap <= 0.5:
            return True, f"Compute-optimal: within {gap:.2f}% of the best loss this budget buys."
        return False, f"Off the optimum: the loss is {gap:.2f}% above the best for this budget."

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("budget", "Compute budget (log10 FLOPs)",
                           (21.0, 22.0, 23.0, 23.5, 24.0, 25.0), 23.5),
                kit.Choice("size", "Model size (log10 parameters)",
                           tuple(round(8.5 + 0.25 * k, 2) for k in range(15)), 11.25)),
        outputs=(kit.Output("loss", "Predicted loss", ""),
                 kit.Output("best", "Best loss at this budget", ""),
                 kit.Output("tokens", "Training tokens", ""),
                 kit.Output("ratio", "Tokens per parameter", "")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="size", plot_y=("loss",), plot_limit="best", limit_label="best at this budget",
        question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "scaling_laws",
        "You have a fixed compute budget. Spend it on a bigger model trained on fewer "
        "tokens, or a smaller model trained on more? Which split reaches the lowest loss?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Training costs about $C \approx 6ND$ FLOPs for $N$ parameters and $D$ tokens (2 per
    parameter per token forward, 4 backward). Hoffmann et al. (2022) fit the loss as
    $L(N, D) = E + A/N^\alpha + B/D^\beta$: the first term is the data's irreducible
    entropy, the other two shrink with model size and data. With $C$ fixed, making $N$ larger
    forces $D$ smaller: the loss along that **IsoFLOP curve** has a minimum.
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
    gpt3 = mlsysim.training_flops("GPT-3-175B", 300e9)
    budget = mo.ui.slider(steps=[round(float(x), 2) for x in np.arange(20.0, 25.51, 0.25)],
                          value=round(float(np.round(np.log10(gpt3) * 4) / 4), 2),
                          label="Compute budget, log10 FLOPs", show_value=True)
    size = mo.ui.slider(steps=[round(float(x), 2) for x in np.arange(8.0, 12.51, 0.05)],
                        value=round(float(np.round(np.log10(
                            mlsysim.model("GPT-3-175B").params) * 20) / 20), 2),
                        label="Model size, log10 parameters", show_value=True)
    mo.vstack([budget, size])
    return budget, size


@app.cell
def _(budget, size):
    compute = 10.0 ** budget.value
    params = 10.0 ** size.value
    tokens = compute / (6.0 * params)
    loss = mlsysim.hoffmann_loss(params, tokens)
    grid = np.logspace(8, 12.5, 181)
    curve = mlsysim.hoffmann_loss(grid, compute / (6.0 * grid))
    best_n, best_d = mlsysim.chinchilla(compute)
    best_loss = float(curve.min())
    return best_d, best_loss, best_n, compute, curve, grid, loss, params, tokens


@app.cell
def _(best_d, best_loss, best_n, compute, curve, grid, loss, params, tokens):
    _plot = kit.Plot(f"IsoFLOP curve at {compute:.2g} FLOPs", "parameters", "predicted loss",
                     xlog=True)
    _plot.line(grid, curve, label="loss at this budget")
    _plot.points(params, loss, label="your model", colour=kit.PALETTE[3], size=6)
    _plot.vline(best_n, "20 tokens/param", colour=kit.PASS_COLOUR)
    mo.vstack([
        kit.stats({"tokens": f"{tokens:.3g}", "tokens per parameter": f"{tokens / params:.3g}",
                   "your loss": f"{loss:.4f}", "best loss on the curve": f"{best_loss:.4f}",
                   "rule-of-thumb optimum": f"{best_n:.3g} params, {best_d:.3g} tokens"}),
        _plot.show(),
    ])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "The default is GPT-3's choice: 175 B parameters on 300 B tokens. Keep the budget and "
        "choose a model size whose loss is within **0.5%** of the best this budget can buy."
    )
    return


@app.cell
def _(best_loss, loss, params, tokens):
    _gap = loss / best_loss - 1
    kit.verdict(_gap <= 0.005,
                f"Loss {loss:.4f}, {100 * _gap:.2f}% above the best at this budget, with "
                f"{tokens / params:.0f} tokens per parameter.",
                f"Loss {loss:.4f} is {100 * _gap:.1f}% above the best at this budget: at "
                f"{tokens / params:.1f} tokens per parameter this model is "
                f"{'under-trained: make it smaller' if tokens / params < 20 else 'too small'}.")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("scaling_laws", [
        "For a fixed budget the loss has a minimum over model size: too big is under-trained, "
        "too small saturates.",
        "The compute-optimal model and its data both grow as the square root of compute, "
        "about 20 tokens per parameter in Hoffmann et al.'s fit.",
        "Inference cost favours smaller models trained past this optimum: the fit tells you "
        "what that choice costs in loss.",
    ])
    return


if __name__ == "__main__":
    app.run()
