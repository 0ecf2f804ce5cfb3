"""`crisis library`: the team browses its templates and keeps a good answer for next time."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.helpers import crisis, events, ok, start_outage

LIBRARY = Path("response_library")
KEPT = LIBRARY / "kept-reply.md.j2"
BUNDLED = [
    "apology",
    "auto-ack",
    "first-response",
    "internal-brief",
    "resolved",
    "status-update",
    "update",
]


@pytest.fixture(autouse=True)
def incident() -> None:
    ok("init", ".")
    start_outage("--yes")


def reply(name: str, email: str, *extra: str) -> int:
    """Draft a reply as an agent would; its event id."""
    crisis("reply", "--customer", name, "--email", email, *extra)
    return int(events("reply")[-1]["id"])


def library_files() -> list[str]:
    return sorted(p.name for p in LIBRARY.iterdir())


# --- list and show --------------------------------------------------------------------------


def test_list_shows_every_template_with_its_purpose_channels_sections_and_description() -> None:
    out = ok("library", "list").stdout

    for template_id in BUNDLED:
        assert f"\n{template_id}  (" in f"\n{out}", template_id
    assert "first-response  (first_response; the plan's first_response)" in out
    assert "channels: email, chat, twitter, forum" in out
    assert "sections: acknowledge, explain, action, next_update" in out
    assert "The first personal reply to a customer who contacted us" in out


def test_list_as_json() -> None:
    document = json.loads(ok("library", "list", "--json").stdout)

    by_id = {t["id"]: t for t in document["templates"]}
    assert sorted(by_id) == BUNDLED
    apology = by_id["apology"]
    assert (apology["purpose"], apology["channels"]) == ("apology", ["email"])
    assert apology["sections"] == ["cause", "impact", "remedy", "invite_reply"]
    assert apology["description"].startswith("The apology after the incident")
    assert apology["file"] == str(LIBRARY / "apology.md.j2")


def test_show_prints_the_template_as_written() -> None:
    result = ok("library", "show", "first-response")

    assert result.stdout == (LIBRARY / "first-response.md.j2").read_text(encoding="utf-8")


def test_show_an_unknown_template_suggests_the_nearest() -> None:
    result = crisis("library", "show", "first-respons")

    assert result.exit_code == 2
    assert "there is no template 'first-respons'" in result.stderr
    assert "Did you mean 'first-response'?" in result.stderr


# --- save -----------------------------------------------------------------------------------


def test_a_kept_reply_is_a_template_check_accepts_and_it_works_for_the_next_customer() -> None:
    event_id = reply("Ada Park", "ada@example.com", "--note", "Her Monday rota is missing")
    original = events("reply")[-1]["payload"]
    start, end = original["blocks"]["acknowledge"]  # where the block's words are in the text
    acknowledged = original["text"][start:end]
    assert acknowledged.startswith("Thank you for writing to us")

    saved = ok("library", "save", str(event_id), "--id", "kept-reply")

    assert f"Wrote {KEPT}: a first_response template" in saved.stdout
    source = KEPT.read_text(encoding="utf-8")
    for private in ("Ada Park", "ada@example.com", "Her Monday rota is missing"):
        assert private not in source, private
    assert "Hi {{ customer.name }}," in source
    assert "{{ incident.summary }}" in source and "{{ incident.next_update_at | clock }}" in source
    for block in ("acknowledge", "explain", "action", "next_update"):
        assert f"{{% block {block} -%}}" in source
    assert acknowledged in source  # the agent's words, kept as written
    assert ok("check", "--strict").exit_code == 0

    [kept] = [
        t
        for t in json.loads(ok("library", "list", "--json").stdout)["templates"]
        if t["id"] == "kept-reply"
    ]
    assert (kept["purpose"], kept["channels"]) == ("first_response", ["email"])
    assert kept["sections"] == ["acknowledge", "explain", "action", "next_update"]
    assert kept["description"].startswith(f"Kept from INC-1, event {event_id}, drafted by ")

    bo = ok(
        "reply",
        "--customer",
        "Bo Lee",
        "--email",
        "bo@example.com",
        "--template",
        "kept-reply",
        "--note",
        "His clock-ins from this morning are safe",
    ).stdout
    assert bo.startswith("Hi Bo Lee,")
    assert "His clock-ins from this morning are safe" in bo
    assert "Ada" not in bo and "Monday rota" not in bo
    assert acknowledged in bo


def test_a_customer_name_written_as_jinja_is_never_evaluated() -> None:
    event_id = reply("{{ 7*7 }}", "jinja@example.com")

    ok("library", "save", str(event_id), "--id", "kept-reply")

    assert ok("check", "--strict").exit_code == 0
    same = json.loads(
        ok(
            "reply",
            "--customer",
            "{{ 7*7 }}",
            "--email",
            "j2@example.com",
            "--template",
            "kept-reply",
            "--json",
        ).stdout
    )["text"]
    assert same.startswith("Hi {{ 7*7 }},")
    other = ok(
        "reply", "--customer", "Bo Lee", "--email", "bo@example.com", "--template", "kept-reply"
    ).stdout
    assert other.startswith("Hi Bo Lee,")
    assert "Hi 49" not in same + other  # "49" alone can be the minute of the next update


def test_an_edited_reply_is_split_into_blocks_and_its_jinja_looking_words_stay_words(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = (
        "Hi Ada Park,\n\n"
        "Thank you for writing. Larkspur is not working for you, and that is on us.\n\n"
        "You saw {{ 7*7 }} and {% if true %}yes{% endif %} and {# this #} on your rota page; "
        "that was our page failing, not your data. {% endraw %} {{{ also }}}\n\n"
        "We are moving your account to a healthy server now.\n\n"
        "You will hear from us again within the hour.\n"
    )
    editor = tmp_path / "editor.py"
    editor.write_text(
        f"import sys, pathlib\npathlib.Path(sys.argv[1]).write_text({words!r})\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    event_id = reply("Ada Park", "ada@example.com", "--edit")
    assert events("reply")[-1]["payload"]["edited_from"]

    saved = ok("library", "save", str(event_id), "--id", "kept-reply")

    assert "check where each block starts and ends" in saved.stderr
    source = KEPT.read_text(encoding="utf-8")
    assert "{{ 7*7 }}" not in source.replace("{{ '{' }}", "")  # escaped, not live
    assert ok("check", "--strict").exit_code == 0
    bo = ok(
        "reply",
        "--customer",
        "Bo Lee",
        "--email",
        "bo@example.com",
        "--template",
        "kept-reply",
        "--json",
    ).stdout
    text = json.loads(bo)["text"]
    assert text == words.replace("Ada Park", "Bo Lee")  # every word kept, none evaluated


def test_the_base_reply_and_a_public_update_can_be_kept_too() -> None:
    base = events("base_reply")[0]["id"]
    update = events("public_update")[0]["id"]

    ok("library", "save", str(base), "--id", "kept-base")
    posted = ok("library", "save", str(update), "--id", "kept-status")

    assert "a status_update template" in posted.stdout
    status_source = (LIBRARY / "kept-status.md.j2").read_text(encoding="utf-8")
    assert "channels: [status]" in status_source
    assert "{{ incident.title }}" in status_source
    assert "{{ incident.next_update_at | clock }}" in status_source
    assert "Logins failing" not in status_source
    base_source = (LIBRARY / "kept-base.md.j2").read_text(encoding="utf-8")
    assert "Hi {{ customer.name }}," in base_source
    assert "{{ incident.next_update_at | clock }}" in base_source  # no stale promise
    assert "[customer's name]" not in base_source
    assert ok("check", "--strict").exit_code == 0


def test_a_description_can_be_given() -> None:
    event_id = reply("Ada Park", "ada@example.com")

    ok(
        "library",
        "save",
        str(event_id),
        "--id",
        "kept-reply",
        "--description",
        "Calm first answer: use: when logins fail",
    )

    [kept] = [
        t
        for t in json.loads(ok("library", "list", "--json").stdout)["templates"]
        if t["id"] == "kept-reply"
    ]
    assert kept["description"] == "Calm first answer: use: when logins fail"


def test_save_refuses_and_writes_nothing() -> None:
    event_id = reply("Ada Park", "ada@example.com")
    ok("library", "save", str(event_id), "--id", "kept-reply")
    kept_before = KEPT.read_text(encoding="utf-8")
    files = library_files()
    started = events("incident_started")[0]["id"]

    cases = [
        (["--id", "kept-reply"], "already exists", "--force"),
        (["--id", "Kept_Reply"], "is not a template id", "lower-case"),
        (["--id", "apology", "--force"], "uses 'apology' for apology", "another --id"),
    ]
    for args, message, hint in cases:
        result = crisis("library", "save", str(event_id), *args)
        assert result.exit_code == 2, args
        assert message in result.stderr and hint in result.stderr, result.stderr
    for bad_event, message in (
        (999, "there is no event 999"),
        (started, f"event {started} is not a reply but `incident_started`"),
    ):
        result = crisis("library", "save", str(bad_event), "--id", "other")
        assert result.exit_code == 2
        assert message in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    assert library_files() == files
    assert KEPT.read_text(encoding="utf-8") == kept_before

    forced = ok(
        "library",
        "save",
        str(event_id),
        "--id",
        "kept-reply",
        "--force",
        "--description",
        "Replaced",
    )
    assert "Wrote" in forced.stdout
    assert "description: Replaced" in KEPT.read_text(encoding="utf-8")
