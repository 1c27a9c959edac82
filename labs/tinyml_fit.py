# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Will it fit? TinyML on a microcontroller")

with app.setup:
    import marimo as mo
    import mlsysim

    import labkit as kit

    QUESTION = "MobileNetV2 in int8 on an STM32H747 (the largest MCU here): what stops it?"
    OPTIONS = ("nothing, it fits", "flash only", "SRAM only", "both flash and SRAM")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        r = mlsysim.tinyml_fit("MobileNetV2", "STM32H747", "int8")
        correct = {(True, True): OPTIONS[0], (False, True): OPTIONS[1],
                   (True, False): OPTIONS[2], (False, False): OPTIONS[3]}[
            (r.fits_flash, r.fits_sram)]
        return correct, (
            f"{'; '.join(r.reasons) or 'It fits.'}. A phone-class network is about "
            f"{r.flash_needed_bytes / r.flash_bytes:.1f}x too big for flash and its "
            f"arena {r.sram_needed_bytes / r.sram_bytes:.1f}x too big for SRAM.")

    def explore_point(model: str, device: str, precision: str) -> dict[str, float]:
        r = mlsysim.tinyml_fit(model, device, precision)
        return {"flash": r.flash_needed_bytes, "flash_have": r.flash_bytes,
                "sram": r.sram_needed_bytes, "sram_have": r.sram_bytes,
                "fits": float(r.fits_flash and r.fits_sram)}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        fmt = mlsysim.format_quantity
        issues = []
        if v["flash"] > v["flash_have"]:
            issues.append(f"weights need {fmt(v['flash'], 'B')} of "
                          f"{fmt(v['flash_have'], 'B')} flash")
        if v["sram"] > v["sram_have"]:
            issues.append(f"the arena needs {fmt(v['sram'], 'B')} of "
                          f"{fmt(v['sram_have'], 'B')} SRAM")
        if not issues:
            return True, "Fits: weights in flash and the activation arena in SRAM."
        return False, "Does not fit: " + "; ".join(issues) + "."

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("model", "Model", tuple(kit.models("cnn")), "MobileNetV2"),
                kit.Choice("device", "Microcontroller", tuple(mlsysim.list_hardware("tiny")),
                           "STM32H747"),
                kit.Choice("precision", "Number format", ("int8", "fp32"), "int8")),
        outputs=(kit.Output("flash", "Flash needed", "B"),
                 kit.Output("flash_have", "Flash on chip", "B"),
                 kit.Output("sram", "SRAM needed", "B"),
                 kit.Output("sram_have", "SRAM on chip", "B")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="model", plot_y=("flash", "sram"), plot_limit="sram_have",
        limit_label="SRAM on chip", log_y=True, question=QUESTION, options=OPTIONS,
        answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "tinyml_fit",
        "A microcontroller has megabytes of flash for the model and hundreds of kilobytes of "
        "SRAM for everything it computes. Which of the two decides whether a vision model "
        "can run at all?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    On a microcontroller the model's **weights** sit in flash and are read in place, while
    the **activation arena** — the tensors alive at the same moment, a layer's input and output
    plus any residual held across a block — must fit in SRAM together with the runtime.
    Both limits are hard: one byte over and the firmware does not link or the arena
    allocation fails. Latency is a lower bound: FLOPs divided by the chip's peak rate.
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
    model = mo.ui.dropdown(kit.models("cnn"), value="MobileNetV2", label="Model")
    device = mo.ui.dropdown(mlsysim.list_hardware("tiny"), value="STM32H747",
                            label="Microcontroller")
    precision = mo.ui.dropdown(["int8", "fp32"], value="int8", label="Number format")
    mo.hstack([model, device, precision], justify="start")
    return device, model, precision


@app.cell
def _(device, model, precision):
    try:
        fit = mlsysim.tinyml_fit(model.value, device.value, precision.value)
        problem = ""
    except mlsysim.MlsysimError as exc:
        fit, problem = None, str(exc)
    return fit, problem


@app.cell
def _(fit, problem):
    if fit is None:
        _out = kit.infeasible(problem)
    else:
        _out = mo.vstack([
            kit.stats({
                "flash needed / available": f"{kit.fmt_bytes(fit.flash_needed_bytes)} / "
                                            f"{kit.fmt_bytes(fit.flash_bytes)}",
                "SRAM needed / available": f"{kit.fmt_bytes(fit.sram_needed_bytes)} / "
                                           f"{kit.fmt_bytes(fit.sram_bytes)}",
                "latency (lower bound)": kit.fmt_time(fit.latency_s),
                "energy per inference": f"{fit.energy_j * 1e3:.3g} mJ",
            }),
            *[kit.infeasible(r) for r in fit.reasons],
            kit.bars(["flash", "SRAM"], {
                "model (weights / arena)": [100 * fit.weights_bytes / fit.flash_bytes,
                                            100 * fit.arena_bytes / fit.sram_bytes],
                "runtime": [100 * (fit.flash_needed_bytes - fit.weights_bytes) / fit.flash_bytes,
                            100 * (fit.sram_needed_bytes - fit.arena_bytes) / fit.sram_bytes],
            }, title=f"{fit.model} on {fit.device}", ylabel="% of the chip's capacity",
                limit=100, limit_label="capacity"),
        ])
    _out
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Ship a **camera** product on the microcontroller you choose: pick an image model "
        "(one whose input is a square picture, not a strip of audio features). It must fit in flash and SRAM and classify **at least 10 "
        "frames per second**."
    )
    return


@app.cell
def _(fit, model, problem):
    _h, _w, _ = mlsysim.model(model.value).cnn.layers[0].in_shape
    _vision = _h == _w
    if fit is None:
        _ok, _why = False, problem
    else:
        _issues = list(fit.reasons)
        if not _vision:
            _issues.append(f"{fit.model} listens to audio features, not camera frames")
        if fit.inferences_per_s < 10:
            _issues.append(f"{fit.inferences_per_s:.1f} frames/s is below 10")
        _ok, _why = not _issues, "; ".join(_issues)
    kit.verdict(_ok,
                f"{fit.model if fit else ''} fits on {fit.device if fit else ''} and runs at "
                f"{fit.inferences_per_s if fit else 0:.0f} frames/s.",
                _why + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("tinyml_fit", [
        "On microcontrollers memory decides before speed does: flash bounds the weights and "
        "SRAM bounds the peak activation set, and each is a hard wall.",
        "int8 quarters both footprints against fp32 and is the only format most MCUs "
        "accelerate.",
        "Models for MCUs are designed around the arena (narrow widths, small inputs, early "
        "downsampling), not shrunk from phone models after the fact.",
    ])
    return


if __name__ == "__main__":
    app.run()
