"""A glance at the current plan for shell completion: its YAML as plain data, unvalidated.

No pydantic and no templates: a <TAB> must cost about what `--help` does. Anything
unreadable is None, never an error, so nothing ever lands in someone's prompt.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATE_SUFFIX = ".md.j2"  # as the loader names library files


@dataclass(frozen=True)
class Glance:
    """The playbook's path and its top-level mapping, as written."""

    path: Path
    doc: dict[str, Any]

    def ids(self, section: str, label: str = "name") -> list[tuple[str, str]]:
        """(id, its `label` field) of each entry of a mapping section, e.g. roles."""
        found = self.doc.get(section)
        if not isinstance(found, dict):
            return []
        out = []
        for key, value in found.items():
            text = value.get(label) if isinstance(value, dict) else None
            out.append((str(key), text if isinstance(text, str) else ""))
        return out

    def template_ids(self) -> list[str]:
        """The ids of the templates in the plan's response library, sorted."""
        library = self.doc.get("library")
        folders = (
            [self.path.parent / library]
            if isinstance(library, str)
            else [
                self.path.parent.parent / "response_library",
                self.path.parent / "response_library",
            ]
        )
        for folder in folders:
            if folder.is_dir():
                return sorted(
                    p.name.removesuffix(TEMPLATE_SUFFIX) for p in folder.glob(f"*{TEMPLATE_SUFFIX}")
                )
        return []


def glance(explicit: str | Path | None) -> Glance | None:
    """The plan --playbook, $CRISIS_PLAYBOOK or ./playbooks/ names, read but not validated."""
    chosen = explicit or os.environ.get("CRISIS_PLAYBOOK")
    if chosen:
        path = Path(chosen)
    else:
        folder = Path("playbooks")
        found = sorted(folder.glob("*.y*ml")) if folder.is_dir() else []
        if len(found) != 1:
            return None
        path = found[0]
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        with path.open(encoding="utf-8") as handle:
            doc = yaml.load(handle, Loader=loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
    return Glance(path, doc) if isinstance(doc, dict) else None
