"""`crisis watch`: the war-room screen a team keeps up during an incident.

Once (`--once`) it is a story like any other: the state of play, read from the log,
changing nothing. Live, it runs on a real pseudo-terminal of 80x24, as over SSH: another
agent's note shows within a second, it sleeps while nothing happens, and it leaves
cleanly on Ctrl-C and when the terminal goes away.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pexpect

from tests.helpers import crisis, events, ok, start_outage
from tests.test_start_pty import crisis_command


def test_the_screen_shows_the_state_of_play_and_records_nothing() -> None:
    ok("init", ".")
    start_outage("--yes", title="Logins [bold]failing[/bold]")
    ok("note", "Engineering is failing over\x1b[2J")  # a pasted escape sequence
    ok("followup", "add", "--customer", "Ada Park", "--email", "ada@example.com", "--open-case")
    before = events()

    shown = ok("watch", "--once").stdout

    lines = shown.splitlines()
    assert lines[0] == "INC-1 Logins [bold]failing[/bold]  [outage, major]"  # not markup
    assert any(line.startswith("Next public update: in 59:") for line in lines), shown
    assert any(line.startswith("Promises due: ") for line in lines)
    assert "Escalations due: lead (support-lead), eng (eng-oncall)" in lines
    assert "Latest public update" in lines
    assert any("note Engineering is failing over\\x1b[2J" in line for line in lines), shown
    assert "\x1b" not in shown  # the escape is shown, never sent to the terminal
    assert "Open follow-ups: 1" in lines
    assert "  Ada Park <ada@example.com>" in lines
    assert len(lines) <= 24
    assert events() == before  # watching writes nothing to the log


def test_an_overdue_update_is_said_plainly() -> None:
    ok("init", ".")
    start_outage("--yes", "--at", "-2h")

    shown = ok("watch", "--once").stdout

    assert "Next public update: OVERDUE by 1:0" in shown


def test_without_a_terminal_it_says_what_to_do_instead() -> None:
    ok("init", ".")
    start_outage("--yes")

    result = crisis("watch")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: crisis watch needs a terminal to draw on. "
        "Run it in a terminal, or use --once to print the screen once.\n"
    )


# --- Live, on a pseudo-terminal ---------------------------------------------------------


def watch_on_a_terminal(*, first_frame: bool = True) -> pexpect.spawn:
    """`crisis watch` on an 80x24 pseudo-terminal, as over SSH; its first frame drawn."""
    command, *rest = crisis_command()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    env.update({"CI": "", "TERM": "xterm-256color"})
    child = pexpect.spawn(
        command, [*rest, "watch"], env=env, encoding="utf-8", timeout=10, dimensions=(24, 80)
    )
    if first_frame:
        child.expect_exact("Latest activity")
        child.expect_exact("Ctrl-C to leave")
    return child


def cpu_seconds(pid: int) -> float:
    """The CPU time a process has used so far (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def test_another_agents_note_shows_within_a_second_and_idle_it_sleeps() -> None:
    ok("init", ".")
    start_outage("--yes")
    child = watch_on_a_terminal()
    try:
        # Another terminal: a separate process writes to the log.
        subprocess.run(
            [*crisis_command(), "note", "Failover to eu-west done"], check=True, timeout=30
        )
        written = time.monotonic()
        child.expect_exact("note Failover to eu-west done", timeout=5)
        shown_after = time.monotonic() - written
        print(f"\ncrisis watch showed another process's note {shown_after:.2f} s after it exited")
        assert shown_after < 1.0

        # Idle: ten seconds of a ticking clock and a sleeping poll, read as it is drawn.
        child.expect(pexpect.TIMEOUT, timeout=0.5)
        used = cpu_seconds(child.pid)
        started = time.monotonic()
        while time.monotonic() - started < 10:
            child.expect(pexpect.TIMEOUT, timeout=0.5)
        share = (cpu_seconds(child.pid) - used) / (time.monotonic() - started)
        print(f"crisis watch idle: {share:.2%} of a core over 10 s")
        assert share < 0.02

        child.sendintr()  # Ctrl-C
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0
    assert "Traceback" not in child.before
    assert child.before.endswith("\x1b[?1049l")  # the terminal's own screen given back


def test_an_overdue_update_rings_the_bell_and_a_closed_terminal_ends_the_watch_quietly() -> None:
    ok("init", ".")
    start_outage("--yes", "--at", "-2h")
    child = watch_on_a_terminal(first_frame=False)
    child.expect_exact("\a")  # the bell, as the screen shows the update overdue
    child.expect_exact("OVERDUE by 1:0")
    child.expect_exact("Ctrl-C to leave")
    child.expect(pexpect.TIMEOUT, timeout=1.5)
    assert "\a" not in child.before  # once, not at every tick
    child.kill(signal.SIGHUP)  # the SSH session dropped, the window closed
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.signalstatus
    assert "Traceback" not in child.before
    assert "\x1b[?1049l" not in child.before  # nothing more written to a terminal that is gone
