"""Drafting from templates: the variables a template sees, the filters, the errors a
template author gets, and what `crisis check` says about a template."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisisplan.errors import TemplateError, UsageError
from crisisplan.playbook.model import Playbook
from crisisplan.playbook.templates import FrontMatter, Template
from crisisplan.templating.check import check_template
from crisisplan.templating.render import (
    RenderError,
    block_lines,
    build_context,
    render,
    sample_context,
)

NOW = dt.datetime(2026, 11, 24, 14, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)

PLAYBOOK = Playbook.model_validate(
    {
        "playbook": 1,
        "name": "Acme Mail crisis plan",
        "owner": "support-lead",
        "company": {"name": "Acme Mail", "support_hours": "24/7 during a crisis"},
        "roles": {"support-lead": {"name": "Dana Ortiz"}, "social": {"name": "Sam Lee"}},
        "channels": {
            "email": {
                "kind": "email",
                "purpose": "individual",
                "owner": "support-lead",
                "address": "support@acme.example",
            },
            "twitter": {
                "kind": "social",
                "purpose": "broadcast",
                "owner": "social",
                "funnel_to": "email",
            },
            "status": {
                "kind": "status_page",
                "purpose": "broadcast",
                "owner": "support-lead",
                "url": "https://status.acme.example",
            },
        },
        "severities": {
            "minor": {"description": "Slow for some", "update_every_minutes": 120},
            "major": {"description": "Down for many", "update_every_minutes": 60},
        },
        "incident_types": {
            "outage": {"description": "The service is unavailable", "default_severity": "major"}
        },
        "language": {"avoid": [{"phrase": "rest assured", "why": "It asks for trust."}]},
        "compensation": [{"when": {"severity": "major"}, "offer": "One month free"}],
        "tiers": ["enterprise", "standard"],
    }
)

REPLY = """\
Hi {{ customer.name }},

{% block acknowledge -%}
I'm sorry: {{ company.name }} is down for you, and that is our problem, not yours.
{%- endblock %}

{% block explain -%}
What we know: {{ incident.summary }}
{%- endblock %}

{% block action -%}
We are fixing it{% if incident.eta %} by {{ incident.eta | clock }}{% endif %}.
{%- endblock %}

{% block next_update -%}
Next update by {{ incident.next_update_at | clock }}.
{%- endblock %}

{{ agent.name }}
"""


def template(
    body: str,
    *,
    purpose: str = "first_response",
    body_line: int = 5,
    channels: tuple[str, ...] = (),
    sections: tuple[str, ...] = (),
) -> Template:
    front = FrontMatter.model_validate(
        {"id": "reply", "purpose": purpose, "channels": channels, "sections": sections}
    )
    return Template(front=front, body=body, path=Path("library/reply.md.j2"), body_line=body_line)


def context(**customer: Any) -> dict[str, Any]:
    return build_context(
        playbook=PLAYBOOK,
        incident={
            "id": "INC-3",
            "title": "Email delayed",
            "type": "outage",
            "severity": "major",
            "status": "investigating",
            "started_at": NOW - 12 * MINUTE,
            "summary": "Mail is queued, not lost.",
            "next_update_at": NOW + 30 * MINUTE,
        },
        customer={"name": "Jordan Lee", "email": "jordan@example.com"} | customer,
        agent={"name": "Dana Ortiz", "role": "support-lead"},
        channel_id="twitter",
        now=NOW,
    )


def rendered(body: str, ctx: dict[str, Any] | None = None) -> str:
    return render(template(body), context() if ctx is None else ctx).text


# --- the variables a template sees ---------------------------------------------------------


def _plain(value: Any) -> bool:
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, dt.datetime):
        return value.tzinfo is not None
    return value is None or type(value) in (str, int, float, bool)


def test_a_template_sees_plain_data_with_the_documented_fields() -> None:
    ctx = context(tier="enterprise", open_case=True, previous_incidents=2)

    assert _plain(ctx)
    assert set(ctx) == {
        "incident",
        "customer",
        "company",
        "agent",
        "channel",
        "compensation",
        "playbook",
        "now",
    }
    assert set(ctx["incident"]) == {
        "id", "title", "type", "type_description", "severity", "severity_description",
        "severity_public", "status", "started_at", "summary", "cause", "impact", "eta",
        "next_update_at", "status_url", "cause_known", "cause_confirmed", "workaround",
    }  # fmt: skip
    assert ctx["customer"] == {
        "name": "Jordan Lee",
        "email": "jordan@example.com",
        "tier": "enterprise",
        "note": None,
        "note_at": None,
        "open_case": True,
        "previous_incidents": 2,
    }
    assert ctx["company"] == {
        "name": "Acme Mail",
        "stance": None,
        "support_hours": "24/7 during a crisis",
    }
    assert ctx["agent"] == {"name": "Dana Ortiz", "role": "support-lead"}
    assert ctx["playbook"] == {"name": "Acme Mail crisis plan"}


def test_the_plan_fills_in_descriptions_the_status_page_and_the_funnel_channel() -> None:
    ctx = context()

    assert ctx["incident"]["type_description"] == "The service is unavailable"
    assert ctx["incident"]["severity_description"] == "Down for many"
    assert ctx["incident"]["status_url"] == "https://status.acme.example"
    assert ctx["channel"] == {
        "id": "twitter",
        "kind": "social",
        "purpose": "broadcast",
        "address": None,
        "url": None,
        "funnel_to": {
            "id": "email",
            "kind": "email",
            "address": "support@acme.example",
            "url": None,
        },
        "first_response_minutes": None,
    }


def test_a_customer_without_history_has_no_open_case_and_no_earlier_incidents() -> None:
    customer = context()["customer"]

    assert customer["open_case"] is False
    assert customer["previous_incidents"] == 0


def test_a_naive_time_is_taken_as_utc() -> None:
    ctx = build_context(
        playbook=PLAYBOOK,
        incident={"started_at": dt.datetime(2026, 11, 24, 13, 0)},
        agent={"name": "Dana"},
        now=NOW,
    )

    assert ctx["incident"]["started_at"] == dt.datetime(2026, 11, 24, 13, 0, tzinfo=dt.UTC)
    assert ctx["customer"] is None and ctx["channel"] is None


def test_an_unknown_channel_is_a_usage_error_that_lists_the_channels() -> None:
    with pytest.raises(UsageError, match="'fax' is not in the playbook; channels are: email"):
        build_context(
            playbook=PLAYBOOK, incident={}, agent={"name": "Dana"}, channel_id="fax", now=NOW
        )


def test_sample_data_for_a_reply_looks_like_a_real_incident_and_customer() -> None:
    ctx = sample_context(PLAYBOOK, purpose="first_response", channel_id="email", now=NOW)

    incident, customer = ctx["incident"], ctx["customer"]
    assert (incident["type"], incident["severity"]) == ("outage", "major")
    assert incident["next_update_at"] == NOW + 60 * MINUTE  # the major cadence
    assert incident["status_url"] == "https://status.acme.example"
    assert all(incident[k] for k in ("title", "summary", "cause", "impact", "eta"))
    assert customer["name"] and "@" in customer["email"] and customer["tier"] == "enterprise"
    assert customer["note"] and customer["open_case"] is True
    assert ctx["agent"] == {"name": "Dana Ortiz", "role": "support-lead"}
    assert ctx["channel"]["id"] == "email"
    assert ctx["compensation"] is None
    assert _plain(ctx)


def test_sample_data_has_no_customer_for_updates_and_an_offer_for_apologies() -> None:
    assert sample_context(PLAYBOOK, purpose="status_update", now=NOW)["customer"] is None
    apology = sample_context(PLAYBOOK, purpose="apology", now=NOW)
    assert apology["compensation"] == "One month free"
    assert apology["incident"]["status"] == "resolved"


# --- rendering ---------------------------------------------------------------------------


def test_a_reply_renders_whole_and_block_by_block() -> None:
    result = render(template(REPLY), context())

    assert result.text.startswith("Hi Jordan Lee,\n\nI'm sorry: Acme Mail is down for you")
    assert result.text.endswith("Next update by 14:30 UTC.\n\nDana Ortiz\n")
    assert result.blocks == {
        "acknowledge": "I'm sorry: Acme Mail is down for you, and that is our problem, not yours.",
        "explain": "What we know: Mail is queued, not lost.",
        "action": "We are fixing it.",
        "next_update": "Next update by 14:30 UTC.",
    }


def test_a_block_that_renders_nothing_is_empty_and_one_never_reached_too() -> None:
    body = "{% block explain %}  {% endblock %}"
    body += "{% if false %}{% block action %}x{% endblock %}{% endif %}"

    assert render(template(body), context()).blocks == {"explain": "", "action": ""}


def test_output_is_tidy_one_blank_line_at_most_and_one_final_newline() -> None:
    body = "\n\n  Hi {{ customer.name }},\n\n\n\n   \nThanks.\n\n{% if false %}x{% endif %}\n\n\n"

    assert rendered(body) == "Hi Jordan Lee,\n\nThanks.\n"


def test_a_template_that_renders_nothing_gives_empty_text() -> None:
    assert rendered("{% if false %}never{% endif %}\n\n") == ""


@pytest.mark.parametrize(
    "name", ["{{ 7*7 }}", "{% raw %}", "[bold red]x[/]", "\x1b[2J", "\u202eevil", "{#", "}}"]
)
def test_customer_values_are_printed_exactly_as_written_never_run(name: str) -> None:
    text = rendered("Hi <{{ customer.name }}> / {{ customer.note }}", context(name=name, note=name))

    # The note is joined into sentences, so it gets its full stop (issue 17, item 4).
    assert text == f"Hi <{name}> / {name}.\n"


def test_a_template_sees_a_library_edit_even_for_the_same_file() -> None:
    assert rendered("One {{ customer.name }}") == "One Jordan Lee\n"
    assert rendered("Two {{ customer.name }}") == "Two Jordan Lee\n"


def test_a_none_value_prints_as_none_but_check_mode_refuses_it() -> None:
    body = "Cause:\n  {{ incident.cause }}"

    assert rendered(body) == "Cause:\n  None\n"
    with pytest.raises(RenderError) as caught:
        render(template(body), context(), strict=True)
    assert caught.value.code == "template.none"
    assert caught.value.message == "`incident.cause` is none here, so the draft would say “None”."
    assert str(caught.value.location) == "library/reply.md.j2:6:6"


# --- filters -----------------------------------------------------------------------------


def at(**delta: float) -> dict[str, Any]:
    ctx = context()
    ctx["incident"]["eta"] = NOW + dt.timedelta(**delta)
    return ctx


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        ({"minutes": 30}, "14:30 UTC"),
        ({"hours": -13, "minutes": -59}, "00:01 UTC"),
        ({"hours": 19, "minutes": 5}, "09:05 UTC on Wed 25 Nov"),
        ({"days": -1}, "14:00 UTC on Mon 23 Nov"),
        ({"days": 38}, "14:00 UTC on Fri 1 Jan 2027"),
    ],
)
def test_clock_says_the_utc_time_and_the_day_when_it_is_not_today(
    delta: dict[str, float], expected: str
) -> None:
    assert rendered("{{ incident.eta | clock }}", at(**delta)) == expected + "\n"


def test_clock_turns_other_time_zones_into_utc() -> None:
    ctx = context()
    ctx["incident"]["eta"] = dt.datetime(
        2026, 11, 24, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))
    )

    assert rendered("by {{ incident.eta | clock }}", ctx) == "by 14:30 UTC\n"


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        ({"minutes": -12}, "12 minutes ago"),
        ({"minutes": -1}, "1 minute ago"),
        ({"seconds": -20}, "just now"),
        ({"seconds": 20}, "in under a minute"),
        ({"minutes": 20}, "in 20 minutes"),
        ({"minutes": -75}, "75 minutes ago"),
        ({"hours": -3}, "3 hours ago"),
        ({"days": -2}, "2 days ago"),
    ],
)
def test_ago_says_how_long_ago_or_how_soon_in_words(delta: dict[str, float], expected: str) -> None:
    assert rendered("{{ incident.eta | ago }}", at(**delta)) == expected + "\n"


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 | plural('customer')", "1 customer"),
        ("3 | plural('customer')", "3 customers"),
        ("0 | plural('customer')", "0 customers"),
        ("1200 | plural('customer')", "1,200 customers"),
        ("2 | plural('person', 'people')", "2 people"),
        ("2 | plural('reply')", "2 replies"),
        ("2 | plural('day')", "2 days"),
        ("2 | plural('inbox')", "2 inboxes"),
        ("customer.previous_incidents | plural('earlier incident')", "0 earlier incidents"),
        ("incident.started_at | date", "Tue 24 Nov 2026"),
    ],
)
def test_plural_and_date_read_as_a_person_would_write_them(expression: str, expected: str) -> None:
    assert rendered("{{ " + expression + " }}") == expected + "\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("{{ customer.name | clock }}", "`clock` needs a date-time, not text."),
        ("{{ incident.eta | ago }}", "`ago` was given an empty value (none)."),
        ("{{ customer.name | plural('x') }}", "`plural` counts numbers, not text."),
    ],
)
def test_a_filter_given_the_wrong_thing_says_what_it_needs(body: str, message: str) -> None:
    with pytest.raises(RenderError) as caught:
        rendered(body)
    assert caught.value.message == message
    assert caught.value.location is not None and caught.value.location.line == 5


# --- errors a template author sees ---------------------------------------------------------


def test_a_misspelt_field_names_the_variable_the_file_line_and_what_exists() -> None:
    body = "Hello,\n\nHi {{ customer.nmae }},\n"

    with pytest.raises(TemplateError) as caught:
        render(template(body, body_line=7), context())

    error = caught.value
    assert str(error.location) == "library/reply.md.j2:9:7"  # body line 3, after front matter
    assert error.message == (
        "`customer.nmae` is undefined; the template can use: customer.name, customer.email, "
        "customer.tier, customer.note, customer.note_at, customer.open_case, "
        "customer.previous_incidents."
    )
    assert error.hint == "Did you mean `customer.name`?"


def test_a_misspelt_variable_lists_the_variables() -> None:
    with pytest.raises(RenderError) as caught:
        rendered("{% if true %}\n{{ custmer.name }}\n{% endif %}")

    assert caught.value.code == "template.undefined"
    assert caught.value.message == (
        "`custmer` is undefined; the template can use: incident, customer, company, agent, "
        "channel, compensation, playbook, now."
    )
    assert caught.value.hint == "Did you mean `customer`?"
    assert str(caught.value.location) == "library/reply.md.j2:6:4"


def test_a_filter_given_an_undefined_field_reports_the_field() -> None:
    with pytest.raises(RenderError) as caught:
        rendered("{{ incident.next_update | clock }}")

    assert caught.value.code == "template.undefined"
    assert caught.value.message.startswith("`incident.next_update` is undefined;")
    assert caught.value.hint == "Did you mean `incident.next_update_at`?"


def test_a_field_of_a_missing_channel_says_to_guard_it() -> None:
    ctx = context()
    ctx["channel"] = None

    with pytest.raises(RenderError) as caught:
        rendered("Write to {{ channel.funnel_to.address }}", ctx)

    assert (
        caught.value.message == "`channel.funnel_to` is undefined because `channel` is none here."
    )
    assert caught.value.hint == "Guard it: {% if channel %}...{% endif %}."


@pytest.mark.parametrize(
    ("body", "where", "message"),
    [
        # Jinja gives the line; the column is where the template ended, or the tag read.
        ("Hi\n{% if x %}\nno end", "library/reply.md.j2:6:9", "the template has a syntax error:"),
        ("{% for %}", "library/reply.md.j2:5:1", "the template has a syntax error:"),
        ("a\n{{ x | clok }}", "library/reply.md.j2:6:8", "the template uses a filter `clok`"),
    ],
)
def test_a_syntax_error_points_at_its_line(body: str, where: str, message: str) -> None:
    with pytest.raises(RenderError) as caught:
        rendered(body)

    assert caught.value.code == "template.syntax"
    assert str(caught.value.location) == where
    assert caught.value.message.startswith(message)


def test_an_unknown_filter_suggests_the_near_one() -> None:
    with pytest.raises(RenderError) as caught:
        rendered("{{ incident.eta | clok }}")

    assert caught.value.hint is not None
    assert caught.value.hint.startswith("Did you mean `clock`? The filters are: abs, ago,")


def test_a_failing_expression_is_a_template_error_on_its_line() -> None:
    with pytest.raises(RenderError) as caught:
        rendered("ok\n{{ customer.previous_incidents / 0 }}")

    assert caught.value.code == "template.failed"
    assert caught.value.message == "the template failed while rendering: division by zero."
    assert str(caught.value.location) == "library/reply.md.j2:6"


def tidy_reference(text: str) -> str:
    """The documented tidying, written out line by line: runs of blank lines become one."""
    lines, out, i = text.split("\n"), [], 0
    while i < len(lines):
        j = i
        while 0 < j < len(lines) - 1 and lines[j].strip() == "":
            j += 1
        if j - i >= 2:
            out.append("")
            i = j
        else:
            out.append(lines[i])
            i += 1
    tidy = "\n".join(out).strip()
    return tidy + "\n" if tidy else ""


@settings(max_examples=300, deadline=None)
@given(value=st.text())
def test_any_customer_text_is_printed_as_data_and_never_run(value: str) -> None:
    try:
        text = rendered("<<{{ customer.name }}>>", context(name=value))
    except TemplateError:
        return  # the only failure allowed (none is expected for plain text)
    assert text == tidy_reference(f"<<{value}>>")
    if "\n" not in value:
        assert text == f"<<{value}>>\n"


# --- what `crisis check` says about a template ---------------------------------------------


def test_a_good_reply_template_passes_the_check() -> None:
    # On email: on twitter it is too long and does not funnel (tests/test_channel_limits.py).
    assert check_template(template(REPLY, channels=("email",)), PLAYBOOK, now=NOW) == []


def test_blocks_are_listed_in_order_with_their_file_lines() -> None:
    assert block_lines(template(REPLY, body_line=6)) == {
        "acknowledge": 8,
        "explain": 12,
        "action": 16,
        "next_update": 20,
    }


def test_the_check_reports_missing_blocks_and_unknown_sections() -> None:
    body = REPLY.replace("block next_update", "block later")
    findings = check_template(template(body, sections=("acknowledge", "timeline")), PLAYBOOK)

    assert [(f.level, f.code, str(f.location), f.message) for f in findings] == [
        (
            "error",
            "template.missing-block",
            "library/reply.md.j2:5",
            "first_response templates need a `{% block next_update %}`, and this one has "
            "none (they need: acknowledge, explain, action, next_update).",
        ),
        (
            "error",
            "template.unknown-section",
            "library/reply.md.j2:1",
            "the front matter lists section `timeline`, but the template has no "
            "`{% block timeline %}`.",
        ),
    ]


def test_the_check_catches_a_block_that_says_nothing_without_optional_values() -> None:
    body = REPLY.replace(
        "We are fixing it{% if incident.eta %} by {{ incident.eta | clock }}{% endif %}.",
        "{% if incident.eta %}Fixed by {{ incident.eta | clock }}.{% endif %}",
    )
    findings = check_template(template(body, channels=("email", "twitter")), PLAYBOOK, now=NOW)
    # On twitter it is also too long and gives no funnel address: test_channel_limits.py.
    findings = [f for f in findings if f.code not in ("template.too-long", "template.funnel")]

    assert [(f.code, str(f.location), f.message) for f in findings] == [
        (
            "template.empty-block",
            "library/reply.md.j2:15",
            "block `action` renders empty when the optional values are none; make it say "
            "something true whatever the values are.",
        )
    ]


def test_the_check_catches_an_unguarded_optional_value() -> None:
    body = REPLY.replace("What we know: {{ incident.summary }}", "Cause: {{ incident.cause }}")
    findings = check_template(template(body), PLAYBOOK, now=NOW)

    assert [(f.level, f.code, str(f.location)) for f in findings] == [
        ("error", "template.none", "library/reply.md.j2:12:11")
    ]
    assert findings[0].message.startswith("`incident.cause` is none here")


def test_the_check_reports_an_undefined_variable_once_for_all_channels() -> None:
    body = REPLY.replace("{{ agent.name }}", "{{ agent.nmae }}")
    findings = check_template(template(body, channels=("email", "twitter", "status")), PLAYBOOK)

    assert [(f.code, str(f.location)) for f in findings] == [
        ("template.undefined", "library/reply.md.j2:23:4")
    ]
    assert "Did you mean `agent.name`?" in findings[0].message


def test_the_check_reports_a_syntax_error_and_stops_there() -> None:
    findings = check_template(template("{% block acknowledge %}oops"), PLAYBOOK)

    assert [(f.level, f.code, str(f.location)) for f in findings] == [
        ("error", "template.syntax", "library/reply.md.j2:5:22")  # where the template ends
    ]


def test_the_check_warns_about_words_at_the_line_they_are_written() -> None:
    body = REPLY.replace("What we know:", "Rest\nassured, we are sorry for any\ninconvenience.")
    findings = check_template(template(body, channels=("email", "chat")), PLAYBOOK, now=NOW)

    assert [(f.level, f.code, str(f.location)) for f in findings] == [
        ("warning", "language.avoid", "library/reply.md.j2:12:1"),
        # at the level `crisis lint` gives it, so check and lint agree (issue 17, item 7)
        ("error", "language.fake-apology", "library/reply.md.j2:13:17"),
        ("error", "template.channel", "library/reply.md.j2:1"),
    ]
    assert findings[0].message == "“Rest assured”: It asks for trust. Say it another way."
    assert findings[1].message.startswith("“sorry for any inconvenience”: An apology with")
    assert findings[2].message.startswith("channel 'chat' is not in the playbook")


def test_the_check_warns_about_words_from_the_data_at_the_first_body_line() -> None:
    body = REPLY.replace("{{ agent.name }}", "{{ agent.name }} and {{ 'a handful' }} of us")
    findings = check_template(template(body), PLAYBOOK, now=NOW)

    assert [(f.code, str(f.location)) for f in findings] == [
        ("language.minimising", "library/reply.md.j2:5")
    ]
