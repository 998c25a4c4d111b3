"""The way out to PyTorch: layers of numbers to a ``torch.nn.Sequential``, and back.

:func:`sequential` builds ``Linear`` layers (float64) and activations from plain weights;
:func:`read_sequential` reads them back. ``Neuron/Layer/MLP.to_torch()`` and
``MLP.from_torch()`` in :mod:`autograd_lite.learn.nn` use them, so a model trained here keeps
working, batched, in PyTorch. PyTorch is optional: it is imported only here, when one of
these functions runs, and its absence is a clear ImportError.
"""

from __future__ import annotations

import importlib
from typing import Any, NamedTuple

__all__ = ["Dense", "TorchSpec", "read_sequential", "sequential"]

# Our activation names and the torch.nn modules that compute the same functions.
_TORCH_ACTIVATIONS = {
    "relu": "ReLU",
    "tanh": "Tanh",
    "sigmoid": "Sigmoid",
    "softplus": "Softplus",
}
# torch's Softplus returns x itself above ``threshold`` (20 by default), off by e**-x from
# log(1 + e**x); above 40 that is below float64's resolution.
_SOFTPLUS_THRESHOLD = 40.0


class Dense(NamedTuple):
    """One layer as plain numbers: ``weight[j][k]`` is output j's weight of input k."""

    weight: list[list[float]]
    bias: list[float]
    activation: str


class TorchSpec(NamedTuple):
    """What :func:`read_sequential` found: the layers and the module's training flag."""

    layers: list[Dense]
    training: bool


def _torch() -> Any:
    try:
        return importlib.import_module("torch")
    except ImportError:
        raise ImportError(
            "this needs PyTorch, which autograd_lite does not install: "
            "pip install torch (a CPU build is enough)"
        ) from None


def sequential(layers: list[Dense], *, training: bool = True) -> Any:
    """A ``torch.nn.Sequential`` in float64: per layer a ``Linear`` and its activation.

    Args:
        layers: the layers, first to last (``activation`` is ``"relu"``, ``"tanh"``,
            ``"sigmoid"`` or ``"linear"``, which adds no module).
        training: the module's training flag.

    Returns:
        The torch module; its weights are copies of the numbers given.

    Raises:
        ImportError: PyTorch is not installed.
    """
    for layer in layers:
        if layer.activation != "linear" and layer.activation not in _TORCH_ACTIVATIONS:
            raise ValueError(
                f"to_torch: activation {layer.activation!r} has no torch.nn counterpart here "
                f"(known: {', '.join(sorted(_TORCH_ACTIVATIONS))}, linear)"
            )
    torch = _torch()
    modules = []
    with torch.no_grad():
        for layer in layers:
            nout, nin = len(layer.weight), len(layer.weight[0])
            linear = torch.nn.Linear(nin, nout, dtype=torch.float64)
            linear.weight.copy_(torch.tensor(layer.weight, dtype=torch.float64))
            linear.bias.copy_(torch.tensor(layer.bias, dtype=torch.float64))
            modules.append(linear)
            if layer.activation == "softplus":
                modules.append(torch.nn.Softplus(beta=1.0, threshold=_SOFTPLUS_THRESHOLD))
            elif layer.activation != "linear":
                modules.append(getattr(torch.nn, _TORCH_ACTIVATIONS[layer.activation])())
    net = torch.nn.Sequential(*modules)
    net.train(training)
    return net


def _refuse_changed_forward(torch: Any, module: Any, kind: Any, what: str) -> None:
    """Raise if ``module`` computes something other than ``kind`` does.

    A subclass with its own ``forward``, or forward hooks, would make the copy compute
    different outputs from the original, silently.
    """
    if type(module).forward is not kind.forward:
        raise ValueError(
            f"from_torch: {what} is a subclass of torch.nn.{kind.__name__} with its own "
            f"forward(); only torch.nn.{kind.__name__} itself can be read, since what the "
            "subclass computes is unknown"
        )
    hooks = [getattr(module, name, None) for name in ("_forward_hooks", "_forward_pre_hooks")]
    if any(hooks):
        raise ValueError(
            f"from_torch: {what} has forward hooks, which may change its outputs; remove them "
            "before reading it"
        )
    del torch


def read_sequential(module: Any) -> TorchSpec:
    """The layers of a ``torch.nn.Sequential`` of ``Linear`` layers and activations.

    Each ``Linear`` may be followed by one of ``ReLU``, ``Tanh``, ``Sigmoid``, ``Softplus``
    (``beta=1``, ``threshold >= 40``) or ``Identity``. A ``Linear`` without bias reads as
    bias 0. Weights come out as float64. Modules are recognised by their class: a subclass
    with its own ``forward`` (or a module with forward hooks) is refused, since its outputs
    could differ from the copy's.

    Args:
        module: the torch module.

    Returns:
        A :class:`TorchSpec`.

    Raises:
        ImportError: PyTorch is not installed.
        ValueError: the module has another shape; the message names the layer.
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Sequential) or len(module) == 0:
        raise ValueError(
            "from_torch: expected a non-empty torch.nn.Sequential of Linear layers and "
            f"activations, got {type(module).__name__}"
        )
    _refuse_changed_forward(torch, module, torch.nn.Sequential, "the module")
    # Activations are recognised by their class, never by its name: a class of one's own
    # called "Tanh" computes whatever it likes.
    kinds = {getattr(torch.nn, v): k for k, v in _TORCH_ACTIVATIONS.items()}
    kinds[torch.nn.Identity] = "linear"
    found: list[tuple[Any, str]] = []
    after_linear = False
    for index, child in enumerate(module.children()):
        kind = type(child).__name__
        known = next((c for c in (torch.nn.Linear, *kinds) if isinstance(child, c)), None)
        if known is not None:
            _refuse_changed_forward(torch, child, known, f"layer {index} ({kind})")
        if known is torch.nn.Linear:
            if child.in_features == 0 or child.out_features == 0:
                raise ValueError(
                    f"from_torch: layer {index} is Linear({child.in_features}, "
                    f"{child.out_features}); a layer needs at least one input and one output"
                )
            if found and child.in_features != found[-1][0].out_features:
                raise ValueError(
                    f"from_torch: layer {index} (Linear) takes {child.in_features} inputs but "
                    f"the layer before gives {found[-1][0].out_features}"
                )
            found.append((child, "linear"))
            after_linear = True
        elif known is not None:
            if kind == "Softplus" and (child.beta != 1 or child.threshold < _SOFTPLUS_THRESHOLD):
                raise ValueError(
                    f"from_torch: layer {index} is Softplus(beta={child.beta}, threshold="
                    f"{child.threshold}); ours is log(1 + e**x): beta=1 and threshold >= "
                    f"{_SOFTPLUS_THRESHOLD:g} (torch's default 20 cuts it short by e**-20)"
                )
            if not after_linear:
                raise ValueError(f"from_torch: layer {index} ({kind}) does not follow a Linear")
            found[-1] = (found[-1][0], kinds[known])
            after_linear = False
        else:
            raise ValueError(
                f"from_torch: layer {index} is {kind}; an MLP is made of Linear layers, each "
                "followed by at most one ReLU, Tanh, Sigmoid or Identity"
            )
    layers = []
    for linear, activation in found:
        weight = linear.weight.detach().to(torch.float64).tolist()
        bias = (
            linear.bias.detach().to(torch.float64).tolist()
            if linear.bias is not None
            else [0.0] * linear.out_features
        )
        layers.append(Dense(weight, bias, activation))
    return TorchSpec(layers, bool(module.training))
