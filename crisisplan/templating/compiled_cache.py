"""Compiled templates kept between runs, so `crisis check` and `reply` start fast.

Compiling a template costs milliseconds each time a command starts; the result depends
only on the template's text and the versions of crisisplan, Jinja2 and Python, which
make up the key. The cache lives in $XDG_CACHE_HOME/crisisplan (else ~/.cache/crisisplan),
or nowhere when CRISIS_NO_CACHE is set. What `crisis check` found in a template is kept
there too, keyed by the template's and the plan's whole content. A cache that cannot be
read or written is simply not used: it can make a command faster, never make it fail.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import sys
import tempfile
from pathlib import Path
from types import CodeType

_FORMAT = 2  # 2: finalize takes the context (times print as the reader's)


def _directory() -> Path | None:
    if os.environ.get("CRISIS_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "crisisplan" / "templates"


def load_checked(key: str) -> list[list[object]] | None:
    """What `crisis check` found last time in a template with this key, if kept."""
    directory = _directory()
    if directory is None:
        return None
    try:
        data = json.loads((directory / f"check-{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, list) and all(isinstance(d, list) for d in data) else None


def store_checked(key: str, found: list[list[object]]) -> None:
    """Keep what `crisis check` found for the next run; failures are ignored."""
    directory = _directory()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(found, handle)
        Path(tmp).replace(directory / f"check-{key}.json")
    except (OSError, ValueError):
        return


def content_key(*parts: str) -> str:
    """A key for `parts` and the versions that shape what a template does with them.

    Jinja2 is named by where its code is and when it changed, so a cache hit need not
    import it.
    """
    from importlib.util import find_spec

    from crisisplan import __version__

    spec = find_spec("jinja2")
    origin = spec.origin if spec is not None and spec.origin else ""
    try:
        stamp = str(Path(origin).stat().st_mtime_ns) if origin else ""
    except OSError:
        stamp = ""
    seed = "\0".join((str(_FORMAT), __version__, origin, stamp, sys.version, *parts))
    return hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()


def _key(name: str, body: str) -> str:
    import jinja2

    from crisisplan import __version__

    seed = f"{_FORMAT}\0{__version__}\0{jinja2.__version__}\0{sys.version}\0{name}\0{body}"
    return hashlib.sha256(seed.encode("utf-8", "surrogatepass")).hexdigest()


def load(name: str, body: str) -> tuple[CodeType, dict[str, int]] | None:
    """The compiled code and block lines for this exact template, if cached."""
    directory = _directory()
    if directory is None:
        return None
    try:
        data = (directory / _key(name, body)).read_bytes()
        code, blocks = marshal.loads(data)
    except (OSError, ValueError, EOFError, TypeError):
        return None
    if not isinstance(code, CodeType) or not isinstance(blocks, dict):
        return None
    return code, blocks


def store(name: str, body: str, code: CodeType, blocks: dict[str, int]) -> None:
    """Keep the compiled template for the next run; failures are ignored."""
    directory = _directory()
    if directory is None:
        return
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(marshal.dumps((code, blocks)))
        Path(tmp).replace(directory / _key(name, body))
    except (OSError, ValueError):
        return
