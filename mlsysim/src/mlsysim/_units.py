"""Small shared helpers: precision sizes, input checks and human-readable formatting."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, fields
from functools import lru_cache
from typing import Any

import numpy as np

from .errors import InvalidInputError

#: A scalar or a numpy array: every cost model broadcasts over its inputs.
ArrayLike = float | np.ndarray

#: Bytes per element of each number format we model.
BYTES_PER_ELEMENT: dict[str, float] = {
    "fp32": 4.0, "tf32": 4.0, "bf16": 2.0, "fp16": 2.0, "fp8": 1.0, "int8": 1.0, "int4": 0.5,
}


def precision_bytes(precision: str, field: str = "precision") -> float:
    """Bytes per element; unknown formats are a user error naming the field."""
    if not isinstance(precision, str):
        raise InvalidInputError(field, f"expected a precision name such as 'bf16', got {precision!r}")
    return _precision_bytes(precision, field)


@lru_cache(maxsize=256)
def _precision_bytes(precision: str, field: str) -> float:
    key = str(precision).lower().replace("-", "").replace("_", "")
    if key not in BYTES_PER_ELEMENT:
        raise InvalidInputError(
            field, f"unknown precision {precision!r} (choose from {', '.join(BYTES_PER_ELEMENT)})"
        )
    return BYTES_PER_ELEMENT[key]


def norm_precision(precision: str, field: str = "precision") -> str:
    precision_bytes(precision, field)
    return str(precision).lower().replace("-", "").replace("_", "")


def check_positive(field: str, value: Any, integer: bool = False, allow_zero: bool = False):
    """Validate a scalar or array of sizes; returns it unchanged (arrays stay arrays)."""
    t = type(value)
    if t is int or t is float:  # fast path: plain Python scalars (the common case in labs)
        if value != value or value in (math.inf, -math.inf):
            raise InvalidInputError(field, f"must be finite, got {value!r}")
        if value < 0 or (value == 0 and not allow_zero):
            raise InvalidInputError(field, f"must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
        if integer:
            if t is float and not value.is_integer():
                raise InvalidInputError(field, f"must be a whole number, got {value!r}")
            return int(value)
        return value
    return _check_array(field, value, integer, allow_zero)


def _check_array(field: str, value: Any, integer: bool, allow_zero: bool):
    """The slow path of `check_positive`: arrays and numpy scalars, checked element-wise."""
    arr = np.asarray(value)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number) or arr.dtype == bool:
        raise InvalidInputError(field, f"must be a number, got {value!r}")
    if not np.all(np.isfinite(arr)):
        raise InvalidInputError(field, f"must be finite, got {value!r}")
    if allow_zero:
        if np.any(arr < 0):
            raise InvalidInputError(field, f"must be >= 0, got {value!r}")
    elif np.any(arr <= 0):
        raise InvalidInputError(field, f"must be > 0, got {value!r}")
    if integer and np.any(arr != np.round(arr)):
        raise InvalidInputError(field, f"must be a whole number, got {value!r}")
    if arr.ndim == 0:
        v = arr.item()
        return int(v) if integer else v
    return arr


_PREFIXES = [(1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]


def scalar_or_array(x: np.ndarray) -> float | np.ndarray:
    """A 0-d result as a plain `float`, an array as itself: vectorised models answer a scalar
    question with a number a reader can print, and a sweep with the array."""
    return float(x) if np.ndim(x) == 0 else x


def si(value: float, unit: str = "", sig: int = 3) -> str:
    """Format with an SI prefix: 3.35e12 B/s -> '3.35 TB/s' (`sig` significant figures).
    Small arrays print element-wise."""
    if isinstance(value, np.ndarray):
        return _array_text(value, lambda x: si(x, unit, sig))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return str(value)
    if not isinstance(value, int | float | np.number):
        return str(value)
    v = float(value)
    for scale, p in _PREFIXES:
        if abs(v) >= scale:
            return f"{_g(v / scale, sig)} {p}{unit}"
    return f"{_g(v, sig)} {unit}".rstrip()


def _array_text(arr: np.ndarray, fmt) -> str:
    flat = arr.ravel()
    if flat.size == 0:
        return "[]"
    if flat.size <= 6:
        return "[" + ", ".join(fmt(x.item()) for x in flat) + "]"
    if flat.dtype.kind in "fiu":
        return f"[{flat.size} values, {fmt(flat.min().item())} .. {fmt(flat.max().item())}]"
    return f"[{flat.size} values]"


def seconds(t: float, sig: int = 3) -> str:
    """Human duration: 0.0021 -> '2.1 ms', 86400*3 -> '3 days' (`sig` significant figures)."""
    if isinstance(t, np.ndarray):
        return _array_text(t, lambda x: seconds(x, sig))
    if t is None or not math.isfinite(t):
        return "n/a"
    for limit, scale, name in _DURATIONS:
        if t < limit:
            return f"{_g(t / scale, sig)} {name}"
    return f"{_g(t / 86400, sig)} days"


# (below this many seconds, divide by, unit name)
_DURATIONS = [(1e-3, 1e-6, "us"), (1.0, 1e-3, "ms"), (120.0, 1.0, "s"), (7200.0, 60.0, "min"),
              (2 * 86400.0, 3600.0, "h")]


def _g(v: float, sig: int) -> str:
    """`format(v, '.{sig}g')`, except that numbers of 1 or more never turn into an exponent
    (989.4 at two figures is '990', not '9.9e+02')."""
    text = f"{v:.{sig}g}"
    return _sig_text(v, sig) if "e" in text and abs(v) >= 1 else text


def _sig_text(v: float, sig: int) -> str:
    """`v` to `sig` significant figures in plain notation with thousands separators
    (1234567 -> '1,230,000'; 0.000123 -> '0.000123'), never an exponent."""
    if v == 0 or not math.isfinite(v):
        return f"{v:g}"
    digits = sig - 1 - math.floor(math.log10(abs(v)))
    text = f"{round(v, digits):,.{max(digits, 0)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# units that take an SI prefix (k, M, G, ...); others print as plain numbers
_SI_UNITS = {"B", "B/s", "FLOP", "FLOP/s", "W", "J", "Wh", "Hz", "bit", "bit/s", "OPS",
             "params", "tokens/s"}


def quantity(value: float, unit: str = "", sig: int = 3) -> str:
    """One number with its unit, as prose shows it: '1.41 TB', '2.1 ms', '$1.2 M', '3.5x',
    '42%', '8,190 tokens'. Units in `_SI_UNITS` take an SI prefix; 's' reads as a duration;
    '$' goes in front; 'x' and '%' attach to the number; any other unit (tokens, GPUs, ...)
    follows a plain number with thousands separators. `sig` is the significant figures.
    This is the one formatter labs, pages, questions and problem sets show numbers with."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    v = float(value)
    if unit in _SI_UNITS:
        return si(v, unit, sig)
    if unit == "s":
        return seconds(v, sig)
    if unit == "$":
        return "$" + (si(v, "", sig).replace(" ", "") if abs(v) >= 1e6 else _sig_text(v, sig))
    if unit in ("x", "%"):
        return f"{_sig_text(v, sig)}{unit}"
    return f"{_sig_text(v, sig)} {unit}".rstrip()


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


class ResultMixin:
    """Shared behaviour of result dataclasses: a readable summary and JSON export.

    Subclasses list `_units` {field: unit} so the summary shows '2.1 ms' rather than raw
    floats; a learner printing a result should be able to read it without the docs."""

    _units: dict[str, str] = {}

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))  # type: ignore[call-overload]

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), **kw)

    def __str__(self) -> str:
        lines = [type(self).__name__]
        for f in fields(self):  # type: ignore[arg-type]
            if f.name.startswith("_"):
                continue
            v = getattr(self, f.name)
            unit = self._units.get(f.name)
            if unit == "s":
                txt = seconds(v)
            elif unit is not None:
                txt = si(v, unit)
            elif isinstance(v, float):
                txt = f"{v:.4g}"
            elif isinstance(v, np.ndarray):
                txt = _array_text(v, lambda x: f"{x:.4g}" if isinstance(x, float) else str(x))
            elif isinstance(v, list | tuple) and len(v) > 6:
                txt = f"[{len(v)} items]"
            else:
                txt = str(v)
            lines.append(f"  {f.name:<24} {txt}")
        return "\n".join(lines)
