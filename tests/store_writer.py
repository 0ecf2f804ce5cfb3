"""An agent recording notes as fast as it can, for the concurrency and crash tests.

Usage: python tests/store_writer.py DB INCIDENT N

N times, in one transaction per note: read the incident, append a "note" event and save
the snapshot with `notes` one higher. Each event id is printed (and flushed) only once its
transaction has committed, so every id on stdout is a promise that the note is in the log.
INCIDENT "new" opens a new incident first and prints "incident INC-n".
"""

from __future__ import annotations

import os
import sys
from datetime import UTC, datetime

from crisisplan.errors import StoreError
from crisisplan.store import NewEvent, Store, open_store


def record_notes(store: Store, incident_id: str, count: int) -> None:
    """Record `count` notes, printing each event id after its commit."""
    who = f"writer-{os.getpid()}"
    for n in range(count):
        with store.transaction() as tx:
            row = tx.incident(incident_id)
            if row is None:
                raise StoreError(f"There is no incident {incident_id}.")
            event = tx.append(
                incident_id,
                NewEvent("note", at=datetime.now(UTC), who=who, payload={"n": n, "by": who}),
            )
            notes = int(row.state.get("notes", 0)) + 1
            tx.save_state(incident_id, {**row.state, "notes": notes}, is_open=True)
        print(event.id, flush=True)


def main(argv: list[str]) -> int:
    """Run as a script; exit 2 with the message on a StoreError, like the CLI."""
    db, incident_id, count = argv[1], argv[2], int(argv[3])
    try:
        with open_store(db) as store:
            if incident_id == "new":
                with store.transaction() as tx:
                    incident_id = tx.new_incident(opened_at=datetime.now(UTC), state={})
                print(f"incident {incident_id}", flush=True)
            record_notes(store, incident_id, count)
    except StoreError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
