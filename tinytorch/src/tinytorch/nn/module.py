"""Module and Parameter (module 04): how a network keeps track of its own weights.

A model is a tree: a GPT holds blocks, a block holds attention and an MLP, those hold Linear
layers, which hold Parameters. ``Module.__setattr__`` notices when you assign a Parameter or a
Module to an attribute and files it in an ordered registry, so ``parameters()``,
``state_dict()``, ``train()`` and ``zero_grad()`` can walk the tree without any layer having to
list its weights by hand.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..tensor import Tensor


class Parameter(Tensor):
    """A Tensor that is a learnable weight: it requires grad and modules register it."""

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        # BEGIN SOLUTION
        # HINT: A Parameter is a Tensor built from the values (unwrap a Tensor first) that requires
        # HINT: grad by default. Weights must be floating point; an integer Parameter is a
        # HINT: TypeError naming the dtype.
        super().__init__(data.data if isinstance(data, Tensor) else data)
        if self.data.dtype.kind != "f":
            raise TypeError(f"Parameter: weights must be floating point, got {self.dtype}")
        self.requires_grad = requires_grad
        # END SOLUTION

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class of every layer and model: subclass it, assign parts in ``__init__``,
    and write ``forward``."""

    def __init__(self) -> None:
        # BEGIN SOLUTION
        # HINT: Three ordered registries (parameters, child modules, buffers) and the training
        # HINT: flag. Assign them without going through this class's own attribute hook, which
        # HINT: expects the registries to exist already.
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "training", True)
        # END SOLUTION

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        # BEGIN SOLUTION
        # HINT: This hook is how a model finds its weights without anyone listing them.
        # HINT:
        # HINT: A subclass that forgot to call the base constructor has no registries yet: say so
        # HINT: (RuntimeError naming the class). Re-assigning a registered buffer with a plain
        # HINT: value updates the buffer.
        # HINT:
        # HINT: Otherwise take the name out of every registry (re-assignment may change its kind),
        # HINT: file a Parameter or a Module in the right registry, and finally set the attribute
        # HINT: for real.
        if "_parameters" not in self.__dict__:
            raise RuntimeError(
                f"{type(self).__name__}: call super().__init__() before assigning attributes"
            )
        if name in self._buffers and not isinstance(value, Parameter | Module):
            self._buffers[name] = value  # updating a buffer (e.g. a running mean) keeps it one
            object.__setattr__(self, name, value)
            return
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)
        # END SOLUTION

    def __delattr__(self, name: str) -> None:
        # BEGIN SOLUTION
        # HINT: Deleting an attribute must also forget it in whichever registry holds it.
        for registry in (self._parameters, self._modules, self._buffers):
            registry.pop(name, None)
        object.__delattr__(self, name)
        # END SOLUTION

    def register_buffer(self, name: str, value: Tensor | None) -> None:
        """State that is saved with the model but not trained (e.g. BatchNorm running mean)."""
        # BEGIN SOLUTION
        # HINT: A buffer is state saved with the model but never trained (a running mean): set the
        # HINT: attribute and record it in the buffer registry.
        object.__setattr__(self, name, value)
        self._buffers[name] = value
        # END SOLUTION

    def register_parameter(self, name: str, value: Parameter | None) -> None:
        # BEGIN SOLUTION
        # HINT: None means "this layer has no such parameter" (Linear without bias): set the
        # HINT: attribute to None and drop the name from the registry. Otherwise normal assignment
        # HINT: does the registering.
        if value is None:
            object.__setattr__(self, name, None)
            self._parameters.pop(name, None)
        else:
            setattr(self, name, value)
        # END SOLUTION

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must implement forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # BEGIN SOLUTION
        # HINT: Calling a module runs its forward with the same arguments.
        return self.forward(*args, **kwargs)
        # END SOLUTION

    # ------------------------------------------------------------------ walking the tree
    def named_children(self) -> Iterator[tuple[str, Module]]:
        # BEGIN SOLUTION
        # HINT: The direct children, in registration order, with their names.
        yield from self._modules.items()
        # END SOLUTION

    def children(self) -> Iterator[Module]:
        # BEGIN SOLUTION
        # HINT: The children without their names.
        for _, m in self.named_children():
            yield m
        # END SOLUTION

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        # BEGIN SOLUTION
        # HINT: The module itself first (with the given prefix), then every descendant depth first,
        # HINT: with dotted names built from the path ("0.attn.proj").
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)
        # END SOLUTION

    def modules(self) -> Iterator[Module]:
        # BEGIN SOLUTION
        # HINT: Every module of the tree without names.
        for _, m in self.named_modules():
            yield m
        # END SOLUTION

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Parameter]]:
        """(dotted name, parameter) pairs; a parameter shared by two layers appears once."""
        # BEGIN SOLUTION
        # HINT: Walk the module tree and yield each module's own parameters with dotted names.
        # HINT:
        # HINT: A weight shared by two layers (tied embeddings) must be yielded once, or the
        # HINT: optimiser steps it twice: remember what you yielded by identity. Skip None entries
        # HINT: (a layer without bias).
        seen: set[int] = set()
        for mod_name, mod in self.named_modules(prefix):
            for name, p in mod._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mod_name}.{name}" if mod_name else name), p
        # END SOLUTION

    def parameters(self) -> Iterator[Parameter]:
        # BEGIN SOLUTION
        # HINT: Just the parameters, without their names.
        for _, p in self.named_parameters():
            yield p
        # END SOLUTION

    def named_buffers(self) -> Iterator[tuple[str, Tensor]]:
        # BEGIN SOLUTION
        # HINT: As named_parameters, over the buffer registries, skipping None.
        for mod_name, mod in self.named_modules():
            for name, b in mod._buffers.items():
                if b is not None:
                    yield (f"{mod_name}.{name}" if mod_name else name), b
        # END SOLUTION

    def num_parameters(self) -> int:
        # BEGIN SOLUTION
        # HINT: The total element count of all (distinct) parameters.
        return sum(p.numel() for p in self.parameters())
        # END SOLUTION

    # ------------------------------------------------------------------ modes and grads
    def train(self, mode: bool = True) -> Module:
        """Training mode (dropout active, batch-norm uses batch statistics)."""
        # BEGIN SOLUTION
        # HINT: Set the training flag on every module of the tree, bypassing the attribute hook,
        # HINT: and return self so calls chain.
        for m in self.modules():
            object.__setattr__(m, "training", mode)
        return self
        # END SOLUTION

    def eval(self) -> Module:
        # BEGIN SOLUTION
        # HINT: Evaluation mode is training mode switched off.
        return self.train(False)
        # END SOLUTION

    def zero_grad(self) -> None:
        # BEGIN SOLUTION
        # HINT: Forget the gradient of every parameter (None, not zeros: cheaper, and the next
        # HINT: backward starts fresh).
        for p in self.parameters():
            p.grad = None
        # END SOLUTION

    # ------------------------------------------------------------------ saving
    def state_dict(self) -> OrderedDict[str, np.ndarray]:
        """Copies of every parameter and buffer as numpy arrays, keyed by dotted name."""
        # BEGIN SOLUTION
        # HINT: An ordered mapping from dotted names to COPIES of the values (parameters, then
        # HINT: buffers): a checkpoint must not change when training continues.
        state: OrderedDict[str, np.ndarray] = OrderedDict()
        for name, p in self.named_parameters():
            state[name] = p.data.copy()
        for name, b in self.named_buffers():
            state[name] = b.data.copy()
        return state
        # END SOLUTION

    def load_state_dict(self, state: dict[str, Any], strict: bool = True) -> None:
        """Copy values in; every missing, unexpected or mis-shaped key is reported together."""
        # BEGIN SOLUTION
        # HINT: Collect every problem before refusing anything: missing and unexpected keys (only
        # HINT: when strict) and every shape mismatch, reported together in one ValueError naming
        # HINT: the class.
        # HINT:
        # HINT: Only when there is no problem copy each value in, converted to the destination's
        # HINT: dtype. Values may be Tensors or arrays.
        # HINT:
        # HINT: Wording the tests expect: "missing keys: a, b", "unexpected keys: ..." and "weight:
        # HINT: expected shape (2, 3), got (3, 3)", joined with "; ".
        own = dict(self.named_parameters())
        own.update(self.named_buffers())
        problems: list[str] = []
        missing = [k for k in own if k not in state]
        unexpected = [k for k in state if k not in own]
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        arrays: dict[str, np.ndarray] = {}
        for k, v in state.items():
            if k not in own:
                continue
            arr = np.asarray(v.data if isinstance(v, Tensor) else v)
            if arr.shape != own[k].shape:
                problems.append(f"{k}: expected shape {own[k].shape}, got {arr.shape}")
            arrays[k] = arr
        if problems:
            raise ValueError(
                f"load_state_dict for {type(self).__name__}: " + "; ".join(problems)
            )
        for k, arr in arrays.items():
            own[k].data = arr.astype(own[k].dtype, copy=True)
        # END SOLUTION

    # ------------------------------------------------------------------ printing
    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        # BEGIN SOLUTION
        # HINT: One line for a leaf, "Name(extra)". A container prints its children one per line as
        # HINT: "(name): child", indented (nested children are indented further), and a closing
        # HINT: parenthesis.
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if self._modules:
            for name, child in self._modules.items():
                sub = repr(child).replace("\n", "\n  ")
                lines.append(f"  ({name}): {sub}")
            return "\n".join(lines) + "\n)"
        return lines[0] + ")"
        # END SOLUTION


class _Children(Module):
    """Indexing, length and iteration over registered children, shared by the containers."""

    def __getitem__(self, i: int) -> Module:
        # BEGIN SOLUTION
        # HINT: Containers index their children in registration order (negative indices too).
        return list(self._modules.values())[i]
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION
        # HINT: How many children are registered.
        return len(self._modules)
        # END SOLUTION

    def __iter__(self) -> Iterator[Module]:
        # BEGIN SOLUTION
        # HINT: Iterate over the children in registration order.
        return iter(self._modules.values())
        # END SOLUTION


class Sequential(_Children):
    """Layers applied one after another: the output of each is the input of the next."""

    def __init__(self, *layers: Module) -> None:
        # BEGIN SOLUTION
        # HINT: Register each layer under its position ("0", "1", ...) so named_parameters gives
        # HINT: "0.weight". Anything that is not a Module is a TypeError naming its position and
        # HINT: type.
        super().__init__()
        for i, layer in enumerate(layers):
            if not isinstance(layer, Module):
                raise TypeError(f"Sequential: item {i} is {type(layer).__name__}, not a Module")
            setattr(self, str(i), layer)
        # END SOLUTION

    def forward(self, x: Any) -> Any:
        # BEGIN SOLUTION
        # HINT: The output of each layer is the input of the next, in registration order.
        for layer in self._modules.values():
            x = layer(x)
        return x
        # END SOLUTION


class ModuleList(_Children):
    """A list of modules whose parameters are registered (a plain list would hide them)."""

    def __init__(self, modules: list[Module] | None = None) -> None:
        # BEGIN SOLUTION
        # HINT: Start empty and append each module given.
        super().__init__()
        for m in modules or []:
            self.append(m)
        # END SOLUTION

    def append(self, m: Module) -> ModuleList:
        # BEGIN SOLUTION
        # HINT: Register the module under the next position number; return the list so appends
        # HINT: chain.
        setattr(self, str(len(self._modules)), m)
        return self
        # END SOLUTION
