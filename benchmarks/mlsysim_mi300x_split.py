"""Print the held-out errors of the MI300X family under the AMD-VLLM split first tried.

measurements.yaml and mlsysim's validation page say that split was changed once, after a
prediction: fitted on AMD's Llama 3.1 70B rows alone, the family predicted the 405B rows
12-24% too fast and the held-out inference median rose to 13%. This script refits the
MI300X family that way (nothing is written) and prints those figures next to the committed
split's, so the claim can be checked.

Usage: python benchmarks/mlsysim_mi300x_split.py"""

from __future__ import annotations

import dataclasses

import numpy as np

from mlsysim import calibration, efficiency, validation


def first_split(c: validation.Measurement) -> validation.Measurement:
    """70B rows calibrate, 405B rows are held out (both prompt lengths)."""
    if c.id.startswith("amd-mi300x-"):
        return dataclasses.replace(c, set="calibration" if "-70b-" in c.id else "heldout")
    return c


def report(title: str, cases: list[validation.Measurement]) -> None:
    """Fit the MI300X family on `cases`' AMD calibration rows; print the held-out errors."""
    fit_on = [c for c in cases if c.set == "calibration" and c.id.startswith("amd-mi300x-")]
    a100 = efficiency.device_efficiency("A100")
    shared = {n: getattr(a100, n) for n in efficiency.SHARED}
    values, _ = calibration._fit_family("MI300X", fit_on, shared)
    fitted = {v.name: v.value for v in values if v.fitted}
    with efficiency.override("MI300X", **fitted):
        held = [(c.id, validation.predict(c) / c.measured - 1) for c in cases
                if c.set == "heldout" and c.kind == "serve"]
    amd = [e for cid, e in held if "mi300x" in cid]
    errs = np.abs([e for _, e in held])
    print(f"{title}\n  MI300X memory fraction {fitted['memory']:.2f}, "
          f"MI300X held-out rows {min(amd):+.0%} to {max(amd):+.0%}\n"
          f"  held-out inference: {len(errs)} cases, median {np.median(errs):.1%}, "
          f"max {errs.max():.1%}")


def main() -> None:
    committed = list(validation.measurements())
    report("split first tried (70B rows fit, 405B rows held out)",
           [first_split(c) for c in committed])
    report("committed split (128-token rows fit, 2,048-token rows held out)", committed)


if __name__ == "__main__":
    main()
