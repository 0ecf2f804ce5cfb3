"""What a template may print: text, numbers and the documented date-times, nothing else.

Anything else printed as it is reaches the customer in Python's own notation: `{{ self }}`
reads `<TemplateReference ...>`, a mapping `{'name': ...}`, a list `['a', 'b']`. The
sandbox calls `printable` on every value a template prints, so `crisis check` refuses
such a template, pointing at its line, and no draft holds one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, MappingView
from typing import Any

from jinja2 import Undefined

from crisisplan.templating.limits import Stop

# Text, numbers (true/false among them, as in Python) and date-times (a dt.date).
_PLAIN = (str, int, float, dt.date)


def printable(value: Any) -> Any:
    """`value` if a template may print it; else Stop, which names what it is."""
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, Undefined):
        return value  # printing it raises the error that names the missing variable
    raise Stop(
        "template.repr",
        f"the template prints {_kind(value)}, which would reach the customer as Python "
        "writes it, not as words.",
        "Join a list (`| join(', ')`) or loop over it, and print the values of a mapping "
        "one by one; only text, numbers and times are printed.",
    )


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "a whole mapping"
    if isinstance(value, MappingView):
        return "a mapping's keys, values or items"
    if isinstance(value, list | tuple | set | frozenset):
        return "a whole list"
    name = type(value).__name__
    if name == "TemplateReference":
        return "`self` (the template itself)"
    return f"a {name} object"
