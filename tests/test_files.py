"""core/files.py: every save writes all or nothing, and otherwise as open(path, "w") would."""

from __future__ import annotations

import errno
import os
import signal
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import autograd_lite as al
from autograd_lite.core import files
from autograd_lite.core.files import write_atomically
from autograd_lite.nn import MLP

ROOT = Path(__file__).resolve().parent.parent
POSIX = pytest.mark.skipif(os.name != "posix", reason="file modes and SIGKILL are POSIX")


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    old = os.umask(0o022)
    os.umask(old)

    def set_umask(mask: int) -> None:
        os.umask(mask)

    yield set_umask
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _writers(tmp_path: Path) -> dict[str, Callable[[Path], object]]:
    """Every public writer of the package, each writing a small file to the given path."""
    x = al.Value(2.0, label="x")
    y = (x * x).tanh()
    y.backward()
    drawing = al.draw_graph(y)
    page = drawing.interactive()  # rendered now, before a test breaks os.write
    model = MLP(2, [2, 1], seed=0)
    return {
        "write_atomically": lambda p: write_atomically(p, "text\n", caller="test"),
        "Module.save": model.save,
        "GraphDrawing.save": lambda p: drawing.save(p, format="dot"),
        "InteractivePage.save": lambda p: page.save(str(p)),
    }


WRITERS = ["write_atomically", "Module.save", "GraphDrawing.save", "InteractivePage.save"]


@POSIX
@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_open_would_give(
    tmp_path: Path, writer: str, mask: int, umask: Callable[[int], None]
) -> None:
    write = _writers(tmp_path)[writer]
    umask(mask)
    write(tmp_path / "out.json")
    assert _mode(tmp_path / "out.json") == 0o666 & ~mask


@POSIX
@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("mode", [0o600, 0o664, 0o640])
def test_an_existing_file_keeps_its_mode(tmp_path: Path, writer: str, mode: int) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    target.chmod(mode)
    _writers(tmp_path)[writer](target)
    assert _mode(target) == mode and target.read_text() != "old"


@POSIX
@pytest.mark.parametrize("writer", WRITERS)
def test_a_symlink_stays_a_symlink_and_its_target_is_rewritten(tmp_path: Path, writer: str) -> None:
    real = tmp_path / "real" / "out.json"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    _writers(tmp_path)[writer](link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() != "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.json", "real"]


@pytest.mark.parametrize("writer", WRITERS)
def test_an_empty_path_is_a_clear_error(tmp_path: Path, writer: str) -> None:
    with pytest.raises(ValueError, match="the path is empty"):
        _writers(tmp_path)[writer]("")  # type: ignore[arg-type]


@pytest.mark.parametrize("writer", WRITERS)
def test_errors_name_the_path_given_never_a_temporary_file(tmp_path: Path, writer: str) -> None:
    write = _writers(tmp_path)[writer]
    missing = tmp_path / "no_such_folder" / "out.json"
    with pytest.raises(FileNotFoundError) as info:
        write(missing)
    assert str(missing) in str(info.value) and "does not exist" in str(info.value)
    assert ".tmp" not in str(info.value)
    with pytest.raises(IsADirectoryError) as info:
        write(tmp_path)
    assert str(tmp_path) in str(info.value) and "folder" in str(info.value)
    assert sorted(tmp_path.iterdir()) == []


@pytest.mark.parametrize("writer", WRITERS)
@pytest.mark.parametrize("failing", ["os.write", "os.fsync", "os.replace"])
def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, writer: str, failing: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.json"
    target.write_text("old")
    write = _writers(tmp_path)[writer]

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(files.os, failing.split(".")[1], disk_full)
    with pytest.raises(OSError) as info:
        write(target)
    assert info.value.errno == errno.ENOSPC
    assert str(target) in str(info.value) and ".tmp" not in str(info.value)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]
    assert target.read_text() == "old"


def test_bytes_and_text_are_written_exactly(tmp_path: Path) -> None:
    target = tmp_path / "a.bin"
    assert write_atomically(target, b"\x00\xff" * 70_000, caller="t") == target
    assert target.read_bytes() == b"\x00\xff" * 70_000
    write_atomically(str(target), "é\n", caller="t")
    assert target.read_bytes() == "é\n".encode()


_CHILD = """
import os, sys
sys.path.insert(0, {root!r})
from autograd_lite.core import files

def stop_before_rename(src, dst):
    print("ready", flush=True)
    sys.stdin.read()  # blocks until killed: the parent never writes

files.os.replace = stop_before_rename
files.write_atomically({target!r}, "new content", caller="child")
"""


@POSIX
def test_a_kill_before_the_rename_leaves_the_old_file_and_the_next_save_tidies_up(
    tmp_path: Path,
) -> None:
    target = tmp_path / "model.json"
    target.write_text("old content")
    code = textwrap.dedent(_CHILD.format(root=str(ROOT), target=str(target)))
    child = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
        assert child.stdin is not None
        child.stdin.close()
        assert child.stdout is not None
        child.stdout.close()
    assert target.read_text() == "old content"
    stale = [p.name for p in tmp_path.iterdir() if p.name != "model.json"]
    assert len(stale) == 1 and stale[0].startswith(".model.json.") and stale[0].endswith(".tmp")
    # A temporary of another live process (this one) is left alone; the dead one's goes.
    live = tmp_path / f".model.json.{os.getpid()}-0000abcd.tmp"
    live.write_text("in flight")
    write_atomically(target, "newer content", caller="test")
    assert target.read_text() == "newer content"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["model.json", live.name])


# ---------------------------------------------------------------- special files (issue 21)


def _special_files(tmp_path: Path) -> dict[str, Path]:
    """A FIFO, and (where this process may make one) a copy of /dev/null and of /dev/full."""
    made = {"fifo": tmp_path / "pipe"}
    os.mkfifo(made["fifo"])
    for name, minor in (("dev-null-copy", 3), ("dev-full-copy", 7)):
        try:
            os.mknod(tmp_path / name, 0o666 | stat.S_IFCHR, os.makedev(1, minor))
        except (PermissionError, OSError):
            continue  # not root: the FIFO stands for every special file
        made[name] = tmp_path / name
    return made


@POSIX
@pytest.mark.parametrize("writer", WRITERS)
def test_saving_onto_a_device_or_fifo_is_refused_and_leaves_it_as_it_was(
    tmp_path: Path, writer: str
) -> None:
    # Regression (issue 21, finding 3): saving onto a copy of /dev/full exited 0 and the
    # device became a regular file; the same for /dev/null copies and FIFOs.
    write = _writers(tmp_path)[writer]
    for kind, path in _special_files(tmp_path).items():
        before = os.lstat(path)
        with pytest.raises(OSError, match=r"not a regular file") as info:
            write(path)
        assert str(path) in str(info.value), kind
        after = os.lstat(path)
        assert (after.st_mode, after.st_ino, after.st_rdev) == (
            before.st_mode,
            before.st_ino,
            before.st_rdev,
        ), kind
        link = tmp_path / f"link-to-{kind}"
        link.symlink_to(path)
        with pytest.raises(OSError, match=r"not a regular file"):
            write(link)
        assert link.is_symlink() and os.lstat(path).st_ino == before.st_ino
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


_LOAD_CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # bounds a read that runs away
from autograd_lite.nn import MLP
try:
    MLP(2, [2, 1], seed=0).load(sys.argv[1])
except Exception as err:
    print(type(err).__name__, err)
"""


@POSIX
@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_loading_a_fifo_or_dev_zero_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    # Regression (issue 21, finding 13): Module.load on a FIFO waited forever for a writer,
    # and on a symlink to /dev/zero read until MemoryError.
    path = tmp_path / "model.json"
    if kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")
    done = subprocess.run(
        [sys.executable, "-c", _LOAD_CHILD, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.startswith("OSError"), done.stdout + done.stderr[-2000:]
    assert "not a regular file" in done.stdout and str(path) in done.stdout


def test_loading_a_file_far_larger_than_any_state_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model = MLP(2, [2, 1], seed=0)
    model.save(path)
    with path.open("a", encoding="utf-8") as f:
        f.write(" " * (8 << 20))  # valid JSON still, but 8 MiB for 9 parameters
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"larger than"):
        model.load(path)
    assert model.state_dict() == before


@pytest.mark.parametrize("version", [True, 1.0, "1"])
def test_a_state_file_whose_version_is_not_the_int_1_is_refused(
    tmp_path: Path, version: object
) -> None:
    # Regression (issue 21, finding 15): "version": true loaded (True == 1).
    import json

    model = MLP(2, [2, 1], seed=0)
    path = tmp_path / "model.json"
    model.save(path)
    document = json.loads(path.read_text(encoding="utf-8"))
    document["version"] = version
    path.write_text(json.dumps(document), encoding="utf-8")
    before = model.state_dict()
    with pytest.raises(ValueError, match="format version"):
        model.load(path)
    assert model.state_dict() == before
