"""The Tensor (module 01): an n-dimensional array of numbers with a PyTorch-shaped API.

Why wrap numpy at all? Because a deep-learning framework needs every array operation to go
through ONE place where it can later be recorded for differentiation. This file only does the
forward maths. Each operation ends in ``_op(data, parents, rule)``, which hands the result to
the autograd engine *if* one has been installed (module 02 installs it). Without module 02 the
same code runs as a plain array library, which is exactly what the learner has after module 01.

Conventions: floating-point data is float32 unless a dtype is asked for (float64 would halve
the speed of every matmul for no gain in training); integer numpy arrays keep their dtype so
class labels and token ids stay integers.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

DEFAULT_DTYPE = np.float32

# The names that ops pass to `_op` to say which backward rule module 02 registers for them
# (`autograd.rule(name)`). One list, checked both ways where the mistake is written: an op
# naming something not listed fails when it runs (grad or not), a rule registered under a
# name not listed fails when its class is defined, and autograd checks at import that every
# name has its rule -- never a KeyError two modules later.
OP_NAMES = frozenset({
    "abs", "add", "astype", "cat", "clip", "clone", "div", "exp", "expand", "extreme",
    "getitem", "log", "masked_fill", "matmul", "mean", "mul", "neg", "permute", "pow",
    "pow_scalar", "relu", "reshape", "sigmoid", "sqrt", "stack", "sub", "sum", "tanh", "where",
})

# The autograd engine (tinytorch.autograd) installs itself here when it is imported. It must
# offer ``grad_enabled`` (bool), ``record(out, parents, rule, saved)`` and
# ``backward(tensor, gradient, retain_graph)``.
_engine: Any = None


def install_engine(engine: Any) -> None:
    """Connect an autograd engine; called once by ``tinytorch.autograd`` at import time."""
    global _engine
    _engine = engine


# --------------------------------------------------------------------------- randomness
class Generator:
    """A seeded source of random numbers, so experiments can be repeated exactly."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = np.random.default_rng(seed)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``."""
        self.rng = np.random.default_rng(seed)
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator (used by randn, layer initialisation, dropout, shuffling)."""
    return default_generator.manual_seed(seed)


def _rng(generator: Generator | None = None, seed: int | None = None) -> np.random.Generator:
    if seed is not None and generator is not None:
        raise ValueError("pass either seed= or generator=, not both")
    if seed is not None:
        return np.random.default_rng(seed)
    return (generator or default_generator).rng


# --------------------------------------------------------------------------- conversion
def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Turn user data into an ndarray following the dtype convention in the module docstring."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.asarray(data, dtype=dtype)
    arr = np.asarray(data)
    if arr.dtype == object:
        raise TypeError(f"Tensor: cannot build a tensor from {type(data).__name__} data")
    if isinstance(data, np.ndarray | np.generic):
        if arr.dtype.kind in "fc" and arr.dtype != DEFAULT_DTYPE:
            arr = arr.astype(DEFAULT_DTYPE)
        return arr
    # Python numbers and (nested) lists: float32, like a framework's default dtype.
    if arr.dtype.kind in "iufb":
        return arr.astype(DEFAULT_DTYPE)
    raise TypeError(f"Tensor: unsupported data of dtype {arr.dtype}")


def _axis_arg(axis: Any, dim: Any) -> Any:
    """Accept numpy's ``axis`` and PyTorch's ``dim`` spelling of the same argument."""
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis= or dim=, not both")
        axis = dim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis


def _op(data: np.ndarray, parents: tuple[Tensor, ...], rule: Any, **saved: Any) -> Tensor:
    """Wrap an op's result and, when autograd is on and an input needs grad, record the op."""
    if rule.__class__ is str and rule not in OP_NAMES:
        raise ValueError(f"_op: no op is called {rule!r}; the op names are "
                         f"{', '.join(sorted(OP_NAMES))}")
    out = Tensor._wrap(data)
    eng = _engine
    if eng is not None and eng.grad_enabled:
        for p in parents:
            if p.requires_grad:
                eng.record(out, parents, rule, saved)
                break
    return out


class Tensor:
    """An n-dimensional array with optional gradient tracking.

    ``data`` is the numpy array holding the values; ``grad`` (a Tensor, or None) receives the
    gradient after ``backward()``; ``grad_fn`` is the recorded op that produced this tensor
    (None for leaves such as inputs and parameters).
    """

    __array_priority__ = 1000  # make `ndarray + Tensor` call Tensor.__radd__

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None) -> None:
        self.data: np.ndarray = _to_array(data, dtype)
        self.grad: Tensor | None = None
        self.grad_fn: Any = None
        self.requires_grad = False
        self._retains_grad = False
        self._version = 0  # bumped by every in-place change; backward checks saved inputs
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, data: np.ndarray) -> Tensor:
        """Fast constructor for op results: no conversion, no checks (data is already right)."""
        t = object.__new__(Tensor)
        t.data = data
        t.grad = None
        t.grad_fn = None
        t.requires_grad = False
        t._retains_grad = False
        t._version = 0
        return t

    # ------------------------------------------------------------------ basic properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def size(self, dim: int | None = None) -> Any:
        """The shape (PyTorch's ``size()``), or the length of one dimension."""
        return self.data.shape if dim is None else self.data.shape[dim]

    def numel(self) -> int:
        return int(self.data.size)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def numpy(self) -> np.ndarray:
        """The values as a numpy array (shares memory; detach first if you will modify it)."""
        return self.data

    def item(self) -> Any:
        if self.data.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number, "
                f"this one has shape {self.shape}"
            )
        return self.data.reshape(()).item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def __repr__(self) -> str:
        body = np.array2string(self.data, precision=4, separator=", ", prefix="tensor(")
        extra = ""
        if self.grad_fn is not None:
            extra = f", grad_fn=<{type(self.grad_fn).__name__}>"
        elif self.requires_grad:
            extra = ", requires_grad=True"
        if self.dtype != DEFAULT_DTYPE:
            extra = f", dtype={self.dtype}" + extra
        return f"tensor({body}{extra})"

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous"
            )
        return bool(self.data.reshape(()))

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ gradient helpers
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this leaf as needing a gradient (only floating-point data can)."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require grad; this one has dtype {self.dtype}"
            )
        self.requires_grad = requires_grad
        return self

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward (useful when debugging)."""
        self._retains_grad = True
        return self

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (gradients add up across backward calls)."""
        self.grad = None

    def detach(self) -> Tensor:
        """The same values, cut off from the graph (shares memory, never requires grad)."""
        return Tensor._wrap(self.data)

    def backward(self, gradient: Any = None, retain_graph: bool = False) -> None:
        """Fill ``.grad`` of every leaf this tensor depends on (needs module 02)."""
        if _engine is None:
            raise RuntimeError(
                "backward(): autograd is not available yet - it arrives with module 02 "
                "(tinytorch/autograd.py)"
            )
        _engine.backward(self, gradient, retain_graph)

    # ------------------------------------------------------------------ dtype helpers
    def astype(self, dtype: Any) -> Tensor:
        """Convert the values to ``dtype`` (gradients flow back to floating inputs)."""
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if dtype.kind != "f":
            return Tensor._wrap(self.data.astype(dtype))
        return _op(self.data.astype(dtype), (self,), "astype")

    def float(self) -> Tensor:
        return self.astype(np.float32)

    def double(self) -> Tensor:
        return self.astype(np.float64)

    def long(self) -> Tensor:
        return self.astype(np.int64)

    def clone(self) -> Tensor:
        return _op(self.data.copy(), (self,), "clone")

    # ------------------------------------------------------------------ arithmetic
    def _operand(self, other: Any) -> Tensor:
        """Bring a Python number or array to a Tensor with this tensor's float dtype."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, numbers.Number | np.generic):
            dtype = self.dtype if self.dtype.kind == "f" else DEFAULT_DTYPE
            return Tensor._wrap(np.asarray(other, dtype=dtype))
        return Tensor(other)

    def _binary(self, other: Any, name: str, fn: Any, reverse: bool = False) -> Tensor:
        other = self._operand(other)
        a, b = (other, self) if reverse else (self, other)
        try:
            data = fn(a.data, b.data)
        except ValueError:
            raise ValueError(
                f"{name}: shapes {a.shape} and {b.shape} cannot be broadcast together"
            ) from None
        if data.dtype == np.float64 and a.data.dtype != np.float64 != b.data.dtype:
            # int64 * float32 and int / int promote to float64 in numpy; the float32 policy
            # (module docstring) says float64 appears only when an input is float64
            data = data.astype(DEFAULT_DTYPE)
        return _op(data, (a, b), name)

    def __add__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: self._binary(other, "add", np.add) computes a.data + b.data with broadcasting
        return self._binary(other, "add", np.add)
        # END SOLUTION

    def __radd__(self, other: Any) -> Tensor:
        return self._binary(other, "add", np.add, reverse=True)

    def __sub__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: like __add__, with the rule name "sub" and np.subtract
        return self._binary(other, "sub", np.subtract)
        # END SOLUTION

    def __rsub__(self, other: Any) -> Tensor:
        return self._binary(other, "sub", np.subtract, reverse=True)

    def __mul__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: rule name "mul", numpy function np.multiply
        return self._binary(other, "mul", np.multiply)
        # END SOLUTION

    def __rmul__(self, other: Any) -> Tensor:
        return self._binary(other, "mul", np.multiply, reverse=True)

    def __truediv__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: rule name "div", numpy function np.divide
        return self._binary(other, "div", np.divide)
        # END SOLUTION

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._binary(other, "div", np.divide, reverse=True)

    def __neg__(self) -> Tensor:
        return _op(np.negative(self.data), (self,), "neg")

    def __pow__(self, exponent: Any) -> Tensor:
        if isinstance(exponent, Tensor):
            return self._binary(exponent, "pow", np.power)
        # BEGIN SOLUTION
        # HINT: a constant exponent is not an input of the graph: save it as a keyword
        # HINT: _op(np.power(self.data, p), (self,), "pow_scalar", exponent=p)
        p = float(exponent)
        return _op(np.power(self.data, p), (self,), "pow_scalar", exponent=p)
        # END SOLUTION

    def __rpow__(self, base: Any) -> Tensor:
        return self._binary(base, "pow", np.power, reverse=True)

    def __matmul__(self, other: Any) -> Tensor:
        other = self._operand(other)
        a, b = self.data, other.data
        # BEGIN SOLUTION
        # HINT: check a.ndim >= 1, b.ndim >= 1 and that a's last dim equals b's second-to-last
        # HINT: (or b's only dim when b is 1-D); otherwise raise ValueError naming both shapes
        # HINT: then np.matmul does the work (BLAS) and _op records the "matmul" rule
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: both operands need at least 1 dimension, got "
                             f"shapes {self.shape} and {other.shape}")
        k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
        if a.shape[-1] != k_b:
            raise ValueError(
                f"matmul: shapes {self.shape} and {other.shape} are not aligned "
                f"({a.shape[-1]} != {k_b})"
            )
        try:
            data = np.matmul(a, b)
        except ValueError:
            raise ValueError(
                f"matmul: batch dimensions of shapes {self.shape} and {other.shape} "
                f"cannot be broadcast together"
            ) from None
        return _op(data, (self, other), "matmul")
        # END SOLUTION

    def __rmatmul__(self, other: Any) -> Tensor:
        return Tensor(other).__matmul__(self)

    # comparisons: no gradient, boolean result
    def _compare(self, other: Any, fn: Any) -> Tensor:
        other_data = other.data if isinstance(other, Tensor) else other
        return Tensor._wrap(fn(self.data, other_data))

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, np.not_equal)

    # ------------------------------------------------------------------ element-wise maths
    def exp(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: np.exp, rule "exp" (its backward reuses the output, which the engine keeps)
        return _op(np.exp(self.data), (self,), "exp")
        # END SOLUTION

    def log(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: np.log, rule "log"
        return _op(np.log(self.data), (self,), "log")
        # END SOLUTION

    def sqrt(self) -> Tensor:
        return _op(np.sqrt(self.data), (self,), "sqrt")

    def abs(self) -> Tensor:
        return _op(np.abs(self.data), (self,), "abs")

    def tanh(self) -> Tensor:
        return _op(np.tanh(self.data), (self,), "tanh")

    def sigmoid(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: 1/(1+exp(-x)) overflows exp(-x) for very negative x, and 0.5*(1+tanh(x/2))
        # HINT: rounds to exactly 0 in float32 once tanh(x/2) rounds to -1 (x < -17), so
        # HINT: log(sigmoid(x)) becomes -inf. Use exp(x)/(1+exp(x)) where x < 0 (tiny but
        # HINT: representable) and 1/(1+exp(-x)) where x >= 0. Rule "sigmoid".
        x = self.data
        e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
        out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)
        return _op(out, (self,), "sigmoid")
        # END SOLUTION

    def relu(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: np.maximum(x, 0) keeps the positive entries; rule "relu"
        return _op(np.maximum(self.data, 0), (self,), "relu")
        # END SOLUTION

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        """Limit values to [min, max]; the gradient is zero where clipping happened."""
        return _op(np.clip(self.data, min, max), (self,), "clip", lo=min, hi=max)

    clamp = clip

    def masked_fill(self, mask: Any, value: float) -> Tensor:
        """Replace entries where ``mask`` is True by ``value`` (e.g. -inf in causal attention)."""
        m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
        m = m.astype(bool, copy=False)
        try:
            data = np.where(m, np.asarray(value, dtype=self.dtype), self.data)
        except ValueError:
            raise ValueError(
                f"masked_fill: mask of shape {m.shape} cannot be broadcast to {self.shape}"
            ) from None
        return _op(data, (self,), "masked_fill", mask=m)

    # ------------------------------------------------------------------ reductions
    def sum(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> Tensor:
        axis = _axis_arg(axis, dim)
        keepdims = keepdim if keepdim is not None else keepdims
        # BEGIN SOLUTION
        # HINT: np.sum(..., axis=axis, keepdims=keepdims); booleans sum to float32 counts
        # HINT: rule "sum" needs axis and keepdims saved to broadcast the gradient back
        src = self.data if self.dtype.kind == "f" else self.data.astype(DEFAULT_DTYPE)
        data = np.sum(src, axis=axis, keepdims=keepdims)
        return _op(np.asarray(data), (self,), "sum", axis=axis, keepdims=keepdims)
        # END SOLUTION

    def mean(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None) -> Tensor:
        axis = _axis_arg(axis, dim)
        keepdims = keepdim if keepdim is not None else keepdims
        src = self.data if self.dtype.kind == "f" else self.data.astype(DEFAULT_DTYPE)
        data = np.mean(src, axis=axis, keepdims=keepdims)
        return _op(np.asarray(data, dtype=src.dtype), (self,), "mean", axis=axis,
                   keepdims=keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, unbiased: bool = True, *,
            dim: Any = None, keepdim: bool | None = None) -> Tensor:
        """Variance, composed from mean and arithmetic (so it differentiates for free).

        Unbiased (divides by n - 1) by default, as PyTorch's ``var`` is; normalisation layers
        use the biased (population) variance and pass ``unbiased=False``."""
        axis = _axis_arg(axis, dim)
        keepdims = keepdim if keepdim is not None else keepdims
        mu = self.mean(axis=axis, keepdims=True)
        sq = ((self - mu) ** 2).sum(axis=axis, keepdims=keepdims)
        n = self.data.size // max(sq.data.size, 1) if axis is not None else self.data.size
        return sq / (n - 1 if unbiased else n)

    def _extreme(self, fn: Any, name: str, axis: Any, keepdims: bool) -> Tensor:
        if self.data.size == 0:
            raise ValueError(f"{name}: cannot reduce an empty tensor")
        data = fn(self.data, axis=axis, keepdims=keepdims)
        return _op(np.asarray(data), (self,), "extreme", axis=axis, keepdims=keepdims)

    def max(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> Tensor:
        """Largest value (over ``axis``); ties share the gradient equally."""
        k = keepdim if keepdim is not None else keepdims
        return self._extreme(np.max, "max", _axis_arg(axis, dim), k)

    def min(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> Tensor:
        k = keepdim if keepdim is not None else keepdims
        return self._extreme(np.min, "min", _axis_arg(axis, dim), k)

    def argmax(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None) -> Tensor:
        return Tensor._wrap(np.argmax(self.data, axis=_axis_arg(axis, dim), keepdims=keepdims))

    def argmin(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None) -> Tensor:
        return Tensor._wrap(np.argmin(self.data, axis=_axis_arg(axis, dim), keepdims=keepdims))

    # ------------------------------------------------------------------ shape ops
    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], Sequence | np.ndarray):
            shape = tuple(shape[0])
        try:
            data = self.data.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape tensor of shape {self.shape} "
                f"({self.data.size} elements) into {tuple(shape)}"
            ) from None
        return _op(data, (self,), "reshape")

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        nd = self.ndim
        if nd == 0:
            return self.reshape(1)
        s, e = start_dim % nd, end_dim % nd
        shape = self.shape[:s] + (-1,) + self.shape[e + 1:]
        return self.reshape(shape)

    def permute(self, *dims: Any) -> Tensor:
        if len(dims) == 1 and isinstance(dims[0], Sequence):
            dims = tuple(dims[0])
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} "
                             f"dimensions of shape {self.shape}")
        axes = tuple(d % self.ndim for d in dims)
        return _op(np.transpose(self.data, axes), (self,), "permute", axes=axes)

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        dim0, dim1 = _dim_arg(dim0, self.ndim), _dim_arg(dim1, self.ndim)
        if self.ndim < 2:  # only transpose(0, 0) gets here: nothing to swap
            return self
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)

    @property
    def T(self) -> Tensor:  # noqa: N802 - the PyTorch/numpy name
        return self.permute(tuple(reversed(range(self.ndim))))

    def unsqueeze(self, dim: int) -> Tensor:
        d = dim if dim >= 0 else dim + self.ndim + 1
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def squeeze(self, dim: int | None = None) -> Tensor:
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        if self.shape[dim] != 1:
            return self
        d = dim % self.ndim
        return self.reshape(self.shape[:d] + self.shape[d + 1:])

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to ``shape`` without copying; the gradient is summed back."""
        if len(shape) == 1 and isinstance(shape[0], Sequence):
            shape = tuple(shape[0])
        lead = len(shape) - self.ndim
        if lead < 0 or any(s == -1 for s in shape[:lead]):
            raise ValueError(f"expand: shape {self.shape} cannot be expanded to {shape} "
                             f"(-1 keeps an existing dimension; new leading ones need a size)")
        shape = tuple(self.shape[i - lead] if s == -1 else s for i, s in enumerate(shape))
        try:
            data = np.broadcast_to(self.data, shape)
        except ValueError:
            raise ValueError(f"expand: shape {self.shape} cannot be broadcast to {shape}") from None
        return _op(data, (self,), "expand")

    def __getitem__(self, index: Any) -> Tensor:
        idx = _index_arg(index)
        try:
            data = self.data[idx]
        except IndexError as exc:
            raise IndexError(f"getitem: {exc} (tensor shape {self.shape})") from None
        return _op(data, (self,), "getitem", index=idx)

    def __setitem__(self, index: Any, value: Any) -> None:
        if self.requires_grad and _engine is not None and _engine.grad_enabled:
            raise RuntimeError(
                "setitem: in-place assignment into a tensor that requires grad would corrupt "
                "its gradient; do it under tinytorch.no_grad() or build a new tensor"
            )
        self.data[_index_arg(index)] = value.data if isinstance(value, Tensor) else value
        self._version += 1


def _dim_arg(dim: int, ndim: int) -> int:
    """A dimension index checked as PyTorch checks it (negative counts from the end)."""
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return dim % max(ndim, 1)


def _index_arg(index: Any) -> Any:
    """Replace Tensors inside an index by their arrays (fancy indexing with tensors)."""
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index


# --------------------------------------------------------------------------- factories
def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Build a Tensor (PyTorch's spelling) that never shares memory with ``data``."""
    t = Tensor(data, dtype=dtype)
    t.data = np.array(t.data, copy=True)
    return t.requires_grad_(requires_grad) if requires_grad else t


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], Iterable):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)


def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    return Tensor(np.zeros(_shape_arg(shape), dtype=dtype), requires_grad=requires_grad)


def ones(*shape: Any, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    return Tensor(np.ones(_shape_arg(shape), dtype=dtype), requires_grad=requires_grad)


def full(shape: Any, value: float, requires_grad: bool = False,
         dtype: Any = DEFAULT_DTYPE) -> Tensor:
    return Tensor(np.full(_shape_arg((shape,)), value, dtype=dtype), requires_grad=requires_grad)


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.zeros_like(t.data), requires_grad=requires_grad)


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    return Tensor(np.ones_like(t.data), requires_grad=requires_grad)


def eye(n: int, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    return Tensor(np.eye(n, dtype=dtype))


def randn(*shape: Any, requires_grad: bool = False, generator: Generator | None = None,
          seed: int | None = None, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    """Standard-normal samples; pass ``seed`` or a ``Generator`` for repeatable results."""
    data = _rng(generator, seed).standard_normal(_shape_arg(shape), dtype=np.float64)
    return Tensor(data.astype(dtype), requires_grad=requires_grad)


def rand(*shape: Any, requires_grad: bool = False, generator: Generator | None = None,
         seed: int | None = None, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    """Uniform samples in [0, 1)."""
    data = _rng(generator, seed).random(_shape_arg(shape))
    return Tensor(data.astype(dtype), requires_grad=requires_grad)


def randint(low: int, high: int, shape: Any, generator: Generator | None = None,
            seed: int | None = None) -> Tensor:
    """Integer samples in [low, high) as int64 (e.g. random labels or token ids)."""
    return Tensor(_rng(generator, seed).integers(low, high, size=_shape_arg((shape,))))


def arange(start: float, stop: float | None = None, step: float = 1,
           dtype: Any = None) -> Tensor:
    """Evenly spaced values; integer arguments give int64 (indices), otherwise float32."""
    if stop is None:
        start, stop = 0, start
    ints = all(isinstance(v, int | np.integer) for v in (start, stop, step))
    dt = dtype or (np.int64 if ints else DEFAULT_DTYPE)
    return Tensor(np.arange(start, stop, step, dtype=dt))


def cat(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis."""
    axis = _axis_arg(axis if dim is None else None, dim)
    ts = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    if not ts:
        raise ValueError("cat: expected at least one tensor")
    try:
        data = np.concatenate([t.data for t in ts], axis=axis)
    except ValueError:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"cat: shapes {shapes} do not match outside axis {axis}") from None
    sizes = [t.shape[axis] for t in ts]
    return _op(data, ts, "cat", axis=axis, sizes=sizes)


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    axis = _axis_arg(axis if dim is None else None, dim)
    ts = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    if not ts:
        raise ValueError("stack: expected at least one tensor")
    if len({t.shape for t in ts}) != 1:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"stack: all tensors need the same shape, got {shapes}")
    return _op(np.stack([t.data for t in ts], axis=axis), ts, "stack", axis=axis)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Pick from ``a`` where ``condition`` holds, else from ``b`` (differentiable in a and b)."""
    cond = condition.data if isinstance(condition, Tensor) else np.asarray(condition)
    cond = cond.astype(bool, copy=False)
    ta = a if isinstance(a, Tensor) else None
    tb = b if isinstance(b, Tensor) else None
    like = ta if ta is not None else (tb if tb is not None else Tensor(0.0))
    ta = ta if ta is not None else like._operand(a)
    tb = tb if tb is not None else like._operand(b)
    try:
        data = np.where(cond, ta.data, tb.data)
    except ValueError:
        raise ValueError(f"where: shapes {cond.shape}, {ta.shape} and {tb.shape} cannot be "
                         f"broadcast together") from None
    return _op(data, (ta, tb), "where", cond=cond)
