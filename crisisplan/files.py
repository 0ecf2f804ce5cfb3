"""Files the user asked for are written whole or not at all.

A file is written beside its target under a hidden temporary name, then renamed over it
(`write_atomic`): a reader sees the old file or the new one, never half. Bulk drafting
writes thousands of files into one folder (`Folder`), each only once the draft it holds
is in the log.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
from pathlib import Path

from crisisplan.errors import CrisisError

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
# A file with no name yet, linked under one once it is whole (Linux only).
_UNNAMED: int | None = getattr(os, "O_TMPFILE", None)


def make_folder(path: Path) -> None:
    """Create a folder and its parents, if missing; a plain error where that cannot be done."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(path, exc) from None


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o644, sync: bool = True) -> None:
    """Write via a temporary file and rename, so a failure never leaves half a file.

    The file gets `mode` less what the umask takes away. `sync=False` skips the fsync, for
    files whose content the log already holds.
    """
    make_folder(path.parent)
    payload = data.encode("utf-8") if isinstance(data, str) else data
    _write_renamed(os.fspath(path), payload, mode=mode, sync=sync, run=secrets.token_hex(6))


def _write_renamed(path: str, payload: bytes, *, mode: int, sync: bool, run: str) -> None:
    """Write `payload` in full under a hidden temporary name beside `path`, then rename it
    over `path`. RUN, in the temporary name, keeps writers from sharing one."""
    folder, name = os.path.split(path)
    temporary = f"{folder or '.'}/{_hidden(name, run)}"
    try:
        # O_EXCL: whatever is already under that name, even a link, is never written through.
        fd = os.open(temporary, _FLAGS, mode)
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        try:
            _write_all(fd, payload)
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temporary, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from None
        raise


def _hidden(name: str, run: str) -> str:
    """The temporary name a file is written under before it takes `name`."""
    return f".{name}.{run}.tmp"


class Folder:
    """A folder that many files are written into, each whole or not at all.

    Where the system allows (Linux, with most local file systems), a file is written with
    no name and then linked under its own: one change to the folder instead of a create
    and a rename, and a process killed while writing leaves nothing behind. Elsewhere, or
    when the name is taken, the file is written under a temporary name and renamed over
    it, which also gives the error to show when neither way can write it.
    """

    def __init__(self, path: str | Path, *, mode: int) -> None:
        self.path = os.fspath(path)
        self._mode = mode
        self._run = secrets.token_hex(6)  # in this folder's temporary names, for `sweep`
        self._unnamed = _UNNAMED is not None and os.path.isdir("/proc/self/fd")
        self._fd: int | None = None  # the folder, opened on the first file written

    def write(self, name: str, data: bytes | str) -> None:
        """Write the file `name` in this folder, replacing any file of that name."""
        payload = data.encode("utf-8") if isinstance(data, str) else data
        if self._unnamed and self._link(name, payload):
            return
        path = f"{self.path}/{name}"
        _write_renamed(path, payload, mode=self._mode, sync=False, run=self._run)

    def sweep(self) -> None:
        """Remove the temporary files of writes that were interrupted (in any process
        writing through this folder); other runs' files are left alone."""
        for leftover in Path(self.path).glob(_hidden("*", self._run)):
            leftover.unlink(missing_ok=True)

    def close(self) -> None:
        """Let go of the folder (in this process; workers forked with it keep theirs)."""
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _link(self, name: str, payload: bytes) -> bool:
        """Write a file with no name, then link it as `name`; False if that cannot be done."""
        assert _UNNAMED is not None
        try:
            if self._fd is None:
                self._fd = os.open(self.path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            fd = os.open(".", _UNNAMED | os.O_WRONLY | os.O_CLOEXEC, self._mode, dir_fd=self._fd)
        except OSError as exc:
            if exc.errno in (errno.EOPNOTSUPP, errno.EISDIR, errno.EINVAL):
                self._unnamed = False  # this file system cannot: rename every file
            return False
        try:
            _write_all(fd, payload)
            # Only through /proc can a process without special rights link such a file.
            # Like O_EXCL, linking never writes through whatever already has the name.
            unnamed = f"/proc/self/fd/{fd}"
            try:
                os.link(unnamed, name, dst_dir_fd=self._fd, follow_symlinks=True)
            except FileExistsError:
                return self._replace(unnamed, name)  # a file drafted before
        except OSError:
            self._unnamed = False  # /proc refused, or the disk is full: staging says which
            return False
        finally:
            os.close(fd)  # a file never linked goes with it
        return True

    def _replace(self, unnamed: str, name: str) -> bool:
        """Link under a temporary name, then rename over `name`; False if that fails."""
        temporary = _hidden(name, self._run)
        try:
            os.link(unnamed, temporary, dst_dir_fd=self._fd, follow_symlinks=True)
        except OSError:
            return False
        try:
            os.replace(temporary, name, src_dir_fd=self._fd, dst_dir_fd=self._fd)
        except OSError:
            os.unlink(temporary, dir_fd=self._fd)
            return False  # a folder in the way, say: staging gives the error to show
        return True


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view) :]


class WriteError(CrisisError):
    """A file could not be written; none of it was."""


def _write_error(path: str | Path, exc: OSError) -> CrisisError:
    return WriteError(
        f"could not write {path}: {exc.strerror or exc}.",
        hint="Check the folder exists, is writable and has space; nothing was written.",
    )
