"""The words of the choice lists (workflows/forms/choices.py): column heads, statuses and the
limits stated above the options, in Chinese and English."""

from __future__ import annotations

from collections.abc import Callable

from .i18n import is_english

TEXTS: dict[str, tuple[str, str]] = {
    # column heads
    "col_votes": ("得票", "Votes"),
    "col_share": ("得票率", "Share"),
    "col_rank": ("名次", "Rank"),
    "col_mentions": ("谈话推荐", "Mentions"),
    "col_exam": ("笔试", "Exam"),
    "col_interview": ("面试", "Interview"),
    "col_composite": ("综合成绩", "Composite"),
    "col_status": ("情况", "Status"),
    "col_approval": ("民主测评认可", "Approval"),
    "col_opinion": ("廉政意见", "Integrity opinion"),
    "col_username": ("用户名", "User name"),
    # what an option is
    "status_eligible": ("可列为考察对象", "eligible"),
    "status_excluded": ("得票低于{share}，已排除", "excluded: votes below {share}"),
    "status_outside_ratio": ("名次在推荐比例之外", "ranked outside the ratio"),
    "status_tied": ("并列于截止名次，可列为考察对象", "tied at the cut-off: eligible"),
    "status_withdrawn": ("已退出", "withdrawn"),
    "status_qualified": ("考察合格", "qualified"),
    "status_low_approval": ("民主测评认可度偏低", "low approval"),
    "status_disqualified": ("不合格", "disqualified"),
    "because": ("：{reasons}", ": {reasons}"),
    "reason_archive_review_failed": ("档案审核未通过", "archive review failed"),
    "reason_personal_matters_failed": ("个人有关事项核查未通过", "personal matters check failed"),
    "reason_petition_substantiated": ("信访举报属实", "petition substantiated"),
    "reason_integrity_disqualifying": ("廉政意见为不宜任用", "integrity opinion disqualifying"),
    "reason_not_recommended": ("考察组不建议任用", "not recommended by the inspection"),
    "reason_incompetent_over_ceiling": ("不称职票超过限度", "incompetent votes over the ceiling"),
    "reason_missing_inspection": ("缺少考察记录", "no inspection recorded"),
    "reason_missing_opinion": ("缺少廉政意见", "no integrity opinion"),
    "reason_withdrawn": ("已退出", "withdrawn"),
    # what choosing it needs
    "needs_override_excluded": ("得票低于{share}：列为考察对象须说明理由，不少于 {min} 个字",
                                "votes below {share}: choosing them needs a justification of at least {min} characters"),
    "needs_override_outside_ratio": ("名次在前 {limit} 名之外：列为考察对象须说明理由，不少于 {min} 个字",
                             "ranked outside the top {limit}: choosing them needs a justification of at least "
                             "{min} characters"),
    "needs_justification_flagged": ("民主测评认可度低于 {floor}：提名须说明理由，不少于 {min} 个字",
                                    "approval below {floor}: proposing them needs a justification of at least "
                                    "{min} characters"),
    "needs_rejection_reason": ("未通过资格审查的，须写明理由", "not eligible: say why"),
    # the limits, stated above the options
    "at_most": ("考察对象不多于 {max} 名（考察比例 {ratio} × 职数 {posts}）",
                "At most {max} candidates (inspection ratio {ratio} × {posts} post(s))."),
    "within_cutoff": ("一般从得票不低于{share}、名次在前 {limit} 名（含并列）的人选中确定；其他人选须逐一说明理由，"
                      "不少于 {min} 个字",
                      "Normally chosen among those with votes of at least {share}, ranked within the top {limit} "
                      "(ties included); anyone else needs a justification of at least {min} characters."),
    "within_ranking": ("一般从名次在前 {limit} 名（含并列）的人选中确定；其他人选须逐一说明理由，不少于 {min} 个字",
                       "Normally chosen among those ranked within the top {limit} (ties included); anyone else "
                       "needs a justification of at least {min} characters."),
    "half": ("半数", "one half"),
    "tied": ("{names}并列于截止名次，均可列为考察对象，由你决定", "{names} are tied at the cut-off: all are eligible, "
             "the choice is yours."),
    "differential": ("符合条件的有 {eligible} 名，多于职数 {posts} 名：应当差额考察，至少确定 {least} 名",
                     "{eligible} are eligible for {posts} post(s): inspect more candidates than posts "
                     "(at least {least})."),
    "single": ("符合条件的只有 {eligible} 名，不多于职数 {posts} 名：可不差额考察，但须说明理由",
               "Only {eligible} eligible for {posts} post(s): you may inspect no more than posts, with a reason."),
    "propose_count": ("确定拟任人选 {count} 名（职数 {posts} 名）", "Propose {count} name(s) ({posts} post(s))."),
    "repeat_round": ("再次讨论决定：{names}", "Repeated round, to decide: {names}"),
    "team_rule": ("考察组不少于 {min} 人，须包括你本人", "At least {min} members, including you."),
    "recused_left_out": ("{names}已申报与{candidate}的亲属关系，应当回避，未列出",
                         "{names} declared a relation to {candidate} and must recuse: not offered."),
    "eligibility_rule": ("勾选的报名人通过资格审查；取消勾选未通过的，并逐一写明理由",
                         "Ticked applicants are eligible; untick those who are not and say why for each."),
}


def text(locale: str | None) -> Callable[..., str]:
    """`t = text(locale); t("at_most", max=4, ...)`: one text in the locale's language."""
    english = is_english(locale)

    def t(key: str, default: str | None = None, **params) -> str:
        if key not in TEXTS and default is not None:  # a code this table does not know yet
            return default
        return TEXTS[key][1 if english else 0].format(**params)

    return t
