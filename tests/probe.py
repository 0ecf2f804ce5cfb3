"""Run `crisis` in a fresh interpreter and see what it imported, and through which chain.

The startup tests (test_startup.py, and the status page's in test_statuspage.py) use it
to hold plain commands to their promise of starting fast.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_PROBE = """
import json, sys
from crisisplan.__main__ import main

for args in json.loads(sys.argv[1]):
    sys.argv = ["crisis", *args]
    try:
        main()
    except SystemExit as done:
        # --help exits 0: anything else means the command crashed before showing help.
        if done.code not in (0, None):
            raise SystemExit(f"crisis {' '.join(args)} exited {done.code}")
sys.stdout.flush()
sys.stdout.write("\\n@@modules " + json.dumps(sorted(sys.modules)) + "\\n")
"""


def imported_by(runs: list[list[str]], cwd: Path) -> tuple[set[str], str]:
    """Run crisis with each argument list in one fresh interpreter; what it imported, and why."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", _PROBE, json.dumps(runs)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    last = done.stdout.rstrip().splitlines()[-1]
    assert last.startswith("@@modules "), done.stdout[-2000:]
    return set(json.loads(last.removeprefix("@@modules "))), done.stderr


def import_chain(importtime: str, module: str) -> list[str]:
    """[module, who imported it, who imported that, ...] from `python -X importtime` output."""
    rows = []
    for line in importtime.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1]
            rows.append((len(name) - len(name.lstrip()), name.strip()))
    chain: list[str] = []
    level: int | None = None
    for depth, name in rows:
        if level is None and name == module:
            chain, level = [name], depth
        elif level is not None and depth < level:
            chain.append(name)
            level = depth
    return chain


def heavy_imports(modules: set[str], importtime: str, forbidden: list[str]) -> list[str]:
    """The forbidden modules that were imported, each with the chain that imported it.

    Typer (0.27+) validates every command's parameters with pydantic, so pydantic imported
    by typer itself is not held against us; our own pydantic models are
    (`crisisplan.playbook.model`).
    """
    found = []
    for module in forbidden:
        if module not in modules:
            continue
        chain = import_chain(importtime, module)
        if module == "pydantic" and len(chain) > 1 and chain[1].split(".")[0] == "typer":
            continue
        found.append(" <- ".join(chain) or module)
    return found
