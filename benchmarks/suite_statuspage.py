"""Issue 6: building the status page from a long log costs at most 5x `crisis status`."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

from common import CRISIS, Result, median_wall

INCIDENTS = 1_000
UPDATES = 50_000
NOTES_PER_INCIDENT = 10  # internal events the build must step over, never read
_PER_TRANSACTION = 50  # incidents per write transaction while seeding

_TEXT = (
    "Larkspur is not working as it should: {title}. This is a problem on our side; nothing "
    "you did caused it, and you don't need to change anything. We're sorry.\n\n"
    "What we know: {message}\n\n"
    "What we're doing: our engineers are working on the fix right now. We don't have a "
    "reliable time for the fix yet. When we do, it will be here.\n\n"
    "Next update by {next}, even if nothing has changed.\n"
)


def seed_public(db: Path, work: Path, *, incidents: int, updates: int) -> None:
    """A log of `incidents` incidents holding `updates` public updates in all, written
    through the store in large transactions.

    The worst case for the page: every incident is on it. All but the newest were resolved
    within the last 90 days (each with a final public update after its `resolved` event);
    the newest is still open, so `crisis status` has one incident to show.
    """
    from crisisplan.loader import find_playbook, load_plan
    from crisisplan.phases import state as st
    from crisisplan.phases.record import event, record_in
    from crisisplan.store import open_store

    facts = st.plan_facts(load_plan(find_playbook(work / "playbooks" / "example.yaml")).playbook)
    channel = facts["status_channel"]
    now = dt.datetime.now(dt.UTC)
    first = now - dt.timedelta(days=89)
    spacing = (now - dt.timedelta(minutes=10) - first) / incidents
    per_incident = updates // incidents
    gap = spacing / (per_incident + NOTES_PER_INCIDENT + 2)
    with open_store(db) as store:
        for block in range(0, incidents, _PER_TRANSACTION):
            with store.transaction() as tx:
                for n in range(block, min(block + _PER_TRANSACTION, incidents)):
                    start = first + spacing * n
                    title = f"Incident {n + 1}: schedules not loading"
                    payload = {
                        "title": title,
                        "type": "outage",
                        "severity": ("minor", "major", "critical")[n % 3],
                        "summary": "Schedules time out",
                        "plan": facts,
                    }
                    incident_id = tx.new_incident(opened_at=start, state={})
                    started = tx.append(
                        incident_id, event("incident_started", start, "bench", **payload)
                    )
                    tx.save_state(
                        incident_id, st.initial(started.payload, start, "bench"), is_open=True
                    )
                    is_last = n == incidents - 1
                    record_in(
                        tx, incident_id, _events(start, gap, title, channel, per_incident, is_last)
                    )
        if sum(store.count_events(r.id, kinds=["public_update"]) for r in store.incidents()) != (
            per_incident * incidents
        ):
            sys.exit(f"seeding {db} did not give {updates} public updates")


def _events(
    start: dt.datetime, gap: dt.timedelta, title: str, channel: str, count: int, still_open: bool
) -> list:  # type: ignore[type-arg]
    from crisisplan.phases.record import event

    out = []
    at = start
    for u in range(count):
        at += gap
        final = u == count - 1 and not still_open
        if final:
            out.append(event("resolved", at, "bench", cause="A failed failover", impact="Slow"))
            at += gap
        message = "Fixed; everything is back to normal." if final else f"Step {u + 1} of the fix."
        nxt = at + dt.timedelta(minutes=60)
        text = _TEXT.format(title=title, message=message, next=nxt.strftime("%H:%M UTC"))
        out.append(
            event(
                "public_update",
                at,
                "bench",
                channel,
                message=message,
                template="status-update",
                text=text,
                next_update_at=None if final else st_iso(nxt),
            )
        )
        if u < NOTES_PER_INCIDENT:
            out.append(event("note", at, "bench", text=f"Internal: checked step {u + 1}"))
    return out


def st_iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat()


def statuspage(runs: int, work: Path) -> list[Result]:
    """Issue 6: `statuspage build` on 1,000 incidents / 50,000 updates within 5x `status`."""
    subprocess.run([*CRISIS, "init", str(work)], check=True, capture_output=True)
    db = work / "public.db"
    seed_public(db, work, incidents=INCIDENTS, updates=UPDATES)
    t = median_wall(
        {
            "status": [*CRISIS, "status", "--db", str(db)],
            "build": [*CRISIS, "statuspage", "build", str(work / "site"), "--db", str(db)],
        },
        runs,
        work,
    )
    return [
        Result(
            f"statuspage build ({INCIDENTS:,} inc, {UPDATES:,} upd)",
            t["build"],
            "crisis status (same log)",
            t["status"],
            5,
        )
    ]


SUITES = {"statuspage": statuspage}
