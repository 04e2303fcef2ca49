"""What the qualification review and 破格 forms offer: every verdict with its rule and article, the
nominee's failed rules to waive, the grounds of Regs art. 9 (see choices.py for the Offer types)."""

from __future__ import annotations

from collections.abc import Mapping

from engine.registry import FormContext

from ..narrative.qualification import check as told_check
from ..narrative.qualification import rule as rule_name
from ..narrative.say import Say
from ..registry.vocab import EXCEPTIONAL_GROUNDS
from .casedata import record_name, section
from .i18n import is_english
from .qualification import reviewed


def who(nominee: Mapping, ctx: FormContext) -> str:
    """张三（1978-05-01生，区发改委副主任）: two nominees of one name told apart by birth and post."""
    rows = section(ctx.case_data or {}, "nominate").get("nominees") or \
        section(ctx.case_data or {}, "registration").get("applicants") or []
    rows = rows if isinstance(rows, list) else []
    row = next((r for r in rows if isinstance(r, Mapping) and r.get("person_id") == nominee.get("person_id")
                and r.get("name") == nominee.get("name")), {})
    born, post = row.get("birth_date"), f"{row.get('unit') or ''}{row.get('current_post') or ''}"
    name = record_name(row) or str(nominee.get("name"))  # the key may be 王伟#12
    if is_english(ctx.locale):
        details = ", ".join(x for x in (f"born {born}" if born else "", post) if x)
        return f"{name} ({details}; id {nominee.get('person_id')})"
    details = "，".join(x for x in (f"{born}生" if born else "", post) if x)
    return f"{name}（{details}；编号 {nominee.get('person_id')}）"


def qualification_review_offer(ctx: FormContext, users, declarations):
    from .choices import Offer

    say = Say(ctx.locale)
    facts, missing = [], []
    for nominee in (n for n in reviewed(ctx)["nominees"] if isinstance(n, Mapping)):
        checks = nominee.get("checks") if isinstance(nominee.get("checks"), list) else []
        for c in (c for c in checks if isinstance(c, Mapping) and isinstance(c.get("rule"), str)):
            facts.append((f"{who(nominee, ctx)} · {rule_name(c['rule'], say)}", told_check(c, say)))
            if c.get("verdict") == "missing":
                key = nominee.get("person_id") if nominee.get("person_id") is not None else nominee.get("name")
                missing.append({"person_id": key, "rule": c["rule"], "note": ""})
    # a row per missing verdict, its note left to the clerk: only what the file shows passes
    return Offer(facts=tuple(facts), initial={"attested": missing} if missing else {})


def exceptional_offer(ctx: FormContext, users, declarations):
    from .choices import Choices, Offer, Option

    candidate = (ctx.prefill or {}).get("candidate")
    if not isinstance(candidate, Mapping) or not isinstance(candidate.get("name"), str) \
            or not isinstance(candidate.get("rules") or [], list):
        return Offer()
    say = Say(ctx.locale)
    english = is_english(ctx.locale)
    key = str(candidate.get("person_id") if candidate.get("person_id") is not None else candidate["name"])
    rules = tuple(Option(r, rule_name(r, say)) for r in candidate.get("rules") or [] if isinstance(r, str))
    grounds = tuple(Option(k, en if english else zh) for k, zh, en in EXCEPTIONAL_GROUNDS)
    review = section(ctx.case_data or {}, "qualification_review").get("qualification")
    nominees = review.get("nominees") if isinstance(review, Mapping) else None
    mine = next((n for n in nominees if isinstance(n, Mapping) and (str(n.get("person_id")) == key
                                                                    or n.get("name") == key)), None) \
        if isinstance(nominees, list) else None
    facts = [(say("被提名人", "Nominee"), who(candidate, ctx))]
    for c in (mine or {}).get("checks") or []:
        if isinstance(c, Mapping) and c.get("rule") in (candidate.get("rules") or []):
            facts.append((rule_name(c["rule"], say), told_check(c, say)))
    return Offer({"person_id": Choices("one", (Option(key, who(candidate, ctx)),), selected=(key,)),
                  "ground": Choices("one", grounds),
                  "rules": Choices("many", rules, selected=tuple(o.value for o in rules))},
                 facts=tuple(facts))
