"""`crisis reply` under hostile or failing input (issue 22, faults 2, 3, 6 and 7).

A bulk run stopped part way says what it kept and what it did not reach; a full disk does
not make it say "nothing was written"; customer bytes never turn into terminal commands
in the files people read; a CSV whose columns are ambiguous is refused by name.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import pytest

from crisisplan import files
from crisisplan.phases.replies import BATCH
from tests.helpers import crisis, events, ok, start_outage

WRITE_ALL = files._write_all
ESC, OSC52, BEL = "\x1b[2J", "\x1b]52;c;ZXZpbA==\x07", "\x07"


@pytest.fixture(autouse=True)
def incident() -> None:
    ok("init", ".")
    start_outage("--yes")


def rows(count: int, start: int = 0) -> list[str]:
    return [f"Customer {i},c{i}@example.com" for i in range(start, start + count)]


# --- fault 2: a run stopped by a bad row says what it kept ------------------------------------


def test_a_csv_that_breaks_part_way_keeps_every_row_before_it_and_says_so() -> None:
    good = 2 * BATCH + 300
    bad_line = good + 2  # the header is line 1
    lines = ["name,email", *rows(good), f'"{"x" * 200_000}",big@example.com', *rows(500, good)]
    Path("c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = crisis("reply", "--customers", "c.csv", "-o", "out")
    assert result.exit_code == 2
    message = result.stderr
    assert f"c.csv:{bad_line}: the CSV cannot be read" in message
    assert f"{good:,} drafts are recorded and their files are in out" in message
    assert f"line {bad_line} and after were not reached" in message
    assert "run the same command again" in message
    assert "Traceback" not in message
    assert len(events("reply")) == good
    assert len(list(Path("out").iterdir())) == good
    # Fixed and run again: only the rows it had not reached are drafted.
    del lines[bad_line - 1]
    Path("c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    again = crisis("reply", "--customers", "c.csv", "-o", "out")
    assert again.exit_code == 0, again.stderr
    assert "Drafted 500 replies" in again.stderr and f"{good} already drafted" in again.stderr
    assert len(events("reply")) == good + 500


def test_a_csv_that_breaks_before_any_draft_says_nothing_was_recorded() -> None:
    Path("c.csv").write_text(f'name,email\n"{"x" * 200_000}",a@example.com\n', encoding="utf-8")
    result = crisis("reply", "--customers", "c.csv")
    assert result.exit_code == 2
    assert "No draft was recorded" in result.stderr
    assert events("reply") == []


def test_with_strict_a_csv_that_breaks_records_nothing() -> None:
    lines = ["name,email", *rows(50), f'"{"x" * 200_000}",big@example.com']
    Path("c.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = crisis("reply", "--customers", "c.csv", "--strict")
    assert result.exit_code == 2 and "c.csv:52:" in result.stderr
    assert events("reply") == []


# --- fault 3: a full disk ---------------------------------------------------------------------


def full_after(monkeypatch: pytest.MonkeyPatch, writes: int) -> None:
    """The disk fills up after `writes` more files."""
    left = [writes]

    def write_all(fd: int, payload: bytes) -> None:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        left[0] -= 1
        WRITE_ALL(fd, payload)

    monkeypatch.setattr(files, "_write_all", write_all)


def test_a_full_disk_then_a_rerun_that_fills_it_again_says_what_it_wrote(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path("c.csv").write_text("name,email\n" + "\n".join(rows(20)) + "\n", encoding="utf-8")
    full_after(monkeypatch, 5)
    first = crisis("reply", "--customers", "c.csv", "-o", "out")
    assert first.exit_code == 2
    assert "No space left on device" in first.stderr and "nothing was written" not in first.stderr
    assert "20 drafts are recorded" in first.stderr
    assert len(events("reply")) == 20 and len(list(Path("out").iterdir())) == 5
    full_after(monkeypatch, 7)  # some space freed, not enough
    again = crisis("reply", "--customers", "c.csv", "-o", "out")
    assert again.exit_code == 2
    assert "nothing was written" not in again.stderr
    assert "7 missing file(s) were written again from the log" in again.stderr
    assert "run the same command again" in again.stderr
    assert len(list(Path("out").iterdir())) == 12
    full_after(monkeypatch, 1_000_000)  # space again
    last = crisis("reply", "--customers", "c.csv", "-o", "out")
    assert last.exit_code == 0, last.stderr
    assert "8 missing file(s) of those written again from the log" in last.stderr
    assert len(list(Path("out").iterdir())) == 20 and len(events("reply")) == 20


# --- fault 6: control bytes in the files people read -------------------------------------------


def test_control_bytes_from_a_customer_never_reach_a_written_file_raw() -> None:
    name = f"Eve{ESC} Park{OSC52}"
    ok(
        "reply",
        "--customer",
        name,
        "--email",
        "eve@example.com",
        "--note",
        f"ring{BEL}",
        "-o",
        "r.md",
    )
    written = Path("r.md").read_text(encoding="utf-8")
    assert "\x1b" not in written and "\x07" not in written
    (reply,) = events("reply")
    assert reply["payload"]["customer"]["name"] == name  # the log keeps what was entered
    # The words for the customer keep their name, only the control characters gone.
    assert "Hi Eve[2J Park]52;c;ZXZpbA==," in reply["payload"]["text"]
    assert "\x1b" not in reply["payload"]["text"]
    Path("c.csv").write_text(f'name,email\n"Bo{OSC52}",bo@example.com\n', encoding="utf-8")
    ok("reply", "--customers", "c.csv", "-o", "out")
    (drafted,) = Path("out").iterdir()
    assert "\x1b" not in drafted.read_text(encoding="utf-8")
    brief = ok("brief", "-o", "b.md")
    assert brief.exit_code == 0
    text = Path("b.md").read_text(encoding="utf-8")
    assert "\x1b" not in text and "\x07" not in text


def test_a_newline_in_a_name_shows_as_backslash_n_never_as_its_own_line() -> None:
    name = "Eve\nBcc: evil@x.org"
    ok("followup", "add", "--customer", name, "--email", "eve@example.com")
    listed = ok("followup", "list").stdout
    assert "Eve\\nBcc: evil@x.org" in listed
    assert not any(line.startswith("Bcc:") for line in listed.splitlines())
    ok("reply", "--customer", name, "--email", "eve@example.com")
    dry = crisis("send")
    assert "Eve\\nBcc: evil@x.org" in dry.stdout
    assert not any(line.lstrip().startswith("Bcc:") for line in dry.stdout.splitlines())


# --- fault 7: ambiguous columns ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "says"),
    [
        ("name,email,name,email", "c.csv:1:12: the column name appears twice"),
        ("name,email,Email", "c.csv:1:12: the column email appears twice"),
        ("name,,email", "c.csv:1:6: column 2 has no name"),
    ],
)
def test_a_header_that_names_a_column_twice_or_not_at_all_is_refused(
    header: str, says: str
) -> None:
    Path("c.csv").write_text(f"{header}\nAda,ada@example.com,Eve,eve@example.com\n", "utf-8")
    result = crisis("reply", "--customers", "c.csv")
    assert result.exit_code == 2
    assert says in result.stderr, result.stderr
    assert events("reply") == []


def test_a_nul_byte_in_a_field_is_refused_with_its_line() -> None:
    Path("c.csv").write_text(
        'name,email\nAda,ada@example.com\n"Eve\x00",eve@example.com\n', encoding="utf-8"
    )
    result = crisis("reply", "--customers", "c.csv", "--json")
    assert result.exit_code == 1
    assert "c.csv:3: name has a NUL byte" in result.stderr
    assert [d["customer"]["email"] for d in json.loads(result.stdout)["drafts"]] == [
        "ada@example.com"
    ]
