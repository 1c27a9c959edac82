"""TinyTorch: a build-your-own deep-learning framework with a PyTorch-shaped API.

This reference package is what learners rebuild module by module. Each source file belongs to
exactly one curriculum module (see tinytorch/modules/*/module.yaml); tito generates a learner's
``__init__`` from the exports of the modules they have started, and this file mirrors that.
"""

from . import autograd as autograd
from .autograd import enable_grad, gradcheck, is_grad_enabled, no_grad
from .tensor import (
    DEFAULT_DTYPE,
    Generator,
    Tensor,
    arange,
    cat,
    eye,
    full,
    manual_seed,
    ones,
    ones_like,
    rand,
    randint,
    randn,
    stack,
    tensor,
    where,
    zeros,
    zeros_like,
)

float32 = DEFAULT_DTYPE

__all__ = [
    "Generator", "Tensor", "arange", "cat", "enable_grad", "eye", "float32", "full",
    "gradcheck", "is_grad_enabled", "manual_seed", "no_grad", "ones", "ones_like", "rand",
    "randint", "randn", "stack", "tensor", "where", "zeros", "zeros_like",
]
__version__ = "0.1.0"

from . import data as data  # noqa: E402
from . import nn as nn  # noqa: E402
from . import optim as optim  # noqa: E402
