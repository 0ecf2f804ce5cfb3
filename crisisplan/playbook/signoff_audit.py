"""The readiness audit's part for sign-off: the roles that approve public statements can
be reached when a statement waits for them. (A role that is not in the plan is an error
of the plan itself: `model.crosscheck`.)"""

from __future__ import annotations

from collections.abc import Callable

from crisisplan.errors import Location
from crisisplan.playbook.findings import Finding
from crisisplan.playbook.model import Loc, Playbook


def sign_off_gaps(playbook: Playbook, locate: Callable[[Loc], Location]) -> list[Finding]:
    """A warning for each sign-off role nobody is told to call for its type, or without a
    contact or phone: a statement would wait for someone nobody can reach."""
    found: list[Finding] = []
    for tid, typ in playbook.incident_types.items():
        for j, role_id in enumerate(typ.public_statement_needs):
            role = playbook.roles.get(role_id)
            if role is None:
                continue  # crosscheck's error
            loc: Loc = ("incident_types", tid, "public_statement_needs", j)
            called = any(
                step.who == role_id and (not step.types or tid in step.types)
                for step in playbook.escalation
            )
            if not called:
                found.append(
                    Finding(
                        "warning",
                        "readiness.sign-off-not-called",
                        f"'{tid}' statements wait for {role_id}'s sign-off, but no escalation "
                        f"step calls {role_id} for '{tid}'; add one, so someone asks them.",
                        locate(loc),
                    )
                )
            if role.contact is None and role.phone is None:
                found.append(
                    Finding(
                        "warning",
                        "readiness.sign-off-unreachable",
                        f"{role_id} signs off '{tid}' statements but has no contact or phone "
                        "in roles:; add one.",
                        locate(loc),
                    )
                )
    return found
