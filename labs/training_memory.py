# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Training memory")

with app.setup:
    import marimo as mo
    import mlsysim

    import labkit as kit

    QUESTION = ("Llama-3-8B, Adam, bf16 mixed precision, 4,096-token sequences, micro-batch 1, "
                "on a single 80 GB H100. How does the memory needed compare with the memory "
                "there is?")
    OPTIONS = ("it fits", "up to 2x too big", "2-4x too big", "more than 4x too big")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        gpu = mlsysim.hardware("H100-SXM")
        r = mlsysim.training_memory("Llama-3-8B", "bf16", "adam", seq_len=4096, micro_batch=1,
                                    capacity_bytes=gpu.memory)
        x = r.total_bytes / gpu.memory
        correct = (OPTIONS[0] if x <= 1 else OPTIONS[1] if x <= 2
                   else OPTIONS[2] if x <= 4 else OPTIONS[3])
        return correct, (
            f"It needs {kit.fmt_bytes(r.total_bytes)} ({x:.1f}x): the model states alone "
            f"cost {r.bytes_per_param:.0f} bytes per parameter (bf16 weights and "
            f"gradients, fp32 master copy and two Adam moments), before any activation.")

    def explore_point(zero: int, recompute: str, micro_batch: int) -> dict[str, float]:
        cap = mlsysim.hardware("H100-SXM").memory
        r = mlsysim.training_memory("Llama-3-8B", "bf16", "adam", zero_stage=zero, dp=8,
                                    seq_len=4096, micro_batch=micro_batch,
                                    recompute=recompute, capacity_bytes=cap)
        return {"total": r.total_bytes, "states": r.weights_bytes + r.grads_bytes
                + r.optimizer_bytes, "activations": r.activations_bytes, "capacity": cap}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        fmt = mlsysim.format_quantity
        if v["total"] <= v["capacity"]:
            return True, f"Fits: {fmt(v['total'], 'B')} of {fmt(v['capacity'], 'B')} per GPU."
        return False, f"OOM: needs {fmt(v['total'], 'B')} of {fmt(v['capacity'], 'B')} per GPU."

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("zero", "ZeRO stage (8 data-parallel GPUs)", (0, 1, 2, 3), 0),
                kit.Choice("recompute", "Activation recomputation",
                           ("none", "selective", "full"), "none"),
                kit.Choice("micro_batch", "Micro-batch", (1, 2, 4, 8, 16), 1)),
        outputs=(kit.Output("total", "Memory per GPU", "B"),
                 kit.Output("states", "Weights, gradients, optimizer", "B"),
                 kit.Output("activations", "Activations", "B"),
                 kit.Output("capacity", "H100 memory", "B")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="micro_batch", plot_y=("total", "activations"), plot_limit="capacity",
        limit_label="80 GB H100", log_y=True, question=QUESTION, options=OPTIONS,
        answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "training_memory",
        "Inference needs the weights. Training needs the weights, their gradients, the "
        "optimizer's state and every activation kept for the backward pass. How big is that "
        "bill, and which trick pays which part of it?",
    )
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
    precision = mo.ui.dropdown(["fp32", "bf16"], value="bf16", label="Precision")
    optimizer = mo.ui.dropdown(["adam", "sgd+momentum", "sgd"], value="adam", label="Optimizer")
    zero = mo.ui.radio(["0", "1", "2", "3"], value="0", label="ZeRO stage", inline=True)
    dp = mo.ui.slider(steps=[1, 2, 4, 8, 16, 32, 64, 128], value=8,
                      label="Data-parallel GPUs", show_value=True)
    recompute = mo.ui.radio(["none", "selective", "full"], value="none",
                            label="Activation recomputation", inline=True)
    micro_batch = mo.ui.slider(1, 16, value=1, label="Micro-batch", show_value=True)
    seq_len = mo.ui.dropdown(["1024", "2048", "4096", "8192"], value="4096",
                             label="Sequence length")
    mo.vstack([mo.hstack([model, gpu, precision, optimizer], justify="start"),
               mo.hstack([zero, recompute], justify="start"),
               mo.hstack([dp, micro_batch, seq_len], justify="start")])
    return dp, gpu, micro_batch, model, optimizer, precision, recompute, seq_len, zero


@app.cell
def _(dp, gpu, micro_batch, model, optimizer, precision, recompute, seq_len, zero):
    capacity = mlsysim.hardware(gpu.value).memory

    def bill(stage: int) -> mlsysim.TrainingMemory:
        """Per-GPU memory with the chosen settings at one ZeRO stage."""
        return mlsysim.training_memory(
            model.value, precision.value, optimizer.value, zero_stage=stage, dp=dp.value,
            seq_len=int(seq_len.value), micro_batch=micro_batch.value,
            recompute=recompute.value, capacity_bytes=capacity)

    mem = bill(int(zero.value))
    stages = [bill(s) for s in range(4)]
    return capacity, mem, stages


@app.cell
def _(capacity, mem, stages):
    _gb = 1e9
    _chart = kit.bars(
        ["ZeRO-0", "ZeRO-1", "ZeRO-2", "ZeRO-3"],
        {"weights": [s.weights_bytes / _gb for s in stages],
         "gradients": [s.grads_bytes / _gb for s in stages],
         "optimizer": [s.optimizer_bytes / _gb for s in stages],
         "activations": [s.activations_bytes / _gb for s in stages]},
        title="Memory per GPU by ZeRO stage (your other settings)", ylabel="GB per GPU",
        limit=capacity / _gb, limit_label=f"GPU memory {kit.fmt_bytes(capacity)}")
    mo.vstack([
        kit.stats({"weights": kit.fmt_bytes(mem.weights_bytes),
                   "gradients": kit.fmt_bytes(mem.grads_bytes),
                   "optimizer state": kit.fmt_bytes(mem.optimizer_bytes),
                   "activations": kit.fmt_bytes(mem.activations_bytes),
                   "total per GPU": kit.fmt_bytes(mem.total_bytes)}),
        _chart,
    ])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Fine-tune the chosen model on the chosen GPUs **without running out of memory**, "
        "keeping Adam and 4,096-token sequences. Which levers — ZeRO stage, more data-parallel "
        "GPUs, recomputation, micro-batch — get you under the line, and what does each cost?"
    )
    return


@app.cell
def _(mem, optimizer, seq_len):
    _kept = optimizer.value == "adam" and seq_len.value == "4096"
    _reason = mem.reason or ""
    if not _kept:
        _reason = "the challenge keeps Adam and 4,096-token sequences"
    kit.verdict(bool(mem.feasible) and _kept,
                f"Fits: {kit.fmt_bytes(mem.total_bytes)} per GPU of "
                f"{kit.fmt_bytes(mem.capacity_bytes)}.",
                f"Out of memory: {_reason}.")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("training_memory", [
        "Mixed-precision Adam costs about 16 bytes per parameter before activations: model "
        "states, not the weights, dominate.",
        "ZeRO shards optimizer state, then gradients, then weights across data-parallel "
        "ranks; it trades memory for extra communication.",
        "Recomputation trades memory for FLOPs: full recomputation keeps only each layer's "
        "input and re-runs the forward pass during backward.",
    ])
    return


if __name__ == "__main__":
    app.run()
