"""Built-in rules about responsibility and truth: blame, supplier blame, passive voice that
hides who acted, and reassurance about security before the facts are known.

The rest of the catalogue, and the order of the ids, are in rules.py.
"""

from __future__ import annotations

from crisisplan.language import words as w
from crisisplan.language.words import Rule

RESPONSIBILITY_RULES: tuple[Rule, ...] = (
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
)
