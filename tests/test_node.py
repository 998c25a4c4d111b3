"""autograd_lite.core.node: what a node stores, the number conversion and node descriptions."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from autograd_lite import Value
from autograd_lite.core.node import Node, describe_node, to_float


@pytest.mark.parametrize(
    ("x", "expected"),
    [(3, 3.0), (True, 1.0), (np.float32(0.5), 0.5), (np.bool_(True), 1.0), (Fraction(1, 4), 0.25)],
)
def test_real_numbers_become_floats(x: Any, expected: float) -> None:
    out = to_float(x, "Value")
    assert out == expected and type(out) is float


@pytest.mark.parametrize(
    ("x", "named"),
    [(Value(1.0), "Value"), ("1.0", "str '1.0'"), (1 + 2j, r"complex \(1\+2j\)"), (None, "None")],
)
def test_anything_else_is_refused_by_name(x: Any, named: str) -> None:
    message = rf"operand of \+: expected a real number or a Value, got {named}"
    with pytest.raises(TypeError, match=message):
        to_float(x, "operand of +")


def test_descriptions_name_label_op_and_value() -> None:
    x = Value(2.0, label="x")
    assert describe_node(x) == "'x' leaf = 2.0"
    assert describe_node(x * 3) == "unlabelled mul node = 6.0"


def test_a_value_is_a_node_with_slots_only() -> None:
    v = Value(1.0)
    assert isinstance(v, Node)
    assert not hasattr(v, "__dict__")
    with pytest.raises(AttributeError):
        v.extra = 1  # type: ignore[attr-defined]
