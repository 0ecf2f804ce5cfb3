"""`crisis review --trend` on the terminal (bar rows) and as Markdown (the same bars)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from crisisplan.clock import human_minutes

if TYPE_CHECKING:
    from crisisplan.phases.trend import Figure, Trend, TypeTrend

WIDTH = 32  # characters of the longest bar
SHOWN = 20  # repeat-affected customers listed


def _bar(f: Figure, longest: float) -> str:
    """The median in full blocks, up to the worst in light shade."""
    if f.median is None or f.worst is None or longest <= 0:
        return ""
    median = max(1, round(f.median / longest * WIDTH))
    worst = max(median, round(f.worst / longest * WIDTH))
    return "█" * median + "░" * (worst - median)


def _rows(t: TypeTrend) -> list[str]:
    longest = max((f.worst or 0.0) for f in t.figures)
    rows = []
    for f in t.figures:
        if f.median is None or f.worst is None:
            rows.append(f"{'to ' + f.name:<15} {'not recorded':>10}")
            continue
        rows.append(
            f"{'to ' + f.name:<15} {human_minutes(f.median):>10} {human_minutes(f.worst):>10}  "
            f"{_bar(f, longest)}"
        )
    return rows


def _heading(t: TypeTrend) -> str:
    n = len(t.incidents)
    return f"{t.type}: the last {n} incident{'s' if n != 1 else ''} ({', '.join(t.incidents)})"


def show_trend(trend: Trend) -> None:
    """Per type: median and worst time to each milestone, as bars; then repeat customers."""
    from crisisplan.terminal.console import inert, out

    console = out()
    console.print(inert(f"Trend over the last {trend.last} incidents of each type", style="bold"))
    for t in trend.types:
        console.print(inert(_heading(t), style="bold"))
        console.print(
            inert(f"{'':<15} {'median':>10} {'worst':>10}  █ median ░ worst", style="dim")
        )
        for row in _rows(t):
            console.print(inert(row))
    for line in _repeat_lines(trend):
        console.print(inert(line))


def _repeat_lines(trend: Trend) -> list[str]:
    if not trend.repeat_customers:
        return ["Repeat-affected customers: none (no one was on two follow-up lists)."]
    lines = [f"Repeat-affected customers ({len(trend.repeat_customers)}):"]
    for email, ids in trend.repeat_customers[:SHOWN]:
        lines.append(f"  {email}: {len(ids)} incidents ({', '.join(ids)})")
    if len(trend.repeat_customers) > SHOWN:
        lines.append(f"  and {len(trend.repeat_customers) - SHOWN} more (see --json)")
    return lines


def trend_md(trend: Trend) -> Iterator[str]:
    """The trend as Markdown: a table and the bar chart per type, then repeat customers."""
    from crisisplan.views.records import md

    yield f"# Incident trend: the last {trend.last} incidents of each type\n"
    for t in trend.types:
        yield f"\n## {md(_heading(t))}\n\n| time to | median | worst | worst in |\n"
        yield "|---|---:|---:|---|\n"
        for f in t.figures:
            if f.median is None or f.worst is None:
                yield f"| {f.name} | not recorded | | |\n"
            else:
                yield (
                    f"| {f.name} | {human_minutes(f.median)} | {human_minutes(f.worst)} "
                    f"| {f.worst_incident} |\n"
                )
        yield "\n```text\n" + "\n".join(_rows(t)) + "\n```\n"
    yield "\n## Repeat-affected customers\n\n"
    for line in _repeat_lines(trend)[1:] or _repeat_lines(trend):
        yield f"- {md(line.strip())}\n"
