"""The one way a `--json` reaches stdout: a whole document, or one streamed item by item."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(document: Any) -> None:
    """One JSON document on stdout, indented, non-ASCII kept as it is (a date or a path
    in it is printed as its text)."""
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n")


class JsonStream:
    """One JSON document whose list is written item by item, never all held at once:
    `{"incident": "INC-1", "drafts": [` then one item a line, then `], "counts": {...}}`.
    """

    def __init__(self, head: dict[str, str], key: str) -> None:
        fields = "".join(f"{json.dumps(k)}: {json.dumps(v)}, " for k, v in head.items())
        self.head = "{" + fields + json.dumps(key) + ": ["
        self.first = True
        self.opened = False

    def open(self) -> None:
        """Write the head now; otherwise it waits for the first item, so that a failure
        before any item leaves stdout empty rather than half a document."""
        if not self.opened:
            sys.stdout.write(self.head)
            self.opened = True

    def add(self, item: dict[str, Any]) -> None:
        self.open()
        separator = "\n  " if self.first else ",\n  "
        sys.stdout.write(separator + json.dumps(item, ensure_ascii=False))
        self.first = False

    def close(self, **tail: Any) -> None:
        """End the list, then add the fields known only at the end."""
        self.open()
        fields = "".join(f", {json.dumps(k)}: {json.dumps(v)}" for k, v in tail.items())
        sys.stdout.write("\n]" + fields + "}\n")
