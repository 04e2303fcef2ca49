"""What the forms offer to choose from (workflows/forms/choices.py), built on the rules' real output:
the tally to tick with its flags at each boundary, the qualified to propose, who is up for decision,
the inspectors without the recused, the declaration's nominees and participants."""

from __future__ import annotations

from engine.actors import Actor
from engine.registry import FormContext
from workflows import rules
from workflows.forms import FORMS
from workflows.forms.choices import offer
from workflows.params import with_defaults

HEAD = Actor("orghead1", "组织部负责人", frozenset({"org_head"}))
INSPECTOR = Actor("inspector1", "考察组成员一", frozenset({"inspector"}))
USERS = [{"username": u, "display_name": d, "roles": r} for u, d, r in (
    ("auditor1", "监督检查员", ["auditor"]), ("clerk1", "干部科经办人", ["clerk"]),
    ("inspector1", "考察组成员一", ["inspector"]), ("inspector2", "考察组成员二", ["inspector"]),
    ("inspector3", "考察组成员三", ["inspector", "clerk"]), ("orghead1", "组织部负责人", ["org_head"]))]


def users(role):
    return [u for u in USERS if role is None or role in u["roles"]]


def ctx(case_data, *, prefill=None, actor=HEAD, locale="zh-CN") -> FormContext:
    return FormContext(1, "task", case_data, prefill or {}, with_defaults(), actor, "org_head", locale)


def tallied(votes: dict, present=30, post_count=1, **case) -> dict:
    meeting = {"expected": 30, "present": present, "valid_ballots": present, "votes": votes}
    nominees = [{"name": n} for n in votes]
    return {"post_count": post_count, "nominate": {"nominees": nominees}, "meeting_recommendation": meeting,
            "tally": rules.tally_recommendation(list(votes), meeting, post_count, with_defaults()), **case}


def options(found, field):
    return {o.value: o for o in found.fields[field].options}


# --- confirm_candidates --------------------------------------------------------------------------------------------


def test_the_tally_to_tick_marks_each_boundary():
    # 30 present, post 1: ranks within 3 are eligible; 15 is exactly half (kept), 14 is below (excluded)
    case = tallied({"甲": 20, "乙": 18, "丙": 16, "丁": 16, "戊": 15, "己": 14},
                   talk_recommendation={"mentions": {"甲": 5}})
    found = offer("confirm_candidates", ctx(case))
    choices = found.fields["candidates"]
    assert choices.kind == "many" and choices.columns == ("得票", "得票率", "名次", "谈话推荐", "情况")
    by = options(found, "candidates")
    assert list(by) == ["甲", "乙", "丙", "丁", "戊", "己"]
    assert by["甲"].details == ("20", "66.7%（20/30）", "1", "5", "可列为考察对象") and not by["甲"].needs_reason
    assert by["丙"].flags == ("tied",) and by["丁"].flags == ("tied",) and by["丙"].details[2] == "3"
    assert by["戊"].flags == ("outside_ratio",) and by["戊"].needs_reason  # exactly half: not excluded
    assert "名次在前 3 名之外" in by["戊"].note
    assert by["己"].flags == ("excluded",) and by["己"].needs_reason and by["己"].details[-1] == "得票低于半数，已排除"
    assert "不少于 20 个字" in by["己"].note
    assert choices.reason.field == "overrides" and choices.reason.key == "name"
    assert choices.notes == ("考察对象不多于 2 名（考察比例 2 × 职数 1）",
                             "一般从得票不低于半数、名次在前 3 名（含并列）的人选中确定；其他人选须逐一说明理由，不少于 20 个字",
                             "丙、丁并列于截止名次，均可列为考察对象，由你决定",
                             "符合条件的有 4 名，多于职数 1 名：应当差额考察，至少确定 2 名")
    assert found.omit == {"single_candidate_reason"}


def test_with_no_more_eligible_than_posts_the_single_candidate_reason_is_asked():
    found = offer("confirm_candidates", ctx(tallied({"甲": 20, "乙": 10})))
    assert found.omit == frozenset()
    assert found.fields["candidates"].notes[-1] == "符合条件的只有 1 名，不多于职数 1 名：可不差额考察，但须说明理由"
    assert "talk" not in str(found.fields["candidates"].columns) and len(found.fields["candidates"].columns) == 4


def test_a_withdrawn_nominee_is_shown_but_not_choosable():
    case = tallied({"甲": 20, "乙": 18, "丙": 17}, withdrawals=[{"name": "乙", "reason": "本人申请"}])
    by = options(offer("confirm_candidates", ctx(case)), "candidates")
    assert by["乙"].disabled and by["乙"].flags == ("withdrawn",) and not by["乙"].needs_reason
    assert by["乙"].details[-1] == "已退出"


def test_the_offer_speaks_english():
    found = offer("confirm_candidates", ctx(tallied({"甲": 20, "乙": 10}), locale="en"))
    by = options(found, "candidates")
    assert by["乙"].details[1] == "33.3% (10/30)" and by["乙"].details[-1] == "excluded: votes below one half"
    assert found.fields["candidates"].notes[0] == "At most 2 candidates (inspection ratio 2 × 1 post(s))."


def test_the_competitive_ranking_is_offered_with_its_scores():
    ranking = rules.composite_scores(["甲", "乙", "丙", "丁"], {"甲": 90, "乙": 80, "丙": 70, "丁": 60},
                                     {"甲": 90, "乙": 80, "丙": 70, "丁": 60}, with_defaults(), post_count=1)
    found = offer("confirm_candidates", ctx({"announcement": {"post_count": 1}, "ranking": ranking}))
    assert found.fields["candidates"].columns == ("笔试", "面试", "综合成绩", "名次", "情况")
    by = options(found, "candidates")
    assert by["甲"].details[:4] == ("90", "90", "90", "1") and not by["甲"].needs_reason
    assert by["丙"].flags == ("outside_ratio",) and by["丙"].needs_reason


def test_without_a_tally_nothing_is_offered():
    assert offer("confirm_candidates", ctx({"nominate": {"nominees": [{"name": "甲"}]}})).fields == {}
    assert offer("appoint", ctx({})).fields == {}


# --- deliberation ----------------------------------------------------------------------------------------------------


def inspection(name, evaluation, **changes):
    return {"candidate": name, "archive_review": "pass", "personal_matters": "pass", "petition_check": "none",
            "evaluation": evaluation, "conclusion": "recommend", **changes}


def test_deliberation_offers_the_qualified_with_the_flagged_asking_why():
    good = {"excellent": 20, "competent": 8, "basically_competent": 2, "incompetent": 0}
    low = {"excellent": 10, "competent": 9, "basically_competent": 11, "incompetent": 0}  # 19 of 30 < 2/3
    inspections = [inspection("甲", good), inspection("乙", low), inspection("丙", good, archive_review="fail")]
    opinions = [{"candidate": n, "opinion": "clear"} for n in ("甲", "乙", "丙")]
    assessment = rules.assess_candidates(["甲", "乙", "丙"], inspections, opinions, with_defaults())
    case = {"post_count": 1, "assessment": assessment, "integrity_opinions": opinions}
    found = offer("deliberation", ctx(case))
    by = options(found, "proposed")
    assert by["甲"].details == ("93.3%（28/30）", "无问题", "考察合格") and not by["甲"].needs_reason
    assert by["乙"].flags == ("low_approval",) and by["乙"].needs_reason and "低于 2/3" in by["乙"].note
    assert by["丙"].disabled and by["丙"].details[-1] == "不合格：档案审核未通过"
    assert found.fields["proposed"].reason.field == "justifications" and found.fields["proposed"].reason.key is None
    assert found.fields["proposed"].notes == ("确定拟任人选 1 名（职数 1 名）",)


# --- committee_decision: who is up for decision ------------------------------------------------------------------


def decided(meeting_results, proposed, due=9, present=9):
    return rules.committee_decision({"members_due": due, "members_present": present, "results": meeting_results},
                                    proposed, with_defaults())


COMMITTEE = {"meeting_date": "2026-04-10", "members_due": 9, "members_present": 9, "recused": [],
             "principal_spoke_last": True}


def test_a_repeated_round_after_a_deferral_and_a_meeting_without_quorum_decides_only_the_deferred():
    first = decided({"甲": {"agree": 8, "disagree": 1, "defer": 0}, "乙": {"agree": 1, "disagree": 1, "defer": 7}},
                    ["甲", "乙"])
    second = {**decided({}, ["乙"], present=5), "proposed": ["乙"]}  # no quorum: 乙 again, nothing deferred
    assert first["deferred"] == ["乙"] and second["repeat"] and second["deferred"] == []
    case = {"deliberation": {"proposed": ["甲", "乙"]}, "decision": second}
    found = offer("committee_decision", ctx(case))
    assert [o.value for o in found.fields["results"].options] == ["乙"]
    assert found.fields["results"].notes == ("再次讨论决定：乙",)
    # the form's check asks the same question: only 乙 is up, 甲 was approved in the first round
    data = {**COMMITTEE, "results": {"乙": {"agree": 6, "disagree": 3, "defer": 0}}}
    assert FORMS["committee_decision"](data, ctx(case))["results"] == data["results"]
    first_round = offer("committee_decision", ctx({"deliberation": {"proposed": ["甲", "乙"]}}))
    assert [o.value for o in first_round.fields["results"].options] == ["甲", "乙"]
    assert first_round.fields["results"].notes == ()


# --- inspection and the declaration: users ---------------------------------------------------------------------------


def test_the_team_is_the_inspectors_without_those_recused_for_this_candidate():
    declarations = [{"username": "inspector2", "nominee": "张三", "relation": "spouse"},
                    {"username": "inspector3", "nominee": "李四", "relation": "lineal"}]
    found = offer("inspection", ctx({}, prefill={"candidate": "张三"}, actor=INSPECTOR), users=users,
                  declarations=declarations)
    team = found.fields["team"]
    assert [o.value for o in team.options] == ["inspector1", "inspector3"] and team.selected == ("inspector1",)
    assert [o.value for o in found.fields["leader"].options] == ["inspector1", "inspector3"]
    assert team.notes[-1] == "考察组成员二已申报与张三的亲属关系，应当回避，未列出"
    assert found.facts == (("考察对象", "张三"),)
    other = offer("inspection", ctx({}, prefill={"candidate": "李四"}, actor=INSPECTOR), users=users,
                  declarations=declarations)
    assert [o.value for o in other.fields["team"].options] == ["inspector1", "inspector2"]


def test_a_submitter_not_offered_is_not_preselected():
    found = offer("inspection", ctx({}, prefill={"candidate": "张三"}, actor=HEAD), users=users)
    assert found.fields["team"].selected == () and len(found.fields["team"].options) == 3


def test_the_declaration_offers_the_nominees_and_the_participants():
    found = offer("declaration", ctx({"nominate": {"nominees": [{"name": "张三"}, {"name": "李四"}]}}), users=users)
    assert [o.value for o in found.fields["nominee"].options] == ["张三", "李四"]
    assert [o.value for o in found.fields["username"].options] == ["clerk1", "inspector1", "inspector2", "inspector3",
                                                                   "orghead1"]  # not the auditor
    assert found.fields["username"].selected == ("orghead1",)
    assert offer("declaration", ctx({}), users=users).fields == {}  # before the nomination


def test_the_eligibility_review_starts_with_everyone_ticked_and_asks_why_for_the_others():
    case = {"registration": {"applicants": [{"name": n} for n in ("甲", "乙")]}}
    choices = offer("eligibility_review", ctx(case)).fields["eligible"]
    assert choices.selected == ("甲", "乙") and all(o.needs_reason for o in choices.options)
    assert (choices.reason.field, choices.reason.key, choices.reason.text, choices.reason.when) == (
        "rejected", "name", "reason", "unchecked")


def test_vote_rows_follow_the_nominees_and_score_rows_the_eligible():
    case = {"nominate": {"nominees": [{"name": "张三"}, {"name": "李四"}]}}
    assert [o.value for o in offer("meeting_recommendation", ctx(case)).fields["votes"].options] == ["张三", "李四"]
    competitive = {"registration": {"applicants": [{"name": "甲"}, {"name": "乙"}, {"name": "丙"}]},
                   "eligibility_review": {"eligible": ["甲", "丙"]}, "withdrawals": [{"name": "丙"}]}
    assert [o.value for o in offer("exam_scores", ctx(competitive)).fields["scores"].options] == ["甲"]
