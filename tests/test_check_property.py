"""Whatever a lead does to the playbook, `crisis check` answers in words and an exit code.

Starting from the bundled example, hypothesis deletes keys, renames them, gives values the
wrong type, duplicates key lines, swaps and drops lines, and splices random text or bytes in
anywhere. `crisis check` must never crash, never show a traceback, and exit 0, 1 or 2; with
`--json` its stdout is one JSON document.

Run it big with `CI=true` (2,000 examples); locally it runs 200.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import crisisplan
from tests.helpers import crisis

EXAMPLE = Path(crisisplan.__file__).parent / "example"
BASE_TEXT = (EXAMPLE / "playbooks" / "example.yaml").read_text(encoding="utf-8")
BASE_DATA: dict[str, Any] = yaml.safe_load(BASE_TEXT)


def _paths(node: Any, prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(BASE_DATA)[1:]
KEYS = sorted({str(p[-1]) for p in PATHS if isinstance(p[-1], str)})
# Values from the plan itself make mutations that pass validation and reach the
# cross-references, the readiness audit and the template check.
PLAN_WORDS = sorted(
    {str(v) for p in PATHS for v in [p[-1]] if isinstance(v, str)}
    | {"support-lead", "email", "status", "minor", "critical", "outage", "update", "status_page"}
)
YAML_BITS = [
    "&a ", "*a", "<<: *a", "!!python/object/apply:os.system ", "!!binary ", "!!int ", "? ",
    "---\n", "...\n", "%YAML 1.1\n", "{{ ", " }}", "{% ", "\ufeff", "\t", "\n  - ", ": ",
    "'", '"', "#", "|\n", ">-\n", "[", "]", "{", "}", ",", "\r", "\u202e", "\x00", "~",
]  # fmt: skip

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**12),
    st.floats(),
    st.text(max_size=30),
    st.dates(),
    st.sampled_from(PLAN_WORDS),
    st.lists(
        st.one_of(st.sampled_from(PLAN_WORDS), st.text(max_size=8), st.integers()), max_size=3
    ),
    st.dictionaries(st.text(max_size=8), st.one_of(st.text(max_size=8), st.integers()), max_size=3),
)
NEW_KEYS = st.one_of(
    st.sampled_from(KEYS),
    st.text(max_size=20),
    st.sampled_from(KEYS).flatmap(
        lambda key: st.integers(0, len(key) - 1).map(lambda i: key[:i] + key[i + 1 :])
    ),
)
SPLICES = st.one_of(
    st.sampled_from(YAML_BITS),
    st.text(
        alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(list(":-[]{}&*!|>#\n "))),
        max_size=20,
    ),
)


def _has(node: Any, step: str | int) -> bool:
    if isinstance(node, dict):
        return isinstance(step, str) and step in node
    return isinstance(node, list) and isinstance(step, int) and step < len(node)


def _container(data: Any, path: tuple[str | int, ...]) -> Any | None:
    """The dict or list that holds `path`'s last step, if the path still exists."""
    node = data
    for step in path[:-1]:
        if not _has(node, step):
            return None
        node = node[step]
    return node if _has(node, path[-1]) else None


@st.composite
def structural(draw: st.DrawFn) -> str:
    """The example's data with keys deleted, renamed or given values of another type."""
    data = copy.deepcopy(BASE_DATA)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        holder, last = _container(data, path), path[-1]
        if holder is None:
            continue
        action = draw(st.sampled_from(["delete", "retype", "rename"]))
        if action == "delete":
            del holder[last]
        elif action == "retype":
            holder[last] = draw(VALUES)
        elif isinstance(holder, dict):
            new = draw(NEW_KEYS)
            renamed = {(new if key == last else key): value for key, value in holder.items()}
            holder.clear()
            holder.update(renamed)
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000)


@st.composite
def textual(draw: st.DrawFn, text: str) -> bytes:
    """`text` with key lines duplicated, lines swapped or dropped, and things spliced in."""
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split("\n")
        action = draw(st.sampled_from(["duplicate", "swap", "drop", "splice", "bytes"]))
        if action == "duplicate":
            keyed = [i for i, line in enumerate(lines) if re.match(r"\s*[\w-]+:", line)]
            i = draw(st.sampled_from(keyed or [0]))
            lines.insert(i + 1, lines[i])
            text = "\n".join(lines)
        elif action == "swap":
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
        elif action == "drop":
            del lines[draw(st.integers(0, len(lines) - 1))]
            text = "\n".join(lines)
        elif action == "splice":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(SPLICES) + text[at:]
        else:
            data = text.encode("utf-8")
            at = draw(st.integers(0, len(data)))
            return data[:at] + draw(st.binary(min_size=1, max_size=4)) + data[at:]
    return text.encode("utf-8")


@st.composite
def mutated_playbooks(draw: st.DrawFn) -> bytes:
    """The bundled example after one to six random edits, by structure, by text, or both."""
    kind = draw(st.sampled_from(["structure", "text", "both"]))
    text = draw(structural()) if kind != "text" else BASE_TEXT
    if kind == "structure":
        return text.encode("utf-8")
    return draw(textual(text))


@pytest.fixture(scope="session")
def plan_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example's library, copied once; each example writes only the playbook."""
    root = tmp_path_factory.mktemp("mutated-plan")
    shutil.copytree(EXAMPLE / "response_library", root / "response_library")
    (root / "playbooks").mkdir()
    return root


def check(plan_dir: Path, content: bytes, *flags: str) -> Any:
    playbook = plan_dir / "playbooks" / "example.yaml"
    playbook.write_bytes(content)
    return crisis("check", *flags, str(playbook))


def test_the_unmutated_starting_points_are_ready(plan_dir: Path) -> None:
    """Both starting points pass, so every failure below comes from the mutation."""
    as_written = check(plan_dir, BASE_TEXT.encode("utf-8"), "--strict")
    as_dumped = check(plan_dir, yaml.safe_dump(BASE_DATA, sort_keys=False).encode(), "--strict")

    assert as_written.exit_code == 0, as_written.stdout + as_written.stderr
    assert as_dumped.exit_code == 0, as_dumped.stdout + as_dumped.stderr


@settings(
    max_examples=2000 if os.environ.get("CI") else 200,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(content=mutated_playbooks(), strict=st.booleans(), as_json=st.booleans())
def test_check_never_crashes_on_a_mutated_playbook(
    plan_dir: Path, content: bytes, strict: bool, as_json: bool
) -> None:
    flags = [flag for flag, on in (("--strict", strict), ("--json", as_json)) if on]

    result = check(plan_dir, content, *flags)  # catch_exceptions=False: a crash fails here

    assert result.exit_code in (0, 1, 2)
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    if result.exit_code == 1:
        assert strict, "exit 1 is for warnings under --strict only"
    if as_json:
        report = json.loads(result.stdout)  # one document, and nothing else on stdout
        assert report["errors"] == sum(f["level"] == "error" for f in report["findings"])
        assert (result.exit_code == 2) == (report["errors"] > 0)
    elif result.exit_code == 2:
        assert "error" in result.stdout + result.stderr
    else:
        assert ": error: " not in result.stdout
