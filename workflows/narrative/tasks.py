"""What people entered, told: the user tasks and messages of both procedures, keyed by element id
(a message by its name). Each narrator takes the step's recorded data and a `Say`."""

from __future__ import annotations

from collections.abc import Mapping

from .say import Say

EVALUATION = ("excellent", "competent", "basically_competent", "incompetent")


# --- pieces ---------------------------------------------------------------------------------------

def person(p, say: Say) -> str:
    """张三（男，1980-05-01生，区发改委副局长） / 张三 (male, born 1980-05-01, 副局长, 区发改委)."""
    if not isinstance(p, Mapping):
        return str(p)
    name = p.get("name") or p.get("person_id") or "?"
    details = [say.choice(p["gender"]) if p.get("gender") else "",
               say(f"{p['birth_date']}生", f"born {p['birth_date']}") if p.get("birth_date") else "",
               say(f"{p.get('unit') or ''}{p.get('current_post') or ''}",
                   ", ".join(x for x in (p.get("current_post"), p.get("unit")) if x))]
    details = [d for d in details if d]
    if not details:
        return str(name)
    return say(f"{name}（{'，'.join(details)}）", f"{name} ({', '.join(details)})")


def counts(mapping: Mapping, say: Say, zh_unit: str, en_unit: str = "") -> str:
    """张三25票、李四18票 / 张三 25, 李四 18."""
    return say.join(say(f"{name}{n}{zh_unit}", f"{name} {n}{en_unit}") for name, n in mapping.items())


def evaluation(e: Mapping, say: Say) -> str:
    """优秀20、称职8、基本称职1、不称职1 / excellent 20, competent 8, ..."""
    return say.join(say(f"{say.label(k)}{e.get(k, 0)}", f"{say.label(k).lower()} {e.get(k, 0)}") for k in EVALUATION)


def headcount(expected: int, present: int, say: Say, zh_who: str = "", en_who: str = "") -> str:
    return say(f"应到{zh_who}{expected}人、实到{present}人", f"{expected} {en_who}expected, {present} present")


# --- the standard procedure ----------------------------------------------------------------------

def approve_motion(d, say: Say) -> str:
    decision = say("同意启动", "approved") if d["decision"] == "approve" else say("不同意", "rejected")
    return say.parts(say.field("decision", decision), say.field("comment", d.get("comment")))


def nominate(d, say: Say) -> str:
    people = d["nominees"]
    return say(f"提名{len(people)}人：", f"{len(people)} nominees: ") + say.join(person(p, say) for p in people)


def registration(d, say: Say) -> str:
    people = d["applicants"]
    return say(f"报名{len(people)}人：", f"{len(people)} applicants: ") + say.join(person(p, say) for p in people)


def meeting_recommendation(d, say: Say) -> str:
    return say.parts(
        say.field("meeting_date", d.get("meeting_date")),
        headcount(d["expected"], d["present"], say),
        say(f"发出选票{d['ballots_issued']}张、收回{d['ballots_returned']}张、有效票{d['valid_ballots']}张",
            f"ballots issued {d['ballots_issued']}, returned {d['ballots_returned']}, valid {d['valid_ballots']}"),
        say("得票：", "votes: ") + counts(d["votes"], say, "票"))


def talk_recommendation(d, say: Say) -> str:
    return say.parts(say(f"谈话{d['interviewed']}人", f"{d['interviewed']} people interviewed"),
                     say("谈话推荐：", "mentions: ") + counts(d.get("mentions") or {}, say, "人次"),
                     say.field("summary", d.get("summary")))


def confirm_candidates(d, say: Say) -> str:
    overrides = [say(f"{o['name']}——{o['justification']}", f"{o['name']}: {o['justification']}")
                 for o in d.get("overrides") or []]
    return say.parts(say("确定考察对象：", "candidates for inspection: ") + say.join(d["candidates"]),
                     say.field("overrides", say.join(overrides)) if overrides else "",
                     say.field("single_candidate_reason", d.get("single_candidate_reason")),
                     say.field("comment", d.get("comment")))


def inspection(d, say: Say) -> str:
    leader = d.get("leader")
    team = [say(f"{m}（组长）", f"{m} (leader)") if m == leader else m for m in d.get("team") or []]
    return say.parts(say.field("candidate", d["candidate"]), say.field("team", say.join(team)),
                     *(say.field(k, d.get(k)) for k in ("archive_review", "personal_matters", "petition_check")),
                     say.field("evaluation", evaluation(d["evaluation"], say)),
                     say.field("findings", d.get("findings")), say.field("conclusion", d.get("conclusion")))


def integrity_opinion(d, say: Say) -> str:
    return say.parts(say(f"对{d['candidate']}的廉政意见：", f"integrity opinion on {d['candidate']}: ")
                     + say.choice(d["opinion"]), say.field("comment", d.get("comment")))


def deliberation(d, say: Say) -> str:
    reasons = [say(f"{name}——{text}", f"{name}: {text}") for name, text in (d.get("justifications") or {}).items()]
    return say.parts(say.field("proposed", say.join(d["proposed"])), say.field("consulted", say.join(d["consulted"])),
                     say.field("justifications", say.join(reasons)) if reasons else "")


def committee_decision(d, say: Say) -> str:
    votes = say.join(say(f"{name}同意{b['agree']}、不同意{b['disagree']}、缓议{b['defer']}",
                         f"{name}: agree {b['agree']}, disagree {b['disagree']}, defer {b['defer']}")
                     for name, b in d["results"].items())
    return say.parts(say.field("meeting_date", d.get("meeting_date")),
                     headcount(d["members_due"], d["members_present"], say, "会成员", "members "),
                     say.field("recused", say.join(d.get("recused") or [])),
                     say.field("principal_spoke_last", say.yes(d.get("principal_spoke_last"))),
                     say.field("results", votes))


def appoint(d, say: Say) -> str:
    return say.parts(*(say.field(k, d.get(k)) for k in ("notice_number", "effective_date", "talk_by")),
                     say.field("probation", say.yes(d.get("probation"))))


def labelled(*keys: str):
    """A narrator listing the given fields with their labels, in that order."""
    return lambda d, say: say.parts(*(say.field(k, d.get(k)) for k in keys))


# --- the competitive procedure -------------------------------------------------------------------

def eligibility_review(d, say: Say) -> str:
    rejected = [say(f"{r['name']}（{r['reason']}）", f"{r['name']} ({r['reason']})") for r in d.get("rejected") or []]
    return say.parts(say("资格审查通过：", "eligible: ") + say.join(d["eligible"]),
                     say("未通过：", "not eligible: ") + say.join(rejected))


def scores(d, say: Say) -> str:
    return say("成绩：", "scores: ") + counts(d["scores"], say, "分")


def competitive_evaluation(d, say: Say) -> str:
    return say("民主测评：", "democratic evaluation: ") + say.parts(
        *(say(f"{name}{evaluation(e, say)}", f"{name} {evaluation(e, say)}") for name, e in d["evaluations"].items()))


# --- messages -------------------------------------------------------------------------------------

def withdraw(d, say: Say) -> str:
    return say.parts(say(f"{d['name']}申请退出", f"{d['name']} withdraws"), say.field("reason", d.get("reason")))


def publicity_report(d, say: Say) -> str:
    return say("公示期间收到举报——", "report during publicity — ") + labelled("channel", "named", "specific", "summary")(d, say)


TASKS = {
    "approve_motion": approve_motion,
    "nominate": nominate,
    "meeting_recommendation": meeting_recommendation,
    "talk_recommendation": talk_recommendation,
    "confirm_candidates": confirm_candidates,
    "inspection": inspection,
    "integrity_opinion": integrity_opinion,
    "deliberation": deliberation,
    "committee_decision": committee_decision,
    "investigate_report": labelled("finding", "summary"),
    "appoint": appoint,
    "probation_review": labelled("result", "comment"),
    "announcement": labelled("position", "unit", "post_count", "requirements", "deadline"),
    "registration": registration,
    "eligibility_review": eligibility_review,
    "exam_scores": scores,
    "interview_scores": scores,
    "competitive_evaluation": competitive_evaluation,
    "publicity_report": publicity_report,
    "withdraw": withdraw,
}
