"""Registry of hardware, fabrics and models, loaded once from the YAML files in data/.

Lookups are forgiving ("H100", "h100-sxm", "Llama3 70B") because learners type names from
memory; a miss raises UnknownNameError listing the closest names so the fix is obvious."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from ._units import BYTES_PER_ELEMENT, ResultMixin, norm_precision, si
from .errors import InvalidInputError, MlsysimError, PrecisionError, UnknownNameError
from .layers import CNNSummary, summarize_cnn


def _key(name: str) -> str:
    """Normalise a name: lower case, drop punctuation and spaces ('Llama-3 70B' -> 'llama370b')."""
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@cache
def _load(filename: str) -> list[dict[str, Any]]:
    text = resources.files("mlsysim").joinpath("data", filename).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, list):
        raise MlsysimError(f"{filename}: expected a list of entries")
    return data


# --------------------------------------------------------------------------- hardware
@dataclass(frozen=True)
class Fabric(ResultMixin):
    """A link or network: per-direction bandwidth (bytes/s) and small-message latency (s)."""

    def __hash__(self) -> int:  # usable as dict keys / in sets despite dict-valued fields
        return hash((type(self).__name__, self.name))

    name: str
    kind: str
    bw_per_direction: float
    latency_s: float
    source: str

    _units = {"bw_per_direction": "B/s", "latency_s": "s"}


@dataclass(frozen=True)
class Hardware(ResultMixin):
    """One accelerator or device. `flops` maps precision -> dense peak FLOP/s (absent when the
    format is unsupported); memory sizes in bytes, bandwidth in bytes/s."""

    def __hash__(self) -> int:  # usable as dict keys / in sets despite dict-valued fields
        return hash((type(self).__name__, self.name))

    name: str
    category: str
    vendor: str
    flops: dict[str, float]
    memory_bytes: float
    memory_bw: float
    sram_bytes: float | None
    flash_bytes: float | None
    tdp_w: float
    price_usd: float | None
    price_per_hour: float | None
    host_link: str | None
    scale_up: str | None
    source: str
    aliases: tuple[str, ...] = field(default=(), repr=False)
    core: str | None = None        # CPU core(s), e.g. "Cortex-M7" (kits read it, never retype it)
    clock_hz: float | None = None  # CPU clock
    # streaming multiprocessors (NVIDIA) / compute units (AMD): GEMM tiles run in waves of this
    sm_count: int | None = None

    # aliases that chapters use
    @property
    def memory(self) -> float:
        return self.memory_bytes

    @property
    def sram(self) -> float | None:
        return self.sram_bytes

    @property
    def flash(self) -> float | None:
        return self.flash_bytes

    @property
    def tdp(self) -> float:
        return self.tdp_w

    def peak(self, precision: str = "bf16") -> float:
        """Dense peak FLOP/s at `precision`; raises PrecisionError when the chip lacks it."""
        p = norm_precision(precision)
        if p not in self.flops:
            if p == "int4" and "int8" in self.flops:
                return self.flops["int8"]
            raise PrecisionError(
                "precision",
                f"{self.name} has no {p} peak rate (supports {', '.join(self.flops)})",
            )
        return self.flops[p]

    def ridge_point(self, precision: str = "bf16") -> float:
        """FLOPs per byte above which a kernel is compute-bound on this device."""
        return self.peak(precision) / self.memory_bw

    def fabric(self) -> Fabric | None:
        return fabric(self.scale_up) if self.scale_up else None

    def __str__(self) -> str:
        peaks = ", ".join(f"{p} {si(v, 'FLOP/s')}" for p, v in self.flops.items())
        lines = [
            f"{self.name} ({self.vendor}, {self.category})",
            f"  peak (dense)  {peaks}",
            f"  memory        {si(self.memory_bytes, 'B')} at {si(self.memory_bw, 'B/s')}",
        ]
        if self.sram_bytes:
            lines.append(f"  on-chip SRAM  {si(self.sram_bytes, 'B')}")
        if self.flash_bytes:
            lines.append(f"  flash         {si(self.flash_bytes, 'B')}")
        if self.core:
            clock = f" at {si(self.clock_hz, 'Hz')}" if self.clock_hz else ""
            lines.append(f"  CPU           {self.core}{clock}")
        lines.append(f"  power         {self.tdp_w:g} W")
        if self.price_usd:
            lines.append(f"  price         ~${self.price_usd:,.0f}")
        lines.append(f"  source        {self.source}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- models
@dataclass(frozen=True)
class Model(ResultMixin):
    """A model architecture. Parameter counts, FLOPs and cache sizes are derived from these
    fields, so a change in architecture (GQA, MoE, MLA, tied embeddings) shows up everywhere."""

    def __hash__(self) -> int:  # usable as dict keys / in sets despite dict-valued fields
        return hash((type(self).__name__, self.name))

    name: str
    kind: str  # "transformer" | "cnn"
    params: int
    active_params: int
    source: str
    n_layers: int = 0
    d_model: int = 0
    heads: int = 0
    kv_heads: int = 0
    head_dim: int = 0
    ffn: int = 0
    gated: bool = False
    vocab: int = 0
    max_seq: int = 0
    tied: bool = False
    pos: str = "rope"
    norm: str = "layernorm"
    bias: bool = False
    parallel_block: bool = False  # attention and MLP side by side on one norm (GPT-J, PaLM, Falcon)
    moe: dict[str, int] | None = None
    mla: dict[str, int] | None = None
    vit: dict[str, int] | None = None
    published_params: float | None = None
    published_active_params: float | None = None
    published_flops: float | None = None
    cnn: CNNSummary | None = field(default=None, repr=False)
    embedding_params: int = 0

    _units = {"params": "", "active_params": ""}

    @property
    def n_heads(self) -> int:
        return self.heads

    @property
    def is_moe(self) -> bool:
        return bool(self.moe)

    @property
    def vit_tokens(self) -> int:
        if not self.vit:
            return 0
        return (self.vit["image"] // self.vit["patch"]) ** 2 + 1

    @property
    def activation_bytes_peak(self) -> float:
        """Largest live activation set (int8 elements) of a CNN forward pass, for TinyML arenas."""
        return self.cnn.peak_activation_elems if self.cnn else 0.0

    def __str__(self) -> str:
        lines = [f"{self.name} ({self.kind})", f"  params        {si(self.params)}"]
        if self.moe:
            lines.append(f"  active params {si(self.active_params)} per token")
        if self.kind == "transformer":
            kv = f" (kv heads {self.kv_heads})" if self.kv_heads != self.heads else ""
            lines.append(
                f"  layers {self.n_layers}, d_model {self.d_model}, heads {self.heads}{kv}, "
                f"ffn {self.ffn}{' gated' if self.gated else ''}, vocab {self.vocab}"
            )
        lines.append(f"  source        {self.source}")
        return "\n".join(lines)


def _mlp_params(d: int, f: int, gated: bool, bias: bool) -> int:
    n = (3 if gated else 2) * d * f
    if bias:
        n += (2 * f if gated else f) + d
    return n


def _attn_params(e: dict[str, Any]) -> int:
    d, h = e["d_model"], e["heads"]
    if e.get("mla"):
        m = e["mla"]
        qk = m["qk_nope_head_dim"] + m["qk_rope_head_dim"]
        n = 0
        if m.get("q_lora_rank"):
            n += d * m["q_lora_rank"] + m["q_lora_rank"] + m["q_lora_rank"] * h * qk
        else:
            n += d * h * qk
        n += d * (m["kv_lora_rank"] + m["qk_rope_head_dim"]) + m["kv_lora_rank"]
        n += m["kv_lora_rank"] * h * (m["qk_nope_head_dim"] + m["v_head_dim"])
        n += h * m["v_head_dim"] * d
        return n
    hd, kv = e["head_dim"], e["kv_heads"]
    n = d * h * hd + 2 * d * kv * hd + h * hd * d
    if e.get("bias"):
        n += h * hd + 2 * kv * hd + d
    return n


def _derive_transformer(e: dict[str, Any]) -> tuple[int, int, int]:
    """(total params, params active per token, embedding-lookup params)."""
    d = e["d_model"]
    norm_p = (2 * d) if e["norm"] == "layernorm" else d
    attn = _attn_params(e)
    dense_mlp = _mlp_params(d, e["ffn"], e["gated"], e["bias"])
    layers = e["layers"]
    total = active = 0
    moe = e.get("moe")
    for_dense = layers if not moe else moe.get("first_dense", 0)
    total += for_dense * (attn + dense_mlp + 2 * norm_p)
    active += for_dense * (attn + dense_mlp + 2 * norm_p)
    if moe:
        n_moe = layers - for_dense
        ef = moe.get("ffn", e["ffn"])
        expert = _mlp_params(d, ef, e["gated"], e["bias"])
        shared = moe.get("shared", 0)
        router = d * moe["experts"]
        total += n_moe * (attn + 2 * norm_p + router + (moe["experts"] + shared) * expert)
        active += n_moe * (attn + 2 * norm_p + router + (moe["top_k"] + shared) * expert)
    final_norm = norm_p
    if e.get("vit"):
        v = e["vit"]
        patches = (v["image"] // v["patch"]) ** 2
        embed = v["patch"] ** 2 * v["channels"] * d + d + d + (patches + 1) * d  # conv, cls, pos
        head = d * v["classes"] + v["classes"]
        total += embed + head + final_norm
        active += embed + head + final_norm
        return total, active, 0
    emb = e["vocab"] * d
    pos = e["max_seq"] * d if e["pos"] == "learned" else 0
    head = 0 if e["tied"] else e["vocab"] * d
    total += emb + pos + head + final_norm
    active += emb + pos + head + final_norm
    return total, active, emb + pos


_TRANSFORMER_DEFAULTS = dict(kv_heads=None, head_dim=None, gated=False, vocab=0, max_seq=2048,
                             tied=False, pos="rope", norm="layernorm", bias=False, moe=None,
                             mla=None, vit=None, parallel_block=False)


def _build_model(e: dict[str, Any]) -> Model:
    kind = e.get("kind")
    common = dict(
        name=e["name"], kind=kind, source=e.get("source", ""),
        published_params=_f(e.get("published_params")),
        published_active_params=_f(e.get("published_active_params")),
        published_flops=_f(e.get("published_flops")),
    )
    if kind == "transformer":
        e = {**_TRANSFORMER_DEFAULTS, **e}
        if e["kv_heads"] is None:
            e["kv_heads"] = e["heads"]
        if e["head_dim"] is None:
            e["head_dim"] = e["d_model"] // e["heads"]
        total, active, emb = _derive_transformer(e)
        return Model(
            **common, params=int(total), active_params=int(active), n_layers=e["layers"],
            d_model=e["d_model"], heads=e["heads"], kv_heads=e["kv_heads"],
            head_dim=e["head_dim"], ffn=e["ffn"], gated=e["gated"], vocab=e["vocab"],
            max_seq=e["max_seq"], tied=e["tied"], pos=e["pos"], norm=e["norm"], bias=e["bias"],
            moe=e["moe"], mla=e["mla"], vit=e["vit"], embedding_params=int(emb),
            parallel_block=bool(e["parallel_block"]),
        )
    if kind == "cnn":
        summary = summarize_cnn(e["name"], tuple(e["input"]), tuple(e["layers"]))
        return Model(**common, params=summary.params, active_params=summary.params,
                     n_layers=len(summary.layers), cnn=summary)
    raise MlsysimError(f"models.yaml: entry {e.get('name')!r}: unknown kind {kind!r}")


# --------------------------------------------------------------------------- lookup
@cache
def _index(kind: str) -> tuple[dict[str, Any], dict[str, str]]:
    """Build {canonical name: object} and {normalised key or alias: canonical name}."""
    filename = {"hardware": "hardware.yaml", "model": "models.yaml", "fabric": "fabrics.yaml"}[kind]
    objects: dict[str, Any] = {}
    keys: dict[str, str] = {}
    required = {"hardware": ("name", "category", "vendor", "flops", "memory_bytes", "memory_bw",
                             "tdp_w", "source"),
                "fabric": ("name", "kind", "bw_per_direction", "latency_s", "source"),
                "model": ("name", "kind")}[kind]
    for i, entry in enumerate(_load(filename)):
        missing = [f for f in required if not isinstance(entry, dict) or f not in entry]
        if missing:
            label = entry.get("name", "?") if isinstance(entry, dict) else repr(entry)
            raise MlsysimError(f"{filename}: entry {i + 1} ({label}): missing field(s) "
                               f"{', '.join(missing)}")
        name = entry["name"]
        if kind == "hardware":
            obj = Hardware(
                name=name, category=entry["category"], vendor=entry["vendor"],
                flops={k: float(v) for k, v in entry["flops"].items()},
                memory_bytes=float(entry["memory_bytes"]), memory_bw=float(entry["memory_bw"]),
                sram_bytes=_f(entry.get("sram_bytes")), flash_bytes=_f(entry.get("flash_bytes")),
                tdp_w=float(entry["tdp_w"]), price_usd=_f(entry.get("price_usd")),
                price_per_hour=_f(entry.get("price_per_hour")), host_link=entry.get("host_link"),
                scale_up=entry.get("scale_up"), source=entry["source"],
                aliases=tuple(entry.get("aliases", [])), core=entry.get("core"),
                clock_hz=_f(entry.get("clock_hz")),
                sm_count=int(entry["sm_count"]) if entry.get("sm_count") else None,
            )
            for p in obj.flops:
                if p not in BYTES_PER_ELEMENT:
                    raise MlsysimError(f"hardware.yaml: {name}: unknown precision {p!r}")
        elif kind == "fabric":
            obj = Fabric(name=name, kind=entry["kind"],
                         bw_per_direction=float(entry["bw_per_direction"]),
                         latency_s=float(entry["latency_s"]), source=entry["source"])
        else:
            obj = _build_model(entry)
        objects[name] = obj
        for alias in [name, *entry.get("aliases", [])]:
            keys.setdefault(_key(alias), name)
    return objects, keys


def _f(v: Any) -> float | None:
    return None if v is None else float(v)


def _lookup(kind: str, name: Any) -> Any:
    objects, keys = _index(kind)
    if isinstance(name, Hardware | Model | Fabric):
        return name
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError(kind, f"expected a {kind} name, got {name!r}")
    k = _key(name)
    if k in keys:
        return objects[keys[k]]
    # unique prefix match ("h100sxm5" -> H100-SXM handled by alias; "llama38" -> Llama-3-8B)
    hits = sorted({v for key, v in keys.items() if key.startswith(k)})
    if len(hits) == 1:
        return objects[hits[0]]
    close = difflib.get_close_matches(k, list(keys), n=5, cutoff=0.5)
    suggestions = list(dict.fromkeys(keys[c] for c in close)) or hits[:5]
    raise UnknownNameError(kind, name, suggestions)


def hardware(name: str | Hardware) -> Hardware:
    """Look up an accelerator or device by (forgiving) name, e.g. ``hardware("H100")``."""
    return _lookup("hardware", name)


def model(name: str | Model) -> Model:
    """Look up a model architecture by (forgiving) name, e.g. ``model("Llama3 70B")``."""
    return _lookup("model", name)


def fabric(name: str | Fabric) -> Fabric:
    """Look up an interconnect by name, e.g. ``fabric("IB-NDR")`` or ``fabric("NVLink4")``."""
    return _lookup("fabric", name)


def list_hardware(category: str | None = None) -> list[str]:
    """Names of registered hardware, optionally only 'datacenter', 'edge' or 'tiny'."""
    objects, _ = _index("hardware")
    cats = {h.category for h in objects.values()}
    if category is not None and category not in cats:
        raise InvalidInputError("category", f"{category!r} is not one of {sorted(cats)}")
    return [n for n, h in objects.items() if category is None or h.category == category]


def list_models() -> list[str]:
    """Names of registered models."""
    return list(_index("model")[0])


def list_fabrics() -> list[str]:
    """Names of registered interconnects."""
    return list(_index("fabric")[0])


_TRANSFORMER_FIELDS = ("layers", "d_model", "heads", "kv_heads", "head_dim", "ffn", "gated",
                       "vocab", "max_seq", "tied", "pos", "norm", "bias", "moe", "mla", "vit")


def _check_arch(e: dict[str, Any]) -> None:
    for f in ("layers", "d_model", "heads", "ffn"):
        v = e.get(f)
        if not isinstance(v, int) or isinstance(v, bool) or v <= 0:
            raise InvalidInputError(f, f"must be a positive whole number, got {v!r}")
    kv = e.get("kv_heads")
    if kv is not None and (not isinstance(kv, int) or kv <= 0 or e["heads"] % kv):
        raise InvalidInputError("kv_heads", f"must divide heads={e['heads']}, got {kv!r}")
    if e.get("head_dim") is None and e["d_model"] % e["heads"]:
        raise InvalidInputError("heads", f"d_model={e['d_model']} is not divisible by "
                                f"heads={e['heads']} (or give head_dim)")


def transformer(name: str = "custom", **arch: Any) -> Model:
    """Build a transformer from architecture fields (the same ones as models.yaml), with
    parameter counts derived, e.g. ``transformer(layers=24, d_model=2048, heads=16,
    ffn=8192, vocab=32000, gated=True)``. For labs that let learners design a model."""
    unknown = set(arch) - set(_TRANSFORMER_FIELDS)
    if unknown:
        raise InvalidInputError(sorted(unknown)[0], f"unknown architecture field; use "
                                f"{', '.join(_TRANSFORMER_FIELDS)}")
    e = {"name": name, "kind": "transformer", "source": "user-defined", **arch}
    _check_arch(e)
    return _build_model(e)


def cnn(name: str, input_shape: tuple[int, int, int], layers: tuple[str, ...] | list[str],
        source: str = "") -> Model:
    """A CNN described like models.yaml does (`input_shape` is (H, W, C); layer strings such as
    `"conv 3x3 8 s2"`, `"dw 3x3"`, `"maxpool 2x2 s2"`, `"avgpool"`, `"fc 4"`), so a project's own
    network gets the same derived params, FLOPs and activation peak as the registry's models."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("name", f"expected a model name, got {name!r}")
    return _build_model({"name": name, "kind": "cnn", "input": list(input_shape),
                         "layers": list(layers), "source": source})


def variant(m: Model | str, name: str | None = None, **changes: Any) -> Model:
    """A registry transformer with some fields changed and every count re-derived, e.g.
    ``variant("Llama-2-7B", kv_heads=8)`` for a GQA version, or ``layers=16`` for a shallower one."""
    base = model(m)
    if base.kind != "transformer":
        raise InvalidInputError("model", f"variant() works on transformers; {base.name} is a {base.kind}")
    arch = {"layers": base.n_layers, "d_model": base.d_model, "heads": base.heads,
            "kv_heads": base.kv_heads, "head_dim": base.head_dim, "ffn": base.ffn,
            "gated": base.gated, "vocab": base.vocab, "max_seq": base.max_seq,
            "tied": base.tied, "pos": base.pos, "norm": base.norm, "bias": base.bias,
            "moe": base.moe, "mla": base.mla, "vit": base.vit}
    if "d_model" in changes or "heads" in changes:
        arch["head_dim"] = None  # re-derive unless given explicitly
    arch.update(changes)
    return transformer(name or f"{base.name} (variant)", **arch)
