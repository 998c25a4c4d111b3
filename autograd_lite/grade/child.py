"""The program a submission runs in: it contains itself, runs the student's code, writes answers.

The grader starts it as ``python -I -c <this file's text> job.json`` in the submission's scratch
folder (:mod:`autograd_lite.grade.sandbox`). It imports only the standard library and numpy and
never the grader's code. Running as root it first enters new mount and network namespaces,
makes every mount read-only except the scratch folder, covers the folders it must not see with
empty read-only file systems, sets its resource limits, and becomes an unprivileged user of
its own; then it runs the submission (a ``.py`` file or a notebook's code cells), the
exercise's driver, and reads each answer as a float array. It writes ``result.json`` and
``answers.npz`` (plain arrays) into the scratch folder; the grader validates both.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import sys
import traceback
from typing import Any

__all__ = ["main"]

_CLONE_NEWNS = 0x00020000
_CLONE_NEWNET = 0x40000000
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_REMOUNT, _MS_BIND, _MS_MOVE, _MS_REC, _MS_PRIVATE = 32, 4096, 8192, 16384, 1 << 18
_PR_SET_PDEATHSIG, _PR_SET_NO_NEW_PRIVS = 1, 38
_MAX_ENTRIES = 1_000_000


def _contain(job: dict[str, Any], scratch: str) -> dict[str, str]:
    """Apply what the platform allows; return what was applied, for the verdict's metadata."""
    applied = {"network": "not isolated", "filesystem": "not restricted", "user": "grader's user"}
    libc = ctypes.CDLL(None, use_errno=True)
    libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
    if os.geteuid() == 0:
        if libc.unshare(_CLONE_NEWNS | _CLONE_NEWNET) == 0:
            applied["network"] = "isolated (own network namespace, no interfaces up)"
            libc.mount(None, b"/", None, _MS_REC | _MS_PRIVATE, None)
            libc.mount(scratch.encode(), scratch.encode(), None, _MS_BIND, None)
            os.chdir(scratch)  # the working folder now is the bind mount, not what it covers
            writable = []
            for point, options in _mount_points():
                if point == scratch or point.startswith(scratch + "/"):
                    continue
                flags = _MS_REMOUNT | _MS_BIND | _MS_RDONLY
                flags |= _MS_NOSUID if "nosuid" in options else 0
                flags |= _MS_NODEV if "nodev" in options else 0
                flags |= _MS_NOEXEC if "noexec" in options else 0
                if libc.mount(None, point.encode(), None, flags, None) != 0:
                    writable.append(point)
            _expose_python(libc, scratch)
            hidden = []
            for path in job["hide"]:
                if scratch.startswith(path.rstrip("/") + "/") or not os.path.isdir(path):
                    continue
                if (
                    libc.mount(b"none", path.encode(), b"tmpfs", _MS_RDONLY, b"size=4k,mode=000")
                    == 0
                ):
                    hidden.append(path)
            applied["filesystem"] = (
                "read-only except the scratch folder"
                + (f" (still writable: {', '.join(writable)})" if writable else "")
                + f"; {len(hidden)} grader folder(s) covered by empty file systems"
            )
        uid = int(job["uid"])
        applied["user"] = "an unprivileged user id of its own (no other process shares it)"
        # The folder stays root's with the sticky bit: the submission writes new files but
        # cannot replace root's record of how it was contained, nor read its job.
        _write_isolation(applied)
        os.chmod("isolation.json", 0o400)
        os.chmod("job.json", 0o400)
        os.chmod(scratch, 0o1777)
        for name in os.listdir(scratch):
            if name not in ("isolation.json", "job.json"):
                os.chown(os.path.join(scratch, name), uid, uid)
                os.chmod(os.path.join(scratch, name), 0o600)
        os.umask(0o077)  # what it writes, other submissions' users cannot read
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    limits = job["limits"]
    memory = int(limits["memory_mb"]) * 2**20
    chosen = [
        (resource.RLIMIT_AS, memory),
        (resource.RLIMIT_CPU, int(limits["cpu_seconds"])),
        (resource.RLIMIT_FSIZE, int(limits["file_mb"]) * 2**20),
        (resource.RLIMIT_CORE, 0),
    ]
    if applied["user"] != "grader's user":
        # RLIMIT_NPROC counts every process of the user: only a private uid makes it a
        # limit on this submission alone.
        chosen.append((resource.RLIMIT_NPROC, int(limits["processes"])))
    for which, value in chosen:
        resource.setrlimit(which, (value, value))
    libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)
    libc.prctl(_PR_SET_PDEATHSIG, 9, 0, 0, 0)  # SIGKILL when the grader's worker dies
    return applied


def _write_isolation(applied: dict[str, str]) -> None:
    with open("isolation.json", "w", encoding="utf-8") as handle:
        json.dump(applied, handle)


def _expose_python(libc: Any, scratch: str) -> None:
    """Let the unprivileged user read Python's own files when they sit in a private folder.

    Python installed under ``/root`` (pyenv) is unreadable to other users once we drop root:
    cover the private folder with an empty file system and put Python's folder back inside it.
    """
    prefix = os.path.realpath(sys.base_prefix)
    parts = prefix.strip("/").split("/")
    private = None
    for depth in range(1, len(parts) + 1):
        folder = "/" + "/".join(parts[:depth])
        if not os.stat(folder).st_mode & 0o001:
            private = folder
            break
    if private is None:
        return
    holder = os.path.join(scratch, ".python")
    os.mkdir(holder)
    libc.mount(prefix.encode(), holder.encode(), None, _MS_BIND | _MS_REC, None)
    libc.mount(b"none", private.encode(), b"tmpfs", 0, b"size=64k,mode=755")
    os.makedirs(prefix, mode=0o755, exist_ok=True)
    libc.mount(holder.encode(), prefix.encode(), None, _MS_MOVE, None)
    libc.mount(None, private.encode(), None, _MS_REMOUNT | _MS_RDONLY, b"size=64k,mode=755")
    os.rmdir(holder)


def _mount_points() -> list[tuple[str, str]]:
    out = []
    with open("/proc/self/mountinfo", encoding="utf-8") as lines:
        for line in lines:
            fields = line.split()
            point = fields[4].encode().decode("unicode_escape")
            out.append((point, fields[5]))
    return out


def _code_of(path: str) -> list[tuple[str, str]]:
    """(label, code) of each piece of the submission to run in order."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        text = handle.read()
    if not path.endswith(".ipynb"):
        return [("submission.py", text)]
    notebook = json.loads(text)
    cells = []
    for index, cell in enumerate(notebook.get("cells", [])):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        # IPython magics and shell escapes are not Python: they do not run when graded.
        lines = ["pass" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.split("\n")]
        cells.append((f"cell {index + 1}", "\n".join(lines)))
    return cells


def _short_traceback(error: BaseException) -> str:
    # The frames of the student's code only: this program runs as "<string>".
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename != "<string>"]
    text = "".join(traceback.format_list(frames))
    text += "".join(traceback.format_exception_only(type(error), error))
    return ("Traceback (most recent call last):\n" + text)[-4000:]


def main() -> None:
    scratch = os.getcwd()
    with open("job.json", encoding="utf-8") as handle:
        job = json.load(handle)
    applied = _contain(job, scratch)
    if not os.path.exists("isolation.json"):  # not root: nothing to protect it with
        _write_isolation(applied)
    import numpy as np

    given = np.load("inputs.npz", allow_pickle=False)
    namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": __builtins__}
    namespace.update({key: given[key] for key in given.files})
    result: dict[str, Any] = {"status": "ran", "error": "", "answers": {}}
    try:
        for label, code in _code_of(job["submission"]):
            exec(compile(code, label, "exec"), namespace)
        if job["driver"]:
            try:
                exec(compile(job["driver"], "the exercise's driver", "exec"), namespace)
            except Exception as error:
                result["status"] = "driver error"
                result["error"] = _short_traceback(error)
    except MemoryError:
        result["status"], result["error"] = "memory", "MemoryError: the memory limit was reached"
    except SystemExit as error:
        result["status"], result["error"] = "error", f"the submission called exit({error.code})"
    except BaseException as error:
        result["status"], result["error"] = "error", _short_traceback(error)
    arrays: dict[str, Any] = {}
    total = 0
    for index, (name, expression) in enumerate(job["answers"]):
        try:
            value = eval(expression, namespace)
        except Exception as error:
            result["answers"][name] = f"missing: {type(error).__name__}: {error}"[:300]
            continue
        try:
            array = np.array(value, dtype=np.float64)
        except Exception as error:
            result["answers"][name] = f"not an array of numbers ({type(value).__name__}: {error})"[
                :300
            ]
            continue
        total += array.size
        if total > _MAX_ENTRIES:
            result["answers"][name] = "too large"
            continue
        arrays[f"a{index}"] = array
        result["answers"][name] = "given"
    np.savez("answers.npz", **arrays)
    with open("result.json", "w", encoding="utf-8") as handle:
        json.dump(result, handle)
    sys.stdout.flush()
    os._exit(0)  # no atexit handlers or threads the submission left behind


if __name__ == "__main__":
    main()
