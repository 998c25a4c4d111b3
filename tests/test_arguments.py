"""autograd_lite.core.arguments: one way to name a function's positional arguments."""

from __future__ import annotations

from typing import Any

import pytest

from autograd_lite import Value, check_gradients, grad, gradcheck
from autograd_lite.core.arguments import (
    argument_names,
    keyword_parameters,
    positional_parameters,
)


def test_names_defaults_and_star() -> None:
    def f(a: Any, b: Any = 1.0, /, c: Any = 2.0, *rest: Any, key: Any = 0) -> Any:
        return a

    p = positional_parameters(f)
    assert (p.names, p.required, p.star, p.known) == (("a", "b", "c"), 1, "rest", True)
    assert p.most is None
    assert argument_names(f, 5) == ["a", "b", "c", "rest[0]", "rest[1]"]


def test_a_function_without_star_accepts_at_most_its_parameters() -> None:
    p = positional_parameters(lambda x, y: x)
    assert p.most == 2
    assert p.name(2) == "arg2"


def test_a_callable_without_a_signature_is_unknown() -> None:
    p = positional_parameters(max)  # builtins may have no readable signature
    if p.known:
        pytest.skip("this Python gives max a signature")
    assert (p.most, argument_names(max, 2)) == (None, ["arg0", "arg1"])


def test_grad_and_gradcheck_name_star_arguments_the_same_way() -> None:
    seen: list[str | None] = []

    def f(x: Value, *rest: Value) -> Value:
        seen.append(rest[0].label)
        return x * rest[0]

    assert grad(f, argnums=1)(2.0, 3.0) == 2.0
    report = gradcheck(f, 2.0, 3.0)
    assert seen[0] == "rest[0]"
    assert set(report.verdicts()) == {"x", "rest[0]"}


def test_gradcheck_names_what_is_missing_or_too_many() -> None:
    with pytest.raises(TypeError, match=r"f also needs argument\(s\) y"):
        gradcheck(lambda x, y: x * y, 1.0)
    with pytest.raises(TypeError, match=r"f takes 1 positional argument\(s\) but 2 were given"):
        gradcheck(lambda x: x, 1.0, 2.0)


def test_keyword_parameters() -> None:
    def f(a: Any, /, b: Any, c: Any = 1.0, *, d: Any, **more: Any) -> Any:
        return a

    k = keyword_parameters(f)
    assert k.names == ("a", "b", "c", "d", "more")
    assert k.by_keyword == {"b", "c", "d"}
    assert (k.required, k.positional_only) == (("b", "d"), ("a",))
    assert k.any_keyword and k.known


def test_check_gradients_names_the_keyword_problem() -> None:
    with pytest.raises(TypeError, match="loss_fn's argument 'w' is positional-only"):
        check_gradients(lambda w, /: w * w, {"w": 1.0}, {"w": 2.0})
    with pytest.raises(TypeError, match="loss_fn takes no argument 'v'"):
        check_gradients(lambda w: w * w, {"w": 1.0, "v": 2.0}, {"w": 2.0})
    with pytest.raises(TypeError, match="loss_fn needs argument 'b'"):
        check_gradients(lambda w, b: w * b, {"w": 1.0}, {"w": 2.0})
