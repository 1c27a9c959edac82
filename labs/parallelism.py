# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="Data, tensor and pipeline parallelism")

with app.setup:
    import marimo as mo
    import mlsysim

    import labkit as kit

    QUESTION = ("Train Llama-3-70B on 64 H100s with pure data parallelism (tp = 1, pp = 1). "
                "What happens?")
    OPTIONS = ("it trains at high utilization", "it trains, but communication dominates",
               "it does not fit in memory")

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        r = mlsysim.train("Llama-3-70B", mlsysim.cluster("H100-SXM", 64), 1e12, 512, 4096,
                          tp=1, pp=1, dp=64)
        correct = (OPTIONS[2] if not r.feasible else OPTIONS[0] if r.mfu > 0.35
                   else OPTIONS[1])
        return correct, (
            f"mlsysim: {r.reason or f'MFU {r.mfu:.0%}'}. Every data-parallel rank "
            "keeps weights, gradients and optimizer state of the whole model.")

    def explore_point(gpus: int, tp: int, pp: int) -> dict[str, float]:
        if gpus % (tp * pp):
            raise mlsysim.InvalidInputError("plan", f"tp x pp = {tp * pp} does not divide "
                                                    f"{gpus} GPUs")
        r = mlsysim.train("Llama-3-70B", mlsysim.cluster("H100-SXM", gpus), 1e12, 512, 4096,
                          tp=tp, pp=pp, dp=gpus // (tp * pp))
        if not r.feasible and r.memory_per_gpu_bytes <= r.memory_capacity_bytes:
            raise mlsysim.MlsysimError(r.reason)  # infeasible for a reason other than memory
        return {"mfu": 100 * r.mfu if r.feasible else float("nan"), "step": r.step_time_s,
                "memory": r.memory_per_gpu_bytes, "capacity": r.memory_capacity_bytes,
                "days": r.total_time_s}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        fmt = mlsysim.format_quantity
        if v["memory"] > v["capacity"]:
            return False, (f"OOM: {fmt(v['memory'], 'B')} per GPU, "
                           f"{fmt(v['capacity'], 'B')} available.")
        return True, f"Fits and trains at {v['mfu']:.0f}% MFU."

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("gpus", "H100 GPUs", (32, 64, 128, 256, 512), 64),
                kit.Choice("tp", "Tensor parallel (tp)", (1, 2, 4, 8), 1),
                kit.Choice("pp", "Pipeline stages (pp)", (1, 2, 4, 8, 16), 1)),
        outputs=(kit.Output("mfu", "MFU", "%"), kit.Output("step", "Step time", "s"),
                 kit.Output("memory", "Memory per GPU", "B"),
                 kit.Output("days", "Time for 1T tokens", "s")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="pp", plot_y=("memory",), plot_limit="capacity", limit_label="GPU memory",
        log_y=True, question=QUESTION, options=OPTIONS, answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "parallelism",
        "A 70-billion-parameter model does not fit on one GPU, and one GPU would take "
        "centuries anyway. How should 64 GPUs split the work: copies of the model (data), "
        "slices of every layer (tensor) or groups of layers (pipeline)?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    - **Data parallelism (dp)** gives each GPU a full copy and a share of the batch, then
      all-reduces the gradients: cheap in communication per FLOP, but every GPU holds the
      whole model state.
    - **Tensor parallelism (tp)** splits every matrix across GPUs: memory per GPU falls, but
      each layer ends with an all-reduce, so it stays inside a node's fast links.
    - **Pipeline parallelism (pp)** gives each GPU a stage of layers: little communication,
      but the pipeline must fill and drain (the *bubble*).

    The plan must satisfy tp × pp × dp = GPUs.
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
    gpus = mo.ui.slider(steps=[8, 16, 32, 64, 128, 256, 512], value=64, label="GPUs",
                        show_value=True)
    tp = mo.ui.radio(["1", "2", "4", "8"], value="1", label="Tensor parallel (tp)",
                     inline=True)
    pp = mo.ui.radio(["1", "2", "4", "8", "16"], value="1", label="Pipeline stages (pp)",
                     inline=True)
    mo.vstack([mo.hstack([model, gpu, gpus], justify="start"), tp, pp])
    return gpu, gpus, model, pp, tp


@app.cell
def _(gpu, gpus, model, pp, tp):
    cl = mlsysim.cluster(gpu.value, gpus.value)
    t, p = int(tp.value), int(pp.value)
    tokens, batch, seq = 1e12, 512, 4096
    prec = kit.precision_for(gpu.value)
    best = mlsysim.train(model.value, cl, tokens, batch, seq, precision=prec)
    try:
        if gpus.value % (t * p):
            raise mlsysim.InvalidInputError(
                "plan", f"tp x pp = {t * p} does not divide {gpus.value} GPUs")
        run = mlsysim.train(model.value, cl, tokens, batch, seq, tp=t, pp=p,
                            dp=gpus.value // (t * p), precision=prec)
        problem = "" if run.feasible else run.reason
    except mlsysim.MlsysimError as exc:
        run, problem = None, str(exc)
    return best, problem, run


@app.cell
def _(best, problem, run):
    def parts(r):
        return [r.compute_s, r.bubble_s, r.tp_comm_s, r.pp_comm_s, r.dp_comm_exposed_s]

    _cats, _vals = [], []
    if run is not None and run.feasible:
        _cats.append(f"yours tp{run.tp} pp{run.pp} dp{run.dp}")
        _vals.append(parts(run))
    if best.feasible:
        _cats.append(f"best tp{best.tp} pp{best.pp} dp{best.dp}")
        _vals.append(parts(best))
    _names = ["compute", "pipeline bubble", "tensor-parallel comm", "pipeline comm",
              "exposed gradient sync"]
    _chart = kit.bars(_cats, {n: [v[i] for v in _vals] for i, n in enumerate(_names)},
                      title="Step time by part", ylabel="seconds per step") if _cats else None
    _items = []
    if problem:
        _items.append(kit.infeasible(problem))
    if run is not None and run.feasible:
        _items.append(kit.stats({
            "step time": kit.fmt_time(run.step_time_s), "MFU": f"{run.mfu:.0%}",
            "memory per GPU": f"{kit.fmt_bytes(run.memory_per_gpu_bytes)} of "
                              f"{kit.fmt_bytes(run.memory_capacity_bytes)}",
            "micro-batch / recompute": f"{run.micro_batch} / {run.recompute}",
            "time for 1 T tokens": kit.fmt_time(run.total_time_s)}))
    if best.feasible:
        _items.append(kit.note(f"mlsysim's plan search finds tp={best.tp}, pp={best.pp}, "
                               f"dp={best.dp} at MFU {best.mfu:.0%}."))
    mo.vstack(_items + ([_chart] if _chart else []))
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Choose tp and pp so the run **fits in memory** and its step time is within **15%** "
        "of the best plan mlsysim can find for this cluster."
    )
    return


@app.cell
def _(best, problem, run):
    if run is None or not run.feasible:
        _ok, _why = False, f"out of memory or invalid plan: {problem}"
    elif not best.feasible:
        _ok, _why = False, f"no plan fits this cluster: {best.reason}"
    else:
        _slow = run.step_time_s / best.step_time_s - 1
        _ok = _slow <= 0.15
        _why = f"step time is {100 * _slow:.0f}% slower than the best plan"
    kit.verdict(_ok, f"Fits and runs within 15% of the best plan (MFU "
                     f"{run.mfu if run and run.feasible else 0:.0%}).", _why + ".")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("parallelism", [
        "Data parallelism alone fails for large models: every rank holds the full model "
        "state.",
        "Tensor parallelism belongs inside a node, where NVLink makes its per-layer "
        "all-reduces cheap; across nodes it stalls.",
        "Pipeline stages cut memory with little traffic but pay a bubble that shrinks only "
        "with more micro-batches.",
    ])
    return


if __name__ == "__main__":
    app.run()
