"""Before a crisis: check the plan, lay it out, write the example."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from crisisplan.errors import CrisisError, Location, PlaybookInvalid
from crisisplan.files import write_atomic
from crisisplan.playbook.findings import Finding

if TYPE_CHECKING:
    from crisisplan.playbook.outline import Section


@dataclass(frozen=True)
class CheckReport:
    """What `crisis check` found; `loaded` is False when the playbook itself is invalid."""

    playbook: Path
    loaded: bool
    findings: list[Finding] = field(default_factory=list)
    hint: str | None = None  # what to do, when the playbook could not be loaded

    @property
    def errors(self) -> int:
        return sum(f.level == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.level == "warning" for f in self.findings)


def run_check(explicit: Path | None, *, today: dt.date | None = None) -> CheckReport:
    """Validate the playbook and its library, then audit readiness and every template."""
    from crisisplan.playbook.loader import find_playbook, load_plan
    from crisisplan.playbook.readiness import audit
    from crisisplan.templating.check import check_template

    path = find_playbook(explicit)
    try:
        plan = load_plan(path)
    except PlaybookInvalid as exc:
        problems = [Finding("error", "invalid", msg, loc) for loc, msg in exc.problems]
        return CheckReport(path, loaded=False, findings=problems, hint=exc.hint)
    findings = audit(plan.playbook, plan.locate, today=today or dt.date.today())
    seen: set[Finding] = set()
    for template in plan.templates.values():
        for finding in check_template(template, plan.playbook):
            if finding not in seen:
                seen.add(finding)
                findings.append(finding)
    findings.sort(key=_order)
    return CheckReport(path, loaded=True, findings=findings)


def _order(finding: Finding) -> tuple[int, str, int, int]:
    loc = finding.location or Location("")
    return (finding.level != "error", str(loc.file), loc.line or 0, loc.column or 0)


def plan_outline(explicit: Path | None) -> tuple[str, list[Section]]:
    """The plan's title and sections, for `crisis plan` to lay out as text, md or html."""
    from crisisplan.playbook.loader import find_playbook, load_plan
    from crisisplan.playbook.outline import outline
    from crisisplan.playbook.promise_outline import plan_sections

    plan = load_plan(find_playbook(explicit))
    title, sections = outline(plan.playbook)
    return title, sections + plan_sections(plan.templates)


def example_files() -> list[tuple[str, bytes]]:
    """The bundled example as (relative path, content), in a stable order."""
    root = resources.files("crisisplan") / "example"
    found: list[tuple[str, bytes]] = []

    def walk(node: resources.abc.Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            rel = f"{prefix}{child.name}"
            if child.is_dir():
                if child.name != "__pycache__":
                    walk(child, rel + "/")
            elif not child.name.endswith((".pyc", ".py")):
                found.append((rel, child.read_bytes()))

    walk(root, "")
    return found


def init_plan(directory: Path, *, force: bool) -> list[Path]:
    """Write the example into DIRECTORY; all or nothing, and never over a file without force."""
    if directory.exists() and not directory.is_dir():
        raise CrisisError(
            f"{directory} exists and is not a directory.", hint="Choose another place to write."
        )
    targets = [(directory / rel, _stamped(rel, data)) for rel, data in example_files()]
    clashes = [path for path, _ in targets if path.exists() or path.is_symlink()]
    if clashes and not force:
        listed = ", ".join(str(p) for p in clashes[:3]) + (" and more" if len(clashes) > 3 else "")
        raise CrisisError(
            f"{len(clashes)} file(s) already exist: {listed}.",
            hint="Nothing was written; pass --force to overwrite them.",
        )
    for path, data in targets:
        write_atomic(path, data)
    return [path for path, _ in targets]


def _stamped(rel: str, data: bytes) -> bytes:
    """The example plan as of today: a fresh copy should not start out stale."""
    if not rel.startswith("playbooks/"):
        return data
    today = dt.date.today().isoformat()
    return re.sub(rb"(?m)^reviewed: \d{4}-\d{2}-\d{2}", f"reviewed: {today}".encode(), data)
