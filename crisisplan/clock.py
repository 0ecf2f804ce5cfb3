"""Time: parse --at, store UTC, show local time with its zone."""

from __future__ import annotations

import datetime as dt
import re

from crisisplan.errors import UsageError

UTC = dt.UTC
_RELATIVE = re.compile(r"^([-+])\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?$", re.IGNORECASE)
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
# A backfilled time a little ahead of this machine's clock is another machine's clock skew.
_SKEW = dt.timedelta(minutes=5)


def now() -> dt.datetime:
    """The current time, aware, in UTC."""
    return dt.datetime.now(UTC)


def parse_at(
    value: str | None,
    *,
    current: dt.datetime | None = None,
    future: bool = False,
    flag: str = "--at",
) -> dt.datetime:
    """`--at` as an aware UTC time: `14:02` (local), ISO 8601, or `-15m`/`-1h30m`.

    With `future` (an ETA), `14:02` is its next occurrence and `+30m` is allowed.
    """
    current = current or now()
    if value is None or value.strip().lower() in {"", "now"}:
        return current
    text = value.strip()
    when: dt.datetime | None = None
    if m := _RELATIVE.match(text):
        if m.group(2) is None and m.group(3) is None:
            raise _bad(value, flag, future=future)
        delta = dt.timedelta(hours=int(m.group(2) or 0), minutes=int(m.group(3) or 0))
        when = current - delta if m.group(1) == "-" else current + delta
    elif m := _CLOCK.match(text):
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour > 23 or minute > 59:
            raise _bad(value, flag, future=future)
        local_now = current.astimezone()
        when = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if future and when < current:
            when += dt.timedelta(days=1)  # an ETA of "01:00" typed at 23:00 means tomorrow
        elif not future and when - current > _SKEW:
            when -= dt.timedelta(days=1)  # "23:50" typed at 00:10 means last night
    else:
        try:
            parsed = dt.datetime.fromisoformat(text.replace("z", "Z"))
        except ValueError:
            raise _bad(value, flag, future=future) from None
        when = parsed if parsed.tzinfo else parsed.astimezone()
    when = when.astimezone(UTC)
    if future and when < current:
        raise UsageError(
            f"{flag} {value} is in the past ({show(when)}).",
            hint="Give the time you expect the fix, e.g. 15:30 or +45m.",
        )
    if not future and when - current > _SKEW:
        raise UsageError(
            f"{flag} {value} is in the future ({show(when)}).",
            hint="Record things when they have happened; use a past time or leave --at out.",
        )
    return when


def show(when: dt.datetime, *, with_date: bool = True) -> str:
    """A time in the local zone, e.g. `2026-11-23 14:02 CET`."""
    local = when.astimezone()
    fmt = "%Y-%m-%d %H:%M %Z" if with_date else "%H:%M %Z"
    return local.strftime(fmt)


def to_text(when: dt.datetime) -> str:
    """UTC ISO 8601 with a Z, for JSON output."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def human_minutes(minutes: float) -> str:
    """`7 min`, `1 h 35 min`, `2 days 3 h`."""
    total = round(abs(minutes))
    days, rest = divmod(total, 60 * 24)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} day{'s' if days != 1 else ''} {hours} h" if hours else f"{days} days"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def _bad(value: str, flag: str, *, future: bool = False) -> UsageError:
    # The examples point the way the flag looks: an ETA ahead, a backfill behind.
    examples = (
        "15:30, 2026-11-23T15:30Z, or +45m (45 minutes from now)"
        if future
        else "14:02, 2026-11-23T14:02Z, or -15m (15 minutes ago)"
    )
    return UsageError(f"{flag} {value!r} is not a time I can read.", hint=f"Use {examples}.")
