"""An agent at a terminal recording notes as fast as they can, through the same core
function `crisis note` calls (the CLI's per-process start-up would make 4,000 of them
take minutes, and adds nothing the store sees).

Usage: python tests/note_writer.py DB INCIDENT N [keep-going]

Each event id is printed, and flushed, only after `add_note` returned: that is when
`crisis note` tells its user "Noted". With `keep-going`, a note that fails is reported as
`failed TEXT` on stdout (as `crisis note` would report it) and the agent goes on.
"""

from __future__ import annotations

import os
import sys

from crisisplan.clock import now
from crisisplan.errors import CrisisError
from crisisplan.phases.during import add_note
from crisisplan.phases.session import find_incident, open_log


def main(argv: list[str]) -> int:
    db, incident, count = argv[1], argv[2], int(argv[3])
    keep_going = argv[4:] == ["keep-going"]
    who = f"agent-{os.getpid()}"
    try:
        with open_log(db) as store:
            for n in range(count):
                text = f"note {n} from {who}"
                try:
                    row = find_incident(store, incident)
                    event_id = add_note(store, row, text=text, at=now(), who=who)
                except CrisisError as exc:
                    if not keep_going:
                        raise
                    print(f"failed {text}: {exc}", flush=True)
                    continue
                print(event_id, flush=True)
    except CrisisError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
