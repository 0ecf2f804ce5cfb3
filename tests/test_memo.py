"""A bulk run reuses words between its customers' drafts: whole drafts, filled in with
each customer's printed fields, or else the blocks that read nothing that differs. Every
draft must still be exactly what a fresh render writes. And the log keeps blocks as
positions in the text, which must give back the very same words."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisisplan.phases.drafting import block_texts, recorded_blocks
from crisisplan.templating import whole_drafts
from crisisplan.templating.memo import Memo
from crisisplan.templating.render import RenderError, render
from tests.test_rendering import REPLY, context, template

VARYING = frozenset({"customer", "compensation"})

# Templates whose blocks read the customer in every way a template can, including the
# ways a memo must not be fooled by.
TEMPLATES = {
    "reply": REPLY,
    "fields": (
        "{% block a %}{% if customer.open_case %}Linked.{% endif %}"
        " {{ customer['tier'] or 'no tier' }}{% endblock %}|"
        "{% block b %}{{ company.name }} {{ incident.summary }}{% endblock %}|"
        "{% block c %}{{ compensation or 'nothing' }}{% endblock %}|"
        # `self` leaves the whole draft to its blocks.
        "{% block d %}{{ self.b() }}{% endblock %}"
    ),
    "set outside": (
        '{% set greeting = "Hi " ~ customer.name %}{% block a %}{{ greeting }}{% endblock %}'
    ),
    "whole customer": "{% block a %}{{ customer | length }} {{ customer.name }}{% endblock %}",
    "self": (
        "{% block a %}<{{ self.b() }}>{% endblock %}{% block b %}{{ customer.name }}{% endblock %}"
    ),
    "nested": (
        "{% block outer %}[{% block inner %}{{ customer.name }}{% endblock %}]"
        "{{ customer.tier }}{% endblock %}"
    ),
    "items": (
        "{% block a %}{% for k, v in customer.items() %}{{ k }}={{ v }};{% endfor %}{% endblock %}"
    ),
    "macro": (
        "{% macro named() %}{{ customer.name }}{% endmacro %}"
        "{% block a %}{{ named() }}{% endblock %}"
    ),
    "compensation set outside": (
        "{% set compensation = customer.tier or compensation %}"
        "{% block a %}{{ compensation }}{% endblock %}"
    ),
    "fixed name set outside": (
        '{% set company = {"name": customer.name} %}{% block a %}{{ company.name }}{% endblock %}'
    ),
    "global shadowed by a macro": (
        "{% macro range() %}{{ customer.name }}{% endmacro %}"
        "{% block a %}{{ range() }}{% endblock %}"
    ),
    "scoped in a loop": (
        "{% for incident in [customer] %}{% block a scoped %}{{ incident.name }}"
        "{% endblock %}{% endfor %}"
    ),
    "with": "{% with agent = customer %}{% block a %}{{ agent.name }}{% endblock %}{% endwith %}",
    "loop inside": (
        "{% block a %}{% for x in [customer.tier, company.name] %}{{ x }};{% endfor %}"
        "{% endblock %}"
    ),
    "loop variable": (
        "{% block a %}{% for customer in [1, 2] %}{{ customer }}{% endfor %}"
        "{{ customer.tier }}{% endblock %}"
    ),
}

# Templates that print customer fields: the whole draft is filled in where the fields are
# printed as they are, and must not be where the template changes them first.
PRINTED = {
    "printed and tested": (
        "Hi {{ customer.name }}, {{ customer['name'] }}!{% if customer.note %}\n\n"
        "{{ customer.note }}{% elif customer.open_case %}Open.{% endif %}"
        "{% if not customer.tier %}No tier.{% endif %}{{ 'T' if customer.tier else 'F' }}"
        "{% block a %}{% for i in range(2) %}{{ customer.name }};{% endfor %}{% endblock %}"
        "{{ compensation }}"
    ),
    "filter block": '{% filter replace("Ada", "ADA") %}Hi {{ customer.name }}{% endfilter %}',
    "set block": '{% set x %}{{ customer.name }}{% endset %}{{ x | replace("Ada", "ADA") }}',
    "macro": '{% macro m() %}{{ customer.name }}{% endmacro %}{{ m() | replace("Ada", "ADA") }}',
    "call block": (
        '{% macro w() %}{{ caller() | replace("Ada", "ADA") }}{% endmacro %}'
        "{% call w() %}{{ customer.name }}{% endcall %}"
    ),
    "recursive loop": (
        "{% for i in [1] recursive %}{% if i == 1 %}"
        '{{ loop([2]) | replace("Ada", "ADA") }}{% else %}{{ customer.name }}{% endif %}'
        "{% endfor %}"
    ),
    "autoescape": "{% autoescape true %}{{ customer.name }}{% endautoescape %}",
    "self": (
        '{% block a %}{{ customer.name }}{% endblock %}{{ self.a() | replace("Ada", "ADA") }}'
    ),
    "filtered": "{{ customer.name | upper }} {{ customer.note | default('none') }}",
}

customers = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["Ada", "Bo", "A&<b>", "Ada\n\n\n"]) | st.text(max_size=8),
            "tier": st.sampled_from([None, "enterprise", "standard"]),
            "open_case": st.booleans(),
            "note": st.sampled_from([None, "", "Rota missing", " Ada "]),
        }
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=600, deadline=None)
@given(
    name=st.sampled_from(sorted(TEMPLATES | PRINTED)),
    people=customers,
    compensation=st.sampled_from([None, "One month free"]),
)
def test_a_memo_never_changes_a_draft(
    name: str, people: list[dict[str, Any]], compensation: str | None
) -> None:
    reply = template((TEMPLATES | PRINTED)[name])
    memo = Memo(VARYING)
    for person in people:
        ctx = context(**person) | {"compensation": compensation}
        fresh = render(reply, ctx)
        reused = render(reply, ctx, memo=memo)
        assert reused == fresh


def test_a_draft_that_prints_fields_as_they_are_is_filled_into_a_skeleton_made_once() -> None:
    reply, memo = template(PRINTED["printed and tested"]), Memo(VARYING)
    ada = context(name="Ada", note="Rota missing", open_case=True)
    render(reply, ada, memo=memo)
    assert memo.drafts.made == 1

    # Another name and note: the same skeleton. No note: the template tests it, another one.
    bo = context(name="Bo", note="Invoice late", open_case=True)
    assert render(reply, bo, memo=memo).text.startswith("Hi Bo, Bo!\n\nInvoice late")
    assert memo.drafts.made == 1
    render(reply, context(name="Cy", note=None, open_case=True), memo=memo)
    assert memo.drafts.made == 2


def test_a_field_whose_printed_words_are_changed_first_is_never_filled_in() -> None:
    memo, ctx = Memo(VARYING), context()
    render(template(PRINTED["self"]), ctx, memo=memo)
    assert memo.drafts.key(ctx) is None  # a block's words can be taken and changed
    for name in ("filter block", "set block", "macro", "call block", "recursive loop"):
        memo, ctx = Memo(VARYING), context(name="Ada")
        render(template(PRINTED[name]), ctx, memo=memo)
        found = memo.drafts.key(ctx)
        # The name is part of what identifies the draft: a skeleton for each name.
        assert found is not None and "Ada" in found[0], name


def test_skeletons_stop_when_each_customer_needs_its_own() -> None:
    reply, memo = template(PRINTED["filtered"]), Memo(VARYING)
    for i in range(200):
        ctx = context(name=f"Customer {i}")
        assert render(reply, ctx, memo=memo) == render(reply, ctx)
    assert memo.drafts.made == 64  # tried, seldom used again: the rest render in full


def test_a_stand_in_that_comes_back_changed_is_never_filled_in(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Were the analysis ever to miss a way a template changes printed words, the stand-in
    # would not come back as it went in, and those drafts would render in full.
    monkeypatch.setattr(whole_drafts, "_TRANSFORMING", ())  # blind to filter blocks
    for body in (
        "{% filter upper %}Hi {{ customer.name }}{% endfilter %}",
        "{% filter truncate(12, True, '') %}Hi {{ customer.name }}{% endfilter %}",
    ):
        reply, memo = template(body), Memo(VARYING)
        for name in ("Ada", "Bo"):
            ctx = context(name=name)
            assert render(reply, ctx, memo=memo) == render(reply, ctx)
        assert memo.drafts.made == 0, body


def test_a_nul_in_one_customer_s_value_costs_only_that_draft_its_skeleton() -> None:
    reply, memo = template("{{ customer.note | trim }} {{ customer.name }}"), Memo(VARYING)
    for note in ("a", "b\x00c", "a"):
        for name in ("Ada", "Bo"):
            ctx = context(name=name, note=note)
            assert render(reply, ctx, memo=memo) == render(reply, ctx)
    assert memo.drafts.made == 1  # "a": made once and used again; "b\x00c" rendered in full


def test_blocks_that_read_only_fixed_things_or_named_fields_are_kept_for_reuse() -> None:
    reply = template(TEMPLATES["fields"])
    memo = Memo(VARYING)
    ctx = context(tier="enterprise", open_case=True)
    render(reply, ctx, memo=memo)

    for block in ("a", "b", "c"):
        key = memo.blocks.key(block, ctx)
        assert key is not None and memo.blocks.get(key) is not None, block
    # Another customer with the same fields shares the words; another tier does not.
    bo = context(name="Bo", tier="enterprise", open_case=True)
    assert memo.blocks.key("a", bo) == memo.blocks.key("a", ctx)
    assert memo.blocks.get(memo.blocks.key("a", context(tier="standard")) or ()) is None


def test_blocks_that_read_what_the_memo_cannot_see_are_rendered_every_time() -> None:
    opaque = ("set outside", "whole customer", "self", "nested", "macro")
    for name in (*opaque, "compensation set outside", "fixed name set outside", "with"):
        reply = template(TEMPLATES[name])
        memo = Memo(VARYING)
        ctx = context()
        render(reply, ctx, memo=memo)
        blocks = [b for b in ("a", "outer") if b in render(reply, ctx).blocks]
        assert blocks and all(memo.blocks.key(b, ctx) is None for b in blocks), name


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(max_size=60),
    blocks=st.dictionaries(st.sampled_from(["a", "b", "c"]), st.text(max_size=12), max_size=3),
    inside=st.booleans(),
)
def test_the_log_gives_back_every_block_s_words_as_they_were(
    text: str, blocks: dict[str, str], inside: bool
) -> None:
    # Kept as where their words are in the text, or as the words when they are not in it.
    if inside:
        text = text + "".join(blocks.values())
    assert block_texts(text, recorded_blocks(text, blocks)) == blocks


def test_reused_words_still_cost_the_work_they_took_to_write() -> None:
    # The block is cheap to reuse but was dear to write: a draft that would run out of
    # steps rendering afresh must run out with the memo too.
    body = (
        "{% block a %}{% for i in range(30000) %}{% endfor %}{{ customer.tier }}{% endblock %}"
        "{% for i in range(customer.note | int) %}{% endfor %}"
    )
    reply, memo = template(body), Memo(VARYING)
    render(reply, context(tier="gold", note="10"), memo=memo)  # fits the budget
    heavy = context(tier="gold", note="40000")
    with pytest.raises(RenderError) as fresh:
        render(reply, heavy)
    with pytest.raises(RenderError) as reused:
        render(reply, heavy, memo=memo)
    assert reused.value.message == fresh.value.message


def test_a_filled_draft_over_the_output_limit_is_refused_as_a_fresh_render_is() -> None:
    body = "{% for i in range(3000) %}{{ customer.note }}{% endfor %}"
    reply, memo = template(body), Memo(VARYING)
    render(reply, context(note="short"), memo=memo)  # the skeleton is made
    long = context(note="x" * 500)  # 1.5 million characters once filled in
    with pytest.raises(RenderError) as fresh:
        render(reply, long)
    with pytest.raises(RenderError) as reused:
        render(reply, long, memo=memo)
    assert reused.value.message == fresh.value.message
