"""Autograd (module 02): reverse-mode differentiation on a tape of small op classes.

Every Tensor op of module 01 ends in ``_op(data, parents, rule)``. Importing this file installs
an engine there, so from now on each op whose inputs need gradients leaves behind a node: an
instance of a small ``Function`` subclass that remembers its inputs and knows one thing - how
to turn the gradient of its output into gradients of its inputs (the chain rule, one op at a
time). ``backward()`` walks those nodes from the output back to the leaves in reverse
topological order, visiting each node exactly once however many paths lead to it.

Two jobs are done once, by the engine, rather than in every rule:
* broadcasting: a rule may return a gradient shaped like the *output*; the engine sums it over
  the broadcast dimensions so it matches the input (``unbroadcast``);
* accumulation: an input used twice (``x * x``) receives the sum of both contributions.

Rules work on plain numpy arrays: this framework differentiates once (no gradients of
gradients), which keeps each rule a line or two.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import tensor as _tensor
from .tensor import Tensor

grad_enabled = True  # read by tensor._op for every op


class no_grad:  # noqa: N801 - PyTorch's spelling
    """Context manager / decorator: ops inside record nothing (inference, optimiser steps)."""

    def __enter__(self) -> None:
        # BEGIN SOLUTION
        # HINT: Recording is one module-level switch that every op reads. Entering turns it off,
        # HINT: but remember the previous value first: blocks nest, and leaving an inner block must
        # HINT: not switch recording back on inside an outer one.
        global grad_enabled
        self._prev = grad_enabled
        grad_enabled = False
        # END SOLUTION

    def __exit__(self, *exc: Any) -> None:
        # BEGIN SOLUTION
        # HINT: Restore the value remembered on entry (whatever it was), also when the block
        # HINT: raised.
        global grad_enabled
        grad_enabled = self._prev
        # END SOLUTION

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        # Given, not a stub: `@no_grad()` decorates functions while the package imports, so a
        # stub here would stop `import tinytorch` before the learner has written anything.
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with no_grad():
                return fn(*args, **kwargs)

        return wrapper


class enable_grad(no_grad):  # noqa: N801
    """Turn recording back on inside a ``no_grad`` block."""

    def __enter__(self) -> None:
        # BEGIN SOLUTION
        # HINT: The mirror image of no_grad's entry: remember, then switch recording on.
        global grad_enabled
        self._prev = grad_enabled
        grad_enabled = True
        # END SOLUTION


def is_grad_enabled() -> bool:
    return grad_enabled


# --------------------------------------------------------------------------- the node
class Function:
    """One recorded op: its inputs, its output values and whatever else backward needs.

    Subclasses implement ``backward(grad) -> tuple`` returning one numpy gradient (or None) per
    input. ``needs[i]`` tells whether input i wants a gradient, so rules can skip work.
    """

    __slots__ = ("inputs", "out", "saved", "needs", "versions")
    op_name = ""  # the Tensor op this rule differentiates, set by @rule (for error messages)


    def __init__(self, inputs: tuple[Tensor, ...], out: np.ndarray,
                 saved: dict[str, Any]) -> None:
        # BEGIN SOLUTION
        # HINT: A node remembers its inputs, its output values and the saved keywords. Store which
        # HINT: inputs want a gradient (so rules can skip work) and each input's version now, so
        # HINT: backward can tell whether one was changed in place afterwards.
        self.inputs: tuple[Tensor, ...] | None = inputs
        self.out = out
        self.saved = saved
        self.needs = tuple(t.requires_grad for t in inputs)
        # the inputs' versions when the op ran: a rule reads their arrays at backward time,
        # so an in-place change in between would silently give a wrong gradient
        self.versions = tuple(t._version for t in inputs)
        # END SOLUTION

    def backward(self, grad: np.ndarray) -> Sequence[np.ndarray | None]:
        raise NotImplementedError(f"{type(self).__name__} has no backward rule")

    def release(self) -> None:
        """Drop references to inputs and saved arrays so the graph's memory can be freed."""
        # BEGIN SOLUTION
        # HINT: After a backward without retain_graph the node must stop holding memory: drop its
        # HINT: inputs, output and saved values. A later backward through it sees the missing
        # HINT: inputs and reports a freed graph.
        self.inputs = None
        self.out = None
        self.saved = None
        # END SOLUTION

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


RULES: dict[str, type[Function]] = {}


def rule(name: str) -> Callable[[type[Function]], type[Function]]:
    """Register a Function subclass as the backward rule of the Tensor op called ``name``."""

    if name not in _tensor.OP_NAMES:
        raise ValueError(f"rule({name!r}): no Tensor op is called {name!r}; the op names are "
                         f"{', '.join(sorted(_tensor.OP_NAMES))} (tensor.OP_NAMES)")

    def register(cls: type[Function]) -> type[Function]:
        RULES[name] = cls
        cls.op_name = name
        return cls

    return register


def record(out: Tensor, parents: tuple[Tensor, ...], rule_: Any, saved: dict[str, Any]) -> None:
    """Called by ``tensor._op``: attach a node to ``out`` so backward can find its inputs."""
    # BEGIN SOLUTION
    # HINT: Called by every op whose inputs need grad. The rule is an op name (look its class up in
    # HINT: the registry) or a Function class passed directly; build the node from parents, output
    # HINT: values and saved keywords, attach it as the output's grad_fn, and mark the output as
    # HINT: requiring grad.
    cls = RULES[rule_] if isinstance(rule_, str) else rule_
    out.grad_fn = cls(parents, out.data, saved)
    out.requires_grad = True
    # END SOLUTION


# --------------------------------------------------------------------------- shape checks
def _reduces_to(grad_shape: tuple[int, ...], shape: tuple[int, ...]) -> bool:
    """Can broadcasting have turned an input of ``shape`` into ``grad_shape``?"""
    lead = len(grad_shape) - len(shape)
    return lead >= 0 and all(s in (1, g) for s, g in zip(shape, grad_shape[lead:], strict=True))


def _wrong_shape(given: tuple[int, ...], shape: tuple[int, ...], rule: Function | None) -> str:
    who = "a backward rule"
    if rule is not None:
        op = f", the rule of the '{rule.op_name}' op" if rule.op_name else ""
        who = f"backward rule {type(rule).__name__}{op},"
    return (f"{who} returned a gradient of shape {given} for an input of shape {shape}; a rule "
            f"must return each input's gradient in that input's shape (or in the shape the "
            f"forward pass broadcast it to, which the engine sums back)")


# --------------------------------------------------------------------------- broadcasting
def unbroadcast(grad: np.ndarray, shape: tuple[int, ...], rule: Function | None = None) -> np.ndarray:
    """Sum ``grad`` over the dimensions that broadcasting added or stretched, to get ``shape``.

    If y = a + b with a of shape (3, 1) and b of shape (4,), y has shape (3, 4): each a[i] was
    used 4 times, so its gradient is the sum over that stretched axis. A ``grad`` that
    broadcasting cannot explain is a wrong rule (``rule``, named in the error), never patched.
    """
    if grad.shape == shape:
        return grad
    given = grad.shape
    if not _reduces_to(given, shape):
        raise RuntimeError(_wrong_shape(given, shape, rule))
    # BEGIN SOLUTION
    # HINT: Broadcasting copied an input along some axes, so its gradient is the SUM of the output
    # HINT: gradient over those axes. Two kinds of axes: extra leading ones (the input had fewer
    # HINT: dimensions) and axes where the input had size 1 but the output did not.
    # HINT:
    # HINT: Shapes: input (3, 1) plus (4,) gives (3, 4); the first input's gradient is summed over
    # HINT: axis 1 (kept as size 1), the second's over axis 0 (dropped).
    # HINT:
    # HINT: Edge cases: a 0-d input (sum everything), and a size-1 axis that is also size 1 in the
    # HINT: gradient (nothing to sum).
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    # END SOLUTION
    if grad.shape != shape:  # never patched over with broadcast_to: that hides wrong rules
        raise RuntimeError(
            f"unbroadcast(): a gradient of shape {given} should have been summed down to "
            f"the input's shape {shape}, but came out as {grad.shape}; sum over the leading "
            f"axes broadcasting added and (keepdims) over every axis where the input has size 1"
        )
    return grad


# --------------------------------------------------------------------------- the engine
_FREED = (
    "backward(): trying to backward through the graph a second time, but its saved values "
    "were freed by the first backward(); pass retain_graph=True to the first call if you "
    "need to go through it again"
)


def _topological_order(root: Tensor) -> list[Tensor]:
    """Tensors reachable from ``root`` that need grad, each after all of its inputs.

    Iterative depth-first search: a deep chain (thousands of ops) must not hit Python's
    recursion limit.
    """
    # BEGIN SOLUTION
    # HINT: Every tensor must come after all the tensors it was computed from, each exactly once,
    # HINT: however many paths lead to it (x used twice).
    # HINT:
    # HINT: Recursion would hit Python's limit on a chain of thousands of ops: use an explicit
    # HINT: stack and mark each entry as "visit my inputs first" or "all my inputs are done, emit
    # HINT: me". Only follow inputs that require grad.
    # HINT:
    # HINT: A node whose inputs were released belongs to a graph that a previous backward already
    # HINT: freed: raise RuntimeError with the _FREED message.
    # HINT:
    # HINT: The freed-graph message mentions retain_graph, which is how the learner fixes it.
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        fn = t.grad_fn
        if fn is not None:
            if fn.inputs is None:
                raise RuntimeError(_FREED)
            for p in fn.inputs:
                if p.requires_grad and id(p) not in seen:
                    stack.append((p, False))
    return order
    # END SOLUTION


def _accumulate(t: Tensor, g: np.ndarray) -> None:
    """Add ``g`` into ``t.grad`` (a fresh, writable array: optimisers may update it in place)."""
    # BEGIN SOLUTION
    # HINT: Gradients add up across backward calls. The first time, store a fresh writable copy in
    # HINT: the tensor's dtype (optimisers update .grad in place, and the array may be a read-only
    # HINT: broadcast view); afterwards, add to what is there.
    if t.grad is None:
        t.grad = Tensor._wrap(np.array(g, dtype=t.data.dtype, copy=True))
    else:
        t.grad = Tensor._wrap(t.grad.data + g)
    # END SOLUTION


def _check_versions(order: list[Tensor]) -> None:
    """Refuse to differentiate through a value that was changed in place after an op used it
    (PyTorch raises the same error): its rule would read the new values, not the ones the
    forward pass saw. Outputs count too: some rules read their own output (exp, sigmoid)."""
    # BEGIN SOLUTION
    # HINT: A rule reads its inputs' arrays during backward. If one was changed in place after the
    # HINT: op ran, its version differs from the one the node remembered: raise RuntimeError naming
    # HINT: which input and which node (a non-leaf changed in place counts too, as some rules read
    # HINT: their own output).
    for t in order:
        fn = t.grad_fn
        if fn is None or fn.inputs is None:
            continue
        changed = [i for i, (x, v) in enumerate(zip(fn.inputs, fn.versions, strict=True))
                   if x._version != v]
        if changed or t._version:
            what = f"input {changed[0]}" if changed else "its output"
            raise RuntimeError(
                f"backward(): {what} of {type(fn).__name__} was modified by an in-place "
                f"operation after the op used it, so its gradient would be wrong; change a "
                f"copy (x.clone()) or make the change before the forward pass"
            )
    # END SOLUTION


def _seed_gradient(root: Tensor, gradient: Any) -> np.ndarray:
    """The gradient the sweep starts from, checked as PyTorch checks it."""
    # BEGIN SOLUTION
    # HINT: The root must require grad (RuntimeError explaining requires_grad otherwise).
    # HINT: Without an explicit gradient the root must have a single element, and the seed is
    # HINT: ones of its shape; an explicit gradient (a tensor or an array) is taken in the root's
    # HINT: dtype and must match the root's shape.
    # HINT:
    # HINT: Messages the tests look for: the word "scalar" when the implied gradient is impossible,
    # HINT: "does not require grad" for a root without history.
    if not root.requires_grad:
        raise RuntimeError(
            "backward(): this tensor does not require grad and has no grad_fn, so there is "
            "nothing to differentiate; create the leaves with requires_grad=True (and not "
            "under no_grad())"
        )
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward(): a gradient can be implied only for a scalar output, but this "
                f"tensor has shape {root.shape}; call backward(gradient=...) with a tensor of "
                f"that shape, or reduce it first (e.g. loss.sum())"
            )
        return np.ones_like(root.data)
    seed = np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient,
                      dtype=root.data.dtype)
    if seed.shape != root.shape:
        raise RuntimeError(
            f"backward(): gradient has shape {seed.shape} but the tensor has shape "
            f"{root.shape}"
        )
    return seed
    # END SOLUTION


def _sweep(order: list[Tensor], grads: dict[int, np.ndarray], retain_graph: bool) -> None:
    """Walk ``order`` from the root back to the leaves, turning each tensor's pending gradient
    (``grads``, keyed by identity) into its inputs' gradients and the leaves' ``.grad``."""
    # BEGIN SOLUTION
    # HINT: Walk the order backwards, carrying one pending gradient per tensor (keyed by
    # HINT: identity, not by value); a tensor nothing reached is skipped.
    # HINT:
    # HINT: A leaf (or a tensor that retains grad) accumulates what reaches it. Any other tensor
    # HINT: asks its node for one gradient per input; skip inputs that need none. Each input
    # HINT: gradient is brought to the input's exact shape (unbroadcast) and dtype, then added to
    # HINT: that input's pending sum: an input used twice receives both contributions.
    # HINT:
    # HINT: Release each node after use unless the caller asked to retain the graph.
    for t in reversed(order):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        fn = t.grad_fn
        if fn is None:
            _accumulate(t, g)
            continue
        if t._retains_grad:
            _accumulate(t, g)
        in_grads = fn.backward(g)
        for inp, ig, need in zip(fn.inputs, in_grads, fn.needs, strict=True):
            if ig is None or not need:
                continue
            shape = inp.data.shape
            if ig.shape != shape:
                ig = unbroadcast(ig, shape, fn)
            if ig.dtype != inp.data.dtype:
                ig = ig.astype(inp.data.dtype)
            key = id(inp)
            prev = grads.get(key)
            grads[key] = ig if prev is None else prev + ig
        if not retain_graph:
            fn.release()
    # END SOLUTION


def backward(root: Tensor, gradient: Any = None, retain_graph: bool = False) -> None:
    """Reverse-mode sweep from ``root``: fill ``.grad`` of every leaf that requires grad."""
    # BEGIN SOLUTION
    # HINT: Three phases, each a helper of this file: check the root and make the seed
    # HINT: gradient; order the graph and check that nothing in it was changed in place; then
    # HINT: sweep from the root back to the leaves, starting with only the root's gradient
    # HINT: pending.
    seed = _seed_gradient(root, gradient)
    order = _topological_order(root)
    _check_versions(order)
    _sweep(order, {id(root): seed}, retain_graph)
    # END SOLUTION


# --------------------------------------------------------------------------- the rules
@rule("add")
class AddBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Each rule returns one gradient per input, in input order, or None for an input that
        # HINT: needs none. For a sum both inputs move one for one with the output.
        return grad, grad
        # END SOLUTION


@rule("sub")
class SubBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The output moves with the first input and against the second.
        return grad, -grad
        # END SOLUTION


@rule("mul")
class MulBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The product rule: each input's gradient is the upstream gradient scaled by the
        # HINT: OTHER input's values. Skip the work for inputs that need no gradient.
        a, b = self.inputs
        ga = grad * b.data if self.needs[0] else None
        gb = grad * a.data if self.needs[1] else None
        return ga, gb
        # END SOLUTION


@rule("div")
class DivBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: For a/b: the derivative in a is 1/b; in b it is -a/b^2, which you can also write
        # HINT: using the saved output a/b (cheaper and avoids squaring tiny numbers).
        a, b = self.inputs
        ga = grad / b.data if self.needs[0] else None
        gb = -grad * self.out / b.data if self.needs[1] else None
        return ga, gb
        # END SOLUTION


@rule("pow_scalar")
class PowScalarBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Power rule p * a^(p-1), with p the saved constant. Edge case: p = 0 gives a
        # HINT: constant output, so the gradient is zero everywhere, including at a = 0 where
        # HINT: a^(p-1) is inf and inf times 0 would be nan.
        (a,) = self.inputs
        p = self.saved["exponent"]
        if p == 0:
            return (np.zeros_like(grad),)
        return (grad * p * np.power(a.data, p - 1),)
        # END SOLUTION


@rule("pow")
class PowBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Both base and exponent are tensors. In the base: the power rule. In the exponent:
        # HINT: a^b * ln(a), which reuses the output; the log of a non-positive base is nan or -inf
        # HINT: there, so silence numpy's warnings for that part.
        a, b = self.inputs
        ga = grad * b.data * np.power(a.data, b.data - 1) if self.needs[0] else None
        gb = None
        if self.needs[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = grad * self.out * np.log(a.data)
        return ga, gb
        # END SOLUTION


@rule("neg")
class NegBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The output moves against the input.
        return (-grad,)
        # END SOLUTION


@rule("matmul")
class MatmulBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: For C = A @ B with A (n, k) and B (k, m): dA = dC @ B^T has A's shape (n, k), dB =
        # HINT: A^T @ dC has B's shape (k, m). Check the shapes on paper first; "transpose" means
        # HINT: swapping the LAST two axes so batched inputs work.
        # HINT:
        # HINT: 1-D operands: two vectors give a 0-d output (a dot product; each gradient is the
        # HINT: other vector scaled). Otherwise treat a 1-D A as a row (1, k) and a 1-D B as a
        # HINT: column (k, 1), expanding the gradient to match, and remove that axis from the
        # HINT: result again.
        # HINT:
        # HINT: Batch axes: the engine sums a gradient over batch axes an input was broadcast
        # HINT: along, so leave that to unbroadcast.
        a, b = self.inputs
        A, B = a.data, b.data
        if A.ndim == 1 and B.ndim == 1:  # a dot product: the output and its grad are 0-d
            return (grad * B if self.needs[0] else None, grad * A if self.needs[1] else None)
        # 1-D operands: treat as a row (a) or a column (b), as np.matmul does.
        if A.ndim == 1:
            A = A[None, :]
            grad = np.expand_dims(grad, -2)
        if B.ndim == 1:
            B = B[:, None]
            grad = np.expand_dims(grad, -1)
        ga = np.matmul(grad, np.swapaxes(B, -1, -2)) if self.needs[0] else None
        gb = np.matmul(np.swapaxes(A, -1, -2), grad) if self.needs[1] else None
        if ga is not None and a.data.ndim == 1:
            ga = ga.reshape(ga.shape[:-2] + ga.shape[-1:])
        if gb is not None and b.data.ndim == 1:
            gb = gb.reshape(gb.shape[:-1])
        return ga, gb
        # END SOLUTION


@rule("exp")
class ExpBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The derivative of e^x is e^x: the saved output.
        return (grad * self.out,)
        # END SOLUTION


@rule("log")
class LogBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The derivative of ln x is 1/x, using the input's values.
        return (grad / self.inputs[0].data,)
        # END SOLUTION


@rule("sqrt")
class SqrtBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The derivative of sqrt(x) is 1/(2 sqrt(x)): the output again.
        return (grad * 0.5 / self.out,)
        # END SOLUTION


@rule("abs")
class AbsBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The derivative of |x| is the sign of x (PyTorch uses 0 at x = 0).
        return (grad * np.sign(self.inputs[0].data),)
        # END SOLUTION


@rule("tanh")
class TanhBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The derivative of tanh is 1 - tanh^2, and tanh(x) is the saved output: no need to
        # HINT: recompute it.
        return (grad * (1.0 - self.out * self.out),)
        # END SOLUTION


@rule("sigmoid")
class SigmoidBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The derivative of sigmoid is s(1 - s) with s the saved output. It never overflows,
        # HINT: unlike formulas with e^x.
        s = self.out
        return (grad * s * (1.0 - s),)
        # END SOLUTION


@rule("relu")
class ReluBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The gradient passes where the output was positive and stops elsewhere (at exactly 0
        # HINT: too, as in PyTorch).
        return (grad * (self.out > 0),)
        # END SOLUTION


@rule("clip")
class ClipBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Inside [lo, hi] clipping is the identity; outside it is constant. Either bound may
        # HINT: be None (no limit on that side). The boundary values themselves count as inside.
        x = self.inputs[0].data
        lo, hi = self.saved["lo"], self.saved["hi"]
        keep = np.ones(x.shape, dtype=bool)
        if lo is not None:
            keep &= x >= lo
        if hi is not None:
            keep &= x <= hi
        return (grad * keep,)
        # END SOLUTION


@rule("masked_fill")
class MaskedFillBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Filled positions no longer depend on the input: zero gradient there, the upstream
        # HINT: gradient elsewhere; keep the gradient's dtype.
        return (np.where(self.saved["mask"], 0, grad).astype(grad.dtype, copy=False),)
        # END SOLUTION


@rule("where")
class WhereBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: The gradient goes to a where the saved condition held and to b elsewhere; the other
        # HINT: gets zero there. Zeros in the gradient's dtype keep float32 float32.
        cond = self.saved["cond"]
        zero = np.zeros((), dtype=grad.dtype)
        ga = np.where(cond, grad, zero) if self.needs[0] else None
        gb = np.where(cond, zero, grad) if self.needs[1] else None
        return ga, gb
        # END SOLUTION


def _expand_reduced(grad: np.ndarray, axis: Any, keepdims: bool, ndim: int) -> np.ndarray:
    """Put back the axes a reduction removed, so ``grad`` broadcasts against the input."""
    # BEGIN SOLUTION
    # HINT: A reduction without keepdims removed axes; put them back as size 1 so the gradient
    # HINT: broadcasts against the input. axis None removed all of them; an int or a tuple
    # HINT: (possibly negative) names which ones.
    if keepdims:
        return grad
    if axis is None:
        return grad.reshape((1,) * ndim)
    axes = (axis,) if isinstance(axis, int | np.integer) else axis
    return np.expand_dims(grad, tuple(a % ndim for a in axes))
    # END SOLUTION


@rule("sum")
class SumBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Every element contributed once to its sum, so each receives the upstream gradient
        # HINT: unchanged: restore the removed axes as size 1, then broadcast to the input's exact
        # HINT: shape yourself (the engine checks that rules return the input's shape).
        x = self.inputs[0].data
        g = _expand_reduced(grad, self.saved["axis"], self.saved["keepdims"], x.ndim)
        return (np.broadcast_to(g, x.shape),)
        # END SOLUTION


@rule("mean")
class MeanBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: As sum, divided by how many elements were averaged into each output (input size
        # HINT: over output size); keep the gradient's dtype.
        x = self.inputs[0].data
        n = x.size // max(self.out.size, 1)
        g = _expand_reduced(grad, self.saved["axis"], self.saved["keepdims"], x.ndim)
        return (np.broadcast_to(g / np.asarray(n, dtype=grad.dtype), x.shape),)
        # END SOLUTION


@rule("extreme")
class ExtremeBackward(Function):
    """max/min: the gradient goes to the winning entries (shared equally between ties)."""

    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Only the winning entries (equal to the max or min) affect the output. Restore the
        # HINT: reduced axes on both the output and the gradient, find the winners, and split the
        # HINT: gradient equally among ties (PyTorch's choice for max over all elements).
        x = self.inputs[0].data
        axis, keepdims = self.saved["axis"], self.saved["keepdims"]
        out = _expand_reduced(self.out, axis, keepdims, x.ndim)
        g = _expand_reduced(grad, axis, keepdims, x.ndim)
        mask = x == out
        count = mask.sum(axis=axis, keepdims=True)
        return (mask * (g / count).astype(grad.dtype, copy=False),)
        # END SOLUTION


@rule("reshape")
class ReshapeBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Reshape only relabels elements: reshape the gradient back to the input's shape.
        return (grad.reshape(self.inputs[0].data.shape),)
        # END SOLUTION


@rule("permute")
class PermuteBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Undo the permutation with its inverse (the inverse of a permutation is the order
        # HINT: that sorts it).
        return (np.transpose(grad, np.argsort(self.saved["axes"])),)
        # END SOLUTION


@rule("expand")
class ExpandBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Expand is broadcasting: the stretched axes must be summed, which is the engine's
        # HINT: unbroadcast job.
        return (grad,)  # the engine sums over the expanded axes (unbroadcast)
        # END SOLUTION


@rule("astype")
class AstypeBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: A float-to-float cast passes the gradient through; the engine casts it back to the
        # HINT: input's dtype.
        return (grad,)  # the engine casts back to the input's dtype
        # END SOLUTION


@rule("clone")
class CloneBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: A copy passes the gradient straight through.
        return (grad,)
        # END SOLUTION


def _is_fancy(index: Any) -> bool:
    # BEGIN SOLUTION
    # HINT: An index is "fancy" when it (or one part of a tuple index) is an array or a list: then
    # HINT: positions can repeat.
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray | list) for p in parts)
    # END SOLUTION


@rule("getitem")
class GetitemBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Scatter the gradient into zeros shaped like the input at the saved index;
        # HINT: everything not selected gets zero.
        # HINT:
        # HINT: Edge case: a fancy index may select the same element twice (x[[0, 0]]); both
        # HINT: gradients must add up, and plain assignment keeps only the last. numpy has an
        # HINT: unbuffered add for this, slower, so use it only when the index is fancy.
        x = self.inputs[0].data
        index = self.saved["index"]
        full = np.zeros(x.shape, dtype=grad.dtype)
        if _is_fancy(index):
            np.add.at(full, index, grad)
        else:
            full[index] = grad
        return (full,)
        # END SOLUTION


@rule("cat")
class CatBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Cut the gradient back into the inputs' pieces along the saved axis, at the
        # HINT: cumulative sizes.
        bounds = np.cumsum(self.saved["sizes"])[:-1]
        return tuple(np.split(grad, bounds, axis=self.saved["axis"]))
        # END SOLUTION


@rule("stack")
class StackBackward(Function):
    def backward(self, grad: np.ndarray) -> tuple[np.ndarray | None, ...]:
        # BEGIN SOLUTION
        # HINT: Input i is slice i of the gradient along the stacked axis (which then disappears).
        axis = self.saved["axis"]
        return tuple(np.take(grad, i, axis=axis) for i in range(len(self.inputs)))
        # END SOLUTION


# --------------------------------------------------------------------------- gradcheck
def numerical_grad(fn: Callable[..., Tensor], inputs: Sequence[np.ndarray],
                   weight: np.ndarray, eps: float = 1e-6) -> list[np.ndarray]:
    """Central finite differences of ``sum(fn(*inputs) * weight)`` in float64.

    A Python loop over elements is fine here: this is a test oracle for small shapes, not a
    kernel.
    """
    # BEGIN SOLUTION
    # HINT: The slow definition of a derivative, as a test oracle: nudge one element at a time by
    # HINT: +eps and -eps (in float64, or rounding swamps the difference) and take the central
    # HINT: difference of the weighted sum of outputs.
    # HINT:
    # HINT: Run it without recording a graph, and always restore the nudged element.
    xs = [np.array(x, dtype=np.float64) for x in inputs]
    out: list[np.ndarray] = []
    with no_grad():
        for x in xs:
            g = np.zeros_like(x)
            flat, gflat = x.reshape(-1), g.reshape(-1)
            for i in range(flat.size):
                orig = flat[i]
                flat[i] = orig + eps
                hi = float(np.sum(fn(*[Tensor(v, dtype=np.float64) for v in xs]).data * weight))
                flat[i] = orig - eps
                lo = float(np.sum(fn(*[Tensor(v, dtype=np.float64) for v in xs]).data * weight))
                flat[i] = orig
                gflat[i] = (hi - lo) / (2 * eps)
            out.append(g)
    return out
    # END SOLUTION


def gradcheck(fn: Callable[..., Tensor], *inputs: Any, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-4, seed: int = 0) -> bool:
    """Compare backward() with finite differences in float64; raise AssertionError if off.

    The output is contracted with a fixed random weight so every output element matters.
    """
    # BEGIN SOLUTION
    # HINT: Build float64 leaves that require grad, run fn, contract the output with a fixed random
    # HINT: weight (so every output element matters) and call backward.
    # HINT:
    # HINT: Compare each leaf's gradient (zero if none reached it) with the numerical one; on a
    # HINT: mismatch raise AssertionError naming the input, its shape and the largest error.
    arrays = [np.asarray(x.data if isinstance(x, Tensor) else x, dtype=np.float64)
              for x in inputs]
    leaves = [Tensor(a.copy(), requires_grad=True, dtype=np.float64) for a in arrays]
    out = fn(*leaves)
    weight = np.random.default_rng(seed).standard_normal(out.shape)
    (out * Tensor(weight, dtype=np.float64)).sum().backward()
    numeric = numerical_grad(fn, arrays, weight, eps)
    for i, (leaf, num) in enumerate(zip(leaves, numeric, strict=True)):
        analytic = np.zeros_like(num) if leaf.grad is None else leaf.grad.data
        if not np.allclose(analytic, num, atol=atol, rtol=rtol):
            err = float(np.max(np.abs(analytic - num)))
            raise AssertionError(
                f"gradcheck: input {i} (shape {num.shape}): backward differs from finite "
                f"differences by up to {err:.3g}\nanalytic:\n{analytic}\nnumeric:\n{num}"
            )
    return True
    # END SOLUTION


_missing = sorted(_tensor.OP_NAMES - RULES.keys())
if _missing:
    raise ImportError(f"tinytorch.autograd: no backward rule for the op(s) {', '.join(_missing)}"
                      f"; register one with @rule(name)")

# Connect this engine to tensor._op: from now on ops that need gradients are recorded.
_tensor.install_engine(sys.modules[__name__])
