"""`crisis reply`: agents draft personalised answers for one customer or thousands."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from crisisplan.phases.replies import BATCH
from tests.helpers import crisis, events, ok, start_outage

HOSTILE = ["{{ 7*7 }}", "{% raw %}", "[bold red]x[/]", "\x1b[2J", "\u202e"]


@pytest.fixture(autouse=True)
def incident() -> None:
    ok("init", ".")
    start_outage("--yes")


def reply_to_ada(*extra: str) -> object:
    return crisis(
        "reply",
        "--customer",
        "Ada Park",
        "--email",
        "ada@example.com",
        "--tier",
        "enterprise",
        "--open-case",
        "--note",
        "Her Monday rota is missing",
        *extra,
    )


def test_one_reply_is_drafted_linted_recorded_and_followed_up() -> None:
    result = reply_to_ada()
    assert result.exit_code == 0, result.stderr
    assert "Hi Ada Park" in result.stdout
    (reply,) = events("reply")
    assert reply["payload"]["customer"]["email"] == "ada@example.com"
    assert reply["payload"]["template"] == "first-response"
    assert reply["payload"]["text"] == result.stdout
    assert reply["channel"] == "email"
    assert reply["payload"]["next_update_at"]
    assert set(reply["payload"]["blocks"]) >= {"acknowledge", "explain", "action", "next_update"}
    listed = ok("followup", "list").stdout
    assert "Ada Park" in listed and "OPEN CASE" in listed
    status = json.loads(ok("status", "--json").stdout)
    assert status["followups_open"] == 1


def test_a_second_draft_for_the_same_customer_is_an_explicit_choice() -> None:
    ok("reply", "--customer", "Ada", "--email", "ada@example.com")
    again = crisis("reply", "--customer", "Ada", "--email", "ADA@example.com")
    assert again.exit_code == 2
    assert "--again" in again.stderr
    ok("reply", "--customer", "Ada", "--email", "ada@example.com", "--again")
    assert len(events("reply")) == 2


def test_no_followup_and_json_and_output_file() -> None:
    result = ok(
        "reply",
        "--customer",
        "Bo",
        "--email",
        "bo@example.com",
        "--no-followup",
        "--json",
        "-o",
        "bo.md",
    )
    document = json.loads(result.stdout)
    assert document["customer"]["name"] == "Bo"
    assert document["event_id"] == events("reply")[0]["id"]
    assert Path("bo.md").read_text(encoding="utf-8") == document["text"]
    assert stat.S_IMODE(Path("bo.md").stat().st_mode) == 0o600
    assert "Bo" not in ok("followup", "list").stdout


def test_a_broadcast_channel_draft_points_people_to_the_funnel_channel() -> None:
    result = ok(
        "reply",
        "--customer",
        "Cy",
        "--email",
        "cy@example.com",
        "--channel",
        "twitter",
        "--template",
        "update",
    )
    assert "Email us at help@larkspur.example" in result.stdout  # twitter funnels to email
    assert events("reply")[0]["channel"] == "twitter"


@pytest.mark.parametrize("value", HOSTILE)
def test_customer_values_reach_the_draft_as_written_less_controls_and_show_inert(
    value: str,
) -> None:
    result = ok(
        "reply",
        "--customer",
        f"Eve {value}",
        "--email",
        "eve@example.com",
        "--note",
        f"note {value}",
        "--json",
    )
    text = json.loads(result.stdout)["text"]
    # Never evaluated ("{{ 7*7 }}" is not "49"); a control character never reaches a customer.
    assert f"Eve {value.replace(chr(27), '')}" in text
    assert events("reply")[0]["payload"]["customer"]["name"] == f"Eve {value}"
    shown = ok(
        "reply", "--customer", f"Eve {value}", "--email", "eve@example.com", "--again"
    ).stdout
    assert "\x1b" not in shown and "\u202e" not in shown
    if value == "{{ 7*7 }}":
        # Evaluated, it would read "Eve 49"; "49" alone can be the minute of the next update.
        assert "Eve 49" not in shown and "note 49" not in shown


def test_missing_customer_details_name_the_flag_and_record_nothing() -> None:
    before = len(events())
    for args, flag in (
        (("--email", "a@example.com"), "--customer"),
        (("--customer", "A"), "--email"),
        (("--customer", "A", "--email", "not-an-email"), "email"),
        (("--customer", "A", "--email", "a@example.com", "--template", "nope"), "nope"),
        (("--customer", "A", "--email", "a@example.com", "--channel", "fax"), "fax"),
    ):
        result = crisis("reply", *args)
        assert result.exit_code == 2, args
        assert flag in result.stderr, (args, result.stderr)
    assert len(events()) == before


def test_edit_opens_the_editor_and_records_the_edited_words_linted_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    editor = tmp_path / "editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "p = pathlib.Path(sys.argv[1])\n"
        "p.write_text('Hi Ada, we are sorry for any inconvenience.\\n')\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    result = reply_to_ada("--edit")
    assert result.exit_code == 1  # the edited words broke a rule at error level
    (reply,) = events("reply")
    assert reply["payload"]["text"] == "Hi Ada, we are sorry for any inconvenience.\n"
    assert reply["payload"]["edited_from"].startswith("Hi Ada Park")
    assert any(
        f["phrase"].lower() == "sorry for any inconvenience" for f in reply["payload"]["findings"]
    )


def write_csv(path: Path, rows: int, *, extra: str = "") -> Path:
    lines = ["\ufeffname,email,tier,note,open_case"]
    lines += [f'"Customer {i}, Esq.",c{i}@example.com,business,"Case {i}",no' for i in range(rows)]
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_a_thousand_customers_from_a_csv_each_get_a_recorded_draft_and_a_file() -> None:
    csv_file = write_csv(Path("customers.csv"), 1000)
    result = crisis("reply", "--customers", str(csv_file), "-o", "drafts")
    assert result.exit_code == 0, result.stderr
    assert "Drafted 1000 replies" in result.stderr
    assert len(events("reply")) == 1000
    files = sorted(Path("drafts").iterdir())
    assert len(files) == 1000
    assert "Customer 7, Esq." in (Path("drafts") / files[7].name).read_text(encoding="utf-8")
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert json.loads(ok("status", "--json").stdout)["followups_open"] == 1000
    # running the same file again is a choice, not a silent duplicate
    rerun = crisis("reply", "--customers", str(csv_file), "-o", "drafts")
    assert rerun.exit_code == 0
    assert "1000 already drafted" in rerun.stderr
    assert len(events("reply")) == 1000
    ok("reply", "--customers", str(csv_file), "--again", "-o", "drafts2")
    assert len(events("reply")) == 2000


def test_the_incident_state_after_a_bulk_run_is_the_one_its_recorded_events_lead_to() -> None:
    # The workers send the recording process only the payload fields the state reads:
    # folding the events the log holds, whole, must give the very state it saved.
    from crisisplan.phases import state as st

    csv_file = write_csv(Path("many.csv"), 2500)
    assert crisis("reply", "--customers", str(csv_file), "-o", "out").exit_code == 0
    ok("update", "We found the cause and are rolling back.")
    assert crisis("reply", "--customers", str(csv_file), "-o", "out", "--again").exit_code == 0
    started, *rest = events()
    at = dt.datetime.fromisoformat
    folded = st.initial(started["payload"], at(started["at"]), started["who"])
    for e in rest:
        # With its id: the promise ledger names the events that made and kept each promise.
        payload = e["payload"]
        folded = st.apply(folded, e["kind"], at(e["at"]), e["who"], e["channel"], payload, e["id"])
    with closing(sqlite3.connect(".crisis/crisis.db")) as conn:
        (saved,) = conn.execute("SELECT state FROM incidents").fetchone()
    assert folded.counts["reply"] == 5000
    assert st.to_json(folded) == json.loads(saved)


def test_every_kind_of_event_changes_the_state_alike_with_only_the_fields_it_reads() -> None:
    # state.READS names what a worker must send of an event's payload: an incident's
    # whole life, folded with and without the rest of each payload, goes the same way.
    from crisisplan.phases import state as st

    ok("update", "Rolling back the failed deploy.", "--eta", "+2h")
    ok("severity", "critical")
    ladder = ok("escalate").stdout
    step = next(line.split("]")[1].split(":")[0].strip() for line in ladder.splitlines())
    ok("escalate", step, "--how", "Paged the on-call")
    ok("reply", "--customer", "Ada", "--email", "ada@example.com")
    ok("resolve", "--cause", "A failed deploy", "--impact", "Sign-ins failed for an hour")
    ok("reopen", "--reason", "Sign-ins fail again")
    started, *rest = sorted(events(), key=lambda e: e["id"])
    kinds = {e["kind"] for e in rest}
    assert {"public_update", "summary_changed", "severity_changed", "escalated"} <= kinds
    assert {"reply", "resolved", "reopened"} <= kinds
    at = dt.datetime.fromisoformat
    state = st.initial(started["payload"], at(started["at"]), started["who"])
    for day, e in enumerate(rest, start=1):  # each promising a time of its own
        whole = {**e["payload"], "next_update_at": f"2031-01-{day:02d}T09:00:00+00:00"}
        read = {k: v for k, v in whole.items() if k in st.READS.get(e["kind"], ())}
        when, who, channel = at(e["at"]), e["who"], e["channel"]
        after = st.apply(state, e["kind"], when, who, channel, whole)
        assert st.apply(state, e["kind"], when, who, channel, read) == after, e["kind"]
        state = after


def test_a_large_csv_is_drafted_in_parallel_with_every_row_in_its_place() -> None:
    csv_file = write_csv(Path("many.csv"), 2500)
    assert csv_file.stat().st_size > 64_000  # big enough for the worker processes
    result = crisis("reply", "--customers", str(csv_file), "-o", "drafts", "--json")
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    lines = [d["customer"]["line"] for d in document["drafts"]]
    assert lines == list(range(2, 2502))  # in file order, none lost or repeated
    assert all(d["customer"]["name"] in d["text"] for d in document["drafts"])
    replies = events("reply")
    assert len(replies) == 2500
    assert [e["id"] for e in replies] == [d["event_id"] for d in document["drafts"]]
    assert len(list(Path("drafts").iterdir())) == 2500


def test_bad_rows_are_reported_by_line_and_do_not_stop_the_others() -> None:
    csv_file = Path("c.csv")
    csv_file.write_text(
        "name,email,open_case\n"
        "Ann,ann@example.com,yes\n"
        "\n"
        "Bob,not-an-email,no\n"
        '"Cat, the second","cat@example.com",\n'
        ",dan@example.com,no\n"
        "Eve,eve@example.com,maybe\n",
        encoding="utf-8",
    )
    result = crisis("reply", "--customers", str(csv_file), "-o", "out")
    assert result.exit_code == 1
    assert "c.csv:4:" in result.stderr and "c.csv:6:" in result.stderr
    assert "c.csv:7:" in result.stderr and "maybe" in result.stderr
    assert sorted(e["payload"]["customer"]["name"] for e in events("reply")) == [
        "Ann",
        "Cat, the second",
    ]
    assert len(list(Path("out").iterdir())) == 2
    strict = crisis("reply", "--customers", str(csv_file), "--strict", "--again")
    assert strict.exit_code == 2
    assert "line 4" in strict.stderr
    assert len(events("reply")) == 2


def test_bulk_json_is_one_document() -> None:
    csv_file = write_csv(Path("few.csv"), 3)
    document = json.loads(ok("reply", "--customers", str(csv_file), "--json").stdout)
    assert [d["customer"]["line"] for d in document["drafts"]] == [2, 3, 4]
    assert document["counts"]["drafted"] == 3


def test_a_csv_without_the_needed_columns_is_refused() -> None:
    Path("x.csv").write_text("who,address\nA,a@example.com\n", encoding="utf-8")
    result = crisis("reply", "--customers", "x.csv")
    assert result.exit_code == 2
    assert "no name or email column" in result.stderr
    assert events("reply") == []


def test_a_reply_keeps_what_an_agent_recorded_about_the_customer() -> None:
    ok(
        "followup",
        "add",
        "--customer",
        "Ada Park",
        "--email",
        "ada@example.com",
        "--tier",
        "enterprise",
        "--open-case",
        "--note",
        "Lost Monday's rota",
    )
    ok("reply", "--customer", "Ada Park", "--email", "ada@example.com")
    (entry,) = json.loads(ok("followup", "list", "--json").stdout)
    assert (entry["tier"], entry["open_case"], entry["note"]) == (
        "enterprise",
        True,
        "Lost Monday's rota",
    )


def test_an_update_shows_control_characters_inert() -> None:
    result = ok("update", "Restoring now \x1b[2J\x07 nearly there")
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "\\x1b[2J" in result.stdout


def test_a_missing_csv_is_a_plain_error() -> None:
    result = crisis("reply", "--customers", "nowhere.csv", "--json")
    assert result.exit_code == 2
    assert "nowhere.csv" in result.stderr and "internal error" not in result.stderr
    assert result.stdout == ""
    result = crisis("reply", "--customers", "nowhere.csv", "-o", "drafts/today")
    assert result.exit_code == 2
    assert not Path("drafts").exists()  # bad input leaves nothing behind, not even a folder
    Path("customers.csv").write_text("name,email\nAda,ada@example.com\n", encoding="utf-8")
    Path("taken").write_text("a file where a folder should go", encoding="utf-8")
    result = crisis("reply", "--customers", "customers.csv", "-o", "taken/drafts")
    assert result.exit_code == 2
    assert "could not write taken/drafts" in result.stderr and "internal" not in result.stderr


def test_a_csv_refused_at_its_header_prints_no_half_json() -> None:
    Path("x.csv").write_text("who,address\nA,a@example.com\n", encoding="utf-8")
    result = crisis("reply", "--customers", "x.csv", "--json")
    assert result.exit_code == 2
    assert result.stdout == ""


def test_an_eta_in_the_past_is_refused_by_its_own_name() -> None:
    result = crisis("update", "Restoring", "--eta", "-10m")
    assert result.exit_code == 2
    assert "--eta" in result.stderr and "past" in result.stderr
    result = crisis("update", "Restoring", "--eta", "soonish")
    assert result.exit_code == 2 and "--eta 'soonish'" in result.stderr


def test_a_template_that_fails_for_one_customer_stops_the_run_with_its_reason() -> None:
    # It fails only for this customer, deep in a run big enough for worker processes: the
    # error must come back from the worker as itself, not hang the run or print a traceback.
    template = Path("response_library/first-response.md.j2")
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "Hi {{ customer.name }},",
            "Hi {{ customer.name }},"
            '{% if customer.tier == "broken" %}{{ customer.nope }}{% endif %}',
        ),
        encoding="utf-8",
    )
    csv_file = write_csv(Path("many.csv"), 2500, extra="Zed,zed@example.com,broken,,no\n")
    run = subprocess.run(
        [sys.executable, "-m", "crisisplan", "reply", "--customers", str(csv_file), "-o", "out"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr
    assert "first-response.md.j2:" in run.stderr and "nope" in run.stderr
    # What was drafted before it is recorded, with its files; nothing half-written is left.
    drafted = len(events("reply"))
    assert 0 < drafted <= 2500
    files = list(Path("out").iterdir())
    assert len(files) == drafted
    assert not [f for f in files if f.name.startswith(".")]


def test_a_run_killed_part_way_leaves_no_file_for_a_draft_the_log_does_not_hold() -> None:
    # Killed without warning while worker processes draft and name files: every draft
    # file left is one the log holds, with the very words the log holds.
    csv_file = write_csv(Path("many.csv"), 20000)
    command = [sys.executable, "-m", "crisisplan", "reply", "--customers", str(csv_file)]
    run = subprocess.Popen([*command, "-o", "out"], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while len(events("reply")) < 3000 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    workers = subprocess.run(["pgrep", "-P", str(run.pid)], capture_output=True, text=True)
    assert workers.stdout.split(), "no worker processes to watch"
    run.send_signal(signal.SIGKILL)
    run.wait()
    # Its worker processes stop with it, rather than wait for work for ever.
    for pid in map(int, workers.stdout.split()):
        stop = time.monotonic() + 10
        while _running(pid) and time.monotonic() < stop:
            time.sleep(0.02)
        assert not _running(pid), "a worker outlived the run it drafted for"
    recorded = {e["payload"]["customer"]["email"]: e["payload"]["text"] for e in events("reply")}
    assert 3000 <= len(recorded) < 20000, "not killed part way"
    files = list(Path("out").iterdir())
    assert files
    for file in files:  # none hidden either: a file is linked only once written in full
        assert file.read_text(encoding="utf-8") == recorded[_email(file)], file.name

    # Run again: the rest is drafted, and the files the killed run never named are written
    # from the log, so every draft the log holds has its file, with its words.
    again = subprocess.run([*command, "-o", "out"], capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    missing = len(recorded) - len(files)
    assert missing == 0 or f"{missing} missing file(s) of those written again" in again.stderr
    recorded = {e["payload"]["customer"]["email"]: e["payload"]["text"] for e in events("reply")}
    assert len(recorded) == 20000
    files = [f for f in Path("out").iterdir() if not f.name.startswith(".")]
    assert sorted(_email(f) for f in files) == sorted(recorded)
    for file in files:
        assert file.read_text(encoding="utf-8") == recorded[_email(file)], file.name


def test_ctrl_c_part_way_says_what_is_kept_and_running_again_drafts_the_rest() -> None:
    # On a terminal, Ctrl-C reaches the worker processes too, as it would a lead's.

    from tests.test_start_pty import spawn, stops_saying

    csv_file = write_csv(Path("many.csv"), 20000)
    child = spawn("reply", "--customers", str(csv_file), "-o", "out")
    deadline = time.monotonic() + 60
    while len(events("reply")) < BATCH and child.isalive() and time.monotonic() < deadline:
        time.sleep(0.02)
    child.sendintr()
    child.expect(r"Stopped after ([\d,]+) draft\(s\); they are recorded in the log, their files")
    kept = int(child.match.group(1).replace(",", ""))
    stops_saying(child, "Run the same command again to draft the rest")
    assert BATCH <= kept < 20000, "not stopped part way"
    assert len(events("reply")) == kept
    assert len(list(Path("out").iterdir())) == kept  # each recorded draft's file, no others

    again = ok("reply", "--customers", str(csv_file), "-o", "out")
    assert f"Drafted {20000 - kept} replies; {kept} already drafted" in again.stderr
    assert len(events("reply")) == 20000
    assert len(list(Path("out").iterdir())) == 20000


def test_ctrl_c_while_the_editor_is_open_records_nothing(monkeypatch: pytest.MonkeyPatch) -> None:

    from tests.test_start_pty import spawn, stops_saying

    monkeypatch.setenv(
        "EDITOR", f"{sys.executable} -c 'import time; print(\"editing\"); time.sleep(60)'"
    )
    child = spawn("reply", "--customer", "Ada Park", "--email", "ada@example.com", "--edit")
    child.expect("editing")
    child.sendintr()
    stops_saying(child, "Interrupted; nothing was recorded.")
    assert events("reply") == []


def test_a_worker_process_that_dies_stops_the_run_instead_of_hanging_it() -> None:
    csv_file = write_csv(Path("many.csv"), 20000)
    command = [sys.executable, "-m", "crisisplan", "reply", "--customers", str(csv_file)]
    run = subprocess.Popen([*command, "-o", "out"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(events("reply")) < 2000 and run.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert run.poll() is None, run.communicate()[1]
    workers = subprocess.run(["pgrep", "-P", str(run.pid)], capture_output=True, text=True)
    os.kill(int(workers.stdout.split()[0]), signal.SIGKILL)  # as the out-of-memory killer
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 2, stderr
    assert "a worker process drafting replies stopped" in stderr
    assert "Traceback" not in stderr
    assert 2000 <= len(events("reply")) < 20000  # what was recorded is kept


def _running(pid: int) -> bool:
    """Whether a process is still running (not gone, nor a zombie nobody reaped)."""
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat_line.rpartition(")")[2].split()[0] != "Z"


def _email(file: Path) -> str:
    return file.stem.split("-")[1] + "@example.com"  # 00002-c0-example-com -> c0@example.com


def test_running_again_writes_the_missing_file_of_a_recorded_draft_from_the_log() -> None:
    csv_file = write_csv(Path("few.csv"), 3)
    assert crisis("reply", "--customers", str(csv_file), "-o", "out").exit_code == 0
    lost = Path("out") / "00003-c1-example-com.md"
    words = lost.read_text(encoding="utf-8")
    lost.unlink()
    again = crisis("reply", "--customers", str(csv_file), "-o", "out")
    assert again.exit_code == 0
    assert "3 already drafted" in again.stderr
    assert "1 missing file(s) of those written again from the log" in again.stderr
    assert lost.read_text(encoding="utf-8") == words
    assert len(events("reply")) == 3  # nothing drafted twice


def test_drafting_again_into_the_same_folder_replaces_each_file_with_the_new_words() -> None:
    csv_file = write_csv(Path("few.csv"), 3)
    assert crisis("reply", "--customers", str(csv_file), "-o", "out").exit_code == 0
    template = Path("response_library/first-response.md.j2")
    words = template.read_text(encoding="utf-8")
    template.write_text(words.replace("Hi {{ customer.name }},", "Hello {{ customer.name }},"))
    again = crisis("reply", "--customers", str(csv_file), "-o", "out", "--again")
    assert again.exit_code == 0, again.stderr
    files = sorted(Path("out").iterdir())  # no temporary file left beside them
    assert [f.name for f in files] == [f"0000{n}-c{n - 2}-example-com.md" for n in (2, 3, 4)]
    latest = {e["payload"]["customer"]["email"]: e["payload"]["text"] for e in events("reply")}
    for file in files:
        assert file.read_text(encoding="utf-8").startswith("Hello Customer")
        assert file.read_text(encoding="utf-8") == latest[_email(file)]
        assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_where_files_cannot_be_written_unnamed_they_are_staged_and_renamed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As on a system or file system without O_TMPFILE: the same files, nothing left over.
    from crisisplan import files

    monkeypatch.setattr(files, "_UNNAMED", None)
    csv_file = write_csv(Path("customers.csv"), 300)
    assert crisis("reply", "--customers", str(csv_file), "-o", "out").exit_code == 0
    assert crisis("reply", "--customers", str(csv_file), "-o", "out", "--again").exit_code == 0
    latest = {e["payload"]["customer"]["email"]: e["payload"]["text"] for e in events("reply")}
    written = {_email(f): f.read_text(encoding="utf-8") for f in Path("out").iterdir()}
    assert written == latest and len(written) == 300
    assert stat.S_IMODE((Path("out") / "00002-c0-example-com.md").stat().st_mode) == 0o600


def test_drafts_whose_files_cannot_be_written_are_still_in_the_log() -> None:
    csv_file = write_csv(Path("few.csv"), 3)
    (Path("out") / "00003-c1-example-com.md").mkdir(parents=True)  # in the way of one file
    result = crisis("reply", "--customers", str(csv_file), "-o", "out")
    assert result.exit_code == 2
    assert "could not write out/00003-c1-example-com.md" in result.stderr
    assert "run the same command again" in result.stderr
    assert len(events("reply")) == 3  # the log first: every draft is recorded
    names = sorted(f.name for f in Path("out").iterdir())
    assert names == [
        "00002-c0-example-com.md",
        "00003-c1-example-com.md",
        "00004-c2-example-com.md",
    ]
    assert (Path("out") / "00003-c1-example-com.md").is_dir()  # left as it was
    # As the hint says: clear the way, run the same command, and the file is written.
    (Path("out") / "00003-c1-example-com.md").rmdir()
    again = crisis("reply", "--customers", str(csv_file), "-o", "out")
    assert again.exit_code == 0, again.stderr
    assert "1 missing file(s) of those written again from the log" in again.stderr
    recorded = {e["payload"]["customer"]["email"]: e["payload"]["text"] for e in events("reply")}
    words = (Path("out") / "00003-c1-example-com.md").read_text(encoding="utf-8")
    assert words == recorded["c1@example.com"]


def test_a_small_run_stops_at_a_failing_customer_the_same_way() -> None:
    template = Path("response_library/first-response.md.j2")
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "Hi {{ customer.name }},",
            '{% if customer.tier == "broken" %}{{ 1 // 0 }}{% endif %}Hi {{ customer.name }},',
        ),
        encoding="utf-8",
    )
    batch = BATCH  # the drafts in a batch, recorded together
    csv_file = Path("few.csv")
    rows = [f"C{i},c{i}@example.com" for i in range(batch + 100)]
    rows.append("Zed,zed@example.com,broken")
    csv_file.write_text("name,email,tier\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert csv_file.stat().st_size < 64_000  # drafted in this process, no workers
    result = crisis("reply", "--customers", str(csv_file), "-o", "out")
    assert result.exit_code == 2
    assert f"line {batch + 102} of the CSV" in result.stderr
    assert f"The {batch} drafts before it are recorded" in result.stderr
    assert len(events("reply")) == batch
    assert len(list(Path("out").iterdir())) == batch
    # With --json, stdout is still one whole document: the drafts recorded before it stopped.
    again = crisis("reply", "--customers", str(csv_file), "--again", "--json")
    assert again.exit_code == 2
    document = json.loads(again.stdout)
    assert len(document["drafts"]) == document["counts"]["drafted"] == batch
    recorded = [e["id"] for e in events("reply")[batch:]]
    assert [d["event_id"] for d in document["drafts"]] == recorded
