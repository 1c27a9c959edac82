"""TinyTorch: a build-your-own deep-learning framework with a PyTorch-shaped API.

How the pieces fit (each file belongs to exactly one curriculum module, see
tinytorch/modules/*/module.yaml):

* ``tensor.py`` (01) - the Tensor and its forward maths on numpy. Every op ends in
  ``_op(data, parents, rule)``: the single seam where autograd plugs in.
* ``autograd.py`` (02) - importing it installs the engine in that seam. Each op then leaves a
  small ``Function`` node with a ``backward`` rule; ``backward()`` walks them in reverse
  topological order, summing over broadcast axes and over shared uses.
* ``activations.py`` (03), ``nn/`` (04, 05, 07-09, 11-13), ``optim/`` (06, 07), ``data.py`` and
  ``training.py`` (07) - layers, losses, optimisers and the loop. Expensive layers are single
  "fused" ops with hand-written backward rules (linear, conv via im2col, norms, softmax,
  cross-entropy, attention), so a training step records few nodes and spends its time in BLAS.

The reference package is what learners rebuild; tito generates a learner's ``__init__`` from the
exports of the modules they have started, and this file mirrors that.
"""

from ._workspace import find_workspace as _find_workspace

# Inside a learner's workspace the learner's package answers `import tinytorch` (see
# `_workspace.py`); only otherwise does this package define the reference framework.
_learner = _find_workspace(__file__) if __name__ == "tinytorch" else None
if _learner is not None:
    from ._workspace import load_learner_package as _load

    _load(__name__, _learner)
else:
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

    from . import data as data
    from . import nn as nn
    from . import optim as optim
