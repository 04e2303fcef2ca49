"""What people call the domain's codes: roles, outcomes, subjects and procedure parameters, in Chinese and English.

The web pages, the responsibility record and its exports read these tables; each value is (zh, en).
"""

from __future__ import annotations

from .params import DEFAULTS

ROLE_LABELS = {
    "clerk": ("干部科经办人", "Clerk"), "org_head": ("组织部负责人", "Head of department"),
    "inspector": ("考察组成员", "Inspector"), "discipline": ("纪检监察", "Discipline"),
    "committee_secretary": ("党委会议记录人", "Committee secretary"), "auditor": ("监督检查", "Auditor"),
    "editor": ("流程设计", "BPMN editor"), "admin": ("系统管理员", "Administrator"), "system": ("系统", "System"),
}
OUTCOME_LABELS = {
    "appointed": ("已任职", "appointed"), "motion_rejected": ("动议未通过", "motion rejected"),
    "nobody_qualified": ("无人通过资格审查", "nobody qualified"),
    "recommendation_failed": ("推荐未产生人选", "recommendation failed"),
    "no_qualified_candidate": ("无合格人选", "no qualified candidate"), "not_approved": ("未获通过", "not approved"),
    "withdrawn_after_publicity": ("公示后不予任用", "withdrawn after publicity"),
    "probation_failed": ("试用期不称职", "probation failed"), "terminated": ("已终止", "terminated"),
}
# Where the people a task is about come from (a user task's `subject` property; policies.py)
SUBJECT_LABELS = {
    "candidate": ("本实例的考察对象", "this instance's candidate"),
    "appointees": ("拟任人选", "the appointees"),
    "proposed": ("本轮表决的人选", "those voted on this round"),
}
PARAMETER_LABELS = {
    "min_extra_nominees": ("差额提名：被提名人至少多于职数", "Nominees beyond the posts, at least"),
    "ballot_max_choices": ("每张选票最多推荐人数", "Marks per ballot, at most"),
    "recommendation_turnout": ("会议推荐有效的到会比例（不低于）", "Recommendation turnout, at least"),
    "exclusion_denominator": ("推荐得票比例的基数", "Base of the vote share"),
    "exclusion_share": ("得票低于此比例不列为考察对象", "Not inspected below this vote share"),
    "recommendation_ratio": ("考察对象一般在前几名内（职数的倍数）", "Candidates ranked within (× posts)"),
    "inspection_ratio": ("考察对象人数上限（职数的倍数）", "Candidates at most (× posts)"),
    "override_min_justification": ("例外说明最少字数", "Justification of an exception, characters at least"),
    "min_inspection_team": ("考察组最少人数", "Inspection team, members at least"),
    "incompetent_ceiling": ("不称职票超过此比例即不合格", "Disqualified above this share of incompetent votes"),
    "approval_floor": ("优秀和称职票低于此比例须说明理由", "Flagged below this share of excellent and competent"),
    "decision_quorum": ("讨论决定的到会比例（不低于）", "Committee quorum, at least"),
    "approval_majority": ("同意票须超过应到会成员的比例", "Approval: agree votes above this share of members due"),
    "publicity_working_days": ("任前公示工作日数", "Publicity period, working days"),
    "deferral_months": ("暂缓任用后复查期限（月）", "Re-investigation after a deferral, months"),
    "probation_months": ("试用期（月）", "Probation, months"),
    "exam_weight": ("笔试成绩权重", "Weight of the written exam"),
    "interview_weight": ("面试成绩权重", "Weight of the interview"),
    "min_work_years": ("资格审查：参加工作最少年限（按职级）", "Qualification: years since starting work (per level)"),
    "min_grassroots_years": ("资格审查：基层工作经历最少年限（按职级）", "Qualification: years of grassroots posts (per level)"),
    "min_posts_below": ("资格审查：下一级职位最少个数（按职级）", "Qualification: posts at the level below (per level)"),
    "min_years_in_lower_post": ("资格审查：下级职务任职最少年限（按职级）", "Qualification: years in the lower post (per level)"),
    "min_education": ("资格审查：最低学历（按职级）", "Qualification: education at least (per level)"),
    "training_within_years": ("资格审查：培训完成期限（年，按职级）", "Qualification: training within years (per level)"),
    "max_age": ("资格审查：最高年龄（按职级）", "Qualification: maximum age (per level)"),
    "appraisal_years": ("资格审查：查看年度考核的年数", "Qualification: years of appraisals checked"),
    "sanction_effect_months": ("资格审查：处分影响期（月）", "Qualification: effect period of sanctions, months"),
}
DENOMINATOR_LABELS = {"present": ("实到人数", "people present"), "valid_ballots": ("有效票数", "valid ballots"),
                      "expected": ("应到人数", "people expected")}


def pick(pair: tuple[str, str] | None, english: bool, default: str = "") -> str:
    return (pair[1] if english else pair[0]) if pair else default


def describe_parameters(parameters: dict, locale: str) -> list[dict]:
    """The parameters a case started with, in the order of domain.md's table, each with its label
    (a parameter the procedure adds of its own keeps its name as label)."""
    english = locale.startswith("en")
    order = {name: i for i, name in enumerate(DEFAULTS)}
    described = []
    for name in sorted(parameters, key=lambda n: (order.get(n, len(order)), n)):
        value = parameters[name]
        if value is None:
            text = "不限" if not english else "no limit"
        elif name == "exclusion_denominator":
            text = pick(DENOMINATOR_LABELS.get(value), english, str(value))
        else:
            text = str(value)
        described.append({"name": name, "label": pick(PARAMETER_LABELS.get(name), english, name), "value": text})
    return described
