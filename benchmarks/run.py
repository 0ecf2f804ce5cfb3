"""Benchmarks: each figure printed as a ratio against a baseline measured in the same run.

Run: python benchmarks/run.py [--quick]. Exits 0 always unless --enforce is given, in
which case a ratio over its target exits 1. Targets come from the issues.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
_SCRIPT = Path(PY).parent / "crisis"
CRISIS = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "crisisplan"]


@dataclass
class Result:
    name: str
    seconds: float
    baseline_name: str
    baseline: float
    target: float

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline

    def line(self) -> str:
        verdict = "ok" if self.ratio <= self.target else "OVER TARGET"
        return (
            f"{self.name:<44} {self.seconds * 1000:8.1f} ms  "
            f"{self.ratio:5.2f}x {self.baseline_name} (target <= {self.target:g}x)  {verdict}"
        )


def median_wall(cmds: dict[str, Sequence[str]], runs: int, cwd: Path) -> dict[str, float]:
    """Median wall time of each command; runs are interleaved so load drifts hit all alike."""
    times: dict[str, list[float]] = {name: [] for name in cmds}
    env = {**os.environ, "NO_COLOR": "1"}
    for _ in range(runs):
        for name, cmd in cmds.items():
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
            times[name].append(time.perf_counter() - start)
            if proc.returncode not in (0, 1):
                sys.exit(f"{name} failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    return {name: statistics.median(values) for name, values in times.items()}


def startup(runs: int, work: Path) -> list[Result]:
    """Issue 2: --help within 3x of importing typer; check on the example within 5x."""
    subprocess.run([*CRISIS, "init", str(work)], check=True, capture_output=True)
    t = median_wall(
        {
            "import typer": [PY, "-c", "import typer"],
            "crisis --help": [*CRISIS, "--help"],
            "crisis check": [*CRISIS, "check"],
        },
        runs,
        work,
    )
    base = t["import typer"]
    return [
        Result("crisis --help", t["crisis --help"], "import typer", base, 3),
        Result("crisis check (example)", t["crisis check"], "import typer", base, 5),
    ]


SUITES: dict[str, Callable[[int, Path], list[Result]]] = {"startup": startup}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller data")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when over a target")
    parser.add_argument("suites", nargs="*", default=list(SUITES), help="which to run")
    args = parser.parse_args()
    runs = 5 if args.quick else 15
    over = False
    for name in args.suites:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"== {name}")
            for result in SUITES[name](runs, Path(tmp)):
                print(result.line(), flush=True)
                over |= result.ratio > result.target
    return 1 if over and args.enforce else 0


if __name__ == "__main__":
    raise SystemExit(main())
