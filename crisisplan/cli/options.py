"""Options shared by many commands, as Annotated types."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crisisplan.cli import completion

PlaybookOpt = Annotated[
    Path | None,
    typer.Option(
        "--playbook",
        "-p",
        help="The playbook YAML. Default: $CRISIS_PLAYBOOK, else the only *.yaml in ./playbooks/.",
        show_default=False,
    ),
]
DbOpt = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="The incident log: a file path or a postgresql:// URL (default $CRISIS_DB, else"
        " ./.crisis/crisis.db).",
        show_default=False,
    ),
]
IncidentOpt = Annotated[
    str | None,
    typer.Option(
        "--incident",
        "-i",
        help="The incident id (e.g. INC-3). Default: the only one in the phase the command "
        "acts in (see `crisis list`).",
        show_default=False,
        autocompletion=completion.incidents,
    ),
]
AtOpt = Annotated[
    str | None,
    typer.Option(
        "--at",
        help="When it happened, to backfill: 14:02, 2026-11-23T14:02Z or -15m. Default: now.",
        show_default=False,
    ),
]
AsOpt = Annotated[
    str | None,
    typer.Option(
        "--as",
        help="Who is acting: a role id of the plan or its person's name; drafts are signed "
        "with it. Default: $CRISIS_AGENT, else `crisis whoami`.",
        show_default=False,
        autocompletion=completion.roles,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout and nothing else.")
]
ComponentOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--component",
        help="A part of the service it affects, from the plan's components; repeat for more.",
        show_default=False,
        autocompletion=completion.components,
    ),
]
