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


def only_the_command_completed(app: typer.Typer, environ: dict[str, str]) -> None:
    """On a completion call past the command's name, keep only that command in `app`.

    Typer builds every command's options before it completes anything: two milliseconds
    each, most of the 150 ms a <TAB> may cost. `crisis update --incident <TAB>` needs only
    `update`'s. Completing the command's name itself (`crisis up<TAB>`) keeps them all.
    The shells pass the line in COMP_WORDS (bash) or _TYPER_COMPLETE_ARGS (zsh, fish).
    """
    import shlex

    line = environ.get("_TYPER_COMPLETE_ARGS")
    if line is None:
        words = environ.get("COMP_WORDS", "")
        cword = environ.get("COMP_CWORD", "")
        split = _split(words, shlex)
        done = split[: int(cword)] if cword.isdigit() else []
    else:
        split = _split(line, shlex)
        done = split if line.endswith(" ") else split[:-1]  # the last word is being typed
    command = next((w for w in done[1:] if not w.startswith("-")), None)
    if command is None:
        return
    from typer.main import get_command_name

    def name(info: Any) -> str:
        return str(info.name or get_command_name(info.callback.__name__))

    commands = [c for c in app.registered_commands if name(c) == command]
    groups = [g for g in app.registered_groups if g.name == command]
    if commands or groups:  # a word that is no command completes as before
        app.registered_commands, app.registered_groups = commands, groups


def _split(line: str, shlex: Any) -> list[str]:
    try:
        return list(shlex.split(line))
    except ValueError:  # an open quote: as the shell has it so far
        return line.split()
