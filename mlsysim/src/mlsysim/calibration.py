"""`mlsysim calibrate`: fit the efficiency model's few numbers per device family.

Least squares on log errors (so a 10% miss weighs the same on a 7 ms latency and a 140
TFLOP/s throughput), Levenberg-Marquardt with a finite-difference Jacobian, over the
`calibration` rows of `data/measurements.yaml` only: `calibrate()` refuses any other row, so
the held-out set cannot leak into the fit. A parameter none of a family's cases moves keeps
its starting value and is reported as not fitted."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from . import efficiency as eff
from .errors import MlsysimError
from .validation import Measurement, measurements, predict

#: search bounds of each fitted parameter
#: search bounds of each fitted parameter: physical limits, not tuning. No GPU streams DRAM
#: above ~95% of its datasheet rate or runs a GEMM above ~95% of peak; a kernel launch plus
#: its scheduling gap costs between 1 and 10 microseconds on current drivers; a serving
#: runtime's host work per step, between 1 microsecond and 2 ms.
#: Fused attention: the range published FlashAttention kernels span, from FlashAttention-2 on
#: an H100 (~35% of the BF16 peak) to FlashAttention-3 on the same GPU (~75%; Shah et al.
#: 2024) and FlashAttention-2 on an A100 (50-73%; Dao 2023).
#: A per-head decode kernel's K/V re-reads hit on-chip cache between never and almost always.
BOUNDS = {"gemm": (0.2, 0.95), "fp8": (0.2, 0.95), "attention": (0.35, 0.75), "memory": (0.3, 0.95),
          "launch_s": (1e-6, 1e-5), "step_s": (1e-6, 2e-3), "seq_s": (1e-9, 2e-4), "kv_reuse": (1e-3, 0.99),
          "train": (0.5, 1.0), "contention": (1e-3, 1.0)}
#: where every fit starts, so a refit does not depend on the file it overwrites
START = {"gemm": 0.7, "fp8": 0.6, "attention": 0.56, "memory": 0.8, "launch_s": 4e-6, "step_s": 1e-4, "seq_s": 1e-5, "kv_reuse": 0.5,
         "train": 0.8, "contention": 0.2}
#: the family whose 16-bit serving rows pin the GEMM fraction, so that its training rows can
#: set the shared training-framework factor (`efficiency.SHARED`) that every family uses
SHARED_FROM = "A100"


@dataclass(frozen=True)
class FittedValue:
    """One fitted number and the calibration cases whose predictions it moves; a shared
    value (`efficiency.SHARED`) names the family it was fitted on instead."""

    family: str
    name: str
    value: float
    fitted: bool
    cases: tuple[str, ...]
    shared_from: str = ""


@dataclass(frozen=True)
class Calibration:
    """Result of a fit: every value, and each calibration case's error after the fit."""

    values: tuple[FittedValue, ...]
    errors: tuple[tuple[str, float], ...]

    def __str__(self) -> str:
        lines = []
        for v in self.values:
            lo, hi = BOUNDS[v.name]
            how = (f"shared from {v.shared_from}" if v.shared_from else
                   "not fitted (no case moves it)" if not v.fitted else
                   "fitted, at its bound" if min(abs(v.value - lo), abs(v.value - hi)) < 1e-9 * hi
                   else "fitted")
            shown = f"{v.value * 1e6:.2f} us" if v.name.endswith("_s") else f"{v.value:.3f}"
            lines.append(f"{v.family:<8}{v.name:<10}{shown:>10}  {how}"
                         + (f"; set by {', '.join(v.cases)}" if v.cases else ""))
        lines.append("calibration errors after the fit:")
        lines += [f"  {cid:<34}{e:+.1%}" for cid, e in self.errors]
        return "\n".join(lines)


def calibration_cases() -> tuple[Measurement, ...]:
    """The rows the fit may read: `set: calibration` and nothing else."""
    return tuple(c for c in measurements() if c.set == "calibration")


def _log_residuals(fam: str, names: list[str], x: np.ndarray,
                   cases: list[Measurement], fixed: dict[str, float] | None = None) -> np.ndarray:
    with eff.override(fam, **(fixed or {}), **dict(zip(names, x.tolist(), strict=True))):
        return np.array([np.log(predict(c) / c.measured) for c in cases])


def _fit_family(fam: str, cases: list[Measurement], fixed: dict[str, float] | None = None
                ) -> tuple[list[FittedValue], np.ndarray]:
    """Levenberg-Marquardt over the family's parameters; `fixed` ones are held (shared)."""
    fixed = fixed or {}
    names = [n for n in eff.FITTED if n not in fixed]
    x = np.array([START[n] for n in names], dtype=float)
    lo = np.array([BOUNDS[n][0] for n in names])
    hi = np.array([BOUNDS[n][1] for n in names])
    r = _log_residuals(fam, names, x, cases, fixed)
    J = np.zeros((len(cases), len(names)))
    lam = 1e-2
    active = None
    for _ in range(25):
        for j in range(len(names)):  # d residual / d log(parameter)
            xp = x.copy()
            xp[j] *= 1.01
            J[:, j] = (_log_residuals(fam, names, xp, cases, fixed) - r) / np.log(1.01)
        if active is None:
            # which parameters the cases move is decided once, at the start: a parameter
            # that reaches a bound where it barely matters (a 1 us overhead) stays fitted
            active = np.abs(J).max(axis=0) > 1e-4
            J0 = J.copy()
        Ja = J[:, active]
        A = Ja.T @ Ja
        step = -np.linalg.solve(A + lam * np.diag(np.diag(A) + 1e-9), Ja.T @ r)
        trial = x.copy()
        trial[active] = np.clip(x[active] * np.exp(step), lo[active], hi[active])
        r_trial = _log_residuals(fam, names, trial, cases, fixed)
        if r_trial @ r_trial < r @ r:
            x, r, lam = trial, r_trial, lam / 3
            if np.abs(step).max() < 1e-4:
                break
        else:
            lam *= 10
            if lam > 1e6:
                break
    out = []
    for j, n in enumerate(names):
        sens = np.maximum(np.abs(J[:, j]), np.abs(J0[:, j]))
        # the cases it moves by 1% per e-fold; a value fitted on weaker pulls names those
        cut = 0.01 if sens.max() > 0.01 else 1e-4
        moved = [c.id for i, c in enumerate(cases) if sens[i] > cut]
        out.append(FittedValue(fam, n, float(x[j]), bool(active[j]), tuple(moved)))
    return out, r


def calibrate(cases: tuple[Measurement, ...] | None = None) -> Calibration:
    """Fit every family that has calibration cases; returns the values (nothing written)."""
    cases = calibration_cases() if cases is None else cases
    leaked = [c.id for c in cases if c.set != "calibration"]
    if leaked:
        raise MlsysimError(f"calibrate() reads calibration cases only; got {', '.join(leaked)}")
    groups: dict[str, list[Measurement]] = {}
    for c in cases:
        groups.setdefault(eff.family_of(c.hardware), []).append(c)
    values, errors = [], []
    shared: dict[str, float] = {}
    for fam in sorted(groups, key=lambda f: f != SHARED_FROM):  # the sharing family first
        vals, r = _fit_family(fam, groups[fam], shared)  # empty for the sharing family
        if fam == SHARED_FROM:
            shared = {v.name: v.value for v in vals if v.name in eff.SHARED}
        else:
            vals += [FittedValue(fam, n, v, False, (), SHARED_FROM) for n, v in shared.items()]
        values += vals
        errors += [(c.id, float(np.expm1(e))) for c, e in zip(groups[fam], r, strict=True)]
    return Calibration(tuple(values), tuple(errors))


def data_path() -> Path:
    """The parameters file the model reads (inside the installed package)."""
    return Path(str(resources.files("mlsysim").joinpath("data", "calibration.yaml")))


def write(cal: Calibration, path: Path | None = None) -> Path:
    """Write the fitted values over the parameters file (temp file, then swap).

    Families keep their `members`; `default` (devices without their own family, e.g. TPU v4)
    takes the A100 family's values, and so does any value no case of a family set."""
    path = path or data_path()
    data = yaml.safe_load(data_path().read_text())
    for v in cal.values:
        fam = data["families"].setdefault(v.family, {})
        if not v.fitted and not v.shared_from and v.family != SHARED_FROM:
            fam.pop(v.name, None)  # nothing set it: the family keeps `default`'s value
            continue
        fam[v.name] = round(v.value, 10 if v.name.endswith("_s") else 4)
    if "A100" in data["families"]:
        for n in eff.FITTED:
            data["default"][n] = data["families"]["A100"][n]
    head = ["# Achieved-efficiency parameters of mlsysim.efficiency. WRITTEN BY `mlsysim calibrate`",
            "# from the calibration rows of measurements.yaml (never the held-out rows).",
            "# default: devices without a family of their own use the A100 family's values."]
    for v in cal.values:
        head.append(f"#   {v.family} {v.name}: " + (
            f"shared from {v.shared_from}" if v.shared_from else
            ", ".join(v.cases) if v.fitted else "not fitted"))
    text = "\n".join(head) + "\n" + yaml.safe_dump(data, sort_keys=False, width=100)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".calibration-", suffix=".yaml")
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        raise MlsysimError(f"cannot write the fitted parameters to {path}: {exc}") from None
    eff._table.cache_clear()
    eff._family_params.cache_clear()
    eff._family_of_name.cache_clear()
    from .serve import _run_cached  # serve's memoised passes were priced with the old values
    _run_cached.cache_clear()
    return path
