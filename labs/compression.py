# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Compression: quantization and pruning")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = ("Llama-3-8B on a Jetson Orin Nano 8GB: what is the widest weight format that "
                "fits in its memory?")
    OPTIONS = ("16-bit", "8-bit", "4-bit")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        fit = [b for b in (16, 8, 4)
               if mlsysim.compress("Llama-3-8B", "Jetson-Orin-Nano-8GB", b).fits]
        r8 = mlsysim.compress("Llama-3-8B", "Jetson-Orin-Nano-8GB", 8)
        return (f"{fit[0]}-bit" if fit else "none"), (
            f"At 8 bits the weights alone need {kit.fmt_bytes(r8.size_bytes)}: just over "
            "the board's memory, before the KV cache, the runtime or the operating system.")

    def explore_point(device: str, bits: int, sparsity: float) -> dict[str, float]:
        r = mlsysim.compress("Llama-3-8B", device, bits, sparsity)
        return {"size": r.size_bytes, "memory": mlsysim.hardware(device).memory,
                "tokens": 1 / r.decode_step_s, "compression": r.compression,
                "snr": min(r.weight_snr_db, 99.0)}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        fmt = mlsysim.format_quantity
        if v["size"] <= v["memory"]:
            return True, f"Fits: {fmt(v['size'], 'B')} of weights in {fmt(v['memory'], 'B')}."
        return False, (f"Does not fit: {fmt(v['size'], 'B')} of weights, "
                       f"{fmt(v['memory'], 'B')} of memory.")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("device", "Device", ("Jetson-Orin-Nano-8GB", "Jetson-Orin-NX-16GB",
                                                "Raspberry-Pi-5"), "Jetson-Orin-Nano-8GB"),
                kit.Choice("bits", "Bits per weight", (16, 8, 4), 16),
                kit.Choice("sparsity", "Weights pruned", (0.0, 0.25, 0.5, 0.75), 0.0)),
        outputs=(kit.Output("size", "Weights", "B"), kit.Output("memory", "Device memory", "B"),
                 kit.Output("tokens", "Tokens/s at batch 1", "tok/s"),
                 kit.Output("compression", "Compression", "x"),
                 kit.Output("snr", "Weight SNR", "dB")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="bits", plot_y=("size",), plot_limit="memory", limit_label="device memory",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "compression",
        "An 8-billion-parameter model and an 8 GB edge board. How many bits per weight, and "
        "how many weights, can you give up before it fits, runs fast enough — and still "
        "computes something close to the original?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    **Quantization** stores each weight in fewer bits; **pruning** removes the smallest
    weights (unstructured: any of them, stored with a bitmask; **2:4 structured**: two of
    every four, which some GPUs can also skip in the multiply). Generating one token at a
    time streams every stored weight, so fewer bytes means proportionally faster decode.

    Quality needs data to measure. As a proxy mlsysim reports the **weight error**: the
    relative RMS noise compression adds to Gaussian-distributed weights, as a
    signal-to-noise ratio in dB (higher is better; each bit buys about 6 dB).
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
    device = mo.ui.dropdown(mlsysim.list_hardware("edge") + mlsysim.list_hardware("datacenter"),
                            value="Jetson-Orin-Nano-8GB", label="Device")
    bits = mo.ui.radio(["16", "8", "4"], value="16", label="Bits per weight", inline=True)
    sparsity = mo.ui.slider(0.0, 0.9, step=0.05, value=0.0, label="Weights pruned",
                            show_value=True)
    structured = mo.ui.switch(value=False, label="2:4 structured")
    mo.vstack([mo.hstack([model, device], justify="start"),
               mo.hstack([bits, sparsity, structured], justify="start")])
    return bits, device, model, sparsity, structured


@app.cell
def _(bits, device, model, sparsity, structured):
    try:
        result = mlsysim.compress(model.value, device.value, int(bits.value),
                                  round(sparsity.value, 2), structured.value)
        problem = ""
    except mlsysim.MlsysimError as exc:
        result, problem = None, str(exc)
    return problem, result


@app.cell
def _(device, model, problem, result):
    _pts = [(b, s, mlsysim.compress(model.value, device.value, b, s))
            for b in (16, 8, 4) for s in (0.0, 0.25, 0.5, 0.75)]
    _plot = kit.Plot("Every combination: speed vs weight error", "weight SNR (dB, higher is "
                     "closer to the original)", "tokens/s at batch 1")
    for _i, _b in enumerate((16, 8, 4)):
        _sel = [p for p in _pts if p[0] == _b]
        _plot.line([min(p[2].weight_snr_db, 70) for p in _sel],
                   [1 / p[2].decode_step_s for p in _sel], label=f"{_b}-bit, 0-75% pruned",
                   colour=kit.PALETTE[_i])
    if result is not None:
        _plot.points(min(result.weight_snr_db, 70), 1 / result.decode_step_s,
                     colour=kit.PALETTE[3], size=7)
    _items = [kit.infeasible(problem)] if result is None else [
        kit.stats({"weights": kit.fmt_bytes(result.size_bytes),
                   "device memory": kit.fmt_bytes(mlsysim.hardware(device.value).memory),
                   "compression": f"{result.compression:.1f}x",
                   "tokens/s (batch 1)": f"{1 / result.decode_step_s:.1f}",
                   "weight SNR": ("lossless" if np.isinf(result.weight_snr_db)
                                  else f"{result.weight_snr_db:.1f} dB")}),
        *([] if result.fits else [kit.infeasible(result.reason)])]
    mo.vstack(_items + [_plot.show()])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Ship **Llama-3-8B** on the **Jetson Orin Nano 8GB**: the weights must fit in memory, "
        "it must generate at least **15 tokens/s** at batch 1, and the weight SNR must stay "
        "at or above **15 dB**."
    )
    return


@app.cell
def _(device, model, problem, result):
    _issues = []
    if model.value != "Llama-3-8B" or device.value != "Jetson-Orin-Nano-8GB":
        _issues.append("the challenge is Llama-3-8B on the Jetson Orin Nano 8GB")
    if result is None:
        _issues.append(problem)
    else:
        if not result.fits:
            _issues.append(f"does not fit: {result.reason}")
        if 1 / result.decode_step_s < 15:
            _issues.append(f"{1 / result.decode_step_s:.1f} tokens/s is below 15")
        if result.weight_snr_db < 15:
            _issues.append(f"weight SNR {result.weight_snr_db:.1f} dB is below 15 dB: too "
                           "much of the model is lost")
    kit.verdict(not _issues, "Fits, fast enough, and close enough to the original weights.",
                "; ".join(_issues) + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("compression", [
        "Decode speed follows bytes: halving the bits per weight roughly doubles tokens/s "
        "on bandwidth-bound hardware.",
        "Unstructured sparsity shrinks storage only after paying for indices, and dense "
        "hardware still multiplies the zeros; 2:4 structure is what hardware can exploit.",
        "Every saving costs fidelity: the weight-error proxy says how much noise you added, "
        "and only an evaluation on real data says whether the model still works.",
    ])
    return


if __name__ == "__main__":
    app.run()
