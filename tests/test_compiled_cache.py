"""Compiled templates are kept between runs to start fast, and never make a command fail."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ok


def cache_files() -> list[Path]:
    folder = Path(os.environ["XDG_CACHE_HOME"]) / "crisisplan" / "templates"
    return sorted(folder.glob("*")) if folder.exists() else []


def check_in_a_new_process(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crisisplan", "check"],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        check=False,
    )


def test_a_second_check_reads_what_the_first_compiled() -> None:
    ok("init", ".")
    first = check_in_a_new_process()
    assert first.returncode == 0, first.stderr
    files = cache_files()
    checked = [f for f in files if f.name.startswith("check-")]
    # one compiled body per template in the bundled library, one per `subject:` (five of
    # them have one), and what check found in each template (issue 17C)
    assert len(files) - len(checked) == 7 + 5
    assert len(checked) == 7
    stamps = [f.stat().st_mtime_ns for f in files]
    second = check_in_a_new_process()
    assert second.stdout == first.stdout
    assert [f.stat().st_mtime_ns for f in cache_files()] == stamps  # read, not rewritten


def test_a_damaged_cache_is_ignored_and_replaced() -> None:
    ok("init", ".")
    check_in_a_new_process()
    for f in cache_files():
        f.write_bytes(b"\x00garbage")
    result = check_in_a_new_process()
    assert result.returncode == 0, result.stderr
    assert "Ready" in result.stdout


def test_an_edited_template_is_compiled_afresh() -> None:
    ok("init", ".")
    check_in_a_new_process()
    template = Path("response_library/update.md.j2")
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "{% block explain -%}", "{% block explain -%}{{ incident.nope }}"
        ),
        encoding="utf-8",
    )
    result = check_in_a_new_process()
    assert result.returncode == 2
    assert "update.md.j2" in result.stdout and "nope" in result.stdout


def test_no_cache_when_told_not_to() -> None:
    ok("init", ".")
    result = check_in_a_new_process(CRISIS_NO_CACHE="1")
    assert result.returncode == 0
    assert cache_files() == []
