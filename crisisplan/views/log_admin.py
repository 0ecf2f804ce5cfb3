"""How `crisis db info` and `crisis db copy` show what they found."""

from __future__ import annotations

from dataclasses import asdict

import typer

from crisisplan.store.transfer import Copied, LogInfo
from crisisplan.views.json_out import print_json


def show_info(info: LogInfo, *, as_json: bool) -> None:
    """The facts of a log, as lines or as one JSON document."""
    if as_json:
        print_json(asdict(info))
        return
    rows = [
        ("Backend", info.backend),
        ("Location", info.location),
        ("Schema", str(info.schema_version)),
        ("Server", info.server_version),
        ("Size", f"{info.size_bytes / 1_048_576:.1f} MiB"),
        ("Incidents", str(info.incidents)),
        ("Events", str(info.events)),
    ]
    for name, value in rows:
        typer.echo(f"{name + ':':<11}{value}")


def show_copied(copied: Copied) -> None:
    """What was copied, and the proof that both logs now hold the same."""
    t = copied.tally
    counts = f"{t.incidents} incidents, {t.events} events, {t.followups} follow-ups"
    if copied.already_there:
        typer.echo(f"{copied.target} already holds this log ({counts}); nothing to copy.")
    else:
        typer.echo(f"Copied {counts} from {copied.source} to {copied.target}.")
    typer.echo(f"Verified: same counts, events checksum sha256:{t.checksum[:16]}.")
