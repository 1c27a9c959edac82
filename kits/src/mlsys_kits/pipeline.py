"""The TinyML pipeline end to end: data -> TinyTorch training -> int8 PTQ -> plan -> C.

`model(task)` is cached per process: training is seeded and takes seconds, so every caller
(the CLI, the tests, the benchmark, the pages) shares one result instead of retraining.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from . import export_c
from .datasets import TASKS, Dataset, make_dataset
from .errors import KitError, RunFailed
from .graph import GRAPHS, Graph
from .planner import Plan, plan_memory
from .quant import QModel, quantize
from .reference import run_int8
from .toolchains import TARGETS, Built, RunResult, build, run
from .train import GraphNet, Trained, float_outputs, train


@dataclass(frozen=True)
class Artifact:
    """Everything downstream needs about one trained, quantized model."""

    task: str
    graph: Graph
    data: Dataset
    net: GraphNet
    trained: Trained
    qmodel: QModel
    plan: Plan
    x_test_q: np.ndarray
    ref_out: np.ndarray          # int8 softmax outputs of the Python reference, (N, classes)
    float_probs: np.ndarray      # the float network's softmax on the test set
    float_accuracy: float
    int8_accuracy: float

    @property
    def classes(self) -> tuple[str, ...]:
        return self.data.classes


@cache
def model(task: str) -> Artifact:
    """Train (seeded), calibrate on 256 training samples, quantize, plan and run the reference."""
    if task not in TASKS:
        raise KitError(f"unknown model {task!r} (models: {', '.join(TASKS)})")
    data = make_dataset(task)
    graph = GRAPHS[task]()
    net, trained = train(graph, data)
    qm = quantize(trained, float_outputs(net, data.x_train[:256]))
    x_q = qm.input_qparams.quantize(data.x_test)
    ref = run_int8(qm, x_q)[graph.output]
    probs = float_outputs(net, data.x_test)[graph.output]
    acc8 = float((ref.argmax(1) == data.y_test).mean())
    return Artifact(task, graph, data, net, trained, qm, plan_memory(graph), x_q, ref, probs,
                    trained.float_accuracy, acc8)


def sources(art: Artifact, inputs: np.ndarray | None = None) -> dict[str, str]:
    """The generated C files for the test harness: the model and its int8 inputs (default:
    the whole test set)."""
    x = art.x_test_q if inputs is None else inputs
    return {"model.c": export_c.model_source(art.qmodel, art.plan),
            "inputs.c": export_c.inputs_source(x)}


def build_harness(art: Artifact, target: str, inputs: np.ndarray | None = None) -> Built:
    from .paths import RUNTIME_DIR

    return build(TARGETS[target], sources(art, inputs),
                 extra_files=(RUNTIME_DIR / "harness.c",), name=f"harness-{art.task}")


def parse_outputs(stdout: str, n_out: int) -> np.ndarray:
    """The harness prints one hex line per sample then `done N`; back to int8 rows."""
    lines = stdout.strip().splitlines()
    if not lines or not lines[-1].startswith("done "):
        raise RunFailed(f"harness output did not end with 'done N': {stdout[-200:]!r}")
    rows = lines[:-1]
    if len(rows) != int(lines[-1].split()[1]):
        raise RunFailed(f"harness printed {len(rows)} rows but reported {lines[-1]!r}")
    buf = bytes.fromhex("".join(rows))
    return np.frombuffer(buf, dtype=np.int8).reshape(len(rows), n_out)


@dataclass(frozen=True)
class ExactResult:
    task: str
    target: str
    samples: int
    mismatches: int
    first_mismatch: int | None
    seconds: float
    int8_accuracy: float


def check_bit_exact(art: Artifact, target: str, inputs: np.ndarray | None = None,
                    ) -> ExactResult:
    """Build the harness for `target`, run it on `inputs` (default: the test set) and compare
    every output byte with the Python int8 reference."""
    x = art.x_test_q if inputs is None else np.asarray(inputs, dtype=np.int8)
    want = art.ref_out if inputs is None else run_int8(art.qmodel, x)[art.graph.output]
    res: RunResult = run(build_harness(art, target, inputs), timeout=300)
    got = parse_outputs(res.stdout, want.shape[1])
    if len(got) != len(want):
        raise RunFailed(f"{target}: {len(got)} outputs for {len(want)} inputs")
    bad = np.nonzero((got != want).any(axis=1))[0]
    acc = float((got.argmax(1) == art.data.y_test).mean()) if inputs is None else float("nan")
    return ExactResult(art.task, target, len(got), len(bad),
                       int(bad[0]) if len(bad) else None, res.seconds, acc)
