"""Shared fixtures: every test runs in its own directory with a clean environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The `mailbox` fixture: a real SMTP server on 127.0.0.1 for every test that sends.
# `postgres_server` and `db_target`: a throwaway PostgreSQL, and a test run on both backends.
pytest_plugins = ["tests.mailbox", "tests.postgres"]

_OUR_VARS = (
    "CRISIS_PLAYBOOK",
    "CRISIS_DB",
    # libpq's own: a developer's server settings must not reach the tests' servers.
    "PGHOST",
    "PGPORT",
    "PGUSER",
    "PGDATABASE",
    "PGPASSWORD",
    "PGSERVICE",
    "CRISIS_AGENT",
    "CRISIS_DEBUG",
    "CRISIS_NO_CACHE",
    "EDITOR",
    "VISUAL",
)


@pytest.fixture(autouse=True)
def _isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees the developer's crisis settings, colours or working directory."""
    for name in _OUR_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # compiled templates
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # `crisis whoami`
    # Drafts are signed by a person of the plan: the example plan's lead, unless a test
    # (one on another team's plan, say) says who it is with --as or its own env.
    monkeypatch.setenv("CRISIS_AGENT", "support-lead")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    os.umask(0o022)
