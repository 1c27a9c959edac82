# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Serving: batching and the KV cache")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = ("Llama-3-8B on one H100: going from batch 1 to batch 32, generated tokens per "
                "second across all users grow by about...")
    OPTIONS = ("1.5x", "5x", "25x or more")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        r = mlsysim.serve("Llama-3-8B", "H100-SXM", np.array([1, 32]), 1024, 256)
        x = r.tokens_per_s[1] / r.tokens_per_s[0]
        correct = OPTIONS[0] if x < 3 else OPTIONS[1] if x < 15 else OPTIONS[2]
        return correct, (
            f"Throughput grows {x:.1f}x while each user's TPOT only goes from "
            f"{kit.fmt_time(r.tpot_s[0])} to {kit.fmt_time(r.tpot_s[1])}: decode is "
            "bandwidth-bound, so extra sequences ride along on the same weight reads.")

    def explore_point(batch: int, prompt: int, precision: str) -> dict[str, float]:
        r = mlsysim.serve("Llama-3-8B", "H100-SXM", batch, prompt, 256, precision)
        if not bool(r.feasible):
            raise mlsysim.MlsysimError(f"OOM: {r.reason}")
        return {"tokens": float(r.tokens_per_s), "ttft": float(r.ttft_s),
                "tpot": float(r.tpot_s), "memory": r.weights_bytes + float(r.kv_cache_bytes)}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["tpot"] <= 0.05:
            return True, "Fits, and every user gets a token at least every 50 ms."
        return False, (f"SLO missed: {mlsysim.format_quantity(v['tpot'], 's')} per token is "
                       "slower than 50 ms.")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("batch", "Concurrent requests", (1, 2, 4, 8, 16, 32, 64, 128, 256),
                           1),
                kit.Choice("prompt", "Prompt length", (256, 1024, 2048, 4096), 1024, "tok"),
                kit.Choice("precision", "Number format", ("fp16", "fp8"), "fp16")),
        outputs=(kit.Output("tokens", "Throughput", "tok/s"), kit.Output("ttft", "TTFT", "s"),
                 kit.Output("tpot", "TPOT", "s"),
                 kit.Output("memory", "Weights + KV cache", "B")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="batch", plot_y=("tokens",), log_y=True,
        question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "serving_batching",
        "Batching requests makes a language-model server far more efficient. What does it "
        "buy, what does it cost each user, and where does the KV cache stop it?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    Each request first runs a **prefill** over its prompt (time to first token, TTFT), then
    one **decode** step per generated token (time per output token, TPOT). A decode step
    reads every weight once whatever the batch, so batching shares that read among many
    users. But every sequence keeps its own **KV cache** in GPU memory, growing with context
    length: memory, not arithmetic, sets the largest batch.
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
    gpu = mo.ui.dropdown(mlsysim.list_hardware("datacenter"), value="H100-SXM", label="GPU")
    gpus = mo.ui.radio(["1", "2", "4", "8"], value="1", label="GPUs (tensor parallel)",
                       inline=True)
    precision = mo.ui.radio(["fp16", "fp8"], value="fp16", label="Weights", inline=True)
    batch = mo.ui.slider(steps=[1, 2, 4, 8, 16, 32, 64, 128, 256, 512], value=32,
                         label="Batch", show_value=True)
    prompt = mo.ui.slider(steps=[128, 256, 512, 1024, 2048, 4096, 8192], value=1024,
                          label="Prompt tokens", show_value=True)
    mo.vstack([mo.hstack([model, gpu], justify="start"),
               mo.hstack([gpus, precision], justify="start"),
               mo.hstack([batch, prompt], justify="start")])
    return batch, gpu, gpus, model, precision, prompt


@app.cell
def _(batch, gpu, gpus, model, precision, prompt):
    sweep = np.array([1, 2, 4, 8, 16, 32, 64, 128, 256, 512])
    try:
        point = mlsysim.serve(model.value, gpu.value, batch.value, prompt.value, 256,
                              precision.value, int(gpus.value))
        curve = mlsysim.serve(model.value, gpu.value, sweep, prompt.value, 256,
                              precision.value, int(gpus.value))
        problem = ""
    except mlsysim.MlsysimError as exc:
        point, curve, problem = None, None, str(exc)
    return curve, point, problem, sweep


@app.cell
def _(curve, point, problem, sweep):
    if point is None:
        _out = kit.infeasible(problem)
    else:
        _ok = np.asarray(curve.feasible)
        _tp = kit.Plot("Throughput vs batch", "batch", "tokens/s (all users)", xlog=True,
                       width=420, height=300)
        _tp.line(sweep[_ok], curve.tokens_per_s[_ok], label="fits in memory")
        _tp.line(sweep[~_ok], curve.tokens_per_s[~_ok], label="out of memory",
                 colour=kit.FAIL_COLOUR, dashed=True)
        _tp.points(point.batch, point.tokens_per_s, colour=kit.PALETTE[1], size=6)
        _lat = kit.Plot("Each user's wait", "batch", "TPOT (ms)", xlog=True,
                        width=420, height=300)
        _lat.line(sweep, 1e3 * np.asarray(curve.tpot_s), label="TPOT")
        _lat.points(point.batch, 1e3 * point.tpot_s, colour=kit.PALETTE[1], size=6)
        _lat.hline(50, "50 ms target")
        _out = mo.vstack([
            kit.stats({"TTFT": kit.fmt_time(point.ttft_s), "TPOT": kit.fmt_time(point.tpot_s),
                       "tokens/s": f"{point.tokens_per_s:,.0f}",
                       "weights + KV cache": f"{kit.fmt_bytes(point.weights_bytes)} + "
                                            f"{kit.fmt_bytes(point.kv_cache_bytes)}",
                       "largest batch that fits": str(point.max_batch)}),
            *([] if point.feasible else [kit.infeasible(point.reason)]),
            mo.hstack([_tp.show(), _lat.show()], widths="equal"),
        ])
    _out
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Your product serves the chosen model to chat users: at least **2,000 generated "
        "tokens/s** in total, **TPOT ≤ 50 ms** for every user, with 1,024-token prompts. "
        "Find a configuration that is not out of memory and meets both targets with the "
        "**fewest GPUs**."
    )
    return


@app.cell
def _(gpus, point, problem, prompt):
    if point is None:
        _ok, _why = False, problem
    else:
        _issues = []
        if not point.feasible:
            _issues.append(f"out of memory: {point.reason}")
        if point.tokens_per_s < 2000:
            _issues.append(f"{point.tokens_per_s:,.0f} tokens/s is below 2,000")
        if point.tpot_s > 0.05:
            _issues.append(f"TPOT {kit.fmt_time(point.tpot_s)} is over 50 ms")
        if prompt.value != 1024:
            _issues.append("the challenge uses 1,024-token prompts")
        _ok, _why = not _issues, "; ".join(_issues)
    kit.verdict(_ok, f"Meets both targets on {gpus.value} GPU(s). Could fewer GPUs do it "
                     "with a lower-precision format?", _why + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("serving_batching", [
        "Decode is bound by reading weights, so batching multiplies throughput at a small "
        "cost in per-token latency — until the batch turns compute-bound.",
        "The KV cache grows with batch × context and caps the batch long before compute "
        "does; lower-precision weights free memory for it.",
        "Tensor parallelism adds memory and bandwidth, at the price of all-reduces on every "
        "layer.",
    ])
    return


if __name__ == "__main__":
    app.run()
