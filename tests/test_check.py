"""Before a crisis: a lead writes the plan (`init`), checks it (`check`), shares it (`plan`).

Every fault below starts from a fresh `crisis init` of the bundled example and changes one
thing in it, so each test also shows that the real example is one edit away from the error
it names, and that the error points at the line (and column) the lead just changed.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

import pytest

from tests.helpers import crisis, every_command, ok

TODAY = dt.date.today().isoformat()

REPO = Path(__file__).resolve().parents[1]
OTHER_TEAM = Path(__file__).parent / "fixtures" / "other-team"
PLAYBOOK = Path("playbooks/example.yaml")
LIBRARY = Path("response_library")


@pytest.fixture
def team(monkeypatch: pytest.MonkeyPatch) -> Path:
    """A team that ran `crisis init team` and now works inside `team/`."""
    ok("init", "team")
    monkeypatch.chdir("team")
    return Path.cwd()


def edit(path: Path, old: str, new: str, *, count: int = 1) -> None:
    """Replace `old` (which must occur `count` times) with `new`, as a person editing would."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == count, f"{old!r} should occur {count} time(s) in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def place(path: Path, context: str, points_at: str | None = None) -> str:
    """`file:line:column` of `points_at` inside the one occurrence of `context` in the file."""
    text = path.read_text(encoding="utf-8")
    assert text.count(context) == 1, f"{context!r} should occur once in {path}"
    index = text.index(context) + context.index(points_at or context)
    line = text.count("\n", 0, index) + 1
    column = index - text.rfind("\n", 0, index)
    return f"{path}:{line}:{column}"


def line_of(path: Path, context: str) -> int:
    """The 1-based line where the one occurrence of `context` starts."""
    text = path.read_text(encoding="utf-8")
    assert text.count(context) == 1, f"{context!r} should occur once in {path}"
    return text.count("\n", 0, text.index(context)) + 1


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def no_traceback(*texts: str) -> None:
    assert texts, "no output given to check"
    for text in texts:
        assert "Traceback" not in text
        assert "internal error" not in text


# --- crisis init ----------------------------------------------------------------------------


def test_a_new_team_runs_init_then_check_and_the_plan_is_ready(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written = ok("init", "team")

    assert "wrote team/playbooks/example.yaml" in written.stdout
    assert "wrote team/response_library/first-response.md.j2" in written.stdout
    assert written.stdout.rstrip().endswith("Next: cd team && crisis check && crisis plan")
    assert Path("team/README.md").is_file()

    monkeypatch.chdir("team")
    checked = ok("check")

    assert checked.stdout == "Ready: playbooks/example.yaml is complete and current.\n"
    assert checked.stderr == ""


def test_the_bundled_example_passes_strict_check(team: Path) -> None:
    result = ok("check", "--strict")

    assert result.stdout.splitlines()[-1].startswith("Ready: playbooks/example.yaml")


def test_the_repository_root_example_passes_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """The repo's playbooks/ and response_library/ are links to the shipped example.

    Its `reviewed:` date is fixed in the repository, so in time it goes stale: that one
    warning is allowed here; `crisis init` stamps a fresh copy with today's date.
    """
    monkeypatch.chdir(REPO)

    report = json.loads(ok("check", "--json").stdout)

    assert report["ready"] is True
    assert [f["code"] for f in report["findings"]] in ([], ["readiness.stale"])


def test_init_refuses_to_overwrite_a_plan_and_changes_nothing(team: Path) -> None:
    edit(PLAYBOOK, "name: Larkspur crisis plan", "name: Our own plan")
    Path("README.md").unlink()
    before = snapshot(team)

    result = crisis("init", ".")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "already exist" in result.stderr
    assert "playbooks/example.yaml" in result.stderr
    assert "--force" in result.stderr
    no_traceback(result.stderr)
    # All or nothing: not even the missing README came back.
    assert snapshot(team) == before


def test_init_with_force_writes_the_example_over_existing_files(team: Path) -> None:
    edit(PLAYBOOK, "name: Larkspur crisis plan", "name: Our own plan")

    result = ok("init", ".", "--force")

    assert "wrote playbooks/example.yaml" in result.stdout
    assert "name: Larkspur crisis plan" in PLAYBOOK.read_text(encoding="utf-8")


def test_another_teams_plan_with_its_own_library_passes_strict_check() -> None:
    shutil.copytree(OTHER_TEAM, "other-team")
    # the team reviewed it today (the fixture's own date will one day be stale)
    plan = Path("other-team/playbooks/payments.yaml")
    today = dt.date.today().isoformat()
    plan.write_text(
        re.sub(r"(?m)^reviewed: .*$", f"reviewed: {today}", plan.read_text(encoding="utf-8")),
        encoding="utf-8",
    )

    result = ok("check", "--strict", "other-team/playbooks/payments.yaml")

    assert result.stdout == "Ready: other-team/playbooks/payments.yaml is complete and current.\n"
    report = json.loads(ok("check", "--json", "other-team/playbooks/payments.yaml").stdout)
    assert report["findings"] == []


# --- one fault, one message -----------------------------------------------------------------

# (test id, file, text in the example, what the lead wrote instead, what the error points at
#  inside the new text, words the message must contain)
FAULTS = [
    (
        "unknown-key",
        PLAYBOOK,
        "review_every_days: 120",
        "review_evry_days: 120",
        "review_evry_days",
        "unknown key `review_evry_days`; did you mean 'review_every_days'?",
    ),
    (
        "wrong-type",
        PLAYBOOK,
        "    first_response_minutes: 30\n  chat:",
        "    first_response_minutes: soon\n  chat:",
        "soon",
        "`first_response_minutes` must be a whole number of minutes, got 'soon'",
    ),
    (
        "missing-required-field",
        PLAYBOOK,
        "company:\n  name: Larkspur\n",
        "company:\n",
        "company",
        "missing required field `name` in company",
    ),
    (
        "unsupported-version",
        PLAYBOOK,
        "playbook: 1\n",
        "playbook: 2\n",
        "2",
        "unsupported playbook version 2; this crisis reads version 1",
    ),
    (
        "owner-not-a-role",
        PLAYBOOK,
        "    owner: support-deputy\n    url: https://app",
        "    owner: support-deputee\n    url: https://app",
        "support-deputee",
        "owner 'support-deputee' is not a role; roles are: support-lead, support-deputy,",
    ),
    (
        "escalation-who-not-a-role",
        PLAYBOOK,
        "who: hosting",
        "who: northwind",
        "northwind",
        "who 'northwind' is not a role",
    ),
    (
        "funnel-to-a-broadcast-channel",
        PLAYBOOK,
        "funnel_to: chat",
        "funnel_to: twitter",
        "twitter",
        "funnel_to 'twitter' must be a channel with purpose individual, not broadcast",
    ),
    (
        "unknown-severity-in-escalation",
        PLAYBOOK,
        "severities: [critical]",
        "severities: [catastrophic]",
        "catastrophic",
        "severity 'catastrophic' is not defined; severities are: minor, major, critical",
    ),
    (
        "unknown-severity-in-compensation",
        PLAYBOOK,
        "{severity: critical}",
        "{severity: severe}",
        "severe",
        "severity 'severe' is not defined; severities are: minor, major, critical",
    ),
    (
        "unknown-default-severity",
        PLAYBOOK,
        "default_severity: minor",
        "default_severity: low",
        "low",
        "severity 'low' is not defined; severities are: minor, major, critical",
    ),
    (
        "unknown-type-in-escalation",
        PLAYBOOK,
        "types: [outage, degraded]",
        "types: [outage, slow]",
        "slow",
        "incident type 'slow' is not defined; types are: outage, degraded, security, data-loss",
    ),
    (
        "template-purpose-names-a-missing-template",
        PLAYBOOK,
        "  update: update\n",
        "  update: progress-update\n",
        "progress-update",
        "templates.update names 'progress-update', but there is no progress-update.md.j2 "
        "in response_library",
    ),
    (
        "duplicate-key",
        PLAYBOOK,
        "name: Larkspur crisis plan\n",
        "name: Larkspur crisis plan\nname: Larkspur plan\n",
        "name: Larkspur plan",
        "duplicate key `name` (first written at line 8)",
    ),
    (
        "python-tag",
        PLAYBOOK,
        "name: Larkspur crisis plan\n",
        'name: !!python/object/apply:os.system ["touch pwned"]\n',
        "!!python",
        "the YAML tag !!python/object/apply:os.system is not allowed",
    ),
    (
        "broken-template-front-matter",
        LIBRARY / "update.md.j2",
        "purpose: update\n",
        "purpose: updat\n",
        "updat",
        "`purpose` must be one of acknowledgement, first_response, update, resolved, apology, "
        "status_update, internal_brief, got 'updat'; did you mean 'update'?",
    ),
]


def assert_one_error(result_stderr: str, where: str, words: str) -> None:
    """Exactly one problem line, at `where`, then what to do and the verdict; no crash."""
    *lines, verdict = result_stderr.splitlines()
    problems = [line for line in lines if ": error: " in line]
    assert len(lines) - len(problems) <= 1, lines  # at most one line saying what to do
    assert problems == [f"{where}: error: {problems[0].split(': error: ', 1)[-1]}"], problems
    assert words in problems[0]
    assert verdict == "Not ready: playbooks/example.yaml is invalid (1 error, 0 warnings)."


@pytest.mark.parametrize(
    ("file", "old", "new", "points_at", "words"),
    [pytest.param(*fault[1:], id=fault[0]) for fault in FAULTS],
)
def test_one_fault_gives_one_located_message_on_stderr(
    team: Path, file: Path, old: str, new: str, points_at: str, words: str
) -> None:
    edit(file, old, new)

    result = crisis("check")

    assert result.exit_code == 2
    assert result.stdout == ""
    no_traceback(result.stdout, result.stderr)
    assert_one_error(result.stderr, place(file, new, points_at), words)
    assert not Path("pwned").exists()


def test_a_playbook_without_a_version_says_to_add_one(team: Path) -> None:
    edit(PLAYBOOK, "playbook: 1\n", "")

    result = crisis("check")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_error(
        result.stderr,
        f"{PLAYBOOK}:1:1",
        "missing `playbook:` version; add `playbook: 1` at the top",
    )


def test_a_template_linked_from_outside_the_library_is_refused(team: Path) -> None:
    Path("secrets.md.j2").write_text("---\nid: leak\npurpose: update\n---\n{{ x }}\n")
    (LIBRARY / "leak.md.j2").symlink_to("../secrets.md.j2")

    result = crisis("check")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_error(result.stderr, f"{LIBRARY}/leak.md.j2:1:1", "template 'leak' is a link to ")
    assert "outside the library" in result.stderr


def test_an_alias_bomb_is_refused_where_it_starts_to_grow(team: Path) -> None:
    lines = ["laughs: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        this, prev = chr(ord("a") + level), chr(ord("a") + level - 1)
        lines.append(f"more-{this}: &{this} [{', '.join([f'*{prev}'] * 9)}]")
    bomb = "\n".join(lines) + "\n"
    edit(PLAYBOOK, "tiers: [enterprise, business, starter]\n", bomb)
    first, last = line_of(PLAYBOOK, lines[0]), line_of(PLAYBOOK, lines[-1])

    result = crisis("check")

    assert result.exit_code == 2
    assert result.stdout == ""
    no_traceback(result.stderr)
    *lines, verdict = result.stderr.splitlines()
    problems = [line for line in lines if ": error: " in line]
    assert len(problems) == 1
    found = re.match(rf"{re.escape(str(PLAYBOOK))}:(\d+):\d+: error: ", problems[0])
    assert found, problems
    assert first <= int(found.group(1)) <= last
    assert "aliases (*name) expand this file to more than 50,000 values" in problems[0]
    assert verdict.startswith("Not ready:")


# --- faults the template check finds: reported with the other findings, on stdout ------------

UPDATE = LIBRARY / "update.md.j2"


def template_findings(result_stdout: str) -> list[str]:
    return [line for line in result_stdout.splitlines() if line.startswith(f"{UPDATE}:")]


def test_a_template_using_an_undefined_variable_is_named_with_its_line(team: Path) -> None:
    edit(UPDATE, "{{ incident.title }}: our update", "{{ incident.titel }}: our update")

    result = crisis("check")

    assert result.exit_code == 2
    assert result.stderr == ""
    no_traceback(result.stdout)
    [found] = template_findings(result.stdout)
    where = place(UPDATE, "{{ incident.titel }}", "incident.titel")
    assert found.startswith(f"{where}: error: `incident.titel` is undefined; ")
    assert "Did you mean `incident.title`?" in found
    assert result.stdout.splitlines()[-1] == (
        "Not ready: playbooks/example.yaml has 1 error, 0 warnings."
    )


def test_a_template_whose_required_block_renders_empty_fails(team: Path) -> None:
    text = UPDATE.read_text(encoding="utf-8")
    emptied, n = re.subn(
        r"\{% block action -%\}.*?\{%- endblock %\}",
        "{% block action %}{% endblock %}",
        text,
        flags=re.DOTALL,
    )
    assert n == 1
    UPDATE.write_text(emptied, encoding="utf-8")
    line = line_of(UPDATE, "{% block action %}")

    result = crisis("check")

    assert result.exit_code == 2
    assert result.stderr == ""
    no_traceback(result.stdout)
    found = template_findings(result.stdout)
    assert found, result.stdout
    for finding in found:
        assert finding.startswith(f"{UPDATE}:{line}: error: block `action` renders empty")
    assert result.stdout.splitlines()[-1].startswith("Not ready: playbooks/example.yaml has")


def test_a_template_with_a_syntax_error_is_named_with_its_line(team: Path) -> None:
    edit(UPDATE, "{%- if incident.eta %} We expect", "{%- iff incident.eta %} We expect")
    line = line_of(UPDATE, "{%- iff incident.eta %}")

    result = crisis("check")

    assert result.exit_code == 2
    assert result.stderr == ""
    no_traceback(result.stdout)
    [found] = template_findings(result.stdout)
    column = len(UPDATE.read_text(encoding="utf-8").split("\n")[line - 1].split("iff")[0]) + 1
    assert found.startswith(f"{UPDATE}:{line}:{column}: error: the template has a syntax error: ")
    assert "unknown tag 'iff'" in found
    assert result.stdout.splitlines()[-1] == (
        "Not ready: playbooks/example.yaml has 1 error, 0 warnings."
    )


# --- readiness: a valid plan that would let the team down ------------------------------------


def test_a_channel_nobody_owns_is_an_error(team: Path) -> None:
    edit(PLAYBOOK, "    owner: social\n    url: https://community", "    url: https://community")

    result = crisis("check")

    assert result.exit_code == 2
    assert result.stderr == ""
    assert result.stdout.splitlines() == [
        f"{place(PLAYBOOK, 'forum:')}: error: channel 'forum' has no owner; name the role that "
        "answers it, so nothing is answered twice or not at all.",
        "Not ready: playbooks/example.yaml has 1 error, 0 warnings.",
    ]


def test_an_incident_type_with_nobody_to_call_at_some_severity_is_an_error(team: Path) -> None:
    # The lead, deputy, engineers and supplier are only called for major and critical.
    only_serious = "    severities: [major, critical]\n"
    for line in (
        "    when: Every incident, the moment anyone suspects one\n",
        "    when: The lead is unreachable for 10 minutes, or needs someone to share the load\n",
        "on the customers' behalf.\n",
        "    types: [outage, degraded]\n",
    ):
        edit(PLAYBOOK, line, line + only_serious)

    result = crisis("check")

    assert result.exit_code == 2
    gap = "has nobody to escalate to at severity minor; add an escalation step that covers it."
    assert result.stdout.splitlines() == [
        f"{place(PLAYBOOK, '  outage:', 'outage')}: error: incident type 'outage' {gap}",
        f"{place(PLAYBOOK, '  degraded:', 'degraded')}: error: incident type 'degraded' {gap}",
        "Not ready: playbooks/example.yaml has 2 errors, 0 warnings.",
    ]


WARNINGS = [
    pytest.param(
        ("    kind: status_page\n", "    kind: other\n", 1),
        ("channels:", None),
        "no status_page channel; customers need one public place to see known issues.",
        id="no-status-page",
    ),
    pytest.param(
        ("    kind: third_party\n", "    kind: human\n", 2),
        ("detection:", None),
        "no third-party detection source; list at least one so problems are caught early.",
        id="no-third-party-detection",
    ),
    pytest.param(
        (f"reviewed: {TODAY}", "reviewed: 2025-01-02", 1),
        ("reviewed: 2025-01-02", "2025"),
        "the plan was last reviewed on 2025-01-02 and was due for review on 2025-05-02; "
        "review it and update `reviewed:`.",
        id="stale-review",
    ),
]


@pytest.mark.parametrize(("change", "at", "message"), WARNINGS)
def test_a_gap_that_is_a_warning_passes_unless_strict(
    team: Path, change: tuple[str, str, int], at: tuple[str, str | None], message: str
) -> None:
    old, new, count = change
    edit(PLAYBOOK, old, new, count=count)
    expected = [
        f"{place(PLAYBOOK, *at)}: warning: {message}",
        "Ready, with 1 warning to look at: playbooks/example.yaml.",
    ]

    relaxed = crisis("check")
    strict = crisis("check", "--strict")

    assert (relaxed.exit_code, strict.exit_code) == (0, 1)
    assert relaxed.stdout.splitlines() == expected
    assert strict.stdout.splitlines() == expected
    assert relaxed.stderr == strict.stderr == ""


def test_errors_come_first_and_the_verdict_last(team: Path) -> None:
    edit(PLAYBOOK, f"reviewed: {TODAY}", "reviewed: 2025-01-02")
    edit(PLAYBOOK, "    kind: status_page\n", "    kind: other\n")
    edit(PLAYBOOK, "    owner: social\n    url: https://community", "    url: https://community")

    result = crisis("check")

    assert result.exit_code == 2
    *findings, verdict = result.stdout.splitlines()
    levels = [line.split(": ")[1] for line in findings]
    assert levels == ["error", "warning", "warning"]
    assert verdict == "Not ready: playbooks/example.yaml has 1 error, 2 warnings."


# --- --json: one document for tools ---------------------------------------------------------


def test_json_report_for_a_ready_plan(team: Path) -> None:
    result = ok("check", "--json")

    report = json.loads(result.stdout)
    assert report["valid"] is True
    assert report["ready"] is True
    assert (report["errors"], report["warnings"], report["findings"]) == (0, 0, [])
    assert report["playbook"] == "playbooks/example.yaml"
    assert result.stderr == ""


def test_json_report_for_a_plan_with_a_warning(team: Path) -> None:
    edit(PLAYBOOK, f"reviewed: {TODAY}", "reviewed: 2025-01-02")

    result = crisis("check", "--json", "--strict")

    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["valid"], report["ready"]) == (True, True)
    assert (report["errors"], report["warnings"]) == (0, 1)
    [finding] = report["findings"]
    assert finding["level"] == "warning"
    assert finding["code"] == "readiness.stale"
    assert (finding["file"], finding["line"], finding["column"]) == (str(PLAYBOOK), 10, 11)


def test_json_report_for_an_invalid_plan_is_still_one_document(team: Path) -> None:
    edit(PLAYBOOK, "review_every_days: 120", "review_evry_days: 120")

    result = crisis("check", "--json")

    assert result.exit_code == 2
    assert result.stderr == ""
    report = json.loads(result.stdout)  # the whole of stdout is one JSON document
    assert (report["valid"], report["ready"]) == (False, False)
    assert (report["errors"], report["warnings"]) == (1, 0)
    [finding] = report["findings"]
    assert finding["level"] == "error"
    assert "unknown key `review_evry_days`" in finding["message"]
    assert (finding["file"], finding["line"], finding["column"]) == (str(PLAYBOOK), 11, 1)


# --- crisis plan: the plan for humans -------------------------------------------------------

STANCE = "We are a small service company."
CHANNEL_OWNERS = [
    ("email", "Priya Raman (support-lead)"),
    ("chat", "Tomás Ferreira (support-deputy)"),
    ("phone", "Tomás Ferreira (support-deputy)"),
    ("twitter", "Jo Okafor (social)"),
    ("forum", "Jo Okafor (social)"),
    ("status", "Priya Raman (support-lead)"),
]
LADDER = [
    "Priya Raman (support-lead)",
    "Tomás Ferreira (support-deputy)",
    "Engineering on-call (eng-oncall)",
    "Ruth Adeyemi, general counsel (comms-legal)",
    "Hannah Berg (head-of-eng)",
    "Northwind Cloud (our hosting provider) (hosting)",
]
CADENCE = [("minor", "2 hours", "1 hour"), ("major", "1 hour", "30 minutes"), ("critical",)]
LANGUAGE = [
    "Say “outage”, not “service degradation”, “service interruption”, “incident event”.",
    "Avoid “inconvenience”: It names nothing and sounds like a form letter.",
    "Tone: plain, warm, accountable, specific.",
]
QUESTIONS = [
    "Was the plan used?",
    "Did the team have the tools they needed to help customers?",
    "Was information shared quickly and accurately?",
    "Which answers should be kept as models for next time?",
    "Did every customer on the follow-up list hear back from us personally?",
    "Did we keep every update time we promised? If not, what got in the way?",
    "What will we change in this plan before the next incident, and who will do it?",
]


def assert_whole_plan(text: str) -> None:
    """What a responder needs is all there, whatever the format (text already made plain)."""
    flat = " ".join(text.split())
    assert STANCE in flat
    for channel, owner in CHANNEL_OWNERS:
        assert re.search(rf"\b{channel}\b", flat), channel
        assert owner in flat
    assert "funnel people to email" in flat
    assert "funnel people to chat" in flat
    positions = [flat.index(who, flat.index("Escalation ladder")) for who in LADDER]
    assert positions == sorted(positions), "the ladder is shown in the order it is called"
    assert "Update cadence" in flat
    for phrase in LANGUAGE:
        assert phrase in flat
    for question in QUESTIONS:
        assert question in flat


def test_plan_as_text_shows_the_whole_plan(team: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "400")  # one table row per line

    result = ok("plan")

    assert_whole_plan(result.stdout)
    rows = result.stdout.splitlines()
    for channel, owner in CHANNEL_OWNERS:
        assert any(re.match(rf"\W*{channel}\W.*{re.escape(owner)}", row) for row in rows), channel
    for severity, *cadence in CADENCE:
        [row] = [r for r in rows if re.match(rf"\W*{severity}\W", r)]
        assert all(words in row for words in cadence), row
    assert result.stderr == ""


def markdown_cells(row: str) -> list[str]:
    """The cells of a Markdown table row, splitting only on unescaped pipes."""
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", row)[1:-1]]


def test_plan_as_markdown_shows_the_whole_plan_in_tables(team: Path) -> None:
    result = ok("plan", "--format", "md")

    document = result.stdout
    assert document.startswith("# Larkspur crisis plan\n")
    assert_whole_plan(re.sub(r"\\(.)", r"\1", document))
    rows = [markdown_cells(line) for line in document.splitlines() if line.startswith("|")]
    assert ["twitter", "social", "broadcast", "Jo Okafor (social)"] in [r[:4] for r in rows]
    for severity, *cadence in CADENCE:
        [row] = [r for r in rows if r[0] == severity]
        assert row[2 : 2 + len(cadence)] == cadence, row


def test_plan_as_html_is_one_self_contained_page(team: Path) -> None:
    import html

    result = ok("plan", "--format", "html")

    page = result.stdout
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<html") == 1
    assert re.search(r'<html lang="[a-z]{2}', page)
    assert '<meta name="viewport" content="width=device-width' in page
    assert "<main>" in page
    assert "</main>" in page
    assert "<script" not in page.lower()
    assert not re.search(r"""\b(?:href|src)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "@import" not in page
    assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", page)
    assert_whole_plan(html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_plan_written_to_a_file_replaces_it_whole(team: Path) -> None:
    Path("out").mkdir()
    target = Path("out/plan.html")
    target.write_text("last week's plan", encoding="utf-8")

    result = ok("plan", "--format", "html", "-o", str(target))

    assert result.stdout == ""
    assert result.stderr == f"wrote {target}\n"
    assert target.read_text(encoding="utf-8") == ok("plan", "--format", "html").stdout
    assert sorted(p.name for p in Path("out").iterdir()) == ["plan.html"]  # no temporary left


def test_plan_that_fails_leaves_the_old_file_untouched(team: Path) -> None:
    target = Path("plan.md")
    target.write_text("last week's plan", encoding="utf-8")
    edit(PLAYBOOK, "who: hosting", "who: northwind")

    result = crisis("plan", "--format", "md", "-o", str(target))

    assert result.exit_code == 2
    assert "who 'northwind' is not a role" in result.stderr
    no_traceback(result.stderr)
    assert target.read_text(encoding="utf-8") == "last week's plan"
    assert sorted(p.name for p in Path().iterdir() if p.name.startswith(".plan")) == []


def test_plan_html_escapes_markup_written_in_the_playbook(team: Path) -> None:
    edit(PLAYBOOK, "We are a small service company.", "<script>alert(1)</script> We are small.")

    page = ok("plan", "--format", "html").stdout
    markdown = ok("plan", "--format", "md").stdout

    assert "<script" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>" not in markdown
    assert r"\<script\>alert(1)\</script\>" in markdown


def test_a_pipe_in_a_value_does_not_break_the_markdown_table(team: Path) -> None:
    edit(
        PLAYBOOK,
        "address: help@larkspur.example",
        "address: help@larkspur.example | billing@larkspur.example",
    )

    document = ok("plan", "--format", "md").stdout

    header = next(line for line in document.splitlines() if line.startswith("| channel |"))
    [email] = [line for line in document.splitlines() if line.startswith("| email |")]
    assert len(markdown_cells(email)) == len(markdown_cells(header)) == 5
    assert "help@larkspur.example \\| billing@larkspur.example" in markdown_cells(email)[4]


# --- help and version -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=" ".join(["crisis", *p])) for p in every_command()],
)
def test_every_command_has_help_with_an_example(path: list[str]) -> None:
    result = ok(*path, "--help")

    assert "Usage: crisis" in result.stdout
    assert "Example:" in result.stdout


def test_the_command_list_is_what_the_help_test_walks() -> None:
    """A new command is picked up by the help test above without anyone listing it."""
    paths = [" ".join(p) for p in every_command()]

    assert {"init", "check", "plan", "start", "status"} <= set(paths)


def test_version_names_python_and_the_bundled_sqlite_past_the_wal_reset_fix() -> None:
    # A team can tell its log is past SQLite's WAL-reset fix (3.51.3), whatever Python links.
    import apsw

    result = ok("--version")

    found = re.fullmatch(
        r"crisis \d+\.\d+\.\d+ \(Python \d+\.\d+\.\d+\w*, "
        r"SQLite (\d+)\.(\d+)\.(\d+), bundled with apsw ([\d.]+)\)\n"
        r"(PostgreSQL driver: psycopg \d+\.\d+\.\d+\n)?",  # where the [postgres] extra is in
        result.stdout,
    )
    assert found, result.stdout
    assert tuple(int(n) for n in found.groups()[:3]) >= (3, 51, 3)
    assert found.group(4) == apsw.apsw_version()


def test_turning_off_a_rule_that_does_not_exist_is_an_error(team: Path) -> None:
    edit(
        PLAYBOOK,
        "  tone:",
        "  disable:\n    - {rule: minor_issue, reason: We call minor things minor.}\n  tone:",
    )

    result = crisis("check")

    assert result.exit_code == 2
    assert "'minor_issue' is not a built-in rule" in result.stderr
    assert "minor-issue" in result.stderr
