"""Clerks and the other participants complete the standard procedure through the web forms."""

from __future__ import annotations

from datetime import timedelta

from api import engine_context
from engine import cases, timers
from tests.browser.conftest import PHONE, no_horizontal_scroll, shot
from tests.browser.steps import fill_form, open_task, submit, tick

NOMINEES = [("张三", "男"), ("李四", "女"), ("王五", "男")]


def test_a_case_from_motion_to_appointment_through_the_forms(live, login):
    base, app = live
    clerk = login("clerk1")
    clerk.locator("a.button", has_text="党政领导干部选拔任用").click()
    fill_form(clerk, {"position": "区发改委主任", "unit": "区发改委", "post_count": 1, "rank": "正科级",
                      "reason": "原主任退休"})
    shot(clerk, "clerk-start-case")
    submit(clerk)
    assert "区发改委主任" in clerk.locator("h1").inner_text()
    case_id = int(clerk.url.rsplit("/", 1)[1])

    head = login("orghead1")
    open_task(head, base, "研究动议")
    fill_form(head, {"decision": "approve", "comment": "同意启动"})
    submit(head)
    assert "已记录" in head.locator("h1").inner_text() or "Recorded" in head.locator("h1").inner_text()

    open_task(clerk, base, "提名")
    values = {}
    for i, (name, gender) in enumerate(NOMINEES):
        values.update({f"nominees.{i}.name": name, f"nominees.{i}.gender": gender,
                       f"nominees.{i}.birth_date": "1980-05-01", f"nominees.{i}.current_post": "副局长",
                       f"nominees.{i}.unit": "区发改委"})
    fill_form(clerk, values)
    shot(clerk, "clerk-nominate")
    submit(clerk)

    # typed nominees have no records: each missing verdict comes as a row, attested from the file
    open_task(clerk, base, "资格审查")
    rows = clerk.locator('[name$=".note"]').count()
    assert rows == 6  # appraisal and family for each of the three
    fill_form(clerk, {f"attested.{i}.note": "经查阅干部人事档案，符合要求" for i in range(rows)})
    submit(clerk)

    open_task(clerk, base, "会议推荐")
    fill_form(clerk, {"meeting_date": "2026-03-10", "expected": 30, "present": 30, "ballots_issued": 30,
                      "ballots_returned": 30, "valid_ballots": 30, "votes.张三": 25, "votes.李四": 18, "votes.王五": 10})
    submit(clerk)
    open_task(clerk, base, "谈话调研推荐")
    fill_form(clerk, {"interviewed": 12, "mentions.张三": 8, "summary": "普遍认可"})
    submit(clerk)

    open_task(head, base, "确定考察对象")
    tick(head, "candidates", "张三")
    tick(head, "candidates", "李四")
    fill_form(head, {"comment": "差额考察"})
    submit(head)

    inspector = login("inspector1")
    discipline = login("discipline1")
    for name in ("张三", "李四"):
        open_task(inspector, base, f"考察 — {name}")
        tick(inspector, "team", "inspector2")  # inspector1, the submitting user, is ticked already
        fill_form(inspector, {"leader": "inspector1",
                              "archive_review": "pass", "personal_matters": "pass", "petition_check": "none",
                              "evaluation.excellent": 20, "evaluation.competent": 8,
                              "evaluation.basically_competent": 1, "evaluation.incompetent": 1,
                              "findings": "政治坚定，实绩突出", "conclusion": "recommend"})
        if name == "张三":
            shot(inspector, "inspector-form")
        submit(inspector)
        open_task(discipline, base, f"廉政意见 — {name}")
        fill_form(discipline, {"opinion": "clear"})
        submit(discipline)

    open_task(head, base, "酝酿")
    tick(head, "proposed", "张三")
    fill_form(head, {"consulted.0": "区委书记"})
    submit(head)

    secretary = login("secretary1")
    open_task(secretary, base, "讨论决定")
    fill_form(secretary, {"meeting_date": "2026-03-30", "members_due": 9, "members_present": 9,
                          "principal_spoke_last": True, "results.张三.agree": 8, "results.张三.disagree": 1,
                          "results.张三.defer": 0})
    shot(secretary, "secretary-committee")
    submit(secretary)

    clerk.goto(f"{base}/cases/{case_id}")
    clerk.wait_for_selector("#diagram[data-ready=true]")
    shot(clerk, "case-page-publicity")
    assert clerk.locator(".chart .bar-row").count() == 3

    ctx = engine_context(app)  # the publicity period passes; the timer worker fires
    due = cases.get_case(ctx, case_id)["next_due_at"]
    from datetime import datetime

    ctx.clock.set(datetime.fromisoformat(due.replace("Z", "+00:00")) + timedelta(minutes=1))
    assert timers.fire_due(ctx) == [case_id]

    open_task(clerk, base, "任职")
    fill_form(clerk, {"notice_number": "区委〔2026〕12号", "effective_date": "2026-04-15", "talk_by": "orghead1"})
    submit(clerk)
    clerk.goto(f"{base}/cases/{case_id}")
    assert "已任职" in clerk.locator(".badge").inner_text()
    shot(clerk, "case-page-appointed")
    assert cases.get_case(ctx, case_id)["outcome"] == "appointed"


def test_a_wrong_vote_count_is_explained_beside_its_field_and_the_values_stay(live, login):
    base, app = live
    from workflows.demo import Driver

    d = Driver(engine_context(app))
    d.approve()
    d.nominate()
    clerk = login("clerk1")
    open_task(clerk, base, "会议推荐")
    fill_form(clerk, {"meeting_date": "2026-03-10", "expected": 30, "present": 30, "ballots_issued": 30,
                      "ballots_returned": 30, "valid_ballots": 30, "votes.张三": 31, "votes.李四": 18, "votes.王五": 10})
    submit(clerk)
    error = clerk.locator('[id="err-votes.张三"]')
    assert error.is_visible() and "30" in error.inner_text()
    assert clerk.locator('[name="votes.张三"]').get_attribute("aria-invalid") == "true"
    assert clerk.locator('[name="votes.李四"]').input_value() == "18"
    assert clerk.locator('[name="meeting_date"]').input_value() == "2026-03-10"
    shot(clerk, "clerk-vote-error")
    phone = login("clerk1", viewport=PHONE)
    open_task(phone, base, "会议推荐")
    fill_form(phone, {"votes.张三": 31})
    submit(phone)
    assert no_horizontal_scroll(phone)
    shot(phone, "clerk-vote-error-phone")


def test_pages_fit_a_phone_and_a_desktop(live, login):
    base, app = live
    from workflows.demo import Driver

    d = Driver(engine_context(app))
    d.to_confirm()
    for viewport, suffix in ((None, "desktop"), (PHONE, "phone")):
        page = login("orghead1", viewport=viewport) if viewport else login("orghead1")
        for path, name in (("/", "inbox"), (f"/cases/{d.id}", "case"), ("/cases", "cases"), ("/me", "me")):
            page.goto(base + path)
            page.wait_for_load_state("networkidle")
            assert no_horizontal_scroll(page), f"{path} scrolls sideways at {suffix}"
            shot(page, f"{name}-{suffix}")
        open_task(page, base, "确定考察对象")
        assert no_horizontal_scroll(page)
        shot(page, f"confirm-form-{suffix}")
