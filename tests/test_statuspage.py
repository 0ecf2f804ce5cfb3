"""`crisis statuspage build`: what the public sees, and only that, written whole or not at all.

The page as a browser renders it is tested in test_statuspage_browser.py; here the files
themselves: the feed against the Atom rules with a real XML parser, status.json against its
JSON Schema, and what never reaches any of them.
"""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import re
import signal
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import jsonschema
import pexpect
import pytest

from crisisplan.phases import state as st
from crisisplan.phases import statuspage
from crisisplan.store import open_store
from tests.helpers import DB, crisis, edit_log, ok, start_outage
from tests.probe import heavy_imports, imported_by
from tests.test_start_pty import spawn

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "docs" / "status.schema.json").read_text(encoding="utf-8"))
ATOM = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
SITE = Path("site")
EVIL = "<script>alert(1)</script> & <b>Logins</b> failing"


@pytest.fixture(autouse=True)
def example_plan(db_target: str) -> None:
    """The example plan, its log on each backend in turn (the page reads both alike)."""
    ok("init", ".")


def build(*extra: str) -> str:
    result = ok("statuspage", "build", str(SITE), *extra)
    return result.stdout


def read(name: str) -> str:
    return (SITE / name).read_text(encoding="utf-8")


def status_json() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(read("status.json"))
    return document


def feed() -> ET.Element:
    return ET.fromstring((SITE / "feed.atom").read_bytes())


def days_ago(days: float) -> str:
    return (dt.datetime.now(dt.UTC) - dt.timedelta(days=days)).strftime("%Y-%m-%dT%H:%MZ")


def scripted_incident() -> None:
    """The acceptance story: start --yes, update, update."""
    start_outage("--yes", "--at", "-50m")
    ok("update", "We found the cause: a failed database failover.", "--at", "-30m")
    ok("update", "Sign-ins are back for most customers; restoring the rest.", "--eta", "+40m")


def all_files() -> str:
    return "".join(read(name) for name in statuspage.SITE_FILES)


def test_a_build_writes_the_page_the_data_and_the_feed_and_says_what_is_on_them() -> None:
    scripted_incident()
    out = build("--title", "Larkspur status")
    assert out.startswith(f"Built {Path.cwd() / SITE}: 1 open incident, 0 resolved")
    assert "3 public updates" in out
    site_names = [*statuspage.SITE_FILES, *statuspage.SITE_FOLDERS]
    assert sorted(p.name for p in SITE.iterdir()) == sorted(site_names)
    page = read("index.html")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "<title>Larkspur status</title>" in page
    assert "Logins failing" in page and "Severity: Major" in page
    # the severity's public words, never the team's internal description (issue 17, item 6)
    assert "A core part of Larkspur is down or unreliable for many customers." in page
    assert "A core function (schedules, shift swaps, clock-in) is down" not in page
    assert "Sign-ins are back for most customers" in page
    assert page.index("Sign-ins are back") < page.index("We found the cause")  # latest first
    assert "Next update by" in page and "Expected fix by" in page
    document = status_json()
    (incident,) = document["incidents"]
    assert incident["status"] == "open" and incident["severity"]["name"] == "Major"
    assert [u["kind"] for u in incident["updates"]] == ["update", "update", "new_incident"]
    assert incident["next_update_by"] is not None and incident["eta"] is not None


def test_piped_there_is_no_progress_bar_only_the_summary() -> None:
    scripted_incident()
    result = ok("statuspage", "build", "site")
    assert result.stderr == ""
    assert result.stdout.count("\n") == 1


def test_on_a_terminal_a_progress_bar_shows_while_it_builds() -> None:
    scripted_incident()
    child = spawn("statuspage", "build", "site")
    child.expect("Building the status page")
    child.expect("Built ")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    assert (SITE / "index.html").exists()


def test_only_what_was_said_in_public_reaches_the_site() -> None:
    start_outage("--yes", "--as", "support-deputy", "--at", "-30m")
    ok("note", "INTERNAL-NOTE: the failover script is ours to blame", "--at", "-25m")
    ok(
        "update",
        "SOCIAL-ONLY: shorter news for Twitter",
        "--channel",
        "twitter",
        "--at",
        "-20m",
    )
    ok(
        "reply",
        "--customer",
        "Ada Park",
        "--email",
        "ada@example.com",
        "--note",
        "CUSTOMER-CASE: her rota is gone",
    )
    ok("followup", "add", "--customer", "Bo Lund", "--email", "bo@example.com")
    ok("update", "Restoring service now.")
    build()
    everything = all_files()
    for secret in (
        "INTERNAL-NOTE",
        "SOCIAL-ONLY",
        "CUSTOMER-CASE",
        "ada@example.com",
        "Ada Park",
        "bo@example.com",
        "support-deputy",
    ):
        assert secret not in everything, secret
    assert "Restoring service now." in everything
    assert len(feed().findall(f"{ATOM}entry")) == 2  # the start's update and the last one


def test_the_feed_carries_the_most_recent_entries_and_the_page_keeps_them_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from crisisplan.views import statuspage as page

    monkeypatch.setattr(page, "FEED_ENTRIES", 3)  # 100 in use; 3 keeps the story short
    start_outage("--yes", "--at", "-50m")
    for n, when in enumerate(("-40m", "-30m", "-20m", "-10m"), start=1):
        ok("update", f"Step {n} of the fix.", "--at", when)
    build()
    shown = [e.findtext(f"{ATOM}content") or "" for e in feed().findall(f"{ATOM}entry")]
    assert len(shown) == 3
    assert [next(s for s in ("Step 4", "Step 3", "Step 2") if s in text) for text in shown] == [
        "Step 4",
        "Step 3",
        "Step 2",
    ]
    assert len(status_json()["incidents"][0]["updates"]) == 5  # the start's update and four
    assert all(f"Step {n} of the fix." in read("index.html") for n in range(1, 5))


def test_an_incident_nobody_was_told_about_stays_off_the_page() -> None:
    start_outage("--no")
    build()
    assert status_json()["incidents"] == []
    assert "Logins failing" not in read("index.html")
    assert "No incidents in progress." in read("index.html")
    assert feed().findall(f"{ATOM}entry") == []
    assert feed().findtext(f"{ATOM}updated")  # a feed with no entries is still valid Atom


def test_resolved_incidents_are_listed_for_90_days() -> None:
    start_outage("--yes", "--at", days_ago(200))
    ok("resolve", "--cause", "Old cause", "--impact", "Old impact", "--at", days_ago(199))
    ok(
        "start",
        "--type",
        "degraded",
        "--severity",
        "minor",
        "--title",
        "Reminders late",
        "--summary",
        "Shift reminders arrive an hour late",
        "--yes",
        "--at",
        days_ago(10),
    )
    ok("resolve", "-i", "2", "--cause", "Stuck queue", "--impact", "Late", "--at", days_ago(9.9))
    start_outage("--yes", "--at", "-10m")
    out = build()
    assert "1 open incident, 1 resolved in the last 90 days" in out
    document = status_json()
    assert [(i["id"], i["status"]) for i in document["incidents"]] == [
        ("INC-3", "open"),
        ("INC-2", "resolved"),
    ]
    resolved = document["incidents"][1]
    assert resolved["updates"][0]["kind"] == "resolved"
    assert resolved["resolved_at"] and resolved["next_update_by"] is None
    page = read("index.html")
    assert "Reminders late" in page and "Final update" in page
    assert page.index("Current incidents") < page.index("Logins failing")
    assert page.index("Resolved in the last 90 days") < page.index("Reminders late")


def test_every_title_and_update_is_escaped_in_the_page_and_the_feed() -> None:
    start_outage("--yes", title=EVIL, summary="<img src=x onerror=alert(2)> \x1b[2J bell\x07")
    # An undecodable byte read from a terminal: recorded as a lone surrogate. (Recorded
    # through the store: the test runner's stdout cannot echo it back.)
    _record_update("An undecodable byte from a terminal: \udcff.")
    build("--title", "<i>Acme</i> status")
    page = read("index.html")
    assert "<script>alert" not in page and "<img src=x" not in page and "<i>Acme" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;Logins&lt;/b&gt;" in page
    assert "\x1b" not in page and "\x07" not in page and "\ufffd[2J bell\ufffd" in page
    assert "An undecodable byte from a terminal: \ufffd." in page
    entry = feed().findall(f"{ATOM}entry")[-1]
    assert entry.findtext(f"{ATOM}title") == f"New incident: {EVIL}"
    assert "<img src=x onerror=alert(2)>" in (entry.findtext(f"{ATOM}content") or "")
    assert feed().findtext(f"{ATOM}title") == "<i>Acme</i> status"
    (incident,) = status_json()["incidents"]
    assert incident["title"] == EVIL  # plain strings in the JSON
    assert "\x1b[2J bell\x07" in incident["updates"][1]["text"]
    assert "terminal: \udcff." in incident["updates"][0]["text"]


def test_the_feed_follows_the_atom_rules_and_its_ids_never_change() -> None:
    scripted_incident()
    build()
    root = feed()
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert (root.findtext(f"{ATOM}{required}") or "").strip(), required
    assert root.findtext(f"{ATOM}author/{ATOM}name")  # so entries need no author of their own
    assert RFC3339.match(root.findtext(f"{ATOM}updated") or "")
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3  # one per public update
    for entry in entries:
        for required in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{required}") or "").strip(), required
        for stamp in ("updated", "published"):
            text = entry.findtext(f"{ATOM}{stamp}") or ""
            assert RFC3339.match(text), text
            dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        assert entry.find(f"{ATOM}content[@type='text']") is not None
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None and "#INC-1-u" in link.attrib["href"]
    ids = [e.findtext(f"{ATOM}id") for e in entries]
    assert len(set(ids)) == 3 and all(i and i.startswith("urn:uuid:") for i in ids)
    stamps = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    feed_id = root.findtext(f"{ATOM}id")

    ok("update", "All sign-ins work again; watching closely.")
    build()
    again = feed()
    assert again.findtext(f"{ATOM}id") == feed_id
    new_ids = [e.findtext(f"{ATOM}id") for e in again.findall(f"{ATOM}entry")]
    assert new_ids[1:] == ids and new_ids[0] not in ids
    json_ids = [u["id"] for u in status_json()["incidents"][0]["updates"]]
    assert json_ids == new_ids  # the same id for an update in the JSON and the feed


def test_status_json_matches_its_schema() -> None:
    scripted_incident()
    ok("resolve", "--cause", "A failed failover", "--impact", "No sign-ins for an hour")
    start_outage("--yes")  # aftermath incidents stay open until reviewed, hence --incident
    build()
    validator = jsonschema.Draft202012Validator(
        SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    errors = [e.message for e in validator.iter_errors(status_json())]
    assert errors == []
    document = status_json()
    assert document["format"] == "crisisplan.status" and document["version"] == 1
    assert document["open_incidents"] == 1 and len(document["incidents"]) == 2
    assert document["page"]["url"] == "https://status.larkspur.example"


def test_the_page_reads_each_incident_as_its_whole_state_would_read(db_target: str) -> None:
    start_outage("--yes", "--at", "-3h")
    ok("resolve", "--cause", "A full disk", "--impact", "Slow pages", "--at", "-2h")
    start_outage("--yes", "--at", "-1h", title='Reminders <late> & "lost" ✅')
    ok("update", "Still on it.", "--incident", "INC-2")
    start_outage("--no", title="Never told")

    with open_store(db_target) as store:
        rows = store.incidents()
        parts = store.state_parts(st.GLANCE_PATHS)
    assert [(i, n) for i, n, _ in parts] == [(r.id, r.number) for r in rows]
    # The database's reading of the parts is the same as Python's of the whole state.
    assert [st.public_glance_of(p) for _, _, p in parts] == [
        st.public_glance(r.state) for r in rows
    ]


def test_a_state_edited_by_hand_into_nonsense_is_reported_not_crashed_on() -> None:
    start_outage("--yes")
    edit_log("UPDATE incidents SET state = ? WHERE id = 'INC-1'", '{"notes": 3,')

    result = crisis("statuspage", "build", str(SITE))

    assert result.exit_code == 2
    assert "holds a record that cannot be read ('INC-1'" in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    assert not SITE.exists()


def test_a_state_is_read_by_paths_of_plain_keys_only() -> None:
    with open_store(DB) as store, pytest.raises(ValueError, match="not a path of plain keys"):
        store.state_parts(["title') FROM incidents; --"])


def test_a_missing_log_is_an_error_not_a_calm_page() -> None:
    result = crisis("statuspage", "build", str(SITE), "--db", "typo.db")
    assert result.exit_code == 2
    assert "There is no incident log at typo.db" in result.stderr
    assert not SITE.exists() and not Path("typo.db").exists()


def test_a_rebuild_replaces_the_previous_site_whole() -> None:
    scripted_incident()
    build()
    first = read("index.html")
    ok("update", "Fixed for everyone.")
    build()
    assert read("index.html") != first and "Fixed for everyone." in read("index.html")
    assert _leftovers() == []


def test_a_folder_holding_other_files_is_refused_and_left_alone() -> None:
    scripted_incident()
    SITE.mkdir()
    (SITE / "index.html").write_text("old", encoding="utf-8")
    (SITE / "CNAME").write_text("status.example.com", encoding="utf-8")
    result = crisis("statuspage", "build", str(SITE))
    assert result.exit_code == 2
    assert "holds files that are not part of a status page (CNAME)" in result.stderr
    assert "Traceback" not in result.stderr
    assert read("index.html") == "old" and (SITE / "CNAME").exists()
    Path("file.txt").write_text("x", encoding="utf-8")
    result = crisis("statuspage", "build", "file.txt")
    assert result.exit_code == 2 and "is not a folder" in result.stderr


def test_a_build_that_fails_leaves_the_previous_site_intact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scripted_incident()
    build()
    before = {name: read(name) for name in statuspage.SITE_FILES}
    ok("update", "This update must not reach the site.")

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", disk_full)
    result = crisis("statuspage", "build", str(SITE))
    assert result.exit_code == 2
    assert "could not write the status page" in result.stderr
    assert "previous site is unchanged" in result.stderr
    assert {name: read(name) for name in statuspage.SITE_FILES} == before
    assert _leftovers() == []


def test_a_swap_that_fails_puts_the_previous_site_back(monkeypatch: pytest.MonkeyPatch) -> None:
    scripted_incident()
    build()
    before = read("index.html")
    ok("update", "This update must not reach the site either.")
    real_rename = Path.rename

    def rename(self: Path, target: Any) -> Path:
        if self.name.startswith(".site.new-"):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", rename)
    result = crisis("statuspage", "build", str(SITE))
    assert result.exit_code == 2 and "could not write the status page" in result.stderr
    assert read("index.html") == before
    assert _leftovers() == []


def test_ctrl_c_as_the_new_site_is_swapped_in_leaves_a_whole_site(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    scripted_incident()
    build()
    ok("update", "Fixed for everyone.")
    real_rename = Path.rename

    def rename(self: Path, target: Any) -> Path:
        moved = real_rename(self, target)
        if self.name == SITE.name:  # the old site has just been moved aside
            os.kill(os.getpid(), signal.SIGINT)
        return moved

    monkeypatch.setattr(Path, "rename", rename)
    result = crisis("statuspage", "build", str(SITE))
    assert result.exit_code == 130
    assert "Interrupted; nothing was recorded." in result.stderr
    assert "Fixed for everyone." in read("index.html")  # the new site, whole
    assert _leftovers() == []


def test_a_build_loads_no_playbook_jinja_or_pydantic() -> None:
    scripted_incident()
    modules, importtime = imported_by([["statuspage", "build", "site"]], Path.cwd())
    assert "crisisplan.views.statuspage" in modules, "the build did not get as far as rendering"
    forbidden = [
        "jinja2",
        "yaml",
        "pydantic",
        "crisisplan.playbook.model",
        "crisisplan.playbook.loader",
    ]
    assert heavy_imports(modules, importtime, forbidden) == []
    assert (SITE / "index.html").exists()


def test_ids_are_version_8_uuids_of_the_incident_and_the_event() -> None:
    first = statuspage.uuid_urn("INC-1/2026-11-23T10:00:00+00:00", 57)
    assert first == statuspage.uuid_urn("INC-1/2026-11-23T10:00:00+00:00", 57)
    assert first != statuspage.uuid_urn("INC-1/2026-11-23T10:00:01+00:00", 57)
    assert re.match(
        r"^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-000000000039$", first
    )


def _record_update(text: str) -> None:
    from crisisplan.phases.record import event, record
    from crisisplan.store import open_store

    with open_store(os.environ.get("CRISIS_DB", str(DB))) as store:
        (row,) = store.incidents(open_only=True)
        at = dt.datetime.now(dt.UTC)
        record(store, row.id, [event("public_update", at, "x", "status", message=text, text=text)])


def _leftovers() -> list[str]:
    return sorted(p.name for p in Path.cwd().iterdir() if p.name.startswith(".site."))
