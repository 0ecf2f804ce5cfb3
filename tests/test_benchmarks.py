"""The benchmark runner runs: a smoke test, never a timing assertion."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RUNNER = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"


def test_the_startup_suite_runs_and_prints_ratios() -> None:
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "startup"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    ratios = [line for line in proc.stdout.splitlines() if "x import typer" in line]
    assert ratios, proc.stdout
    assert "== startup" in proc.stdout


def test_the_contacts_suite_runs_a_tiny_import_and_prints_its_ratios() -> None:
    proc = subprocess.run(
        [sys.executable, str(RUNNER), "--quick", "contacts"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "CRISIS_BENCH_CONTACT_ROWS": "300"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "== contacts" in proc.stdout
    assert "contact import (300 rows)" in proc.stdout
    assert "x followup add's core, one transaction" in proc.stdout
    assert "contact import peak memory (300 rows)" in proc.stdout
