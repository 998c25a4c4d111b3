"""A base class of ``Value`` that carries the typed declarations of the table's methods.

``x.tanh()``, ``x.real`` and ``autograd_lite.tanh`` are created from
:data:`~autograd_lite.core.rules.RULES` when the package is imported, so a type checker reading
the source cannot see them. ``op_names.pyi`` beside this file declares them for mypy and IDEs;
it is generated from the table by :mod:`autograd_lite.core.op_stubs` (``python -m
autograd_lite.core.op_stubs`` rewrites it after a rule is added), and a test fails while the
two disagree.
"""

from __future__ import annotations

__all__ = ["OpMethods"]


class OpMethods:
    """A base class of ``Value`` that holds nothing at run time.

    Its only job is to carry the generated declarations of the table's methods for type
    checkers; the methods themselves are installed on ``Value`` from the rule table.
    """

    __slots__ = ()
