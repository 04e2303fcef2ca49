"""A clerk nominates two people of the registry by their ids, reads the qualification verdicts with
their articles, and attests the one the records lack."""

from __future__ import annotations

from api import engine_context
from engine import cases, reference
from engine.actors import Actor
from tests.browser.conftest import shot
from tests.browser.steps import fill_form, open_task, submit
from workflows.demo import Driver
from workflows.registry.person import validate_person


def record(name: str, birth: str, **changes) -> dict:
    person = {
        "name": name, "gender": "男", "birth_date": birth, "work_start_date": "2000-07-01",
        "education": [{"kind": "full_time", "level": "bachelor", "school": "某大学", "major": "经济学"}],
        "posts": [{"unit": "某乡", "title": "副乡长", "level": "township_deputy", "start": "2008-01-01",
                   "end": "2012-01-01", "grassroots": True},
                  {"unit": "某镇", "title": "镇长", "level": "township_chief", "start": "2012-01-01",
                   "end": "2018-01-01", "grassroots": True},
                  {"unit": "区发改委", "title": "副主任", "level": "county_deputy", "start": "2018-01-01"}],
        "appraisals": [{"year": 2025, "grade": "competent"}],
        "training": [{"name": "中青年干部培训班", "end": "2024-06-30"}],
        "family": [{"relation": "spouse", "name": "林某", "abroad": False}]}
    return validate_person({**person, **changes})


def test_a_clerk_nominates_from_the_registry_and_attests_a_missing_verdict(live, login):
    base, app = live
    ctx = engine_context(app)
    admin = Actor("admin1", "系统管理员", frozenset({"admin"}))
    reference.put_entries(ctx, "person", {"21": record("王伟", "1975-03-02"),
                                          "22": record("王伟", "1982-11-30", appraisals=[])}, admin, "admin")
    d = Driver(ctx, rank="正处级")
    d.approve()
    clerk = login("clerk1")
    open_task(clerk, base, "提名")
    fill_form(clerk, {"nominees.0.person_id": 21, "nominees.1.person_id": 22})
    shot(clerk, "registry-nominate-by-id")
    submit(clerk)
    nominees = cases.get_case(ctx, d.id)["data"]["nominate"]["nominees"]
    assert [(n["person_id"], n["name"], n["birth_date"]) for n in nominees] == [
        (21, "王伟#21", "1975-03-02"), (22, "王伟#22", "1982-11-30")]

    open_task(clerk, base, "资格审查")
    facts = clerk.locator("dl.prefill").inner_text()
    # each verdict with its article; the two 王伟 told apart by birth date and post
    assert "王伟（1975-03-02生，区发改委副主任；编号 21） · 文化程度" in facts
    assert "文化程度：符合（《条例》第八条第（四）项）" in facts
    assert "年度考核：缺少信息（《条例》第二十四条第（三）项），档案信息中缺少 2025 年度考核结果" in facts
    assert clerk.locator('[name="attested.0.rule"]').input_value() == "appraisal"
    assert clerk.locator('[name="attested.0.person_id"]').input_value() == "22"
    assert clerk.locator('[name="attested.1.rule"]').count() == 0  # only the one missing verdict
    fill_form(clerk, {"attested.0.note": "经查阅干部人事档案，2025 年度考核为称职"})
    shot(clerk, "registry-qualification-review")
    submit(clerk)
    case = cases.get_case(ctx, d.id)
    confirmed = case["data"]["qualification_review"]["qualification"]["nominees"][1]
    appraisal = next(c for c in confirmed["checks"] if c["rule"] == "appraisal")
    assert appraisal["attestation"] == {"note": "经查阅干部人事档案，2025 年度考核为称职", "by": "clerk1"}
    assert [n["name"] for n in case["data"]["ballot"]] == ["王伟#21", "王伟#22"]
    open_task(clerk, base, "会议推荐")
    labels = clerk.locator('fieldset[data-path="votes"]').inner_text()
    assert "王伟（1975-03-02生，区发改委副主任）" in labels and "王伟（1982-11-30生，区发改委副主任）" in labels
    shot(clerk, "registry-votes-two-wang-wei")
