# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Disaggregated prefill and decode")

with app.setup:
    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    MODEL, GPU = "Llama-3-70B", "H100-SXM"
    MODES = ("colocated", "chunked", "disaggregated")
    TTFT_SLO, TPOT_SLO, PER_GPU = 0.3, 0.030, 150.0
    QUESTION = ("Llama-3-70B on 4 H100s is decoding 32 requests when a new 2,048-token prompt "
                "arrives and is prefilled on the same GPUs. How long do the 32 requests wait "
                "between two tokens while it runs?")
    OPTIONS = ("under 50 ms", "50 to 100 ms", "100 to 300 ms", "over 300 ms")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        r = mlsysim.serving_mode(MODEL, GPU, "colocated", 32, 2048)
        w = r.tpot_worst_s
        correct = (OPTIONS[0] if w < 0.05 else OPTIONS[1] if w < 0.1
                   else OPTIONS[2] if w <= 0.3 else OPTIONS[3])
        d = mlsysim.serving_mode(MODEL, GPU, "disaggregated", 32, 2048, prefill_gpus=4)
        return correct, (
            f"{kit.fmt_time(w)}: one decode step plus the whole prefill "
            f"({kit.fmt_time(r.ttft_s)}). On a separate prefill pool the gap stays at one "
            f"decode step, {kit.fmt_time(d.tpot_worst_s)}.")

    def run(mode: str, batch: int, prompt: int, prefill: int, chunk: int = 256
            ) -> mlsysim.ServingMode:
        return mlsysim.serving_mode(MODEL, GPU, mode, batch, prompt, 256, 4, prefill, chunk)

    def explore_point(mode: str, prompt: int, batch: int, prefill: int) -> dict[str, float]:
        r = run(mode, batch, prompt, prefill)
        if not r.feasible:
            raise mlsysim.InvalidInputError("configuration", r.reason)
        return {"ttft": r.ttft_s, "worst": r.tpot_worst_s, "slo": TPOT_SLO,
                "per_gpu": r.tokens_per_s_per_gpu, "gpus": r.gpus}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        return check(v["ttft"], v["worst"], v["per_gpu"])

    def check(ttft: float, worst: float, per_gpu: float) -> tuple[bool, str]:
        """The design challenge's rule, shared by the notebook and the site."""
        issues = []
        if ttft > TTFT_SLO:
            issues.append(f"TTFT {kit.fmt_time(ttft)} is over {kit.fmt_time(TTFT_SLO)}")
        if worst > TPOT_SLO:
            issues.append(f"the worst gap between tokens is {kit.fmt_time(worst)}, over "
                          f"{kit.fmt_time(TPOT_SLO)}")
        if per_gpu < PER_GPU:
            issues.append(f"{per_gpu:.0f} tokens/s per GPU, below {PER_GPU:.0f}")
        if not issues:
            return True, (f"TTFT {kit.fmt_time(ttft)}, worst gap {kit.fmt_time(worst)}, "
                          f"{per_gpu:.0f} tokens/s per GPU.")
        text = "; ".join(issues)
        return False, text[:1].upper() + text[1:] + "."

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("mode", "Prefill runs", MODES, "colocated"),
                kit.Choice("prompt", "Prompt length (tokens)", (1024, 2048, 4096), 2048),
                kit.Choice("batch", "Requests decoding", (16, 32, 64), 32),
                kit.Choice("prefill", "Prefill GPUs (disaggregated)", (4, 8), 4)),
        outputs=(kit.Output("ttft", "Time to first token", "s"),
                 kit.Output("worst", "Worst gap between tokens", "s"),
                 kit.Output("per_gpu", "Tokens/s per GPU", ""),
                 kit.Output("gpus", "GPUs per replica", "GPUs")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="prompt", plot_y=("worst",), plot_limit="slo", limit_label="30 ms SLO",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "disaggregated_serving",
        "Prefill is a burst of compute; decode is a steady trickle of memory reads. Run them "
        "on the same GPUs and every new prompt stalls the requests already talking. Move "
        "prefill to its own pool and the stalls go, but the KV cache must travel and the "
        "replica needs more GPUs. When is it worth it?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    A replica of 4 H100s decodes a batch of requests, replacing each as it finishes.
    **Colocated**, a new prompt's prefill runs alone and every decoding request waits for
    it. **Chunked** prefill splits the prompt into chunks that ride along with decode steps:
    smaller stalls, but every step carrying a chunk is slower. **Disaggregated**, a separate
    prefill pool computes the prompt and ships its KV cache over the network to the decode
    pool (DistServe, Zhong et al. 2024): decode is never interrupted, at the price of the
    transfer and the extra GPUs. Throughput is counted per GPU, prefill pool included.
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
    mode = mo.ui.radio(list(MODES), value="colocated", label="Where prefill runs",
                       inline=True)
    prefill = mo.ui.slider(steps=[2, 4, 8], value=4, label="Prefill GPUs (disaggregated)",
                           show_value=True)
    chunk = mo.ui.slider(steps=[128, 256, 512, 1024, 2048], value=256,
                         label="Chunk size (chunked)", show_value=True)
    batch = mo.ui.slider(steps=[8, 16, 32, 48, 64], value=32, label="Requests decoding",
                         show_value=True)
    prompt = mo.ui.slider(steps=[512, 1024, 2048, 4096], value=2048,
                          label="Prompt length (tokens)", show_value=True)
    mo.vstack([mode, mo.hstack([batch, prompt], justify="start"),
               mo.hstack([prefill, chunk], justify="start")])
    return batch, chunk, mode, prefill, prompt


@app.cell
def _(batch, chunk, mode, prefill, prompt):
    result = run(mode.value, batch.value, prompt.value, prefill.value, chunk.value)
    return (result,)


@app.cell
def _(batch, chunk, mode, prefill, prompt, result):
    if not result.feasible:
        _out = kit.infeasible(result.reason)
    else:
        _p = np.array([512, 1024, 2048, 4096])
        _plot = kit.Plot(f"Worst gap between tokens, {batch.value} requests decoding",
                         "prompt length (tokens)", "seconds", xlog=True, ylog=True)
        for _m in MODES:
            _w = [run(_m, batch.value, int(_x), prefill.value, chunk.value).tpot_worst_s
                  for _x in _p]
            _plot.line(_p, _w, label=_m, width=3.0 if _m == mode.value else 1.5)
        _plot.hline(TPOT_SLO, "30 ms SLO")
        _plot.points(prompt.value, result.tpot_worst_s, colour=kit.FAIL_COLOUR, size=6)
        _out = mo.vstack([
            kit.stats({"time to first token": kit.fmt_time(result.ttft_s),
                       "mean gap between tokens": kit.fmt_time(result.tpot_s),
                       "worst gap": kit.fmt_time(result.tpot_worst_s),
                       "KV transfer": (kit.fmt_time(result.kv_transfer_s)
                                       if result.kv_transfer_s else "none"),
                       "tokens/s per GPU": f"{result.tokens_per_s_per_gpu:,.0f}",
                       "GPUs per replica": str(result.gpus)}),
            _plot.show()])
    _out
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "An interactive product wants **TTFT ≤ 300 ms** and **no gap between tokens over "
        "30 ms**, and finance wants **at least 150 tokens/s per GPU** (prefill GPUs count). "
        "Prompts are 2,048 tokens. Choose where prefill runs, the pool sizes and the batch."
    )
    return


@app.cell
def _(prompt, result):
    if not result.feasible:
        _ok, _why = False, result.reason.rstrip(".") + "."
    elif prompt.value != 2048:
        _ok, _why = False, "the challenge's prompts are 2,048 tokens"
    else:
        _ok, _why = check(result.ttft_s, result.tpot_worst_s, result.tokens_per_s_per_gpu)
    kit.verdict(_ok, _why, _why)
    return


@app.cell(hide_code=True)
def _():
    kit.summary("disaggregated_serving", [
        "Colocated prefill stalls every decoding request for a whole prompt: the tail of "
        "the gap between tokens grows with prompt length.",
        "Chunking bounds the stall by the chunk, at the cost of slower steps and a longer "
        "TTFT; disaggregation removes it, at the cost of a KV transfer and more GPUs.",
        "The prefill pool must be sized to the load: too small and it cannot hold the "
        "model or keep up, too large and its GPUs sit idle and throughput per GPU falls.",
    ])
    return


if __name__ == "__main__":
    app.run()
