"""tinytorch.nn.functional: the stateless forms of the layers (``F.relu(x)``, ``F.linear``...).

Collected from the files that define them; functions of modules a learner has not reached yet
are absent.
"""

from importlib import import_module as _import_module

from ..activations import gelu, leaky_relu, log_softmax, relu, sigmoid, softmax, tanh
from .linear import linear

_LATER = {
    "losses": ("mse_loss", "cross_entropy", "binary_cross_entropy_with_logits"),
    "conv": ("conv2d", "max_pool2d", "avg_pool2d"),
    "normalization": ("layer_norm", "batch_norm", "dropout"),
    "embedding": ("embedding",),
    "attention": ("scaled_dot_product_attention",),
}

for _name, _funcs in _LATER.items():
    try:
        _sub = _import_module(f"{__package__}.{_name}")
    except ModuleNotFoundError as _exc:
        if _exc.name != f"{__package__}.{_name}":
            raise
        continue
    for _f in _funcs:
        globals()[_f] = getattr(_sub, _f)

__all__ = ["gelu", "leaky_relu", "linear", "log_softmax", "relu", "sigmoid", "softmax", "tanh"]
