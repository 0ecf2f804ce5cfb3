"""Files the user asked for are written whole or not at all.

A file is first written beside its target under a hidden temporary name (`stage`), then
renamed over it (`Staged.commit`): a reader sees the old file or the new one, never half.
`write_atomic` does both; bulk drafting stages in its worker processes and commits each
file only once the draft it holds is in the log.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import NamedTuple

from crisisplan.errors import CrisisError

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC


class Staged(NamedTuple):
    """A file written in full under a temporary name, waiting to take its real one."""

    temporary: str
    path: str

    def commit(self, *, missing_ok: bool = False) -> None:
        """Put the file in place, replacing any file of that name; with `missing_ok`, a
        temporary file already gone (put in place before) is no error."""
        try:
            os.replace(self.temporary, self.path)
        except FileNotFoundError as exc:
            if not missing_ok:
                raise _write_error(self.path, exc) from None
        except OSError as exc:
            self.discard()
            raise _write_error(self.path, exc) from None

    def discard(self) -> None:
        """Remove the temporary file; the target is untouched."""
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.temporary)


def stage(
    path: str | Path,
    data: bytes | str,
    *,
    mode: int = 0o644,
    sync: bool = True,
    run: str | None = None,
) -> Staged:
    """Write `data` in full next to `path`, for `commit` to put in place.

    The file gets `mode` less what the umask takes away. `sync=False` skips the fsync, for
    files whose content the log already holds. The temporary name ends `.RUN.tmp`: RUN is
    random unless given, so writers never share a temporary file, and a bulk run passes
    its own to sweep up after itself. Paths are plain strings here: bulk drafting stages
    thousands a second.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path = os.fspath(path)
    folder, name = os.path.split(path)
    temporary = f"{folder or '.'}/.{name}.{run or secrets.token_hex(6)}.tmp"
    try:
        # O_EXCL: whatever is already under that name, even a link, is never written through.
        fd = os.open(temporary, _FLAGS, mode)
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        try:
            view = memoryview(payload)
            while view:
                view = view[os.write(fd, view) :]
            if sync:
                os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from None
        raise
    return Staged(temporary, path)


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o644, sync: bool = True) -> None:
    """Write via a temporary file and rename, so a failure never leaves half a file."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _write_error(path, exc) from None
    stage(path, data, mode=mode, sync=sync).commit()


def _write_error(path: str | Path, exc: OSError) -> CrisisError:
    return CrisisError(
        f"could not write {path}: {exc.strerror or exc}.",
        hint="Check the folder exists, is writable and has space; nothing was written.",
    )
