"""The built-in rule catalogue: each family of phrases that costs a team a customer's trust,
whose view it takes away, what to write instead, and examples (`crisis lint --explain RULE`).
Pattern pieces and the Rule type live in words.py (`w`). Nothing here imports the playbook."""

from __future__ import annotations

from crisisplan.language import words as w
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
        Rule(
            "blame",
            "blame",
            "error",
            "Customers chose us, not our suppliers or the weather: saying it was out of our "
            "hands sounds like an excuse, and leaves them alone with it.",
            "Own it: “this is our responsibility”, then say what we are doing.",
            "",
            (
                ("it wasn't our fault", "this is our responsibility"),
                (
                    "there was nothing we could do but wait",
                    "we waited on our host; next time we will move you to a second one",
                ),
                (
                    "this is not specific to us",
                    "our customers could not sign in; here is what we did",
                ),
            ),
            (
                "fault",
                "nothing",
                "out",
                "beyond",
                "specific",
                "unique",
                "limited",
                "particular",
                "only",
                "on our",
                "networks",
                "providers",
                "companies",
                "services",
                "sites",
                "businesses",
                "platforms",
                "among",
                "one of",
            ),
            (
                r"(?:(?:it|this|that) (?:was|is)(?:n't| not) |not )our fault\b",
                r"(?:was|is|were|are)n't our fault\b",
                r"no fault of our own\b",
                r"nothing (?:else |more )?(?:that )?(?:we|anyone|our team) (?:could|can|were able"
                r" to) (?:have )?(?:do|done)\b",
                r"(?:outside (?:of )?our (?:control|hands|systems?|network|infrastructure)"
                r"|(?:beyond|out of) our (?:control|hands))\b",
                r"(?:no|nothing) (?:" + w.W + r" ){0,4}?on our (?:part|side|end)\b",
                r"(?:all|every|other|many) (?:networks?|providers?|companies|services|websites"
                r"|sites|businesses|platforms) (?:also )?(?:experience|have|suffer|see|go down"
                r"|had|experienced|were affected|are affected)\b",
                r"(?:we are|we were|we're) (?:one of |among )(?:many|several|a (?:group|number)"
                r" of|the) (?:companies|businesses|organi[sz]ations|providers|services)\b",
                r"not (?:specific|unique|limited|particular) to (?:us|our " + w.W + r")\b",
                r"not only us\b",
            ),
            short="never say whose fault it was not (“not our fault”)",
        ),
        Rule(
            "third-party-blame",
            "blame",
            "warning",
            "Pointing at a supplier sounds like an excuse unless the same paragraph says what "
            "we are doing about it.",
            "Say what we are doing: “our hosting provider is down; we are moving your mail "
            "to a second provider”.",
            "",
            (
                (
                    "the outage was caused by our email provider",
                    "our email provider failed; we are sending your mail through a second one",
                ),
                (
                    "the issue was on our hosting provider's end",
                    "our host is down and we are moving you to another",
                ),
            ),
            ("provider", "supplier", "vendor", "carrier", "partner", "third", "3rd", "host", "isp"),
            (
                r"(?:due to|caused by|because of|result of|triggered by|blamed? on|"
                + w.W
                + r"ed by) (?:"
                + w.W
                + r" ){0,8}?"
                + w.DETERMINER
                + " "
                + w.SUPPLIER
                + r"\b",
                r"(?:outage|failure|fault|error|issue|problem|incident|maintenance|change"
                r"|mistake|interruption|disruption|delay)s? (?:of|at|with|on|by|from|in) "
                + w.DETERMINER
                + " "
                + w.SUPPLIER
                + r"\b",
                r"on " + w.DETERMINER + " " + w.SUPPLIER + r"'s? end\b",
                w.DETERMINER + " " + w.SUPPLIER + r" (?:\(" + w.W + r"\) )?(?:suffered|experienced"
                r"|saw|went down|failed|was down|is down|were down|are down|is having|was having"
                r"|had an? (?:outage|failure|fault|issue|problem|incident))\b",
            ),
            error_when_critical=True,
            unless_in_paragraph=w.OUR_ACTION,
            short="never point at a supplier without saying what we are doing",
        ),
        Rule(
            "security-reassurance",
            "security_reassurance",
            "error",
            "Reassurance before the facts asks for trust the customer has no reason to give: "
            "they need to know what was taken and what to do.",
            "Say what happened and what they should do: which data, since when, and the one "
            "step that protects them.",
            "",
            (
                (
                    "we take security very seriously",
                    "we found the leak on Monday and closed it within the hour",
                ),
                (
                    "out of an abundance of caution",
                    "change your password: it was in the copied file",
                ),
                (
                    "your data remains safely protected",
                    "your card numbers were not in the copied file",
                ),
            ),
            (
                "seriously",
                "protected",
                "secure",
                "safe",
                "caution",
                "action",
                "breached",
                "hacked",
                "importance",
                "important",
                "priority",
                "concern",
            ),
            (
                r"take (?:" + w.W + r" ){0,5}?(?:very |extremely |incredibly |really |most )?"
                r"seriously\b",
                r"(?:data|information|details|account|accounts|passwords?|funds|money|cards?"
                r"|customers|you|systems?) (?:is|are|remains?|stays?|will remain|continues? to"
                r" be) (?:still )?(?:safe(?:ly)?|fully|completely|perfectly|totally|entirely)?"
                r" ?(?:protected|secure|safe)\b",
                r"(?:has|have|was|were) not been (?:breached|compromised|hacked)\b",
                r"no (?:further )?action (?:is |was )?(?:needed|required|necessary)\b",
                r"out of an? (?:abundance|excess|surplus) of caution\b",
                r"(?:security|privacy|safety|protection|safeguarding|protecting|securing)"
                r"(?: " + w.W + r"){0,5}? (?:is|are|remains?) (?:of )?(?:the )?"
                r"(?:utmost|critical|paramount|great|greatest|highest|top|very|extremely)?"
                r" ?(?:importance|important|priority|concern)\b",
            ),
            short="never reassure before the facts (“we take security very seriously”)",
        ),
        Rule(
            "passive-voice",
            "passive",
            "warning",
            "The passive hides who acted: “mistakes were made” leaves the customer to guess "
            "who made them.",
            "Say who did it: “we made a mistake: we skipped the check before the update”.",
            "",
            (
                ("mistakes were made", "we made a mistake"),
                ("procedures were not followed", "we did not follow our own procedure"),
                ("production data was deleted", "our test run deleted your data"),
            ),
            ("was", "were", "been"),
            (
                r"(?:mistakes?|errors?|misjudge?ments?|oversights?|bad decisions?) (?:were|was"
                r"|have been|has been|had been) made\b",
                # a duty nobody is named for: "the process was not followed", "wasn't enabled"
                w.BE_NOT + " " + w.LY + w.OMITTED + r"\b" + w.NOT_BY_US,
                # an act done in error: "was inadvertently exposed", "was incorrectly terminated"
                w.BE_DONE + " " + w.IN_ERROR + " " + w.W + r"\b" + w.NOT_BY_US,
                # harm with no one doing it: "data was deleted", "a step was missed"; but
                # "no accounts have been deleted" says it did not happen, and is read past
                r"(?P<skip>(?:no|none|nothing) (?:" + w.W + r" ){0,3}?" + w.HARM_DONE + ")",
                w.HARM_DONE + w.NOT_BY_US,
                r"(?:errors?|bugs?|regressions?|defects?|mistakes?|typos?|flaws?|vulnerabilit"
                r"(?:y|ies)) " + w.BE_DONE + " " + w.LY + r"introduced\b" + w.NOT_BY_US,
                r"(?:configurations?|configs?|settings?|rules?|permissions?|parameters?|flags?) "
                + (w.BE_DONE + " " + w.LY + r"(?:changed|modified|altered|edited|pushed)\b")
                + w.NOT_BY_US,
            ),
            short="say who did it, not what “was done” (“mistakes were made”)",
        ),
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
