"""op_names.pyi: the typed declarations of the table's methods and functions match the table."""

from __future__ import annotations

from pathlib import Path

import pytest

import autograd_lite
from autograd_lite.core import op_stubs, rules


def test_the_declarations_file_matches_the_rule_table() -> None:
    on_disk = op_stubs.STUB_PATH.read_text(encoding="utf-8")
    assert on_disk == op_stubs.declarations(), (
        "autograd_lite/core/op_names.pyi is out of date with the rule table: "
        "run `python -m autograd_lite.core.op_stubs`"
    )


def test_every_method_and_function_of_the_table_is_declared() -> None:
    text = op_stubs.declarations()
    for rule in rules.RULES.values():
        if rule.method is not None:
            assert f"def {rule.method}(self) -> Value: ..." in text
        for name in rule.functions:
            assert f"def {name}(x: Value, /) -> Value: ..." in text
            assert f'"{name}",' in text


def test_writing_is_idempotent(tmp_path: Path) -> None:
    target = tmp_path / "op_names.pyi"
    assert op_stubs.write_declarations(target) is True
    assert op_stubs.write_declarations(target) is False
    assert target.read_text(encoding="utf-8") == op_stubs.declarations()


def test_mypy_sees_the_table_methods_and_functions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = pytest.importorskip("mypy.api")
    # mypy finds the package from the project folder, as a user's checkout would.
    monkeypatch.chdir(Path(autograd_lite.__file__).resolve().parents[1])
    user = tmp_path / "user_code.py"
    user.write_text(
        "import autograd_lite as al\n"
        "from autograd_lite import Value\n"
        "x = Value(0.5)\n"
        "y: Value = x.tanh().softplus() + x.real + al.log1p(x)\n"
        "z: float = al.exp(2.0)\n"
        "w: Value = al.exp(2.0)\n",
        encoding="utf-8",
    )
    out, _err, status = api.run(
        [str(user), "--strict", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary"]
    )
    lines = [line for line in out.splitlines() if "user_code.py" in line]
    # The last line assigns a float to a Value: the declarations are precise, not Any.
    assert len(lines) == 1 and ":6:" in lines[0] and "incompatible types" in lines[0].lower(), out
    assert status == 1


def test_mypy_sees_the_names_that_load_on_first_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = pytest.importorskip("mypy.api")
    monkeypatch.chdir(Path(autograd_lite.__file__).resolve().parents[1])
    user = tmp_path / "lazy_names.py"
    user.write_text(
        "import autograd_lite as al\n"
        "net = al.MLP(2, [3, 1])\n"
        "opt = al.Adam(net.parameters(), lr=0.01)\n"
        "report = al.gradcheck(lambda x: x.tanh(), 0.3)\n"
        "ok: bool = report.ok\n"
        "n: int = al.nn\n",
        encoding="utf-8",
    )
    out, _err, _status = api.run(
        [str(user), "--strict", "--cache-dir", str(tmp_path / "cache"), "--no-error-summary"]
    )
    lines = [line for line in out.splitlines() if "lazy_names.py" in line]
    # Only the deliberate mistake on the last line: the module is not an int.
    assert len(lines) == 1 and ":6:" in lines[0], out
