"""A hostile template (a saved reply, a careless edit, a deliberate attack) gets a located
TemplateError within a few seconds and a little memory: never a hang, a traceback or a leak.

Each payload renders in a forked child with a time limit, so a hang fails the test instead
of stalling the run, and a memory blow-up cannot take the test run down with it.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import resource
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

import pytest

from crisisplan.errors import TemplateError
from crisisplan.playbook.templates import FrontMatter, Template
from crisisplan.templating.render import RenderError, render

CONTEXT = {
    "customer": {"name": "Jordan Lee", "note": None},
    "company": {"name": "Acme Mail"},
    "now": dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC),
}
LIMIT = "template.limit"
SANDBOX = "template.sandbox"
UNDEFINED = "template.undefined"

# (payload, the error code, words the message must contain)
HOSTILE: dict[str, tuple[str, str, str]] = {
    "subclasses walk": (
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        SANDBOX,
        "tried to reach `__class__`",
    ),
    "globals via cycler": ("{{ cycler.__init__.__globals__.os }}", SANDBOX, "`__init__`"),
    "globals via joiner": ("{{ joiner.__init__.__globals__ }}", SANDBOX, "`__init__`"),
    "globals via namespace": ("{{ namespace.__init__.__globals__ }}", SANDBOX, "`__init__`"),
    "lipsum globals": ("{{ lipsum.__globals__['os'] }}", UNDEFINED, "`lipsum` is undefined"),
    "lipsum forever": ("{{ lipsum(n=10**9) }}", UNDEFINED, "`lipsum` is undefined"),
    "builtins via a string method": (
        "{{ customer.name.upper.__self__.__builtins__ }}",
        SANDBOX,
        "`__self__`",
    ),
    "self reference": ("{{ self._TemplateReference__context }}", SANDBOX, "`_TemplateReference"),
    "flask config": ("{{ '%s' % config }}", UNDEFINED, "`config` is undefined"),
    "flask request": ("{{ request.application.__globals__ }}", UNDEFINED, "`request` is undefined"),
    "str.format walk": ("{{ '{0.__class__.__mro__}'.format(1) }}", SANDBOX, "`__class__`"),
    "format_map walk": (
        "{{ '{c.__init__.__globals__}'.format_map({'c': cycler}) }}",
        SANDBOX,
        "`__init__`",
    ),
    "attr filter chain": ("{{ ''|attr('__class__')|attr('__mro__') }}", SANDBOX, "`__class__`"),
    "mro of a global": ("{{ dict.mro() }}", SANDBOX, "`mro`"),
    "list mutation": ("{{ [].append(1) }}", SANDBOX, "`append`"),
    "dict mutation": ("{{ {}.update({'a': 1}) }}", SANDBOX, "`update`"),
    "bytes bomb method": ("{{ (1).to_bytes(10**9, 'big') }}", SANDBOX, "`to_bytes`"),
    "tab bomb method": ("{{ '\t'.expandtabs(10**9) }}", SANDBOX, "`expandtabs`"),
    "nested huge ranges": (
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
        LIMIT,
        "too much work",
    ),
    "astronomical range": ("{% for i in range(10**20) %}{% endfor %}", LIMIT, "too much work"),
    "nested loops over a big string": (
        "{% set s = 'x' * 100000 %}{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}",
        LIMIT,
        "too much work",
    ),
    "string times a billion": ("{{ 'x' * 10**9 }}", LIMIT, "1,000,000,000 characters"),
    "list times a billion": ("{{ [0] * 999999999 }}", LIMIT, "999,999,999 characters"),
    "huge power": ("{{ 10 ** 1000000 }}", LIMIT, "huge number"),
    "doubling through a namespace": (
        "{% set ns = namespace(s='x') %}{% for i in range(64) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }}",
        LIMIT,
        "1,048,576 characters",
    ),
    "doubling through set": (
        "{% set a = 'x' * 600000 %}{% set b = a ~ a %}{{ b }}",
        LIMIT,
        "1,200,000 characters",
    ),
    "buffer bomb in a set block": (
        "{% set x %}{% for i in range(100000) %}{{ 'x' * 900000 }}{% endfor %}{% endset %}",
        LIMIT,
        "too much work",
    ),
    "buffer bomb in a macro": (
        "{% macro m() %}{% for i in range(100000) %}{{ ('x' * 999) ~ i }}{% endfor %}"
        "{% endmacro %}{{ m() | length }}",
        LIMIT,
        "too much work",
    ),
    "format width": ("{{ '{:>999999999}'.format(1) }}", LIMIT, "padding or precision"),
    "nested format width": ("{{ '{:{w}}'.format('x', w=10**9) }}", LIMIT, "padding"),
    "printf width": ("{{ '%999999999s' % 1 }}", LIMIT, "padding or precision"),
    "printf star width": ("{{ '%*s' % (10**9, 1) }}", LIMIT, "padding or precision"),
    "format filter width": ("{{ '%999999999s' | format(1) }}", LIMIT, "padding"),
    "printf repetition": (
        "{{ ('%(a)s' * 200000) % {'a': 'x' * 100} }}",
        LIMIT,
        "characters or items",
    ),
    "center filter": ("{{ 'x' | center(10**9) }}", LIMIT, "characters or items"),
    "indent filter": ("{{ ('a\\n' * 100000) | indent(1000) }}", LIMIT, "characters or items"),
    "replace multiplies": (
        "{% set s = 'x' * 1000000 %}{{ s | replace('x', s) }}",
        LIMIT,
        "characters or items",
    ),
    "replace method multiplies": (
        "{% set s = 'x' * 1000000 %}{{ s.replace('x', s) }}",
        LIMIT,
        "characters or items",
    ),
    "join multiplies": ("{{ (['a'] * 100000) | join('x' * 100000) }}", LIMIT, "characters"),
    "slice filter loops": ("{{ 'abc' | slice(10**9) | list }}", LIMIT, "too much work"),
    "batch filter fills": ("{{ [1] | batch(10**9, 0) | list }}", LIMIT, "characters or items"),
    "wordwrap separator": (
        "{{ 'x' | wordwrap(1, wrapstring='y' * 1000000) }}",
        LIMIT,
        "characters or items",
    ),
    "quadratic sum of lists": (
        "{{ ([[1] * 1000] * 1000) | sum(start=[]) }}",
        "template.failed",
        "adds numbers only",
    ),
    "endless macro recursion": (
        "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
        LIMIT,
        "calls itself too deeply",
    ),
    "exponential macro recursion": (
        "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
        "{{ f(0) }}",
        LIMIT,
        "too much work",
    ),
    "exponential recursive loop": (
        "{% for x in [1, 1] recursive %}{{ loop([1, 1]) if loop.depth < 40 }}{% endfor %}",
        LIMIT,
        "too much work",
    ),
    "huge output": ("{% for i in range(30000) %}{{ 'x' * 99 }}{% endfor %}", LIMIT, "characters"),
    "brackets nested past the parser's depth": (
        "{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}",
        LIMIT,
        "nests too deeply",
    ),
    "ifs nested past the parser's depth": (
        "{% if 1 %}" * 3000 + "{% endif %}" * 3000,
        LIMIT,
        "nests too deeply",
    ),
    "include a system file": ("{% include '/etc/passwd' %}", "template.include", "include"),
    "extend a file outside the library": (
        "{% extends '../../secrets.md.j2' %}",
        "template.include",
        "extend",
    ),
    "import macros from a file": ("{% import 'x.j2' as x %}", "template.include", "import"),
    "from-import": ("{% from 'x.j2' import y %}", "template.include", "import"),
}


@dataclass(frozen=True)
class Outcome:
    kind: str  # "error", "rendered" or "crashed"
    code: str
    message: str
    location: str
    seconds: float
    grew_mb: float


def _child(body: str, conn: Connection) -> None:
    template = Template(
        front=FrontMatter(id="hostile", purpose="update"),
        body=body,
        path=Path("library/hostile.md.j2"),
        body_line=4,
    )
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    try:
        render(template, CONTEXT)
        kind, code, message, where = "rendered", "", "", ""
    except RenderError as exc:
        kind, code, message, where = "error", exc.code, str(exc), str(exc.location)
    except BaseException as exc:  # the test fails on anything else; report what it was
        kind, code, message, where = "crashed", type(exc).__name__, repr(exc), ""
    seconds = time.perf_counter() - start
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    conn.send(Outcome(kind, code, message, where, seconds, grew))


def attempt(body: str, timeout: float = 30.0) -> Outcome:
    """Render `body` in a forked child; a child still running after `timeout` fails."""
    receive, send = multiprocessing.Pipe(duplex=False)
    child = multiprocessing.get_context("fork").Process(target=_child, args=(body, send))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"rendering hung for {timeout:g}s: {body!r}")
    if not receive.poll():
        pytest.fail(f"rendering killed the process (exit code {child.exitcode}): {body!r}")
    outcome: Outcome = receive.recv()
    return outcome


@pytest.mark.parametrize(("body", "code", "words"), HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_template_is_refused_quickly_with_a_located_error(
    body: str, code: str, words: str
) -> None:
    outcome = attempt(body)

    assert outcome.kind == "error", outcome
    assert outcome.code == code, outcome.message
    assert words in outcome.message
    assert outcome.location.startswith("library/hostile.md.j2:4")
    assert outcome.seconds < 5, f"took {outcome.seconds:.1f}s"
    assert outcome.grew_mb < 150, f"grew by {outcome.grew_mb:.0f} MB"


def test_the_corpus_covers_every_kind_of_attack() -> None:
    codes = {code for _, code, _ in HOSTILE.values()}
    assert len(HOSTILE) >= 12
    assert {SANDBOX, UNDEFINED, LIMIT, "template.include"} <= codes


def test_a_refusal_names_the_attribute_and_its_place() -> None:
    body = "Hi {{ customer.name }},\n\nYour plan: {{ customer.name.__class__.__base__ }}\n"
    template = Template(
        front=FrontMatter(id="t", purpose="update"), body=body, path=Path("t.md.j2"), body_line=6
    )

    with pytest.raises(TemplateError) as caught:
        render(template, CONTEXT)

    assert str(caught.value) == (
        "t.md.j2:8:29: the template tried to reach `__class__`, which templates may not use. "
        "Templates read the variables in docs/templates.md and use filters; nothing else."
    )


def test_ordinary_loops_filters_and_methods_still_work() -> None:
    body = (
        "{% for i in range(200) %}{{ loop.index }}{{ ',' if not loop.last }}{% endfor %}\n"
        "{{ customer.name.upper().split() | join('-') }} {{ '%05d' % 42 }} "
        "{{ '{:,}'.format(1200000) }} {{ customer.name | replace('Lee', 'L.') }}\n"
        "{% set ns = namespace(n=0) %}{% for x in [3, 4] %}{% set ns.n = ns.n + x %}{% endfor %}"
        "{{ ns.n }} {{ now.strftime('%d %b') }} {{ ['b', 'a'] | sort | first }}\n"
        "{{ 'word ' * 3 }}{{ customer.get('name') }}"
    )
    template = Template(
        front=FrontMatter(id="t", purpose="update"), body=body, path=Path("t.md.j2"), body_line=1
    )

    lines = render(template, CONTEXT).text.split("\n")

    assert lines[0] == ",".join(str(i) for i in range(1, 201))
    assert lines[1] == "JORDAN-LEE 00042 1,200,000 Jordan L."
    assert lines[2] == "7 24 Nov a"
    assert lines[3] == "word word word Jordan Lee"


def test_a_long_but_honest_draft_is_not_refused() -> None:
    body = (
        "{% for i in range(2000) %}Line {{ i }}: {{ customer.name }} {{ 'ok' * 10 }}\n{% endfor %}"
    )
    template = Template(
        front=FrontMatter(id="t", purpose="update"), body=body, path=Path("t.md.j2"), body_line=1
    )

    assert render(template, CONTEXT).text.count("\n") == 2000
