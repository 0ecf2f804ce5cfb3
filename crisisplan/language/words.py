"""The pieces rule patterns are built from, and the shape of a rule.

Patterns are written for lower-cased text whose apostrophes and hyphens are already plain
(see matcher.py), with a single space meaning "any run of whitespace within the paragraph".
Every repetition is bounded and no quantifier nests over another that can match the same
characters, so a match attempt costs a bounded number of steps whatever the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Level = Literal["error", "warning"]
Family = Literal[
    "minimising", "hedging", "fake_apology", "blame", "security_reassurance", "passive"
]

W = r"[\w'-]{1,30}"  # a word (apostrophes and hyphens made plain beforehand)
WHO = (
    r"(?:customers|users|people|accounts|clients|subscribers|businesses|merchants|members"
    r"|teams|sites|organi[sz]ations|guests|players|households|homes|you|of you|us)"
)
SUPPLIER = (
    r"(?:(?:third-party|third party|3rd-party|3rd party)(?: " + W + r")?"
    r"|(?:" + W + r" ){0,3}?(?:provider|supplier|vendor|carrier|partner|host|isp)s?)"
)
# What a share of is not people: "a small number of servers" counts machinery, not customers.
MACHINERY = (
    r"(?:servers?|hosts?|nodes?|machines?|instances?|disks?|racks?|routers?|switches|clusters?"
    r"|shards?|databases?|events?|engineers|staff|employees|changes|records|files|logs"
    r"|packets|tests|bugs|cases|steps|time)"
)
DETERMINER = r"(?:a|an|our|the|their|one of our|one of the)"


def led(leads: tuple[tuple[str, ...], ...], core: str) -> tuple[str, ...]:
    """`core` after any of the optional leading words, outermost first, as patterns that
    each begin with a word that must be there.

    ((only, just), (a, an)) before "small number of" gives "(only|just) (a |an )?small
    number of", "(a|an) small number of" and "small number of". A pattern whose every
    word up front is optional is tried in full at each word of a paragraph; one that
    starts with a required word is over in a character or two wherever that word is not.
    """
    patterns = []
    for i, words in enumerate(leads):
        rest = "".join(f"(?:{'|'.join(inner)} )?" for inner in leads[i + 1 :])
        patterns.append(f"(?:{'|'.join(words)}) {rest}{core}")
    return (*patterns, core)


# The passive of something done, and of something not done, that hides who did (or did not).
BE_DONE = r"(?:was|were|has been|have been|had been)"
BE_NOT = r"(?:(?:was|were)(?:n't| not)|(?:has|have|had)(?:n't| not) been)"
# What a team is meant to do: left undone in the passive, no one is named for it.
OMITTED = (
    r"(?:followed|adhered to|observed|completed|performed|noticed|enabled|sent|tested|reviewed"
    r"|checked|caught|detected|updated|renewed|applied|implemented|escalated|communicated"
    r"|monitored|configured|executed|verified|validated|approved|documented|included)"
)
IN_ERROR = (
    r"(?:inadvertently|mistakenly|accidentally|erroneously|incorrectly|wrongly|improperly"
    r"|unintentionally|wrongfully|unknowingly)"
)
# Harm someone did: data deleted, a server terminated, a step missed. Not what systems do by
# themselves ("was blocked", "was delayed", "was shut down") nor what mends ("was restored").
BROKEN = (
    r"(?:deleted|disabled|decommissioned|wiped|erased|terminated|overwritten|misconfigured"
    r"|missed|overlooked|skipped|bypassed|ignored)"
)
LY = r"(?:" + W + r"ly )?"  # one adverb at most: "was quickly", "wasn't properly"
HARM_DONE = BE_DONE + " " + LY + BROKEN + r"\b"
# "was not noticed by our on-call engineer" names who: that is owning it.
NOT_BY_US = r"(?! by (?:us|our|me|my)\b)"


@dataclass(frozen=True)
class Rule:
    """A built-in rule: its family, the phrases it catches, how bad, why, and instead.

    `anchors` are literal words one of which every match contains: a paragraph holding none
    of them is never searched. `suggestion` may name `{impact}` and `{severity}` (the
    incident's own words) and has `plain` for when the incident is not known ("" when the
    suggestion names neither). `short` is what `crisis brief` lists for it.
    """

    id: str
    family: Family
    level: Level
    why: str
    suggestion: str
    plain: str
    examples: tuple[tuple[str, str], ...]  # (what was written, what to write instead)
    anchors: tuple[str, ...]
    patterns: tuple[str, ...]
    short: str  # the rule in a few words, for the team's brief ("never ...")
    quiet_when_minor: bool = False  # fair words for the least severe incidents
    error_when_critical: bool = False  # a warning becomes an error at the top severity
    unless_in_paragraph: str | None = None  # no finding when this is in the same paragraph


# Our own action: "we are moving", "we have re-routed", "our engineers were able to ...",
# or owning the failure ("our checks missed"). Read across the whole paragraph, since a
# team names its supplier in one sentence and says what it is doing in the next.
OUR_ACTION = (
    r"\b(?:we|we've|we're|we'll|our (?:teams?|engineers|engineering team|crews?|staff"
    r"|technicians|personnel|people|support team|checks|tests|monitoring))"
    r"(?: (?:are|have|had|will|is|did|also|now|already|then|quickly|rapidly|immediately"
    r"|actively|closely|urgently|were able to|was able to|been able to)){0,3}"
    r" (?:mov|switch|work|re-?rout|rout|add|fix|restor|replac|migrat|escalat|investigat"
    r"|contact|review|test|build|remov|reduc|improv|implement|chang|deploy|roll|address"
    r"|resolv|identif|tak|mak|monitor|dropp|isolat|paus|disabl|fail|refund|credit|notif"
    r"|engag|hir|miss|own|did what|did everything|bring|brought|put|set|open|call|ask)\w{0,8}\b"
    r"|\bwe(?:'ll| will| are going to) " + W + r"\b"
    r"|\b(?:our|my) (?:own )?(?:mistake|fault|failure|failing|oversight|responsibility)\b"
)
