"""Writing a user's file all at once, and reading one with a bound: every save and load.

:func:`write_atomically` writes to a temporary file beside the target and renames it into
place, so a reader, a crash or a failed write never leaves a half-written file, and an
existing file keeps its old content when anything fails. Unlike a bare ``tempfile.mkstemp``
it behaves like ``open(path, "w")`` in every other way: a new file gets the mode ``open``
would give it (``0o666`` less the umask), an existing file keeps its mode, a symlink stays a
symlink (its target is rewritten), and every error names the path the caller gave. It writes
regular files only: a device (a copy of ``/dev/null``), a FIFO or a socket at the path is
refused and left as it was, never replaced by a file.

:func:`read_regular_file` is its reading twin: it refuses anything but a regular file without
waiting (a FIFO would block, ``/dev/zero`` never ends) and refuses a file larger than the
caller's bound instead of reading it into memory.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import stat
from pathlib import Path

__all__ = ["read_regular_file", "write_atomically"]

_TEMP = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)-[0-9a-f]{8}\.tmp")


def write_atomically(path: str | os.PathLike[str], data: bytes | str, *, caller: str) -> Path:
    """Replace the content of ``path`` with ``data``, all or nothing.

    Args:
        path: the file to write. A symlink is followed: the file it points to is rewritten.
        data: bytes, or text (written as UTF-8).
        caller: what is writing, for error messages (``"save"``, ``"Module.save"``).

    Returns:
        The path as given, as a :class:`~pathlib.Path`.

    Raises:
        ValueError: ``path`` is empty.
        OSError: the file cannot be written (a missing folder, a folder given as the path,
            a device, FIFO or socket at the path, no permission, a full disk). The message
            names ``path``, never the temporary file, and the file is left as it was.

    A process killed between writing and renaming leaves a hidden ``.name.PID-xxxxxxxx.tmp``
    beside the target; the next write of the same target removes those whose process is gone.
    """
    if isinstance(path, str) and not path.strip():
        raise ValueError(f"{caller}: the path is empty; give a file name such as 'graph.svg'")
    given = Path(path)
    body = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    target = Path(os.path.realpath(given))
    try:
        if target.is_dir():
            raise IsADirectoryError(errno.EISDIR, "it is a folder, not a file")
        _refuse_special(target)
        if not target.parent.is_dir():
            folder = str(given.parent)
            raise FileNotFoundError(errno.ENOENT, f"the folder {folder!r} does not exist")
        _remove_stale_temporaries(target)
        _replace(target, body)
    except OSError as err:
        reason = err.strerror or str(err)
        raise type(err)(err.errno, f"{caller}: cannot write {str(given)!r}: {reason}") from None
    return given


def read_regular_file(path: str | os.PathLike[str], limit: int, *, caller: str) -> bytes:
    """Return the bytes of the regular file at ``path``, at most ``limit`` of them.

    Args:
        path: the file to read; a symlink is followed.
        limit: the largest size accepted, in bytes.
        caller: what is reading, for error messages (``"load"``).

    Returns:
        The file's content.

    Raises:
        FileNotFoundError: there is no such file.
        OSError: it is a folder, a device, a FIFO or a socket (refused without reading or
            waiting), or it cannot be read; the message names ``path``.
        ValueError: it is larger than ``limit``.

    Example:
        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "a.txt")
        >>> _ = write_atomically(path, "hi", caller="example")
        >>> read_regular_file(path, 100, caller="example")
        b'hi'
    """
    given = str(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        # Non-blocking, so that opening a FIFO does not wait for a writer; fstat then judges
        # the very file opened, not whatever a name pointed to a moment before.
        fd = os.open(path, flags)
    except OSError as err:
        reason = err.strerror or str(err)
        raise type(err)(err.errno, f"{caller}: cannot read {given!r}: {reason}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(
                errno.EISDIR, f"{caller}: cannot read {given!r}: it is a folder, not a file"
            )
        if not stat.S_ISREG(info.st_mode):
            raise OSError(
                errno.EINVAL,
                f"{caller}: cannot read {given!r}: it is {_kind(info.st_mode)}, not a regular file",
            )
        if info.st_size > limit:
            raise ValueError(
                f"{caller}: {given!r} is {info.st_size:,} bytes, larger than the {limit:,} "
                "bytes such a file can need; it is not one"
            )
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # it grew while being read
            raise ValueError(f"{caller}: {given!r} is larger than {limit:,} bytes; it is not one")
        return b"".join(chunks)
    finally:
        os.close(fd)


def _refuse_special(target: Path) -> None:
    """Raise if something other than a regular file (or nothing) is at ``target``."""
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode) and not stat.S_ISDIR(mode):
        raise OSError(
            errno.EINVAL,
            f"it is {_kind(mode)}, not a regular file; saves write regular files only, and "
            "never replace a device, FIFO or socket",
        )


def _kind(mode: int) -> str:
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "a special file"


def _replace(target: Path, body: bytes) -> None:
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None  # a new file: os.open applies the umask to 0o666, as open() does
    temporary, fd = _create_temporary(target)
    try:
        try:
            if mode is not None:
                _set_mode(fd, temporary, mode)
            view = memoryview(body)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _set_mode(fd: int, temporary: Path, mode: int) -> None:
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)
    else:
        os.chmod(temporary, mode)


def _create_temporary(target: Path) -> tuple[Path, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        name = f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
        temporary = target.with_name(name)
        try:
            return temporary, os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue


def _remove_stale_temporaries(target: Path) -> None:
    """Remove temporaries of ``target`` left by processes that no longer run."""
    prefix = f".{target.name}."
    try:
        candidates = [p for p in target.parent.iterdir() if p.name.startswith(prefix)]
    except OSError:
        return
    for candidate in candidates:
        match = _TEMP.fullmatch(candidate.name)
        if match is None or match["name"] != target.name:
            continue
        if not _process_exists(int(match["pid"])):
            try:
                candidate.unlink()
            except OSError:
                continue


def _process_exists(pid: int) -> bool:
    if pid == os.getpid() or os.name == "nt":
        return True  # on Windows, os.kill(pid, 0) would send a Ctrl-C: never probe there
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # it exists (owned by someone else), or we cannot tell: keep its file
    return True
