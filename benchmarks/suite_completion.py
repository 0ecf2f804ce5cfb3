"""Issue 21: a shell completion call (`crisis update --incident <TAB>`) answers in under
150 ms, about what `crisis --help` costs: it reads one query's worth of the log.

The log holds a team's history (1,000 incidents, seeded as the status page suite does) so
the one query has something to read.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from common import CRISIS, Result, median_wall
from suite_statuspage import seed_public

BUDGET = 0.150  # seconds: what a <TAB> may cost before it feels slow


def completion(runs: int, work: Path) -> list[Result]:
    """One completion call against `crisis --help`, and against the 150 ms budget."""
    subprocess.run([*CRISIS, "init", str(work)], check=True, capture_output=True)
    db = work / ".crisis" / "crisis.db"
    db.parent.mkdir(exist_ok=True)
    seed_public(db, work, incidents=1_000, updates=2_000, days=1_000)
    words = "crisis update --incident INC-9"
    tab = ["env", f"COMP_WORDS={words}", "COMP_CWORD=3", "_CRISIS_COMPLETE=complete_bash"]
    t = median_wall({"help": [*CRISIS, "--help"], "tab": [*tab, *CRISIS]}, runs, work)
    return [
        Result(
            "completion: update --incident INC-9<TAB>", t["tab"], "crisis --help", t["help"], 1.5
        ),
        Result("completion: update --incident INC-9<TAB>", t["tab"], "150 ms budget", BUDGET, 1),
    ]


SUITES = {"completion": completion}
