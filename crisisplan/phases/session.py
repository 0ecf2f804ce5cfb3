"""What every command needs: the log, the incident, the plan, who is acting and when."""

from __future__ import annotations

import datetime as dt
import getpass
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from crisisplan.errors import UsageError

if TYPE_CHECKING:
    from crisisplan.phases.people import Chooser, Person
    from crisisplan.playbook.loader import Plan
    from crisisplan.store import IncidentRow, Store

# The incidents a command may act on by default (see `find_incident`).
Phase = Literal["during", "aftermath", "review"]


class IncidentChooser(Protocol):
    """Asks which of several incidents (`terminal.prompts.Terminal.choose` fits)."""

    def __call__(
        self, question: str, choices: list[tuple[str, str]], *, flag: str, default: str | None
    ) -> str: ...


@dataclass(frozen=True)
class Session:
    """One command's view of the world, each part built the first time the command uses it.

    Lazy on purpose: `status` never reads `plan`, so the playbook, pydantic, jinja2 and
    yaml are never imported for it; and a command meets errors (a bad playbook, a missing
    log, an unknown incident) in the order it asks for those parts, as it did when it
    built each one itself.
    """

    now: dt.datetime  # when the command started
    at: dt.datetime  # when it happened: --at, else `now`
    db: str | None
    incident: str | None
    playbook: Path | None
    as_: str | None
    create: bool
    stack: ExitStack
    drafts: bool = False  # the command drafts words someone reads: a person signs them
    choose: Chooser | None = None  # asks who that person is, on a terminal
    reads_only: bool = False  # the command only shows what the log holds

    @cached_property
    def who(self) -> str:
        """Who is acting: for a drafting command the plan's role of the person who signs
        (`person`); for one that only records, as `agent_name` says."""
        return self.person.role if self.drafts else agent_name(self.as_)

    @cached_property
    def person(self) -> Person:
        """The person of the plan who signs the drafts: stated, asked once, or an error."""
        from crisisplan.phases.people import find_person

        return find_person(self.plan, self.as_, choose=self.choose)

    @cached_property
    def plan(self) -> Plan:
        """The playbook and its library, validated."""
        from crisisplan.playbook.loader import find_playbook, load_plan

        return load_plan(find_playbook(self.playbook))

    @cached_property
    def store(self) -> Store:
        """The incident log, open until the `with` block ends."""
        log = open_log(self.db, create=self.create, reads_only=self.reads_only)
        return self.stack.enter_context(log)

    @cached_property
    def row(self) -> IncidentRow:
        """The incident the command is about (see `find_incident`)."""
        return find_incident(self.store, self.incident)


@contextmanager
def command_session(
    *,
    db: str | None = None,
    incident: str | None = None,
    playbook: Path | None = None,
    as_: str | None = None,
    at: str | None = None,
    create: bool = False,
    drafts: bool = False,
    choose: Chooser | None = None,
    reads_only: bool = False,
) -> Iterator[Session]:
    """The session a command works in; --at is read at once, everything else on first use.

    Only `crisis start` passes `create=True` (see `open_log`). Commands that draft words
    pass `drafts=True`, and `choose` when there is a terminal to ask on. Commands that
    only show the log pass `reads_only=True` (a shared log is then read without loading
    psycopg). The log closes on leaving.
    """
    from crisisplan.clock import now, parse_at

    started = now()
    when = parse_at(at, current=started)
    with ExitStack() as stack:
        yield Session(
            started, when, db, incident, playbook, as_, create, stack, drafts, choose, reads_only
        )


def agent_name(explicit: str | None) -> str:
    """`--as`, else $CRISIS_AGENT, else the saved `crisis whoami`, else the login name.

    For commands that only record: the login never reaches a draft, and checking the
    name against the plan would load the playbook, which `note` must not wait for.
    """
    from crisisplan.phases.people import stated

    said = stated(explicit)
    if said is not None:
        return said[0]
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


def open_log(
    db: str | None, *, create: bool = False, flag: str = "--db", reads_only: bool = False
) -> Store:
    """The incident log named by --db, $CRISIS_DB or the default file; or by `flag`, the
    option the user named it with (`db copy --from`), whose errors then name that option.

    Only `crisis start` creates one: a mistyped --db must not quietly open an empty log.
    """
    from crisisplan.store import Hints, default_target, open_store

    # The store words a path; here the user named it, by --db or $CRISIS_DB (or `flag`).
    named = "--db or $CRISIS_DB" if flag == "--db" else flag
    point = "point --db" if flag == "--db" else f"point {flag}"
    hints = Hints(
        elsewhere=f"Point {named} at the incident log, or at a new file.",
        write_access=f"Ask for write access to the file and its folder, or {point} elsewhere.",
        permissions=f"Check the permissions of the file and its folder, or {point} elsewhere.",
        missing=f"Check {named.replace(' or ', ' and ')}; the log is created by the first"
        " `crisis start`.",
        postgresql=f"Check that the PostgreSQL server is running, and the URL in {named}.",
        not_a_database=f"Give the path of an SQLite file or a postgresql:// URL ({named}).",
        report="report it with the output of the same command run with CRISIS_DEBUG=1",
    )
    return open_store(
        default_target(db),
        create=create,
        hints=hints,
        on_commit=_command.note,
        reads_only=reads_only,
    )


def normalise_id(value: str) -> str:
    """`3`, `inc-3` and `INC-3` all name incident INC-3."""
    text = value.strip().upper()
    return f"INC-{text}" if text.isdigit() else text


def find_incident(
    store: Store,
    explicit: str | None,
    *,
    phase: Phase = "during",
    choose: IncidentChooser | None = None,
) -> IncidentRow:
    """`--incident`, else the only incident in the phase the command acts in.

    `during` commands (and reads) act on the incident still running, `aftermath` ones on
    the resolved incident not yet reviewed, and `review` too, or else on the one reviewed
    last, to re-run it. When none is in that phase, the only open incident in the other
    phase is taken, and the command says if it does not fit. When several fit, `choose`
    asks which (on a terminal); without it the error lists them.
    """
    if explicit:
        row = store.incident(normalise_id(explicit))
        if row is None:
            raise UsageError(
                f"there is no incident {explicit} in {store.location}.",
                hint="Run `crisis list` to see the incidents.",
            )
        return row
    open_rows = store.incidents(open_only=True)
    during = [r for r in open_rows if _phase(r) == "during"]
    resolved = [r for r in open_rows if _phase(r) == "aftermath"]
    if phase == "during":
        fits = during or resolved
    else:
        fits = resolved
        if not fits and phase == "review":
            reviewed = [r for r in store.incidents() if _phase(r) == "closed"]
            fits = sorted(reviewed, key=_resolved_at)[-1:]
        fits = fits or during
    if len(fits) == 1:
        return fits[0]
    if not fits:
        raise UsageError(
            f"there is no open incident in {store.location}.",
            hint="Start one with `crisis start`, or name a closed one with --incident.",
        )
    choices = [(r.id, f"{_title(r)} ({_phase_words(r)})") for r in sorted(fits, key=_number)]
    if choose is not None:
        picked = choose("Which incident", choices, flag="--incident", default=None)
        return next(r for r in fits if r.id == picked)
    listed = "; ".join(f"{i} {words}" for i, words in choices[:10])
    more = f" and {len(choices) - 10} more" if len(choices) > 10 else ""
    where = "in the during phase" if fits is during else "resolved and not yet reviewed"
    raise UsageError(
        f"{len(fits)} incidents are {where}: {listed}{more}.",
        hint="Say which with --incident ID.",
    )


def _phase(row: IncidentRow) -> str:
    return str(row.state.get("phase", "during"))


def _title(row: IncidentRow) -> str:
    return str(row.state.get("title", ""))


def _phase_words(row: IncidentRow) -> str:
    return {"during": "during", "aftermath": "resolved", "closed": "reviewed"}.get(
        _phase(row), _phase(row)
    )


def _number(row: IncidentRow) -> int:
    return row.number


def _resolved_at(row: IncidentRow) -> tuple[str, int]:
    return (str(row.state.get("resolved_at") or ""), row.number)
