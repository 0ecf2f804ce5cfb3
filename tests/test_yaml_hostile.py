"""Hostile and broken YAML: a clear, located error within a second, never a hang or traceback.

Each attack runs in its own Python process with a timeout, so a hang fails the test
instead of stalling the suite, and the time to refuse is measured inside that process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from crisisplan.errors import CrisisError, PlaybookError, PlaybookInvalid
from crisisplan.playbook.loader import find_playbook, load_plan
from crisisplan.playbook.safe_yaml import MAX_BYTES, load_yaml

# Generous: every refusal below takes a few milliseconds; a regression to quadratic or
# exponential work takes seconds or never ends.
WELL_UNDER_A_SECOND = 1.0

_PROBE = """
import json, sys, time
from pathlib import Path
from crisisplan.errors import CrisisError
from crisisplan.playbook.safe_yaml import load_yaml

path = Path(sys.argv[1])
data = path.read_bytes()
start = time.perf_counter()
try:
    load_yaml(data, path)
    result = {"refused": False}
except CrisisError as error:
    result = {
        "refused": True,
        "kind": type(error).__name__,
        "text": str(error),
        "line": error.location.line,
        "column": error.location.column,
        "file": str(error.location.file),
    }
result["seconds"] = time.perf_counter() - start
print(json.dumps(result))
"""


def refuse(tmp_path: Path, content: bytes | str) -> dict[str, Any]:
    """Load `content` in a separate process; return what the user would be told."""
    path = tmp_path / "playbook.yaml"
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, f"a traceback reached the user:\n{done.stderr}"
    result: dict[str, Any] = json.loads(done.stdout)
    assert result["refused"], "the hostile file was accepted"
    assert result["kind"] == "PlaybookInvalid"
    assert result["file"] == str(path)
    assert result["seconds"] < WELL_UNDER_A_SECOND, result
    return result


def billion_laughs() -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        this, prev = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"{this}: &{this} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


def test_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    result = refuse(tmp_path, billion_laughs())

    assert "aliases (*name) expand this file to more than 50,000 values" in result["text"]
    assert result["line"] is not None


def test_an_alias_that_contains_itself_is_refused(tmp_path: Path) -> None:
    result = refuse(tmp_path, "name: x\nloop: &loop [1, *loop]\n")

    assert "points at the list or mapping it sits inside" in result["text"]
    assert (result["line"], result["column"]) == (2, 7)


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ("a: " + "[" * 20_000 + "]" * 20_000 + "\n", 1),
        ("a: " + "{b: " * 20_000 + "}" * 20_000 + "\n", 1),
        ("a:\n  " + "- " * 20_000 + "x\n", 2),
        ("a:\n" + "".join(" " * depth + "b:\n" for depth in range(1, 500)) + "  c\n", 64),
    ],
    ids=["flow-lists", "flow-mappings", "block-lists", "block-mappings"],
)
def test_deep_nesting_is_refused_quickly(tmp_path: Path, content: str, line: int) -> None:
    result = refuse(tmp_path, content)

    assert "nested more than 64 levels deep" in result["text"]
    assert result["line"] == line


def test_a_binary_file_is_refused_with_the_place_of_the_nul(tmp_path: Path) -> None:
    result = refuse(tmp_path, b"name: x\nlogo: \x89PNG\x00\x00\x1a\n")

    assert result["text"].startswith(f"{tmp_path / 'playbook.yaml'}:2:11: the file looks binary")


def test_invalid_utf8_names_the_line_and_column_of_the_bad_byte(tmp_path: Path) -> None:
    result = refuse(tmp_path, "name: x\nstance: café ".encode() + b"\xff\n")

    assert (result["line"], result["column"]) == (2, 14)
    assert "not UTF-8 text: byte 0xff cannot be read" in result["text"]
    assert "Save the file as UTF-8" in result["text"]


def test_a_utf16_file_is_told_to_be_saved_as_utf8(tmp_path: Path) -> None:
    result = refuse(tmp_path, "name: x\n".encode("utf-16"))

    assert "saved as UTF-16" in result["text"]


def test_a_utf8_bom_is_fine_and_does_not_shift_columns() -> None:
    doc = load_yaml(b"\xef\xbb\xbfname: Acme\n", "p.yaml")

    assert doc.data == {"name": "Acme"}
    assert str(doc.locate(("name",))) == "p.yaml:1:7"


@pytest.mark.parametrize(
    "content", ["", "\n\n   \n", "# just a comment\n# and another\n", "---\n"], ids=repr
)
def test_an_empty_file_says_so(tmp_path: Path, content: str) -> None:
    result = refuse(tmp_path, content)

    assert result["text"].startswith(f"{tmp_path / 'playbook.yaml'}:1:1: the file is empty")


def test_a_directory_is_not_a_playbook(tmp_path: Path) -> None:
    folder = tmp_path / "playbooks"
    folder.mkdir()

    with pytest.raises(PlaybookError) as loading:
        load_plan(folder)
    with pytest.raises(PlaybookError) as finding:
        find_playbook(folder)

    assert str(loading.value).startswith(f"{folder}: the playbook is a folder, not a file")
    assert "is a folder, not a YAML file" in str(finding.value)


@pytest.mark.parametrize(
    ("content", "tag"),
    [
        (
            'run: !!python/object/apply:os.system ["touch pwned"]\n',
            "!!python/object/apply:os.system",
        ),
        ("run: !!python/name:os.system\n", "!!python/name:os.system"),
        ('run: !!python/object/new:subprocess.Popen [["touch", "pwned"]]\n', "!!python/object/new"),
        ("run: !!binary aGVsbG8=\n", "!!binary"),
        ("run: !include other.yaml\n", "!include"),
    ],
    ids=["object-apply", "name", "object-new", "binary", "unknown"],
)
def test_tags_that_would_build_objects_are_refused(tmp_path: Path, content: str, tag: str) -> None:
    result = refuse(tmp_path, content)

    assert f"the YAML tag {tag}" in result["text"]
    assert "is not allowed" in result["text"]
    assert (result["line"], result["column"]) == (1, 6)
    assert not (tmp_path / "pwned").exists()
    assert not Path("pwned").exists()


def test_a_duplicate_key_points_at_the_second_and_names_the_first(tmp_path: Path) -> None:
    result = refuse(tmp_path, "name: Acme\nroles:\n  lead: {name: Dana}\n  lead: {name: Sam}\n")

    assert (result["line"], result["column"]) == (4, 3)
    assert "duplicate key `lead` (first written at line 3)" in result["text"]


def test_more_than_one_document_is_refused_at_the_second(tmp_path: Path) -> None:
    result = refuse(tmp_path, "name: Acme\n---\nname: Beta\n")

    assert (result["line"], result["column"]) == (2, 1)
    assert "more than one YAML document" in result["text"]


@pytest.mark.parametrize(
    ("content", "kind"),
    [("- a\n- b\n", "a list"), ("just words\n", "a single value")],
    ids=["list", "scalar"],
)
def test_a_top_level_that_is_not_a_mapping_is_refused(
    tmp_path: Path, content: str, kind: str
) -> None:
    result = refuse(tmp_path, content)

    assert f"must be a mapping of `key: value` lines, not {kind}" in result["text"]


def test_a_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    result = refuse(tmp_path, b"notes: " + b"x" * (MAX_BYTES + 1) + b"\n")

    assert "more than the 2 MB a playbook or template may be" in result["text"]


def test_a_yaml_syntax_error_points_at_the_problem(tmp_path: Path) -> None:
    result = refuse(tmp_path, "name: Acme\nstance: we fix: things\n")

    assert (result["line"], result["column"]) == (2, 15)
    assert "invalid YAML: mapping values are not allowed here" in result["text"]
    assert "put text that contains ': '" in result["text"]


def test_a_tab_in_the_indentation_is_named(tmp_path: Path) -> None:
    result = refuse(tmp_path, "company:\n\tname: Acme\n")

    assert (result["line"], result["column"]) == (2, 1)
    assert "a tab is used for indentation" in result["text"]


def test_a_control_character_is_named_with_its_place(tmp_path: Path) -> None:
    result = refuse(tmp_path, "name: Acme\x1b[31m\n")

    assert (result["line"], result["column"]) == (1, 11)
    assert "control character (U+001B)" in result["text"]


@pytest.mark.parametrize("escape", ["\\U99999999", "\\U00110000", "\\UFFFFFFFF"])
def test_an_escape_past_the_last_unicode_character_is_refused_at_its_place(
    tmp_path: Path, escape: str
) -> None:
    # PyYAML itself fails here with OverflowError or ValueError: it reached users as an
    # "internal error".
    result = refuse(tmp_path, f'name: Acme\ncompany:\n  name: "Lark{escape}spur"\n')

    assert (result["line"], result["column"]) == (3, 14)
    assert f"the escape {escape} in a quoted value names no Unicode character" in result["text"]


def test_an_impossible_date_is_refused(tmp_path: Path) -> None:
    result = refuse(tmp_path, "reviewed: 2026-02-30\n")

    assert (result["line"], result["column"]) == (1, 11)
    assert "'2026-02-30' is not a real date or time" in result["text"]


# --- YAML 1.1 surprises are not passed on ---------------------------------------------------


def test_keys_are_the_text_written_never_booleans_or_numbers() -> None:
    doc = load_yaml("on: 1\nyes: 2\n3: three\nnull: 4\n", "p.yaml")

    assert doc.data == {"on": 1, "yes": 2, "3": "three", "null": 4}
    assert all(isinstance(key, str) for key in doc.data)


def test_only_true_and_false_are_booleans() -> None:
    doc = load_yaml("a: yes\nb: no\nc: on\nd: true\ne: False\nf: 9:30\ng: 010\n", "p.yaml")

    assert doc.data == {
        "a": "yes",
        "b": "no",
        "c": "on",
        "d": True,
        "e": False,
        "f": "9:30",
        "g": 10,
    }


def test_a_list_or_mapping_as_a_key_is_refused_clearly() -> None:
    with pytest.raises(PlaybookInvalid) as caught:
        load_yaml("? [a, b]\n: value\n", "p.yaml")

    assert str(caught.value).startswith("p.yaml:1:3: a mapping key must be plain text")


def test_merge_keys_work_and_explicit_keys_win() -> None:
    doc = load_yaml(
        "base: &base {kind: email, purpose: individual}\n"
        "mail:\n  <<: *base\n  purpose: broadcast\n",
        "p.yaml",
    )

    assert doc.data["mail"] == {"kind": "email", "purpose": "broadcast"}
    assert str(doc.locate(("mail", "kind"))) == "p.yaml:1:20"
    assert str(doc.locate(("mail", "kind"), key=True)) == "p.yaml:1:14"


def test_pyyaml_itself_is_left_as_it_was() -> None:
    load_yaml("a: yes\n", "p.yaml")

    assert yaml.safe_load("a: yes\n") == {"a": True}


# --- whatever the input, a CrisisError or a result ------------------------------------------

YAMLISH = st.lists(
    st.sampled_from(
        [
            *"[]{}:,-?&*!|>'\"%@`#~=<. \n\t\rab01",
            *("---", "...", "&a ", "*a ", "<<: ", "!!int ", "!!python/object:x "),
            *("2026-02-30", "0x", "yes", "\ufeff", "\x85", "\u2028", "é"),
            *("\\", "\\U99999999", "\\U00110000", "\\uD800", "\\x4"),
        ]
    ),
    max_size=40,
).map("".join)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.one_of(YAMLISH, st.text(max_size=200), st.binary(max_size=200)))
def test_any_input_loads_or_raises_a_crisis_error(data: str | bytes) -> None:
    try:
        doc = load_yaml(data, "fuzz.yaml")
    except CrisisError as error:
        assert error.location is not None
        assert error.location.line is not None
    else:
        assert isinstance(doc.data, dict)
