"""Issue 5: `crisis review --json` on a long incident within 3x of `crisis status` on it."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from common import BIG, CRISIS, Result, median_wall, seed

REPLIES = 3_000  # reply events among the BIG, drafted by a few agents
FOLLOWUPS = 10_000
UPDATES = 12  # public updates, so the update clock has intervals to judge
_BATCH = 5_000


def review(runs: int, work: Path) -> list[Result]:
    """The review streams the kinds it counts; status reads one row whatever the log's size."""
    subprocess.run([*CRISIS, "init", str(work)], check=True, capture_output=True)
    db = work / "review.db"
    seed(db, BIG - REPLIES - UPDATES - 1, work)
    _add_replies_updates_and_followups(db)
    # The first review closes the incident, so both name it.
    where = ["--db", str(db), "--incident", "INC-1"]
    t = median_wall(
        {
            "status": [*CRISIS, "status", *where],
            "review --json": [*CRISIS, "review", "--json", *where],
        },
        runs,
        work,
    )
    name = f"crisis review --json ({BIG:,} events, {FOLLOWUPS:,} follow-ups)"
    return [Result(name, t["review --json"], "status (same incident)", t["status"], 3)]


def _add_replies_updates_and_followups(db: Path) -> None:
    """Replies as `crisis reply` records them (some the same words, some edited, some with
    findings), public updates spread over the incident, its resolution, the follow-ups."""
    from crisisplan.phases.record import event, record_in
    from crisisplan.store import Followup, open_store

    with open_store(db) as store:
        (row,) = store.incidents(open_only=True)
        start, end = row.opened_at, dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        step = (end - start) / (REPLIES + UPDATES + 1)
        body = "Thank you for writing to us. Sign-ins are failing for many customers. " * 12
        new = []
        for i in range(1, REPLIES + 1):
            name, email = f"Customer {i}", f"customer{i}@example.com"
            text = f"Hi {name},\n\n{body}\n" + (f"About your case {i}.\n" if i % 3 else "")
            new.append(
                event(
                    "reply",
                    start + step * i,
                    f"agent-{i % 7}",
                    "email" if i % 4 else "chat",
                    customer={"name": name, "email": email, "tier": None, "note": None},
                    template="first-response",
                    purpose="first_response",
                    text=text,
                    edited_from=(text + "We are sorry.") if i % 500 == 0 else None,
                    findings=[{"rule": "minimising", "level": "error", "phrase": "a few"}]
                    if i % 50 == 0
                    else [],
                )
            )
        for i in range(UPDATES):
            at = start + (end - start) * (i + 1) / (UPDATES + 1)
            new.append(event("public_update", at, "lead", "status", message=f"Update {i}"))
        new.append(event("resolved", end, "lead", cause="A failover", impact="No sign-ins"))
        for first in range(0, len(new), _BATCH):
            with store.transaction() as tx:
                record_in(tx, row.id, new[first : first + _BATCH])
        for first in range(0, FOLLOWUPS, _BATCH):
            with store.transaction() as tx:
                tx.upsert_followups(
                    Followup(
                        incident_id=row.id,
                        email=f"customer{i}@example.com",
                        name=f"Customer {i}",
                        tier="enterprise" if i % 10 == 0 else None,
                        open_case=i % 5 == 0,
                        note=None,
                        added_at=start + step * (i % REPLIES),
                        done_at=start + step * REPLIES if i % 4 == 0 else None,
                    )
                    for i in range(first, min(first + _BATCH, FOLLOWUPS))
                )
        if store.count_events(row.id) != BIG:
            sys.exit(f"seeding {db} gave {store.count_events(row.id)} events, not {BIG}")


SUITES = {"review": review}
