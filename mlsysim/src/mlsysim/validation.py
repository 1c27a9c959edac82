"""Predictions against published measurements, with the fitted and the held-out kept apart.

Four sets, never mixed:
- `calibration`: system-level measurements in `data/measurements.yaml` that `calibrate()` fits
  the efficiency model to (the only rows it may read);
- `heldout`: system-level measurements predicted with the fitted values; they gate the tests
  (median |error| <= 10%, max <= 35%, training and inference each) and are never fitted to;
- `formula`: exact arithmetic checks (parameter counts, FLOP totals, ZeRO's memory);
- `reference`: shown for context, not gated, each with the reason."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import yaml

from ._units import ResultMixin
from .compute import flops_per_inference, training_flops
from .errors import InvalidInputError, MlsysimError
from .memory import kv_cache_bytes, training_memory
from .network import cluster
from .registry import _build_model, hardware, model
from .scaling import chinchilla
from .serve import serve
from .train import train

#: the gate on held-out system cases (each of training and inference)
GATE_MEDIAN, GATE_MAX = 0.10, 0.35


@dataclass(frozen=True)
class ValidationRow(ResultMixin):
    """One published measurement next to mlsysim's prediction."""

    set: str  # "calibration" | "heldout" | "formula" | "reference"
    source: str
    configuration: str
    metric: str
    measured: float
    predicted: float
    error: float  # (predicted - measured) / measured
    note: str = ""
    domain: str = ""  # "training" | "inference" for system cases, "" for formulas
    hardware: str = ""
    id: str = ""


@dataclass(frozen=True)
class Measurement:
    """One published system-level measurement (a row of `data/measurements.yaml`)."""

    id: str
    set: str
    kind: str      # "train" | "serve"
    metric: str
    measured: float
    source: str
    args: tuple[tuple[str, Any], ...]
    note: str = ""

    @property
    def domain(self) -> str:
        return "training" if self.kind == "train" else "inference"

    @property
    def hardware(self) -> str:
        return hardware(dict(self.args)["hardware"]).name

    def describe(self) -> str:
        a = dict(self.args)
        name = a.get("model") or f"GPT {a['gpt']['layers']}L x {a['gpt']['d_model']}"
        if self.kind == "train":
            return f"{name}, {a['gpus']} x {a['hardware']}, {a.get('precision', 'bf16')}"
        return (f"{name}, {a['gpus']} x {a['hardware']}, {a['precision']}, batch {a['batch']}, "
                f"{a['prompt_len']} in / {a['output_len']} out")


_KEYS = {"id", "set", "kind", "metric", "measured", "source", "note"}


@cache
def measurements() -> tuple[Measurement, ...]:
    """Every system-level measurement in the package's `data/measurements.yaml`."""
    return parse_measurements(
        resources.files("mlsysim").joinpath("data", "measurements.yaml").read_text())


def parse_measurements(text: str) -> tuple[Measurement, ...]:
    """Parse and check a measurements file; a bad row raises an error naming its id."""
    data = yaml.safe_load(text)
    out, seen = [], set()
    short = data.get("sources", {})
    for i, row in enumerate(data["cases"]):
        where = f"measurements.yaml case {i + 1} ({row.get('id', '?')})"
        missing = [k for k in ("id", "set", "kind", "metric", "measured", "source") if k not in row]
        if missing:
            raise MlsysimError(f"{where}: missing {', '.join(missing)}")
        if row["set"] not in ("calibration", "heldout", "reference") or row["kind"] not in (
                "train", "serve"):
            raise MlsysimError(f"{where}: set must be calibration|heldout|reference, kind "
                               "train|serve")
        if row["set"] == "reference" and not row.get("note"):
            raise MlsysimError(f"{where}: a reference row needs a note saying why it is not gated")
        if row["id"] in seen:
            raise MlsysimError(f"{where}: duplicate id")
        seen.add(row["id"])
        args = tuple((k, _num(v)) for k, v in row.items() if k not in _KEYS)
        key, _, rest = row["source"].partition(", ")
        source = f"{short[key]}: {rest}" if key in short else row["source"]
        out.append(Measurement(row["id"], row["set"], row["kind"], row["metric"],
                               float(row["measured"]), source, args, row.get("note", "")))
    return tuple(out)


def _num(v: Any) -> Any:
    """YAML 1.1 reads `2e12` as a string; numbers in the data file are numbers."""
    if isinstance(v, str):
        try:
            return float(v)
        except ValueError:
            return v
    return v


def _gpt(dims: dict) -> Any:
    """A GPT of the given depth and width (4x GELU MLP, learned positions, tied embeddings):
    Megatron-LM's by default (vocabulary 51,200, biases); a row may set `vocab`, `bias` and
    `max_seq` (LLM Foundry's MPT benchmark models: vocabulary 50,368, no biases, positions
    as long as the benchmarked sequence)."""
    d = dims["d_model"]
    return _build_model({"name": f"GPT {dims['layers']}L x {d}", "kind": "transformer",
                         "layers": dims["layers"], "d_model": d, "heads": dims["heads"],
                         "ffn": 4 * d, "vocab": dims.get("vocab", 51200),
                         "max_seq": dims.get("max_seq", 2048), "pos": "learned",
                         "tied": True, "norm": "layernorm", "bias": dims.get("bias", True)})


def predict(c: Measurement) -> float:
    """mlsysim's prediction of one measurement with the current efficiency parameters."""
    a = dict(c.args)
    m = _gpt(a["gpt"]) if "gpt" in a else model(a["model"])
    hw = hardware(a["hardware"])
    if c.kind == "serve":
        r = serve(m, hw, batch=a["batch"], prompt_len=a["prompt_len"], output_len=a["output_len"],
                  precision=a["precision"], gpus=a["gpus"], kv_precision=a.get("kv_precision"),
                  attention_kernel=a.get("attention_kernel", "gqa_shared"))
        if c.metric == "ttft_s":
            return float(r.ttft_s)
        if c.metric == "out_tok_s_per_gpu":
            return float(a["batch"] * a["output_len"] / r.request_latency_s / a["gpus"])
        if c.metric == "latency_s":
            return float(r.request_latency_s)
        raise InvalidInputError("metric", f"{c.id}: unknown serving metric {c.metric!r}")
    kw = {k: a[k] for k in ("tp", "pp", "dp", "micro_batch", "recompute", "zero_stage", "ep",
                            "schedule", "virtual_stages", "uneven_stages", "precision",
                            "fused_attention", "dropout", "overlap", "fp32_grad_reduce") if k in a}
    if "gpt" in a:
        kw.setdefault("recompute", "full")
    r = train(m, cluster(hw, a["gpus"]), tokens=a.get("tokens", 1e12),
              global_batch=a["global_batch"], seq_len=a.get("seq_len", 2048), **kw)
    if not r.feasible:
        raise MlsysimError(f"measurement {c.id}: mlsysim calls the published run infeasible: "
                           f"{r.reason}")
    if c.metric == "tflops_megatron":
        return megatron_flops(m, a["global_batch"], a.get("seq_len", 2048)) / (
            r.step_time_s * a["gpus"])
    if c.metric == "mfu":
        return float(r.mfu)
    if c.metric == "tok_s_per_gpu":
        return a["global_batch"] * a.get("seq_len", 2048) / (r.step_time_s * a["gpus"])
    if c.metric == "gpu_hours":
        return float(r.gpu_hours)
    raise InvalidInputError("metric", f"{c.id}: unknown training metric {c.metric!r}")


def megatron_flops(m: Any, batch: int, seq: int) -> float:
    """FLOPs of one iteration as Narayanan et al. 2021 (eq. 3) count them for their TFLOP/s:
    96 B s l h^2 (1 + s/(6h) + V/(16 l h)): every layer's GEMMs and attention four times
    (forward, recomputed forward, backward = 2 passes) and the logits three times."""
    h, n_layers = m.d_model, m.n_layers
    return 96.0 * batch * seq * n_layers * h * h * (1 + seq / (6 * h) + m.vocab / (16 * n_layers * h))


@dataclass(frozen=True)
class _Case:
    set: str
    source: str
    configuration: str
    metric: str
    measured: float
    predict: Callable[[], float]
    note: str = ""


def _zero_7_5b(stage: int) -> float:
    # ZeRO paper's example model: 7.5B parameters. Scale Llama 2 7B's per-parameter states.
    m = model("Llama-2-7B")
    r = training_memory(m, zero_stage=stage, dp=64)
    return (r.weights_bytes + r.grads_bytes + r.optimizer_bytes) * 7.5e9 / m.params


def _formula_cases() -> list[_Case]:
    F, R = "formula", "reference"
    return [
        _Case(F, "Brown et al. 2020 (GPT-3)", "175B, 300B tokens", "training FLOPs",
              3.14e23, lambda: training_flops("GPT-3", 300e9)),
        _Case(F, "Chowdhery et al. 2022 (PaLM)", "540B, 780B tokens", "training FLOPs",
              2.56e24, lambda: training_flops("PaLM-540B", 780e9)),
        _Case(F, "Hoffmann et al. 2022 (Chinchilla)", "5.76e23 FLOPs compute-optimal",
              "parameters", 70e9, lambda: chinchilla(5.76e23)[0]),
        _Case(F, "Hoffmann et al. 2022 (Chinchilla)", "5.76e23 FLOPs compute-optimal",
              "tokens", 1.4e12, lambda: chinchilla(5.76e23)[1]),
        _Case(F, "Kwon et al. 2023 (vLLM)", "OPT-13B, fp16", "KV cache bytes per token",
              800e3, lambda: kv_cache_bytes("OPT-13B", 1)),
        _Case(F, "Rajbhandari et al. 2020 (ZeRO)", "mixed-precision Adam", "bytes per parameter",
              16, lambda: training_memory("GPT-2").bytes_per_param),
        _Case(F, "Rajbhandari et al. 2020 (ZeRO)", "7.5B, 64 GPUs, no ZeRO",
              "model-state bytes per GPU", 120e9, lambda: _zero_7_5b(0)),
        _Case(F, "Rajbhandari et al. 2020 (ZeRO)", "7.5B, 64 GPUs, ZeRO-1 (P_os)",
              "model-state bytes per GPU", 31.4e9, lambda: _zero_7_5b(1)),
        _Case(F, "Rajbhandari et al. 2020 (ZeRO)", "7.5B, 64 GPUs, ZeRO-2 (P_os+g)",
              "model-state bytes per GPU", 16.6e9, lambda: _zero_7_5b(2)),
        _Case(F, "Rajbhandari et al. 2020 (ZeRO)", "7.5B, 64 GPUs, ZeRO-3 (P_os+g+p)",
              "model-state bytes per GPU", 1.9e9, lambda: _zero_7_5b(3)),
        _Case(F, "Brown et al. 2020 (GPT-3)", "96 layers x 12288", "parameters", 175e9,
              lambda: model("GPT-3").params),
        _Case(F, "Dubey et al. 2024 (Llama 3)", "126 layers x 16384, GQA", "parameters", 405e9,
              lambda: model("Llama-3-405B").params),
        _Case(F, "Jiang et al. 2024 (Mixtral)", "8 experts, top-2", "active parameters",
              12.9e9, lambda: model("Mixtral-8x7B").active_params),
        _Case(F, "DeepSeek-AI 2024 (DeepSeek-V3)", "MLA + 256 experts", "total parameters",
              671e9, lambda: model("DeepSeek-V3").params),
        _Case(F, "DeepSeek-AI 2024 (DeepSeek-V3)", "top-8 + 1 shared expert",
              "active parameters", 37e9, lambda: model("DeepSeek-V3").active_params),
        _Case(F, "He et al. 2016 (ResNet)", "ResNet-50, 224x224", "parameters", 25.6e6,
              lambda: model("ResNet-50").params),
        _Case(F, "Zhang et al. 2017 (Hello Edge)", "DS-CNN small, 49x10 MFCC",
              "operations per inference", 5.4e6, lambda: flops_per_inference(model("DS-CNN-KWS"))),
        _Case(R, "Meta Llama 3.1 model card (2024)", "8B, 15T tokens, H100 (8192 GPUs assumed)",
              "GPU-hours", 1.46e6, lambda: _llama_card_hours("Llama-3-8B", 8192),
              "card hours imply ~14% MFU vs 38-43% reported for 405B; cluster size and "
              "non-pretraining work are unpublished"),
        _Case(R, "Meta Llama 3.1 model card (2024)", "70B, 15T tokens, H100 (8192 GPUs assumed)",
              "GPU-hours", 7.0e6, lambda: _llama_card_hours("Llama-3-70B", 8192),
              "card hours imply ~25% MFU; same caveat as 8B"),
    ]


def _llama_card_hours(name: str, gpus: int) -> float:
    return train(name, cluster("H100", gpus), tokens=15e12, global_batch=2048,
                 seq_len=8192).gpu_hours


def _row(c: Measurement) -> ValidationRow:
    p = predict(c)
    return ValidationRow(c.set, c.source, c.describe(), c.metric, c.measured, p,
                         (p - c.measured) / c.measured, c.note, c.domain, c.hardware, c.id)


@cache
def validate() -> tuple[ValidationRow, ...]:
    """Every case: calibration, held-out, formula and reference rows, each with its error."""
    rows = [_row(c) for c in measurements()]
    for c in _formula_cases():
        p = float(c.predict())
        rows.append(ValidationRow(c.set, c.source, c.configuration, c.metric, c.measured, p,
                                  (p - c.measured) / c.measured, c.note))
    return tuple(rows)


@dataclass(frozen=True)
class SetSummary:
    """Median and max |error| of one set in one domain."""

    set: str
    domain: str
    cases: int
    median_abs_error: float
    max_abs_error: float

    @property
    def passes(self) -> bool:
        return self.median_abs_error <= GATE_MEDIAN and self.max_abs_error <= GATE_MAX


def summaries(rows: tuple[ValidationRow, ...] | None = None) -> tuple[SetSummary, ...]:
    """Calibration and held-out, training and inference each, and both domains together."""
    rows = rows or validate()
    out = []
    for s in ("calibration", "heldout"):
        for d in ("training", "inference", "all"):
            errs = np.array([abs(r.error) for r in rows if r.set == s
                             and (d == "all" or r.domain == d)])
            if errs.size:
                out.append(SetSummary(s, d, int(errs.size), float(np.median(errs)),
                                      float(errs.max())))
    return tuple(out)


def summary(rows: tuple[ValidationRow, ...] | None = None) -> dict[str, float]:
    """Held-out numbers the gate checks, plus the formula checks' errors."""
    rows = rows or validate()
    by = {(s.set, s.domain): s for s in summaries(rows)}
    held = by[("heldout", "all")]
    formula = np.array([abs(r.error) for r in rows if r.set == "formula"])
    return {"cases": held.cases, "median_abs_error": held.median_abs_error,
            "max_abs_error": held.max_abs_error,
            "formula_cases": int(formula.size), "formula_max_abs_error": float(formula.max()),
            "passes": all(by[("heldout", d)].passes for d in ("training", "inference"))}


def _fmt(v: float) -> str:
    if abs(v) >= 1e3 or abs(v) < 1e-2:
        return f"{v:.3g}"
    return f"{v:.3f}".rstrip("0").rstrip(".")


def summary_table(rows: tuple[ValidationRow, ...] | None = None, markdown: bool = False) -> str:
    """One line per (set, domain): cases, median and max |error|."""
    head = ["set", "domain", "cases", "median |error|", "max |error|"]
    body = [[s.set, s.domain, str(s.cases), f"{s.median_abs_error:.1%}", f"{s.max_abs_error:.1%}"]
            for s in summaries(rows)]
    return _render(head, body, markdown)


def table(rows: tuple[ValidationRow, ...] | None = None, markdown: bool = False,
          sets: tuple[str, ...] = ("calibration", "heldout", "formula", "reference")) -> str:
    """The case table (selected sets) as plain text (CLI) or Markdown (docs)."""
    rows = tuple(r for r in (rows or validate()) if r.set in sets)
    head = ["#", "set", "source", "configuration", "metric", "measured", "predicted", "error"]
    body = [[str(i + 1), r.set, r.source, r.configuration, r.metric, _fmt(r.measured),
             _fmt(r.predicted), f"{r.error:+.1%}"] for i, r in enumerate(rows)]
    notes = [f"[{i + 1}] {r.note}" for i, r in enumerate(rows) if r.note]
    out = _render(head, body, markdown)
    if notes:
        out += ("\n\nNotes:\n\n" + "\n".join(f"- {n}" for n in notes) if markdown
                else "\n\nnotes:\n" + "\n".join(f"  {n}" for n in notes))
    return out


def _render(head: list[str], body: list[list[str]], markdown: bool) -> str:
    if markdown:
        out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        out += ["| " + " | ".join(x.replace("|", "/") for x in row) + " |" for row in body]
        return "\n".join(out)
    widths = [max(len(x) for x in col) for col in zip(head, *body, strict=True)]
    line = lambda row: "  ".join(x.ljust(w) for x, w in zip(row, widths, strict=True))  # noqa: E731
    return "\n".join([line(head), line(["-" * w for w in widths])] + [line(r) for r in body])


_PANELS = (("tflops_megatron", "training: TFLOP/s per GPU", 1e12),
           ("mfu", "training: MFU", 1.0),
           ("tok_s_per_gpu", "training: tokens/s per GPU", 1.0),
           ("gpu_hours", "training: GPU-hours (millions)", 1e6),
           ("out_tok_s_per_gpu", "serving: output tok/s per GPU", 1.0),
           ("ttft_s", "serving: time to first token (ms)", 1e-3),
           ("latency_s", "serving: request latency (s)", 1.0))


def scatter_svg(rows: tuple[ValidationRow, ...] | None = None, size: int = 230) -> str:
    """Predicted vs published, log-log, one small panel per metric, with the +-10% band.

    Drawn in `currentColor` (plus two hues legible on light and dark pages), so the figure
    follows the page's theme. Hollow circles are calibration cases, filled ones held out."""
    rows = rows or validate()
    panels = [(k, t, u, [r for r in rows if r.metric == k and r.set in ("calibration", "heldout")])
              for k, t, u in _PANELS]
    panels = [p for p in panels if p[3]]
    cols = min(2, len(panels))
    w, h = cols * size, ((len(panels) + cols - 1) // cols) * size
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h + 20}" role="img" '
           # inline style: beats page-wide svg rules (icon strokes) that would outline text
           f'style="max-width:100%;height:auto;font:11px sans-serif;stroke:none;'
           f'stroke-width:1;fill:currentColor" '
           f'aria-label="Predicted versus published, log-log, with a 10% band">']
    for i, (_, title, unit, pts) in enumerate(panels):
        out += _panel(pts, title, unit, (i % cols) * size, (i // cols) * size, size)
    out.append(f'<g transform="translate({w - 180},{h + 12})" fill="currentColor">'
               '<circle cx="4" cy="-4" r="4" fill="none" stroke="#e08a00" stroke-width="1.5"/>'
               '<text x="12" y="0">calibration</text><circle cx="94" cy="-4" r="4" '
               'fill="#2f80ed"/><text x="102" y="0">held out</text></g>')
    out.append("</svg>")
    return "\n".join(out)


def _panel(pts: list[ValidationRow], title: str, unit: float, x0: float, y0: float,
           size: int) -> list[str]:
    pad, inner = 34, size - 52
    vals = np.array([[r.measured, r.predicted] for r in pts]) / unit
    lo, hi = np.log10(vals.min() / 1.6), np.log10(vals.max() * 1.6)

    def pos(v: float) -> float:
        return (np.log10(v) - lo) / (hi - lo) * inner

    X = lambda v: x0 + pad + pos(v)  # noqa: E731
    Y = lambda v: y0 + 18 + inner - pos(v)  # noqa: E731
    a, b = 10 ** lo, 10 ** hi
    band = (f"{X(a):.1f},{Y(a * 1.1):.1f} {X(b / 1.1):.1f},{Y(b):.1f} {X(b):.1f},{Y(b):.1f} "
            f"{X(b):.1f},{Y(b * 0.9):.1f} {X(a / 0.9):.1f},{Y(a):.1f} {X(a):.1f},{Y(a):.1f}")
    g = [f'<g><text x="{x0 + pad}" y="{y0 + 12}" fill="currentColor">{title}</text>',
         f'<rect x="{x0 + pad}" y="{y0 + 18}" width="{inner}" height="{inner}" fill="none" '
         'stroke="currentColor" stroke-opacity="0.4"/>',
         f'<polygon points="{band}" fill="currentColor" fill-opacity="0.12"/>',
         f'<line x1="{X(a):.1f}" y1="{Y(a):.1f}" x2="{X(b):.1f}" y2="{Y(b):.1f}" '
         'stroke="currentColor" stroke-opacity="0.5" stroke-dasharray="3 3"/>']
    for t in _ticks(lo, hi):
        label = _tick_label(t)
        g.append(f'<text x="{X(t):.1f}" y="{y0 + 32 + inner}" text-anchor="middle" '
                 f'fill="currentColor" fill-opacity="0.75">{label}</text>')
        g.append(f'<text x="{x0 + pad - 3}" y="{Y(t) + 3:.1f}" text-anchor="end" '
                 f'fill="currentColor" fill-opacity="0.75">{label}</text>')
    for r, (m, p) in zip(pts, vals, strict=True):
        style = ('fill="none" stroke="#e08a00" stroke-width="1.5"' if r.set == "calibration"
                 else 'fill="#2f80ed" fill-opacity="0.85"')
        g.append(f'<circle cx="{X(m):.1f}" cy="{Y(p):.1f}" r="3.5" {style}>'
                 f'<title>{r.id}: published {r.measured:.4g}, predicted {r.predicted:.4g} '
                 f'({r.error:+.1%})</title></circle>')
    g.append("</g>")
    return g


def _tick_label(t: float) -> str:
    """A tick value short enough for the panel's left margin: 100000 is 100k."""
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if t >= 10 * div:
            return f"{t / div:g}{suffix}"
    return f"{t:g}"


def _ticks(lo: float, hi: float) -> list[float]:
    """Round tick values (1, 2, 5 x 10^k) inside [10^lo, 10^hi]; powers of ten alone when the
    range spans several decades."""
    steps = (1,) if hi - lo > 2.5 else (1, 2, 5)
    return [m * 10.0 ** e for e in range(int(np.floor(lo)), int(np.ceil(hi)) + 1) for m in steps
            if lo <= np.log10(m * 10.0 ** e) <= hi]
