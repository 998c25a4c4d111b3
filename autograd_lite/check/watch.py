"""``watch(name, value)``: mark a variable of a forward pass so a gradient check can judge it.

Outside :func:`~autograd_lite.check_gradients` it returns ``value`` unchanged. During a check
that names ``name`` in ``expected`` it does one of two things, depending on the pass:

- while the check traces the function on Values, it returns fresh nodes, one per entry,
  computed from ``value`` by the identity, so the gradient with respect to them is the
  gradient with respect to this variable alone, as PyTorch's ``retain_grad()`` gives it (even
  where numpy hands back the same objects: a reshape view, ``x.max(...)``, fancy indexing);
- while the check evaluates the function for finite differences, it returns ``value`` plus
  the perturbation the check asks for, so the variable's own gradient can be cross-checked.

The active check is held in a context variable (per thread and per task).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt

from ..core import Value, enable_grad
from ..core.value_array import as_value_array

__all__ = [
    "WatchSession",
    "Watched",
    "entry_labels",
    "watch",
    "watch_assigned",
    "watched_now",
    "watching",
]

FloatArray = npt.NDArray[np.float64]
T = TypeVar("T")


@dataclass
class Watched:
    """One watched variable as the trace saw it.

    Attributes:
        name: the variable's name.
        shape: its shape (``()`` for a single number).
        nodes: the identity nodes made for its entries, flat in C order (trace only).
        returned: the object handed back to the function (to notice later in-place changes).
        scalar: True when the value was a single number or Value, not an array.
    """

    name: str
    shape: tuple[int, ...]
    nodes: list[Value]
    returned: object
    scalar: bool


@dataclass
class WatchSession:
    """What one gradient check wants from :func:`watch` during one call of the function.

    Attributes:
        names: the variable names the check judges.
        tracing: True while the function runs on Values for the engine.
        deltas: name -> perturbation added to the variable (finite differences).
        seen: name -> what was watched in this call.
    """

    names: frozenset[str]
    tracing: bool
    deltas: dict[str, FloatArray] = field(default_factory=dict)
    seen: dict[str, Watched] = field(default_factory=dict)


_SESSION: ContextVar[WatchSession | None] = ContextVar("autograd_lite_watch", default=None)


@contextmanager
def watching(session: WatchSession) -> Iterator[WatchSession]:
    """Make ``session`` the one :func:`watch` answers to inside this block."""
    token = _SESSION.set(session)
    try:
        yield session
    finally:
        _SESSION.reset(token)


def watch(name: str, value: T) -> T:
    """Mark ``value`` as the variable ``name``, so ``check_gradients`` can judge its gradient.

    Returns ``value`` itself outside a gradient check, so it can stay in your code (and works
    inline: ``h = watch("h", np.tanh(z))``). ``check_gradients`` finds variables assigned once
    in ``loss_fn`` by itself; use ``watch`` for anything else: a value computed in a helper
    function, inside a loop, or a name assigned more than once.

    Args:
        name: the name your gradient has in ``expected`` (``"h"`` for ``expected={"h": dh}``).
        value: a Value, a number, or an array of Values / numbers.

    Returns:
        ``value`` (outside a check), or the same numbers as fresh nodes during a check.

    Example:
        >>> import numpy as np
        >>> from autograd_lite import check_gradients, watch
        >>> def loss(x):
        ...     h = watch("h", np.tanh(x))
        ...     return np.sum(h * h)
        >>> x = np.array([0.5, -1.0])
        >>> check_gradients(loss, {"x": x}, {"h": 2 * np.tanh(x)}).ok
        True
    """
    session = _SESSION.get()
    if session is None or name not in session.names:
        return value
    return cast(T, _watched(session, name, value))


def watch_assigned(
    name: str, value: T, local_vars: Mapping[str, object], same: tuple[str, ...], line: int
) -> T:
    """:func:`watch`, as a check inserts it after the statement that assigns ``name``.

    While the check traces the function, a value that another local variable also holds (the
    same array or Value object, not merely equal numbers) is refused: every use of that other
    name is a use of this value too, which PyTorch's ``retain_grad()`` counts and a gradient
    taken through ``name``'s own nodes would miss. Names in ``same`` (bound to this value by
    the same chained assignment) are rebound to the watched value by the check itself.

    Args:
        name: the variable's name.
        value: its value, just assigned.
        local_vars: the function's local variables at that point (``locals()``).
        same: the names the assignment binds to this very object.
        line: the line of the assignment, for the error.
    """
    session = _SESSION.get()
    watched = session is not None and session.tracing and name in session.names
    if watched and isinstance(value, np.ndarray | Value):
        others = [k for k, v in local_vars.items() if v is value and k != name and k not in same]
        if others:
            array = isinstance(value, np.ndarray)
            what, copy = (
                ("array", f"{others[0]}.copy()") if array else ("Value", f"{others[0]} + 0")
            )
            raise ValueError(
                f"check_gradients: variable {name!r} (line {line}) is the same {what} as "
                f"{others[0]!r}: every use of {others[0]} is a use of {name} too, as "
                f"PyTorch's retain_grad() counts them, but the check can only follow "
                f"those through {name!r}. Check the value under the name it was made "
                f"with, or make {name!r} a value of its own ({name} = {copy})."
            )
    return watch(name, value)


def _watched(session: WatchSession, name: str, value: object) -> object:
    if name in session.seen:
        raise ValueError(
            f"watch: {name!r} was watched twice in one call of the function; the gradient "
            "check needs one value per name. Give each value its own name "
            f"(watch('{name}_1', ...), watch('{name}_2', ...))."
        )
    if session.tracing:
        out, watched = _fresh_nodes(name, value)
        session.seen[name] = watched
        return out
    shape = tuple(np.shape(value))  # type: ignore[call-overload]
    scalar = not isinstance(value, np.ndarray | list | tuple)
    session.seen[name] = Watched(name, shape, [], value, scalar)
    delta = session.deltas.get(name)
    if delta is None:
        return value
    if scalar:
        return value + float(delta)  # type: ignore[operator]
    return np.asarray(value) + delta


def entry_labels(name: str, shape: tuple[int, ...]) -> list[str]:
    """The label of every entry of an array called ``name``, in C order (``W[0,1]``...).

    The same labels as :func:`autograd_lite.core.entry_label`, made in bulk.
    """
    if not shape:
        return [name]
    labels = [""]
    for n in shape:
        parts = [str(i) for i in range(n)]
        labels = [f"{head},{i}" if head else i for head in labels for i in parts]
    return [f"{name}[{label}]" for label in labels]


def _identity(x: object, label: str) -> Value:
    # x + 0.0 is a new node whose value and gradient are x's: the variable's own handle.
    if isinstance(x, Value):
        node = x + 0.0
    elif isinstance(x, int | float | np.integer | np.floating | np.bool_):
        node = Value(float(x))
    else:
        raise TypeError(
            f"watch: {label} is {type(x).__name__} {x!r}; only numbers and Values can be watched"
        )
    node.label = label
    return node


def _fresh_nodes(name: str, value: object) -> tuple[object, Watched]:
    with enable_grad():
        if isinstance(value, np.ndarray | list | tuple):
            arr = np.asarray(value, dtype=object)
            labels = entry_labels(name, arr.shape)
            nodes = [_identity(x, label) for x, label in zip(arr.reshape(-1), labels, strict=True)]
            flat = np.empty(len(nodes), dtype=object)
            flat[:] = nodes
            out = as_value_array(flat.reshape(arr.shape))
            return out, Watched(name, arr.shape, nodes, out, False)
        node = _identity(value, name)
        return node, Watched(name, (), [node], node, True)


def watched_now(session: WatchSession, name: str) -> bool:
    """True when the array handed back for ``name`` still holds the nodes made for it."""
    w = session.seen[name]
    if w.scalar or not isinstance(w.returned, np.ndarray):
        return True
    return all(a is b for a, b in zip(w.returned.reshape(-1), w.nodes, strict=True))
