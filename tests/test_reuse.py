"""A bulk run reuses the words of blocks that read nothing that differs between its
customers: every draft must still be exactly what a fresh render writes. And the log keeps
blocks as positions in the text, which must give back the very same words."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisisplan.phases.drafting import block_texts, recorded_blocks
from crisisplan.rendering import RenderError, render
from crisisplan.reuse import BlockMemo
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
        "{% block c %}{{ compensation or 'nothing' }}{% endblock %}"
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

customers = st.lists(
    st.fixed_dictionaries(
        {
            "name": st.sampled_from(["Ada", "Bo", "Cy"]) | st.text(max_size=8),
            "tier": st.sampled_from([None, "enterprise", "standard"]),
            "open_case": st.booleans(),
            "note": st.sampled_from([None, "Rota missing"]),
        }
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(
    name=st.sampled_from(sorted(TEMPLATES)),
    people=customers,
    compensation=st.sampled_from([None, "One month free"]),
)
def test_a_memo_never_changes_a_draft(
    name: str, people: list[dict[str, Any]], compensation: str | None
) -> None:
    reply = template(TEMPLATES[name])
    memo = BlockMemo(VARYING)
    for person in people:
        ctx = context(**person) | {"compensation": compensation}
        fresh = render(reply, ctx)
        reused = render(reply, ctx, memo=memo)
        assert reused == fresh


def test_blocks_that_read_only_fixed_things_or_named_fields_are_kept_for_reuse() -> None:
    reply = template(TEMPLATES["fields"])
    memo = BlockMemo(VARYING)
    ctx = context(tier="enterprise", open_case=True)
    render(reply, ctx, memo=memo)

    for block in ("a", "b", "c"):
        key = memo.key(block, ctx)
        assert key is not None and memo.get(key) is not None, block
    # Another customer with the same fields shares the words; another tier does not.
    assert memo.key("a", context(name="Bo", tier="enterprise", open_case=True)) == memo.key(
        "a", ctx
    )
    assert memo.get(memo.key("a", context(tier="standard", open_case=True)) or ()) is None


def test_blocks_that_read_what_the_memo_cannot_see_are_rendered_every_time() -> None:
    opaque = ("set outside", "whole customer", "self", "nested", "macro")
    for name in (*opaque, "compensation set outside", "fixed name set outside", "with"):
        reply = template(TEMPLATES[name])
        memo = BlockMemo(VARYING)
        ctx = context()
        render(reply, ctx, memo=memo)
        blocks = [b for b in ("a", "outer") if b in render(reply, ctx).blocks]
        assert blocks and all(memo.key(b, ctx) is None for b in blocks), name


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
    reply, memo = template(body), BlockMemo(VARYING)
    render(reply, context(tier="gold", note="10"), memo=memo)  # fits the budget
    heavy = context(tier="gold", note="40000")
    with pytest.raises(RenderError) as fresh:
        render(reply, heavy)
    with pytest.raises(RenderError) as reused:
        render(reply, heavy, memo=memo)
    assert reused.value.message == fresh.value.message
