"""Continuous batching under Poisson arrivals: what the p99 looks like when load is random.

Iteration-level simulation (as in Orca/vLLM schedulers): every iteration runs one decode
step for all running requests plus the prefill of requests admitted this iteration; requests
join as soon as KV-cache memory and the batch limit allow. Step costs come from the same
roofline model as serve(), tabulated once per batch size, so the loop only does array
bookkeeping and a 1,000-request run takes tens of milliseconds."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._units import ResultMixin, check_positive, norm_precision, precision_bytes
from .errors import InvalidInputError
from .memory import kv_cache_bytes, model_size_bytes
from .registry import Hardware, Model, hardware, model
from .serve import SERVING_RESERVE, _pass_time


@dataclass(frozen=True)
class ServingSim(ResultMixin):
    """Latency percentiles and goodput of a simulated serving run."""

    model: str
    hardware: str
    rate_rps: float
    requests: int
    completed: int
    max_batch: int
    mean_batch: float
    ttft_p50_s: float
    ttft_p90_s: float
    ttft_p99_s: float
    tpot_p50_s: float
    tpot_p90_s: float
    tpot_p99_s: float
    throughput_tokens_per_s: float
    goodput_rps: float
    slo_attainment: float
    slo_ttft_s: float
    slo_tpot_s: float
    duration_s: float
    seed: int

    _units = {"ttft_p50_s": "s", "ttft_p90_s": "s", "ttft_p99_s": "s", "tpot_p50_s": "s",
              "tpot_p90_s": "s", "tpot_p99_s": "s", "throughput_tokens_per_s": "tok/s",
              "slo_ttft_s": "s", "slo_tpot_s": "s", "duration_s": "s"}


def simulate_serving(m: Model | str, hw: Hardware | str, rate: float, requests: int = 1000,
                     prompt_len: int = 512, output_len: int = 256, precision: str = "fp16",
                     gpus: int = 1, max_batch: int | None = None, slo_ttft_s: float = 1.0,
                     slo_tpot_s: float = 0.1, length_spread: float = 0.0,
                     seed: int = 0) -> ServingSim:
    """Simulate `requests` Poisson arrivals at `rate` req/s under continuous batching.

    `length_spread` > 0 draws prompt and output lengths from a lognormal with that sigma
    around the given means (0 = fixed lengths). Same seed, same answer."""
    m, h = model(m), hardware(hw)
    rate = check_positive("rate", rate)
    requests = check_positive("requests", requests, integer=True)
    prompt_len = check_positive("prompt_len", prompt_len, integer=True)
    output_len = check_positive("output_len", output_len, integer=True)
    gpus = check_positive("gpus", gpus, integer=True)
    precision = norm_precision(precision)
    check_positive("length_spread", length_spread, allow_zero=True)
    if m.kind != "transformer" or not m.vocab:
        raise InvalidInputError("model", f"{m.name} is not a decoder LLM")
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / rate, requests))
    if length_spread > 0:
        mu = -0.5 * length_spread ** 2
        p_len = np.maximum(1, np.round(prompt_len * rng.lognormal(mu, length_spread, requests)))
        o_len = np.maximum(1, np.round(output_len * rng.lognormal(mu, length_spread, requests)))
    else:
        p_len = np.full(requests, float(prompt_len))
        o_len = np.full(requests, float(output_len))
    b = precision_bytes(precision)
    usable = h.memory_bytes * gpus * (1 - SERVING_RESERVE) - model_size_bytes(m, precision)
    if usable <= 0:
        raise InvalidInputError("hardware", f"{m.name} weights do not fit on {gpus} x {h.name}")
    kv_per_token = kv_cache_bytes(m, 1, 1, "fp16" if precision in ("int8", "int4") else precision)
    kv_capacity_tokens = usable / kv_per_token
    limit = int(max_batch) if max_batch else int(min(1024, kv_capacity_tokens // (prompt_len + output_len) + 1))
    limit = max(limit, 1)
    # cost tables: decode step by batch size (at the mean context), prefill by prompt tokens
    batches = np.arange(1, limit + 1, dtype=float)
    decode_t, _ = _pass_time(m, h, batches, prompt_len + output_len / 2, b, gpus, True, precision)
    decode_t = np.asarray(decode_t, dtype=float)
    per_tok_prefill = float(_pass_time(m, h, float(prompt_len), prompt_len, b, gpus, False,
                                       precision)[0]) / prompt_len

    first_token = np.full(requests, np.nan)
    finish = np.full(requests, np.nan)
    remaining = o_len.copy()
    running = np.zeros(0, dtype=int)
    nxt = 0
    t = 0.0
    batch_sum = 0.0
    iters = 0
    while nxt < requests or running.size:
        if running.size == 0 and nxt < requests and arrivals[nxt] > t:
            t = arrivals[nxt]
        # admit arrived requests while the batch limit and KV memory allow
        kv_used = float(np.sum(p_len[running] + o_len[running]))
        arrived_end = np.searchsorted(arrivals, t, side="right")
        cand = np.arange(nxt, arrived_end)
        if cand.size:
            room = limit - running.size
            need = np.cumsum(p_len[cand] + o_len[cand])
            k = int(min(room, np.searchsorted(need, kv_capacity_tokens - kv_used, side="right")))
            if k == 0 and running.size == 0:
                k = 1  # a request larger than memory still runs alone (truncated by reality)
            admitted = cand[:k]
            nxt += k
        else:
            admitted = cand
        n_run = running.size + admitted.size
        if admitted.size == 0:
            # nothing joins: jump over the decode steps until the next arrival or completion
            step = decode_t[min(n_run, limit) - 1]
            k = float(remaining[running].min())
            if nxt < requests:
                k = min(k, max(1.0, np.ceil((arrivals[nxt] - t) / step)))
            t += k * step
            iters += int(k)
            batch_sum += k * n_run
            remaining[running] -= k
            done = running[remaining[running] <= 0]
            finish[done] = t
            running = running[remaining[running] > 0]
            continue
        step = decode_t[min(n_run, limit) - 1] if running.size else 0.0
        step += per_tok_prefill * float(np.sum(p_len[admitted]))
        t += step
        iters += 1
        batch_sum += n_run
        first_token[admitted] = t
        remaining[admitted] -= 1
        remaining[running] -= 1
        running = np.concatenate([running, admitted])
        done = running[remaining[running] <= 0]
        finish[done] = t
        running = running[remaining[running] > 0]
    ttft = first_token - arrivals
    tpot = np.where(o_len > 1, (finish - first_token) / np.maximum(o_len - 1, 1), 0.0)
    ok = (ttft <= slo_ttft_s) & (tpot <= slo_tpot_s)
    span = float(finish.max() - arrivals[0]) if requests else 0.0
    q = lambda x, p: float(np.percentile(x, p))  # noqa: E731
    return ServingSim(m.name, h.name, float(rate), requests, int(np.isfinite(finish).sum()),
                      limit, batch_sum / max(iters, 1), q(ttft, 50), q(ttft, 90), q(ttft, 99),
                      q(tpot, 50), q(tpot, 90), q(tpot, 99), float(o_len.sum()) / span,
                      float(ok.sum()) / span, float(ok.mean()), slo_ttft_s, slo_tpot_s, span,
                      seed)
