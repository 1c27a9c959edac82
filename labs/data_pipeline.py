# /// script
# [tool.marimo.display]
# theme = "system"
# ///
import marimo

__generated_with = "0.25.2"
app = marimo.App(width="medium", app_title="The data pipeline")

with app.setup:
    import inspect

    import marimo as mo
    import mlsysim
    import numpy as np

    import labkit as kit

    QUESTION = ("ResNet-50 training on one H100 at 30% of peak, JPEGs decoded in 4 ms each by 4 "
                "loader workers. What share of the time is the GPU busy?")
    OPTIONS = ("over 90%", "about half", "under 15%")

    def demand(gpu: str, gpus: int, mfu: float) -> float:
        """Images per second ResNet-50 training consumes on `gpus` GPUs when never starved."""
        hw = mlsysim.hardware(gpu)
        return gpus * hw.peak(kit.precision_for(gpu)) * mfu / mlsysim.training_flops(
            "ResNet-50", 1)

    def answer() -> tuple[str, str]:
        """The prediction's answer and why, computed with mlsysim (notebook and site share it)."""
        need = demand("H100-SXM", 1, 0.3)
        r = mlsysim.data_pipeline(110e3, 4e-3, 4, demand_samples_per_s=need)
        busy = min(1.0, r.samples_per_s / need)
        correct = OPTIONS[0] if busy > 0.9 else OPTIONS[1] if busy > 0.3 else OPTIONS[2]
        return correct, (
            f"The GPU could train on {need:,.0f} images/s; four workers decode "
            f"{r.samples_per_s:,.0f}/s, so it is busy {100 * busy:.0f}% of the time. The "
            f"bottleneck is {r.bottleneck}.")

    def explore_point(workers: int, decode_ms: float, gpus: int) -> dict[str, float]:
        need = demand("H100-SXM", gpus, 0.3)
        r = mlsysim.data_pipeline(110e3, decode_ms / 1e3, workers, demand_samples_per_s=need)
        return {"delivered": r.samples_per_s, "need": need,
                "busy": 100 * min(1.0, r.samples_per_s / need)}

    def explore_verdict(v: dict[str, float]) -> tuple[bool, str]:
        if v["busy"] >= 90:
            return True, f"The GPUs are fed: busy {v['busy']:.0f}% of the time."
        return False, (f"Input-bound: the GPUs wait for data and are busy only "
                       f"{v['busy']:.0f}% of the time.")

    EXPLORE = kit.Explore(
        inputs=(kit.Choice("workers", "Loader workers", (1, 2, 4, 8, 16, 32, 64, 128), 4),
                kit.Choice("decode_ms", "Decode per image", (1.0, 2.0, 4.0, 8.0), 4.0, "ms"),
                kit.Choice("gpus", "H100 GPUs at 30% of peak", (1, 2, 4, 8), 1)),
        outputs=(kit.Output("delivered", "Pipeline delivers", "img/s"),
                 kit.Output("need", "GPUs consume", "img/s"),
                 kit.Output("busy", "GPU busy", "%")),
        evaluate=explore_point, verdict=explore_verdict,
        plot_x="workers", plot_y=("delivered",), plot_limit="need",
        limit_label="accelerator appetite", log_y=True, question=QUESTION, options=OPTIONS,
        answer=answer,
    )


@app.cell(hide_code=True)
def _():
    kit.header(
        "data_pipeline",
        "A fast accelerator eats training images faster than a handful of CPU cores can "
        "read, decode and augment them. How many loader workers does it take to keep one "
        "GPU busy, and which stage gives out first?",
    )
    return


@app.cell(hide_code=True)
def _():
    mo.md(r"""
    The input pipeline is a chain of stages — **read** from storage (or over the network),
    **decode and augment** on CPU workers — and it runs at the rate of its slowest stage.
    The accelerator's **appetite** is its achieved FLOP/s divided by the training FLOPs of
    one image (forward and backward), both from mlsysim. If the pipeline is slower, the GPU
    idles: you pay for it and it waits.

    Two inputs describe *your* data and CPUs; measure them on your system (the defaults are
    typical of ImageNet JPEGs on a server core).
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
    _default_bw = inspect.signature(mlsysim.data_pipeline).parameters["storage_bw"].default
    gpu = mo.ui.dropdown(mlsysim.list_hardware("datacenter"), value="H100-SXM", label="GPU")
    gpus = mo.ui.slider(1, 8, value=1, label="GPUs in the server", show_value=True)
    mfu = mo.ui.slider(0.1, 0.8, step=0.05, value=0.3, label="Fraction of peak reached",
                       show_value=True)
    workers = mo.ui.slider(1, 128, value=4, label="Loader workers (CPU cores)",
                           show_value=True)
    decode_ms = mo.ui.slider(0.5, 20.0, step=0.5, value=4.0,
                             label="Decode + augment per image per core (ms)",
                             show_value=True)
    image_kb = mo.ui.slider(10, 500, step=10, value=110, label="Stored image size (KB)",
                            show_value=True)
    storage = mo.ui.slider(steps=[0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0],
                           value=_default_bw / 1e9, label="Local storage (GB/s)",
                           show_value=True)
    remote = mo.ui.dropdown(["local disk"] + mlsysim.list_fabrics(), value="local disk",
                            label="Data arrives over")
    mo.vstack([mo.hstack([gpu, gpus, mfu], justify="start"),
               mo.hstack([workers, decode_ms, image_kb], justify="start"),
               mo.hstack([storage, remote], justify="start")])
    return decode_ms, gpu, gpus, image_kb, mfu, remote, storage, workers


@app.cell
def _(decode_ms, gpu, gpus, image_kb, mfu, remote, storage, workers):
    need = demand(gpu.value, gpus.value, mfu.value)
    net = None if remote.value == "local disk" else mlsysim.fabric(remote.value).bw_per_direction
    pipe = mlsysim.data_pipeline(image_kb.value * 1e3, decode_ms.value / 1e3, workers.value,
                                 storage.value * 1e9, net, need)
    busy = min(1.0, pipe.samples_per_s / need)
    _w = np.arange(1, 129)
    sweep = mlsysim.data_pipeline(image_kb.value * 1e3, decode_ms.value / 1e3, _w,
                                  storage.value * 1e9, net, need)
    return busy, need, pipe, sweep


@app.cell
def _(busy, need, pipe, sweep, workers):
    _plot = kit.Plot("Pipeline throughput vs loader workers", "workers",
                     "images / s")
    _plot.line(np.arange(1, 129), sweep.samples_per_s, label="pipeline delivers")
    _plot.hline(need, "accelerator appetite", colour=kit.PALETTE[3])
    _plot.points(workers.value, pipe.samples_per_s, colour=kit.PALETTE[1], size=6)
    mo.vstack([
        kit.stats({"appetite": f"{need:,.0f} img/s",
                   "storage stage": f"{pipe.storage_samples_per_s:,.0f} img/s",
                   "decode stage": f"{pipe.decode_samples_per_s:,.0f} img/s",
                   "network stage": ("-" if not np.isfinite(pipe.network_samples_per_s)
                                     else f"{pipe.network_samples_per_s:,.0f} img/s"),
                   "bottleneck": pipe.bottleneck,
                   "GPU busy": f"{100 * busy:.0f}%"}),
        _plot.show()])
    return


@app.cell(hide_code=True)
def _():
    kit.challenge(
        "Keep the accelerators **at least 95% busy** without changing how fast they train "
        "(keep the GPU model, count and fraction of peak). Where you can, prefer the fix that "
        "costs fewer CPU cores."
    )
    return


@app.cell
def _(busy, gpu, mfu, pipe):
    _kept = gpu.value == "H100-SXM" and mfu.value >= 0.3
    kit.verdict(busy >= 0.95 and _kept,
                f"The pipeline delivers {pipe.samples_per_s:,.0f} images/s: the GPUs are fed.",
                "Slowing the accelerators down is not a fix: keep the H100 at 30% of peak or "
                "more." if not _kept else
                f"The GPUs starve: busy {100 * busy:.0f}% of the time, limited by the "
                f"{pipe.bottleneck} stage ({pipe.samples_per_s:,.0f} images/s).")
    return


@app.cell(hide_code=True)
def _():
    kit.summary("data_pipeline", [
        "An input pipeline runs at its slowest stage; more workers help only while decoding "
        "is that stage.",
        "Modern accelerators need thousands of images per second each: CPU decode budgets, "
        "storage bandwidth and file formats are part of the training system.",
        "Cheaper decoding (smaller stored images, preprocessed records, GPU decode) often "
        "beats buying more cores.",
    ])
    return


if __name__ == "__main__":
    app.run()
