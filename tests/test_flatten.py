"""autograd_lite.core.flatten: one argument structure for grad and compile."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_lite import Value
from autograd_lite.core.flatten import ArgSpec, Lifting
from autograd_lite.nn import MLP

COMPILE = Lifting("compile", models=True)
GRAD = Lifting("grad(f): argument 0 ('x')", new_nodes=True)
Pair = namedtuple("Pair", "a b")

numbers_ = st.floats(-1e6, 1e6, allow_nan=False)
trees = st.recursive(
    numbers_,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.sampled_from("abc"), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(trees)
def test_lift_flatten_and_rebuild_agree(x: Any) -> None:
    spec = ArgSpec.of(x, "x", COMPILE)
    inputs: list[Value] = []
    labels: list[str] = []
    spec.lift(x, inputs, labels)
    flat: list[float] = []
    spec.flatten(x, flat)
    assert [v.data for v in inputs] == flat
    assert len(flat) == len(labels) == spec.size
    assert spec.rebuild(iter(flat)) == x  # the numbers, back in the argument's shape


def test_entries_are_labelled_by_their_path() -> None:
    x = {"w": np.array([[1.0, 2.0]]), "p": Pair(3.0, [4.0])}
    labels: list[str] = []
    lifted = ArgSpec.of(x, "x", COMPILE).lift(x, [], labels)
    assert labels == ["x['w'][0,0]", "x['w'][0,1]", "x['p'][0]", "x['p'][1][0]"]
    assert isinstance(lifted["p"], Pair)


def test_a_value_is_kept_for_compile_and_copied_for_grad() -> None:
    v = Value(2.0, label="v")
    kept: list[Value] = []
    ArgSpec.of(v, "x", COMPILE).lift(v, kept, [])
    assert kept == [v]
    copied: list[Value] = []
    node = ArgSpec.of(v, "x", GRAD).lift(v, copied, [])
    assert copied == [node] and node is not v and node.parents[0] is v and node.label == "v"


def test_compile_needs_leaves_grad_does_not() -> None:
    y = Value(2.0) * 3.0
    with pytest.raises(ValueError, match="compile: x is a Value computed by a mul node"):
        ArgSpec.of(y, "x", COMPILE).lift(y, [], [])
    assert ArgSpec.of(y, "x", GRAD).lift(y, [], []).parents[0] is y


def test_models_only_where_allowed() -> None:
    model = MLP(2, [1], seed=0)
    assert ArgSpec.of(model, "m", COMPILE).size == len(model.parameters())
    with pytest.raises(TypeError, match=r"grad\(f\): argument 0 \('x'\): m is MLP"):
        ArgSpec.of(model, "m", GRAD)


def test_rebuilt_value_gradients_stay_values() -> None:
    spec = ArgSpec.of(np.zeros((1, 2)), "x", GRAD)
    rebuilt = spec.rebuild(iter([Value(1.0), Value(2.0)]))
    assert rebuilt.dtype == object and rebuilt.shape == (1, 2)


@pytest.mark.parametrize(
    ("x", "message"),
    [
        ([1.0, "a"], r"x\[1\] is str 'a'"),
        (np.array([1j]), r"x is a numpy array of dtype complex128"),
        ({"k": None}, r"x\['k'\] is NoneType None"),
        (True, r"x is bool True"),
    ],
)
def test_what_cannot_be_an_argument_is_named(x: Any, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        ArgSpec.of(x, "x", COMPILE)


def test_a_new_argument_of_another_structure_is_named() -> None:
    spec = ArgSpec.of([1.0, 2.0], "xs", COMPILE)
    with pytest.raises(ValueError, match=r"compile: xs must be a list of 2 items"):
        spec.flatten([1.0], [])
