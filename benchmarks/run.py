"""Benchmarks: each figure printed as a ratio against a baseline measured in the same run.

Run: python benchmarks/run.py [--quick] [SUITE...]. Exits 0 always unless --enforce is
given, in which case a ratio over its target exits 1. Targets come from the issues. Each
`suite_*.py` beside this file contributes a `SUITES` mapping of name -> function.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from common import Result  # noqa: E402


def suites() -> dict[str, Callable[[int, Path], list[Result]]]:
    """Every suite, from every benchmarks/suite_*.py, in file order."""
    found: dict[str, Callable[[int, Path], list[Result]]] = {}
    for path in sorted(HERE.glob("suite_*.py")):
        found.update(importlib.import_module(path.stem).SUITES)
    return found


def main() -> int:
    SUITES = suites()
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer runs")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when over a target")
    parser.add_argument("suites", nargs="*", default=list(SUITES), help="which to run")
    args = parser.parse_args()
    unknown = [name for name in args.suites if name not in SUITES]
    if unknown:
        parser.error(f"unknown suite {', '.join(unknown)}; choose from {', '.join(SUITES)}")
    runs = 5 if args.quick else 15
    over = False
    for name in args.suites:
        with tempfile.TemporaryDirectory() as tmp:
            print(f"== {name}", flush=True)
            for result in SUITES[name](runs, Path(tmp)):
                print(result.line(), flush=True)
                over |= result.ratio > result.target
    return 1 if over and args.enforce else 0


if __name__ == "__main__":
    raise SystemExit(main())
