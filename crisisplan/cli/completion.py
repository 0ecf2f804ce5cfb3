"""Shell completion of option values: incident ids from the log, role and template ids
from the current plan.

Each call is a fresh process the shell runs on <TAB>, so it reads only what it needs:
one read-only query for the incident ids (store/glance.py), the playbook's YAML without
validation for the rest (playbook/glance.py). Anything unreadable completes to nothing.
"""

from __future__ import annotations

from typing import Any

import typer


def incidents(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Incident ids (open first, then newest), each with its title as help."""
    from crisisplan.store import default_target
    from crisisplan.store.glance import incident_titles

    target = default_target(_param(ctx, "db"))
    return [(i, title) for i, title in incident_titles(target) if _fits(i, incomplete)]


def roles(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Role ids of the current plan, each with the person's name as help."""
    from crisisplan.playbook.glance import glance

    plan = glance(_param(ctx, "playbook"))
    return [(i, name) for i, name in (plan.ids("roles") if plan else []) if _fits(i, incomplete)]


def components(ctx: typer.Context, incomplete: str) -> list[tuple[str, str]]:
    """Component ids of the current plan, each with its name as help."""
    from crisisplan.playbook.glance import glance

    plan = glance(_param(ctx, "playbook"))
    found = plan.ids("components") if plan else []
    return [(i, name) for i, name in found if _fits(i, incomplete)]


def templates(ctx: typer.Context, incomplete: str) -> list[str]:
    """Template ids: the files in the current plan's response library."""
    from crisisplan.playbook.glance import glance

    plan = glance(_param(ctx, "playbook"))
    return [i for i in (plan.template_ids() if plan else []) if _fits(i, incomplete)]


def _fits(value: str, incomplete: str) -> bool:
    return value.lower().startswith(incomplete.lower())


def _param(ctx: typer.Context, name: str) -> Any:
    """An option already typed on the line (--db, --playbook), or None."""
    return ctx.params.get(name)
