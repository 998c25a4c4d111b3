"""Neural-network building blocks made of ``Value`` parameters: Module, Neuron, Layer, MLP.

Every trainable number is a leaf :class:`~autograd_lite.core.value.Value` owned by a module. Modules
nest (an MLP holds layers, a layer holds neurons), and each parameter gets a stable dotted name
from its place in that tree. The name is also the parameter's ``label``, so drawings and error
messages show where a number lives.

Naming scheme (drawing code clusters nodes by these prefixes; keep it stable):

- a parameter is ``<path>.w.<k>`` (the weight of input k) or ``<path>.b`` (the bias);
- ``<path>`` is the neuron's place: ``layers.<i>.neurons.<j>`` inside an :class:`MLP`,
  ``neurons.<j>`` inside a standalone :class:`Layer`, empty for a standalone :class:`Neuron`
  (so its parameters are just ``w.0 ... w.<n-1>`` and ``b``);
- each forward pass labels the neuron's weighted-sum node ``<path>.z`` (one fused ``linear``
  node, ``w·x + b``) and its activation node ``<path>.a`` (none for a linear neuron, whose
  output is ``z``);
- input numbers a module turns into leaves are labelled ``x.<k>``.

Example: ``MLP(2, [16, 16, 1])`` has ``layers.0.neurons.3.w.1``, ``layers.2.neurons.0.b``, and
its forward pass builds ``layers.1.neurons.5.z`` and ``layers.1.neurons.5.a``.

Parameters round-trip through :meth:`Module.state_dict` / :meth:`Module.load_state_dict` and
through JSON files with :meth:`Module.save` / :meth:`Module.load` (floats are written with
``repr``, which Python reads back bit for bit).
"""

from __future__ import annotations

import json
import math
import numbers
import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple, cast

import numpy as np
import numpy.typing as npt

from ..core.files import read_regular_file, write_atomically
from ..core.functions import dot
from ..core.modes import no_grad
from ..core.rules import RULES
from ..core.value import Value, apply
from .torch_bridge import Dense

__all__ = ["ACTIVATIONS", "INITS", "MLP", "Layer", "LoadResult", "Module", "Neuron"]

ACTIVATIONS = (*(r.name for r in RULES.values() if r.activation), "linear")
"""The activation names a Neuron accepts: every rule marked ``activation`` in the rule table
(relu, tanh, sigmoid...) and ``"linear"`` (none)."""

INITS = ("uniform", "scaled")
"""Initialisation schemes: ``uniform`` draws weights from U(-1, 1) (the classic); ``scaled``
draws them from U(-a, a) with a = sqrt(6 / nin) for relu and sqrt(3 / nin) otherwise, which
keeps activations at a steady size through deeper nets. Biases start at 0 in both."""

_FILE_FORMAT = "autograd_lite.state_dict"
_FILE_VERSION = 1

ArrayFunction = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]]


def _activation(name: str) -> Callable[[Value], Value] | None:
    """The activation applied to one neuron's sum (None for ``"linear"``)."""
    if name == "linear":
        return None
    rule = RULES[name]
    return lambda z: apply(rule, [z])


def _array_activation(name: str) -> ArrayFunction:
    """The activation on a whole array of sums (the rule's numpy forward)."""
    forward = RULES[name].numpy if name != "linear" else None
    if forward is None:
        return lambda z: z
    return cast(ArrayFunction, forward)


Seed = int | random.Random | None


def _rng(seed: Seed) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if seed is None:
        # Drawn from Python's global generator, so `random.seed(1337)` before building a
        # model makes its weights repeatable, as in micrograd's demo.
        return random.Random(random.getrandbits(64))
    if isinstance(seed, int) and not isinstance(seed, bool):
        return random.Random(seed)
    raise TypeError(f"seed must be an int, a random.Random or None, got {type(seed).__name__}")


def _check_count(what: str, n: object) -> int:
    # numpy integers (np.int64 from a shape or an array of sizes) count as ints.
    if not isinstance(n, int | np.integer) or isinstance(n, bool) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return int(n)


def _check_choice(what: str, value: object, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise ValueError(f"{what} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return str(value)


class LoadResult(NamedTuple):
    """What :meth:`Module.load_state_dict` matched: names it did not find, and names it ignored."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class Module:
    """Base class of everything that owns parameters.

    Written the PyTorch way: assign sub-modules and parameters as attributes and define
    ``forward``. Attributes that are a :class:`Module`, a leaf :class:`Value`, or a list,
    tuple or dict of them register themselves, in assignment order, and are named after
    the attribute (``l1.neurons.0.w.1``, ``blocks.2...``); their labels follow the names.
    Calling the module runs ``forward``. A computed (non-leaf) Value attribute is kept as a
    plain attribute, not a parameter.

    A subclass may instead override :meth:`named_children` and :meth:`own_parameters`.

    Attributes:
        training: True after :meth:`train` (the default), False after :meth:`eval`.

    Example:
        >>> import autograd_lite as al
        >>> class Net(al.Module):
        ...     def __init__(self):
        ...         self.l1 = al.Layer(2, 4, seed=0)
        ...         self.l2 = al.Layer(4, 1, activation="linear", seed=1)
        ...     def forward(self, x):
        ...         return self.l2(self.l1(x))
        >>> net = Net()
        >>> len(net.parameters()), [name for name, _ in net.named_parameters()][:2]
        (17, ['l1.neurons.0.w.0', 'l1.neurons.0.w.1'])
        >>> net([1.0, 2.0]).label
        'l2.neurons.0.z'
    """

    training: bool = True

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name.startswith("_") or name == "training":
            return
        registry: dict[str, None] = self.__dict__.setdefault("_registered", {})
        if _registrable(value):
            registry.setdefault(name, None)  # re-assigning a name keeps its place
            _relabel_attribute(self, name, value)
        else:
            registry.pop(name, None)

    def __delattr__(self, name: str) -> None:
        object.__delattr__(self, name)
        self.__dict__.get("_registered", {}).pop(name, None)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run :meth:`forward`."""
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses define it (``module(x)`` calls it)."""
        raise NotImplementedError(
            f"{type(self).__name__} defines no forward(); write def forward(self, x): ..."
        )

    def _registered_items(self) -> Iterator[tuple[str, Any]]:
        for name in self.__dict__.get("_registered", {}):
            yield name, self.__dict__[name]

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules with their names, in assignment order.

        A list or tuple attribute ``blocks`` gives ``blocks.0``, ``blocks.1``...; a dict gives
        ``blocks.<key>``.
        """
        for name, value in self._registered_items():
            for sub, item in _entries(name, value):
                if isinstance(item, Module):
                    yield sub, item

    def own_parameters(self) -> Iterator[tuple[str, Value]]:
        """The parameters this module holds directly (not its children's), in assignment order."""
        for name, value in self._registered_items():
            for sub, item in _entries(name, value):
                if isinstance(item, Value) and item.is_leaf:
                    yield sub, item

    def children(self) -> list[Module]:
        """The direct sub-modules, in order (see :meth:`named_children`)."""
        return [child for _, child in self.named_children()]

    def named_modules(self, prefix: str = "") -> list[tuple[str, Module]]:
        """This module (named ``prefix``, ``""`` by default) and every sub-module, depth-first.

        A module reached twice (shared, or a cycle such as ``self.me = self``) is listed
        once, under the first name it was reached by, as in PyTorch. Any depth works: the
        walk keeps its own stack.
        """
        out: list[tuple[str, Module]] = []
        seen: set[int] = set()
        stack: list[tuple[str, Module]] = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            out.append((name, module))
            children = [
                (f"{name}.{sub}" if name else sub, child) for sub, child in module.named_children()
            ]
            stack.extend(reversed(children))
        return out

    def modules(self) -> list[Module]:
        """This module and every sub-module, depth-first (see :meth:`named_modules`)."""
        return [m for _, m in self.named_modules()]

    def train(self, mode: bool = True) -> Module:
        """Set ``training`` on this module and every sub-module; returns the module.

        Args:
            mode: True for training, False for evaluation (what :meth:`eval` does).
        """
        if not isinstance(mode, bool):
            raise TypeError(f"train: mode must be a bool, got {type(mode).__name__} {mode!r}")
        for m in self.modules():
            m.training = mode
        return self

    def eval(self) -> Module:
        """Same as ``train(False)``: ``training`` becomes False everywhere; returns the module."""
        return self.train(False)

    def to_torch(self) -> Any:
        """The same network as a ``torch.nn.Module`` with copies of the weights (float64).

        :class:`Neuron`, :class:`Layer` and :class:`MLP` give a ``torch.nn.Sequential`` of
        ``Linear`` layers and activations whose outputs, for a batch of shape
        (samples, nin), equal this model's to rounding. PyTorch must be installed; it is
        imported only when this runs.

        Raises:
            ImportError: PyTorch is not installed.
            TypeError: this kind of module has no PyTorch counterpart here.
        """
        layers = self._dense_layers()
        if layers is None:
            raise TypeError(
                f"to_torch: {type(self).__name__} is not a Neuron, Layer or MLP; for your own "
                "Module, build the torch.nn.Module by hand and copy the weights from "
                "named_parameters()"
            )
        from .torch_bridge import sequential

        return sequential(layers, training=self.training)

    def _dense_layers(self) -> list[Dense] | None:
        """The module as layers of plain numbers, for :meth:`to_torch`; None if it is not."""
        return None

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Value]]:
        """Every parameter with its dotted name, depth-first in construction order.

        Args:
            prefix: put in front of every name (used when this module is a child).

        Returns:
            A list of ``(name, Value)`` pairs.
        """
        out: list[tuple[str, Value]] = []
        seen: set[int] = set()
        for path, module in self.named_modules():
            for name, p in module.own_parameters():
                if id(p) not in seen:  # a tied weight is one parameter, named where first met
                    seen.add(id(p))
                    out.append((f"{prefix}{path}.{name}" if path else prefix + name, p))
        return out

    def parameters(self) -> list[Value]:
        """Every parameter, in the order of :meth:`named_parameters`."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (gradients of leaves accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def relabel(self, prefix: str = "") -> None:
        """Set every parameter's label to its name (and let modules update node labels).

        Args:
            prefix: the name of this module inside its parent, with a trailing dot.
        """
        for path, module in reversed(self.named_modules()):
            inner = f"{prefix}{path}." if path else prefix
            module._set_prefix(inner)
            for name, p in module.own_parameters():
                p.label = inner + name  # children first, so a tied weight keeps its first name

    def _set_prefix(self, prefix: str) -> None:
        """Hook for modules that label the nodes they build; does nothing by default."""
        del prefix

    def forward_array(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The outputs for every row of ``X`` as floats, without keeping a graph.

        This generic version calls the module on each row under ``no_grad()``;
        :class:`MLP` overrides it with a vectorised numpy version (much faster for plotting a
        decision boundary over a grid).

        Args:
            X: inputs, shape (samples, inputs).

        Returns:
            An array of shape (samples, outputs).
        """
        rows = _rows(self, X)
        out: list[list[float]] = []
        call: Callable[[list[float]], Any] = self.__call__
        with no_grad():
            for row in rows:
                result = call(row)
                values = [result] if isinstance(result, Value) else result
                out.append([v.data if isinstance(v, Value) else float(v) for v in values])
        return np.asarray(out, dtype=np.float64).reshape(len(rows), -1)

    # ------------------------------------------------------------------ state

    def state_dict(self) -> dict[str, float]:
        """The parameter values by name (a new dict of floats; changing it changes nothing).

        Example:
            >>> from autograd_lite.nn import Neuron
            >>> Neuron(2, seed=1).state_dict().keys()
            dict_keys(['w.0', 'w.1', 'b'])
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, object], strict: bool = True) -> LoadResult:
        """Set the parameters from a name -> number mapping, all or nothing.

        With ``strict=True`` (the default) every key must name a parameter and every
        parameter must have a key. With ``strict=False`` the names that match are loaded and
        the others are reported, as in PyTorch. Values must be real numbers (ints are
        accepted, bools are not). The mapping is fully checked before any parameter changes,
        so a bad one leaves the model as it was. Gradients are kept.

        Args:
            state: e.g. the result of :meth:`state_dict`.
            strict: refuse missing and unexpected names (True) or skip them (False).

        Returns:
            A :class:`LoadResult` ``(missing_keys, unexpected_keys)``, both empty when strict.

        Raises:
            TypeError: ``state`` is not a mapping, or a value is not a real number.
            KeyError: with ``strict``, names are missing or unexpected (the message lists
                some of each).

        Example:
            >>> from autograd_lite.nn import Neuron
            >>> a, b = Neuron(3, seed=1), Neuron(3, seed=2)
            >>> b.load_state_dict(a.state_dict())
            LoadResult(missing_keys=[], unexpected_keys=[])
            >>> b.state_dict() == a.state_dict()
            True
            >>> b.load_state_dict({"b": 0.5, "extra": 1.0}, strict=False)
            LoadResult(missing_keys=['w.0', 'w.1', 'w.2'], unexpected_keys=['extra'])
        """
        if not isinstance(state, Mapping):
            raise TypeError(
                f"load_state_dict: expected a mapping of names to numbers, "
                f"got {type(state).__name__}"
            )
        if not isinstance(strict, bool):
            raise TypeError(f"load_state_dict: strict must be a bool, got {strict!r}")
        named = self.named_parameters()
        names = {name for name, _ in named}
        missing = [name for name, _ in named if name not in state]
        unexpected = [str(k) for k in state if k not in names]
        if strict and (missing or unexpected):
            raise KeyError(self._mismatch_message(missing, unexpected, len(state)))
        updates: list[tuple[Value, float]] = []
        for name, p in named:
            if name in state:
                updates.append((p, _state_number(name, state[name])))
        for p, v in updates:
            p.data = v
        return LoadResult(missing, unexpected)

    def _mismatch_message(
        self, missing: Sequence[object], unexpected: Sequence[object], given: int
    ) -> str:
        def some(xs: Sequence[object]) -> str:
            shown = ", ".join(repr(x) for x in xs[:4])
            return shown + (f", ... ({len(xs)} in all)" if len(xs) > 4 else "")

        parts = [
            f"parameters do not match {self!r}: it has {len(self.parameters())}, "
            f"the state has {given}"
        ]
        if missing:
            parts.append(f"missing {some(missing)}")
        if unexpected:
            parts.append(f"unexpected {some(unexpected)}")
        return "; ".join(parts) + ". Nothing was changed."

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the parameters to a JSON file that :meth:`load` reads back exactly.

        The file is written to a temporary name and then moved into place, so an existing
        file is never left half-written; otherwise it is written as ``open(path, "w")``
        would (the usual mode for a new file, an existing file's mode kept, a symlink
        followed). Non-finite parameters are refused (JSON has no NaN).

        Args:
            path: where to write.

        Example:
            >>> import tempfile, os
            >>> from autograd_lite.nn import MLP
            >>> model = MLP(2, [4, 1], seed=0)
            >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
            >>> model.save(path); MLP(2, [4, 1], seed=9).load(path) is None
            True
        """
        state = self.state_dict()
        for name, v in state.items():
            if not math.isfinite(v):
                raise ValueError(f"save: parameter {name!r} is {v!r}; JSON cannot hold it")
        document = {
            "format": _FILE_FORMAT,
            "version": _FILE_VERSION,
            "model": repr(self),
            "parameters": state,
        }
        text = json.dumps(document, indent=1, allow_nan=False)
        write_atomically(path, text + "\n", caller=f"{type(self).__name__}.save")

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters written by :meth:`save` into this model, all or nothing.

        Args:
            path: the JSON file.

        Raises:
            FileNotFoundError: no such file.
            OSError: the path is a folder, a device, a FIFO or a socket (refused at once,
                without reading), or cannot be read.
            ValueError: the file is not valid JSON, not a saved state, or far larger than a
                state file of this model (message names it).
            KeyError: its parameter names do not match this model (it says which and what
                the file was saved from).
            TypeError: a parameter value is not a number.
        """
        target = Path(path)
        # Far more than a state file of this model can take (a name and a float repr per
        # parameter), so that a stray huge file is refused instead of read into memory.
        limit = (1 << 20) + 512 * len(self.parameters())
        raw = read_regular_file(target, limit, caller="load")
        try:
            document = json.loads(raw.decode("utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"load: {str(target)!r} is not valid JSON ({err})") from None
        except UnicodeDecodeError as err:
            raise ValueError(f"load: {str(target)!r} is not a text file ({err})") from None
        except RecursionError:
            raise ValueError(
                f"load: {str(target)!r} is nested too deeply to be a state file"
            ) from None
        except ValueError as err:  # e.g. an integer of more than 4300 digits
            raise ValueError(f"load: {str(target)!r} is not a state file ({err})") from None
        if (
            not isinstance(document, dict)
            or document.get("format") != _FILE_FORMAT
            or not isinstance(document.get("parameters"), dict)
        ):
            raise ValueError(
                f"load: {str(target)!r} is not an autograd_lite state file "
                f"(expected a JSON object with format {_FILE_FORMAT!r} and 'parameters')"
            )
        version = document.get("version")
        if type(version) is not int or version != _FILE_VERSION:  # True == 1, 1.0 == 1
            raise ValueError(
                f"load: {str(target)!r} has format version {document.get('version')!r}; "
                f"this autograd_lite reads version {_FILE_VERSION}"
            )
        try:
            self.load_state_dict(document["parameters"])
        except KeyError as err:
            origin = document.get("model")
            raise KeyError(
                f"load: {str(target)!r} (saved from {origin}) does not fit: {err.args[0]}"
            ) from None
        except TypeError as err:
            raise TypeError(f"load: {str(target)!r}: {err}") from None
        except ValueError as err:
            raise ValueError(f"load: {str(target)!r}: {err}") from None


def _registrable(value: object) -> bool:
    """A Module, a leaf Value, or a list/tuple/dict holding at least one of those.

    The other items of such a container (numbers, strings) stay plain data beside them.
    """
    if isinstance(value, list | tuple):
        items: list[Any] = list(value)
    elif isinstance(value, dict):
        items = list(value.values())
    else:
        items = [value]
    return any(_is_part(v) for v in items)


def _is_part(item: object) -> bool:
    return isinstance(item, Module) or (isinstance(item, Value) and item.is_leaf)


def _entries(name: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            yield f"{name}.{i}", item
    elif isinstance(value, dict):
        for key, item in value.items():
            yield f"{name}.{key}", item
    else:
        yield name, value


def _relabel_attribute(owner: Module, name: str, value: Any) -> None:
    for sub, item in _entries(name, value):
        if item is owner:
            continue  # self.me = self: the module keeps the names it has
        if isinstance(item, Module):
            item.relabel(f"{sub}.")
        elif _is_part(item):
            item.label = sub


def _nonlin_activation(who: str, activation: str, nonlin: object) -> str:
    if nonlin is None:
        return activation
    if not isinstance(nonlin, bool):
        raise TypeError(f"{who}: nonlin must be True, False or None, got {nonlin!r}")
    wanted = "relu" if nonlin else "linear"
    if activation not in ("relu", wanted):
        raise ValueError(
            f"{who}: nonlin={nonlin} means activation={wanted!r}, but activation={activation!r} "
            "was given too; pass one of them"
        )
    return wanted


def _dense(neurons: Sequence[Neuron], activation: str) -> Dense:
    return Dense([[w.data for w in n.w] for n in neurons], [n.b.data for n in neurons], activation)


def _rows(owner: object, X: npt.ArrayLike) -> npt.NDArray[np.float64]:
    try:
        array = np.asarray(X, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{owner}: X must be a 2-D array of numbers ({err})") from None
    if array.ndim != 2:
        raise ValueError(f"{owner}: X must be 2-D (samples x inputs), got shape {array.shape}")
    return array


def _state_number(name: str, v: object) -> float:
    # numpy scalars (np.float32, np.int64) are numbers; bools, numpy's too, are not.
    if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
        raise TypeError(
            f"parameter {name!r}: expected a number, got {type(v).__name__} {v!r:.60}. "
            "Nothing was changed."
        )
    try:
        number = float(v)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        # save() refuses to write these; a model holding one could not be saved again.
        raise ValueError(
            f"parameter {name!r}: expected a finite number, got {v!r:.60}. Nothing was changed."
        )
    return number


def _as_inputs(owner: object, x: object, nin: int) -> list[Value]:
    """Check one sample's inputs and return them as Values (numbers become labelled leaves)."""
    try:
        n = len(x)  # type: ignore[arg-type]
    except TypeError:
        raise TypeError(
            f"{owner}: expected a sequence of {nin} inputs, got {type(x).__name__} {x!r}"
        ) from None
    if n != nin:
        hint = " (call the model on one sample at a time)" if n and _is_nested(x) else ""
        raise ValueError(f"{owner}: expected {nin} inputs, got {n}{hint}")
    out: list[Value] = []
    for k, v in enumerate(cast("Sequence[Any]", x)):
        if v.__class__ is Value or isinstance(v, Value):  # TracedValue while compiling
            out.append(v)
            continue
        try:
            out.append(Value(v, f"x.{k}"))
        except TypeError:
            raise TypeError(
                f"{owner}: input {k} must be a number or a Value, got {type(v).__name__} {v!r}"
            ) from None
    return out


def _is_nested(x: Any) -> bool:
    try:
        first = x[0]
    except (TypeError, IndexError, KeyError):
        return False
    return hasattr(first, "__len__")


class Neuron(Module):
    """One neuron: ``activation(w·x + b)`` over ``nin`` inputs.

    The weighted sum is a single fused ``linear`` node (:func:`autograd_lite.dot` with a bias),
    not 2n binary nodes.

    Args:
        nin: number of inputs.
        activation: one of :data:`ACTIVATIONS` (``"relu"``, ``"tanh"``, ``"sigmoid"``...;
            ``"linear"`` applies none).
        nonlin: micrograd's switch: True means ``activation="relu"``, False ``"linear"``
            (give one of ``nonlin`` and a non-default ``activation``, not both).
        init: ``"uniform"`` (weights from U(-1, 1)) or ``"scaled"`` (see :data:`INITS`).
        seed: an int, a ``random.Random`` (shared to draw many modules from one stream) or
            None (drawn from Python's global ``random``: ``random.seed(1337)`` first makes it
            repeatable, as in micrograd).

    Attributes:
        w: the weights (labelled ``w.0`` ...), b: the bias (``b``).

    Example:
        >>> from autograd_lite.nn import Neuron
        >>> n = Neuron(2, activation="tanh", seed=0)
        >>> y = n([1.0, -2.0]); y.label, y.parents[0].op
        ('a', 'linear')
    """

    def __init__(
        self,
        nin: int,
        activation: str = "relu",
        *,
        nonlin: bool | None = None,
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        activation = _nonlin_activation("Neuron", activation, nonlin)
        self.nin = _check_count("Neuron: nin", nin)
        self.activation = _check_choice("Neuron: activation", activation, ACTIVATIONS)
        self.init = _check_choice("Neuron: init", init, INITS)
        rng = _rng(seed)
        if init == "uniform":
            bound = 1.0
        else:
            bound = math.sqrt((6.0 if activation == "relu" else 3.0) / nin)
        self.w = [Value(rng.uniform(-bound, bound)) for _ in range(nin)]
        self.b = Value(0.0)
        self._act = _activation(self.activation)
        self.relabel()

    def own_parameters(self) -> Iterator[tuple[str, Value]]:
        for k, w in enumerate(self.w):
            yield f"w.{k}", w
        yield "b", self.b

    def _dense_layers(self) -> list[Dense] | None:
        return [_dense([self], self.activation)]

    def _set_prefix(self, prefix: str) -> None:
        self._path = prefix[:-1] if prefix else "neuron"
        self._z_label = prefix + "z"
        self._a_label = prefix + "a"

    def __call__(self, x: Sequence[Value | float]) -> Value:
        """Apply the neuron to one sample.

        Args:
            x: ``nin`` numbers or Values.

        Returns:
            The output node.
        """
        return self._forward(_as_inputs(self, x, self.nin))

    forward = __call__

    def _forward(self, xs: list[Value]) -> Value:
        z = dot(self.w, xs, bias=self.b)
        z.label = self._z_label
        act = self._act
        if act is None:
            return z
        a = act(z)
        a.label = self._a_label
        return a

    def __repr__(self) -> str:
        where = "" if self._path == "neuron" else f", name={self._path!r}"
        return f"Neuron({self.nin}, activation={self.activation!r}{where})"


class Layer(Module):
    """``nout`` neurons that all see the same ``nin`` inputs; calling it returns a list.

    Args:
        nin: inputs per neuron.
        nout: number of neurons (outputs).
        activation: every neuron's activation (see :class:`Neuron`).
        nonlin: micrograd's switch: True for ``"relu"``, False for ``"linear"``.
        init: initialisation scheme (see :data:`INITS`).
        seed: an int, a ``random.Random`` or None (from Python's global ``random``).

    Example:
        >>> from autograd_lite.nn import Layer
        >>> layer = Layer(3, 2, seed=0)
        >>> [v.label for v in layer([1.0, 2.0, 3.0])]
        ['neurons.0.a', 'neurons.1.a']
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "relu",
        *,
        nonlin: bool | None = None,
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        activation = _nonlin_activation("Layer", activation, nonlin)
        self.nin = _check_count("Layer: nin", nin)
        self.nout = _check_count("Layer: nout", nout)
        rng = _rng(seed)
        self.neurons = [Neuron(nin, activation, init=init, seed=rng) for _ in range(nout)]
        self.activation = activation
        self._path = "layer"
        self.relabel()

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for j, n in enumerate(self.neurons):
            yield f"neurons.{j}", n

    def _dense_layers(self) -> list[Dense] | None:
        return [_dense(self.neurons, self.activation)]

    def _set_prefix(self, prefix: str) -> None:
        self._path = prefix[:-1] if prefix else "layer"

    def __call__(self, x: Sequence[Value | float]) -> Any:
        """Apply every neuron to one sample.

        Args:
            x: ``nin`` numbers or Values.

        Returns:
            The list of ``nout`` output nodes; the node itself when ``nout`` is 1 (as in
            micrograd, so ``layer(x).data`` and ``(1 - y * layer(x)).relu()`` work).
        """
        xs = _as_inputs(self, x, self.nin)
        out = [n._forward(xs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    forward = __call__

    def __repr__(self) -> str:
        where = "" if self._path == "layer" else f", name={self._path!r}"
        return f"Layer({self.nin}, {self.nout}, activation={self.activation!r}{where})"


class MLP(Module):
    """A multi-layer perceptron: layers of neurons, each layer feeding the next.

    Args:
        nin: number of inputs.
        sizes: neurons per layer, the last being the number of outputs, e.g. ``[16, 16, 1]``.
        activation: activation of the hidden layers.
        output_activation: activation of the last layer (``"linear"`` gives logits/scores).
        init: initialisation scheme (see :data:`INITS`); ``"scaled"`` suits deeper nets.
        seed: an int, a ``random.Random`` or None (from Python's global ``random``, so
            ``random.seed(...)`` first makes it repeatable). The same seed gives the same
            weights.

    Calling it on one sample returns the list of output nodes, or the node itself for a
    one-output network (as micrograd does).

    Example:
        >>> from autograd_lite.nn import MLP
        >>> model = MLP(2, [16, 16, 1], seed=0)
        >>> out = model([0.5, -1.0]); out.label, len(model.parameters())
        ('layers.2.neurons.0.z', 337)
    """

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        init: str = "uniform",
        seed: Seed = None,
    ) -> None:
        self.nin = _check_count("MLP: nin", nin)
        if isinstance(sizes, int | str) or not isinstance(sizes, Sequence) or not sizes:
            raise ValueError(f"MLP: sizes must be a non-empty list of ints, got {sizes!r}")
        self.sizes = [_check_count(f"MLP: sizes[{i}]", s) for i, s in enumerate(sizes)]
        _check_choice("MLP: activation", activation, ACTIVATIONS)
        _check_choice("MLP: output_activation", output_activation, ACTIVATIONS)
        _check_choice("MLP: init", init, INITS)
        self.activation = activation
        self.output_activation = output_activation
        self.init = init
        rng = _rng(seed)
        dims = [nin, *self.sizes]
        last = len(self.sizes) - 1
        self.layers = [
            Layer(
                dims[i],
                dims[i + 1],
                output_activation if i == last else activation,
                init=init,
                seed=rng,
            )
            for i in range(len(self.sizes))
        ]
        self.relabel()

    @property
    def nout(self) -> int:
        """Number of outputs (the size of the last layer)."""
        return self.sizes[-1]

    def _dense_layers(self) -> list[Dense] | None:
        return [_dense(layer.neurons, layer.activation) for layer in self.layers]

    @classmethod
    def from_torch(cls, module: Any) -> MLP:
        """An MLP with the weights of a ``torch.nn.Sequential`` shaped like :meth:`to_torch`'s.

        ``Linear`` layers, each followed by at most one ``ReLU``, ``Tanh``, ``Sigmoid`` or
        ``Identity``, every hidden layer with the same activation (an MLP has one). Weights
        are copied as float64; a ``Linear`` without bias gets bias 0.

        Args:
            module: the torch module.

        Returns:
            The MLP; ``model.to_torch()`` gives the module back.

        Raises:
            ImportError: PyTorch is not installed.
            ValueError: the module has another shape (the message names the layer).
        """
        from .torch_bridge import read_sequential

        spec = read_sequential(module)
        hidden = {layer.activation for layer in spec.layers[:-1]}
        if len(hidden) > 1:
            raise ValueError(
                f"from_torch: the hidden layers use {sorted(hidden)}; an MLP has one hidden "
                "activation"
            )
        model = cls(
            len(spec.layers[0].weight[0]),
            [len(layer.weight) for layer in spec.layers],
            activation=hidden.pop() if hidden else "relu",
            output_activation=spec.layers[-1].activation,
            seed=0,
        )
        state: dict[str, float] = {}
        for i, layer in enumerate(spec.layers):
            for j, (row, bias) in enumerate(zip(layer.weight, layer.bias, strict=True)):
                for k, w in enumerate(row):
                    state[f"layers.{i}.neurons.{j}.w.{k}"] = w
                state[f"layers.{i}.neurons.{j}.b"] = bias
        model.load_state_dict(state)
        model.train(spec.training)
        return model

    def named_children(self) -> Iterator[tuple[str, Module]]:
        for i, layer in enumerate(self.layers):
            yield f"layers.{i}", layer

    def __call__(self, x: Sequence[Value | float]) -> Any:
        """Apply the network to one sample.

        Args:
            x: ``nin`` numbers or Values.

        Returns:
            The list of ``nout`` output nodes; the node itself when ``nout`` is 1 (as in
            micrograd, so ``model(x).data`` works).
        """
        h = _as_inputs(self, x, self.nin)
        for layer in self.layers:
            h = [n._forward(h) for n in layer.neurons]
        return h[0] if len(h) == 1 else h

    forward = __call__

    def forward_array(self, X: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """The outputs for every row of ``X``, computed with numpy from the current parameters.

        The same function as calling the model on each row (tests check the two agree to
        rounding), but vectorised and building no graph: use it to evaluate many points.

        Args:
            X: inputs, shape (samples, nin).

        Returns:
            An array of shape (samples, nout).

        Example:
            >>> from autograd_lite.nn import MLP
            >>> model = MLP(2, [4, 3], seed=0)
            >>> model.forward_array([[0.5, -1.0], [0.0, 0.0]]).shape
            (2, 3)
        """
        h = _rows(self, X)
        if h.shape[1] != self.nin:
            raise ValueError(f"{self!r}: X has {h.shape[1]} columns, expected {self.nin}")
        for layer in self.layers:
            weights = np.array([[w.data for w in n.w] for n in layer.neurons]).T
            bias = np.array([n.b.data for n in layer.neurons])
            h = _array_activation(layer.activation)(h @ weights + bias)
        return h

    def __repr__(self) -> str:
        extra = f", init={self.init!r}" if self.init != "uniform" else ""
        return (
            f"MLP({self.nin}, {self.sizes}, activation={self.activation!r}, "
            f"output_activation={self.output_activation!r}{extra})"
        )
