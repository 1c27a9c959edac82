"""tinytorch.nn: layers, losses and the Module tree (module 04 and the modules after it).

Later modules add their layers to this namespace when their files are present; in a learner's
workspace that only holds modules 1..k, the missing ones are simply not offered yet.
"""

from importlib import import_module as _import_module

from .linear import (
    GELU,
    Flatten,
    Identity,
    LeakyReLU,
    Linear,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from .module import Module, ModuleList, Parameter, Sequential

__all__ = ["GELU", "Flatten", "Identity", "LeakyReLU", "Linear", "LogSoftmax", "Module",
           "ModuleList", "Parameter", "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh"]

# Files of later modules, imported when present: (submodule, module number).
_LATER = (("losses", 5), ("utils", 7), ("conv", 8), ("normalization", 9),
          ("embedding", 11), ("attention", 12), ("transformer", 13))


def _offer_later_modules() -> None:
    for name, _number in _LATER:
        try:
            sub = _import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # a real import error inside the file, not an absent module
            continue
        for public in getattr(sub, "__all__", ()):
            globals()[public] = getattr(sub, public)
            __all__.append(public)


_offer_later_modules()
from . import functional as functional  # noqa: E402  (after the later modules are known)
