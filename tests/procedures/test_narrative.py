"""The responsibility record in words: every event of full cases of both procedures, in Chinese and
English, reads as sentences with the fields' labels and states each decision with its rule."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from engine import cases
from engine.errors import Forbidden
from engine.records import responsibility_record
from tests.procedures.test_competitive import run_competitive_to_publicity
from workflows.demo import CLERK, HEAD, INSPECTOR2, Driver
from workflows.labels import describe_parameters
from workflows.narrative import narrate
from workflows.params import DEFAULTS, with_defaults

RAW = re.compile(r"[{}\[\]]|\bNone\b|\bTrue\b|\bFalse\b|\bnull\b|\":")
LOW = {"excellent": 5, "competent": 10, "basically_competent": 5, "incompetent": 10}  # 15/30 approve, 10/30 not
WHY = "李四在谈话调研中认可度高，实绩突出，经集体研究作为考察对象"


def told(ctx, case_id: int, locale: str = "zh-CN") -> list[dict]:
    """The record's entries; each one's words checked to be words, not data."""
    entries = responsibility_record(ctx, case_id, locale)["entries"]
    for entry in entries:
        assert entry["narrative"].strip(), entry
        assert not RAW.search(entry["narrative"]), (entry["seq"], entry["narrative"])
    return entries


def words(entries: list[dict], element_id: str | None = None, action: str | None = None) -> list[str]:
    return [e["narrative"] for e in entries
            if (element_id is None or e["element_id"] == element_id) and (action is None or e["action"] == action)]


def standard_case(ctx) -> Driver:
    """A repeated recommendation round, exclusions, a declared relation, an override, a flagged
    candidate proposed with a justification, a deferred committee round, two publicity reports (one
    deferred, then minor), the timers, probation."""
    d = Driver(ctx)
    d.approve()
    d.nominate()
    d.meeting({"张三": 15, "李四": 8, "王五": 5}, present=19)  # turnout below 2/3: held again
    d.meeting({"张三": 25, "李四": 14, "王五": 10})
    d.talk()
    cases.record_for_guards(ctx, d.id, {"username": "inspector2", "nominee": "李四", "relation": "spouse"}, HEAD,
                              "org_head")
    d.confirm(["张三", "李四"], overrides=[{"name": "李四", "justification": WHY}])
    d.inspect("张三", team=("inspector1", "inspector3"))
    d.opinion("张三")
    d.inspect("李四", team=("inspector1", "inspector3"), evaluation=LOW)
    d.opinion("李四", "concerns")
    d.deliberate(["李四"], justifications={"李四": "李四民主测评认可度偏低，但实绩突出，经酝酿仍提名"})
    d.committee({"李四": {"agree": 3, "disagree": 1, "defer": 5}})
    d.committee({"李四": {"agree": 8, "disagree": 1, "defer": 0}})
    d.report()
    d.report(named=False, specific=False)
    d.investigate("unverifiable")
    d.wait_for_timer()
    d.wait_for_timer()
    d.investigate("minor")
    d.appoint(probation=True)
    d.wait_for_timer()
    d.probation_review()
    assert d.case["outcome"] == "appointed"
    return d


def test_every_event_of_a_standard_case_in_words(ctx):
    entries = told(ctx, standard_case(ctx).id)
    assert words(entries, action="case_started") == ["职位：区发改委主任；单位：区发改委；职级：正科级；职数：1；理由：原主任退休。"]
    assert words(entries, "approve_motion") == ["决定：同意启动；意见：同意启动。"]
    assert words(entries, "nominate")[0].startswith("提名3人：张三（男，1980-05-01生，区发改委副局长）、李四（")
    assert words(entries, "meeting_recommendation")[1] == (
        "会议日期：2026-03-10；应到30人、实到30人；发出选票30张、收回30张、有效票30张；得票：张三25票、李四14票、王五10票。")
    assert words(entries, "check_turnout") == [
        "应到30人、实到19人，未达到应到人数的2/3，本轮推荐无效，须重新组织会议推荐。",
        "应到30人、实到30人，达到应到人数的2/3，本轮推荐有效。"]
    assert words(entries, "talk_recommendation") == ["谈话12人；谈话推荐：张三8人次；情况摘要：普遍认可。"]
    assert words(entries, "tally_recommendation") == [
        "应到30人、实到30人；以实到人数30人为基数：张三25票（83.3%），第1名；"
        "李四14票（46.7%），第2名——低于半数，不列为考察对象（第19条）；"
        "王五10票（33.3%），第3名——低于半数，不列为考察对象（第19条）。"
        "可列为考察对象（前3名以内且得票不低于半数）：张三。"]
    assert words(entries, action="relation_declared") == [
        "inspector2申报与李四存在夫妻关系，此后不得办理涉及李四的环节（回避）。"]
    assert words(entries, "confirm_candidates", "task_completed") == [f"确定考察对象：张三、李四；例外说明：李四——{WHY}。"]
    overrides = words(entries, action="override")
    assert overrides[0] == f"李四得票未过半数或排名在前列之外，例外列为考察对象；理由说明：{WHY}。"
    assert overrides[1].startswith("李四民主测评认可度偏低，例外提名为拟任人选；理由说明：李四民主测评认可度偏低")
    inspection = words(entries, "inspection")[1]
    for part in ("考察对象：李四", "考察组成员：inspector1（组长）、inspector3", "档案审核：通过",
                 "个人有关事项报告核查：通过", "信访举报核查：无", "民主测评：优秀5、称职10、基本称职5、不称职10",
                 "考察情况：政治坚定，实绩突出", "考察结论：建议任用"):
        assert part in inspection
    assert words(entries, "integrity_opinion") == ["对张三的廉政意见：无问题。", "对李四的廉政意见：有问题需关注；意见：有待核实。"]
    assert words(entries, "assess_candidates") == [
        "张三：合格（优秀和称职28/30，不称职1/30）；李四：合格，但优秀和称职15/30，低于2/3，提名为拟任人选须说明理由。"
        "合格人选：张三、李四。"]
    assert words(entries, "deliberation")[0].startswith("拟任人选：李四；酝酿征求意见对象：区委书记、区长；理由说明：李四——")
    assert words(entries, "committee_decision")[0] == (
        "会议日期：2026-03-30；应到会成员9人、实到9人；回避成员：无；主要负责同志最后表态：是；表决结果：李四同意3、不同意1、缓议5。")
    assert words(entries, "decide_committee") == [
        "第1轮：应到会成员9人、实到9人，达到2/3，可以作出决定。"
        "李四同意3票、不同意1票、缓议5票——缓议票最多，暂缓表决，留待下次会议讨论决定。",
        "第2轮：应到会成员9人、实到9人，达到2/3，可以作出决定。"
        "李四同意8票、不同意1票、缓议0票——同意票超过应到会成员（9人）的半数，通过。决定任用：李四。"]
    assert words(entries, "publicity_window") == [
        "对李四任前公示2026-03-30至2026-04-03，共5个工作日（2026-03-30、2026-03-31、2026-04-01、2026-04-02、"
        "2026-04-03），期满时间2026-04-04 00:00。"]  # fires at 2026-04-03T16:00Z: midnight in Beijing
    assert words(entries, "publicity_report") == [
        "公示期间收到举报——举报渠道：12380；实名举报：是；内容具体：是；情况摘要：反映其在原单位存在问题。",
        "公示期间收到举报——举报渠道：12380；实名举报：否；内容具体：否；情况摘要：反映其在原单位存在问题。"]
    assert words(entries, "register_report") == ["登记第1件举报（举报渠道：12380，实名、内容具体）：反映其在原单位存在问题；须调查核实。"]
    assert words(entries, "register_queued_report") == [
        "登记第2件举报（举报渠道：12380，匿名、内容不具体）：反映其在原单位存在问题；匿名且内容不具体，登记备查，不启动调查。"]
    assert words(entries, "investigate_report") == ["核查结论：暂无法核实；情况摘要：经调查核实。", "核查结论：问题轻微；情况摘要：经调查核实。"]
    assert words(entries, "record_finding") == [
        "第1件举报暂无法核实，暂缓任用，最迟于2026-06-02 09:00复查。",  # 01:00 UTC, three months on
        "第1件举报经核实问题轻微，不影响任用，已作提醒。"]
    status = words(entries, "check_reports")
    assert status[0] == "公示期2026-03-30至2026-04-03，尚在公示中；暂无待办结的举报；下次核对：2026-04-04 00:00。"
    assert "尚有1件举报未办结；第1件举报交调查核实" in status[1]
    assert status[-1] == "公示期2026-03-30至2026-04-03已满，举报均已办结，可以任职。"
    assert words(entries, action="timer_fired")[-1] == "定时到期（试用期）；转入：试用期满考核。"
    assert words(entries, "appoint", "task_completed") == [
        "任职通知文号：区委〔2026〕12号；任职生效日期：2026-04-15；任职谈话人：orghead1；试用期：是。"]
    # 李四, typed at nomination, joined the registry then: the appointment fills the post in his record
    assert words(entries, "appoint", "records_unchanged") == []
    assert "李四" in " ".join(words(entries, "appoint", "records_changed"))
    assert words(entries, "probation_review") == ["考核结果：称职。案件办结：已任职。"]


def test_the_same_case_in_english(ctx):
    entries = told(ctx, standard_case(ctx).id, "en")
    assert words(entries, "tally_recommendation")[0].endswith(
        "王五 10 votes (33.3%), rank 3 — below one half, not a candidate for inspection (art. 19). "
        "Eligible for inspection (top 3, at least one half): 张三.")
    assert words(entries, "check_turnout")[0] == (
        "30 expected, 19 present: below 2/3 of those expected, the round does not count and is held again.")
    assert "Archive review: pass; Personal matters report check: pass" in words(entries, "inspection")[0]
    assert words(entries, "assess_candidates")[0].startswith("张三: qualified (excellent and competent 28/30")
    assert words(entries, "decide_committee")[1] == (
        "Round 2: 9 members due, 9 present, at least 2/3: the meeting may decide. 李四: agree 8, disagree 1, "
        "defer 0 — agree votes above one half of the 9 members due: approved. To be appointed: 李四.")
    assert words(entries, "probation_review") == ["Result: competent. The case ended: appointed."]


def test_disqualification_withdrawal_refusal_quorum_and_termination_in_words(ctx):
    d = Driver(ctx)
    d.to_confirm()
    d.confirm(["张三", "李四"])
    cases.record_for_guards(ctx, d.id, {"username": "inspector2", "nominee": "李四", "relation": "in_law"}, HEAD,
                              "org_head")
    with pytest.raises(Forbidden):
        d.inspect("李四", actor=INSPECTOR2, team=("inspector2", "inspector1"))
    d.case = d.backend.message(d.id, "withdraw", {"name": "王五", "reason": "个人原因"}, CLERK, "clerk")
    team = ("inspector1", "inspector3")
    d.inspect("张三", team=team)
    d.opinion("张三")
    d.inspect("李四", team=team, archive_review="fail", evaluation={**LOW, "incompetent": 11})
    d.opinion("李四", "disqualifying")
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": 5, "disagree": 0, "defer": 0}}, present=5)  # 5 of 9: no quorum
    cases.terminate_case(ctx, d.id, HEAD, "org_head", "职位调整，本次选任终止")
    entries = told(ctx, d.id)
    assert words(entries, action="step_refused") == [
        "未予办理：inspector2 已申报与李四存在近姻亲关系，应当回避此环节；提交的内容未作为办理结果记录。"]
    assert words(entries, "withdraw") == ["王五申请退出；理由：个人原因。"]
    assert words(entries, "record_withdrawal") == ["王五退出，此后各环节不再列入（理由：个人原因）。"]
    assert words(entries, "assess_candidates") == [
        "张三：合格（优秀和称职28/30，不称职1/30）；"
        "李四：不合格——档案审核未通过、廉政意见为不宜任用、不称职票11/31，超过1/3。合格人选：张三。"]
    assert words(entries, "decide_committee") == [
        "第1轮：应到会成员9人、实到5人，不足应到会成员的2/3，会议不得作出决定，须重新研究。"]
    assert words(entries, action="case_terminated") == ["理由：职位调整，本次选任终止；案件终止，取消的待办：讨论决定。"]


def test_votes_at_exactly_half_are_not_excluded_in_words(ctx):
    d = Driver(ctx)
    d.to_confirm({"张三": 25, "李四": 15, "王五": 14})
    [tally] = words(told(ctx, d.id), "tally_recommendation")
    assert "李四15票（50.0%），第2名；" in tally  # exactly half: no exclusion sentence
    assert "王五14票（46.7%），第3名——低于半数，不列为考察对象（第19条）" in tally
    assert tally.endswith("可列为考察对象（前3名以内且得票不低于半数）：张三、李四。")


@pytest.mark.parametrize("outcome", ["motion_rejected", "recommendation_failed", "not_approved",
                                     "withdrawn_after_publicity"])
def test_each_ending_is_stated(ctx, outcome):
    d = Driver(ctx)
    if outcome == "motion_rejected":
        d.approve("reject")
        expected = {"approve_motion": "决定：不同意；意见：暂不启动。案件办结：动议未通过。"}
    elif outcome == "recommendation_failed":
        d.to_confirm({"张三": 1, "李四": 2, "王五": 3})
        expected = {"tally_recommendation": "无人得票达到半数，推荐未产生人选。"}
    elif outcome == "not_approved":
        d.to_deliberation()
        d.deliberate(["张三"])
        d.committee({"张三": {"agree": 4, "disagree": 5, "defer": 0}})  # 4 of 9 due: not more than half
        expected = {"decide_committee": "张三同意4票、不同意5票、缓议0票——同意票未超过应到会成员（9人）的半数，未通过。"
                                        "拟任人选均未获通过。"}
    else:
        d.to_publicity()
        d.report()
        d.investigate("serious")
        expected = {"record_finding": "第1件举报经核实问题严重，不予任用。",
                    "check_reports": "公示期2026-03-30至2026-04-03；第1件举报经核实问题严重，不予任用。"}
    assert d.case["outcome"] == outcome
    entries = told(ctx, d.id)
    for element_id, sentence in expected.items():
        assert words(entries, element_id)[-1].endswith(sentence), words(entries, element_id)


def test_a_competitive_case_in_words(ctx):
    d = run_competitive_to_publicity(ctx)
    d.wait_for_timer()
    d.appoint()
    entries = told(ctx, d.id)
    assert words(entries, action="case_started") == [
        "职位：区发改委主任；单位：区发改委；职数：1；任职条件：大学本科以上学历；报名截止日期：2026-03-20。"]
    assert words(entries, "registration")[0].startswith("报名4人：赵一（男，1980-05-01生，区发改委副局长）、")
    assert words(entries, "eligibility_review") == ["资格审查通过：赵一、钱二、孙三；未通过：李四（任职年限不足）。"]
    assert "赵一90分" in words(entries, "exam_scores")[0] and "钱二95分" in words(entries, "interview_scores")[0]
    assert "钱二优秀20、称职5、基本称职2、不称职1" in words(entries, "competitive_evaluation")[0]
    assert words(entries, "rank_applicants") == [
        "综合成绩＝笔试×0.4＋面试×0.6：钱二89分（笔试80、面试95），第1名；赵一84分（笔试90、面试80），第2名；"
        "孙三76.2分（笔试85.5、面试70），第3名。进入考察范围（前2名）：钱二、赵一。"]
    assert words(entries, "appoint")[0].endswith("试用期：否。案件办结：已任职。")


def test_an_unknown_step_or_unexpected_data_is_listed_with_labels():
    unknown = narrate({"action": "task_completed", "element_id": "new_step",
                       "entered": {"position": "局长", "extra_checks": [{"code": "x1", "memo": "档案显示满5年"}],
                                   "urgent": True}})
    assert unknown == "职位：局长；extra_checks：（code：x1，memo：档案显示满5年）；urgent：是。"
    service = narrate({"action": "service_task", "element_id": "x", "entered": {"operation": "new_rule"},
                       "decided": {"result": {"eligible": ["张三"], "ready": 1}}}, "en")
    assert service == "Eligible applicants: 张三; ready: 1."
    broken = narrate({"action": "service_task", "entered": {"operation": "recommendation_tally", "params": {}},
                      "decided": {"result": {"nominees": "not a list"}}})  # a shape the tally never had
    assert broken == "被提名人：not a list。"
    assert narrate({"action": "timer_fired", "element_id": "t", "decided": {}}) == "定时到期（无）。"


def test_a_record_in_beijing_time(ctx):
    ctx.clock.set(datetime(2026, 9, 30, 16, 30, tzinfo=UTC))
    d = Driver(ctx)
    d.to_deliberation()
    d.deliberate(["张三"])
    d.committee({"张三": {"agree": 8, "disagree": 1, "defer": 0}}, meeting_date="2026-10-08")
    d.report()
    d.investigate("unverifiable")  # recorded at 16:30 UTC: reopens three months later, at 00:30 in Beijing
    [finding] = words(told(ctx, d.id), "record_finding")
    assert finding == "第1件举报暂无法核实，暂缓任用，最迟于2026-12-31 00:30复查。"


def test_every_parameter_has_a_label_in_both_languages():
    for locale in ("zh-CN", "en"):
        described = describe_parameters({**with_defaults(), "own_parameter": 7}, locale)
        assert [d["name"] for d in described] == [*DEFAULTS, "own_parameter"]  # domain.md's order, then the rest
        assert all(d["label"] != d["name"] for d in described[:-1]) and described[-1]["label"] == "own_parameter"
    zh = {d["name"]: d["value"] for d in describe_parameters(with_defaults(), "zh-CN")}
    assert (zh["ballot_max_choices"], zh["exclusion_denominator"], zh["exclusion_share"]) == ("不限", "实到人数", "1/2")
