"""Shell completion of option values: incident ids from the log, role, template and
component ids from the current plan.

Each call is a fresh process run by the shell on <TAB>, so it reads only what it needs:
one query for the incident ids, and the playbook's YAML without validating it (no
pydantic, no templates). Anything unreadable completes to nothing rather than an error:
a completion must never print a traceback into someone's prompt.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import typer

TEMPLATE_SUFFIX = ".md.j2"  # as crisisplan.playbook.loader names library files


def incidents(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Incident ids (open first), each with its title as help."""
    from crisisplan.store import default_target
    from crisisplan.store.glance import incident_titles

    target = default_target(_param(ctx, "db"))
    return [(i, title) for i, title in incident_titles(target) if _fits(i, incomplete)]


def roles(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Role ids of the current plan, each with the person's name as help."""
    return _ids(_section(ctx, "roles"), "name", incomplete)


def components(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Component ids of the current plan, each with its name as help."""
    return _ids(_section(ctx, "components"), "name", incomplete)


def templates(ctx: typer.Context, incomplete: str) -> list[str]:
    """Template ids: the files in the current plan's response library."""
    found = _plan(ctx)
    if found is None:
        return []
    path, doc = found
    library = doc.get("library")
    folders = (
        [path.parent / library]
        if isinstance(library, str)
        else [path.parent.parent / "response_library", path.parent / "response_library"]
    )
    for folder in folders:
        if folder.is_dir():
            names = sorted(p.name.removesuffix(TEMPLATE_SUFFIX) for p in folder.glob("*.md.j2"))
            return [n for n in names if _fits(n, incomplete)]
    return []


def _fits(value: str, incomplete: str) -> bool:
    return value.lower().startswith(incomplete.lower())


def _param(ctx: typer.Context, name: str) -> Any:
    """An option already typed on the line (--db, --playbook), or None."""
    return ctx.params.get(name)


def _ids(section: dict[str, Any], label: str, incomplete: str) -> list[tuple[str, str]]:
    out = []
    for key, value in section.items():
        help_ = value.get(label) if isinstance(value, dict) else None
        if _fits(str(key), incomplete):
            out.append((str(key), str(help_) if isinstance(help_, str) else ""))
    return out


def _section(ctx: typer.Context, name: str) -> dict[str, Any]:
    found = _plan(ctx)
    section = found[1].get(name) if found else None
    return section if isinstance(section, dict) else {}


def _plan(ctx: typer.Context) -> tuple[Path, dict[str, Any]] | None:
    """The current playbook's path and its YAML as plain data, unvalidated; None if unreadable."""
    explicit = _param(ctx, "playbook") or os.environ.get("CRISIS_PLAYBOOK")
    if explicit:
        path = Path(explicit)
    else:
        folder = Path("playbooks")
        found = sorted(folder.glob("*.y*ml")) if folder.is_dir() else []
        if len(found) != 1:
            return None
        path = found[0]
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as handle:
            doc = yaml.load(handle, Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
    return (path, doc) if isinstance(doc, dict) else None
