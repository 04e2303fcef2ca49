"""A clerk finds two 王伟 in the registry from the nominate form, adds both by the search results, reads the qualification verdicts with
their articles, and attests the one the records lack."""

from __future__ import annotations

from api import engine_context
from engine import cases
from engine.actors import Actor
from tests.browser.conftest import PHONE, shot
from tests.browser.steps import fill_form, open_task, submit
from workflows.demo import Driver
from workflows.registry import store
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
    one, two = (store.create_person(ctx, record("王伟", "1975-03-02"), admin, "admin")["id"],
                store.create_person(ctx, record("王伟", "1982-11-30", appraisals=[]), admin, "admin")["id"])
    d = Driver(ctx, rank="正处级")
    d.approve()
    phone = login("clerk1", viewport=PHONE)
    open_task(phone, base, "提名")
    find(phone, "王伟")
    phone.locator(".pick-person").first.click()
    phone.locator(".pick-person").first.click()  # the same person again: still one row
    assert phone.locator('[name="nominees.1.person_id"]').count() == 0
    shot(phone, "registry-nominate-search-phone")
    clerk = login("clerk1")
    open_task(clerk, base, "提名")
    found = find(clerk, "王伟")
    # the two told apart by birth date and current post; added by the results, no id typed
    assert found.all_inner_texts() == [f"王伟（男，1975-03-02生，区发改委 · 副主任；编号 {one}）",
                                       f"王伟（男，1982-11-30生，区发改委 · 副主任；编号 {two}）"]
    for item in found.all():
        item.locator("xpath=..").locator(".pick-person").click()
    assert [clerk.locator(f'[name="nominees.{i}.person_id"]').input_value() for i in (0, 1)] == [str(one), str(two)]
    assert "干部信息库：王伟（男，1982-11-30生" in clerk.locator('fieldset[data-path="nominees"]').inner_text()
    shot(clerk, "registry-nominate-search")
    submit(clerk)
    nominees = cases.get_case(ctx, d.id)["data"]["nominate"]["nominees"]
    assert [(n["person_id"], n["name"], n["birth_date"]) for n in nominees] == [
        (one, f"王伟#{one}", "1975-03-02"), (two, f"王伟#{two}", "1982-11-30")]

    open_task(clerk, base, "资格审查")
    facts = clerk.locator("dl.prefill").inner_text()
    # each verdict with its article; the two 王伟 told apart by birth date and post
    assert f"王伟（1975-03-02生，区发改委副主任；编号 {one}） · 文化程度" in facts
    assert "文化程度：符合（《条例》第八条第（四）项）" in facts
    assert "年度考核：缺少信息（《条例》第二十四条第（三）项），档案信息中缺少 2025 年度考核结果" in facts
    assert clerk.locator('[name="attested.0.rule"]').input_value() == "appraisal"
    assert clerk.locator('[name="attested.0.person_id"]').input_value() == str(two)
    assert clerk.locator('[name="attested.1.rule"]').count() == 0  # only the one missing verdict
    fill_form(clerk, {"attested.0.note": "经查阅干部人事档案，2025 年度考核为称职"})
    shot(clerk, "registry-qualification-review")
    submit(clerk)
    case = cases.get_case(ctx, d.id)
    confirmed = case["data"]["qualification_review"]["qualification"]["nominees"][1]
    appraisal = next(c for c in confirmed["checks"] if c["rule"] == "appraisal")
    assert appraisal["attestation"] == {"note": "经查阅干部人事档案，2025 年度考核为称职", "by": "clerk1"}
    assert [n["name"] for n in case["data"]["ballot"]] == [f"王伟#{one}", f"王伟#{two}"]
    open_task(clerk, base, "会议推荐")
    labels = clerk.locator('fieldset[data-path="votes"]').inner_text()
    assert "王伟（1975-03-02生，区发改委副主任）" in labels and "王伟（1982-11-30生，区发改委副主任）" in labels
    shot(clerk, "registry-votes-two-wang-wei")


def find(page, words: str):
    """Search the registry from the nominate form; the results' descriptions."""
    page.fill(".person-search [name=q]", words)
    page.locator(".person-search button[type=submit]").click()
    page.wait_for_selector(".person-search .found .who")
    return page.locator(".person-search .found .who")
