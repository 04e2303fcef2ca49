"""What the engine decided, told with the rule it applied: the service tasks of both procedures,
keyed by the handler's operation name (a diagram may name its elements as it likes).

Each narrator takes the call's parameters, its result and a `Say`. Articles are cited only where
domain.md names them (第19条 of the district rule book for the under-half exclusion); other rules are
stated with the threshold the case ran on.
"""

from __future__ import annotations

from ..labels import DENOMINATOR_LABELS, pick
from .say import Say
from .tasks import headcount

ART_19 = ("（第19条）", " (art. 19)")  # seed 002 art. 19: below half of the votes, generally not inspected


def turnout(params, r, say: Say) -> str:
    counted = headcount(r["expected"], r["present"], say)
    if r["valid"]:
        return say(f"{counted}，达到应到人数的{r['required']}，本轮推荐有效",
                   f"{counted}: at least {r['required']} of those expected, the round counts")
    return say(f"{counted}，未达到应到人数的{r['required']}，本轮推荐无效，须重新组织会议推荐",
               f"{counted}: below {r['required']} of those expected, the round does not count and is held again")


def tally(params, r, say: Say) -> str:
    meeting, share = params.get("meeting") or {}, r["exclusion_share"]
    base = r["denominator"]
    base_text = say(f"以{pick(DENOMINATOR_LABELS.get(base['basis']), False, base['basis'])}{base['value']}人为基数",
                    f"shares of {base['value']} {pick(DENOMINATOR_LABELS.get(base['basis']), True, base['basis'])}")
    rows = []
    for n in r["nominees"]:
        votes = say(f"{n['name']}{n['votes']}票", f"{n['name']} {n['votes']} votes")
        if n.get("percent") is not None:
            votes += say(f"（{n['percent']}%）", f" ({n['percent']}%)")
        if n.get("withdrawn"):
            rows.append(votes + say("——已退出，不参加排名", " — withdrawn, not ranked"))
            continue
        votes += say(f"，第{n['rank']}名", f", rank {n['rank']}")
        if n["excluded"]:
            cite = say(*ART_19) if share == "1/2" else ""
            votes += say(f"——低于{say.share(share)}，不列为考察对象{cite}",
                         f" — below {say.share(share)}, not a candidate for inspection{cite}")
        elif not n.get("within_ratio", True):
            votes += say(f"——排名在前{r['cutoff']}名之外", f" — ranked outside the top {r['cutoff']}")
        rows.append(votes)
    sentences = [say.parts(headcount(meeting["expected"], meeting["present"], say) if meeting else "", base_text)
                 + say("：", ": ") + say.parts(*rows)]
    if r.get("ties_at_cutoff"):
        sentences.append(say(f"{say.join(r['ties_at_cutoff'])}并列于第{r['cutoff']}名前后，均保留资格，由组织部负责人选择",
                             f"{say.join(r['ties_at_cutoff'])} are tied at the cut-off (top {r['cutoff']}): all stay "
                             "eligible, the head of department chooses"))
    if r.get("outcome") == "recommendation_failed":
        sentences.append(say(f"无人得票达到{say.share(share)}，推荐未产生人选", f"nobody reached {say.share(share)}: "
                             "the recommendation produced no candidate"))
    else:
        sentences.append(say(f"可列为考察对象（前{r['cutoff']}名以内且得票不低于{say.share(share)}）：",
                             f"eligible for inspection (top {r['cutoff']}, at least {say.share(share)}): ")
                         + say.join(r.get("eligible") or []))
    return say.sentences(*sentences)


REASONS = {
    "archive_review_failed": ("档案审核未通过", "archive review failed"),
    "personal_matters_failed": ("个人有关事项报告核查未通过", "personal matters report check failed"),
    "petition_substantiated": ("信访举报经核查属实", "a petition or report was substantiated"),
    "integrity_disqualifying": ("廉政意见为不宜任用", "the integrity opinion is disqualifying"),
    "not_recommended": ("考察结论为不建议任用", "the inspection does not recommend"),
    "missing_inspection": ("缺少考察记录", "no inspection recorded"),
    "missing_opinion": ("缺少廉政意见", "no integrity opinion recorded"),
}


def assessment(params, r, say: Say) -> str:
    ceiling, floor = r["incompetent_ceiling"], r["approval_floor"]
    rows = []
    for c in r["candidates"]:
        name = c["name"]
        if c.get("withdrawn"):
            rows.append(say(f"{name}：已退出", f"{name}: withdrawn"))
            continue
        votes = say(f"优秀和称职{c['approval']}，不称职{c['incompetent']}",
                    f"excellent and competent {c['approval']}, incompetent {c['incompetent']}") if c.get("total") else ""
        if c["disqualified"]:
            reasons = [pick(REASONS.get(x), say.english, x) for x in c["reasons"] if x != "incompetent_over_ceiling"]
            if "incompetent_over_ceiling" in c["reasons"]:
                reasons.append(say(f"不称职票{c['incompetent']}，超过{ceiling}", f"incompetent votes {c['incompetent']}, "
                                   f"above {ceiling}"))
            rows.append(say(f"{name}：不合格——", f"{name}: disqualified — ") + say.join(reasons))
        elif c.get("low_approval"):
            rows.append(say(f"{name}：合格，但优秀和称职{c['approval']}，低于{floor}，提名为拟任人选须说明理由",
                            f"{name}: qualified, but excellent and competent {c['approval']} is below {floor}: "
                            "proposing them needs a justification"))
        else:
            rows.append(say(f"{name}：合格", f"{name}: qualified") + (say(f"（{votes}）", f" ({votes})") if votes else ""))
    if r.get("outcome") == "no_qualified_candidate":
        closing = say("无合格人选", "no qualified candidate")
    else:
        closing = say("合格人选：", "qualified: ") + say.join(r.get("qualified") or [])
    return say.sentences(say.parts(*rows), closing)


def committee(params, r, say: Say) -> str:
    due, present = r["members_due"], r["members_present"]
    counted = say(f"应到会成员{due}人、实到{present}人", f"{due} members due, {present} present")
    head = say(f"第{r.get('round', 1)}轮：", f"round {r.get('round', 1)}: ")
    if not r["quorum"]:
        return say.end(head + say(f"{counted}，不足应到会成员的{r['quorum_required']}，会议不得作出决定，须重新研究",
                                  f"{counted}: fewer than {r['quorum_required']} of the members due, the meeting "
                                  "may not decide and meets again"))
    majority = say.share(r["approval_majority"])
    rows = []
    for v in r["results"]:
        votes = say(f"{v['name']}同意{v['agree']}票、不同意{v['disagree']}票、缓议{v['defer']}票",
                    f"{v['name']}: agree {v['agree']}, disagree {v['disagree']}, defer {v['defer']}")
        if v["approved"]:
            votes += say(f"——同意票超过应到会成员（{due}人）的{majority}，通过",
                         f" — agree votes above {majority} of the {due} members due: approved")
        elif v["deferred"]:
            votes += say("——缓议票最多，暂缓表决，留待下次会议讨论决定", " — defer has the most votes: postponed to the "
                         "next meeting")
        else:
            votes += say(f"——同意票未超过应到会成员（{due}人）的{majority}，未通过",
                         f" — agree votes not above {majority} of the {due} members due: not approved")
        rows.append(votes)
    closing = ""
    if r.get("outcome") == "not_approved":
        closing = say("拟任人选均未获通过", "no proposed appointee was approved")
    elif r.get("appointees"):
        closing = say("决定任用：", "to be appointed: ") + say.join(r["appointees"])
    return say.sentences(head + say(f"{counted}，达到{r['quorum_required']}，可以作出决定",
                                    f"{counted}, at least {r['quorum_required']}: the meeting may decide"),
                         say.parts(*rows), closing)


def publicity_window(params, r, say: Say) -> str:
    days = r["working_days"]
    text = say(f"任前公示{r['start']}至{r['end']}，共{len(days)}个工作日（{say.join(days)}），"
               f"期满时间{say.when(r['fires_at'])}",
               f"publicity from {r['start']} to {r['end']}, {len(days)} working days ({say.join(days)}), "
               f"over at {say.when(r['fires_at'])}")
    if r.get("appointees"):
        text = say(f"对{say.join(r['appointees'])}", f"for {say.join(r['appointees'])}: ") + text
    unverified = ""
    if r.get("calendar_unverified"):
        unverified = say(f"工作日历未覆盖{say.join(r.get('unverified_days') or [])}，已按周末推算，请核对",
                         f"the holiday calendar does not cover {say.join(r.get('unverified_days') or [])}: "
                         "weekends were assumed, please check")
    return say.sentences(text, unverified)


def publicity_status(params, r, say: Say) -> str:
    period = say(f"公示期{r['start']}至{r['end']}", f"publicity {r['start']} to {r['end']}")
    if r["status"] == "withdrawn":
        return say.end(say(f"{period}；第{say.join(r['serious_reports'])}件举报经核实问题严重，不予任用",
                           f"{period}; report no. {say.join(r['serious_reports'])} found serious: not appointed"))
    if r["status"] == "closed":
        return say.end(say(f"{period}已满，举报均已办结，可以任职",
                           f"{period} is over and every report is resolved: the appointment may proceed"))
    return say.end(say.parts(
        period + (say("，已满", " is over") if r["period_over"] else say("，尚在公示中", " is running")),
        say(f"尚有{r['open_reports']}件举报未办结", f"{r['open_reports']} report(s) unresolved") if r["open_reports"]
        else say("暂无待办结的举报", "no report unresolved"),
        say(f"第{r['next_report']}件举报交调查核实", f"report no. {r['next_report']} goes to investigation")
        if r.get("next_report") else "",
        say(f"下次核对：{say.when(r['next_wake'])}", f"next check: {say.when(r['next_wake'])}")))


def report_registration(params, r, say: Say) -> str:
    report = r[-1]
    kind = say.join([say("实名", "named") if report.get("named") else say("匿名", "anonymous"),
                     say("内容具体", "specific") if report.get("specific") else say("内容不具体", "not specific")])
    head = say(f"登记第{report['no']}件举报（{say.field('channel', report.get('channel'))}，{kind}）：",
               f"report no. {report['no']} registered ({say.field('channel', report.get('channel'))}, {kind}): ")
    then = (say("须调查核实", "to be investigated") if report.get("needs_investigation")
            else say("匿名且内容不具体，登记备查，不启动调查", "anonymous and not specific: recorded, not investigated"))
    return say.end(head + say.parts(report.get("summary") or "", then))


FINDINGS = {
    "unfounded": ("经核实不属实，不影响任用", "found unfounded: the appointment may proceed"),
    "minor": ("经核实问题轻微，不影响任用，已作提醒", "found minor: the appointment may proceed, a reminder is recorded"),
    "serious": ("经核实问题严重，不予任用", "found serious: not appointed"),
}


def finding_record(params, r, say: Say) -> str:
    number, finding = params["report_no"], params["finding"]["finding"]
    report = next((x for x in r if x.get("no") == number), {})
    head = say(f"第{number}件举报", f"report no. {number} ")
    if finding == "unverifiable":
        return say.end(head + say(f"暂无法核实，暂缓任用，最迟于{say.when(report.get('reopen_at'))}复查",
                                  f"cannot be verified yet: the appointment is deferred, re-investigated by "
                                  f"{say.when(report.get('reopen_at'))} at the latest"))
    return say.end(head + pick(FINDINGS.get(finding), say.english, say.choice(finding)))


def withdrawal(params, r, say: Say) -> str:
    request = params["withdraw"]
    return say.end(say(f"{request['name']}退出，此后各环节不再列入", f"{request['name']} withdrew and is left out of "
                       "every later step") + (say(f"（理由：{request['reason']}）", f" (reason: {request['reason']})")
                                              if request.get("reason") else ""))


def ranking(params, r, say: Say) -> str:
    exam, interview = say.decimal(r["exam_weight"]), say.decimal(r["interview_weight"])
    rows = [say(f"{s['name']}{s['composite']}分（笔试{s['exam']}、面试{s['interview']}），第{s['rank']}名",
                f"{s['name']} {s['composite']} (exam {s['exam']}, interview {s['interview']}), rank {s['rank']}")
            for s in r["scores"]]
    ties = r.get("ties_at_cutoff")
    return say.sentences(
        say(f"综合成绩＝笔试×{exam}＋面试×{interview}：", f"composite = exam × {exam} + interview × {interview}: ")
        + say.parts(*rows),
        say(f"进入考察范围（前{r['cutoff']}名）：", f"within the top {r['cutoff']} for inspection: ")
        + say.join(r["shortlist"]),
        say(f"{say.join(ties)}并列，均保留资格", f"{say.join(ties)} are tied at the cut-off: all stay eligible")
        if ties else "")


SERVICES = {
    "turnout_check": turnout,
    "recommendation_tally": tally,
    "candidate_assessment": assessment,
    "committee_tally": committee,
    "publicity_dates": publicity_window,
    "publicity_status": publicity_status,
    "report_registration": report_registration,
    "finding_record": finding_record,
    "withdrawal_record": withdrawal,
    "applicant_ranking": ranking,
}
