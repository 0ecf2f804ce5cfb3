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


class Recorded:
    """Whether a command has committed anything to the logs it opened: what a stop says."""

    def __init__(self) -> None:
        self.anything = False

    def note(self) -> None:
        """A log opened by the command committed a change (called while Ctrl-C is held)."""
        self.anything = True


_command = Recorded()  # the command running; the CLI boundary starts each with a new one


def command_starts() -> Recorded:
    """A command begins: what it records, noted by every log `open_log` opens for it."""
    global _command
    _command = Recorded()
    return _command


def open_log(db: str | None, *, create: bool = False) -> Store:
    """The incident log named by --db, $CRISIS_DB or the default file.

    Only `crisis start` creates one: a mistyped --db must not quietly open an empty log.
    """
    from crisisplan.store import Hints, default_target, open_store

    # The store words a path; here the user named it, by --db or $CRISIS_DB.
    hints = Hints(
        elsewhere="Point --db or $CRISIS_DB at the incident log, or at a new file.",
        write_access="Ask for write access to the file and its folder, or point --db elsewhere.",
        permissions="Check the permissions of the file and its folder, or point --db elsewhere.",
        missing="Check --db and $CRISIS_DB; the log is created by the first `crisis start`.",
        postgresql="Use an SQLite file for now: --db PATH or CRISIS_DB=PATH.",
        not_a_database="Give the path of an SQLite file (--db PATH or CRISIS_DB=PATH).",
    )
    return open_store(default_target(db), create=create, hints=hints, on_commit=_command.note)


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
    from crisisplan.phases import state as st

    listed = ", ".join(f"{r.id} ({st.of(r).title})" for r in open_rows[:5])
    raise UsageError(
        f"{len(open_rows)} incidents are open: {listed}.",
        hint="Say which with --incident ID.",
    )
