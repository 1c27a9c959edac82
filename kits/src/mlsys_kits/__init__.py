"""mlsys_kits: hardware kits that take a TinyTorch model to int8 C on real boards.

The pipeline (see `pipeline.model`): synthetic sensor data -> TinyTorch training -> TFLite-style
int8 post-training quantization with a numpy reference of every op -> a liveness memory plan ->
C99 source for the `kits/runtime` interpreter (and an ONNX file of the float network). Boards are
`kits/boards/<id>/kit.yaml`, whose hardware facts come from mlsysim's registry.
"""

from .errors import (
    BoardNotConnected,
    DoesNotFit,
    KitError,
    KitFileError,
    RunFailed,
    ToolchainMissing,
    UnknownKitError,
)

__all__ = ["BoardNotConnected", "DoesNotFit", "KitError", "KitFileError", "RunFailed",
           "ToolchainMissing", "UnknownKitError"]
