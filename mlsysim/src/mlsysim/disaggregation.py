"""Prefill and decode on the same GPUs or on separate pools: TTFT, TPOT and throughput per GPU.

Built on `serve`. A replica of `decode_gpus` GPUs decodes `batch` requests at a time; requests
are replaced as they finish (continuous batching), so a new prompt must be prefilled every
`output_len / batch` decode steps on average. Three ways to do it:

- `colocated`: the new prompt's prefill runs alone on the replica and every decoding request
  waits for it, as under schedulers that give admitted prompts a prefill-only iteration (the
  "generation stalls" Sarathi-Serve, Agrawal et al. 2024, OSDI, measures). The worst gap
  between two tokens is one decode step plus one prompt's prefill; over a cycle of
  `output_len` steps the replica also prefills `batch` prompts, so
  tokens/s = batch x output_len / (output_len x TPOT + batch x prefill);
- `chunked`: the prompt is split into chunks that ride along with decode steps (Sarathi-Serve's
  remedy; `serve(chunk_size=...)`);
- `disaggregated`: a separate pool of `prefill_gpus` runs prefills and ships the KV cache to
  the decode pool (DistServe, Zhong et al. 2024, OSDI; `serve(prefill_gpus=...)`): decode is
  never interrupted, a request's first token waits for its prefill plus the KV transfer, and
  the replica costs the extra GPUs.

TTFT here is one request's, arriving at an idle prefill path (no queueing)."""

from __future__ import annotations

from dataclasses import dataclass

from ._units import ResultMixin, check_positive
from .errors import InvalidInputError
from .registry import Hardware, Model
from .serve import serve

MODES = ("colocated", "chunked", "disaggregated")


@dataclass(frozen=True)
class ServingMode(ResultMixin):
    """Latency and throughput of one way of placing prefill and decode."""

    mode: str
    gpus: int
    ttft_s: float
    tpot_s: float
    tpot_worst_s: float
    kv_transfer_s: float
    tokens_per_s: float
    tokens_per_s_per_gpu: float
    feasible: bool
    reason: str

    _units = {"ttft_s": "s", "tpot_s": "s", "tpot_worst_s": "s", "kv_transfer_s": "s",
              "tokens_per_s": "tok/s", "tokens_per_s_per_gpu": "tok/s"}


def serving_mode(m: Model | str, hw: Hardware | str, mode: str = "colocated", batch: int = 32,
                 prompt_len: int = 2048, output_len: int = 256, decode_gpus: int = 4,
                 prefill_gpus: int = 4, chunk_size: int = 512,
                 precision: str = "fp16") -> ServingMode:
    """TTFT, mean and worst TPOT and throughput of one of `MODES` (see the module's model).

    `prefill_gpus` is used only by `disaggregated`, `chunk_size` only by `chunked`."""
    if mode not in MODES:
        raise InvalidInputError("mode", f"unknown mode {mode!r}; one of {', '.join(MODES)}")
    batch = check_positive("batch", batch, integer=True)
    output_len = check_positive("output_len", output_len, integer=True)
    one = serve(m, hw, 1, prompt_len, output_len, precision, decode_gpus)
    full = serve(m, hw, batch, prompt_len, output_len, precision, decode_gpus)
    if mode == "colocated":
        prefill = one.ttft_s
        cycle = output_len * full.tpot_s + batch * prefill
        tps = batch * output_len / cycle
        return ServingMode(mode, decode_gpus, prefill, cycle / output_len,
                           full.tpot_s + prefill, 0.0, tps, tps / decode_gpus,
                           bool(full.feasible), full.reason)
    if mode == "chunked":
        r = serve(m, hw, batch, prompt_len, output_len, precision, decode_gpus,
                  chunk_size=chunk_size)
        return ServingMode(mode, decode_gpus, float(r.ttft_s), float(r.tpot_s),
                           float(r.tpot_max_s), 0.0, float(r.tokens_per_s),
                           float(r.tokens_per_s) / decode_gpus, bool(r.feasible), r.reason)
    first = serve(m, hw, 1, prompt_len, output_len, precision, decode_gpus,
                  prefill_gpus=prefill_gpus)
    r = serve(m, hw, batch, prompt_len, output_len, precision, decode_gpus,
              prefill_gpus=prefill_gpus)
    tps = float(r.tokens_per_s)  # capped by how fast the prefill pool admits requests
    return ServingMode(mode, r.total_gpus, float(first.ttft_s + first.kv_transfer_s),
                       float(r.tpot_s), float(r.tpot_s), float(first.kv_transfer_s), tps,
                       tps / r.total_gpus, bool(r.feasible and first.feasible),
                       r.reason or first.reason)
