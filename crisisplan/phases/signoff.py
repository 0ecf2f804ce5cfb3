"""Sign-off, as the incident state keeps it: statements held, approved, rejected, replaced.

The reducer's part for the `statement_draft`, `approval` and `rejection` events, called from
`state.apply`, and the statements' JSON for the stored state. What the commands do is in
phases/approvals.py. Imports no other crisisplan module but the state's types: state.py
imports this one.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from typing import Any

from crisisplan.phases.state_types import Approval, IncidentState, Statement

KINDS = ("statement_draft", "approval", "rejection")


def sha256(text: str) -> str:
    """The hash an approval names: of the exact words that will be published."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def drafted(
    state: IncidentState, when: str, who: str, channel: str | None, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """A statement is held: numbered after the others; it replaces one still waiting for
    the same channel, whose approvals do not carry over (they were for other words)."""
    number = len(state.statements) + 1
    needs = tuple(str(r) for r in payload.get("needs") or ())
    names = payload.get("names") or {}
    held = Statement(
        number=number,
        at=when,
        who=who,
        channel=channel,
        text_sha256=str(payload.get("text_sha256") or sha256(str(payload.get("text") or ""))),
        needs=needs,
        names=tuple(str(names.get(r) or r) for r in needs),
        final=bool(payload.get("final")),
    )
    kept = tuple(
        dataclasses.replace(
            s, status="replaced", settled_at=when, settled_by=who, reason=f"replaced by S{number}"
        )
        if s.status == "waiting" and s.channel == channel
        else s
        for s in state.statements
    )
    return {"statements": (*kept, held)}


def approved(
    state: IncidentState, when: str, who: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """A role signs off a waiting statement's words; the last one needed publishes it."""
    number, role = payload.get("statement"), payload.get("role")
    statements = list(state.statements)
    for i, s in enumerate(statements):
        if s.number != number or s.status != "waiting" or role not in s.missing:
            continue
        if payload.get("text_sha256") != s.text_sha256:
            return {}  # an approval of other words approves nothing
        s = dataclasses.replace(
            s, approvals=(*s.approvals, Approval(str(role), who, when, s.text_sha256))
        )
        if not s.missing:
            s = dataclasses.replace(s, status="published", settled_at=when, settled_by=who)
        statements[i] = s
        return {"statements": tuple(statements)}
    return {}


def rejected(
    state: IncidentState, when: str, who: str, payload: Mapping[str, Any]
) -> dict[str, Any]:
    """A waiting statement is turned down, with the reason; it can never be published."""
    number = payload.get("statement")
    statements = tuple(
        dataclasses.replace(
            s,
            status="rejected",
            settled_at=when,
            settled_by=who,
            reason=str(payload.get("reason") or ""),
        )
        if s.number == number and s.status == "waiting"
        else s
        for s in state.statements
    )
    return {"statements": statements}


def waiting(state: IncidentState) -> list[Statement]:
    """The statements still waiting for sign-off, oldest first."""
    return [s for s in state.statements if s.status == "waiting"]


def statements_to_json(statements: tuple[Statement, ...]) -> list[dict[str, Any]]:
    """Plain data for the stored state (lists for tuples)."""
    found = []
    for s in statements:
        data = dataclasses.asdict(s)
        data["needs"], data["names"] = list(s.needs), list(s.names)
        data["approvals"] = [dataclasses.asdict(a) for a in s.approvals]
        found.append(data)
    return found


def statements_from_json(data: Any) -> tuple[Statement, ...]:
    """As `statements_to_json` wrote them; a state written before sign-off has none."""
    return tuple(
        Statement(
            **{
                **s,
                "needs": tuple(s.get("needs") or ()),
                "names": tuple(s.get("names") or ()),
                "approvals": tuple(Approval(**a) for a in s.get("approvals") or ()),
            }
        )
        for s in data or ()
    )


def waiting_in(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The waiting statements of a stored state, read without building the state (the
    status page build reads states raw)."""
    return [s for s in data.get("statements") or () if s.get("status") == "waiting"]
