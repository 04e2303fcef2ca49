"""The qualification review, 破格 and the higher consent, told: each verdict with its rule and article."""

from __future__ import annotations

from collections.abc import Mapping

from ..registry.messages import VERDICTS
from ..registry.qualification import RULES
from ..registry.vocab import label
from .say import Say

OTHER_CHECKS = {"office_avoidance": ("任职回避", "office recusal")}  # checks of the review beyond RULES


def rule(key: str, say: Say) -> str:
    entry = RULES.get(key)
    if entry:
        return say(entry[3], entry[4])
    return say(*OTHER_CHECKS[key]) if key in OTHER_CHECKS else key


def check(c: Mapping, say: Say) -> str:
    """年度考核：缺少信息（《条例》第二十四条第（三）项）：档案信息中缺少 2025 年度考核结果."""
    article = say(c.get("article_zh") or c.get("article", ""), c.get("article", ""))
    detail = (c.get("detail") or {}).get("en" if say.english else "zh", "")
    verdict = label(VERDICTS, c.get("verdict"), "en" if say.english else "zh")
    head = say(f"{rule(c['rule'], say)}：{verdict}（{article}）", f"{rule(c['rule'], say)}: {verdict} ({article})")
    return head + (say(f"，{detail}", f", {detail}") if detail else "")


def review(params, r, say: Say) -> str:
    """Every nominee: passes everything, or the verdicts other than a pass."""
    told = []
    for n in r.get("nominees") or []:
        others = [c for c in n.get("checks") or [] if c.get("verdict") != "pass"]
        what = say.parts(*(check(c, say) for c in others)) if others else say("各项均符合", "passes every rule")
        told.append(say(f"{n['name']}：{what}", f"{n['name']}: {what}"))
    if not told:
        return ""
    when = say(f"资格审查（截至{r.get('as_of')}）：", f"qualification review (as of {r.get('as_of')}): ")
    return when + say("。", ". ").join(told)


def names(rows, say: Say) -> str:
    return say.join(say(f"{r['name']}（{'、'.join(rule(k, say) for k in r.get('rules') or [])}）",
                        f"{r['name']} ({', '.join(rule(k, say) for k in r.get('rules') or [])})") for r in rows)


def settle(params, r, say: Say) -> str:
    return say.sentences(
        say("列入推荐：", "on the ballot: ") + say.join(n["name"] for n in r.get("ballot") or []),
        say("有不得破格的条件不符合，不列入：", "failing a rule no 破格 may waive, left out: ") + names(r["barred"], say)
        if r.get("barred") else "",
        say("须经破格提拔方可列入：", "only through 破格 (exceptional promotion): ") + names(r["exceptional_needed"], say)
        if r.get("exceptional_needed") else "",
        say("未经破格，不列入：", "without 破格, left out: ") + names(r["not_waived"], say) if r.get("not_waived") else "")


def qualification_review(d, say: Say) -> str:
    """The clerk's confirmation: each attested verdict with the nominee's name and the note."""
    confirmed = (d.get("qualification") or {}).get("nominees") or []
    named = {n.get("person_id"): n.get("name") for n in confirmed}
    attested = []
    for a in d.get("attested") or []:
        who = named.get(a["person_id"], a["person_id"])
        attested.append(say(f"{who}·{rule(a['rule'], say)}：{a['note']}", f"{who} · {rule(a['rule'], say)}: {a['note']}"))
    head = say("确认资格审查结论", "confirmed the qualification review")
    if attested:
        head += say("，经核实档案：", "; attested from the file: ") + say.parts(*attested)
    return say.parts(head, say.field("comment", d.get("comment")))


def exceptional_promotion(d, say: Say) -> str:
    if d.get("declined"):
        return say.parts(say(f"{d['name']}不予破格提拔，不列入推荐", f"no 破格 for {d['name']}: left out"),
                         say.field("comment", d.get("comment")))
    return say.parts(
        say(f"{d['name']}破格提拔", f"破格 (exceptional promotion) for {d['name']}"),
        say.field("ground", say.choice(d.get("ground"))),
        say("破格事项：", "rules waived: ") + say.join(rule(k, say) for k in d.get("rules") or []),
        say.field("justification", d.get("justification")))


def higher_consent(d, say: Say) -> str:
    return say(f"上级组织部门同意破格提拔：{d['document_number']}（{d['date']}）",
               f"the higher organization department consented to the 破格: {d['document_number']} ({d['date']})")


TASKS = {
    "qualification_review": qualification_review,
    "exceptional_promotion": exceptional_promotion,
    "higher_consent": higher_consent,
}
SERVICES = {
    "qualification_check": review,
    "qualification_settle": settle,
}
