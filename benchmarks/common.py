"""What every benchmark suite shares: the result line, timing, and seeding a log."""

from __future__ import annotations

import datetime as dt
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
_SCRIPT = Path(PY).parent / "crisis"
CRISIS = [str(_SCRIPT)] if _SCRIPT.exists() else [PY, "-m", "crisisplan"]
# Drafts are signed by a person of the plan; every suite runs on the bundled example,
# whose lead signs them (set here, so every `crisis` a suite runs inherits it).
os.environ["CRISIS_AGENT"] = "support-lead"


@dataclass
class Result:
    name: str
    seconds: float
    baseline_name: str
    baseline: float
    target: float
    unit: str = "ms"  # "ms": seconds shown in milliseconds; anything else: shown as is

    @property
    def ratio(self) -> float:
        return self.seconds / self.baseline

    @property
    def shown(self) -> float:
        return self.seconds * 1000 if self.unit == "ms" else self.seconds

    def line(self) -> str:
        verdict = "ok" if self.ratio <= self.target else "OVER TARGET"
        return (
            f"{self.name:<44} {self.shown:8.1f} {self.unit}  "
            f"{self.ratio:5.2f}x {self.baseline_name} (target <= {self.target:g}x)  {verdict}"
        )


def median_wall(cmds: dict[str, Sequence[str]], runs: int, cwd: Path) -> dict[str, float]:
    """Median wall time of each command; runs are interleaved so load drifts hit all alike.

    What a user's installed `crisis` does is measured: bytecode cached (in a folder of the
    run's own, so the checkout is not written to, even where PYTHONDONTWRITEBYTECODE is
    set), after one warm-up round that is not counted.
    """
    times: dict[str, list[float]] = {name: [] for name in cmds}
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPYCACHEPREFIX": str(cwd / ".pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    for round_ in range(runs + 1):
        for name, cmd in cmds.items():
            start = time.perf_counter()
            proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, check=False)
            if round_:
                times[name].append(time.perf_counter() - start)
            if proc.returncode not in (0, 1):
                sys.exit(f"{name} failed ({proc.returncode}): {proc.stderr.decode()[-400:]}")
    return {name: statistics.median(values) for name, values in times.items()}


BIG = 100_000  # events in the large incident; --quick keeps it, only the runs are fewer
SMALL = 10
_BATCH = 10_000  # events per transaction while seeding


def seed(db: Path, total: int, work: Path) -> None:
    """An incident whose log holds `total` events: declared through the CLI, then notes
    appended through the store in a few large transactions that keep its state right."""
    declare = "start --type outage --severity major --title Down --summary Unknown --yes"
    subprocess.run(
        [*CRISIS, *declare.split(), "--at", "-6h", "--db", str(db)],
        cwd=work,
        check=True,
        capture_output=True,
    )
    from crisisplan.phases.record import event, record_in
    from crisisplan.store import open_store

    with open_store(db) as store:
        (row,) = store.incidents(open_only=True)
        left = total - store.count_events(row.id)
        start = row.opened_at
        # Spread over the hours since the start, ending a minute ago.
        step = (dt.datetime.now(dt.UTC) - start - dt.timedelta(minutes=1)) / max(left, 1)
        done = 0
        while done < left:
            size = min(_BATCH, left - done)
            batch = [
                event("note", start + step * (done + i), "bench", text=f"Note {done + i}: checked")
                for i in range(1, size + 1)
            ]
            with store.transaction() as tx:
                record_in(tx, row.id, batch)
            done += size
        if store.count_events(row.id) != total:
            sys.exit(f"seeding {db} gave {store.count_events(row.id)} events, not {total}")
