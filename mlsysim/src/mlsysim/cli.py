"""The `mlsysim` command line: list the registry, predict training and serving, validate.

argparse keeps the runtime dependencies at numpy + pyyaml (click would add one). It still
behaves like `mlsys` and `tito`: `-h` and `--version`; a user mistake (unknown name, bad value)
prints one line `Error: ...` naming the field and exits 1, never a traceback; a malformed
command line is argparse's usage error, status 2 (click's too). A plan the model says cannot run
(out of memory, past the context window, too big for a microcontroller) prints
`mlsysim: infeasible: REASON` first and exits 1, for every command alike."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from . import __version__, registry
from ._units import si
from .errors import MlsysimError, UnknownNameError

_SUFFIX = {"k": 1e3, "K": 1e3, "M": 1e6, "G": 1e9, "B": 1e9, "T": 1e12, "P": 1e15}


def _number(text: str) -> float:
    """Parse '1e12', '2T', '4M', '300B' (B = billion) into a float."""
    t = text.strip().replace("_", "").replace(",", "")
    try:
        if t and t[-1] in _SUFFIX:
            return float(t[:-1]) * _SUFFIX[t[-1]]
        return float(t)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r} (try 1e12 or 2T)") from None


def _int(text: str) -> int:
    v = _number(text)
    if v != int(v):
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}")
    return int(v)


class Infeasible(Exception):
    """The prediction ran, and it says the plan cannot run: exit 1, reason first."""


def _emit(obj, as_json: bool) -> None:
    """Print a result; an infeasible one prints its reason first and then raises `Infeasible`,
    so every command exits 1 for a plan that cannot run (never 0 with a buried `False`)."""
    feasible = getattr(obj, "feasible", getattr(obj, "fits", True))
    if not bool(feasible):
        reason = getattr(obj, "reason", "") or "; ".join(getattr(obj, "reasons", ()))
        print(f"mlsysim: infeasible: {reason}", file=sys.stderr, flush=True)
        if not as_json:
            print("(the figures below describe a plan that cannot run)")
    if as_json:
        print(json.dumps(obj.to_dict() if hasattr(obj, "to_dict") else obj, indent=2))
    else:
        print(obj)
    if not bool(feasible):
        raise Infeasible


def _cmd_list(a: argparse.Namespace) -> None:
    if a.what == "hardware":
        names = registry.list_hardware(a.category)
        rows = [registry.hardware(n) for n in names]
        if a.json:
            print(json.dumps([{"name": h.name, "category": h.category, "vendor": h.vendor,
                               "flops": h.flops, "memory_bytes": h.memory_bytes,
                               "memory_bw": h.memory_bw, "tdp_w": h.tdp_w} for h in rows],
                             indent=2))
            return
        print(f"{'name':<24}{'category':<12}{'bf16/fp16 TFLOP/s':>18}{'memory GB':>11}"
              f"{'GB/s':>9}{'W':>7}")
        for h in rows:
            p = h.flops.get("bf16") or h.flops.get("fp16") or h.flops.get("int8") or h.flops.get("fp32")
            print(f"{h.name:<24}{h.category:<12}{p / 1e12:>18,.3g}{h.memory_bytes / 1e9:>11,.4g}"
                  f"{h.memory_bw / 1e9:>9,.4g}{h.tdp_w:>7g}")
    elif a.what == "models":
        rows = [registry.model(n) for n in registry.list_models()]
        if a.json:
            print(json.dumps([{"name": m.name, "kind": m.kind, "params": m.params,
                               "active_params": m.active_params} for m in rows], indent=2))
            return
        print(f"{'name':<36}{'kind':<13}{'params':>10}{'active':>10}")
        for m in rows:
            print(f"{m.name:<36}{m.kind:<13}{m.params / 1e9:>9.3g}B{m.active_params / 1e9:>9.3g}B")
    else:
        rows = [registry.fabric(n) for n in registry.list_fabrics()]
        if a.json:
            print(json.dumps([f.to_dict() for f in rows], indent=2))
            return
        print(f"{'name':<22}{'kind':<11}{'GB/s per direction':>19}{'latency us':>12}")
        for f in rows:
            print(f"{f.name:<22}{f.kind:<11}{f.bw_per_direction / 1e9:>19,.4g}"
                  f"{f.latency_s * 1e6:>12.3g}")


def _cmd_show(a: argparse.Namespace) -> None:
    try:
        obj = registry.hardware(a.name)
    except UnknownNameError as e1:
        try:
            obj = registry.model(a.name)
        except UnknownNameError as e2:
            raise UnknownNameError("hardware or model", a.name,
                                   (e1.suggestions + e2.suggestions)[:6]) from None
    if a.json:
        d = obj.to_dict()
        d.pop("cnn", None)
        print(json.dumps(d, indent=2))
    else:
        print(obj)
        if isinstance(obj, registry.Model):
            from .compute import flops_per_inference

            per = "token" if obj.kind == "transformer" and not obj.vit else "input"
            print(f"  forward FLOPs {si(flops_per_inference(obj), 'FLOP')} per {per}")


def _cmd_train(a: argparse.Namespace) -> None:
    from .network import cluster
    from .train import train

    cl = cluster(a.hardware, a.gpus, fabric=a.fabric)
    r = train(a.model, cl, tokens=a.tokens, global_batch=a.global_batch, seq_len=a.seq_len,
              tp=a.tp, pp=a.pp, dp=a.dp, precision=a.precision, micro_batch=a.micro_batch,
              recompute=a.recompute, zero_stage=a.zero_stage, ep=a.ep, cp=a.cp,
              uneven_stages=a.uneven_stages, offload_optimizer=a.offload_optimizer,
              offload_activations=a.offload_activations,
              fused_attention=not a.unfused_attention, dropout=a.dropout)
    _emit(r, a.json)


def _cmd_serve(a: argparse.Namespace) -> None:
    from .serve import serve

    _emit(serve(a.model, a.hardware, batch=a.batch, prompt_len=a.prompt_len,
                output_len=a.output_len, precision=a.precision, gpus=a.gpus, pp=a.pp,
                replicas=a.replicas, rate=a.rate, chunk_size=a.chunk_size,
                prefill_gpus=a.prefill_gpus, draft=a.draft, acceptance=a.acceptance,
                draft_len=a.draft_len, attention_kernel=a.attention_kernel), a.json)


def _cmd_simulate(a: argparse.Namespace) -> None:
    from .simulate import simulate_serving

    _emit(simulate_serving(a.model, a.hardware, rate=a.rate, requests=a.requests,
                           prompt_len=a.prompt_len, output_len=a.output_len,
                           precision=a.precision, gpus=a.gpus, slo_ttft_s=a.slo_ttft,
                           slo_tpot_s=a.slo_tpot, seed=a.seed), a.json)


def _cmd_memory(a: argparse.Namespace) -> None:
    from .memory import training_memory

    hw = registry.hardware(a.hardware) if a.hardware else None
    _emit(training_memory(a.model, precision=a.precision, optimizer=a.optimizer,
                          zero_stage=a.zero_stage, dp=a.dp, tp=a.tp, pp=a.pp,
                          seq_len=a.seq_len, micro_batch=a.micro_batch, recompute=a.recompute,
                          capacity_bytes=hw.memory_bytes if hw else None), a.json)


def _cmd_tinyml(a: argparse.Namespace) -> None:
    from .tinyml import tinyml_fit

    _emit(tinyml_fit(a.model, a.device, precision=a.precision), a.json)


def _cmd_validate(a: argparse.Namespace) -> None:
    from . import validation

    rows = validation.validate()
    s = validation.summary(rows)
    if a.json:
        print(json.dumps({"rows": [r.to_dict() for r in rows], "summary": s,
                          "sets": [vars(x) for x in validation.summaries(rows)]}, indent=2))
    else:
        print(validation.summary_table(rows, markdown=a.markdown))
        print()
        print(validation.table(rows, markdown=a.markdown))
        verdict = "passes" if s["passes"] else "FAILS"
        print(f"\nheld-out gate (median <= {validation.GATE_MEDIAN:.0%}, max <= "
              f"{validation.GATE_MAX:.0%}, training and inference each): {verdict}")
    if not s["passes"]:
        sys.exit(1)


def _cmd_calibrate(a: argparse.Namespace) -> None:
    from . import calibration

    cal = calibration.calibrate()
    if a.json:
        print(json.dumps({"values": [vars(v) for v in cal.values],
                          "errors": dict(cal.errors)}, indent=2))
    else:
        print(cal)
    if not a.dry_run:
        path = calibration.write(cal, a.output)
        print(f"wrote {path}", file=sys.stderr)


def _json_flag(s: argparse.ArgumentParser) -> None:
    s.add_argument("--json", action="store_true",
                   help="print machine-readable JSON instead of a table (default: off)")


def _add_train(sub) -> None:
    s = sub.add_parser("train", help="predict a training run",
                       description="Predict step time, MFU and memory of a training run. An "
                                   "infeasible plan exits 1 with the reason first.")
    s.add_argument("model", help="model name from `mlsysim list models`, e.g. llama-3-70b")
    s.add_argument("--hardware", default="H100", help="accelerator (default: %(default)s)")
    s.add_argument("--gpus", type=_int, default=8, help="accelerators in the cluster "
                                                         "(default: %(default)s)")
    s.add_argument("--fabric", default=None, help="network between nodes, e.g. IB-NDR "
                                                   "(default: the vendor's usual one)")
    s.add_argument("--tokens", type=_number, required=True,
                   help="training tokens, e.g. 2T or 300B (required)")
    s.add_argument("--global-batch", type=_int, required=True,
                   help="sequences per optimizer step (required)")
    s.add_argument("--seq-len", type=_int, default=2048,
                   help="tokens per sequence (default: %(default)s)")
    for flag, what in (("--tp", "tensor-parallel degree"), ("--pp", "pipeline stages"),
                       ("--dp", "data-parallel degree"), ("--micro-batch", "micro-batch size")):
        s.add_argument(flag, type=_int, help=f"{what} (default: searched for the fastest plan)")
    s.add_argument("--recompute", choices=["none", "selective", "full"],
                   help="activation recomputation (default: searched)")
    s.add_argument("--zero-stage", type=int, default=1, choices=[0, 1, 2, 3],
                   help="ZeRO stage of the optimizer state (default: %(default)s)")
    s.add_argument("--ep", type=_int, default=None,
                   help="expert-parallel degree for MoE models (default: searched)")
    s.add_argument("--cp", type=_int, default=1,
                   help="context-parallel degree: GPUs sharing each sequence (default: 1)")
    s.add_argument("--uneven-stages", action="store_true",
                   help="let the first and last pipeline stages hold fewer layers (default: off)")
    s.add_argument("--offload-optimizer", action="store_true",
                   help="optimizer states in host memory, updated on the CPU (default: off)")
    s.add_argument("--offload-activations", action="store_true",
                   help="stored activations in host memory between forward and backward (default: off)")
    s.add_argument("--precision", default="bf16", help="number format (default: %(default)s)")
    s.add_argument("--unfused-attention", action="store_true",
                   help="score matrix through DRAM, as before FlashAttention (default: fused)")
    s.add_argument("--dropout", action="store_true",
                   help="attention dropout, a kernel of its own when attention is unfused "
                        "(default: off)")
    _json_flag(s)
    s.set_defaults(func=_cmd_train)


def _add_serving(sub) -> None:
    s = sub.add_parser("serve", help="predict serving latency and throughput",
                       description="Predict TTFT, TPOT and throughput of a fixed batch. An "
                                   "infeasible plan exits 1 with the reason first.")
    _serving_args(s)
    s.add_argument("--batch", type=_int, default=1,
                   help="concurrent requests (default: %(default)s)")
    s.add_argument("--pp", type=_int, default=1,
                   help="pipeline stages of each replica; --gpus = tp x pp (default: 1)")
    s.add_argument("--replicas", type=_int, default=1,
                   help="copies behind a router (default: 1)")
    s.add_argument("--rate", type=_number, default=None,
                   help="arrivals per second over all replicas, for the queueing wait (default: none, no queueing)")
    s.add_argument("--chunk-size", type=_int, default=None,
                   help="chunked prefill: prompt tokens per iteration (default: whole prompt at once)")
    s.add_argument("--prefill-gpus", type=_int, default=None,
                   help="run prefill on a separate pool of this many GPUs (default: none, same GPUs)")
    s.add_argument("--draft", default=None, help="draft model for speculative decoding (default: none)")
    s.add_argument("--acceptance", type=float, default=0.8,
                   help="per-token acceptance rate of the draft (default: %(default)s)")
    s.add_argument("--draft-len", type=_int, default=4,
                   help="tokens drafted per verification (default: %(default)s)")
    s.add_argument("--attention-kernel", choices=["gqa_shared", "per_head"], default="gqa_shared",
                   help="decode attention: reads each grouped K/V head once (gqa_shared) or once "
                        "per query head, as TensorRT-LLM before v0.7 (default: %(default)s)")
    _json_flag(s)
    s.set_defaults(func=_cmd_serve)

    s = sub.add_parser("simulate", help="continuous batching under Poisson arrivals")
    _serving_args(s)
    s.add_argument("--rate", type=_number, required=True, help="requests per second (required)")
    s.add_argument("--requests", type=_int, default=1000,
                   help="requests to simulate (default: %(default)s)")
    s.add_argument("--slo-ttft", type=_number, default=1.0,
                   help="time-to-first-token objective in seconds (default: %(default)s)")
    s.add_argument("--slo-tpot", type=_number, default=0.1,
                   help="time-per-output-token objective in seconds (default: %(default)s)")
    s.add_argument("--seed", type=int, default=0,
                   help="random seed of the arrivals (default: %(default)s)")
    _json_flag(s)
    s.set_defaults(func=_cmd_simulate)


def _serving_args(s: argparse.ArgumentParser) -> None:
    s.add_argument("model", help="model name from `mlsysim list models`, e.g. llama-3-8b")
    s.add_argument("--hardware", default="H100", help="accelerator (default: %(default)s)")
    s.add_argument("--prompt-len", type=_int, default=512,
                   help="prompt tokens per request (default: %(default)s)")
    s.add_argument("--output-len", type=_int, default=256,
                   help="generated tokens per request (default: %(default)s)")
    s.add_argument("--precision", default="fp16", help="number format (default: %(default)s)")
    s.add_argument("--gpus", type=_int, default=1,
                   help="accelerators serving one replica (default: %(default)s)")


def _add_memory(sub) -> None:
    s = sub.add_parser("memory", help="training memory per GPU",
                       description="Training memory per GPU; with --hardware, a plan that "
                                   "does not fit exits 1 with the reason first.")
    s.add_argument("model", help="model name from `mlsysim list models`")
    s.add_argument("--hardware", help="check against this device's memory (default: no check)")
    s.add_argument("--precision", default="bf16", help="number format (default: %(default)s)")
    s.add_argument("--optimizer", default="adam", help="optimizer (default: %(default)s)")
    s.add_argument("--zero-stage", type=int, default=0, choices=[0, 1, 2, 3],
                   help="ZeRO stage (default: %(default)s)")
    for flag, what in (("--dp", "data-parallel degree"), ("--tp", "tensor-parallel degree"),
                       ("--pp", "pipeline stages"), ("--micro-batch", "micro-batch size")):
        s.add_argument(flag, type=_int, default=1, help=f"{what} (default: %(default)s)")
    s.add_argument("--seq-len", type=_int, default=2048,
                   help="tokens per sequence (default: %(default)s)")
    s.add_argument("--recompute", choices=["none", "selective", "full"], default="none",
                   help="activation recomputation (default: %(default)s)")
    _json_flag(s)
    s.set_defaults(func=_cmd_memory)


def build_parser() -> argparse.ArgumentParser:
    """The whole command line; every option says what it is and its default."""
    p = argparse.ArgumentParser(
        prog="mlsysim", description="Analytical models of ML systems.",
        epilog="Exit status: 0 done, 1 a user error (message names the field) or an "
               "infeasible plan (reason printed first), 2 a malformed command line.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("list", help="list hardware, models or fabrics")
    s.add_argument("what", choices=["hardware", "models", "fabrics"], help="what to list")
    s.add_argument("--category", choices=["datacenter", "edge", "tiny"],
                   help="hardware tier (default: all)")
    _json_flag(s)
    s.set_defaults(func=_cmd_list)

    s = sub.add_parser("show", help="one hardware or model entry with its sources")
    s.add_argument("name", help="hardware or model name, e.g. H100 or llama-3-8b")
    _json_flag(s)
    s.set_defaults(func=_cmd_show)

    _add_train(sub)
    _add_serving(sub)
    _add_memory(sub)

    s = sub.add_parser("tinyml", help="does a model fit a microcontroller?",
                       description="Check flash and SRAM; a model that does not fit exits 1 "
                                   "with the reason first.")
    s.add_argument("model", help="model name, e.g. MobileNetV2")
    s.add_argument("device", help="microcontroller, e.g. STM32H747")
    s.add_argument("--precision", default="int8", help="number format (default: %(default)s)")
    _json_flag(s)
    s.set_defaults(func=_cmd_tinyml)

    s = sub.add_parser("validate", help="predictions vs published measurements")
    _json_flag(s)
    s.add_argument("--markdown", action="store_true",
                   help="print the table as Markdown (default: off)")
    s.set_defaults(func=_cmd_validate)

    s = sub.add_parser("calibrate", help="fit the efficiency model to the calibration set",
                       description="Least-squares fit of each device family's efficiency "
                                   "parameters to the calibration rows of measurements.yaml "
                                   "(never the held-out rows); prints every value with the "
                                   "cases that set it and writes the parameters file.")
    s.add_argument("--dry-run", action="store_true",
                   help="print the fit without writing it (default: write)")
    s.add_argument("--output", type=Path, default=None,
                   help="file to write (default: the package's data/calibration.yaml)")
    _json_flag(s)
    s.set_defaults(func=_cmd_calibrate)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except MlsysimError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1
    except Infeasible:
        return 1
    except BrokenPipeError:  # output piped into `head`: not an error worth a traceback
        sys.stderr.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
