"""Files the user asked for are written whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from crisisplan.errors import CrisisError


def write_atomic(path: Path, data: bytes | str, *, mode: int = 0o644, sync: bool = True) -> None:
    """Write via a temporary file and rename, so a failure never leaves half a file.

    `sync=False` skips the fsync, for files whose content the log already holds.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(payload)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise _write_error(path, exc) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_error(path: Path, exc: OSError) -> CrisisError:
    return CrisisError(
        f"could not write {path}: {exc.strerror or exc}.",
        hint="Check the folder exists, is writable and has space; nothing was written.",
    )
