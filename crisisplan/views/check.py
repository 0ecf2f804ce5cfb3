"""How `crisis check` reports: findings, then a one-line readiness verdict."""

from __future__ import annotations

import sys

from crisisplan.errors import EXIT_BAD_INPUT, EXIT_OK, EXIT_PROBLEM
from crisisplan.phases.before import CheckReport
from crisisplan.terminal.console import visible
from crisisplan.views.json_out import print_json


def exit_code(report: CheckReport, *, strict: bool) -> int:
    """0 ready, 1 warnings under --strict, 2 invalid or not ready (cli.md)."""
    if report.errors:
        return EXIT_BAD_INPUT
    if report.warnings and strict:
        return EXIT_PROBLEM
    return EXIT_OK


def verdict(report: CheckReport) -> str:
    """One line a lead can read at a glance."""
    counts = f"{_count(report.errors, 'error')}, {_count(report.warnings, 'warning')}"
    if not report.loaded:
        return f"Not ready: {report.playbook} is invalid ({counts})."
    if report.errors:
        return f"Not ready: {report.playbook} has {counts}."
    if report.warnings:
        return f"Ready, with {_count(report.warnings, 'warning')} to look at: {report.playbook}."
    return f"Ready: {report.playbook} is complete and current."


def show_check(report: CheckReport, *, as_json: bool, strict: bool) -> int:
    """Print the report and return the exit code."""
    code = exit_code(report, strict=strict)
    if as_json:
        document = {
            "playbook": str(report.playbook),
            "valid": report.loaded,
            "ready": report.loaded and report.errors == 0,
            "errors": report.errors,
            "warnings": report.warnings,
            "verdict": verdict(report),
            "hint": report.hint,
            "findings": [f.as_json() for f in report.findings],
        }
        print_json(document)
        return code
    # An invalid playbook is an error like any other: on stderr, one line per problem.
    stream = sys.stdout if report.loaded else sys.stderr
    for finding in report.findings:
        stream.write(visible(str(finding)) + "\n")
    if report.hint:
        stream.write(visible(report.hint) + "\n")
    stream.write(verdict(report) + "\n")
    return code


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
