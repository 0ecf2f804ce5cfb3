"""Who signs the words: a person named in the plan's roles, and where that choice comes from.

The drafting agent is `--as ROLE`, else $CRISIS_AGENT, else the choice saved by
`crisis whoami ROLE` in the user's config folder. A ROLE is a role id of the plan or its
person's name (case-insensitive). Drafts are read by customers, so a login name is never
good enough for them: a drafting command without a person asks (on a terminal) or stops.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crisisplan.errors import CrisisError, Location, UsageError

if TYPE_CHECKING:
    from crisisplan.playbook.loader import Plan

# Asks a person to pick one of (role id, description); returns the role id.
Chooser = Callable[[str, list[tuple[str, str]]], str]

HOW_TO_SET = "Pass --as ROLE, set CRISIS_AGENT=ROLE or run `crisis whoami ROLE` (roles: {roles})."


@dataclass(frozen=True)
class Person:
    """The agent as the plan knows them, and where the choice came from."""

    role: str
    name: str
    source: str  # "--as", "$CRISIS_AGENT", "the choice saved in PATH", "chosen now..."


def config_file() -> Path:
    """Where `crisis whoami ROLE` saves the choice: $XDG_CONFIG_HOME, else ~/.config."""
    base = os.environ.get("XDG_CONFIG_HOME", "").strip()
    root = Path(base) if base and Path(base).is_absolute() else Path.home() / ".config"
    return root / "crisisplan" / "whoami"


def saved_choice() -> str | None:
    """The role saved by `crisis whoami`, or None (an unreadable file counts as none)."""
    try:
        text = config_file().read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None
    return text.splitlines()[0].strip() if text else None


def stated(explicit: str | None) -> tuple[str, str] | None:
    """What the user said, without asking: (value, where it came from), or None."""
    if explicit and explicit.strip():
        return explicit.strip(), "--as"
    env = os.environ.get("CRISIS_AGENT", "").strip()
    if env:
        return env, "$CRISIS_AGENT"
    saved = saved_choice()
    if saved:
        return saved, f"the choice saved in {config_file()}"
    return None


def role_of(plan: Plan, value: str, *, source: str) -> Person:
    """The plan's role for a role id or its person's name; an error listing them if none."""
    roles = plan.playbook.roles
    wanted = value.strip().casefold()
    for role_id, role in roles.items():
        if wanted in (role_id.casefold(), role.name.strip().casefold()):
            return Person(role_id, role.name, source)
    listed = ", ".join(f"{rid} ({r.name})" for rid, r in roles.items()) or "none"
    raise UsageError(
        f"{value!r} ({source}) is not a role of this plan; its roles are: {listed}.",
        location=_roles_place(plan),
        hint="Name one of them by its id or its person's name; nothing was "
        + ("saved." if source == "crisis whoami" else "recorded."),
    )


def find_person(plan: Plan, explicit: str | None, *, choose: Chooser | None) -> Person:
    """The person who signs a draft: stated, else asked once and saved, else an error."""
    said = stated(explicit)
    if said is not None:
        return role_of(plan, said[0], source=said[1])
    roles = plan.playbook.roles
    if choose is None or not roles:
        raise UsageError(
            "drafts are signed by a person of the plan, and none is set",
            hint=HOW_TO_SET.format(roles=", ".join(roles) or "none in the plan"),
        )
    role_id = choose("Who are you (drafts are signed with your name)", _choices(plan))
    person = role_of(plan, role_id, source="chosen now")
    save_choice(person.role)
    return Person(person.role, person.name, f"chosen now, saved in {config_file()}")


def save_choice(role_id: str) -> Path:
    """Save the role for later commands: atomically, readable by the user only."""
    from crisisplan.files import write_atomic

    path = config_file()
    try:
        write_atomic(path, role_id + "\n", mode=0o600)
    except OSError as exc:
        raise CrisisError(
            f"cannot save your choice in {path}: {exc.strerror or exc}.",
            hint="Check that folder's permissions, or use --as ROLE or CRISIS_AGENT=ROLE.",
        ) from None
    return path


def _choices(plan: Plan) -> list[tuple[str, str]]:
    return [(rid, r.name) for rid, r in plan.playbook.roles.items()]


def _roles_place(plan: Plan) -> Location:
    return plan.locate(("roles",), key=True)
