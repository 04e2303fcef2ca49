"""Nomination from the registry, the qualification review, 破格 and the higher consent, through the
real cadre_selection diagram on SQLite and PostgreSQL (the case starts 2026-03-02, a 正处级 post)."""

from __future__ import annotations

import pytest

from engine import audit, reference
from engine.actors import Actor
from engine.errors import ValidationFailed
from engine.replay import replay
from workflows.demo import CLERK, HEAD, Driver
from workflows.registry.person import validate_person
from workflows.registry.records import STREAM

ADMIN = Actor("admin1", "系统管理员", frozenset({"admin"}))
GROUNDS = "在脱贫攻坚任务中经受住考验，表现突出，作出重大贡献，群众公认度高"


def record(name: str, **changes) -> dict:
    """A 县处级副职 who meets every rule for a 县处级正职 post on 2026-03-02."""
    person = {
        "name": name, "gender": "男", "birth_date": "1978-05-01", "work_start_date": "2000-07-01",
        "education": [{"kind": "full_time", "level": "bachelor", "school": "某大学", "major": "经济学"}],
        "posts": [
            {"unit": "某乡", "title": "副乡长", "level": "township_deputy", "start": "2008-01-01", "end": "2012-01-01",
             "grassroots": True},
            {"unit": "某镇", "title": "镇长", "level": "township_chief", "start": "2012-01-01", "end": "2018-01-01",
             "grassroots": True},
            {"unit": "区发改委", "title": "副主任", "level": "county_deputy", "start": "2018-01-01"},
        ],
        "appraisals": [{"year": 2025, "grade": "competent"}],
        "training": [{"name": "中青年干部培训班", "end": "2024-06-30"}],
        "family": [{"relation": "spouse", "name": "林某", "abroad": False}],
    }
    person.update(changes)
    return validate_person(person)


@pytest.fixture
def registry(ctx):
    people = {"1": record("张三"), "2": record("李四", education=[{"kind": "in_service", "level": "secondary"}]),
              "3": record("王五", work_start_date="2022-01-01")}
    reference.put_entries(ctx, "person", people, ADMIN, "admin")
    return people


def nominated(ctx, ids=(1, 2, 3)) -> Driver:
    d = Driver(ctx, rank="正处级")
    d.approve()
    d.nominate(nominees=[{"person_id": i} for i in ids], review=False)
    return d


def review_of(d: Driver) -> dict:
    return {n["name"]: n for n in d.tasks("qualification_review")[0]["prefill"]["qualification"]["nominees"]}


def test_a_failed_education_cannot_be_waived_and_a_waivable_failure_needs_exceptional_and_consent(ctx, registry):
    d = nominated(ctx)
    nominees = d.case["data"]["nominate"]["nominees"]
    assert [(n["person_id"], n["name"], n["current_post"], n["unit"]) for n in nominees] == [
        (1, "张三", "副主任", "区发改委"), (2, "李四", "副主任", "区发改委"), (3, "王五", "副主任", "区发改委")]
    assert "id_number" not in nominees[0]["record"]
    verdicts = {name: {c["rule"]: c["verdict"] for c in n["checks"]} for name, n in review_of(d).items()}
    assert verdicts["张三"]["education"] == "pass" and set(verdicts["张三"].values()) == {"pass"}
    assert verdicts["李四"]["education"] == "fail" and verdicts["王五"]["work_years"] == "fail"
    checks = {c["rule"]: c for c in review_of(d)["李四"]["checks"]}
    assert checks["education"]["article"] == "Regs art. 8 (4)" and not checks["education"]["waivable"]
    d.qualify()
    qualified = d.case["data"]["qualified"]
    assert [n["name"] for n in qualified["ballot"]] == ["张三"]
    assert qualified["barred"] == [{"person_id": 2, "name": "李四", "rules": ["education"]}]
    # only 王五's waivable failure reaches the org head; 李四 gets no 破格 task
    tasks = d.tasks("exceptional_promotion")
    assert [t["prefill"]["candidate"]["name"] for t in tasks] == ["王五"] and tasks[0]["role"] == "org_head"
    with pytest.raises(ValidationFailed) as refused:
        d.do("exceptional_promotion", HEAD, {"person_id": 3, "ground": "critical_tasks", "justification": GROUNDS,
                                             "rules": ["work_years", "education"]})
    assert "rules.1" in refused.value.fields and "不得破格" in refused.value.fields["rules.1"]
    with pytest.raises(ValidationFailed) as refused:
        d.do("exceptional_promotion", HEAD, {"person_id": 1, "ground": "critical_tasks", "justification": GROUNDS,
                                             "rules": ["work_years"]})
    assert "person_id" in refused.value.fields
    d.do("exceptional_promotion", HEAD, {"person_id": 3, "ground": "critical_tasks", "justification": GROUNDS,
                                         "rules": ["work_years"]})
    # a case with any 破格 waits for the higher department's consent before the ballot and inspection
    assert d.ready() == ["higher_consent"]
    d.do("higher_consent", CLERK, {"document_number": "市委组字〔2026〕12号", "date": "2026-03-05"})
    assert d.ready() == ["meeting_recommendation"]
    assert [n["name"] for n in d.case["data"]["ballot"]] == ["张三", "王五"]
    with pytest.raises(ValidationFailed) as refused:  # 李四 has no ballot line
        d.meeting({"张三": 20, "李四": 3})
    assert "votes.李四" in refused.value.fields
    d.meeting({"张三": 20, "王五": 16})
    d.talk()
    assert [n["name"] for n in d.case["data"]["tally"]["nominees"]] == ["张三", "王五"]
    # the records edited afterwards: the replay reads them as they were at nomination
    reference.put_entries(ctx, "person", {"3": record("王五", work_start_date="1990-01-01"),
                                          "2": record("李四")}, ADMIN, "admin")
    assert replay(ctx, d.id).ok


def test_a_waivable_failure_without_exceptional_promotion_leaves_the_case(ctx, registry):
    d = nominated(ctx)
    d.qualify()
    d.do("exceptional_promotion", HEAD, {"person_id": "王五", "declined": True, "comment": "不破格"})
    assert d.ready() == ["meeting_recommendation"]  # no 破格: no consent needed
    assert [n["name"] for n in d.case["data"]["ballot"]] == ["张三"]
    assert d.case["data"]["qualified"]["not_waived"] == [{"person_id": 3, "name": "王五", "rules": ["work_years"]}]


def test_a_missing_verdict_passes_only_attested_with_the_clerks_name(ctx, registry):
    reference.put_entries(ctx, "person", {"4": record("赵六", appraisals=[])}, ADMIN, "admin")
    d = nominated(ctx, (1, 4))
    assert {c["rule"]: c["verdict"] for c in review_of(d)["赵六"]["checks"]}["appraisal"] == "missing"
    with pytest.raises(ValidationFailed) as refused:
        d.qualify([{"person_id": 1, "rule": "appraisal", "note": "档案记载称职"}])
    assert "attested.0.rule" in refused.value.fields
    d.qualify([{"person_id": 4, "rule": "appraisal", "note": "档案记载 2025 年度称职"}])
    confirmed = d.case["data"]["qualification_review"]["qualification"]["nominees"][1]
    appraisal = next(c for c in confirmed["checks"] if c["rule"] == "appraisal")
    assert appraisal["attestation"] == {"note": "档案记载 2025 年度称职", "by": "clerk1"}
    assert [n["name"] for n in d.case["data"]["ballot"]] == ["张三", "赵六"]


def test_unattested_missing_verdict_that_cannot_be_waived_leaves_the_case(ctx, registry):
    reference.put_entries(ctx, "person", {"4": record("赵六", appraisals=[])}, ADMIN, "admin")
    d = nominated(ctx, (1, 4))
    d.qualify([])
    assert d.case["data"]["qualified"]["barred"] == [{"person_id": 4, "name": "赵六", "rules": ["appraisal"]}]


def test_a_nominee_given_by_fields_is_added_to_the_registry(ctx, registry):
    d = Driver(ctx, rank="正处级")
    d.approve()
    new = {"name": "孙七", "gender": "女", "birth_date": "1985-02-03", "current_post": "科长", "unit": "区财政局",
           "work_start_date": "2007-07-01"}
    d.nominate(nominees=[{"person_id": 1}, new], review=False)
    nominees = d.case["data"]["nominate"]["nominees"]
    assert nominees[1]["person_id"] == 4 and nominees[1]["current_post"] == "科长"
    with ctx.unit_of_work() as uow:
        stored = reference.load(uow.session, "person")["4"]
        assert stored["name"] == "孙七" and "current_post" not in stored
        added = audit.events_of(uow.session, STREAM)[-1]  # the registry's own stream, as any new record
        assert (added.action, added.actor_username, added.data_in["key"]) == ("person_created", "clerk1", "4")
    with pytest.raises(ValidationFailed) as refused:  # an unknown id names the field
        d2 = Driver(ctx, rank="正处级")
        d2.approve()
        d2.nominate(nominees=[{"person_id": 1}, {"person_id": 99}], review=False)
    assert refused.value.fields == {"nominees.1.person_id": "干部信息库中没有编号为 99 的人员"}


def test_the_record_states_every_verdict_with_its_article(ctx, registry):
    from tests.procedures.test_narrative import told, words

    d = nominated(ctx)
    d.qualify()
    d.do("exceptional_promotion", HEAD, {"person_id": 3, "ground": "critical_tasks", "justification": GROUNDS,
                                         "rules": ["work_years"]})
    d.do("higher_consent", CLERK, {"document_number": "市委组字〔2026〕12号", "date": "2026-03-05"})
    entries = told(ctx, d.id)
    checked = words(entries, "check_qualifications")[0]
    assert "李四：文化程度：不符合（《条例》第八条第（四）项），最高学历为中专及以下" in checked
    assert "张三：各项均符合" in checked
    settled = words(entries, "settle_ballot")[0]
    assert "列入推荐：张三。" in settled and "李四（文化程度）" in settled and "王五（工龄）" in settled
    assert words(entries, "exceptional_promotion")[0].startswith("王五破格提拔；破格情形：")
    assert "市委组字〔2026〕12号" in words(entries, "higher_consent")[0]
    english = told(ctx, d.id, "en")
    assert "education: fail (Regs art. 8 (4))" in words(english, "check_qualifications")[0]


def test_a_relative_recorded_in_the_registry_is_refused_without_a_declaration(ctx, registry):
    from engine import cases
    from engine.errors import Forbidden
    from workflows.demo import INSPECTOR

    spouse = {"relation": "spouse", "name": "考察组成员一", "username": "inspector1", "abroad": False}
    reference.put_entries(ctx, "person", {"1": record("张三", family=[spouse]), "5": record("钱七")}, ADMIN, "admin")
    d = nominated(ctx, (1, 5))
    d.qualify()
    d.meeting({"张三": 20, "钱七": 18})
    d.talk()
    d.confirm(["张三", "钱七"])
    shown = cases.get_case(ctx, d.id)["declarations"]
    assert shown == [{"username": "inspector1", "nominee": "张三", "relation": "spouse", "person_id": 1,
                      "source": "registry", "family_relation": "spouse"}]
    with pytest.raises(Forbidden) as refused:
        d.inspect("张三", team=("inspector1", "inspector2"))
    assert "干部信息库记载 inspector1 与张三存在夫妻关系" in refused.value.message_zh
    d.inspect("钱七", actor=INSPECTOR, team=("inspector1", "inspector2"))  # not related to 钱七


def test_two_nominees_of_the_same_name_are_told_apart_on_every_form_and_in_every_rule(ctx, registry):
    from engine.registry import FormContext
    from workflows.forms.choices import offer

    elder = record("王伟", birth_date="1975-03-02")
    younger = record("王伟", birth_date="1982-11-30", posts=[{**p} for p in record("x")["posts"][:2]] + [
        {"unit": "区财政局", "title": "副局长", "level": "county_deputy", "start": "2018-01-01"}])
    reference.put_entries(ctx, "person", {"11": elder, "12": younger}, ADMIN, "admin")
    d = nominated(ctx, (11, 12, 1))
    assert [n["name"] for n in d.case["data"]["nominate"]["nominees"]] == ["王伟#11", "王伟#12", "张三"]
    assert [n["name"] for n in review_of(d).values()] == ["王伟#11", "王伟#12", "张三"]
    d.qualify()
    with pytest.raises(ValidationFailed) as refused:  # a bare 王伟 names two nominees
        d.meeting({"王伟": 20, "张三": 25})
    assert "votes.王伟" in refused.value.fields and "王伟#11" in refused.value.fields["votes.王伟"]
    d.meeting({"王伟#11": 20, "12": 10, "张三": 25})  # a person id stands for its nominee too
    assert d.case["data"]["meeting_recommendation"]["votes"] == {"王伟#11": 20, "王伟#12": 10, "张三": 25}
    d.talk()
    tally = {row["name"]: row for row in d.case["data"]["tally"]["nominees"]}
    assert (tally["王伟#11"]["excluded"], tally["王伟#12"]["excluded"]) == (False, True)  # 10 of 30: under half
    task = d.tasks("confirm_candidates")[0]
    form_ctx = FormContext(d.id, "confirm_candidates", d.case["data"], task["prefill"], d.case["parameters"], HEAD,
                           "org_head")
    shown = offer("confirm_candidates", form_ctx).fields["candidates"].options
    assert [(o.value, o.label) for o in shown][:2] == [("张三", "张三"), ("王伟#11", "王伟（1975-03-02生，区发改委副主任）")]
    d.confirm(["王伟#11", "张三"])
    assert sorted(t["prefill"]["candidate"] for t in d.tasks("inspection")) == ["张三", "王伟#11"]


def test_the_review_flags_a_relative_in_the_units_leadership_read_as_recorded(ctx, registry):
    director = record("周八", posts=[{"unit": "区发改委", "title": "主任", "level": "county_chief",
                                     "start": "2020-01-01"}])
    brother = {"relation": "sibling", "name": "周八", "person_id": 6, "abroad": False}
    reference.put_entries(ctx, "person", {"6": director, "1": record("张三", family=[*record("x")["family"], brother])},
                          ADMIN, "admin")
    d = nominated(ctx, (1, 3))
    avoidance = {c["rule"]: c for c in review_of(d)["张三"]["checks"]}["office_avoidance"]
    assert avoidance["verdict"] == "warning" and "周八（主任，兄弟姐妹）" in avoidance["detail"]["zh"]
    assert {c["rule"]: c for c in review_of(d)["王五"]["checks"]}["office_avoidance"]["verdict"] == "pass"
    reference.put_entries(ctx, "person", {"6": record("周八")}, ADMIN, "admin")  # no longer leads the unit
    assert replay(ctx, d.id).ok  # the review read 周八's record as it was, and the replay reads that copy


def test_competitive_selection_reviews_the_eligible_applicants_from_the_registry(ctx, registry):
    d = Driver(ctx, "competitive_selection", level="county_chief")
    d.do("registration", CLERK, {"applicants": [{"person_id": 1}, {"person_id": 2}, {"person_id": 3}]})
    d.do("eligibility_review", HEAD, {"eligible": ["张三", "李四"], "rejected": [{"name": "王五", "reason": "报名材料不全"}]})
    assert sorted(review_of(d)) == ["张三", "李四"]  # only the applicants found eligible
    d.qualify()
    assert d.case["data"]["qualified"]["barred"] == [{"person_id": 2, "name": "李四", "rules": ["education"]}]
    assert d.ready() == ["exam_scores"]
    with pytest.raises(ValidationFailed):  # 李四 failed the review: no score for them
        d.do("exam_scores", CLERK, {"scores": {"张三": "90", "李四": "80"}})
    d.do("exam_scores", CLERK, {"scores": {"张三": "90"}})
    d.do("interview_scores", CLERK, {"scores": {"张三": "85"}})
    counts = {"excellent": 20, "competent": 5, "basically_competent": 2, "incompetent": 1}
    d.do("competitive_evaluation", CLERK, {"evaluations": {"张三": counts}})
    assert [s["name"] for s in d.case["data"]["ranking"]["scores"]] == ["张三"]
    assert replay(ctx, d.id).ok


def test_nobody_passing_the_review_ends_the_case(ctx, registry):
    sanctioned = record("吴九", sanctions=[{"kind": "party_warning", "decided_on": "2025-03-02"}])  # until 2026-03-02
    reference.put_entries(ctx, "person", {"9": sanctioned}, ADMIN, "admin")
    d = nominated(ctx, (2, 9))
    assert {c["rule"]: c["verdict"] for c in review_of(d)["吴九"]["checks"]}["sanction_period"] == "fail"
    d.qualify()
    assert (d.case["status"], d.case["outcome"]) == ("completed", "nobody_qualified")
