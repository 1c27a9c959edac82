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
    # BEGIN SOLUTION
    # HINT: Seeding the shared default generator is what makes every later experiment repeatable;
    # HINT: the generator already knows how to restart itself.
    return default_generator.manual_seed(seed)
    # END SOLUTION


def _rng(generator: Generator | None = None, seed: int | None = None) -> np.random.Generator:
    # BEGIN SOLUTION
    # HINT: Three ways to ask for randomness: an explicit seed (a fresh stream), a Generator
    # HINT: object, or nothing (the shared default). Asking for both a seed and a generator is
    # HINT: ambiguous: refuse it with a ValueError.
    if seed is not None and generator is not None:
        raise ValueError("pass either seed= or generator=, not both")
    if seed is not None:
        return np.random.default_rng(seed)
    return (generator or default_generator).rng
    # END SOLUTION


# --------------------------------------------------------------------------- conversion
def _to_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Turn user data into an ndarray following the dtype convention in the module docstring."""
    # BEGIN SOLUTION
    # HINT: Everything a user may pass (a Tensor, a number, a nested list, a numpy array) becomes
    # HINT: one ndarray here, so the rest of the class never checks types again.
    # HINT:
    # HINT: The dtype policy from the module docstring: an explicit dtype always wins; numpy floats
    # HINT: that are not float32 become float32; Python numbers, bools and lists become float32;
    # HINT: integer numpy arrays keep their dtype (labels, token ids).
    # HINT:
    # HINT: Edge cases: ragged lists give an object array, which is a TypeError naming the data's
    # HINT: type, not a crash later.
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
    # END SOLUTION


def _axis_arg(axis: Any, dim: Any) -> Any:
    """Accept numpy's ``axis`` and PyTorch's ``dim`` spelling of the same argument."""
    # BEGIN SOLUTION
    # HINT: Users write numpy's `axis` or PyTorch's `dim`; accept either, refuse both at once
    # HINT: (TypeError), and treat a list of axes as a tuple because numpy reductions only take
    # HINT: tuples.
    if dim is not None:
        if axis is not None:
            raise TypeError("pass either axis= or dim=, not both")
        axis = dim
    if isinstance(axis, list):
        axis = tuple(axis)
    return axis
    # END SOLUTION


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
        # BEGIN SOLUTION
        # HINT: Store the converted array, then the autograd bookkeeping every tensor carries: no
        # HINT: gradient yet, no producing op, not requiring grad, not retaining grad, version
        # HINT: zero.
        # HINT:
        # HINT: Asking for requires_grad goes through requires_grad_, so the float-only check lives
        # HINT: in one place.
        self.data: np.ndarray = _to_array(data, dtype)
        self.grad: Tensor | None = None
        self.grad_fn: Any = None
        self.requires_grad = False
        self._retains_grad = False
        self._version = 0  # bumped by every in-place change; backward checks saved inputs
        if requires_grad:
            self.requires_grad_(True)
        # END SOLUTION

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
        # BEGIN SOLUTION
        # HINT: PyTorch's size() is the whole shape, size(d) one dimension of it (negative d counts
        # HINT: from the end).
        return self.data.shape if dim is None else self.data.shape[dim]
        # END SOLUTION

    def numel(self) -> int:
        # BEGIN SOLUTION
        # HINT: The number of elements, as a Python int (numpy returns its own integer type).
        return int(self.data.size)
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        # HINT: len() is the length of the first dimension; a 0-d tensor has no first dimension,
        # HINT: which Python reports as a TypeError.
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]
        # END SOLUTION

    def numpy(self) -> np.ndarray:
        """The values as a numpy array (shares memory; detach first if you will modify it)."""
        return self.data

    def item(self) -> Any:
        # BEGIN SOLUTION
        # HINT: Only a tensor holding exactly one value (any shape: (), (1,), (1, 1)) becomes a
        # HINT: Python number; otherwise raise ValueError and say the shape.
        if self.data.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to a Python number, "
                f"this one has shape {self.shape}"
            )
        return self.data.reshape(()).item()
        # END SOLUTION

    def tolist(self) -> Any:
        # BEGIN SOLUTION
        # HINT: Nested Python lists of Python numbers, the same nesting as the shape.
        return self.data.tolist()
        # END SOLUTION

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
        # BEGIN SOLUTION
        # HINT: `if t:` only makes sense for one element; for more it is ambiguous (ValueError
        # HINT: saying how many elements).
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor with {self.data.size} elements is ambiguous"
            )
        return bool(self.data.reshape(()))
        # END SOLUTION

    def __float__(self) -> float:
        # BEGIN SOLUTION
        # HINT: Reuse item(): it already refuses tensors with more than one value.
        return float(self.item())
        # END SOLUTION

    def __int__(self) -> int:
        # BEGIN SOLUTION
        # HINT: Reuse item(), as float() does.
        return int(self.item())
        # END SOLUTION

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ gradient helpers
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark this leaf as needing a gradient (only floating-point data can)."""
        # BEGIN SOLUTION
        # HINT: Gradients only exist for real-valued (floating) data: an integer tensor asking for
        # HINT: one is a TypeError naming its dtype. Return the tensor itself so calls can chain.
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(
                f"only floating-point tensors can require grad; this one has dtype {self.dtype}"
            )
        self.requires_grad = requires_grad
        return self
        # END SOLUTION

    def retain_grad(self) -> Tensor:
        """Keep ``.grad`` on this non-leaf tensor after backward (useful when debugging)."""
        # BEGIN SOLUTION
        # HINT: Non-leaf tensors normally drop their gradient after backward; this sets the flag
        # HINT: the engine checks. Return self to chain.
        self._retains_grad = True
        return self
        # END SOLUTION

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (gradients add up across backward calls)."""
        self.grad = None

    def detach(self) -> Tensor:
        """The same values, cut off from the graph (shares memory, never requires grad)."""
        # BEGIN SOLUTION
        # HINT: A new tensor over the same memory, with no history and no grad requirement: the way
        # HINT: out of the graph.
        return Tensor._wrap(self.data)
        # END SOLUTION

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
        # BEGIN SOLUTION
        # HINT: Converting to the same dtype is a no-op; converting to an integer or bool dtype
        # HINT: cuts the graph (no gradient through a rounding); converting between float dtypes is
        # HINT: an op the engine records ("astype") so gradients flow back.
        dtype = np.dtype(dtype)
        if dtype == self.dtype:
            return self
        if dtype.kind != "f":
            return Tensor._wrap(self.data.astype(dtype))
        return _op(self.data.astype(dtype), (self,), "astype")
        # END SOLUTION

    def float(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: One-line conveniences over astype with float32, float64 and int64.
        return self.astype(np.float32)
        # END SOLUTION

    def double(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: See float().
        return self.astype(np.float64)
        # END SOLUTION

    def long(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: See float(); integer results do not track gradients.
        return self.astype(np.int64)
        # END SOLUTION

    def clone(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: A real copy of the values (not a view) that still belongs to the graph: record it
        # HINT: as the "clone" op.
        return _op(self.data.copy(), (self,), "clone")
        # END SOLUTION

    # ------------------------------------------------------------------ arithmetic
    def _operand(self, other: Any) -> Tensor:
        """Bring a Python number or array to a Tensor with this tensor's float dtype."""
        # BEGIN SOLUTION
        # HINT: The other side of a binary op may be a Tensor (use it as is), a Python or numpy
        # HINT: scalar (make a 0-d array in this tensor's float dtype, so `x * 2` stays float32 and
        # HINT: does not promote), or anything array-like (build a Tensor).
        if isinstance(other, Tensor):
            return other
        if isinstance(other, numbers.Number | np.generic):
            dtype = self.dtype if self.dtype.kind == "f" else DEFAULT_DTYPE
            return Tensor._wrap(np.asarray(other, dtype=dtype))
        return Tensor(other)
        # END SOLUTION

    def _binary(self, other: Any, name: str, fn: Any, reverse: bool = False) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The single place every binary arithmetic op goes through. Bring `other` to a
        # HINT: Tensor; `reverse` swaps the operands (for 2 - x, the Python number is the left
        # HINT: one).
        # HINT:
        # HINT: Let numpy broadcast; when it refuses, raise ValueError naming the op and both
        # HINT: shapes (numpy's own message does not say which op failed).
        # HINT:
        # HINT: Policy: a float64 result is allowed only if an input was float64 (int64 * float32
        # HINT: and int / int promote in numpy). Finish through _op with the op's name so module 02
        # HINT: can attach the rule.
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
        # END SOLUTION

    def __add__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Every arithmetic dunder is the shared binary helper with an op name and the
        # HINT: matching numpy ufunc.
        return self._binary(other, "add", np.add)
        # END SOLUTION

    def __radd__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Called for `number + tensor`: the tensor is the right operand. Addition commutes,
        # HINT: but division and subtraction do not, so use the helper's reverse flag consistently.
        return self._binary(other, "add", np.add, reverse=True)
        # END SOLUTION

    def __sub__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As __add__, for subtraction.
        return self._binary(other, "sub", np.subtract)
        # END SOLUTION

    def __rsub__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: `3 - x`: the number is on the left. Getting the order wrong gives x - 3, which
        # HINT: tests with symmetric values never notice.
        return self._binary(other, "sub", np.subtract, reverse=True)
        # END SOLUTION

    def __mul__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As __add__, for multiplication.
        return self._binary(other, "mul", np.multiply)
        # END SOLUTION

    def __rmul__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The reflected form of multiplication.
        return self._binary(other, "mul", np.multiply, reverse=True)
        # END SOLUTION

    def __truediv__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As __add__, for true division (int / int must still end up float32).
        return self._binary(other, "div", np.divide)
        # END SOLUTION

    def __rtruediv__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: `1 / x`: the reflected division.
        return self._binary(other, "div", np.divide, reverse=True)
        # END SOLUTION

    def __neg__(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Negation is its own op with its own (very small) backward rule.
        return _op(np.negative(self.data), (self,), "neg")
        # END SOLUTION

    def __pow__(self, exponent: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Two different ops hide here. A Tensor exponent is a graph input (it gets a gradient
        # HINT: too): it goes through the binary helper as "pow".
        # HINT:
        # HINT: A Python number exponent is a constant, not an input: turn it into a float, compute
        # HINT: the power, and save the exponent as a keyword for the backward rule of
        # HINT: "pow_scalar".
        if isinstance(exponent, Tensor):
            return self._binary(exponent, "pow", np.power)
        p = float(exponent)
        return _op(np.power(self.data, p), (self,), "pow_scalar", exponent=p)
        # END SOLUTION

    def __rpow__(self, base: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: `2 ** x`: the tensor is the exponent, the number the base; reflected "pow".
        return self._binary(base, "pow", np.power, reverse=True)
        # END SOLUTION

    def __matmul__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Bring `other` to a Tensor, then validate before numpy does, so the learner reads a
        # HINT: message in their own terms: a 0-d operand cannot be multiplied (ValueError naming
        # HINT: both shapes).
        # HINT:
        # HINT: The contracted dimension is a's last and b's second-to-last, or b's only one when b
        # HINT: is 1-D; a mismatch is a ValueError naming both shapes and both sizes.
        # HINT:
        # HINT: Leading (batch) dimensions broadcast; when they cannot, say so (catch numpy's
        # HINT: ValueError). Record the result as "matmul".
        # HINT:
        # HINT: The tests read the message, so use this wording: "matmul: shapes (3, 4) and (5, 2)
        # HINT: are not aligned (4 != 5)".
        other = self._operand(other)
        a, b = self.data, other.data
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
        # BEGIN SOLUTION
        # HINT: `array @ tensor`: make the left operand a Tensor and reuse matmul.
        return Tensor(other).__matmul__(self)
        # END SOLUTION

    # comparisons: no gradient, boolean result
    def _compare(self, other: Any, fn: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Comparisons give boolean tensors that never track gradients (a step function has
        # HINT: zero derivative): compare the arrays and wrap the result without recording an op.
        other_data = other.data if isinstance(other, Tensor) else other
        return Tensor._wrap(fn(self.data, other_data))
        # END SOLUTION

    def __lt__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Each comparison is the shared compare helper with the matching numpy ufunc.
        return self._compare(other, np.less)
        # END SOLUTION

    def __le__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: See __lt__.
        return self._compare(other, np.less_equal)
        # END SOLUTION

    def __gt__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: See __lt__.
        return self._compare(other, np.greater)
        # END SOLUTION

    def __ge__(self, other: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: See __lt__.
        return self._compare(other, np.greater_equal)
        # END SOLUTION

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        # BEGIN SOLUTION
        # HINT: Element-wise equality, a boolean tensor (not a single bool as Python objects
        # HINT: usually give).
        return self._compare(other, np.equal)
        # END SOLUTION

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        # BEGIN SOLUTION
        # HINT: See __eq__.
        return self._compare(other, np.not_equal)
        # END SOLUTION

    # ------------------------------------------------------------------ element-wise maths
    def exp(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Each element-wise function is the numpy function plus an op name for module 02. The
        # HINT: backward of exp can reuse the output, which the engine keeps.
        return _op(np.exp(self.data), (self,), "exp")
        # END SOLUTION

    def log(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As exp(); log(0) is -inf and log of a negative is nan, exactly as in PyTorch.
        return _op(np.log(self.data), (self,), "log")
        # END SOLUTION

    def sqrt(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As exp(), with the op "sqrt".
        return _op(np.sqrt(self.data), (self,), "sqrt")
        # END SOLUTION

    def abs(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As exp(), with the op "abs".
        return _op(np.abs(self.data), (self,), "abs")
        # END SOLUTION

    def tanh(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As exp(), with the op "tanh".
        return _op(np.tanh(self.data), (self,), "tanh")
        # END SOLUTION

    def sigmoid(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: The textbook 1/(1+e^-x) overflows e^-x for very negative x. A tanh form rounds to
        # HINT: exactly 0 in float32 once x < -17, so log(sigmoid(x)) becomes -inf where PyTorch
        # HINT: gives about -20.
        # HINT:
        # HINT: Stable idea: compute e^-|x| (always in (0, 1], never overflows) and build the
        # HINT: positive and negative branches from it; for x < 0 the value is tiny but
        # HINT: representable. Keep the input's dtype; the op is "sigmoid".
        x = self.data
        e = np.exp(-np.abs(x))  # in (0, 1]: never overflows
        out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)
        return _op(out, (self,), "sigmoid")
        # END SOLUTION

    def relu(self) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Keep the positive entries, zero the rest; op "relu".
        return _op(np.maximum(self.data, 0), (self,), "relu")
        # END SOLUTION

    def clip(self, min: float | None = None, max: float | None = None) -> Tensor:  # noqa: A002
        """Limit values to [min, max]; the gradient is zero where clipping happened."""
        # BEGIN SOLUTION
        # HINT: Limit the values to [min, max] where either bound may be None; save both bounds
        # HINT: because the gradient is zero exactly where clipping happened.
        return _op(np.clip(self.data, min, max), (self,), "clip", lo=min, hi=max)
        # END SOLUTION

    clamp = clip

    def masked_fill(self, mask: Any, value: float) -> Tensor:
        """Replace entries where ``mask`` is True by ``value`` (e.g. -inf in causal attention)."""
        # BEGIN SOLUTION
        # HINT: The mask may be a Tensor or anything array-like; treat it as booleans. It must
        # HINT: broadcast to this tensor's shape (else ValueError naming both shapes).
        # HINT:
        # HINT: The fill value takes this tensor's dtype (so -inf stays float32); save the mask for
        # HINT: backward, where masked positions get no gradient.
        m = mask.data if isinstance(mask, Tensor) else np.asarray(mask)
        m = m.astype(bool, copy=False)
        try:
            data = np.where(m, np.asarray(value, dtype=self.dtype), self.data)
        except ValueError:
            raise ValueError(
                f"masked_fill: mask of shape {m.shape} cannot be broadcast to {self.shape}"
            ) from None
        return _op(data, (self,), "masked_fill", mask=m)
        # END SOLUTION

    # ------------------------------------------------------------------ reductions
    def sum(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Reduce over `axis` (None = everything), keeping reduced axes as size 1 when asked.
        # HINT: Boolean and integer tensors sum to float32 counts (summing a mask counts its True
        # HINT: entries).
        # HINT:
        # HINT: Save axis and keepdims: backward must know which axes disappeared to spread the
        # HINT: gradient back. The result may be a numpy scalar; keep it an array.
        axis = _axis_arg(axis, dim)
        keepdims = keepdim if keepdim is not None else keepdims
        src = self.data if self.dtype.kind == "f" else self.data.astype(DEFAULT_DTYPE)
        data = np.sum(src, axis=axis, keepdims=keepdims)
        return _op(np.asarray(data), (self,), "sum", axis=axis, keepdims=keepdims)
        # END SOLUTION

    def mean(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
             keepdim: bool | None = None) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Like sum, divided by the count of reduced elements, with its own op so the rule can
        # HINT: divide the gradient by the same count. Integer inputs average as float32; the
        # HINT: result keeps the float dtype.
        axis = _axis_arg(axis, dim)
        keepdims = keepdim if keepdim is not None else keepdims
        src = self.data if self.dtype.kind == "f" else self.data.astype(DEFAULT_DTYPE)
        data = np.mean(src, axis=axis, keepdims=keepdims)
        return _op(np.asarray(data, dtype=src.dtype), (self,), "mean", axis=axis,
                   keepdims=keepdims)
        # END SOLUTION

    def var(self, axis: Any = None, keepdims: bool = False, unbiased: bool = True, *,
            dim: Any = None, keepdim: bool | None = None) -> Tensor:
        """Variance, composed from mean and arithmetic (so it differentiates for free).

        Unbiased (divides by n - 1) by default, as PyTorch's ``var`` is; normalisation layers
        use the biased (population) variance and pass ``unbiased=False``."""
        # BEGIN SOLUTION
        # HINT: Variance = mean of squared deviations. Compose it from ops you already have (mean
        # HINT: with kept dims, subtraction, power, sum), so it differentiates for free.
        # HINT:
        # HINT: The divisor: n (population) or n - 1 (unbiased, PyTorch's default). n is the number
        # HINT: of elements reduced per output value, which depends on the axis.
        axis = _axis_arg(axis, dim)
        keepdims = keepdim if keepdim is not None else keepdims
        mu = self.mean(axis=axis, keepdims=True)
        sq = ((self - mu) ** 2).sum(axis=axis, keepdims=keepdims)
        n = self.data.size // max(sq.data.size, 1) if axis is not None else self.data.size
        return sq / (n - 1 if unbiased else n)
        # END SOLUTION

    def _extreme(self, fn: Any, name: str, axis: Any, keepdims: bool) -> Tensor:
        # BEGIN SOLUTION
        # HINT: max and min share one op: reducing an empty tensor is a ValueError; otherwise
        # HINT: reduce with the given numpy function and save axis and keepdims for backward (which
        # HINT: sends the gradient to the winners).
        if self.data.size == 0:
            raise ValueError(f"{name}: cannot reduce an empty tensor")
        data = fn(self.data, axis=axis, keepdims=keepdims)
        return _op(np.asarray(data), (self,), "extreme", axis=axis, keepdims=keepdims)
        # END SOLUTION

    def max(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> Tensor:
        """Largest value (over ``axis``); ties share the gradient equally."""
        # BEGIN SOLUTION
        # HINT: Accept both spellings of axis and keepdims, then use the shared extreme helper with
        # HINT: numpy's max.
        k = keepdim if keepdim is not None else keepdims
        return self._extreme(np.max, "max", _axis_arg(axis, dim), k)
        # END SOLUTION

    def min(self, axis: Any = None, keepdims: bool = False, *, dim: Any = None,
            keepdim: bool | None = None) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As max().
        k = keepdim if keepdim is not None else keepdims
        return self._extreme(np.min, "min", _axis_arg(axis, dim), k)
        # END SOLUTION

    def argmax(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Indices (int64) are not differentiable: wrap them without recording an op.
        return Tensor._wrap(np.argmax(self.data, axis=_axis_arg(axis, dim), keepdims=keepdims))
        # END SOLUTION

    def argmin(self, axis: int | None = None, keepdims: bool = False, *,
               dim: int | None = None) -> Tensor:
        # BEGIN SOLUTION
        # HINT: As argmax().
        return Tensor._wrap(np.argmin(self.data, axis=_axis_arg(axis, dim), keepdims=keepdims))
        # END SOLUTION

    # ------------------------------------------------------------------ shape ops
    def reshape(self, *shape: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Accept both reshape(2, 3) and reshape((2, 3)); -1 lets numpy infer one size.
        # HINT:
        # HINT: A size mismatch is a ValueError naming the old shape, its element count and the
        # HINT: requested shape. The op "reshape" needs nothing saved: backward knows the input
        # HINT: shape.
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
        # END SOLUTION

    view = reshape

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Merge the dimensions start_dim..end_dim (negative counts from the end) into one; a
        # HINT: 0-d tensor flattens to shape (1,). Build the new shape and reuse reshape.
        nd = self.ndim
        if nd == 0:
            return self.reshape(1)
        s, e = start_dim % nd, end_dim % nd
        shape = self.shape[:s] + (-1,) + self.shape[e + 1:]
        return self.reshape(shape)
        # END SOLUTION

    def permute(self, *dims: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Accept permute(1, 0, 2) and permute((1, 0, 2)). Check that dims is a permutation of
        # HINT: all the axes (negatives allowed), else ValueError naming dims and the shape. Save
        # HINT: the normalised axes: backward applies the inverse permutation.
        if len(dims) == 1 and isinstance(dims[0], Sequence):
            dims = tuple(dims[0])
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} "
                             f"dimensions of shape {self.shape}")
        axes = tuple(d % self.ndim for d in dims)
        return _op(np.transpose(self.data, axes), (self,), "permute", axes=axes)
        # END SOLUTION

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Validate both dims the way PyTorch does (IndexError for out of range), swap them in
        # HINT: the identity permutation and reuse permute. A tensor with fewer than 2 dims has
        # HINT: nothing to swap.
        dim0, dim1 = _dim_arg(dim0, self.ndim), _dim_arg(dim1, self.ndim)
        if self.ndim < 2:  # only transpose(0, 0) gets here: nothing to swap
            return self
        axes = list(range(self.ndim))
        axes[dim0], axes[dim1] = axes[dim1], axes[dim0]
        return self.permute(axes)
        # END SOLUTION

    @property
    def T(self) -> Tensor:  # noqa: N802 - the PyTorch/numpy name
        return self.permute(tuple(reversed(range(self.ndim))))

    def unsqueeze(self, dim: int) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Insert a size-1 axis at `dim`; a negative dim counts positions in the NEW shape
        # HINT: (ndim + 1 of them). Reuse reshape.
        d = dim if dim >= 0 else dim + self.ndim + 1
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])
        # END SOLUTION

    def squeeze(self, dim: int | None = None) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Without dim: drop every size-1 axis. With dim: drop it only if it has size 1,
        # HINT: otherwise return the tensor unchanged (PyTorch's behaviour, not an error).
        if dim is None:
            return self.reshape(tuple(s for s in self.shape if s != 1))
        if self.shape[dim] != 1:
            return self
        d = dim % self.ndim
        return self.reshape(self.shape[:d] + self.shape[d + 1:])
        # END SOLUTION

    def expand(self, *shape: Any) -> Tensor:
        """Broadcast to ``shape`` without copying; the gradient is summed back."""
        # BEGIN SOLUTION
        # HINT: Broadcast to a bigger shape without copying. -1 means keep that existing size, so
        # HINT: it is only allowed over existing dimensions; new leading dimensions need an
        # HINT: explicit size.
        # HINT:
        # HINT: Replace the -1s, then let numpy broadcast (its failure becomes a ValueError naming
        # HINT: both shapes). Backward sums over the stretched axes.
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
        # END SOLUTION

    def __getitem__(self, index: Any) -> Tensor:
        # BEGIN SOLUTION
        # HINT: Indices may contain Tensors (fancy indexing): unwrap them first. An out-of-range
        # HINT: index is an IndexError that also shows the tensor's shape. Save the index: backward
        # HINT: scatters the gradient into those positions.
        idx = _index_arg(index)
        try:
            data = self.data[idx]
        except IndexError as exc:
            raise IndexError(f"getitem: {exc} (tensor shape {self.shape})") from None
        return _op(data, (self,), "getitem", index=idx)
        # END SOLUTION

    def __setitem__(self, index: Any, value: Any) -> None:
        # BEGIN SOLUTION
        # HINT: Writing into a tensor that requires grad while recording would corrupt gradients:
        # HINT: refuse (RuntimeError telling the learner about no_grad).
        # HINT:
        # HINT: Otherwise write the values in place and bump the version counter, so backward can
        # HINT: detect that a saved value changed.
        if self.requires_grad and _engine is not None and _engine.grad_enabled:
            raise RuntimeError(
                "setitem: in-place assignment into a tensor that requires grad would corrupt "
                "its gradient; do it under tinytorch.no_grad() or build a new tensor"
            )
        self.data[_index_arg(index)] = value.data if isinstance(value, Tensor) else value
        self._version += 1
        # END SOLUTION


def _dim_arg(dim: int, ndim: int) -> int:
    """A dimension index checked as PyTorch checks it (negative counts from the end)."""
    # BEGIN SOLUTION
    # HINT: Valid dims lie in [-n, n-1] (a 0-d tensor behaves as n = 1); outside that raise
    # HINT: IndexError with PyTorch's wording; return the non-negative form.
    lo, hi = -max(ndim, 1), max(ndim, 1) - 1
    if not lo <= dim <= hi:
        raise IndexError(f"Dimension out of range (expected to be in range of [{lo}, {hi}], "
                         f"but got {dim})")
    return dim % max(ndim, 1)
    # END SOLUTION


def _index_arg(index: Any) -> Any:
    """Replace Tensors inside an index by their arrays (fancy indexing with tensors)."""
    # BEGIN SOLUTION
    # HINT: Replace a Tensor index, or Tensors inside a tuple index, by their arrays; leave ints,
    # HINT: slices and None alone.
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return index
    # END SOLUTION


# --------------------------------------------------------------------------- factories
def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Build a Tensor (PyTorch's spelling) that never shares memory with ``data``."""
    # BEGIN SOLUTION
    # HINT: Like the constructor, but the result must never share memory with the data passed in (a
    # HINT: later in-place change to the list or array must not leak in). Apply requires_grad last.
    t = Tensor(data, dtype=dtype)
    t.data = np.array(t.data, copy=True)
    return t.requires_grad_(requires_grad) if requires_grad else t
    # END SOLUTION


def _shape_arg(shape: tuple[Any, ...]) -> tuple[int, ...]:
    # BEGIN SOLUTION
    # HINT: Factories accept zeros(2, 3) and zeros((2, 3)); return a tuple of ints either way.
    if len(shape) == 1 and isinstance(shape[0], Iterable):
        return tuple(int(s) for s in shape[0])
    return tuple(int(s) for s in shape)
    # END SOLUTION


def zeros(*shape: Any, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    # BEGIN SOLUTION
    # HINT: Each factory builds the numpy array of the requested shape and dtype and hands it to
    # HINT: the constructor with requires_grad.
    return Tensor(np.zeros(_shape_arg(shape), dtype=dtype), requires_grad=requires_grad)
    # END SOLUTION


def ones(*shape: Any, requires_grad: bool = False, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    # BEGIN SOLUTION
    # HINT: As zeros().
    return Tensor(np.ones(_shape_arg(shape), dtype=dtype), requires_grad=requires_grad)
    # END SOLUTION


def full(shape: Any, value: float, requires_grad: bool = False,
         dtype: Any = DEFAULT_DTYPE) -> Tensor:
    # BEGIN SOLUTION
    # HINT: As zeros(), every element equal to `value`.
    return Tensor(np.full(_shape_arg((shape,)), value, dtype=dtype), requires_grad=requires_grad)
    # END SOLUTION


def zeros_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    # BEGIN SOLUTION
    # HINT: Same shape and dtype as `t`, filled with zeros.
    return Tensor(np.zeros_like(t.data), requires_grad=requires_grad)
    # END SOLUTION


def ones_like(t: Tensor, requires_grad: bool = False) -> Tensor:
    # BEGIN SOLUTION
    # HINT: Same shape and dtype as `t`, filled with ones.
    return Tensor(np.ones_like(t.data), requires_grad=requires_grad)
    # END SOLUTION


def eye(n: int, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    # BEGIN SOLUTION
    # HINT: The n-by-n identity matrix.
    return Tensor(np.eye(n, dtype=dtype))
    # END SOLUTION


def randn(*shape: Any, requires_grad: bool = False, generator: Generator | None = None,
          seed: int | None = None, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    """Standard-normal samples; pass ``seed`` or a ``Generator`` for repeatable results."""
    # BEGIN SOLUTION
    # HINT: Draw standard-normal samples from the chosen stream in float64 (so the same seed gives
    # HINT: the same numbers whatever the dtype), then convert to the requested dtype.
    data = _rng(generator, seed).standard_normal(_shape_arg(shape), dtype=np.float64)
    return Tensor(data.astype(dtype), requires_grad=requires_grad)
    # END SOLUTION


def rand(*shape: Any, requires_grad: bool = False, generator: Generator | None = None,
         seed: int | None = None, dtype: Any = DEFAULT_DTYPE) -> Tensor:
    """Uniform samples in [0, 1)."""
    # BEGIN SOLUTION
    # HINT: As randn(), uniform in [0, 1).
    data = _rng(generator, seed).random(_shape_arg(shape))
    return Tensor(data.astype(dtype), requires_grad=requires_grad)
    # END SOLUTION


def randint(low: int, high: int, shape: Any, generator: Generator | None = None,
            seed: int | None = None) -> Tensor:
    """Integer samples in [low, high) as int64 (e.g. random labels or token ids)."""
    # BEGIN SOLUTION
    # HINT: Integers in [low, high) from the chosen stream; they stay int64 (labels, token ids).
    return Tensor(_rng(generator, seed).integers(low, high, size=_shape_arg((shape,))))
    # END SOLUTION


def arange(start: float, stop: float | None = None, step: float = 1,
           dtype: Any = None) -> Tensor:
    """Evenly spaced values; integer arguments give int64 (indices), otherwise float32."""
    # BEGIN SOLUTION
    # HINT: arange(n) means 0..n-1. All-integer arguments give int64 (indices); any float argument
    # HINT: gives float32, never numpy's float64.
    if stop is None:
        start, stop = 0, start
    ints = all(isinstance(v, int | np.integer) for v in (start, stop, step))
    dt = dtype or (np.int64 if ints else DEFAULT_DTYPE)
    return Tensor(np.arange(start, stop, step, dtype=dt))
    # END SOLUTION


def cat(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis."""
    # BEGIN SOLUTION
    # HINT: Join along an existing axis. Accept non-Tensors, refuse an empty list, and turn numpy's
    # HINT: shape complaint into a ValueError listing all shapes and the axis.
    # HINT:
    # HINT: Save the axis and each input's size along it: backward splits the gradient at those
    # HINT: boundaries.
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
    # END SOLUTION


def stack(tensors: Sequence[Tensor], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shaped tensors along a new axis."""
    # BEGIN SOLUTION
    # HINT: Join along a NEW axis: every input must have the same shape (ValueError listing them
    # HINT: otherwise). Save the axis for backward, which takes one slice per input.
    axis = _axis_arg(axis if dim is None else None, dim)
    ts = tuple(t if isinstance(t, Tensor) else Tensor(t) for t in tensors)
    if not ts:
        raise ValueError("stack: expected at least one tensor")
    if len({t.shape for t in ts}) != 1:
        shapes = ", ".join(str(t.shape) for t in ts)
        raise ValueError(f"stack: all tensors need the same shape, got {shapes}")
    return _op(np.stack([t.data for t in ts], axis=axis), ts, "stack", axis=axis)
    # END SOLUTION


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Pick from ``a`` where ``condition`` holds, else from ``b`` (differentiable in a and b)."""
    # BEGIN SOLUTION
    # HINT: Pick from a where the condition holds, from b elsewhere; both a and b receive
    # HINT: gradients.
    # HINT:
    # HINT: Either of a and b may be a plain number: convert it with the other's dtype (so a
    # HINT: float32 tensor and 0.0 stay float32). Shapes that do not broadcast are a ValueError
    # HINT: naming all three. Save the condition.
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
    # END SOLUTION
