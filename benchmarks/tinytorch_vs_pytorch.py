"""One training step (forward + backward + optimiser) of TinyTorch vs PyTorch on CPU.

Same models, shapes and dtype (float32), ONE thread each, median over repeats after warm-up.
Targets from the TinyTorch brief: MLP <= 1.5x PyTorch, CNN and GPT <= 3x.

    python benchmarks/tinytorch_vs_pytorch.py [--quick] [--repeats N]
"""

from __future__ import annotations

import os

# One BLAS thread for numpy: must be set before numpy is imported anywhere.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402

import numpy as np  # noqa: E402
import tinytorch.nn.functional as TF  # noqa: E402

import tinytorch as tt  # noqa: E402
from tinytorch import nn as tnn  # noqa: E402
from tinytorch import optim as toptim  # noqa: E402

TARGETS = {"MLP": 1.5, "CNN": 3.0, "GPT": 3.0}
GPT_CFG = {"vocab": 128, "ctx": 64, "d": 128, "heads": 4, "layers": 2, "batch": 16}


def paired_medians(ours: Callable[[], None], theirs: Callable[[], None], warmup: int,
                   repeats: int) -> tuple[float, float]:
    """Median wall times (seconds) of two steps, timed alternately after warm-up.

    Alternating ours/theirs step by step means background load on the machine hits both
    sides alike, so the ratio stays meaningful on a busy computer.
    """
    for _ in range(warmup):
        ours()
        theirs()
    t_ours, t_theirs = [], []
    for _ in range(repeats):
        for fn, bucket in ((ours, t_ours), (theirs, t_theirs)):
            t0 = time.perf_counter()
            fn()
            bucket.append(time.perf_counter() - t0)
    return statistics.median(t_ours), statistics.median(t_theirs)


# --------------------------------------------------------------------------- TinyTorch side
def tt_mlp_step(rng: np.random.Generator) -> Callable[[], None]:
    model = tnn.Sequential(tnn.Linear(784, 256), tnn.ReLU(), tnn.Linear(256, 256), tnn.ReLU(),
                           tnn.Linear(256, 10))
    opt = toptim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = tt.Tensor(rng.standard_normal((128, 784), dtype=np.float32))
    y = rng.integers(0, 10, 128)

    def step() -> None:
        opt.zero_grad()
        TF.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def tt_cnn_step(rng: np.random.Generator) -> Callable[[], None]:
    model = tnn.Sequential(
        tnn.Conv2d(1, 6, 5, padding=2), tnn.ReLU(), tnn.MaxPool2d(2),
        tnn.Conv2d(6, 16, 5), tnn.ReLU(), tnn.MaxPool2d(2), tnn.Flatten(),
        tnn.Linear(400, 120), tnn.ReLU(), tnn.Linear(120, 84), tnn.ReLU(), tnn.Linear(84, 10))
    opt = toptim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = tt.Tensor(rng.standard_normal((64, 1, 28, 28), dtype=np.float32))
    y = rng.integers(0, 10, 64)

    def step() -> None:
        opt.zero_grad()
        TF.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def tt_gpt_step(rng: np.random.Generator) -> Callable[[], None]:
    c = GPT_CFG
    model = tnn.GPT(c["vocab"], c["ctx"], c["d"], c["heads"], c["layers"])
    opt = toptim.AdamW(model.parameters(), lr=3e-4)
    ids = rng.integers(0, c["vocab"], (c["batch"], c["ctx"] + 1))
    inp, tgt = ids[:, :-1], ids[:, 1:]

    def step() -> None:
        opt.zero_grad()
        TF.cross_entropy(model(inp), tgt).backward()
        opt.step()

    return step


# --------------------------------------------------------------------------- PyTorch side
def _torch_gpt(torch) -> object:
    """The small GPT of `GPT_CFG` in PyTorch: pre-norm blocks with causal attention."""
    nn, F = torch.nn, torch.nn.functional
    c = GPT_CFG

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln1, self.ln2 = nn.LayerNorm(c["d"]), nn.LayerNorm(c["d"])
            self.qkv, self.proj = nn.Linear(c["d"], 3 * c["d"]), nn.Linear(c["d"], c["d"])
            self.mlp = nn.Sequential(nn.Linear(c["d"], 4 * c["d"]), nn.GELU(),
                                     nn.Linear(4 * c["d"], c["d"]))

        def forward(self, x):
            b, t, d = x.shape
            h = self.qkv(self.ln1(x)).view(b, t, 3, c["heads"], d // c["heads"])
            q, k, v = h.permute(2, 0, 3, 1, 4)
            a = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            x = x + self.proj(a.transpose(1, 2).reshape(b, t, d))
            return x + self.mlp(self.ln2(x))

    class GPT(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.tok = nn.Embedding(c["vocab"], c["d"])
            self.pos = nn.Parameter(torch.zeros(c["ctx"], c["d"]))
            self.blocks = nn.Sequential(*[Block() for _ in range(c["layers"])])
            self.ln = nn.LayerNorm(c["d"])
            self.head = nn.Linear(c["d"], c["vocab"], bias=False)

        def forward(self, idx):
            x = self.tok(idx) + self.pos[: idx.shape[1]]
            return self.head(self.ln(self.blocks(x)))

    return GPT()


def torch_steps(torch, rng: np.random.Generator) -> dict[str, Callable[[], None]]:
    nn, F = torch.nn, torch.nn.functional

    def make(model, x, y, opt, loss_fn) -> Callable[[], None]:
        def step() -> None:
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x), y).backward()
            opt.step()
        return step

    mlp = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                        nn.Linear(256, 10))
    cnn = nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))

    c = GPT_CFG
    gpt = _torch_gpt(torch)
    ids = torch.from_numpy(rng.integers(0, c["vocab"], (c["batch"], c["ctx"] + 1)))
    x_mlp = torch.from_numpy(rng.standard_normal((128, 784), dtype=np.float32))
    x_cnn = torch.from_numpy(rng.standard_normal((64, 1, 28, 28), dtype=np.float32))
    ce = F.cross_entropy
    return {
        "MLP": make(mlp, x_mlp, torch.from_numpy(rng.integers(0, 10, 128)),
                    torch.optim.SGD(mlp.parameters(), lr=0.01, momentum=0.9), ce),
        "CNN": make(cnn, x_cnn, torch.from_numpy(rng.integers(0, 10, 64)),
                    torch.optim.SGD(cnn.parameters(), lr=0.01, momentum=0.9), ce),
        "GPT": make(gpt, ids[:, :-1], ids[:, 1:], torch.optim.AdamW(gpt.parameters(), lr=3e-4),
                    lambda logits, y: ce(logits.reshape(-1, c["vocab"]), y.reshape(-1))),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="few repeats: proves the script runs")
    ap.add_argument("--repeats", type=int, default=None, help="timed steps per model")
    args = ap.parse_args(argv)
    repeats = args.repeats or (3 if args.quick else 30)
    warmup = 1 if args.quick else 5
    try:
        import torch
    except ImportError as exc:
        print(f"PyTorch is not importable ({exc}); skipping the comparison. "
              f"Install it with: pip install torch==2.13.0")
        return 0
    torch.set_num_threads(1)
    torch.manual_seed(0)
    tt.manual_seed(0)
    rng = np.random.default_rng(0)
    ours = {"MLP": tt_mlp_step(rng), "CNN": tt_cnn_step(rng), "GPT": tt_gpt_step(rng)}
    theirs = torch_steps(torch, rng)
    print(f"One training step, float32, 1 thread, median of {repeats} alternating runs "
          f"after {warmup} warm-up"
          f" (torch {torch.__version__}, numpy {np.__version__})")
    print(f"{'model':<6}{'TinyTorch ms':>14}{'PyTorch ms':>12}{'ratio':>8}{'target':>8}  ok")
    all_ok = True
    for name in ("MLP", "CNN", "GPT"):
        t_ours, t_ref = (t * 1e3 for t in paired_medians(ours[name], theirs[name], warmup,
                                                          repeats))
        ratio = t_ours / t_ref
        ok = ratio <= TARGETS[name]
        all_ok &= ok
        print(f"{name:<6}{t_ours:>14.2f}{t_ref:>12.2f}{ratio:>7.2f}x{TARGETS[name]:>7.1f}x  "
              f"{'yes' if ok else 'NO'}")
    print("all targets met" if all_ok else "some targets missed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
