"""What every during-phase command needs: the log, the incident, who is acting."""

from __future__ import annotations

import getpass
import os
from typing import TYPE_CHECKING

from crisisplan.errors import UsageError

if TYPE_CHECKING:
    from crisisplan.store import IncidentRow, Store


def agent_name(explicit: str | None) -> str:
    """`--as`, else $CRISIS_AGENT, else the login name."""
    if explicit and explicit.strip():
        return explicit.strip()
    env = os.environ.get("CRISIS_AGENT", "").strip()
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def open_log(db: str | None, *, create: bool = False) -> Store:
    """The incident log named by --db, $CRISIS_DB or the default file.

    Only `crisis start` creates one: a mistyped --db must not quietly open an empty log.
    """
    from crisisplan.store import default_target, open_store

    return open_store(default_target(db), create=create)


def normalise_id(value: str) -> str:
    """`3`, `inc-3` and `INC-3` all name incident INC-3."""
    text = value.strip().upper()
    return f"INC-{text}" if text.isdigit() else text


def find_incident(store: Store, explicit: str | None) -> IncidentRow:
    """`--incident`, else the only open incident, else an error listing the open ones."""
    if explicit:
        row = store.incident(normalise_id(explicit))
        if row is None:
            raise UsageError(
                f"there is no incident {explicit} in {store.location}.",
                hint="Run `crisis list` to see the incidents.",
            )
        return row
    open_rows = store.incidents(open_only=True)
    if len(open_rows) == 1:
        return open_rows[0]
    if not open_rows:
        raise UsageError(
            f"there is no open incident in {store.location}.",
            hint="Start one with `crisis start`, or name a closed one with --incident.",
        )
    listed = ", ".join(f"{r.id} ({r.state.get('title', '')})" for r in open_rows[:5])
    raise UsageError(
        f"{len(open_rows)} incidents are open: {listed}.",
        hint="Say which with --incident ID.",
    )
