"""Messages and labels of the forms, in English and Chinese.

Every error a form reports is a *code* with parameters; `render(code, params, locale)` turns it
into text. The marshmallow fields of `base.py` carry codes instead of marshmallow's English
defaults, so the built-in messages (required, unknown field, not a valid integer ...) are
translated by the same table. A message that is not a code (should one slip through) is shown
as is, translated through `MARSHMALLOW_ZH` when it is one of marshmallow's defaults.
"""

from __future__ import annotations

# code -> (English, Chinese); `{name}` placeholders are filled from the error's parameters.
MESSAGES: dict[str, tuple[str, str]] = {
    # --- types and built-in checks ---------------------------------------------------------
    "required": ("This field is required.", "此项为必填项"),
    "null": ("This field may not be null.", "此项不能为 null"),
    "invalid": ("Invalid value.", "值无效"),
    "not_string": ("Not a valid string.", "不是有效的字符串"),
    "not_int": ("Not a valid integer.", "不是有效的整数"),
    "not_bool": ("Not a valid boolean (true or false).", "不是有效的布尔值（true 或 false）"),
    "not_date": ("Not a valid date (YYYY-MM-DD).", "不是有效的日期（格式为 YYYY-MM-DD）"),
    "not_list": ("Not a valid list.", "不是有效的列表"),
    "not_object": ("Not a valid object.", "不是有效的对象"),
    "unknown_field": ("Unknown field.", "未知字段"),
    "blank": ("May not be blank.", "不能为空"),
    "too_long": ("At most {max} characters.", "不能超过 {max} 个字符"),
    "min_value": ("Must be at least {min}.", "不能小于 {min}"),
    "one_of": ("Must be one of: {choices}.", "必须是以下之一：{choices}"),
    "min_items": ("At least {min} item(s) required.", "至少需要 {min} 项"),
    "must_be_true": ("Must be true.", "必须为 true"),
    "gender": ("Must be 男 or 女 (or male / female).", "必须是“男”或“女”（也可填 male / female）"),
    "score": ("A score from 0 to 100 with at most 2 decimals.", "成绩须为 0 至 100 之间的数，最多两位小数"),
    "blank_name": ("A name may not be blank.", "姓名不能为空"),
    "duplicate": ("{name} is listed more than once.", "{name} 重复填写"),
    # --- configuration and case state ------------------------------------------------------
    "bad_parameter": ("The procedure parameter {name} is invalid: {value}.", "流程参数 {name} 无效：{value}"),
    "missing_case_data": ("This step needs {what}, which the case does not have yet.",
                          "本环节需要{what_zh}，但案件中尚无该数据"),
    "no_prefilled_candidate": ("No candidate is pre-filled for this task.", "本任务未预置考察对象"),
    "candidate_mismatch": ("This task is about {expected}; the candidate may not be changed.",
                           "本任务的考察对象为 {expected}，不得更改"),
    "comment_required": ("A comment is required for this decision.", "作出该决定须填写意见"),
    # --- nomination and recommendation -----------------------------------------------------
    "too_few_nominees": ("At least {min} nominees are required ({posts} post(s) + {extra}; 差额提名).",
                         "被提名人至少 {min} 名（职数 {posts} 名，差额 {extra} 名）"),
    "not_a_nominee": ("{name} is not a nominee of this case.", "{name} 不是本案的被提名人"),
    "unknown_person": ("No person {id} in the registry.", "干部信息库中没有编号为 {id} 的人员"),
    "ambiguous_nominee": ("{name} names {count} nominees of this case ({keys}): say which one.",
                          "本案有 {count} 名被提名人名为 {name}（{keys}），请指明是哪一位"),
    "present_gt_expected": ("Present ({present}) may not exceed expected ({expected}).",
                            "实到人数（{present}）不能超过应到人数（{expected}）"),
    "issued_gt_present": ("Ballots issued ({issued}) may not exceed the number present ({present}).",
                          "发出票数（{issued}）不能超过实到人数（{present}）"),
    "round_void": ("More ballots were returned ({returned}) than issued ({issued}): this round of "
                   "recommendation is void and must be held again.",
                   "收回票数（{returned}）多于发出票数（{issued}），本轮推荐无效，须重新组织推荐"),
    "valid_gt_returned": ("Valid ballots ({valid}) may not exceed ballots returned ({returned}).",
                          "有效票数（{valid}）不能超过收回票数（{returned}）"),
    "votes_gt_valid": ("Votes ({votes}) may not exceed valid ballots ({valid}).",
                       "得票数（{votes}）不能超过有效票数（{valid}）"),
    "votes_over_cap": ("The votes total {total}, more than valid ballots × {k} = {cap} "
                       "(at most {k} mark(s) per ballot).",
                       "得票总数（{total}）超过有效票数 × {k} = {cap}（每张选票最多推荐 {k} 人）"),
    "mentions_gt_interviewed": ("Mentions ({count}) may not exceed the number interviewed ({interviewed}).",
                                "谈话推荐人次（{count}）不能超过谈话人数（{interviewed}）"),
    # --- candidates ------------------------------------------------------------------------
    "withdrawn": ("{name} has withdrawn.", "{name} 已退出"),
    "already_withdrawn": ("{name} has already withdrawn.", "{name} 已经退出"),
    "excluded_needs_override": (
        "{name} was excluded (votes below one half); choosing them requires an entry in overrides "
        "with a justification of at least {min} characters.",
        "{name} 得票未达半数已被排除，确定为考察对象须在例外说明（overrides）中说明理由，不少于 {min} 个字"),
    "outside_ratio_needs_override": (
        "{name} is ranked outside the top {limit}; choosing them requires an entry in overrides with a "
        "justification of at least {min} characters.",
        "{name} 排名在前 {limit} 名之外，确定为考察对象须在例外说明（overrides）中说明理由，不少于 {min} 个字"),
    "too_many_candidates": ("At most {max} candidates (inspection_ratio {ratio} × {posts} post(s)).",
                            "考察对象不得多于 {max} 名（考察比例 {ratio} × 职数 {posts}）"),
    "differential_required": (
        "{eligible} nominees are eligible for {posts} post(s): choose more candidates than posts (差额考察).",
        "符合条件的被提名人有 {eligible} 名、职数 {posts} 名，应当差额考察，考察对象须多于职数"),
    "single_reason_required": (
        "{count} candidate(s) for {posts} post(s): a reason for not inspecting more candidates is required.",
        "考察对象 {count} 名、职数 {posts} 名，未实行差额考察，须说明理由"),
    "override_not_candidate": ("{name} is not among the candidates.", "{name} 不在考察对象名单中"),
    "justification_too_short": ("At least {min} characters are required ({length} given).",
                                "理由不少于 {min} 个字（现为 {length} 个字）"),
    # --- inspection ------------------------------------------------------------------------
    "team_too_small": ("The inspection team needs at least {min} members.", "考察组成员不少于 {min} 人"),
    "team_without_actor": ("The submitting user {username} must be a member of the team.",
                           "提交人 {username} 须为考察组成员"),
    "leader_not_in_team": ("The leader must be a member of the team.", "组长须为考察组成员"),
    "evaluation_empty": ("The democratic evaluation has no votes.", "民主测评票数不能全部为零"),
    # --- deliberation and decision ---------------------------------------------------------
    "wrong_count_proposed": ("Propose exactly {count} name(s).", "拟任人选须为 {count} 名"),
    "not_qualified": ("{name} is not a qualified candidate (see the assessment).",
                      "{name} 不是经考察合格的人选"),
    "not_deferred": ("{name} was not deferred; a repeated round proposes only the deferred names: {names}.",
                     "{name} 不是缓议人选；再次研究只提出缓议人选：{names}"),
    "flagged_needs_justification": (
        "{name} was flagged (low approval in the democratic evaluation): a justification of at least "
        "{min} characters is required.",
        "{name} 民主测评认可度偏低，须说明理由，不少于 {min} 个字"),
    "not_proposed": ("{name} is not proposed.", "{name} 不在拟任人选中"),
    "present_gt_due": ("Members present ({present}) may not exceed members due ({due}).",
                       "实到会成员数（{present}）不能超过应到会成员数（{due}）"),
    "recused_gt_due": ("More members recused ({count}) than are due ({due}).",
                       "回避成员数（{count}）超过应到会成员数（{due}）"),
    "principal_last": ("The principal leader must state their view last: this must be true.",
                       "主要负责同志应当最后表态，此项须为 true"),
    "results_sum": ("agree + disagree + defer = {total}, more than the members present ({present}).",
                    "同意、不同意、缓议之和（{total}）超过实到会成员数（{present}）"),
    "not_up_for_decision": ("{name} is not up for decision in this meeting.", "{name} 不是本次会议讨论决定的人选"),
    "results_missing": ("Results are missing for: {names}.", "缺少以下人选的表决结果：{names}"),
    # --- competitive selection -------------------------------------------------------------
    "too_few_applicants": ("At least {min} applicants are required ({posts} post(s) + {extra}).",
                           "报名人数至少 {min} 名（职数 {posts} 名，差额 {extra} 名）"),
    "not_an_applicant": ("{name} is not an applicant.", "{name} 不是报名人"),
    "decided_twice": ("{name} is decided more than once.", "{name} 的资格审查结论重复"),
    "undecided": ("No eligibility decision for: {names}.", "以下报名人未作资格审查结论：{names}"),
    "not_eligible": ("{name} did not pass the eligibility review.", "{name} 未通过资格审查"),
    "scores_missing": ("Scores are missing for: {names}.", "缺少以下人员的成绩：{names}"),
    "evaluations_missing": ("Evaluations are missing for: {names}.", "缺少以下人员的民主测评：{names}"),
    # --- summaries -------------------------------------------------------------------------
    "form_invalid": ("{title}: the form is invalid: {details}", "{title}：表单校验未通过：{details}"),
}

# What a missing case-data key is called, for "missing_case_data".
CASE_DATA_ZH = {
    "nominees": "提名名单",
    "the tally": "推荐计票结果",
    "the assessment": "考察综合评价结果",
    "the proposal": "酝酿确定的拟任人选",
    "the applicants": "报名名单",
    "the eligibility review": "资格审查结果",
}

# marshmallow's own English defaults, for any message that did not come as a code
MARSHMALLOW_ZH = {
    "Missing data for required field.": "此项为必填项",
    "Field may not be null.": "此项不能为 null",
    "Invalid value.": "值无效",
    "Not a valid string.": "不是有效的字符串",
    "Not a valid utf-8 string.": "不是有效的 UTF-8 字符串",
    "Not a valid integer.": "不是有效的整数",
    "Not a valid number.": "不是有效的数字",
    "Number too large.": "数值过大",
    "Not a valid boolean.": "不是有效的布尔值",
    "Not a valid date.": "不是有效的日期",
    "Not a valid list.": "不是有效的列表",
    "Not a valid mapping type.": "不是有效的对象",
    "Invalid type.": "类型无效",
    "Invalid input type.": "输入类型无效",
    "Unknown field.": "未知字段",
}

# field name -> (Chinese, English); a field may override with metadata={"label": (zh, en)}
LABELS: dict[str, tuple[str, str]] = {
    "position": ("职位", "Position"),
    "unit": ("单位", "Unit"),
    "post_count": ("职数", "Number of posts"),
    "rank": ("职级", "Rank"),
    "reason": ("理由", "Reason"),
    "decision": ("决定", "Decision"),
    "comment": ("意见", "Comment"),
    "nominees": ("被提名人", "Nominees"),
    "name": ("姓名", "Name"),
    "gender": ("性别", "Gender"),
    "birth_date": ("出生日期", "Date of birth"),
    "current_post": ("现任职务", "Current post"),
    "meeting_date": ("会议日期", "Meeting date"),
    "expected": ("应到人数", "Expected attendance"),
    "present": ("实到人数", "Present"),
    "ballots_issued": ("发出票数", "Ballots issued"),
    "ballots_returned": ("收回票数", "Ballots returned"),
    "valid_ballots": ("有效票数", "Valid ballots"),
    "votes": ("得票", "Votes"),
    "interviewed": ("谈话人数", "People interviewed"),
    "mentions": ("谈话推荐人次", "Mentions"),
    "summary": ("情况摘要", "Summary"),
    "candidates": ("考察对象", "Candidates"),
    "overrides": ("例外说明", "Overrides"),
    "justification": ("理由说明", "Justification"),
    "single_candidate_reason": ("未差额考察的理由", "Reason for not inspecting more candidates than posts"),
    "candidate": ("考察对象", "Candidate"),
    "team": ("考察组成员", "Inspection team"),
    "leader": ("考察组组长", "Team leader"),
    "archive_review": ("档案审核", "Archive review"),
    "personal_matters": ("个人有关事项报告核查", "Personal matters report check"),
    "petition_check": ("信访举报核查", "Petition and report check"),
    "evaluation": ("民主测评", "Democratic evaluation"),
    "excellent": ("优秀", "Excellent"),
    "competent": ("称职", "Competent"),
    "basically_competent": ("基本称职", "Basically competent"),
    "incompetent": ("不称职", "Incompetent"),
    "findings": ("考察情况", "Findings"),
    "conclusion": ("考察结论", "Conclusion"),
    "opinion": ("廉政意见", "Integrity opinion"),
    "proposed": ("拟任人选", "Proposed appointees"),
    "consulted": ("酝酿征求意见对象", "Consulted"),
    "justifications": ("理由说明", "Justifications"),
    "members_due": ("应到会成员数", "Members due"),
    "members_present": ("实到会成员数", "Members present"),
    "recused": ("回避成员", "Recused members"),
    "principal_spoke_last": ("主要负责同志最后表态", "Principal leader spoke last"),
    "results": ("表决结果", "Results"),
    "agree": ("同意", "Agree"),
    "disagree": ("不同意", "Disagree"),
    "defer": ("缓议", "Defer"),
    "finding": ("核查结论", "Finding"),
    "notice_number": ("任职通知文号", "Notice number"),
    "effective_date": ("任职生效日期", "Effective date"),
    "talk_by": ("任职谈话人", "Appointment talk held by"),
    "probation": ("试用期", "Probation"),
    "result": ("考核结果", "Result"),
    "channel": ("举报渠道", "Channel"),
    "named": ("实名举报", "Named"),
    "specific": ("内容具体", "Specific"),
    "username": ("用户名", "Username"),
    "nominee": ("被提名人", "Nominee"),
    "relation": ("亲属关系", "Relation"),
    "requirements": ("任职条件", "Requirements"),
    "deadline": ("报名截止日期", "Registration deadline"),
    "applicants": ("报名人", "Applicants"),
    "eligible": ("资格审查通过人员", "Eligible applicants"),
    "rejected": ("资格审查未通过人员", "Rejected applicants"),
    "scores": ("成绩", "Scores"),
    "evaluations": ("民主测评", "Democratic evaluations"),
}


# the label of each choice value (zh, en)
CHOICES: dict[str, tuple[str, str]] = {
    "approve": ("同意", "approve"), "reject": ("不同意", "reject"),
    "男": ("男", "male"), "女": ("女", "female"), "male": ("男", "male"), "female": ("女", "female"),
    "pass": ("通过", "pass"), "fail": ("未通过", "fail"),
    "none": ("无", "none"), "unfounded": ("不属实", "unfounded"), "substantiated": ("属实", "substantiated"),
    "recommend": ("建议任用", "recommend"), "not_recommend": ("不建议任用", "do not recommend"),
    "clear": ("无问题", "clear"), "concerns": ("有问题需关注", "concerns"), "disqualifying": ("不宜任用", "disqualifying"),
    "minor": ("问题轻微", "minor"), "serious": ("问题严重", "serious"), "unverifiable": ("暂无法核实", "unverifiable"),
    "competent": ("称职", "competent"), "not_competent": ("不称职", "not competent"),
    "spouse": ("夫妻关系", "spouse"), "lineal": ("直系血亲", "lineal blood relative"),
    "collateral": ("三代以内旁系血亲", "collateral within three generations"), "in_law": ("近姻亲", "close in-law"),
}


def _merge_registry() -> None:
    """The registry's codes and labels (workflows/registry/messages.py); existing entries win."""
    from workflows.registry import messages

    for table, extra in ((MESSAGES, messages.MESSAGES), (LABELS, messages.LABELS), (CHOICES, messages.CHOICES)):
        for key, value in extra.items():
            table.setdefault(key, value)


_merge_registry()


def is_english(locale: str | None) -> bool:
    return (locale or "zh-CN").lower().startswith("en")


def render(code: str, params: dict, locale: str | None) -> str:
    """The text of one error in `locale` (English if it starts with "en", else Chinese)."""
    english = is_english(locale)
    if code not in MESSAGES:  # not a code: a literal message
        return code if english else MARSHMALLOW_ZH.get(code, code)
    template = MESSAGES[code][0 if english else 1]
    values = {k: _text(v, english) for k, v in params.items()}
    if code == "missing_case_data":
        values["what_zh"] = CASE_DATA_ZH.get(params.get("what", ""), params.get("what", ""))
    return template.format(**values)


def _text(value, english: bool) -> str:
    if isinstance(value, list | tuple):
        return (", " if english else "、").join(str(v) for v in value)
    return str(value)
