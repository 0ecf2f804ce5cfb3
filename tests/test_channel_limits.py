"""A 532-character draft for the social channel was accepted (issue 20, item 4).

A channel kind has a length limit (social: 280 characters), overridable per channel with
`limit:`; `reply` and `update` refuse a draft over it, saying by how much and where;
`check` renders the worst case of each template and warns; a broadcast draft on a channel
that funnels people elsewhere always carries that channel's address.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from crisisplan.playbook.model import Playbook
from crisisplan.templating.check import check_template
from tests.helpers import crisis, events, ok, start_outage
from tests.test_rendering import NOW, PLAYBOOK, REPLY, template

OTHER_TEAM = Path(__file__).parent / "fixtures" / "other-team"
PLAN = Path("playbooks/example.yaml")
UPDATE_TEMPLATE = Path("response_library/status-update.md.j2")


@pytest.fixture(autouse=True)
def plan() -> None:
    ok("init", ".")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, text: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def test_the_bundled_social_update_fits_in_280_characters_and_sends_people_to_email() -> None:
    start_outage("--yes", title="Logins failing for customers in every region since 02:40")
    posted = ok("update", "We found the cause and are restoring service", "--channel", "twitter")
    (tweet,) = [e for e in events("public_update") if e["channel"] == "twitter"]
    assert len(tweet["payload"]["text"].strip()) <= 280
    assert "Email us at help@larkspur.example" in posted.stdout  # twitter funnels to email


def test_an_update_over_the_social_limit_is_refused_with_the_count_and_the_place() -> None:
    start_outage("--yes")
    edit(
        UPDATE_TEMPLATE, "What we know: {{ incident.status_url", "What we know: {{ incident.summary"
    )
    before = len(events())
    result = crisis("update", "x" * 300, "--channel", "twitter")
    assert result.exit_code == 2
    kind_line = line_of(PLAN, "  twitter:")
    assert result.stderr.startswith(f"error: {UPDATE_TEMPLATE}:")
    assert "the draft for twitter is " in result.stderr
    assert " over the limit of 280 (the default for social channels; set `limit:` under " in (
        result.stderr
    )
    assert f"{PLAN}:{kind_line}:3 to change it)." in result.stderr
    over = int(result.stderr.split("characters, ")[1].split(" over")[0])
    assert over > 20
    assert len(events()) == before  # nothing recorded: not the summary, not the update


def test_a_channel_limit_in_the_plan_overrides_the_default_for_update_and_reply() -> None:
    edit(PLAN, "    funnel_to: chat\n", "    funnel_to: chat\n    limit: 120\n")
    ok("check")  # a valid field (check's worst case warns: below)
    start_outage("--yes")
    result = crisis("update", "Restoring service", "--channel", "forum")
    assert result.exit_code == 2
    limit_at = f"{PLAN}:{line_of(PLAN, 'limit: 120')}:12"
    assert f"over the limit of 120 (its `limit:` at {limit_at})." in result.stderr
    reply = crisis(
        "reply", "--customer", "Ada Park", "--email", "ada@example.com", "--channel", "forum"
    )
    assert reply.exit_code == 2
    assert "error: response_library/first-response.md.j2:" in reply.stderr
    assert "the draft for forum is " in reply.stderr and "over the limit of 120" in reply.stderr
    assert events("reply") == [] and len(events("public_update")) == 1  # start's only
    assert ok("update", "Restoring service").exit_code == 0  # the status page has no limit


def test_check_warns_when_the_longest_case_of_a_template_can_exceed_a_limit() -> None:
    edit(PLAN, "    funnel_to: email\n", "    funnel_to: email\n    limit: 200\n")
    result = crisis("check", "--strict")
    assert result.exit_code == 1
    assert f"{UPDATE_TEMPLATE}:" in result.stdout
    assert "warning: on twitter the template can reach " in result.stdout
    assert "over the channel's limit of 200 (seen " in result.stdout
    assert "with the longest names and a 80-character title" in result.stdout


def test_check_renders_long_values_not_the_sample_ones() -> None:
    found = check_template(template(REPLY, channels=("email", "twitter")), PLAYBOOK, now=NOW)
    too_long = [f for f in found if f.code == "template.too-long"]
    assert len(too_long) == 1 and too_long[0].level == "warning"
    assert "on twitter the template can reach " in too_long[0].message
    # The same template with the summary left out of social posts, and the address given.
    short = REPLY.replace(
        "What we know: {{ incident.summary }}",
        "What we know: {% if channel.kind == 'social' %}on our status page"
        "{% else %}{{ incident.summary }}{% endif %} Email {{ channel.funnel_to.address }}",
    )
    assert check_template(template(short, channels=("twitter",)), PLAYBOOK, now=NOW) == []
    # Signed by the plan's longest name, not the owner's (Dana Ortiz) the sample uses.
    roles = PLAYBOOK.model_dump()["roles"]
    roles["social"]["name"] = "Sam " + "Lee" * 90
    longer = Playbook.model_validate(PLAYBOOK.model_dump() | {"roles": roles})
    (warning,) = check_template(template(short, channels=("twitter",)), longer, now=NOW)
    assert warning.code == "template.too-long"


def test_a_funnelling_broadcast_draft_without_the_address_is_an_error_in_update_and_check() -> None:
    start_outage("--yes")
    edit(UPDATE_TEMPLATE, " Email us at {{ channel.funnel_to.address }} for", " Email us for")
    edit(
        UPDATE_TEMPLATE,
        "{{ channel.funnel_to.url or channel.funnel_to.address or channel.funnel_to.id }} for",
        "us for",
    )
    result = crisis("update", "Restoring service", "--channel", "twitter")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {UPDATE_TEMPLATE}:")
    assert "the draft for twitter does not give email's address (help@larkspur.example)" in (
        result.stderr
    )
    assert len(events("public_update")) == 1
    check = crisis("check")
    assert check.exit_code == 2
    assert "error: on twitter the template does not always give email's address" in check.stdout


def test_quillpay_forum_posts_point_to_live_chat_and_its_own_limit_holds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(OTHER_TEAM, "other-team")
    plan = Path("other-team/playbooks/payments.yaml")
    monkeypatch.setenv("CRISIS_PLAYBOOK", str(plan))
    monkeypatch.setenv("CRISIS_AGENT", "merchant-success")
    ok("check", "--strict")  # its templates give live-chat's address on the forum
    ok(
        "start",
        "-t",
        "payments-down",
        "-s",
        "sev2",
        "--title",
        "Payouts late",
        "--summary",
        "s",
        "--yes",
    )
    posted = ok("update", "Payouts are going out again", "--channel", "merchant-forum")
    assert "https://dashboard.quillpay.example/chat" in posted.stdout
    edit(plan, "    funnel_to: live-chat\n", "    funnel_to: live-chat\n    limit: 100\n")
    refused = crisis("update", "Payouts are going out again", "--channel", "merchant-forum")
    assert refused.exit_code == 2
    assert "over the limit of 100 (its `limit:` at other-team/playbooks/payments.yaml:" in (
        refused.stderr
    )


def test_check_audits_the_roles_that_sign_off_public_statements() -> None:
    edit(
        PLAN,
        "    public_statement_needs: [comms-legal, head-of-eng]",
        "    public_statement_needs: [legal, head-of-eng]",
    )
    missing = crisis("check")
    assert missing.exit_code == 2
    at = f"{PLAN}:{line_of(PLAN, 'public_statement_needs: [legal')}:30"
    assert f"{at}: error: role 'legal' is not a role; roles are: " in missing.stderr
    edit(PLAN, "[legal, head-of-eng]", "[social, head-of-eng]")  # a role the ladder never calls
    result = crisis("check", "--strict")
    assert result.exit_code == 1
    assert (
        "warning: 'security' statements wait for social's sign-off, but no escalation step "
        "calls social for 'security'; add one, so someone asks them." in result.stdout
    )


def test_start_keeps_the_declaration_but_not_a_first_update_over_the_page_limit() -> None:
    edit(
        PLAN,
        "    url: https://status.larkspur.example\n",
        "    url: https://status.larkspur.example\n    limit: 100\n",
    )
    result = crisis(
        "start", "-t", "outage", "-s", "major", "--title", "Logins", "--summary", "s", "--yes"
    )
    assert result.exit_code == 2
    assert "INC-1 is declared; the first update was not drafted: the draft for status is " in (
        result.stderr
    )
    assert "over the limit of 100 (its `limit:` at playbooks/example.yaml:" in result.stderr
    assert len(events("incident_started")) == 1
    assert events("public_update") == []


def test_a_bulk_reply_skips_a_customer_whose_draft_is_over_the_limit_and_drafts_the_rest() -> None:
    # One long note among hundreds of customers: the lead hears which row, and the rest go.
    email = "    address: help@larkspur.example\n"
    edit(PLAN, email, email + "    limit: 2000\n")
    start_outage("--yes")
    rows = [
        f"Customer {n},c{n}@example.com,Their checkout page shows error {n} since 02:40"
        for n in range(900)
    ]
    rows[400] = "Bo Chen,bo@example.com," + "My invoices are missing. " * 80  # line 402
    Path("customers.csv").write_text("name,email,note\n" + "\n".join(rows) + "\n")
    assert Path("customers.csv").stat().st_size > 64_000  # drafted by the worker processes
    result = crisis("reply", "--customers", "customers.csv", "-o", "drafts")
    assert result.exit_code == 1
    assert "customers.csv:402: the draft is " in result.stderr
    assert "over email's limit of 2,000 (shorten the name or note); row skipped." in result.stderr
    drafted = {e["payload"]["customer"]["email"] for e in events("reply")}
    assert len(drafted) == 899 and "bo@example.com" not in drafted
    assert len(list(Path("drafts").iterdir())) == 899
    assert all(len(e["payload"]["text"].strip()) <= 2000 for e in events("reply"))
