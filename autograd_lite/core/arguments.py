"""Reading a function's signature: the names of the arguments it takes.

This is the one place that asks :mod:`inspect` about a user's function.
:func:`positional_parameters` serves ``grad``, ``compile`` and ``gradcheck``, so an argument is
called the same everywhere (``x``, then ``args[0]`` for a ``*args`` extra, or ``arg2`` where
the function has no readable signature); :func:`keyword_parameters` serves
``check_gradients``, which passes its inputs by name.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "KeywordParameters",
    "PositionalParameters",
    "argument_names",
    "keyword_parameters",
    "positional_parameters",
]


@dataclass(frozen=True)
class PositionalParameters:
    """What a function's signature says about the arguments it takes by position.

    Attributes:
        names: the positional parameters' names, in order.
        required: how many of them (the first ones) have no default.
        star: the name of its ``*args`` parameter, or None.
        known: False when the function has no readable signature (some builtins): then
            nothing is known and every argument is accepted.
    """

    names: tuple[str, ...]
    required: int
    star: str | None
    known: bool

    @property
    def most(self) -> int | None:
        """How many positional arguments it accepts at most (None: any number)."""
        return None if self.star is not None or not self.known else len(self.names)

    def name(self, position: int) -> str:
        """The name of the argument at ``position``: ``x``, ``args[1]``, or ``arg3``."""
        if position < len(self.names):
            return self.names[position]
        if self.star is not None:
            return f"{self.star}[{position - len(self.names)}]"
        return f"arg{position}"


@dataclass(frozen=True)
class KeywordParameters:
    """What a function's signature says about the arguments it can take by name.

    Attributes:
        names: every parameter's name, in order (for messages).
        by_keyword: the names it accepts as keyword arguments.
        required: those of ``by_keyword`` without a default, in order.
        positional_only: its required positional-only parameters (they cannot be named).
        any_keyword: True when it takes ``**kwargs``.
        known: False when the function has no readable signature (nothing is checked).
    """

    names: tuple[str, ...]
    by_keyword: frozenset[str]
    required: tuple[str, ...]
    positional_only: tuple[str, ...]
    any_keyword: bool
    known: bool


def keyword_parameters(f: Callable[..., Any]) -> KeywordParameters:
    """Read which arguments ``f`` takes by name.

    Example:
        >>> k = keyword_parameters(lambda x, y=1.0, *, z: x)
        >>> sorted(k.by_keyword), k.required
        (['x', 'y', 'z'], ('x', 'z'))
    """
    parameters = _parameters(f)
    if parameters is None:
        return KeywordParameters((), frozenset(), (), (), any_keyword=True, known=False)
    kinds = inspect.Parameter
    named = [p for p in parameters if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)]
    return KeywordParameters(
        names=tuple(p.name for p in parameters),
        by_keyword=frozenset(p.name for p in named),
        required=tuple(p.name for p in named if p.default is kinds.empty),
        positional_only=tuple(
            p.name
            for p in parameters
            if p.kind is kinds.POSITIONAL_ONLY and p.default is kinds.empty
        ),
        any_keyword=any(p.kind is kinds.VAR_KEYWORD for p in parameters),
        known=True,
    )


def _parameters(f: Callable[..., Any]) -> list[inspect.Parameter] | None:
    try:
        return list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):  # builtins and some C callables have no signature
        return None


def positional_parameters(f: Callable[..., Any]) -> PositionalParameters:
    """Read ``f``'s positional parameters from its signature.

    Args:
        f: any callable.

    Returns:
        Its :class:`PositionalParameters` (``known=False`` when it has no signature).

    Example:
        >>> p = positional_parameters(lambda x, y=1.0, *rest: x)
        >>> p.names, p.required, p.star, p.name(3)
        (('x', 'y'), 1, 'rest', 'rest[1]')
    """
    parameters = _parameters(f)
    if parameters is None:
        return PositionalParameters((), 0, None, known=False)
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    positional = [p for p in parameters if p.kind in kinds]
    star = next((p.name for p in parameters if p.kind is inspect.Parameter.VAR_POSITIONAL), None)
    required = sum(1 for p in positional if p.default is inspect.Parameter.empty)
    return PositionalParameters(tuple(p.name for p in positional), required, star, known=True)


def argument_names(f: Callable[..., Any], count: int) -> list[str]:
    """Names for ``f``'s first ``count`` positional arguments.

    Each is :meth:`PositionalParameters.name` of its position.

    Example:
        >>> argument_names(lambda x, *args: x, 3)
        ['x', 'args[0]', 'args[1]']
    """
    parameters = positional_parameters(f)
    return [parameters.name(i) for i in range(count)]
