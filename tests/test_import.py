"""`import autograd_lite` loads the engine only; the other parts load when first used.

Each check runs in a fresh interpreter, since this process has imported everything already.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import autograd_lite as al


def _fresh(code: str) -> object:
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_loads_no_optional_part() -> None:
    loaded = _fresh(
        "import sys, json\n"
        "import autograd_lite as al\n"
        "x = al.Value(2.0); y = (x * x).tanh(); y.backward()\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    # What the interpreter has loaded before any autograd_lite import: an editable install's
    # import hook, for one, brings pathlib along.
    before = _fresh("import sys, json\nprint(json.dumps(sorted(sys.modules)))")
    assert isinstance(loaded, list) and isinstance(before, list)
    for heavy in (
        "numpy",
        "graphviz",
        "wasmtime",
        "tqdm",
        "autograd_lite.check",
        "autograd_lite.draw",
        "autograd_lite.jit",
        "autograd_lite.learn",
        "importlib.resources",
        "pathlib",
    ):
        assert heavy not in loaded or heavy in before, heavy


def test_numpy_loads_on_first_use_and_everything_works_after() -> None:
    # A scalar session that later takes up numpy: numpy bools are numbers, ufuncs dispatch
    # to Values, the lazily loaded names (grad, values, jvp) work, before and after.
    facts = _fresh(
        "import sys, json\n"
        "import autograd_lite as al\n"
        "before = 'numpy' in sys.modules\n"
        "g = al.grad(lambda x: x * x)(3.0)\n"
        "import numpy as np\n"
        "x = al.Value(2.0)\n"
        "y = x * np.bool_(True) + np.float32(1.5) * np.exp(np.array([x]))[0]\n"
        "y.backward()\n"
        "W = al.values(np.array([[1.0, -2.0]]), 'W')\n"
        "p, t = al.jvp(lambda a: a * a, (3.0,), (1.0,))\n"
        "print(json.dumps([before, g, round(x.grad, 12), W[0, 1].label, t]))"
    )
    assert facts == [False, 6.0, round(1 + 1.5 * 2.718281828459045**2, 12), "W[0,1]", 6.0]


def test_short_module_paths_are_the_part_modules() -> None:
    facts = _fresh(
        "import json\n"
        "import autograd_lite.nn, autograd_lite.rules\n"
        "from autograd_lite import losses\n"
        "import autograd_lite as al\n"
        "print(json.dumps([al.nn is al.learn.nn, al.rules is al.core.rules,\n"
        "    losses is al.learn.losses, al.nn.__spec__.name, al.optim.__name__]))"
    )
    assert facts == [True, True, True, "autograd_lite.learn.nn", "autograd_lite.learn.optim"]


def test_star_import_and_dir_list_every_public_name() -> None:
    namespace: dict[str, object] = {}
    exec("from autograd_lite import *", namespace)
    assert set(al.__all__) <= set(namespace)
    assert set(al.__all__) <= set(dir(al))
    assert namespace["MLP"] is al.learn.MLP
    from autograd_lite import compile

    assert compile is al.jit.compile


def test_unknown_attribute_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no_such_name"):
        al.no_such_name  # noqa: B018
