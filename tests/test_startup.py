"""Startup: `--help`, `status` and the other plain commands start fast.

A support lead runs `crisis status` again and again during an incident; it must not pay
for Jinja, YAML or the playbook models it never uses. Each test runs crisis in a fresh
interpreter and names the chain of imports that brought in anything heavy.
"""

from __future__ import annotations

from pathlib import Path

from tests.helpers import every_command
from tests.probe import heavy_imports, import_chain, imported_by

HELP_MUST_NOT_IMPORT = [
    "jinja2",
    "pydantic",
    "yaml",
    "sqlite3",
    "apsw",
    "crisisplan.playbook.model",
    "crisisplan.playbook.loader",
    "crisisplan.templating.render",
    "crisisplan.store.sqlite",
    "psycopg",
    "crisisplan.store.postgres",
]


def test_crisis_help_imports_nothing_heavy(tmp_path: Path) -> None:
    modules, importtime = imported_by([["--help"]], tmp_path)

    assert "crisisplan.cli" in modules
    heavy = [m for m in HELP_MUST_NOT_IMPORT if m in modules]  # pydantic included, here
    assert heavy == [], "; ".join(" <- ".join(import_chain(importtime, m)) for m in heavy)


def test_every_commands_help_imports_nothing_heavy_of_ours(tmp_path: Path) -> None:
    runs = [[*path, "--help"] for path in every_command()]

    modules, importtime = imported_by(runs, tmp_path)

    assert heavy_imports(modules, importtime, HELP_MUST_NOT_IMPORT) == []


def test_status_imports_no_jinja_yaml_or_playbook_models(tmp_path: Path) -> None:
    setup = [
        ["init", "."],
        ["start", "--type", "outage", "--severity", "major", "--title", "Logins failing",
         "--summary", "Sign-ins time out", "--no"],
    ]  # fmt: skip
    imported_by(setup, tmp_path)
    assert Path(tmp_path / ".crisis" / "crisis.db").is_file(), "the incident was not started"

    modules, importtime = imported_by([["status"], ["status", "--json"]], tmp_path)

    assert "crisisplan.views.status" in modules, "status did not get as far as showing the state"
    forbidden = [
        "psycopg",  # a local log never loads the PostgreSQL driver
        "jinja2",
        "yaml",
        "pydantic",
        "crisisplan.playbook.model",
        "crisisplan.playbook.loader",
    ]
    assert heavy_imports(modules, importtime, forbidden) == []


def test_note_imports_no_jinja_yaml_or_playbook_models(tmp_path: Path) -> None:
    """`crisis note` is typed many times an hour, mid-incident: it records, it renders nothing."""
    setup = [
        ["init", "."],
        ["start", "--type", "outage", "--severity", "major", "--title", "Logins failing",
         "--summary", "Sign-ins time out", "--no"],
    ]  # fmt: skip
    imported_by(setup, tmp_path)

    modules, importtime = imported_by([["note", "Engineering is failing over"]], tmp_path)

    assert "crisisplan.store.sqlite" in modules, "note did not get as far as the log"
    forbidden = [
        "psycopg",
        "jinja2",
        "yaml",
        "pydantic",
        "crisisplan.playbook.model",
        "crisisplan.playbook.loader",
        "crisisplan.templating.render",
    ]
    assert heavy_imports(modules, importtime, forbidden) == []
