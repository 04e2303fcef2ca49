"""The forms offer what the case knows: candidates ticked from the tally, the team chosen from the
inspectors (recused ones left out), the proposal from the qualified, the declaration's nominee."""

from __future__ import annotations

from api import engine_context
from engine import audit, cases
from engine.users import create_user
from tests.browser.conftest import PHONE, no_horizontal_scroll, shot
from tests.browser.steps import choice as row
from tests.browser.steps import open_task, submit, tick
from workflows.demo import Driver, nominee, user

JUSTIFICATION = "王五长期在基层一线工作，群众公认度高，会议推荐时部分人员缺席"


def test_the_org_head_confirms_candidates_by_ticking_and_an_excluded_one_asks_why(live, login):
    base, app = live
    ctx = engine_context(app)
    d = Driver(ctx)
    d.to_confirm()  # 张三 25, 李四 18, 王五 10 of 30 present: 王五 below one half
    head = login("orghead1")
    open_task(head, base, "确定考察对象")
    rows = head.locator('fieldset[data-path="candidates"] .choice[data-value]')
    assert rows.all_inner_texts()[0].split()[:4] == ["张三", "25", "83.3%（25/30）", "1"]
    assert "excluded" in (row(head, "candidates", "王五").get_attribute("class") or "")
    assert "得票低于半数，已排除" in row(head, "candidates", "王五").inner_text()
    notes = head.locator('fieldset[data-path="candidates"] ul.notes').inner_text()
    assert "考察对象不多于 2 名" in notes and "前 3 名" in notes and "应当差额考察" in notes
    assert head.locator('[name="single_candidate_reason"]').count() == 0  # 差额 is possible here
    assert head.locator('[name="_comment"]').count() == 0 and head.locator('[name="comment"]').count() == 1
    reason = row(head, "candidates", "王五").locator(".reason")
    assert reason.is_hidden()

    tick(head, "candidates", "张三")
    tick(head, "candidates", "王五")
    assert reason.is_visible()  # asked on the spot, and the cursor is in it
    assert head.evaluate("document.activeElement.name") == reason.locator("textarea").get_attribute("name")
    shot(head, "confirm-excluded-ticked")
    submit(head)  # no justification: refused, the message beside 王五's row
    message = row(head, "candidates", "王五").locator(".field-error")
    assert "王五 得票未达半数已被排除" in message.inner_text()
    assert row(head, "candidates", "张三").locator(".field-error").count() == 0
    assert row(head, "candidates", "王五").locator(".pick input").is_checked() and reason.is_visible()
    assert cases.get_case(ctx, d.id)["tasks"][0]["element_id"] == "confirm_candidates"
    shot(head, "confirm-refused-desktop")

    reason.locator("textarea").fill("群众公认度高")  # too short: the message beside the text
    submit(head)
    assert "理由不少于 20 个字（现为 6 个字）" in reason.locator(".field-error").inner_text()
    assert reason.locator("textarea").input_value() == "群众公认度高"

    phone = login("orghead1", viewport=PHONE)
    open_task(phone, base, "确定考察对象")
    tick(phone, "candidates", "王五")
    submit(phone)
    assert no_horizontal_scroll(phone)
    assert row(phone, "candidates", "王五").locator(".field-error").is_visible()
    shot(phone, "confirm-refused-phone")

    english = login("orghead1", lang="en")
    open_task(english, base, "Confirm the candidates")  # the step in the page's language (issue 13)
    assert "excluded: votes below one half" in row(english, "candidates", "王五").inner_text()
    assert "At most 2 candidates" in english.locator('fieldset[data-path="candidates"] ul.notes').inner_text()
    shot(english, "confirm-english-desktop")

    reason.locator("textarea").fill(JUSTIFICATION)
    submit(head)
    assert "已记录" in head.locator("h1").inner_text()
    case = cases.get_case(ctx, d.id)
    assert case["data"]["confirm_candidates"]["candidates"] == ["张三", "王五"]
    assert case["data"]["confirm_candidates"]["overrides"] == [{"name": "王五", "justification": JUSTIFICATION}]
    with ctx.unit_of_work() as uow:
        overrides = [e for e in audit.events_of(uow.session, audit.case_stream(d.id)) if e.action == "override"]
    assert [(e.actor_username, e.data_out["name"]) for e in overrides] == [("orghead1", "王五")]


def test_a_recused_inspector_is_not_offered_in_the_team(live, login):
    base, app = live
    ctx = engine_context(app)
    create_user(ctx, "inspector3", ["inspector"], "inspector3", "考察组成员三", demo=True)  # password = name
    d = Driver(ctx)
    d.to_confirm()
    d.confirm(["张三", "李四"])
    cases.record_for_guards(ctx, d.id, {"username": "inspector2", "nominee": "张三", "relation": "spouse"},
                              user("inspector2", "inspector"), "inspector")

    page = login("inspector1")
    open_task(page, base, "考察 — 张三")
    offered = page.locator('fieldset[data-path="team"] .choice[data-value]')
    assert [offered.nth(i).get_attribute("data-value") for i in range(offered.count())] == ["inspector1", "inspector3"]
    assert row(page, "team", "inspector1").locator(".pick input").is_checked()  # the submitting user
    assert not row(page, "team", "inspector3").locator(".pick input").is_checked()
    leader = page.locator('select[name="leader"] option')
    assert [leader.nth(i).get_attribute("value") for i in range(leader.count())] == ["", "inspector1", "inspector3"]
    assert "考察组成员二已申报与张三的亲属关系，应当回避，未列出" in page.locator(
        'fieldset[data-path="team"] ul.notes').inner_text()
    assert page.locator("dl.prefill").inner_text().split() == ["考察对象", "张三"]
    shot(page, "inspection-recused-desktop")

    tick(page, "team", "inspector3")
    page.select_option('select[name="leader"]', "inspector3")
    for name, value in {"archive_review": "pass", "personal_matters": "pass", "petition_check": "none",
                        "conclusion": "recommend"}.items():
        page.select_option(f'select[name="{name}"]', value)
    for name, value in {"evaluation.excellent": 20, "evaluation.competent": 8, "evaluation.basically_competent": 1,
                        "evaluation.incompetent": 1, "findings": "政治坚定，实绩突出"}.items():
        page.fill(f'[name="{name}"]', str(value))
    submit(page)
    assert "已记录" in page.locator("h1").inner_text()
    with ctx.unit_of_work() as uow:
        done = [e.data_in for e in audit.events_of(uow.session, audit.case_stream(d.id))
                if e.action == "task_completed" and e.element_id == "inspection"]
    assert [(r["team"], r["leader"]) for r in done] == [(["inspector1", "inspector3"], "inspector3")]

    open_task(page, base, "考察 — 李四")  # not related to 李四: offered there
    assert row(page, "team", "inspector2").count() == 1
    phone = login("inspector1", viewport=PHONE)
    open_task(phone, base, "考察 — 李四")
    assert no_horizontal_scroll(phone)
    shot(phone, "inspection-phone")


LOW_APPROVAL = {"excellent": 10, "competent": 8, "basically_competent": 8, "incompetent": 4}  # 18 of 30 < 2/3


def test_deliberation_offers_the_qualified_and_a_flagged_one_asks_for_its_justification(live, login):
    base, app = live
    ctx = engine_context(app)
    d = Driver(ctx)
    d.to_confirm()
    d.confirm(["张三", "李四"])
    d.inspect("张三")
    d.inspect("李四", evaluation=LOW_APPROVAL)
    d.opinion("张三")
    d.opinion("李四")
    head = login("orghead1")
    open_task(head, base, "酝酿")
    assert "民主测评认可度偏低" in row(head, "proposed", "李四").inner_text()
    assert "60.0%（18/30）" in row(head, "proposed", "李四").inner_text()
    assert "确定拟任人选 1 名" in head.locator('fieldset[data-path="proposed"] ul.notes').inner_text()
    assert head.locator('[name="consulted.0"]').count() == 1  # who was consulted stays free text
    reason = row(head, "proposed", "李四").locator(".reason")
    assert reason.is_hidden() and row(head, "proposed", "张三").locator(".reason").count() == 0
    tick(head, "proposed", "李四")
    assert reason.is_visible()
    head.fill('[name="consulted.0"]', "区委书记")
    shot(head, "deliberation-flagged-desktop")
    submit(head)
    assert "李四 民主测评认可度偏低，须说明理由，不少于 20 个字" in reason.locator(".field-error").inner_text()
    phone = login("orghead1", viewport=PHONE)
    open_task(phone, base, "酝酿")
    tick(phone, "proposed", "李四")
    assert no_horizontal_scroll(phone)
    shot(phone, "deliberation-flagged-phone")
    reason.locator("textarea").fill(JUSTIFICATION.replace("王五", "李四"))
    submit(head)
    assert "已记录" in head.locator("h1").inner_text()
    assert cases.get_case(ctx, d.id)["data"]["deliberation"]["justifications"] == {
        "李四": JUSTIFICATION.replace("王五", "李四")}


def test_a_repeated_committee_round_shows_only_those_still_to_decide(live, login):
    base, app = live
    ctx = engine_context(app)
    d = Driver(ctx, post_count=2)
    d.to_confirm({"张三": 25, "李四": 18, "王五": 16})
    d.confirm(["张三", "李四", "王五"])
    for name in ("张三", "李四", "王五"):
        d.inspect(name)
        d.opinion(name)
    d.deliberate(["张三", "李四"])
    d.committee({"张三": {"agree": 8, "disagree": 1, "defer": 0}, "李四": {"agree": 2, "disagree": 1, "defer": 6}})
    secretary = login("secretary1")
    open_task(secretary, base, "讨论决定")
    titles = secretary.locator('fieldset[data-path="results"] .keyed-row > strong').all_inner_texts()
    assert titles == ["李四"]
    assert "再次讨论决定：李四" in secretary.locator('fieldset[data-path="results"]').inner_text()
    shot(secretary, "committee-repeat-desktop")
    phone = login("secretary1", viewport=PHONE)
    open_task(phone, base, "讨论决定")
    assert no_horizontal_scroll(phone)
    shot(phone, "committee-repeat-phone")


def test_the_relation_declaration_chooses_the_nominee(live, login):
    base, app = live
    ctx = engine_context(app)
    d = Driver(ctx)
    d.to_confirm()
    d.confirm(["张三", "李四"])  # the inspections wait: the case is now an inspector's work (need to know)
    inspector = login("inspector1")
    inspector.goto(f"{base}/cases/{d.id}")
    form = inspector.locator("form.declare")
    options = form.locator('select[name="nominee"] option')
    assert [options.nth(i).get_attribute("value") for i in range(options.count())] == ["", "张三", "李四", "王五"]
    assert form.locator('select[name="username"]').count() == 0  # declaring for oneself
    assert "考察组成员一" in form.inner_text()
    shot(inspector, "declaration-inspector-desktop")
    form.locator('select[name="nominee"]').select_option("李四")
    form.locator('select[name="relation"]').select_option("in_law")
    form.locator("button[type=submit]").click()
    inspector.wait_for_load_state("networkidle")
    declared = [(x["username"], x["nominee"], x["relation"]) for x in cases.get_case(ctx, d.id)["declarations"]]
    assert declared == [("inspector1", "李四", "in_law")]

    head = login("orghead1")
    head.goto(f"{base}/cases/{d.id}")
    users = head.locator('form.declare select[name="username"] option')
    offered = [users.nth(i).get_attribute("value") for i in range(users.count())]
    assert offered == ["clerk1", "discipline1", "inspector1", "inspector2", "orghead1", "secretary1"]  # participants
    assert head.locator('form.declare select[name="username"]').input_value() == "orghead1"
    head.locator('form.declare select[name="username"]').select_option("inspector2")
    head.locator('form.declare select[name="nominee"]').select_option("张三")
    head.locator("form.declare button[type=submit]").click()
    head.wait_for_load_state("networkidle")
    assert ("inspector2", "张三", "spouse") in [(x["username"], x["nominee"], x["relation"])
                                                for x in cases.get_case(ctx, d.id)["declarations"]]
    phone = login("orghead1", viewport=PHONE)
    phone.goto(f"{base}/cases/{d.id}")
    assert no_horizontal_scroll(phone)
    phone.locator("form.declare").scroll_into_view_if_needed()
    shot(phone, "declaration-orghead-phone", full_page=False)


def test_the_eligibility_review_asks_a_reason_for_each_applicant_not_ticked(live, login):
    base, app = live
    ctx = engine_context(app)
    d = Driver(ctx, "competitive_selection")
    d.do("registration", user("clerk1", "clerk"), {"applicants": [nominee(n) for n in ("赵一", "钱二", "孙三")]})
    head = login("orghead1")
    open_task(head, base, "资格审查")
    assert all(row(head, "eligible", n).locator(".pick input").is_checked() for n in ("赵一", "钱二", "孙三"))
    assert head.locator('fieldset[data-path="eligible"] .reason:visible').count() == 0
    tick(head, "eligible", "孙三", on=False)
    reason = row(head, "eligible", "孙三").locator(".reason")
    assert reason.is_visible()
    shot(head, "eligibility-desktop")
    submit(head)  # no reason for 孙三: undecided
    assert "以下报名人未作资格审查结论：孙三" in head.locator('fieldset[data-path="eligible"]').inner_text()
    phone = login("orghead1", viewport=PHONE)
    open_task(phone, base, "资格审查")
    tick(phone, "eligible", "孙三", on=False)
    assert no_horizontal_scroll(phone)
    shot(phone, "eligibility-phone")
    reason.locator("textarea").fill("不具备大学本科学历")
    submit(head)
    assert "已记录" in head.locator("h1").inner_text()
    review = cases.get_case(ctx, d.id)["data"]["eligibility_review"]
    assert review == {"eligible": ["赵一", "钱二"], "rejected": [{"name": "孙三", "reason": "不具备大学本科学历"}]}


def test_one_comment_field_per_step_at_both_widths(live, login):
    """A form with its own `comment` (意见) does not also ask for the step's comment (备注)."""
    base, app = live
    ctx = engine_context(app)
    motion = Driver(ctx)  # waits for 研究动议
    opinions = Driver(ctx)
    opinions.to_confirm()
    opinions.confirm(["张三", "李四"])  # 廉政意见 waits
    Driver(ctx).to_deliberation()  # 酝酿 waits
    for username, title, name, own in (("orghead1", "研究动议", "approve-motion", True),
                                       ("discipline1", "廉政意见", "integrity-opinion", True),
                                       ("orghead1", "酝酿", "deliberation", False)):
        for viewport, suffix in ((None, "desktop"), (PHONE, "phone")):
            page = login(username, viewport=viewport) if viewport else login(username)
            open_task(page, base, title)
            assert page.locator('[name="comment"]').count() == (1 if own else 0), title
            assert page.locator('[name="_comment"]').count() == (0 if own else 1), title
            assert no_horizontal_scroll(page)
            shot(page, f"{name}-{suffix}")
    page = login("orghead1")
    open_task(page, base, "研究动议")
    page.select_option('[name="decision"]', "approve")
    page.fill('[name="comment"]', "同意启动")
    submit(page)
    with ctx.unit_of_work() as uow:
        event = [e for e in audit.events_of(uow.session, audit.case_stream(motion.id))
                 if e.element_id == "approve_motion"][0]
    assert (event.data_in, event.comment) == ({"decision": "approve", "comment": "同意启动"}, None)


def test_a_withdrawal_is_recorded_choosing_the_nominee_and_a_report_during_publicity(live, login):
    base, app = live
    ctx = engine_context(app)
    d = Driver(ctx)
    d.to_confirm()
    clerk = login("clerk1")
    clerk.goto(f"{base}/cases/{d.id}")
    clerk.locator("a.button", has_text="登记退出").click()
    names = clerk.locator('select[name="name"] option')
    assert [names.nth(i).get_attribute("value") for i in range(names.count())] == ["", "张三", "李四", "王五"]
    clerk.select_option('select[name="name"]', "王五")
    clerk.fill('[name="reason"]', "本人因身体原因申请退出")
    shot(clerk, "withdraw-desktop")
    submit(clerk)
    assert "已记录：退出" in clerk.locator(".flash.ok").inner_text()
    assert [w["name"] for w in cases.get_case(ctx, d.id)["data"]["withdrawals"]] == ["王五"]
    phone = login("clerk1", viewport=PHONE)
    phone.goto(f"{base}/cases/{d.id}/messages/withdraw")
    names = phone.locator('select[name="name"] option')
    assert [names.nth(i).get_attribute("value") for i in range(names.count())] == ["", "张三", "李四"]
    assert no_horizontal_scroll(phone)
    shot(phone, "withdraw-phone")

    p = Driver(ctx)
    p.to_publicity()
    discipline = login("discipline1")
    discipline.goto(f"{base}/cases/{p.id}")
    discipline.locator("a.button", has_text="登记公示期间举报").click()
    discipline.fill('[name="channel"]', "12380")
    discipline.check('[name="named"]')
    discipline.check('[name="specific"]')
    discipline.fill('[name="summary"]', "反映其在原单位分管工程时存在违规问题")
    shot(discipline, "publicity-report-desktop")
    submit(discipline)
    assert [r["summary"] for r in cases.get_case(ctx, p.id)["data"]["reports"]] == ["反映其在原单位分管工程时存在违规问题"]
