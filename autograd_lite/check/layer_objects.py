"""What a learner's layer object is made of, found by watching one run of its ``forward``.

A layer class stores its arrays under names of its own choosing (``weights``/``W``,
``output``/``outputs``/``out``/``probabilities``, ``inputs``/``samples``/``x``) and its
gradients under ``d`` + a name (``dweights``, ``dW``, ``dinputs``, ``dx``). This module runs
``forward`` once on a deep copy of the object, whose class is swapped for a subclass that logs
attribute reads and writes, and reads off:

- the **parameters**: float arrays the object already held and ``forward`` read;
- the **input records**: attributes ``forward`` set to the array it was given (or a copy);
- the **output**: what ``forward`` returned, or the attribute it wrote that the next object
  was given (found by identity among the learner's own objects), or the one output-like name;
- the **gradients**: ``d<name>`` attributes paired with a parameter or with the input.

It also keeps a learner's objects exactly as they were (:class:`Snapshot`) and says where
in the source a method stores a gradient (:func:`method_location`). Nothing here judges.
"""

from __future__ import annotations

import copy
import difflib
import inspect
import linecache
import os
import random
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "INPUT",
    "Explored",
    "LayerFacts",
    "Snapshot",
    "explore",
    "find_gradients",
    "method_location",
    "paired",
    "source_place",
]

FloatArray = npt.NDArray[np.float64]

INPUT = "<input>"
"""The target of a gradient of the object's input (``dinputs``), as opposed to a parameter."""

_INPUT_GRADIENTS = ("dinputs", "dinput", "dx", "dX", "d_inputs", "d_x", "dinp", "dsamples")
_OUTPUT_NAMES = (
    "output",
    "outputs",
    "out",
    "probabilities",
    "probs",
    "activations",
    "activation",
    "a",
    "A",
    "y",
    "z",
    "Z",
)


@dataclass
class LayerFacts:
    """One object as its forward run showed it.

    Attributes:
        key: how reports name it (its dict key, or class and position: ``reLU_1``).
        obj: the learner's object itself (never modified).
        params: attribute names of its parameters, in the order forward read them.
        input_attrs: attributes forward set to its input.
        output_attr: the attribute holding its output ("" when only returned).
        returns: True when forward returns its output.
        gradients: target (a parameter name, or :data:`INPUT`) -> gradient attribute name.
        notes: facts worth telling (a misspelt gradient, a parameter without gradient).
    """

    key: str
    obj: Any
    params: list[str] = field(default_factory=list)
    input_attrs: list[str] = field(default_factory=list)
    output_attr: str = ""
    returns: bool = False
    gradients: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Explored:
    """One forward run on float copies: what came out of each object."""

    outputs: list[Any]  # per object: its output (the last one: the loss)
    result: Any  # what the last forward returned


# ---------------------------------------------------------------------- keeping objects as found


class Snapshot:
    """The learner's objects as found: every attribute's identity and every array's bits.

    :meth:`restore` puts back whatever a run changed (attributes rebound, arrays written in
    place, numpy's and Python's global random state), so a check leaves everything as found.
    """

    def __init__(self, objects: Sequence[Any]) -> None:
        self._attrs: list[tuple[Any, dict[str, Any]]] = []
        self._arrays: list[tuple[npt.NDArray[Any], npt.NDArray[Any]]] = []
        seen: set[int] = set()
        for obj in objects:
            self._record(obj, seen, 0)
        self._np_random = np.random.get_state()
        self._random = random.getstate()

    def _record(self, obj: Any, seen: set[int], depth: int) -> None:
        if id(obj) in seen or depth > 3:
            return
        seen.add(id(obj))
        attrs = getattr(obj, "__dict__", None)
        if not isinstance(attrs, dict):
            return
        self._attrs.append((obj, dict(attrs)))
        for value in attrs.values():
            if isinstance(value, np.ndarray) and id(value) not in seen:
                seen.add(id(value))
                self._arrays.append((value, value.copy()))
            elif hasattr(value, "__dict__") and not inspect.isroutine(value):
                self._record(value, seen, depth + 1)

    def changed(self) -> bool:
        """True when any attribute or array differs from what was recorded."""
        for obj, attrs in self._attrs:
            now = vars(obj)
            if now.keys() != attrs.keys() or any(now[k] is not v for k, v in attrs.items()):
                return True
        return any(not _same_bits(a, saved) for a, saved in self._arrays)

    def restore_random(self) -> None:
        """Put numpy's and Python's global random states back (a forward may draw numbers)."""
        np.random.set_state(self._np_random)
        random.setstate(self._random)

    def restore(self) -> None:
        """Put every recorded attribute, array and the global random states back."""
        for obj, attrs in self._attrs:
            now = vars(obj)
            if now.keys() != attrs.keys() or any(now[k] is not v for k, v in attrs.items()):
                now.clear()
                now.update(attrs)
        for array, saved in self._arrays:
            if not _same_bits(array, saved):
                array[...] = saved
        self.restore_random()


def _same_bits(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> bool:
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.dtype == object:
        return all(x is y for x, y in zip(a.reshape(-1), b.reshape(-1), strict=True))
    return a.tobytes() == b.tobytes()


# ---------------------------------------------------------------------- watching forward run


@dataclass
class _Log:
    reads: list[str] = field(default_factory=list)  # pre-existing attributes, first read order
    writes: list[str] = field(default_factory=list)


def _tracked(obj: Any, log: _Log) -> bool:
    """Swap ``obj``'s class (a private copy) for a subclass that logs attribute use."""
    cls = type(obj)
    own = vars(obj)

    def __getattribute__(self: Any, name: str) -> Any:
        if name in own and name not in log.writes and name not in log.reads:
            log.reads.append(name)
        return object.__getattribute__(self, name)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if name not in log.writes:
            log.writes.append(name)
        object.__setattr__(self, name, value)

    try:
        spy = type(cls.__name__, (cls,), {"__getattribute__": __getattribute__})
        spy.__setattr__ = __setattr__  # type: ignore[method-assign,assignment]
        obj.__class__ = spy
    except TypeError:  # __slots__, a builtin base, a custom metaclass
        return False
    return True


def _is_float_array(x: object) -> bool:
    return isinstance(x, np.ndarray) and x.dtype.kind == "f"


def _forward_args(obj: Any, x: Any, y: Any, last: bool) -> tuple[Any, ...]:
    return (x, y) if last and y is not None else (x,)


def explore(
    keys: Sequence[str],
    objects: Sequence[Any],
    X: FloatArray,
    y: Any,
    outputs: Mapping[str, str],
    *,
    loss_last: bool = True,
) -> tuple[list[LayerFacts], Explored]:
    """Run every object's ``forward`` once, in order, on deep copies, and read off its parts.

    With ``loss_last`` the last object is the loss: ``forward(output, y)`` gives a number.

    Raises:
        TypeError: an object without a callable ``forward``, or one whose parts cannot be told.
        ValueError: an output that cannot be found (naming the candidates and ``outputs=``).
    """
    copies = copy.deepcopy(list(objects))
    facts: list[LayerFacts] = []
    outs: list[Any] = []
    a: Any = X.copy()
    result: Any = None
    last_index = len(objects) - 1 if loss_last else len(objects)
    for i, (key, obj, dup) in enumerate(zip(keys, objects, copies, strict=True)):
        forward = getattr(obj, "forward", None)
        if not callable(forward):
            raise TypeError(
                f"check_layers: {key} ({type(obj).__name__}) has no forward method; every "
                "object in layers must have forward(inputs) (the last one forward(output, y))"
            )
        before = dict(vars(dup)) if hasattr(dup, "__dict__") else {}
        log = _Log()
        tracked = _tracked(dup, log)
        try:
            with np.errstate(all="ignore"):
                result = dup.forward(*_forward_args(dup, a, y, i == last_index))
        except Exception as err:
            err.add_note(f"(raised by {key}.forward when check_layers ran it on a copy)")
            raise
        after = vars(dup) if hasattr(dup, "__dict__") else {}
        written = [n for n in after if n not in before or after[n] is not before[n]]
        written += [n for n in log.writes if n not in written and n in after]
        reads = log.reads if tracked else [n for n in before if n not in written]
        fact = LayerFacts(key, obj)
        fact.params = [
            n
            for n in reads
            if n in before and _is_float_array(before[n]) and not _looks_like_gradient(n, before)
        ]
        fact.input_attrs = _input_records(written, after, a)
        if i == last_index:
            fact.returns = result is not None
            if result is None:
                fact.output_attr = _loss_attr(key, written, after)
                result = after[fact.output_attr]
        elif isinstance(result, np.ndarray) or _is_number(result):
            fact.returns = True
            fact.output_attr = next((n for n in written if after[n] is result), "")
        else:
            following = objects[i + 1] if i + 1 < len(objects) else None
            fact.output_attr = _output_attr(
                key, obj, following, written, fact.input_attrs, after, outputs
            )
            result = after[fact.output_attr]
        facts.append(fact)
        outs.append(result)
        a = result
    return facts, Explored(outs, result)


def _loss_attr(key: str, written: list[str], after: Mapping[str, Any]) -> str:
    scalars = [n for n in written if _is_number(after[n]) or np.size(after[n]) == 1]
    if "loss" in scalars:
        return "loss"
    if len(scalars) == 1:
        return scalars[0]
    raise ValueError(
        f"check_layers: {key}.forward returns nothing and stores "
        f"{'no single number' if not scalars else 'several numbers: ' + ', '.join(scalars)}; "
        "the last object must give the loss: return it from forward, or store it as self.loss"
    )


def _is_number(x: object) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)


def _input_records(written: list[str], after: Mapping[str, Any], given: object) -> list[str]:
    """Attributes forward set to the array it was given, or to a float copy of it (a copy
    under an output's name is taken as the output: relu of positive numbers is its input)."""
    records = [n for n in written if after[n] is given]
    for n in written:
        value = after[n]
        if (
            n not in records
            and n not in _OUTPUT_NAMES
            and isinstance(value, np.ndarray)
            and isinstance(given, np.ndarray)
            and value.shape == given.shape
            and value.dtype.kind == "f"
            and np.array_equal(value, given)
        ):
            records.append(n)
    return records


def _output_attr(
    key: str,
    obj: Any,
    following: Any,
    written: list[str],
    input_attrs: list[str],
    after: Mapping[str, Any],
    outputs: Mapping[str, str],
) -> str:
    if key in outputs:
        name = outputs[key]
        if name not in after:
            raise ValueError(
                f"check_layers: outputs[{key!r}] is {name!r}, but {key}.forward stores no such "
                f"attribute (it stores: {', '.join(written) or 'nothing'})"
            )
        return name
    candidates = [n for n in written if n not in input_attrs and isinstance(after[n], np.ndarray)]
    # The learner passed the output on: the next object holds that very array.
    held = (
        vars(following).values() if following is not None and hasattr(following, "__dict__") else ()
    )
    mine = vars(obj) if hasattr(obj, "__dict__") else {}
    for name in candidates:
        if name in mine and any(v is mine[name] for v in held):
            return name
    named = [n for n in _OUTPUT_NAMES if n in candidates]
    if len(candidates) == 1:
        return candidates[0]
    if named:
        return named[0]
    listed = ", ".join(candidates) or "no array"
    raise ValueError(
        f"check_layers: cannot tell which attribute {key}.forward stores its output in (it "
        f"returns nothing and stores {listed}). Name it: outputs={{{key!r}: 'attribute'}}"
    )


# ---------------------------------------------------------------------- gradients


def _looks_like_gradient(name: str, attrs: Mapping[str, Any]) -> bool:
    if name in _INPUT_GRADIENTS:
        return True
    for prefix in ("d_", "grad_", "d"):
        if name.startswith(prefix) and name[len(prefix) :] in attrs:
            return True
    return name.endswith("_grad") and name[: -len("_grad")] in attrs


def _gradient_names(target: str) -> list[str]:
    return [f"d{target}", f"d_{target}", f"grad_{target}", f"{target}_grad"]


def find_gradients(
    fact: LayerFacts, overrides: Mapping[str, str], want_input: bool
) -> dict[str, str]:
    """Target -> the learner's gradient attribute, for every target that has one.

    ``overrides`` maps a gradient attribute to its target (a parameter name or ``"input"``).
    Attributes that look like gradients and match nothing become notes with a suggestion.
    """
    obj = fact.obj
    attrs = vars(obj) if hasattr(obj, "__dict__") else {}
    found: dict[str, str] = {}
    for attr, target in overrides.items():
        if attr not in attrs:
            raise ValueError(
                f"check_layers: gradients[{fact.key!r}] names {attr!r}, but {fact.key} has no "
                f"such attribute (its arrays: {', '.join(_arrays(attrs)) or 'none'})"
            )
        goal = INPUT if target in ("input", "inputs", INPUT) else target
        if goal != INPUT and goal not in fact.params:
            raise ValueError(
                f"check_layers: gradients[{fact.key!r}][{attr!r}] is {target!r}, which is not a "
                f"parameter {fact.key}.forward reads (parameters: "
                f"{', '.join(fact.params) or 'none'}); use 'input' for the input's gradient"
            )
        found[goal] = attr
    for p in fact.params:
        if p not in found:
            name = next((n for n in _gradient_names(p) if _is_float_array(attrs.get(n))), None)
            if name is not None:
                found[p] = name
    if want_input and INPUT not in found:
        names = list(_INPUT_GRADIENTS) + [n for a in fact.input_attrs for n in _gradient_names(a)]
        name = next((n for n in names if _is_float_array(attrs.get(n))), None)
        if name is not None:
            found[INPUT] = name
    used = set(found.values())
    loose = [
        n
        for n in _arrays(attrs)
        if n not in used
        and re.match(r"d[_A-Za-z]", n)
        and n not in fact.params
        and n not in fact.input_attrs
        and n != fact.output_attr
    ]
    for p in fact.params:
        if p in found:
            continue
        wanted = f"d{p}"
        close = difflib.get_close_matches(wanted, loose, n=1, cutoff=0.75)
        hint = f"; {fact.key}.{close[0]} looks like a misspelling of {wanted}" if close else ""
        fact.notes.append(
            f"{fact.key}.{p}: no gradient found (looked for {fact.key}.{wanted}){hint}, so it is "
            "not checked"
        )
    return found


def _arrays(attrs: Mapping[str, Any]) -> list[str]:
    return [n for n, v in attrs.items() if isinstance(v, np.ndarray)]


def paired(a: npt.NDArray[Any], b: npt.NDArray[Any]) -> bool:
    """True when two arrays share memory (one was written through the other)."""
    return bool(np.shares_memory(a, b))


# ---------------------------------------------------------------------- where in the source


def method_location(obj: Any, method: str, stores: str = "") -> tuple[str, int]:
    """(file, line) of ``type(obj).<method>``: the line storing ``self.<stores>`` if found,
    else the ``def`` line; ("", 0) when the source is unknown."""
    fn: Callable[..., Any] | None = getattr(type(obj), method, None)
    code = getattr(fn, "__code__", None)
    if code is None:
        return "", 0
    path, first = code.co_filename, code.co_firstlineno
    if stores:
        lines = linecache.getlines(path)
        pattern = re.compile(rf"^\s*self\.{re.escape(stores)}\s*(\[.*\])?\s*[-+*/]?=(?!=)")
        end = min(len(lines), first + 400)
        found = 0
        for number in range(first, end):
            text = lines[number] if number < len(lines) else ""
            if number > first and text.strip() and not text.startswith((" ", "\t", "#")):
                break  # left the class body
            if re.match(r"^\s*def ", text) and number > first:
                indent = len(text) - len(text.lstrip())
                def_indent = len(lines[first - 1]) - len(lines[first - 1].lstrip())
                if indent <= def_indent:
                    break  # the next method
            if pattern.match(text):
                found = number + 1
        if found:
            return path, found
    return path, first


def source_place(path: str, line: int) -> str:
    """``net.py:23``, or ``Cell In[3], line 23`` for a Jupyter cell (as IPython's tracebacks
    name it), or "" when the path is unknown."""
    if not path:
        return ""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    name_of = getattr(getattr(shell, "compile", None), "format_code_name", None)
    named = name_of(path) if callable(name_of) else None
    if named:
        return f"{named[0]} {named[1]}, line {line}"
    return f"{os.path.basename(path)}:{line}"
