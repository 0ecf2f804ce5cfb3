"""Only plain words reach a customer (issue 22, fault 8).

`{{ self }}` printed `<TemplateReference …>` and `{{ customer.items() }}` printed Python
data; `crisis check` passed both. A template whose output can hold a Python repr is an
error, pointing at its line; lists and mappings are joined or looped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import crisis, ok

TEMPLATE = Path("response_library/first-response.md.j2")
GREETING = "Hi {{ customer.name }},"
START = ("start", "--type", "outage", "--severity", "major", "--title", "T", "--summary", "S")


@pytest.fixture(autouse=True)
def plan() -> None:
    ok("init", ".")


def greet_with(extra: str) -> None:
    text = TEMPLATE.read_text(encoding="utf-8")
    assert text.count(GREETING) == 1
    TEMPLATE.write_text(text.replace(GREETING, f"{GREETING} {extra}"), encoding="utf-8")


def line_of_greeting() -> int:
    text = TEMPLATE.read_text(encoding="utf-8")
    return text[: text.index(GREETING)].count("\n") + 1


@pytest.mark.parametrize(
    "expression",
    [
        "{{ self }}",
        "{{ customer.items() }}",
        "{{ customer }}",
        "{{ customer.keys() | list }}",
        "{{ incident.title.split() }}",
        "{{ range(3) }}",
    ],
)
def test_check_refuses_a_template_that_prints_python_data(expression: str) -> None:
    greet_with(expression)
    result = crisis("check")
    assert result.exit_code == 2
    assert f"{TEMPLATE}:{line_of_greeting()}" in result.stdout + result.stderr
    assert "join" in result.stdout + result.stderr
    # Unchecked, it reaches no customer either: `start` drafts the first reply with it.
    started = crisis(*START, "--yes")
    assert started.exit_code == 2 and "TemplateReference" not in started.stdout
    assert f"{TEMPLATE}:{line_of_greeting()}" in started.stderr


def test_lists_joined_or_looped_and_numbers_and_times_pass() -> None:
    greet_with(
        "{{ incident.title.split() | join(' ') }} {% for k in customer.keys() %}{{ k }}"
        "{% endfor %} {{ customer.previous_incidents }} {{ 2.5 }} {{ incident.started_at | clock }}"
    )
    ok("check")
