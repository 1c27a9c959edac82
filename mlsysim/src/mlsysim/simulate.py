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


@dataclass(frozen=True)
class _Workload:
    """The simulated requests: arrival times and lengths (arrays of `requests` entries)."""

    arrivals: np.ndarray
    prompt: np.ndarray
    output: np.ndarray


@dataclass(frozen=True)
class _Costs:
    """Step costs from serve()'s pass model: decode step by batch size, prefill per token."""

    decode: np.ndarray
    prefill_per_token: float
    kv_capacity_tokens: float
    limit: int


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
    w = _workload(rate, requests, prompt_len, output_len, length_spread, seed)
    c = _costs(m, h, precision, gpus, prompt_len, output_len, max_batch)
    first_token, finish, batch_mean = _run_batches(w, c)
    ttft = first_token - w.arrivals
    tpot = np.where(w.output > 1, (finish - first_token) / np.maximum(w.output - 1, 1), 0.0)
    ok = (ttft <= slo_ttft_s) & (tpot <= slo_tpot_s)
    span = float(finish.max() - w.arrivals[0])
    q = lambda x, p: float(np.percentile(x, p))  # noqa: E731
    return ServingSim(m.name, h.name, float(rate), requests, int(np.isfinite(finish).sum()),
                      c.limit, batch_mean, q(ttft, 50), q(ttft, 90), q(ttft, 99),
                      q(tpot, 50), q(tpot, 90), q(tpot, 99), float(w.output.sum()) / span,
                      float(ok.sum()) / span, float(ok.mean()), slo_ttft_s, slo_tpot_s, span,
                      seed)


def _workload(rate: float, requests: int, prompt_len: int, output_len: int,
              spread: float, seed: int) -> _Workload:
    """Poisson arrivals; lognormal lengths with mean `prompt_len`/`output_len` if `spread`."""
    rng = np.random.default_rng(seed)
    arrivals = np.cumsum(rng.exponential(1.0 / rate, requests))
    if spread > 0:
        mu = -0.5 * spread ** 2
        p_len = np.maximum(1, np.round(prompt_len * rng.lognormal(mu, spread, requests)))
        o_len = np.maximum(1, np.round(output_len * rng.lognormal(mu, spread, requests)))
    else:
        p_len = np.full(requests, float(prompt_len))
        o_len = np.full(requests, float(output_len))
    return _Workload(arrivals, p_len, o_len)


def _costs(m: Model, h: Hardware, precision: str, gpus: int, prompt_len: int,
           output_len: int, max_batch: int | None) -> _Costs:
    """Tabulate step costs once (decode by batch size at the mean context, prefill per
    prompt token) and the KV-cache room, so the loop only does array bookkeeping."""
    b = precision_bytes(precision)
    usable = h.memory_bytes * gpus * (1 - SERVING_RESERVE) - model_size_bytes(m, precision)
    if usable <= 0:
        raise InvalidInputError("hardware", f"{m.name} weights do not fit on {gpus} x {h.name}")
    kv_per_token = kv_cache_bytes(m, 1, 1, "fp16" if precision in ("int8", "int4") else precision)
    kv_tokens = usable / kv_per_token
    limit = int(max_batch) if max_batch else int(min(1024, kv_tokens // (prompt_len + output_len) + 1))
    limit = max(limit, 1)
    batches = np.arange(1, limit + 1, dtype=float)
    decode_t, _ = _pass_time(m, h, batches, prompt_len + output_len / 2, b, gpus, True, precision)
    per_tok = float(_pass_time(m, h, float(prompt_len), prompt_len, b, gpus, False,
                               precision)[0]) / prompt_len
    return _Costs(np.asarray(decode_t, dtype=float), per_tok, kv_tokens, limit)


def _admit(w: _Workload, c: _Costs, running: np.ndarray, nxt: int, t: float) -> np.ndarray:
    """Requests that arrived by `t` and fit the batch limit and the free KV cache, in order
    (a request larger than memory still runs alone: the simulator does not truncate)."""
    cand = np.arange(nxt, np.searchsorted(w.arrivals, t, side="right"))
    if not cand.size:
        return cand
    kv_used = float(np.sum(w.prompt[running] + w.output[running]))
    need = np.cumsum(w.prompt[cand] + w.output[cand])
    k = int(min(c.limit - running.size, np.searchsorted(need, c.kv_capacity_tokens - kv_used,
                                                        side="right")))
    return cand[:max(k, 1 if running.size == 0 else 0)]


def _run_batches(w: _Workload, c: _Costs) -> tuple[np.ndarray, np.ndarray, float]:
    """Iteration-level continuous batching: (first-token time, finish time, mean batch).

    Each iteration decodes one token for every running request plus the prefill of the
    requests admitted in it; when none join, it jumps over the decode steps until the next
    arrival or completion."""
    n = w.arrivals.size
    first_token, finish = np.full(n, np.nan), np.full(n, np.nan)
    remaining = w.output.copy()
    running = np.zeros(0, dtype=int)
    nxt, t, batch_sum, iters = 0, 0.0, 0.0, 0
    while nxt < n or running.size:
        if running.size == 0 and nxt < n and w.arrivals[nxt] > t:
            t = w.arrivals[nxt]
        admitted = _admit(w, c, running, nxt, t)
        nxt += admitted.size
        n_run = running.size + admitted.size
        step = c.decode[min(n_run, c.limit) - 1]
        if admitted.size == 0:
            k = float(remaining[running].min())
            if nxt < n:
                k = min(k, max(1.0, np.ceil((w.arrivals[nxt] - t) / step)))
        else:
            k, step = 1.0, (step if running.size else 0.0) + c.prefill_per_token * float(
                np.sum(w.prompt[admitted]))
        t += k * step
        iters += int(k)
        batch_sum += k * n_run
        first_token[admitted] = t
        remaining[admitted] -= 1
        remaining[running] -= k
        running = np.concatenate([running, admitted])
        finish[running[remaining[running] <= 0]] = t
        running = running[remaining[running] > 0]
    return first_token, finish, batch_sum / max(iters, 1)
