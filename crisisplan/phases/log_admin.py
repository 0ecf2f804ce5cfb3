"""`crisis db`: what an incident log is, and moving a team's log to a shared server."""

from __future__ import annotations

from crisisplan.errors import UsageError
from crisisplan.phases.session import open_log
from crisisplan.store.transfer import Copied, LogInfo, copy_log, log_info


def describe(db: str | None) -> LogInfo:
    """Backend, schema version, server version, size and counts of the log --db names."""
    with open_log(db) as store:
        return log_info(store)


def copy(*, source: str, target: str) -> Copied:
    """Copy the log at `source` into the empty log `target` (created), verified."""
    if not target.lower().startswith(("postgresql://", "postgres://")):
        raise UsageError(
            f"--to {target} is not a PostgreSQL URL; nothing was copied.",
            hint="Give the shared log as --to postgresql://USER@HOST/DATABASE.",
        )
    with (
        open_log(source, flag="--from") as origin,
        open_log(target, create=True, flag="--to") as destination,
    ):
        return copy_log(origin, destination)
