"""The built-in rule catalogue: each family of phrases that costs a team a customer's trust,
whose view it takes away, what to write instead, and examples (`crisis lint --explain RULE`).
Pattern pieces and the Rule type live in words.py (`w`); the rules on blame, passive voice
and security reassurance in rules_responsibility.py. Nothing here imports the playbook."""

from __future__ import annotations

from crisisplan.language import words as w
from crisisplan.language.rules_responsibility import RESPONSIBILITY_RULES
from crisisplan.language.words import Family, Level, Rule

__all__ = ["BUILTIN_RULES", "BUILTIN_RULE_IDS", "Family", "Level", "Rule"]

BUILTIN_RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "minimising",
            "minimising",
            "error",
            "It is big if you are one of them: counting how few were hit tells each of them "
            "their problem is small.",
            "Say who is affected and how, without counting them down: “{impact}”.",
            "Say who is affected and how, without counting them down: “customers using the EU "
            "servers cannot send email”.",
            (
                (
                    "a small number of customers cannot sign in",
                    "customers on the EU servers cannot sign in",
                ),
                ("most users were not affected", "sign-in failed for everyone on the EU servers"),
                ("less than 2% of our customers", "1,240 of you in Oregon"),
            ),
            (
                "small",
                "tiny",
                "limited",
                "minor",
                "minute",
                "negligible",
                "low",
                "few",
                "couple",
                "handful",
                "portion",
                "subset",
                "fraction",
                "minority",
                "majority",
                "most",
                "less",
                "only",
                "if any",
            ),
            (
                # a small/tiny/limited word + a share of anything that is not our machinery
                *w.led(
                    (("only", "just"), ("a", "an"), ("very", "relatively", "extremely", "fairly")),
                    r"(?:small|tiny|limited|minor|minute|negligible|low) "
                    r"(?:number|proportion|fraction|subset|percentage|portion|handful|group"
                    r"|minority|amount|pocket|share|set|segment|section|part|count) of "
                    r"(?!(?:(?:our|the|its|their) )?(?:" + w.W + r" )?" + w.MACHINERY + r"\b)"
                    r"(?:(?:our|the|your) )?" + w.W,
                ),
                # shares that count down by themselves, when they count people
                *w.led(
                    (("only", "just"),),
                    r"(?:a|an) (?:portion|subset|fraction|minority|handful) of "
                    r"(?:our |the |your )?(?:" + w.W + r" ){0,2}?" + w.WHO + r"\b",
                ),
                r"(?:only|just|very|with|relatively) (?:a )?(?:few|couple of) (?:"
                + w.W
                + r" )?"
                + w.WHO
                + r"\b",
                # most / the vast majority ... not affected
                r"(?:most|the (?:vast |overwhelming |great )?majority) (?:of )?(?:our |the )?"
                r"(?:" + w.W + r" ){0,3}?(?:were|was|are|is|remained|remain|have been|has been"
                r"|went) (?:not (?:affected|impacted|disrupted)|unaffected|unimpacted)\b",
                r"the (?:vast|overwhelming|great) majority of (?:our |the )?(?:"
                + w.W
                + r" )?"
                + w.WHO
                + r"\b",
                # less than N%
                r"(?:less|fewer) than (?:\d{1,3}(?:[.,]\d{1,3})? ?(?:%|percent\b|per cent\b)"
                r"|(?:one|1) in (?:" + w.W + r"))",
                r"only (?:about |around |roughly )?\d{1,3}(?:[.,]\d{1,3})? ?(?:%|percent\b)",
                r"(?:impact|effect|harm|risk)s?,? if any\b",
            ),
            short="never count how few are hit (“a small number of customers”)",
        ),
        Rule(
            "minor-issue",
            "minimising",
            "error",
            "Calling it minor or brief, when this is a {severity} incident, tells the customer "
            "their trouble does not count.",
            "Name what is broken, for how long, and what it means for them: “{impact}”.",
            "Name what is broken, for how long, and what it means for them: “for two hours, "
            "sign-in failed for 1,240 of you”.",
            (
                ("a minor issue with reminders", "reminders did not go out this morning"),
                ("a very brief loss of connectivity", "no connection for four minutes"),
                ("the impact was minimal", "saving a status update failed for three hours"),
            ),
            (
                "minor",
                "slight",
                "small",
                "little",
                "tiny",
                "brief",
                "short",
                "minimal",
                "limited",
                "negligible",
                "low",
            ),
            (
                r"minor (?:issue|glitch|hiccup|problem|blip|hitch|disruption|incident|outage"
                r"|inconvenience|interruption)s?\b",
                r"(?:slight|small|little|tiny) (?:hiccup|glitch|blip|hitch)s?\b",
                r"(?:(?:very|extremely|relatively|only a|just a) (?:brief|short)"
                r"|brief) (?:loss|outage|interruption|disruption|downtime|blip|period|delay"
                r"|degradation|issue|window|moment)s?\b",
                r"minimal (?:impact|disruption|downtime|effect|interruption)\b",
                r"(?:impact|effect|disruption|downtime|interruption) (?:was|were|is|has been"
                r"|remained|should be|will be) (?:very |extremely |relatively |fairly )?"
                r"(?:minimal|limited|minor|negligible|small|low)\b",
            ),
            quiet_when_minor=True,
            short="never call it minor when it is not",
        ),
        Rule(
            "hedging",
            "hedging",
            "warning",
            "“May have” doubts what the customer lived through: they know whether they had "
            "trouble.",
            "Say what happened as a fact: “{impact}”.",
            "Say what happened as a fact: “from 09:10 to 11:05 UTC, sign-in failed”.",
            (
                (
                    "some customers may have experienced errors",
                    "sign-in failed for customers on the EU servers",
                ),
                ("your data may have been affected", "your name and email address were copied"),
            ),
            ("may", "might", "could"),
            (
                r"(?:may|might|could) (?:possibly |potentially |also )?(?:have|be) "
                r"(?:(?:been )?(?:impacted|affected|at risk|exposed|disrupted|compromised"
                r"|inconvenienced)|experienc\w{0,3}|notic\w{0,3}|seen|seeing|encounter\w{0,3}"
                r"|had (?:trouble|issues|problems|difficult\w{0,5}|errors))\b",
            ),
            error_when_critical=True,
            short="never doubt what they lived through (“may have experienced”)",
        ),
        Rule(
            "fake-apology",
            "fake_apology",
            "error",
            "An apology with an “if”, for “any” trouble, or for how they feel is not an apology: "
            "it doubts the harm, or makes it theirs.",
            "Say sorry for what happened, by name: “I'm sorry. {impact}.”",
            "Say sorry for what happened, by name: “I'm sorry your invoices did not go out "
            "this morning.”",
            (
                ("we apologise for any inconvenience", "we are sorry your invoices did not go out"),
                ("sorry if anyone was affected", "sorry: sign-in failed for two hours"),
                ("we apologise for the frustration", "we are sorry we kept you waiting two hours"),
            ),
            ("sorry", "apolog", "regret", "if"),
            (
                r"(?:sorry|apologi[sz]e|apologi[sz]ed|apologies|apology|regret)(?: "
                + w.W
                + r"ly)? (?:for|about) (?:any|all the)(?: "
                + w.W
                + r")?",
                r"(?:sorry|apologi[sz]e|apologi[sz]ed|apologies|apology|regret)(?: "
                + w.W
                + r"ly)? (?:for|about) the (?:inconvenience|frustration|anxiety|confusion"
                r"|concern|worry|distress|upset|annoyance|stress|disappointment|hassle"
                r"|(?:impact|disruption|trouble|problems?|difficult\w{0,3}) (?:this|that|it)"
                r" (?:may|might|could))\b",
                r"regret (?:any|all) " + w.W,
                r"(?:sorry|apologi[sz]e|apologies)(?: to (?:anyone|anybody|those|you))? if\b",
                r"if (?:anyone|anybody|you|any of you|some of you|someone) (?:was|were"
                r"|has been|have been|felt|feels|feel) (?:affected|impacted|inconvenienced"
                r"|upset|offended|disappointed|let down)\b",
            ),
            short="never apologise with an “if” or “any inconvenience”",
        ),
        *RESPONSIBILITY_RULES,
        Rule(
            "downplaying",
            "minimising",
            "error",
            "Whether it was bad is the customer's to say: telling them it was not so bad "
            "tells them their trouble does not count.",
            "Name what happened and what it meant for them, and leave the judging to them.",
            "",
            (("it wasn't so bad", "invoices went out four hours late"),),
            ("bad", "not a"),
            (
                r"(?:it|this|that) (?:was|is)(?:n't| not) (?:so|that|too|all that) bad\b",
                r"(?:it|this|that) (?:was|is)(?:n't| not) an? (?:nationwide|global|widespread"
                r"|major|big|large|serious|full|complete|total) (?:outage|issue|incident|problem"
                r"|breach|disruption)\b",
            ),
            short="never judge for them how bad it was (“it wasn't so bad”)",
        ),
    )
}
# Ids are stable: playbooks turn rules off by id, and the first six came first.
_ORDER = "minimising minor-issue blame third-party-blame fake-apology downplaying hedging"
BUILTIN_RULE_IDS: tuple[str, ...] = (
    *_ORDER.split(" "),
    *("security-reassurance", "passive-voice"),
)
BUILTIN_RULES = {rule_id: BUILTIN_RULES[rule_id] for rule_id in BUILTIN_RULE_IDS}
