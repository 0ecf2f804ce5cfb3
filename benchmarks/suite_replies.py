"""Issue 4: drafting replies from a CSV (render, lint, record, write files) against bare
Jinja2 rendering the same template as many times, and the drafting run's peak memory.

Also shown: the drafting run's time in the kernel for each draft, which says whether the
file system was slowed by what ran before it (see `_settled`).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from common import CRISIS, PY, Result

FULL, QUICK = 100_000, 10_000
PAIRS = 2
MEMORY_LIMIT_MB = 200
# Kernel time for each draft (its file, the log, the workers' pipes) is 50-60 us at 100k
# rows on a settled file system here (a little more at 10k, with start-up in it), and
# 130-250 us within minutes of a mass delete.
KERNEL_LIMIT_US = 100
PROBE_SETTLED_US = 80  # creating one file, where 30-50 us is usual: at 150, a run
# could start on a file system still slowed enough to add 10 s to 100,000 files
SETTLE_WAIT = 480  # seconds a full run waits for the file system; --quick does not

_BARE = """
import sys
from pathlib import Path
from jinja2 import Environment, StrictUndefined
from crisisplan.playbook.loader import load_plan
from crisisplan.templating.render import sample_context
plan = load_plan(Path("playbooks/example.yaml"))
template = plan.template_for("first_response")
base = sample_context(plan.playbook, purpose="first_response")
env = Environment(undefined=StrictUndefined, keep_trailing_newline=True)
env.filters.update(clock=lambda v: v.strftime("%H:%M UTC"), ago=lambda v: "a while ago",
                   plural=lambda n, s, p=None: f"{n} {s}")
compiled = env.from_string(template.body)
for i in range(int(sys.argv[1])):
    compiled.render(dict(base, customer=dict(base["customer"], name=f"Customer {i}")))
"""


class Run(NamedTuple):
    seconds: float  # wall
    megabytes: float  # peak resident memory
    kernel: float  # seconds of system time, with its worker processes


def _run(cmd: list[str], cwd: Path) -> Run:
    """How long one process took, and what it used."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{cmd[:3]} failed: {stderr[-400:]}")
    return Run(seconds, usage.ru_maxrss / 1024, usage.ru_stime)


def _settled(work: Path, wait: float) -> None:
    """Wait up to `wait` seconds for creating a file to take its usual time.

    On ext4 without a journal (as where this project's CI runs) the kernel does not reuse
    the inode of a file deleted in the last one to six minutes, and each file created
    scans past every such inode (`recently_deleted` in fs/ext4/ialloc.c). After a mass
    delete, such as a test suite's clean-up or this benchmark's own from the run before,
    creating a file takes 10-20 times as long for minutes. Bare Jinja2 writes no files:
    only the drafting side would pay for what ran before it. Syncing first cuts the wait
    for inodes whose table is written out to a minute.
    """
    deadline = time.monotonic() + wait
    os.sync()
    while (micros := _creating_a_file(work)) > PROBE_SETTLED_US and time.monotonic() < deadline:
        note = f"creating a file takes {micros:.0f} us: waiting for the file system"
        print(f"   ({note})", flush=True)
        time.sleep(20)


def _creating_a_file(work: Path, count: int = 2000) -> float:
    """Microseconds to create and write one small file in a new folder in `work`.

    The files stay until the benchmark ends: deleting them would slow what comes next.
    """
    folder = tempfile.mkdtemp(dir=work, prefix="probe")
    words = b"x" * 800  # about a draft's size
    start = time.perf_counter()
    for i in range(count):
        fd = os.open(f"{folder}/{i:05d}.md", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.write(fd, words)
        os.close(fd)
    return (time.perf_counter() - start) / count * 1e6


def replies(runs: int, work: Path) -> list[Result]:
    """Bare Jinja2 and the drafting run, alternated PAIRS times, best of each: this VM's
    speed swings by up to 2x over tens of seconds, and alternating lets both sides meet
    the same swings."""
    rows = QUICK if runs < 15 else FULL
    csv = work / "customers.csv"
    with csv.open("w", encoding="utf-8") as handle:
        handle.write("name,email,tier,note,open_case\n")
        for i in range(rows):
            handle.write(f"Customer {i},c{i}@example.com,business,Their case {i},no\n")
    if rows == FULL:
        _settled(work, SETTLE_WAIT)
    bare: list[float] = []
    drafting: list[Run] = []
    for pair in range(PAIRS):
        team = work / f"team{pair}"  # a fresh log and folder each time: nothing to skip
        subprocess.run([*CRISIS, "init", str(team)], check=True, capture_output=True)
        declare = "start --type outage --severity major --title Down --summary Unknown --yes"
        subprocess.run([*CRISIS, *declare.split()], cwd=team, check=True, capture_output=True)
        bare.append(_run([PY, "-c", _BARE, str(rows)], team).seconds)
        drafting.append(_run([*CRISIS, "reply", "--customers", str(csv), "-o", "drafts"], team))
    best = min(drafting)
    return [
        Result(
            f"reply --customers ({rows:,} rows, files)",
            best.seconds,
            f"bare Jinja2 x {rows:,}",
            min(bare),
            2.5,
        ),
        Result(
            f"reply --customers peak memory ({rows:,} rows)",
            max(run.megabytes for run in drafting),
            f"{MEMORY_LIMIT_MB} MB limit",
            MEMORY_LIMIT_MB,
            1.0,
            unit="MB",
        ),
        Result(
            "  its time in the kernel, per draft",
            best.kernel / rows * 1e6,
            "usual on a settled file system",
            KERNEL_LIMIT_US,
            1.0,
            unit="us",
        ),
    ]


SUITES = {"replies": replies}
