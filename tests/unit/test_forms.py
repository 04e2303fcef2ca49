"""The forms of workflows/forms: cleaned output, every validation of domain.md, both locales, JSON Schema."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.actors import Actor
from engine.errors import ValidationFailed
from engine.registry import FormContext
from workflows.forms import FORM_NAMES, FORMS, json_schema
from workflows.registry.confirm import attest

CLERK = Actor("clerk1", "干部科经办人", frozenset({"clerk"}))
INSPECTOR = Actor("inspector1", "考察组成员一", frozenset({"inspector"}))

NOMINEES = ["张三", "李四", "王五", "赵六"]
CASE = {"position": "局长", "unit": "区发改局", "post_count": 1, "rank": "正科级", "reason": "职位空缺",
        "nominate": {"nominees": [{"name": n, "gender": "男", "birth_date": "1980-01-01", "current_post": "副局长",
                                   "unit": "区发改局"} for n in NOMINEES]}}


def ctx(case_data: dict | None = None, *, prefill: dict | None = None, parameters: dict | None = None,
        actor: Actor = CLERK, role: str = "clerk", locale: str = "zh-CN") -> FormContext:
    return FormContext(7, "task", CASE if case_data is None else case_data, prefill or {}, parameters or {},
                       actor, role, locale)


def refused(form: str, data, context: FormContext) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        FORMS[form](data, context)
    return info.value


def assert_refused(form: str, data, path: str, zh: str, en: str, **context) -> ValidationFailed:
    """Refused with a message at `path` containing `zh` (default locale) and `en` (locale "en")."""
    error = refused(form, data, ctx(**context))
    assert path in error.fields, error.fields
    assert zh in error.fields[path], error.fields[path]
    assert zh in error.message_zh
    english = refused(form, data, ctx(**context, locale="en"))
    assert en in english.fields[path], english.fields[path]
    assert en in english.message
    return error


def with_(data: dict, **changes) -> dict:
    return {**copy.deepcopy(data), **changes}


# --- valid submissions of every form, and their exact cleaned output -----------------------------------

PERSON = {"name": "张三", "gender": "男", "birth_date": "1980-05-06", "current_post": "副局长", "unit": "区发改局"}
TALLY = {"nominees": [
    {"name": "张三", "votes": 30, "excluded": False, "rank": 1, "within_ratio": True, "eligible": True, "withdrawn": False},
    {"name": "李四", "votes": 25, "excluded": False, "rank": 2, "within_ratio": True, "eligible": True, "withdrawn": False},
    {"name": "王五", "votes": 10, "excluded": True, "rank": 3, "within_ratio": True, "eligible": False, "withdrawn": False},
    {"name": "赵六", "votes": 20, "excluded": False, "rank": 4, "within_ratio": False, "eligible": False, "withdrawn": False},
], "eligible": ["张三", "李四"], "cutoff": 3}
CONFIRM_CASE = {**CASE, "tally": TALLY}
EVALUATION = {"excellent": 20, "competent": 8, "basically_competent": 2, "incompetent": 0}
INSPECTION = {"team": ["inspector1", "inspector2"], "leader": "inspector2", "archive_review": "pass",
              "personal_matters": "pass", "petition_check": "none", "evaluation": EVALUATION,
              "findings": "政治素质好，工作实绩突出；不足：创新意识有待加强。", "conclusion": "recommend"}
DELIBERATION_CASE = {**CASE, "assessment": {"qualified": ["张三", "李四"], "flagged": ["李四"]}}
DECISION_CASE = {**CASE, "deliberation": {"proposed": ["张三"], "consulted": ["区委书记"], "justifications": {}}}
COMMITTEE = {"meeting_date": "2026-04-10", "members_due": 9, "members_present": 7, "recused": ["钱七"],
             "principal_spoke_last": True, "results": {"张三": {"agree": 6, "disagree": 1, "defer": 0}}}
APPLICANTS = ["甲", "乙", "丙", "丁"]
REGISTERED = {"announcement": {"position": "科长", "unit": "区财政局", "post_count": 1, "requirements": "本科以上学历",
                               "deadline": "2026-05-01"},
              "registration": {"applicants": [{**PERSON, "name": n} for n in APPLICANTS]}}
REVIEWED = {**REGISTERED, "eligibility_review": {"eligible": ["甲", "乙", "丙"],
                                                 "rejected": [{"name": "丁", "reason": "年龄不符合条件"}]}}

# form -> (input, context kwargs, cleaned output)
VALID = {
    "case_start": (
        {"position": "局长", "unit": "区发改局", "rank": "正科级", "reason": " 职位空缺 "}, {"case_data": {}},
        {"position": "局长", "unit": "区发改局", "post_count": 1, "rank": "正科级", "reason": "职位空缺"}),
    "approve_motion": (
        {"decision": "approve"}, {}, {"decision": "approve", "comment": ""}),
    "nominate": (
        {"nominees": [PERSON, {**PERSON, "name": " 李四 ", "gender": "female", "birth_date": "1982-11-30"}]},
        {"case_data": {"post_count": 1}},
        {"nominees": [PERSON, {**PERSON, "name": "李四", "gender": "女", "birth_date": "1982-11-30"}]}),
    "meeting_recommendation": (
        {"meeting_date": "2026-03-20", "expected": 45, "present": 40, "ballots_issued": 40, "ballots_returned": 40,
         "valid_ballots": 39, "votes": {"李四": 25, "张三": 30}}, {},
        {"meeting_date": "2026-03-20", "expected": 45, "present": 40, "ballots_issued": 40, "ballots_returned": 40,
         "valid_ballots": 39, "votes": {"张三": 30, "李四": 25, "王五": 0, "赵六": 0}}),
    "talk_recommendation": (
        {"interviewed": 30, "mentions": {"张三": 18}, "summary": "多数谈话对象推荐张三。"}, {},
        {"interviewed": 30, "mentions": {"张三": 18}, "summary": "多数谈话对象推荐张三。"}),
    "confirm_candidates": (
        {"candidates": ["张三", "李四"]}, {"case_data": CONFIRM_CASE},
        {"candidates": ["张三", "李四"], "overrides": [], "single_candidate_reason": "", "comment": ""}),
    "inspection": (
        INSPECTION, {"prefill": {"candidate": "张三"}, "actor": INSPECTOR, "role": "inspector"},
        {"candidate": "张三", **INSPECTION}),
    "integrity_opinion": (
        {"opinion": "clear"}, {"prefill": {"candidate": "张三"}, "role": "discipline"},
        {"candidate": "张三", "opinion": "clear", "comment": ""}),
    "deliberation": (
        {"proposed": ["张三"], "consulted": ["区委书记", "区长"]}, {"case_data": DELIBERATION_CASE},
        {"proposed": ["张三"], "consulted": ["区委书记", "区长"], "justifications": {}}),
    "committee_decision": (COMMITTEE, {"case_data": DECISION_CASE}, COMMITTEE),
    "investigate_report": (
        {"finding": "unfounded", "summary": "经核查，反映问题不属实。"}, {},
        {"finding": "unfounded", "summary": "经核查，反映问题不属实。"}),
    "appoint": (
        {"notice_number": "区委干〔2026〕12号", "effective_date": "2026-05-06", "talk_by": "组织部部长",
         "probation": True}, {},
        {"notice_number": "区委干〔2026〕12号", "effective_date": "2026-05-06", "talk_by": "组织部部长",
         "probation": True}),
    "probation_review": (
        {"result": "competent", "comment": "试用期表现良好"}, {}, {"result": "competent", "comment": "试用期表现良好"}),
    "publicity_report": (
        {"channel": "来信", "named": False, "specific": True, "summary": "反映其违规收受礼金"}, {},
        {"channel": "来信", "named": False, "specific": True, "summary": "反映其违规收受礼金"}),
    "withdraw": ({"name": "王五", "reason": "本人申请退出"}, {}, {"name": "王五", "reason": "本人申请退出"}),
    "declaration": (
        {"username": "inspector2", "nominee": "张三", "relation": "spouse"}, {},
        {"username": "inspector2", "nominee": "张三", "relation": "spouse"}),
    "announcement": (
        {"position": "科长", "unit": "区财政局", "post_count": 2, "requirements": "本科以上学历", "deadline": "2026-05-01"},
        {"case_data": {}},
        {"position": "科长", "unit": "区财政局", "post_count": 2, "requirements": "本科以上学历", "deadline": "2026-05-01"}),
    "registration": (
        {"applicants": [{**PERSON, "name": "甲"}, {**PERSON, "name": "乙", "gender": "male"}]},
        {"case_data": {"announcement": {"post_count": 1}}},
        {"applicants": [{**PERSON, "name": "甲"}, {**PERSON, "name": "乙", "gender": "男"}]}),
    "eligibility_review": (
        {"eligible": ["甲", "乙", "丙"], "rejected": [{"name": "丁", "reason": "年龄不符合条件"}]},
        {"case_data": REGISTERED},
        {"eligible": ["甲", "乙", "丙"], "rejected": [{"name": "丁", "reason": "年龄不符合条件"}]}),
    "exam_scores": (
        {"scores": {"甲": 85.5, "乙": "90.25", "丙": 100}}, {"case_data": REVIEWED},
        {"scores": {"甲": "85.5", "乙": "90.25", "丙": "100"}}),
    "interview_scores": (
        {"scores": {"甲": "78.50", "乙": 0, "丙": "66"}}, {"case_data": REVIEWED},
        {"scores": {"甲": "78.5", "乙": "0", "丙": "66"}}),
    "competitive_evaluation": (
        {"evaluations": {n: EVALUATION for n in ("甲", "乙", "丙")}}, {"case_data": REVIEWED},
        {"evaluations": {n: EVALUATION for n in ("甲", "乙", "丙")}}),
}


# --- the qualification review, 破格 and the consent (a 县处级正职 post, started 2026-03-02) --------------------


def _reviewed_case() -> tuple[dict, dict]:
    from workflows.nominees import record_of
    from workflows.registry.qualification import review

    posts = [{"unit": "某镇", "title": "镇长", "level": "township_chief", "start": "2012-01-01", "end": "2018-01-01",
              "grassroots": True},
             {"unit": "某乡", "title": "副乡长", "level": "township_deputy", "start": "2008-01-01",
              "end": "2012-01-01", "grassroots": True},
             {"unit": "区发改委", "title": "副主任", "level": "county_deputy", "start": "2018-01-01"}]
    record = {"name": "甲", "gender": "男", "birth_date": "1978-05-01", "work_start_date": "2022-01-01",
              "education": [{"kind": "full_time", "level": "bachelor"}], "posts": posts,
              "training": [{"name": "培训班", "end": "2024-06-30"}]}
    nominee = {"person_id": 1, "name": "甲", "gender": "男", "birth_date": "1978-05-01", "current_post": "副主任",
               "unit": "区发改委", "record": record}
    computed = review([record_of(nominee)], "county_chief", "2026-03-02", {})
    return nominee, computed


NOMINEE, COMPUTED = _reviewed_case()
ATTESTED = [{"person_id": 1, "rule": "appraisal", "note": "档案记载 2025 年度称职"},
            {"person_id": "甲", "rule": "family_abroad", "note": "配偶在国内工作"}]
REVIEWED_CASE = {"rank": "正处级", "started_at": "2026-03-02T01:00:00Z", "nominate": {"nominees": [NOMINEE]},
                 "qualification_review": {"qualification": attest(COMPUTED, ATTESTED, "clerk1")[0]}}
GROUND = "在脱贫攻坚任务中经受住考验，表现突出，作出重大贡献，群众公认度高"
VALID.update({
    "qualification_review": (
        {"attested": ATTESTED}, {"prefill": {"qualification": COMPUTED}},
        {"attested": ATTESTED, "comment": "", "qualification": attest(COMPUTED, ATTESTED, "clerk1")[0]}),
    "exceptional_promotion": (
        {"person_id": 1, "ground": "critical_tasks", "justification": GROUND, "rules": ["work_years"]},
        {"case_data": REVIEWED_CASE, "prefill": {"candidate": {"person_id": 1, "name": "甲", "rules": ["work_years"]}},
         "actor": Actor("orghead1", "组织部负责人", frozenset({"org_head"})), "role": "org_head"},
        {"person_id": 1, "name": "甲", "declined": False, "ground": "critical_tasks", "justification": GROUND,
         "rules": ["work_years"], "comment": ""}),
    "higher_consent": (
        {"document_number": "市委组字〔2026〕12号", "date": "2026-03-05"}, {},
        {"document_number": "市委组字〔2026〕12号", "date": "2026-03-05"}),
})


def test_the_computed_review_needs_attestation_and_fails_work_years():
    verdicts = {c["rule"]: c["verdict"] for c in COMPUTED["nominees"][0]["checks"]}
    assert (verdicts["work_years"], verdicts["appraisal"], verdicts["family_abroad"]) == ("fail", "missing", "missing")
    assert FORMS["qualification_review"]({}, ctx(prefill={"qualification": COMPUTED}))["attested"] == []


def test_exceptional_promotion_refusals_name_their_fields():
    _, context, _ = VALID["exceptional_promotion"]
    base = {"person_id": 1, "ground": "critical_tasks", "justification": GROUND, "rules": ["work_years"]}
    assert_refused("exceptional_promotion", with_(base, rules=["education"]), "rules.0", "不得破格",
                   "may not be waived", **context)
    assert_refused("exceptional_promotion", with_(base, justification="理由太短"), "justification", "20",
                   "20", **context)
    assert_refused("exceptional_promotion", with_(base, person_id=2), "person_id", "甲", "甲", **context)
    assert_refused("exceptional_promotion", with_(base, ground=None), "ground", "必填", "required", **context)
    declined = FORMS["exceptional_promotion"]({"person_id": "甲", "declined": True}, ctx(**context))
    assert declined == {"person_id": 1, "name": "甲", "declined": True, "comment": ""}

def test_every_form_has_a_valid_case():
    assert set(VALID) == set(FORM_NAMES) == set(FORMS)


@pytest.mark.parametrize("form", sorted(VALID))
def test_valid_submission_is_cleaned_exactly(form):
    data, context, expected = VALID[form]
    submitted = copy.deepcopy(data)
    cleaned = FORMS[form](submitted, ctx(**context))
    assert cleaned == expected
    assert json.loads(json.dumps(cleaned, ensure_ascii=False)) == cleaned
    assert submitted == data  # the input is not modified


@pytest.mark.parametrize("form", sorted(VALID))
def test_unknown_field_is_refused_in_both_locales(form):
    data, context, _ = VALID[form]
    assert_refused(form, with_(data, surprise=1), "surprise", "未知字段", "Unknown field", **context)


@pytest.mark.parametrize("form", sorted(VALID))
def test_non_object_is_refused(form):
    _, context, _ = VALID[form]
    error = refused(form, ["not", "an", "object"], ctx(**context))
    assert error.fields == {"_form": "不是有效的对象"}


@pytest.mark.parametrize("form", sorted(set(VALID) - {"qualification_review"}))  # nothing to attest is valid
def test_every_required_field_is_reported_missing(form):
    data, context, _ = VALID[form]
    required = json_schema(form)["required"]
    assert required
    error = refused(form, {}, ctx(**context))
    assert {name: error.fields.get(name) for name in required} == dict.fromkeys(required, "此项为必填项")


# --- built-in type messages are translated ------------------------------------------------------------


@pytest.mark.parametrize(("value", "zh", "en"), [
    ("3", "不是有效的整数", "Not a valid integer"),
    (3.5, "不是有效的整数", "Not a valid integer"),
    (True, "不是有效的整数", "Not a valid integer"),
    (0, "不能小于 1", "Must be at least 1"),
    (None, "不能为 null", "may not be null"),
])
def test_integer_messages(value, zh, en):
    data = with_(VALID["case_start"][0], post_count=value)
    assert_refused("case_start", data, "post_count", zh, en, case_data={})


@pytest.mark.parametrize(("value", "zh", "en"), [
    (12, "不是有效的字符串", "Not a valid string"),
    ("   ", "不能为空", "May not be blank"),
    ("长" * 201, "不能超过 200 个字符", "At most 200 characters"),
])
def test_string_messages(value, zh, en):
    assert_refused("case_start", with_(VALID["case_start"][0], position=value), "position", zh, en, case_data={})


def test_choice_boolean_date_and_list_messages():
    assert_refused("approve_motion", {"decision": "maybe"}, "decision", "必须是以下之一：approve, reject",
                   "Must be one of: approve, reject")
    report = VALID["publicity_report"][0]
    assert_refused("publicity_report", with_(report, named="yes"), "named", "不是有效的布尔值", "Not a valid boolean")
    assert_refused("publicity_report", with_(report, specific=1), "specific", "不是有效的布尔值", "Not a valid boolean")
    appoint = VALID["appoint"][0]
    for bad in ("2026-02-30", "20260506", "2026/05/06", 20260506):
        assert_refused("appoint", with_(appoint, effective_date=bad), "effective_date", "不是有效的日期",
                       "Not a valid date")
    assert_refused("nominate", {"nominees": "张三"}, "nominees", "不是有效的列表", "Not a valid list")
    assert_refused("nominate", {"nominees": []}, "nominees", "至少需要 1 项", "At least 1 item")


def test_validation_failed_details_carry_both_languages():
    error = refused("approve_motion", {"decision": "maybe"}, ctx())
    assert error.details["form"] == "approve_motion"
    [problem] = error.details["errors"]
    assert problem["field"] == "decision" and problem["code"] == "one_of"
    assert "Must be one of" in problem["message"] and "必须是以下之一" in problem["message_zh"]
    assert error.localized("zh-CN") == error.message_zh and error.localized("en") == error.message


def test_the_summary_names_fields_by_their_labels_and_fields_stay_keyed_by_path():
    """Issue 13, defect 3: "职位：不能为空", not "position：不能为空"; `fields` keeps the paths."""
    data = with_(VALID["case_start"][0], position="  ", post_count=0)
    zh, en = refused("case_start", data, ctx(case_data={})), refused("case_start", data, ctx(case_data={}, locale="en"))
    assert zh.message_zh == "动议：表单校验未通过：职位：不能为空；职数：不能小于 1"
    assert en.message == "Motion (start): the form is invalid: Position: May not be blank; Number of posts: Must be at least 1"
    assert set(zh.fields) == set(en.fields) == {"position", "post_count"}
    assert "position" not in zh.message_zh and "post_count" not in en.message


def test_the_summary_names_nested_fields_rows_and_names():
    nominee = {"name": "张三", "gender": "男", "birth_date": "1980-05-01", "current_post": "副局长", "unit": "区发改委"}
    error = refused("nominate", {"nominees": [nominee, {**nominee, "name": "李四", "birth_date": "1980"}]},
                    ctx(case_data={"post_count": 1}))
    assert error.fields == {"nominees.1.birth_date": "不是有效的日期（格式为 YYYY-MM-DD）"}
    assert "被提名人 · 第2项 · 出生日期：不是有效的日期" in error.message_zh
    english = refused("nominate", {"nominees": [nominee, {**nominee, "name": "李四", "birth_date": "1980"}]},
                      ctx(case_data={"post_count": 1}, locale="en"))
    assert "Nominees · item 2 · Date of birth: Not a valid date" in english.message
    whole = refused("approve_motion", ["not", "an", "object"], ctx())
    assert whole.message_zh.endswith("表单校验未通过：不是有效的对象")  # the form as a whole names no field


# --- 0–1. start, motion ------------------------------------------------------------------------------------


def test_case_start_refuses_parameters():
    data = with_(VALID["case_start"][0], parameters={"inspection_ratio": 3})
    assert_refused("case_start", data, "parameters", "未知字段", "Unknown field", case_data={})


def test_reject_needs_a_comment():
    assert_refused("approve_motion", {"decision": "reject"}, "comment", "须填写意见", "A comment is required")
    assert FORMS["approve_motion"]({"decision": "reject", "comment": "暂不调整"}, ctx())["decision"] == "reject"


# --- 2. nominate ---------------------------------------------------------------------------------------------


def people(count: int) -> list[dict]:
    return [{**PERSON, "name": f"候选{i}"} for i in range(count)]


def test_nominee_count_boundary():
    # post_count 2: exactly 3 nominees is enough, 2 are refused
    assert len(FORMS["nominate"]({"nominees": people(3)}, ctx({"post_count": 2}))["nominees"]) == 3
    assert_refused("nominate", {"nominees": people(2)}, "nominees", "被提名人至少 3 名",
                   "At least 3 nominees", case_data={"post_count": 2})


def test_nominee_count_follows_parameter_and_default_post_count():
    assert_refused("nominate", {"nominees": people(2)}, "nominees", "被提名人至少 3 名", "At least 3 nominees",
                   case_data={}, parameters={"min_extra_nominees": "2"})
    FORMS["nominate"]({"nominees": people(3)}, ctx({}, parameters={"min_extra_nominees": 2}))


def test_nominee_names_are_unique_after_trimming():
    nominees = [PERSON, {**PERSON, "name": " 张三  "}]
    assert_refused("nominate", {"nominees": nominees}, "nominees.1.name", "张三 重复填写", "listed more than once",
                   case_data={})


@pytest.mark.parametrize(("row", "path", "zh", "en"), [
    ({"gender": "M"}, "nominees.2.gender", "必须是“男”或“女”", "Must be 男 or 女"),
    ({"birth_date": "1980-13-01"}, "nominees.2.birth_date", "不是有效的日期", "Not a valid date"),
    ({"name": ""}, "nominees.2.name", "不能为空", "May not be blank"),
    ({"extra": 1}, "nominees.2.extra", "未知字段", "Unknown field"),
])
def test_nominee_row_errors_have_indexed_paths(row, path, zh, en):
    nominees = people(3)
    nominees[2].update(row)
    assert_refused("nominate", {"nominees": nominees}, path, zh, en)


def test_missing_nominee_field_path():
    nominees = people(3)
    del nominees[2]["current_post"]
    assert_refused("nominate", {"nominees": nominees}, "nominees.2.current_post", "此项为必填项",
                   "This field is required")


def test_gender_is_normalised():
    nominees = [{**PERSON, "name": "甲", "gender": "Male"}, {**PERSON, "name": "乙", "gender": "FEMALE"}]
    cleaned = FORMS["nominate"]({"nominees": nominees}, ctx({}))
    assert [n["gender"] for n in cleaned["nominees"]] == ["男", "女"]


# --- 3. meeting_recommendation --------------------------------------------------------------------------------

MEETING = VALID["meeting_recommendation"][0]


def test_present_may_not_exceed_expected():
    assert_refused("meeting_recommendation", with_(MEETING, present=46, ballots_issued=40), "present",
                   "实到人数（46）不能超过应到人数（45）", "Present (46) may not exceed expected (45)")


def test_ballots_issued_may_not_exceed_present():
    assert_refused("meeting_recommendation", with_(MEETING, ballots_issued=41, ballots_returned=40), "ballots_issued",
                   "发出票数（41）不能超过实到人数（40）", "Ballots issued (41) may not exceed")


def test_valid_ballots_may_not_exceed_returned():
    assert_refused("meeting_recommendation", with_(MEETING, valid_ballots=41), "valid_ballots",
                   "有效票数（41）不能超过收回票数（40）", "Valid ballots (41) may not exceed")


def test_ballots_returned_boundary_voids_the_round():
    assert FORMS["meeting_recommendation"](with_(MEETING, ballots_returned=40), ctx())["ballots_returned"] == 40
    error = assert_refused("meeting_recommendation", with_(MEETING, ballots_returned=41), "ballots_returned",
                           "本轮推荐无效，须重新组织推荐", "void and must be held again")
    assert "本轮推荐无效，须重新组织推荐" in error.message_zh


def test_votes_for_a_stranger_are_refused():
    assert_refused("meeting_recommendation", with_(MEETING, votes={"张三": 3, "孙八": 2}), "votes.孙八",
                   "孙八 不是本案的被提名人", "孙八 is not a nominee")


def test_vote_count_boundary_is_valid_ballots():
    assert FORMS["meeting_recommendation"](with_(MEETING, votes={"张三": 39}), ctx())["votes"]["张三"] == 39
    assert_refused("meeting_recommendation", with_(MEETING, votes={"张三": 40}), "votes.张三",
                   "得票数（40）不能超过有效票数（39）", "Votes (40) may not exceed valid ballots (39)")


def test_vote_counts_are_checked_per_name():
    assert_refused("meeting_recommendation", with_(MEETING, votes={"张三": -1}), "votes.张三", "不能小于 0",
                   "Must be at least 0")
    assert_refused("meeting_recommendation", with_(MEETING, votes={"张三": "5"}), "votes.张三", "不是有效的整数",
                   "Not a valid integer")
    assert_refused("meeting_recommendation", with_(MEETING, votes={"张三": 1, " 张三": 2}), "votes.张三", "重复",
                   "more than once")


def test_ballot_max_choices_caps_the_total():
    votes = {"张三": 20, "李四": 19}  # 39 marks on 39 valid ballots
    assert FORMS["meeting_recommendation"](with_(MEETING, votes=votes), ctx(parameters={"ballot_max_choices": 1}))
    assert_refused("meeting_recommendation", with_(MEETING, votes={**votes, "王五": 1}), "votes",
                   "得票总数（40）超过有效票数 × 1 = 39", "more than valid ballots × 1 = 39",
                   parameters={"ballot_max_choices": 1})
    # approval ballots by default: no cap
    assert FORMS["meeting_recommendation"](with_(MEETING, votes={n: 39 for n in NOMINEES}), ctx())


def test_meeting_needs_the_nominees():
    assert_refused("meeting_recommendation", MEETING, "_form", "提名名单", "needs nominees", case_data={})


# --- 4. talk_recommendation -----------------------------------------------------------------------------------


def test_talk_recommendation_mentions():
    talk = VALID["talk_recommendation"][0]
    assert_refused("talk_recommendation", with_(talk, mentions={"孙八": 1}), "mentions.孙八", "不是本案的被提名人",
                   "is not a nominee")
    assert_refused("talk_recommendation", with_(talk, mentions={"张三": 31}), "mentions.张三",
                   "谈话推荐人次（31）不能超过谈话人数（30）", "may not exceed the number interviewed")
    assert FORMS["talk_recommendation"]({"interviewed": 5, "summary": "无"}, ctx())["mentions"] == {}


# --- 6. confirm_candidates --------------------------------------------------------------------------------------


def confirm(data: dict, **context):
    return FORMS["confirm_candidates"](data, ctx(context.pop("case_data", CONFIRM_CASE), **context))


def test_excluded_candidate_needs_an_override():
    assert_refused("confirm_candidates", {"candidates": ["张三", "王五"]}, "candidates.1", "王五 得票未达半数已被排除",
                   "王五 was excluded", case_data=CONFIRM_CASE)


def test_override_justification_boundary():
    exactly = "甲" * 20
    cleaned = confirm({"candidates": ["张三", "王五"], "overrides": [{"name": "王五", "justification": f"  {exactly} "}]})
    assert cleaned["overrides"] == [{"name": "王五", "justification": exactly}]
    short = {"candidates": ["张三", "王五"], "overrides": [{"name": "王五", "justification": "甲" * 19}]}
    assert_refused("confirm_candidates", short, "overrides.0.justification", "理由不少于 20 个字（现为 19 个字）",
                   "At least 20 characters are required (19 given)", case_data=CONFIRM_CASE)


def test_override_length_follows_parameter():
    data = {"candidates": ["张三", "王五"], "overrides": [{"name": "王五", "justification": "情况特殊需要考察"}]}
    assert confirm(data, parameters={"override_min_justification": 8})
    assert_refused("confirm_candidates", data, "overrides.0.justification", "理由不少于 9 个字",
                   "At least 9 characters", case_data=CONFIRM_CASE, parameters={"override_min_justification": "9"})


def test_candidate_outside_the_ratio_needs_an_override():
    assert_refused("confirm_candidates", {"candidates": ["张三", "赵六"]}, "candidates.1", "赵六 排名在前 3 名之外",
                   "赵六 is ranked outside the top 3", case_data=CONFIRM_CASE)
    assert confirm({"candidates": ["张三", "赵六"],
                    "overrides": [{"name": "赵六", "justification": "该同志长期在基层一线工作，实绩突出，群众公认度高"}]})


def test_candidate_must_be_a_nominee_and_not_repeated():
    assert_refused("confirm_candidates", {"candidates": ["张三", "孙八"]}, "candidates.1", "孙八 不是本案的被提名人",
                   "孙八 is not a nominee", case_data=CONFIRM_CASE)
    assert_refused("confirm_candidates", {"candidates": ["张三", "张三"]}, "candidates.1", "张三 重复填写",
                   "张三 is listed more than once", case_data=CONFIRM_CASE)


def test_override_must_name_a_candidate_once():
    justification = "甲" * 20
    data = {"candidates": ["张三", "李四"], "overrides": [{"name": "王五", "justification": justification}]}
    assert_refused("confirm_candidates", data, "overrides.0.name", "王五 不在考察对象名单中", "王五 is not among",
                   case_data=CONFIRM_CASE)
    twice = {"candidates": ["张三", "王五"], "overrides": [{"name": "王五", "justification": justification}] * 2}
    assert_refused("confirm_candidates", twice, "overrides.1.name", "重复填写", "more than once", case_data=CONFIRM_CASE)


def test_at_most_inspection_ratio_times_posts():
    justification = "甲" * 20
    data = {"candidates": ["张三", "李四", "王五"], "overrides": [{"name": "王五", "justification": justification}]}
    assert_refused("confirm_candidates", data, "candidates", "考察对象不得多于 2 名",
                   "At most 2 candidates (inspection_ratio 2 × 1 post(s))", case_data=CONFIRM_CASE)
    assert confirm(data, parameters={"inspection_ratio": "3"})


def test_differential_inspection_when_enough_are_eligible():
    assert_refused("confirm_candidates", {"candidates": ["张三"], "single_candidate_reason": "只需一人"},
                   "candidates", "应当差额考察", "choose more candidates than posts", case_data=CONFIRM_CASE)


def test_single_candidate_needs_a_reason_when_few_are_eligible():
    tally = copy.deepcopy(TALLY)
    tally["nominees"][1].update(excluded=True, eligible=False)
    tally["eligible"] = ["张三"]
    case = {**CASE, "tally": tally}
    assert_refused("confirm_candidates", {"candidates": ["张三"]}, "single_candidate_reason", "须说明理由",
                   "a reason for not inspecting more candidates is required", case_data=case)
    cleaned = confirm({"candidates": ["张三"], "single_candidate_reason": "仅一人得票过半"}, case_data=case)
    assert cleaned["single_candidate_reason"] == "仅一人得票过半"


def test_withdrawn_nominee_cannot_be_a_candidate():
    tally = copy.deepcopy(TALLY)
    tally["nominees"][1].update(withdrawn=True, eligible=False)
    assert_refused("confirm_candidates", {"candidates": ["张三", "李四"]}, "candidates.1", "李四 已退出",
                   "李四 has withdrawn", case_data={**CASE, "tally": tally})


def test_confirm_needs_the_tally():
    assert_refused("confirm_candidates", {"candidates": ["张三"]}, "_form", "推荐计票结果", "needs the tally")


def test_confirm_candidates_in_competitive_selection_uses_the_ranking():
    ranking = {"scores": [{"name": n, "rank": i + 1} for i, n in enumerate(["甲", "乙", "丙"])],
               "ranking": ["甲", "乙", "丙"], "cutoff": 2, "shortlist": ["甲", "乙"]}
    case = {**REVIEWED, "ranking": ranking}
    assert confirm({"candidates": ["甲", "乙"]}, case_data=case)["candidates"] == ["甲", "乙"]
    assert_refused("confirm_candidates", {"candidates": ["甲", "丙"]}, "candidates.1", "丙 排名在前 2 名之外",
                   "丙 is ranked outside the top 2", case_data=case)


# --- 7–8. inspection, integrity opinion --------------------------------------------------------------------------

INSPECTION_CONTEXT = VALID["inspection"][1]


def test_inspection_team_must_include_the_submitting_user():
    data = with_(INSPECTION, team=["inspector2", "inspector3"], leader="inspector2")
    assert_refused("inspection", data, "team", "提交人 inspector1 须为考察组成员",
                   "The submitting user inspector1 must be a member", **INSPECTION_CONTEXT)


def test_inspection_team_size_and_leader():
    assert_refused("inspection", with_(INSPECTION, team=["inspector1"], leader="inspector1"), "team",
                   "考察组成员不少于 2 人", "at least 2 members", **INSPECTION_CONTEXT)
    data = with_(INSPECTION, team=["inspector1", "inspector2"], leader="inspector1")
    assert_refused("inspection", data, "team", "不少于 3 人", "at least 3 members", **INSPECTION_CONTEXT,
                   parameters={"min_inspection_team": 3})
    assert_refused("inspection", with_(INSPECTION, leader="inspector9"), "leader", "组长须为考察组成员",
                   "The leader must be a member", **INSPECTION_CONTEXT)
    assert_refused("inspection", with_(INSPECTION, team=["inspector1", "inspector1"]), "team.1", "重复填写",
                   "more than once", **INSPECTION_CONTEXT)


def test_inspection_candidate_comes_from_the_prefill():
    cleaned = FORMS["inspection"](with_(INSPECTION, candidate="张三"), ctx(**INSPECTION_CONTEXT))
    assert cleaned["candidate"] == "张三"
    assert_refused("inspection", with_(INSPECTION, candidate="李四"), "candidate", "本任务的考察对象为 张三，不得更改",
                   "This task is about 张三", **INSPECTION_CONTEXT)
    assert_refused("inspection", INSPECTION, "candidate", "本任务未预置考察对象", "No candidate is pre-filled",
                   actor=INSPECTOR)


@pytest.mark.parametrize(("change", "path", "zh", "en"), [
    ({"archive_review": "ok"}, "archive_review", "必须是以下之一：pass, fail", "Must be one of: pass, fail"),
    ({"personal_matters": "unknown"}, "personal_matters", "必须是以下之一：pass, fail", "Must be one of"),
    ({"petition_check": "pending"}, "petition_check", "none, unfounded, substantiated", "none, unfounded"),
    ({"conclusion": "yes"}, "conclusion", "recommend, not_recommend", "Must be one of"),
    ({"findings": " "}, "findings", "不能为空", "May not be blank"),
    ({"evaluation": {**EVALUATION, "incompetent": -1}}, "evaluation.incompetent", "不能小于 0", "Must be at least 0"),
    ({"evaluation": {"excellent": 1, "competent": 1, "basically_competent": 0}}, "evaluation.incompetent",
     "此项为必填项", "This field is required"),
    ({"evaluation": dict.fromkeys(EVALUATION, 0)}, "evaluation", "民主测评票数不能全部为零", "has no votes"),
])
def test_inspection_field_errors(change, path, zh, en):
    assert_refused("inspection", with_(INSPECTION, **change), path, zh, en, **INSPECTION_CONTEXT)


def test_integrity_opinion():
    context = VALID["integrity_opinion"][1]
    assert_refused("integrity_opinion", {"opinion": "concerns"}, "comment", "须填写意见", "A comment is required",
                   **context)
    assert_refused("integrity_opinion", {"opinion": "fine"}, "opinion", "clear, concerns, disqualifying",
                   "Must be one of", **context)
    assert_refused("integrity_opinion", {"opinion": "clear", "candidate": "李四"}, "candidate", "不得更改",
                   "may not be changed", **context)
    cleaned = FORMS["integrity_opinion"]({"opinion": "disqualifying", "comment": "有违纪问题"}, ctx(**context))
    assert cleaned == {"candidate": "张三", "opinion": "disqualifying", "comment": "有违纪问题"}


# --- 10. deliberation ----------------------------------------------------------------------------------------------

DELIBERATION = VALID["deliberation"][0]


def test_deliberation_proposes_exactly_post_count_qualified_names():
    assert_refused("deliberation", with_(DELIBERATION, proposed=["张三", "李四"],
                                         justifications={"李四": "甲" * 20}),
                   "proposed", "拟任人选须为 1 名", "Propose exactly 1 name", case_data=DELIBERATION_CASE)
    assert_refused("deliberation", with_(DELIBERATION, proposed=["王五"]), "proposed.0", "王五 不是经考察合格的人选",
                   "王五 is not a qualified candidate", case_data=DELIBERATION_CASE)
    assert_refused("deliberation", with_(DELIBERATION, consulted=[]), "consulted", "至少需要 1 项", "At least 1 item",
                   case_data=DELIBERATION_CASE)


def test_flagged_candidate_needs_a_justification():
    data = with_(DELIBERATION, proposed=["李四"])
    assert_refused("deliberation", data, "justifications.李四", "李四 民主测评认可度偏低，须说明理由",
                   "李四 was flagged", case_data=DELIBERATION_CASE)
    short = with_(data, justifications={"李四": "甲" * 19})
    assert_refused("deliberation", short, "justifications.李四", "不少于 20 个字", "at least 20 characters",
                   case_data=DELIBERATION_CASE)
    cleaned = FORMS["deliberation"](with_(data, justifications={"李四": "甲" * 20}), ctx(DELIBERATION_CASE))
    assert cleaned["justifications"] == {"李四": "甲" * 20}


def test_justification_only_for_proposed_names():
    assert_refused("deliberation", with_(DELIBERATION, justifications={"李四": "甲" * 20}), "justifications.李四",
                   "李四 不在拟任人选中", "李四 is not proposed", case_data=DELIBERATION_CASE)


def test_deliberation_with_fewer_qualified_than_posts_proposes_all_qualified():
    case = {**DELIBERATION_CASE, "post_count": 3}
    data = with_(DELIBERATION, proposed=["张三", "李四"], justifications={"李四": "甲" * 20})
    assert FORMS["deliberation"](data, ctx(case))["proposed"] == ["张三", "李四"]


def test_deliberation_on_a_repeated_round_proposes_the_deferred_names():
    case = {**DELIBERATION_CASE, "post_count": 2, "decision": {"deferred": ["张三"], "approved": ["李四"]}}
    assert FORMS["deliberation"](DELIBERATION, ctx(case))["proposed"] == ["张三"]
    data = with_(DELIBERATION, proposed=["李四"], justifications={"李四": "甲" * 20})
    assert_refused("deliberation", data, "proposed.0", "李四 不是缓议人选", "李四 was not deferred", case_data=case)


def test_deliberation_needs_the_assessment():
    assert_refused("deliberation", DELIBERATION, "_form", "考察综合评价结果", "needs the assessment")


# --- 11. committee_decision -----------------------------------------------------------------------------------------


def test_committee_members_present_at_most_due():
    assert_refused("committee_decision", with_(COMMITTEE, members_present=10), "members_present",
                   "实到会成员数（10）不能超过应到会成员数（9）", "Members present (10) may not exceed members due (9)",
                   case_data=DECISION_CASE)
    assert_refused("committee_decision", with_(COMMITTEE, members_due=0), "members_due", "不能小于 1",
                   "Must be at least 1", case_data=DECISION_CASE)


def test_principal_must_speak_last():
    assert_refused("committee_decision", with_(COMMITTEE, principal_spoke_last=False), "principal_spoke_last",
                   "主要负责同志应当最后表态", "The principal leader must state their view last",
                   case_data=DECISION_CASE)


def test_result_counts():
    bad = with_(COMMITTEE, results={"张三": {"agree": 5, "disagree": 2, "defer": 1}})
    assert_refused("committee_decision", bad, "results.张三", "同意、不同意、缓议之和（8）超过实到会成员数（7）",
                   "agree + disagree + defer = 8", case_data=DECISION_CASE)
    exact = with_(COMMITTEE, results={"张三": {"agree": 5, "disagree": 1, "defer": 1}})
    assert FORMS["committee_decision"](exact, ctx(DECISION_CASE))["results"]["张三"]["agree"] == 5
    negative = with_(COMMITTEE, results={"张三": {"agree": -1, "disagree": 0, "defer": 0}})
    assert_refused("committee_decision", negative, "results.张三.agree", "不能小于 0", "Must be at least 0",
                   case_data=DECISION_CASE)
    missing = with_(COMMITTEE, results={"张三": {"agree": 5, "disagree": 0}})
    assert_refused("committee_decision", missing, "results.张三.defer", "此项为必填项", "This field is required",
                   case_data=DECISION_CASE)


def test_results_are_exactly_the_proposed_names():
    extra = with_(COMMITTEE, results={**COMMITTEE["results"], "李四": {"agree": 1, "disagree": 0, "defer": 0}})
    assert_refused("committee_decision", extra, "results.李四", "李四 不是本次会议讨论决定的人选",
                   "李四 is not up for decision", case_data=DECISION_CASE)
    case = {**DECISION_CASE, "deliberation": {"proposed": ["张三", "李四"]}}
    assert_refused("committee_decision", COMMITTEE, "results", "缺少以下人选的表决结果：李四",
                   "Results are missing for: 李四", case_data=case)


def test_repeated_committee_round_decides_the_deferred_names():
    case = {**DECISION_CASE, "deliberation": {"proposed": ["张三", "李四"]},
            "decision": {"approved": ["李四"], "deferred": ["张三"]}}
    assert FORMS["committee_decision"](COMMITTEE, ctx(case))["results"] == COMMITTEE["results"]


def test_recused_names():
    assert_refused("committee_decision", with_(COMMITTEE, recused=["钱七", "钱七"]), "recused.1", "重复填写",
                   "more than once", case_data=DECISION_CASE)
    cleaned = FORMS["committee_decision"]({k: v for k, v in COMMITTEE.items() if k != "recused"}, ctx(DECISION_CASE))
    assert cleaned["recused"] == []


# --- 12–14. investigation, appointment, probation ---------------------------------------------------------------------


def test_investigation_appointment_probation():
    assert_refused("investigate_report", {"finding": "maybe", "summary": "x"}, "finding",
                   "unfounded, minor, serious, unverifiable", "Must be one of")
    assert_refused("appoint", with_(VALID["appoint"][0], probation="false"), "probation", "不是有效的布尔值",
                   "Not a valid boolean")
    assert_refused("probation_review", {"result": "not_competent"}, "comment", "须填写意见", "A comment is required")
    assert_refused("probation_review", {"result": "good"}, "result", "competent, not_competent", "Must be one of")


# --- message payloads ----------------------------------------------------------------------------------------------


def test_withdraw():
    assert_refused("withdraw", {"name": "孙八", "reason": "x"}, "name", "孙八 不是本案的被提名人", "is not a nominee")
    case = {**CASE, "withdrawn": ["王五"]}
    assert_refused("withdraw", {"name": "王五", "reason": "x"}, "name", "王五 已经退出", "王五 has already withdrawn",
                   case_data=case)
    assert_refused("withdraw", {"name": "王五"}, "reason", "此项为必填项", "This field is required")


def test_declaration():
    assert_refused("declaration", with_(VALID["declaration"][0], relation="friend"), "relation",
                   "spouse, lineal, collateral, in_law", "Must be one of: spouse, lineal, collateral, in_law")
    assert_refused("declaration", with_(VALID["declaration"][0], nominee="孙八"), "nominee", "不是本案的被提名人",
                   "is not a nominee")
    for relation in ("lineal", "collateral", "in_law"):
        assert FORMS["declaration"](with_(VALID["declaration"][0], relation=relation), ctx())["relation"] == relation


# --- competitive selection ---------------------------------------------------------------------------------------------


def test_announcement_defaults_and_errors():
    data = {k: v for k, v in VALID["announcement"][0].items() if k != "post_count"}
    assert FORMS["announcement"](data, ctx({}))["post_count"] == 1
    assert_refused("announcement", with_(data, deadline="5月1日"), "deadline", "不是有效的日期", "Not a valid date",
                   case_data={})


def test_registration_applicant_count_boundary():
    case = {"announcement": {"post_count": 2}}
    applicants = [{**PERSON, "name": n} for n in ("甲", "乙", "丙")]
    assert FORMS["registration"]({"applicants": applicants}, ctx(case))
    assert_refused("registration", {"applicants": applicants[:2]}, "applicants", "报名人数至少 3 名",
                   "At least 3 applicants", case_data=case)
    twice = [applicants[0], {**applicants[0], "gender": "女"}, applicants[1]]
    assert_refused("registration", {"applicants": twice}, "applicants.1.name", "甲 重复填写", "more than once",
                   case_data=case)


def test_eligibility_review_decides_every_applicant_once():
    review = VALID["eligibility_review"][0]
    assert_refused("eligibility_review", with_(review, rejected=[]), "rejected", "以下报名人未作资格审查结论：丁",
                   "No eligibility decision for: 丁", case_data=REGISTERED)
    twice = with_(review, rejected=[{"name": "丁", "reason": "x"}, {"name": "甲", "reason": "y"}])
    assert_refused("eligibility_review", twice, "rejected.1.name", "甲 的资格审查结论重复", "甲 is decided more than once",
                   case_data=REGISTERED)
    assert_refused("eligibility_review", with_(review, eligible=["甲", "乙", "丙", "戊"]), "eligible.3",
                   "戊 不是报名人", "戊 is not an applicant", case_data=REGISTERED)
    assert_refused("eligibility_review", with_(review, eligible=["甲", "甲", "乙", "丙"]), "eligible.1", "重复填写",
                   "more than once", case_data=REGISTERED)
    assert_refused("eligibility_review", review, "_form", "报名名单", "needs the applicants", case_data={})


@pytest.mark.parametrize("form", ["exam_scores", "interview_scores"])
def test_scores_are_exactly_the_eligible_names(form):
    full = {"甲": 80, "乙": 81, "丙": 82}
    assert_refused(form, {"scores": {"甲": 80, "乙": 81}}, "scores", "缺少以下人员的成绩：丙", "Scores are missing for: 丙",
                   case_data=REVIEWED)
    assert_refused(form, {"scores": {**full, "丁": 90}}, "scores.丁", "丁 未通过资格审查",
                   "丁 did not pass the eligibility review", case_data=REVIEWED)
    withdrawn = {**REVIEWED, "withdrawn": ["丙"]}
    assert FORMS[form]({"scores": {"甲": 80, "乙": 81}}, ctx(withdrawn))["scores"] == {"甲": "80", "乙": "81"}


@pytest.mark.parametrize("score", ["85.555", 85.555, -1, 100.01, "101", "abc", "NaN", "Infinity", True, [80], {"v": 1}])
def test_invalid_scores(score):
    data = {"scores": {"甲": score, "乙": 81, "丙": 82}}
    assert_refused("exam_scores", data, "scores.甲", "成绩须为 0 至 100 之间的数，最多两位小数",
                   "A score from 0 to 100 with at most 2 decimals", case_data=REVIEWED)


@pytest.mark.parametrize(("score", "stored"), [("85.50", "85.5"), (85.5, "85.5"), ("100.00", "100"), (0.0, "0"),
                                               (" 60 ", "60"), ("99.99", "99.99"), (7, "7")])
def test_scores_are_normalised_to_strings(score, stored):
    cleaned = FORMS["exam_scores"]({"scores": {"甲": score, "乙": 81, "丙": 82}}, ctx(REVIEWED))
    assert cleaned["scores"]["甲"] == stored


def test_competitive_evaluation():
    data = VALID["competitive_evaluation"][0]
    assert_refused("competitive_evaluation", {"evaluations": {"甲": EVALUATION}}, "evaluations",
                   "缺少以下人员的民主测评：乙、丙", "Evaluations are missing for: 乙, 丙", case_data=REVIEWED)
    zero = {"evaluations": {**data["evaluations"], "乙": dict.fromkeys(EVALUATION, 0)}}
    assert_refused("competitive_evaluation", zero, "evaluations.乙", "不能全部为零", "has no votes", case_data=REVIEWED)
    bad = {"evaluations": {**data["evaluations"], "乙": {**EVALUATION, "competent": "8"}}}
    assert_refused("competitive_evaluation", bad, "evaluations.乙.competent", "不是有效的整数", "Not a valid integer",
                   case_data=REVIEWED)
    assert_refused("competitive_evaluation", data, "_form", "资格审查结果", "needs the eligibility review",
                   case_data=REGISTERED)


# --- parameters --------------------------------------------------------------------------------------------------------


def test_a_bad_parameter_is_reported_on_the_form():
    error = refused("nominate", {"nominees": people(3)}, ctx(parameters={"min_extra_nominees": "lots"}))
    assert "min_extra_nominees" in error.fields["_form"]


# --- JSON Schema --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORM_NAMES)
@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_json_schema_of_every_form(form, locale):
    schema = json_schema(form, locale)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert schema["properties"] and (schema["required"] or form == "qualification_review")
    assert set(schema["required"]) <= set(schema["properties"])
    for prop in schema["properties"].values():
        assert prop["title"]
    json.dumps(schema)


def test_json_schema_titles_follow_the_locale():
    zh, en = json_schema("meeting_recommendation"), json_schema("meeting_recommendation", "en-US")
    assert zh["title"] == "会议推荐" and en["title"] == "Meeting recommendation"
    assert zh["properties"]["present"]["title"] == "实到人数" and en["properties"]["present"]["title"] == "Present"
    assert zh["properties"]["present"] == {"type": "integer", "minimum": 0, "title": "实到人数"}
    rows = json_schema("nominate")["properties"]["nominees"]["items"]
    assert rows["additionalProperties"] is False and rows["properties"]["birth_date"]["format"] == "date"
    assert rows["properties"]["name"]["title"] == "姓名"
    results = json_schema("committee_decision", "en")["properties"]["results"]["additionalProperties"]
    assert results["properties"]["agree"]["title"] == "Agree"
    assert json_schema("inspection")["properties"]["petition_check"]["enum"] == ["none", "unfounded", "substantiated"]
    assert json_schema("case_start")["properties"]["post_count"]["default"] == 1
    assert "parameters" not in json_schema("case_start")["properties"]


def test_json_schema_of_an_unknown_form():
    with pytest.raises(KeyError):
        json_schema("no_such_form")


# --- properties ------------------------------------------------------------------------------------------------------


@given(hundredths=st.integers(min_value=0, max_value=10000), as_string=st.booleans())
def test_any_two_decimal_score_round_trips(hundredths, as_string):
    value = Decimal(hundredths) / 100
    submitted = str(value) if as_string else float(value)
    cleaned = FORMS["exam_scores"]({"scores": {"甲": submitted, "乙": 1, "丙": 2}}, ctx(REVIEWED))
    assert Decimal(cleaned["scores"]["甲"]) == value


@given(valid=st.integers(min_value=0, max_value=500), votes=st.integers(min_value=0, max_value=600))
def test_vote_counts_up_to_valid_ballots_are_accepted(valid, votes):
    data = with_(MEETING, expected=500, present=500, ballots_issued=500, ballots_returned=500, valid_ballots=valid,
                 votes={"张三": votes})
    if votes <= valid:
        assert FORMS["meeting_recommendation"](data, ctx())["votes"]["张三"] == votes
    else:
        assert "votes.张三" in refused("meeting_recommendation", data, ctx()).fields
