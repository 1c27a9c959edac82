"""Fleets of devices: the memory of training on the device itself, and how an over-the-air
update spreads through a fleet whose devices check in only now and then."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._units import ResultMixin, check_positive, precision_bytes
from .errors import InvalidInputError
from .registry import Model, model

#: Optimizer state in copies of the trainable weights: plain SGD keeps none, SGD with momentum
#: one velocity, Adam two moments (Kingma and Ba 2015).
OPTIMIZER_COPIES = {"sgd": 0, "momentum": 1, "adam": 2}
#: What the device updates: every layer, only the last (classifier) layer, or only biases.
TRAINABLE = ("all", "last", "bias")


@dataclass(frozen=True)
class DeviceTrainingMemory(ResultMixin):
    """Bytes needed to fine-tune a CNN on one device, term by term."""

    model: str
    trainable: str
    trainable_params: float
    weights_bytes: float  # the whole model, frozen or not
    gradient_bytes: float
    optimizer_bytes: float
    stored_activation_bytes: float  # kept from the forward pass for the backward pass
    working_bytes: float  # the inference arena: tensors alive during any one layer
    total_bytes: float
    inference_bytes: float  # weights + arena: what inference alone needs

    _units = {"weights_bytes": "B", "gradient_bytes": "B", "optimizer_bytes": "B",
              "stored_activation_bytes": "B", "working_bytes": "B", "total_bytes": "B",
              "inference_bytes": "B"}


def device_training_memory(m: Model | str, precision: str = "fp32", optimizer: str = "sgd",
                           batch: int = 1, trainable: str = "all") -> DeviceTrainingMemory:
    """Memory to train a CNN on a device by backpropagation, against inference alone.

    Backprop keeps every trainable layer's input until the backward pass reaches it, so
    `all` stores the sum of all layer inputs x batch; `last` stores only the classifier's
    input; `bias` needs no layer inputs for weight gradients, only the activation masks
    (counted here as one byte per element of each layer output, as in TinyTL: Cai et al.
    2020, "TinyTL: Reduce Memory, Not Parameters for Efficient On-Device Learning", NeurIPS).
    Gradients and optimizer state cover the trainable parameters only."""
    m = model(m)
    if m.cnn is None:
        raise InvalidInputError("model", f"{m.name} is not a CNN; on-device training is modelled for CNNs")
    if optimizer not in OPTIMIZER_COPIES:
        raise InvalidInputError("optimizer", f"{optimizer!r} is not one of {', '.join(OPTIMIZER_COPIES)}")
    if trainable not in TRAINABLE:
        raise InvalidInputError("trainable", f"{trainable!r} is not one of {', '.join(TRAINABLE)}")
    batch = int(check_positive("batch", batch, integer=True))
    b = precision_bytes(precision)
    layers = m.cnn.layers
    if trainable == "all":
        n_train = float(m.params)
        stored = sum(layer.in_elems for layer in layers) * b * batch
    elif trainable == "last":
        n_train = float(layers[-1].params)
        stored = layers[-1].in_elems * b * batch
    else:
        n_train = float(sum(layer.out_shape[-1] for layer in layers if layer.params))
        stored = sum(layer.out_elems for layer in layers) * 1.0 * batch
    weights = m.params * b
    grads = n_train * b
    opt = n_train * b * OPTIMIZER_COPIES[optimizer]
    arena = m.cnn.peak_activation_elems * b * batch
    total = weights + grads + opt + stored + arena
    return DeviceTrainingMemory(m.name, trainable, n_train, weights, grads, opt, stored, arena,
                                total, weights + arena)


@dataclass(frozen=True)
class OtaRollout(ResultMixin):
    """A staged over-the-air update of a device fleet."""

    devices: float
    stages: tuple[float, ...]  # share of the fleet eligible in each stage
    soak_days: float  # days each stage is watched before the next opens
    days_to_target: float  # from the first stage opening to `target` of the fleet updated
    target: float
    update_bytes: float
    total_egress_bytes: float  # one download per device
    peak_day_egress_bytes: float  # the busiest day: the first day of the last stage

    _units = {"update_bytes": "B", "total_egress_bytes": "B", "peak_day_egress_bytes": "B"}


def update_coverage(days: float, checkin_per_day: float) -> float:
    """Share of eligible devices that have fetched an update after `days`, if each device
    checks in on a given day with probability `checkin_per_day`: 1 - (1 - q)^days."""
    check_positive("days", days, allow_zero=True)
    if not 0.0 < checkin_per_day <= 1.0:
        raise InvalidInputError("checkin_per_day", f"must be in (0, 1], got {checkin_per_day!r}")
    return 1.0 - (1.0 - checkin_per_day) ** days


def ota_rollout(devices: float, update_bytes: float, checkin_per_day: float,
                stages: tuple[float, ...] = (0.01, 0.1, 0.5, 1.0), soak_days: float = 2.0,
                target: float = 0.95) -> OtaRollout:
    """Days and bytes to update a fleet in stages.

    Each stage opens the update to a larger share of devices and is watched for `soak_days`
    before the next; once the last stage opens, devices fetch it as they check in, so
    reaching `target` of the fleet takes ln(1 - target) / ln(1 - q) more days (geometric
    check-ins; q = 1 means every device checks in daily)."""
    check_positive("devices", devices)
    check_positive("update_bytes", update_bytes)
    check_positive("soak_days", soak_days, allow_zero=True)
    update_coverage(0.0, checkin_per_day)
    if not stages or any(not 0 < s <= 1 for s in stages) or list(stages) != sorted(stages) \
            or stages[-1] != 1.0:
        raise InvalidInputError("stages", f"must rise within (0, 1] and end at 1.0, got {stages!r}")
    if not 0.0 < target < 1.0:
        raise InvalidInputError("target", f"must be in (0, 1), got {target!r}")
    q = checkin_per_day
    tail = 0.0 if q == 1.0 else math.log(1.0 - target) / math.log(1.0 - q)
    days = soak_days * (len(stages) - 1) + max(tail, 1.0)
    before = stages[-2] if len(stages) > 1 else 0.0
    peak = (1.0 - before) * devices * q * update_bytes
    return OtaRollout(float(devices), tuple(stages), float(soak_days), days, target,
                      float(update_bytes), devices * update_bytes, peak)
