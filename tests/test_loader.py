"""Loading a plan: what a support lead sees when their playbook or a template is wrong.

Each fault starts from a small valid plan (tests/fixtures/loader/plan), changes one thing,
and checks that the error names the file, the line and column of what was changed, and
the offending thing itself.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crisisplan.errors import Location, PlaybookError, PlaybookInvalid, UsageError
from crisisplan.playbook.loader import Plan, find_playbook, load_plan

FIXTURE = Path(__file__).parent / "fixtures" / "loader" / "plan"


@pytest.fixture
def plan_dir(tmp_path: Path) -> Path:
    """A fresh copy of the valid example plan: playbooks/acme.yaml + response_library/."""
    target = tmp_path / "plan"
    shutil.copytree(FIXTURE, target)
    return target


def playbook_of(plan_dir: Path) -> Path:
    return plan_dir / "playbooks" / "acme.yaml"


def template_of(plan_dir: Path, template_id: str) -> Path:
    return plan_dir / "response_library" / f"{template_id}.md.j2"


def edit(path: Path, old: str, new: str) -> str:
    """Replace the one occurrence of `old` in the file, as a user editing it would."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} should occur once in {path.name}"
    text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return text


def position(path: Path, new: str, points_at: str) -> str:
    """file:line:column of `points_at`, looked for inside the edited text `new` first."""
    text = path.read_text(encoding="utf-8")
    if new and points_at in new:
        index = text.index(new) + new.index(points_at)
    else:
        index = text.index(points_at)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"{path}:{line}:{column}"


def failure(path: Path) -> PlaybookInvalid:
    with pytest.raises(PlaybookInvalid) as caught:
        load_plan(path)
    return caught.value


def lines_of(error: PlaybookInvalid) -> list[str]:
    return [f"{where}: {message}" for where, message in error.problems]


# --- a valid plan ---------------------------------------------------------------------------


def test_a_valid_plan_loads_with_its_templates_in_order(plan_dir: Path) -> None:
    plan = load_plan(playbook_of(plan_dir))

    assert isinstance(plan, Plan)
    assert plan.playbook.name == "Acme Mail crisis plan"
    assert plan.path == playbook_of(plan_dir)
    assert plan.library_dir == plan_dir / "response_library"
    assert list(plan.templates) == ["first-response", "status-update"]  # README.md ignored
    first = plan.templates["first-response"]
    assert first.front.purpose == "first_response"
    assert first.path == template_of(plan_dir, "first-response")
    assert first.body_line == 7
    assert first.body.startswith("{% block acknowledge %}Hi {{ customer.name }}")
    assert first.path.read_text().split("\n")[first.body_line - 1] == first.body.split("\n")[0]


def test_template_for_gives_the_template_named_for_a_purpose(plan_dir: Path) -> None:
    plan = load_plan(playbook_of(plan_dir))

    assert plan.template_for("status_update").front.id == "status-update"


def test_template_for_an_unnamed_purpose_says_which_key_to_add(plan_dir: Path) -> None:
    plan = load_plan(playbook_of(plan_dir))

    with pytest.raises(PlaybookError) as caught:
        plan.template_for("apology")

    error = caught.value
    assert "apology" in error.message
    assert error.hint is not None
    assert "`apology: TEMPLATE-ID` under `templates:`" in error.hint
    assert "first-response, status-update" in error.hint
    assert str(error.location) == position(playbook_of(plan_dir), "", "templates:")


def test_templates_by_id_finds_a_template_or_suggests_one(plan_dir: Path) -> None:
    plan = load_plan(playbook_of(plan_dir))

    assert plan.templates_by_id("status-update").front.purpose == "status_update"
    with pytest.raises(UsageError) as caught:
        plan.templates_by_id("status-updates")
    assert caught.value.message == (
        f"there is no template 'status-updates' in {plan_dir / 'response_library'}"
    )
    assert caught.value.hint == "Did you mean 'status-update'?"


def test_locate_points_at_a_value_or_at_its_key(plan_dir: Path) -> None:
    path = playbook_of(plan_dir)
    plan = load_plan(path)

    funnel = ("channels", "twitter", "funnel_to")
    assert str(plan.locate(funnel)) == position(path, "funnel_to: email", "email")
    assert str(plan.locate(funnel, key=True)) == position(path, "funnel_to: email", "funnel_to")
    # A mapping is found at its key; a missing path at its nearest existing parent.
    assert str(plan.locate(("channels", "twitter"))) == position(path, "  twitter:", "twitter")
    assert str(plan.locate(("channels", "fax", "owner"))) == position(path, "", "channels:")


def test_yes_no_and_on_stay_the_words_a_user_wrote(plan_dir: Path) -> None:
    path = playbook_of(plan_dir)
    edit(path, "  stance: We are", "  support_hours: on\n  stance: no\n  x_stance: We are")
    edit(path, "  x_stance: We are a service company that happens to send email.\n", "")

    plan = load_plan(path)

    assert plan.playbook.company.stance == "no"
    assert plan.playbook.company.support_hours == "on"


# --- one fault at a time in the playbook ---------------------------------------------------

# (old, new, what the error points at, what it says)
PLAYBOOK_FAULTS = {
    "unknown key, with did-you-mean": (
        "  stance:",
        "  stanse:",
        "stanse",
        ["unknown key `stanse` in company", "did you mean 'stance'?"],
    ),
    "unknown top-level key": (
        "owner: support-lead\nreviewed",
        "ownr: support-lead\nreviewed",
        "ownr",
        ["unknown key `ownr`; did you mean 'owner'?"],
    ),
    "unknown key in a list item": (
        "    severities: [major]",
        "    severity: [major]",
        "severity",
        ["unknown key `severity` in escalation item 1; did you mean 'severities'?"],
    ),
    "wrong type": (
        "update_every_minutes: 120",
        "update_every_minutes: soon",
        "soon",
        ["`update_every_minutes` must be a whole number of minutes, got 'soon'"],
    ),
    "number out of range": (
        "update_every_minutes: 60",
        "update_every_minutes: 0",
        "0",
        ["`update_every_minutes` must be more than 0 minutes, got 0"],
    ),
    "missing required field": (
        "  name: Acme Mail\n",
        "",
        "company:",
        ["missing required field `name` in company"],
    ),
    "missing field in a list item": (
        "    how: Page the core-api service\n",
        "",
        "id: eng",
        ["missing required field `how` in escalation item 1"],
    ),
    "field with no value": (
        "name: Acme Mail crisis plan",
        "name:",
        "name:",
        ["`name` has no value"],
    ),
    "a list where a mapping belongs": (
        "company:\n  name: Acme Mail\n  stance: We are a service company that happens to send"
        " email.\n",
        "company: [Acme Mail]\n",
        "company",
        ["`company` must be a mapping of `key: value` lines, got a list"],
    ),
    "not a date": (
        "reviewed: 2026-11-01",
        "reviewed: last week",
        "last week",
        ["`reviewed` must be a date like 2026-11-01, got 'last week'"],
    ),
    "unknown channel kind": (
        "kind: social",
        "kind: socal",
        "socal",
        ["`kind` must be one of email, social,", "got 'socal'; did you mean 'social'?"],
    ),
    "role id with capitals and spaces": (
        "  eng-oncall: {",
        "  Eng Oncall: {",
        "Eng Oncall",
        ["key 'Eng Oncall' in roles must be a role id"],
    ),
    "unknown template purpose": (
        "  first_response: first-response",
        "  first_respons: first-response",
        "first_respons",
        ["key 'first_respons' in templates", "did you mean 'first_response'?"],
    ),
    "unsupported version": (
        "playbook: 1",
        "playbook: 2",
        "2",
        ["unsupported playbook version 2; this crisis reads version 1"],
    ),
    "missing version": (
        "playbook: 1\n",
        "",
        "name: Acme",
        ["missing `playbook:` version; add `playbook: 1` at the top"],
    ),
    "owner not a role": (
        "owner: support-lead\nreviewed",
        "owner: boss\nreviewed",
        "boss",
        ["owner 'boss' is not a role; roles are: support-lead, eng-oncall"],
    ),
    "channel owner not a role": (
        "    purpose: broadcast\n    owner: support-lead",
        "    purpose: broadcast\n    owner: social-team",
        "social-team",
        ["owner 'social-team' is not a role"],
    ),
    "escalation who not a role": (
        "who: eng-oncall",
        "who: nobody",
        "nobody",
        ["who 'nobody' is not a role"],
    ),
    "funnel_to a broadcast channel": (
        "funnel_to: email",
        "funnel_to: twitter",
        "twitter",
        ["funnel_to 'twitter' must be a channel with purpose individual, not broadcast"],
    ),
    "funnel_to a missing channel": (
        "funnel_to: email",
        "funnel_to: fax",
        "fax",
        ["funnel_to 'fax' is not a channel; channels are: email, twitter"],
    ),
    "unknown severity in escalation": (
        "severities: [major]",
        "severities: [major, huge]",
        "huge",
        ["severity 'huge' is not defined; severities are: minor, major"],
    ),
    "unknown type in escalation": (
        "types: [outage]",
        "types: [breach]",
        "breach",
        ["incident type 'breach' is not defined; types are: outage"],
    ),
    "unknown default_severity": (
        "default_severity: major",
        "default_severity: sev1",
        "sev1",
        ["severity 'sev1' is not defined"],
    ),
    "unknown severity in compensation": (
        "when: {severity: major}",
        "when: {severity: critical}",
        "critical",
        ["severity 'critical' is not defined"],
    ),
    "template purpose names a missing template": (
        "first_response: first-response",
        "first_response: first-respons",
        "first-respons",
        [
            "templates.first_response names 'first-respons'",
            "no first-respons.md.j2 in",
            "did you mean 'first-response'?",
        ],
    ),
    "template whose purpose is another": (
        "  status_update: status-update",
        "  status_update: first-response",
        "first-response",
        [
            "templates.status_update names 'first-response'",
            "purpose is first_response",
            "first-response.md.j2",
        ],
    ),
}


@pytest.mark.parametrize(
    ("old", "new", "points_at", "says"),
    list(PLAYBOOK_FAULTS.values()),
    ids=list(PLAYBOOK_FAULTS),
)
def test_a_playbook_fault_is_named_where_it_was_written(
    plan_dir: Path, old: str, new: str, points_at: str, says: list[str]
) -> None:
    path = playbook_of(plan_dir)
    edit(path, old, new)

    error = failure(path)

    assert len(error.problems) == 1, lines_of(error)
    line = lines_of(error)[0]
    assert line.startswith(position(path, new, points_at) + ": ")
    assert says, "the case names no words the message must say"
    for fragment in says:
        assert fragment in line


def test_every_problem_is_listed_in_line_order(plan_dir: Path) -> None:
    path = playbook_of(plan_dir)
    edit(path, "update_every_minutes: 60", "update_every_minutes: often")
    edit(path, "  stance:", "  stanse:")
    edit(path, "kind: social", "kind: blog")

    error = failure(path)

    found = lines_of(error)
    assert len(found) == 3
    assert found[0].startswith(position(path, "stanse", "stanse"))
    assert found[1].startswith(position(path, "kind: blog", "blog"))
    assert found[2].startswith(position(path, "often", "often"))
    assert str(error).splitlines()[:3] == found


def test_playbook_problems_come_before_template_problems(plan_dir: Path) -> None:
    edit(template_of(plan_dir, "status-update"), "id: status-update", "id: status")
    edit(playbook_of(plan_dir), "who: eng-oncall", "who: nobody")

    error = failure(playbook_of(plan_dir))

    files = [Path(where.file).name for where, _ in error.problems]
    assert files == ["acme.yaml", "status-update.md.j2"]


def test_a_yaml_error_in_the_playbook_keeps_its_place(plan_dir: Path) -> None:
    path = playbook_of(plan_dir)
    edit(path, "who: eng-oncall", "who: eng-oncall\n    who: support-lead")

    error = failure(path)

    assert lines_of(error) == [
        f"{position(path, '    who: support-lead', 'who: support')}: duplicate key `who` "
        f"(first written at line {position(path, '', 'who:').split(':')[1]})"
    ]


# --- one fault at a time in a template ------------------------------------------------------

TEMPLATE_FAULTS = {
    "broken YAML": (
        "purpose: first_response",
        "purpose: first_response: oops",
        ": oops",
        ["invalid YAML: mapping values are not allowed here"],
    ),
    "unknown key, with did-you-mean": (
        "sections:",
        "sectons:",
        "sectons",
        ["unknown key `sectons`; did you mean 'sections'?"],
    ),
    "unknown purpose": (
        "purpose: first_response",
        "purpose: first-response",
        "first-response",
        ["`purpose` must be one of", "did you mean 'first_response'?"],
    ),
    "id that is not the file name": (
        "id: first-response",
        "id: first-reply",
        "first-reply",
        ["template id 'first-reply' does not match the file name first-response.md.j2"],
    ),
    "no front matter": (
        "---\nid: first-response\npurpose: first_response\n",
        "",
        "channels:",
        ["the template has no front matter"],
    ),
    "front matter never closed": (
        "---\n{% block acknowledge",
        "{% block acknowledge",
        "---",
        ["the front matter that starts at line 1 is never closed"],
    ),
    "empty front matter": (
        "id: first-response\npurpose: first_response\nchannels: [email]\n"
        "sections: [acknowledge, explain, action, next_update]\n",
        "# nothing yet\n",
        "---",
        ["the front matter is empty"],
    ),
}


@pytest.mark.parametrize(
    ("old", "new", "points_at", "says"),
    list(TEMPLATE_FAULTS.values()),
    ids=list(TEMPLATE_FAULTS),
)
def test_a_template_fault_is_named_in_the_template_file(
    plan_dir: Path, old: str, new: str, points_at: str, says: list[str]
) -> None:
    path = template_of(plan_dir, "first-response")
    edit(path, old, new)

    error = failure(playbook_of(plan_dir))

    assert len(error.problems) == 1, lines_of(error)
    line = lines_of(error)[0]
    assert line.startswith(position(path, new, points_at) + ": ")
    assert says, "the case names no words the message must say"
    for fragment in says:
        assert fragment in line


def test_a_template_that_links_outside_the_library_is_refused(
    plan_dir: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("---\nid: leak\npurpose: update\n---\nroot password\n")
    link = template_of(plan_dir, "leak")
    link.symlink_to(secret)

    error = failure(playbook_of(plan_dir))

    assert lines_of(error) == [
        f"{link}:1:1: template 'leak' is a link to {secret.resolve()}, outside the library. "
        "Copy the file into the library instead."
    ]


def test_a_template_linked_within_the_library_is_fine(plan_dir: Path) -> None:
    original = template_of(plan_dir, "status-update")
    original.rename(plan_dir / "response_library" / "status.txt")
    original.symlink_to("status.txt")

    plan = load_plan(playbook_of(plan_dir))

    assert plan.templates["status-update"].front.purpose == "status_update"


@pytest.mark.parametrize(
    ("content", "at", "says"),
    [
        (b"---\nid: bad\x00\n", "2:8", "looks binary"),
        (b"---\nid: caf\xe9\n---\n", "2:8", "not UTF-8 text: byte 0xe9"),
    ],
    ids=["binary", "latin-1"],
)
def test_a_template_that_is_not_utf8_text_is_refused(
    plan_dir: Path, content: bytes, at: str, says: str
) -> None:
    path = template_of(plan_dir, "bad")
    path.write_bytes(content)

    error = failure(playbook_of(plan_dir))

    assert lines_of(error)[0].startswith(f"{path}:{at}: ")
    assert says in lines_of(error)[0]


def test_a_template_with_windows_line_endings_keeps_its_lines(plan_dir: Path) -> None:
    path = template_of(plan_dir, "first-response")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))

    plan = load_plan(playbook_of(plan_dir))

    assert plan.templates["first-response"].body_line == 7


# --- where the library is -------------------------------------------------------------------


def test_library_set_in_the_playbook_is_relative_to_the_playbook(plan_dir: Path) -> None:
    (plan_dir / "response_library").rename(plan_dir / "templates")
    edit(
        playbook_of(plan_dir),
        "review_every_days: 90\n",
        "review_every_days: 90\nlibrary: ../templates\n",
    )

    plan = load_plan(playbook_of(plan_dir))

    assert plan.library_dir == plan_dir / "playbooks" / ".." / "templates"
    assert list(plan.templates) == ["first-response", "status-update"]


def test_a_library_that_does_not_exist_is_named_at_the_library_key(plan_dir: Path) -> None:
    path = playbook_of(plan_dir)
    edit(path, "review_every_days: 90\n", "review_every_days: 90\nlibrary: ../templates\n")

    error = failure(path)

    assert lines_of(error) == [
        f"{position(path, 'library: ../templates', '../templates')}: the library folder "
        f"{plan_dir / 'playbooks' / '..' / 'templates'} does not exist"
    ]


def test_a_library_beside_a_lone_playbook_is_found(plan_dir: Path) -> None:
    lone = plan_dir / "acme.yaml"
    playbook_of(plan_dir).rename(lone)

    plan = load_plan(lone)

    assert plan.library_dir == plan_dir / "response_library"


def test_no_library_anywhere_names_the_folders_looked_for(plan_dir: Path) -> None:
    shutil.rmtree(plan_dir / "response_library")

    error = failure(playbook_of(plan_dir))

    line = lines_of(error)[0]
    assert line.startswith(f"{playbook_of(plan_dir)}:1:1: no response library")
    assert str(plan_dir / "response_library") in line
    assert str(plan_dir / "playbooks" / "response_library") in line
    assert "`library:`" in line


# --- finding the playbook -------------------------------------------------------------------


def make_playbooks(*names: str) -> None:
    Path("playbooks").mkdir()
    for name in names:
        (Path("playbooks") / name).write_text("playbook: 1\n")


def test_the_playbook_flag_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    make_playbooks("a.yaml", "b.yaml")
    monkeypatch.setenv("CRISIS_PLAYBOOK", "playbooks/b.yaml")

    assert find_playbook(Path("playbooks/a.yaml")) == Path("playbooks/a.yaml")


def test_crisis_playbook_is_used_without_a_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    make_playbooks("a.yaml", "b.yaml")
    monkeypatch.setenv("CRISIS_PLAYBOOK", "playbooks/b.yaml")

    assert find_playbook(None) == Path("playbooks/b.yaml")


def test_the_only_playbook_in_the_playbooks_folder_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    make_playbooks("acme.yml")
    (Path("playbooks") / "notes.txt").write_text("not a playbook")
    monkeypatch.setenv("CRISIS_PLAYBOOK", "")

    assert find_playbook(None) == Path("playbooks/acme.yml")


def test_no_playbook_anywhere_says_what_to_set() -> None:
    with pytest.raises(UsageError) as caught:
        find_playbook(None)

    text = str(caught.value)
    for way in ("--playbook", "CRISIS_PLAYBOOK", "./playbooks/", "crisis init"):
        assert way in text


def test_several_playbooks_are_listed_to_choose_from() -> None:
    make_playbooks("acme.yaml", "beta.yml")

    with pytest.raises(UsageError) as caught:
        find_playbook(None)

    assert "./playbooks/ holds 2 playbooks (acme.yaml, beta.yml)" in caught.value.message
    assert caught.value.hint == "Choose one with --playbook PATH or CRISIS_PLAYBOOK=PATH."


def test_a_missing_playbook_says_where_the_path_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(PlaybookError) as flag:
        find_playbook(Path("nope.yaml"))
    monkeypatch.setenv("CRISIS_PLAYBOOK", "gone.yaml")
    with pytest.raises(PlaybookError) as env:
        find_playbook(None)

    assert str(flag.value).startswith(
        "nope.yaml: the playbook given with --playbook does not exist"
    )
    assert str(env.value).startswith("gone.yaml: the playbook named by CRISIS_PLAYBOOK does not")


def test_a_folder_given_as_playbook_lists_the_files_inside() -> None:
    make_playbooks("acme.yaml")

    with pytest.raises(PlaybookError) as caught:
        find_playbook(Path("playbooks"))

    assert caught.value.location == Location(Path("playbooks"))
    assert "is a folder, not a YAML file" in caught.value.message
    assert caught.value.hint == "Name a file inside it: acme.yaml."


def test_an_unreadable_playbook_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    make_playbooks("acme.yaml")
    # Tests may run as root, who can read anything: make the check see a refusal.
    monkeypatch.setattr(os, "access", lambda path, mode: False)

    with pytest.raises(PlaybookError) as caught:
        find_playbook(Path("playbooks/acme.yaml"))

    assert "cannot be read (permission denied)" in caught.value.message


def test_a_playbook_that_cannot_be_read_fails_cleanly(
    plan_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)

    with pytest.raises(PlaybookError) as caught:
        load_plan(playbook_of(plan_dir))

    assert str(caught.value).startswith(
        f"{playbook_of(plan_dir)}: the playbook cannot be read (permission denied)"
    )


def test_the_loader_does_not_import_jinja2() -> None:
    # `crisis check` must stay quick to start; templates render elsewhere.
    code = "import sys, crisisplan.playbook.loader; print('jinja2' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )

    assert result.stdout.strip() == "False"
