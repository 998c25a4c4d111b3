"""instrument: variables found where loss_fn assigns them, watched in the code that is loaded.

Oracles: PyTorch's ``retain_grad()`` (skipped without torch) for what a variable's gradient
means, and central differences written here; never the engine checking itself.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import importlib.util
import linecache
import sys
import types
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autograd_lite import check_gradients
from autograd_lite.check.instrument import instrument, same_code
from autograd_lite.check.report import OK, WRONG

W = np.array([0.3, -0.5, 1.25])


def central(f: Any, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Central differences of a scalar function of an array, entry by entry."""
    out = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        out[i] = (f(up) - f(down)) / (2 * h)
    return out


def load(path: Path, name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


MODULE = """\
import numpy as np


def loss(W):
    h = np.tanh(W * 2.0)
    return np.sum(h * h)
"""


# ---------------------------------------------------------------- the code that is loaded


def test_a_module_edited_after_import_is_never_run_and_the_check_refuses(tmp_path: Path) -> None:
    path = tmp_path / "edited_after_import.py"
    path.write_text(MODULE, encoding="utf-8")
    module = load(path, "edited_after_import")
    marker = tmp_path / "the_edited_line_ran"
    # Same line count, so the function's lines still point into the new text.
    path.write_text(
        MODULE.replace(
            "    h = np.tanh(W * 2.0)",
            f"    h = np.tanh(W * 2.0) + (open({str(marker)!r}, 'w').close() or 0.0)",
        ),
        encoding="utf-8",
    )
    h = np.tanh(W * 2.0)
    with pytest.raises(ValueError, match="not the code that is loaded") as info:
        check_gradients(module.loss, {"W": W}, {"h": 2 * h})
    assert str(path) in str(info.value)
    assert not marker.exists()
    # The loaded code itself is still judged where nothing has to be found in the source.
    dW = 2 * h * (1 - h**2) * 2.0
    assert check_gradients(module.loss, {"W": W}, {"W": dW}).ok
    assert not marker.exists()


def test_a_function_compiled_under_another_files_name_is_refused(tmp_path: Path) -> None:
    other = tmp_path / "other.py"
    other.write_text(MODULE.replace("W * 2.0", "W * 3.0"), encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec(compile(MODULE, str(other), "exec"), namespace)
    found = instrument(namespace["loss"], ["h"])
    assert found.fn is namespace["loss"] and found.lines == {}
    assert "not the code that is loaded" in found.unreadable
    h = np.tanh(W * 2.0)
    with pytest.raises(ValueError, match="not the code that is loaded"):
        check_gradients(namespace["loss"], {"W": W}, {"h": 2 * h})


def test_a_function_compiled_under_a_file_with_the_same_code_is_instrumented(
    tmp_path: Path,
) -> None:
    other = tmp_path / "same.py"
    other.write_text(MODULE, encoding="utf-8")
    namespace: dict[str, Any] = {}
    exec(compile(MODULE, str(other), "exec"), namespace)
    h = np.tanh(W * 2.0)
    report = check_gradients(namespace["loss"], {"W": W}, {"h": 2 * h})
    assert report.ok and report.gradients[0].line == 5


def test_a_module_with_future_annotations_and_nested_code_is_instrumented(tmp_path: Path) -> None:
    path = tmp_path / "nested_code.py"
    path.write_text(
        "from __future__ import annotations\n"
        "import numpy as np\n"
        "from numpy import tanh\n"
        "\n"
        "def loss(W):\n"
        "    def double(x: np.ndarray) -> np.ndarray:\n"
        "        return x * 2.0\n"
        "    scale = (lambda s: s * 1.0)(-0.0 + 1.0)\n"
        "    h = tanh(double(W)) * scale\n"
        "    parts = [v * v for v in h]\n"
        "    return np.sum(np.array(parts, dtype=object))\n",
        encoding="utf-8",
    )
    module = load(path, "nested_code")
    h = np.tanh(W * 2.0)
    report = check_gradients(module.loss, {"W": W}, {"h": 2 * h, "W": 4 * h * (1 - h**2)})
    assert report.ok
    np.testing.assert_allclose(
        report.engine["W"], central(lambda w: np.sum(np.tanh(2 * w) ** 2), W), rtol=1e-6
    )


def test_a_cell_compiled_statement_by_statement_as_ipython_does_is_instrumented() -> None:
    source = "import numpy as np\ndef cell_loss(x):\n    a = np.tanh(x)\n    return np.sum(a * a)\n"
    filename = "/tmp/ipykernel_4242/3141592653.py"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    try:
        namespace: dict[str, Any] = {}
        for node in ast.parse(source).body:  # each statement its own module, as in IPython
            exec(compile(ast.Module([node], []), filename, "exec"), namespace)
        report = check_gradients(namespace["cell_loss"], {"x": W}, {"a": 2 * np.tanh(W)})
        assert report.ok and report.gradients[0].line == 3
    finally:
        del linecache.cache[filename]


def test_same_code_compares_constants_bit_for_bit_and_nested_code() -> None:
    def code(source: str) -> types.CodeType:
        namespace: dict[str, Any] = {}
        exec(compile(source, "<same_code>", "exec"), namespace)
        return namespace["f"].__code__  # type: ignore[no-any-return]

    base = "def f(x):\n    g = lambda y: y * 2.0\n    return g(x) + 0.0\n"
    assert same_code(code(base), code(base))
    assert not same_code(code(base), code(base.replace("+ 0.0", "+ -0.0")))
    assert not same_code(code(base), code(base.replace("y * 2.0", "y * 3.0")))
    assert not same_code(code(base), code(base.replace("y * 2.0", "y + 2.0")))


# ---------------------------------------------------------------- functions of every kind


def test_a_loss_fn_that_names_itself_is_checked() -> None:
    def loss(W: Any, depth: int = 0) -> Any:
        loss.calls += 1  # type: ignore[attr-defined]
        h = W * 2.0
        if depth == 0:
            return loss(W, 1) + np.sum(h * h)
        return np.sum(h)

    loss.calls = 0  # type: ignore[attr-defined]
    # d/dh of sum(h * h) is 2h; the recursive call makes its own h, not this one.
    report = check_gradients(loss, {"W": W}, {"h": 4 * W, "W": 8 * W + 2.0})
    assert report.ok
    assert loss.calls > 2  # type: ignore[attr-defined]


def test_a_module_level_loss_fn_that_counts_its_calls_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "counting.py"
    path.write_text(
        "import numpy as np\n"
        "\n"
        "def loss(W):\n"
        "    loss.calls += 1\n"
        "    h = W * 2.0\n"
        "    return np.sum(h * h)\n"
        "\n"
        "loss.calls = 0\n",
        encoding="utf-8",
    )
    module = load(path, "counting")
    report = check_gradients(module.loss, {"W": W}, {"h": 4 * W})
    assert report.ok
    assert module.loss.calls > 1  # the user's function object counts every call


def test_a_functools_wraps_decorator_is_named_in_the_error() -> None:
    def logged(f: Any) -> Any:
        @functools.wraps(f)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            return f(*args, **kwargs)

        return wrapper

    @logged
    def loss(W: Any) -> Any:
        h = W * 2.0
        return np.sum(h * h)

    with pytest.raises(ValueError, match=r"decorator \(functools.wraps\).*loss.__wrapped__"):
        check_gradients(loss, {"W": W}, {"h": 4 * W})
    assert check_gradients(loss.__wrapped__, {"W": W}, {"h": 4 * W}).ok


def test_a_lone_walrus_is_watched_where_it_binds() -> None:
    def loss(W: Any) -> Any:
        return np.sum((z := W * 2.0) * z)

    # Both factors are z: d/dz sum(z * z) = 2z, the uses inside the statement included.
    want = central(lambda z: np.sum(z * z), W * 2.0)
    report = check_gradients(loss, {"W": W}, {"z": want})
    assert report.ok and report.gradients[0].line > 0
    np.testing.assert_allclose(report.engine["z"], want, rtol=1e-6)
    assert check_gradients(loss, {"W": W}, {"z": want / 2}).verdicts()["z[0]"] == WRONG


def test_a_walrus_in_a_comprehension_is_called_so() -> None:
    def loss(W: Any) -> Any:
        return np.sum(np.array([(z := w * 2.0) for w in W], dtype=object)) + 0.0 * z

    with pytest.raises(ValueError, match="'z' is assigned inside a comprehension"):
        check_gradients(loss, {"W": W}, {"z": 2.0})


def test_with_as_is_watched_from_the_start_of_its_block() -> None:
    def loss(W: Any) -> Any:
        with contextlib.nullcontext(W * 2.0) as z:
            total = np.sum(z * z)
        return total

    want = central(lambda z: np.sum(z * z), W * 2.0)
    report = check_gradients(loss, {"W": W}, {"z": want})
    assert report.ok
    np.testing.assert_allclose(report.engine["z"], want, rtol=1e-6)


# ---------------------------------------------------------------- one value, two names


def test_chained_names_share_one_gradient_as_retain_grad_gives() -> None:
    torch = pytest.importorskip("torch")
    w = torch.tensor(W, requires_grad=True)
    z = h = w * 2.0
    z.retain_grad()
    torch.sum(z * h).backward()
    assert z.grad is not None and h.grad is not None
    want = z.grad.numpy()

    def loss(W: Any) -> Any:
        z = h = W * 2.0
        return np.sum(z * h)

    for expected in ({"z": want}, {"h": want}, {"z": want, "h": want}):
        report = check_gradients(loss, {"W": W}, expected)
        assert report.ok, report
        for name in expected:
            np.testing.assert_allclose(report.engine[name], want, rtol=1e-12)


def test_a_second_name_for_the_same_array_is_refused() -> None:
    def loss(W: Any) -> Any:
        h = W * 2.0
        z = h
        return np.sum(z * h)

    with pytest.raises(ValueError, match=r"'z' \(line \d+\) is the same array as 'h'.*h.copy\(\)"):
        check_gradients(loss, {"W": W}, {"z": 4 * W})
    # Under the name it was made with, every use counts: d/dh sum(h * h) = 2h.
    assert check_gradients(loss, {"W": W}, {"h": 4 * W}).ok

    def copied(W: Any) -> Any:
        h = W * 2.0
        z = h.copy()
        return np.sum(z * h)

    # As torch's h.clone(): z's own uses give d/dz = h, and h's gradient counts z's uses too.
    report = check_gradients(copied, {"W": W}, {"z": 2 * W, "h": 4 * W})
    assert report.ok and set(report.verdicts().values()) == {OK}


def test_an_input_under_a_second_name_is_refused() -> None:
    def loss(W: Any) -> Any:
        z = W
        return np.sum(z * W)

    with pytest.raises(ValueError, match=r"'z' .* is the same array as 'W'"):
        check_gradients(loss, {"W": W}, {"z": 2 * W})


def test_nothing_is_left_behind_in_sys_modules_or_the_function() -> None:
    def loss(W: Any) -> Any:
        h = W * 2.0
        return np.sum(h * h)

    before = set(sys.modules)
    code = loss.__code__
    assert check_gradients(loss, {"W": W}, {"h": 4 * W}).ok
    assert loss.__code__ is code
    assert set(sys.modules) - before == set()
