"""mlsysim: analytical models of ML systems, validated against published measurements.

Every number in the book and labs comes from here: look up hardware and models, then ask
for FLOPs, memory, training time, serving latency, energy and cost."""

from .compute import (
    Roofline,
    TransformerOps,
    forward_flops,
    inference_flops,
    ridge_point,
    roofline,
    training_flops,
    transformer_ops,
)
from .errors import InvalidInputError, MlsysimError, PrecisionError, UnknownNameError
from .memory import TrainingMemory, kv_cache_bytes, model_size_bytes, training_memory
from .network import Cluster, allgather_time, allreduce_time, alltoall_time, cluster
from .registry import (
    Fabric,
    Hardware,
    Model,
    fabric,
    hardware,
    list_fabrics,
    list_hardware,
    list_models,
    model,
)
from .scaling import chinchilla, chinchilla_tokens, hoffmann_loss
from .serve import ServeResult, serve
from .train import TrainResult, train

__version__ = "0.1.0"

__all__ = [
    "Cluster", "Fabric", "Hardware", "InvalidInputError", "MlsysimError", "Model",
    "PrecisionError", "Roofline", "ServeResult", "TrainResult", "TrainingMemory",
    "TransformerOps", "UnknownNameError", "allgather_time", "allreduce_time", "alltoall_time",
    "chinchilla", "chinchilla_tokens", "cluster", "fabric", "forward_flops", "hardware",
    "hoffmann_loss", "inference_flops", "kv_cache_bytes", "list_fabrics", "list_hardware",
    "list_models", "model", "model_size_bytes", "ridge_point", "roofline", "serve", "train",
    "training_flops", "training_memory", "transformer_ops",
]
