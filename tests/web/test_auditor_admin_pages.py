"""The auditors' and administrators' pages through the Flask test client: who may open what, the
timeline, the replay, verification, the exports (JSON, CSV, PDF), users and the holiday calendar."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from sqlalchemy import select, update

from api import create_app, engine_context
from api.web.pdf import record_pdf
from engine import audit, reference
from engine.accounts import PASSWORD_POLICY
from engine.records import responsibility_record
from engine.replay import replay
from engine.storage.models import Case, User
from tests.conftest import START, TEST_KEY
from workflows import DEMO_USERS, ROLES
from workflows.demo import Driver, demo_users, deploy
from workflows.narrative import narrate


@pytest.fixture
def app(db_url, monkeypatch):
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": TEST_KEY})
    ctx = engine_context(app)
    ctx.clock.set(START)
    deploy(ctx)
    demo_users(ctx)
    return app


@pytest.fixture
def appointed(app) -> int:
    """A case that went the whole way: publicity period over, appointed."""
    driver = Driver(engine_context(app))
    driver.to_publicity()
    driver.wait_for_timer()
    driver.appoint()
    assert driver.case["outcome"] == "appointed"
    return driver.id


def signed_in(app, username: str, lang: str | None = None):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": username})
    assert response.status_code == 302, response.text
    if lang:
        client.get(f"/lang/{lang}")
    return client


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", data))


def field_error(html: str, name: str) -> str:
    found = re.search(rf'id="err-{re.escape(name)}"[^>]*>([^<]+)<', html)
    return found.group(1) if found else ""


# --- who may open what ----------------------------------------------------------------------------

def test_role_rules(app, appointed):
    anonymous = app.test_client()
    assert anonymous.get("/audit/").status_code == 302  # to the sign-in page
    assert anonymous.get("/admin/users").status_code == 302

    clerk = signed_in(app, "clerk1")
    for path in ("/audit/", f"/audit/cases/{appointed}", f"/audit/cases/{appointed}/replay",
                 f"/audit/cases/{appointed}/record.pdf", "/admin/users", "/admin/calendar"):
        assert clerk.get(path).status_code == 403, path
    assert clerk.post("/audit/verify").status_code == 403

    auditor = signed_in(app, "auditor1")
    assert auditor.get("/admin/users").status_code == 403
    assert auditor.get("/admin/calendar").status_code == 403
    assert auditor.post("/admin/users", data={"username": "mallory", "password": "x" * 10,
                                              "roles": ["admin"]}).status_code == 403
    assert auditor.post("/admin/calendar", data={"day": "2031-01-01", "kind": "holiday"}).status_code == 403

    head = signed_in(app, "orghead1")  # reads the timeline and the exports, neither replays nor verifies all
    assert head.get("/audit/").status_code == 200
    assert head.get(f"/audit/cases/{appointed}").status_code == 200
    assert head.get(f"/audit/cases/{appointed}/record.csv").status_code == 200
    assert head.get(f"/audit/cases/{appointed}/replay").status_code == 403
    assert head.post("/audit/verify").status_code == 403
    assert "verify-all" not in head.get("/audit/").text

    admin = signed_in(app, "admin1")
    assert admin.get("/audit/").status_code == 403
    with engine_context(app).unit_of_work() as uow:
        refused = [e for e in audit.events_of(uow.session, "security") if e.action == "access_refused"]
    assert any(e.actor_username == "clerk1" for e in refused)  # every refusal is recorded


def test_missing_case_and_unknown_format(app, appointed):
    auditor = signed_in(app, "auditor1")
    assert auditor.get("/audit/cases/999").status_code == 404
    assert auditor.get("/audit/cases/999/replay").status_code == 404
    assert auditor.get("/audit/cases/999/record.pdf").status_code == 404
    assert auditor.get(f"/audit/cases/{appointed}/record.xml").status_code == 404


# --- the auditor's pages ----------------------------------------------------------------------------

def test_overview_lists_cases_and_verifies_the_whole_trail(app, appointed):
    running = Driver(engine_context(app)).id
    auditor = signed_in(app, "auditor1", lang="en")
    page = auditor.get("/audit/").text
    assert f'href="/audit/cases/{appointed}"' in page and f'href="/audit/cases/{running}"' in page
    assert "appointed" in page and "running" in page
    assert f'href="/audit/cases/{appointed}/replay"' in page
    completed = auditor.get("/audit/?status=completed").text
    assert f'href="/audit/cases/{running}"' not in completed

    verified = auditor.post("/audit/verify")
    assert verified.status_code == 200
    assert 'id="verify-report"' in verified.text and "The trail is intact" in verified.text
    with engine_context(app).unit_of_work() as uow:
        expected = audit.verify(uow.session).as_dict()
    assert f"{expected['events_checked']} events checked, 0 problems." in verified.text

    # someone edits a case's stored state behind the engine's back: the page names the case and the problem
    with engine_context(app).unit_of_work(write=True) as uow:
        uow.session.execute(update(Case).where(Case.id == appointed).values(snapshot="{}"))
        uow.commit()
    tampered = auditor.post("/audit/verify").text
    assert "The trail has problems" in tampered
    assert f"case/{appointed}" in tampered and "stored state does not match" in tampered
    assert f'href="/audit/cases/{appointed}"' in tampered
    timeline = auditor.get(f"/audit/cases/{appointed}").text
    assert "problems found" in timeline and "stored state does not match" in timeline


def test_timeline_shows_every_event_in_order(app, appointed):
    record = responsibility_record(engine_context(app), appointed, "zh-CN")
    auditor = signed_in(app, "auditor1")
    page = auditor.get(f"/audit/cases/{appointed}").text
    positions = [page.index(f'id="event-{e["seq"]}"') for e in record["entries"]]
    assert positions == sorted(positions) and len(positions) == 25  # the review's three, the registry note the last
    for entry in record["entries"]:
        chunk = page[page.index(f'id="event-{entry["seq"]}"'):]
        chunk = chunk[:chunk.index("</li>")]
        assert entry["display_name"] in chunk and f"<code>{entry['user']}</code>" in chunk
        assert entry["action_label"] in chunk and entry["step"] in chunk
        assert entry["hash"][:12] in chunk
    assert "干部科经办人" in page and "研究动议" in page and "同意启动" in page  # names, steps, data entered
    assert '"excluded": true' in html.unescape(page)  # what the tally decided
    assert "✓" in page and "完整" in page  # this case's verification
    for fmt in ("pdf", "csv", "json"):
        assert f'href="/audit/cases/{appointed}/record.{fmt}"' in page
    assert f'href="/audit/cases/{appointed}/replay"' in page

    english = signed_in(app, "auditor1", lang="en").get(f"/audit/cases/{appointed}").text
    assert "Every event, in order" in english and "engine decision" in english and "intact" in english
    head = signed_in(app, "orghead1").get(f"/audit/cases/{appointed}").text
    assert f'href="/audit/cases/{appointed}/replay"' not in head  # the org_head does not replay


def test_replay_page_steps_and_markers(app, appointed):
    report = replay(engine_context(app), appointed).as_dict()
    auditor = signed_in(app, "auditor1")
    page = auditor.get(f"/audit/cases/{appointed}/replay").text
    assert report["ok"] and "重演结果与记录一致" in page
    assert len(re.findall(r'<section class="card step matched" id="step-\d+"', page)) == len(report["steps"]) == 16
    assert f'max="{len(report["steps"])}"' in page and 'id="next-step"' in page and 'id="prev-step"' in page
    assert f'data-src="/cases/{appointed}/diagram.json"' in page
    done = json.loads(re.search(r'<script type="application/json" id="replay-steps">(.*?)</script>', page, re.S)[1])
    elements = json.loads(re.search(r'id="replay-elements">(.*?)</script>', page, re.S)[1])
    assert elements[:3] == ["cadre_selection", "approve_motion", "nominate"]
    assert done[0] == [] and done[1] == ["approve_motion"]
    assert all(set(a) <= set(b) for a, b in zip(done, done[1:], strict=False))  # done only grows
    assert "tally_recommendation" in done[5] and "appoint" in done[-1]
    step5 = page[page.index('id="step-6"'):page.index('id="step-7"')]  # after the qualification review
    assert "谈话调研推荐" in step5 and "统计推荐票" in step5 and '"interviewed": 12' in html.unescape(step5)


def test_replay_page_shows_mismatches(app, appointed, monkeypatch):
    import api.web.auditor as auditor_module

    real = auditor_module.replay

    def differing(ctx, case_id):
        report = real(ctx, case_id)
        report.mismatches.append({"seq": 7, "action": "service_task", "problem": "the decision differs: test"})
        return report

    monkeypatch.setattr(auditor_module, "replay", differing)
    page = signed_in(app, "auditor1", lang="en").get(f"/audit/cases/{appointed}/replay").text
    assert "Mismatches between the replay and the record: 1" in page
    assert 'class="card step differs" id="step-5"' in page
    step5 = page[page.index('id="step-5"'):page.index('id="step-6"')]  # events 6-7 form step 5
    assert "replay differs" in step5 and "the decision differs: test" in step5


# --- exports ------------------------------------------------------------------------------------------

def test_exports(app, appointed):
    auditor = signed_in(app, "auditor1")
    record = responsibility_record(engine_context(app), appointed, "zh-CN")

    as_json = auditor.get(f"/audit/cases/{appointed}/record.json")
    assert as_json.status_code == 200 and as_json.mimetype == "application/json"
    assert "attachment" in as_json.headers["Content-Disposition"]
    assert json.loads(as_json.data)["entries"] == record["entries"]

    as_csv = auditor.get(f"/audit/cases/{appointed}/record.csv")
    assert as_csv.status_code == 200 and as_csv.content_type == "text/csv; charset=utf-8"
    assert as_csv.headers["Content-Disposition"] == f"attachment; filename=case-{appointed}-record.csv"
    rows = list(csv.reader(io.StringIO(as_csv.data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["序号", "时间（北京时间）", "办理人", "用户名", "角色"]
    assert len(rows) == 1 + len(record["entries"]) == 26
    assert [int(r[0]) for r in rows[1:]] == list(range(1, 26))

    as_pdf = auditor.get(f"/audit/cases/{appointed}/record.pdf")
    assert as_pdf.status_code == 200 and as_pdf.mimetype == "application/pdf"
    assert as_pdf.headers["Content-Disposition"] == f"attachment; filename=case-{appointed}-record.pdf"
    assert as_pdf.data.startswith(b"%PDF")
    assert 1 <= pdf_pages(as_pdf.data) <= 6  # 22 entries, some with long data
    assert b"STSong-Light" in as_pdf.data  # Chinese through the built-in CID font, no font file


def entry(seq: int, data: dict | None = None) -> dict:
    data = data or {"comment": "同意"}
    return {"seq": seq, "at": "2026-03-02T01:00:00.000000Z", "user": "clerk1", "display_name": "干部科经办人",
            "role": "clerk", "action": "task_completed", "action_label": "办理", "element_id": "nominate",
            "step": "提名", "entered": data, "decided": {"ready": ["next"]}, "comment": None, "hash": "ab" * 32,
            "narrative": narrate({"action": "task_completed", "element_id": "other", "entered": data})}


def test_pdf_pages_grow_with_the_entries_and_long_data_is_kept():
    record = {"case_id": 7, "procedure": "cadre_selection", "version": 1, "procedure_sha256": "cd" * 32,
              "status": "completed", "outcome": "appointed", "started_by": "clerk1",
              "started_at": "2026-03-02T01:00:00.000000Z", "head_hash": "ef" * 32}
    short = record_pdf({**record, "entries": [entry(i) for i in range(1, 21)]}, "zh-CN")
    many = record_pdf({**record, "entries": [entry(i) for i in range(1, 101)]}, "en")
    assert short.startswith(b"%PDF") and many.startswith(b"%PDF")
    assert 1 <= pdf_pages(short) <= 2
    assert 3 <= pdf_pages(many) <= 8  # roughly one page per 20 entries
    huge = {"nominees": [{"name": f"候选人{i}", "unit": "区发改委" * 5} for i in range(400)]}  # taller than a page
    long = record_pdf({**record, "entries": [entry(1, huge), entry(2)]}, "zh-CN")
    assert pdf_pages(long) >= 2  # the step's paragraph goes on over the page instead of failing or being cut off
    assert record_pdf({**record, "entries": []}, "en").startswith(b"%PDF")


# --- administration: users ------------------------------------------------------------------------------

def test_admin_lists_and_creates_users(app):
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/users").text
    for username in DEMO_USERS:
        assert f'data-user="{username}"' in page
    for role in ROLES:
        assert f'name="roles" value="{role}"' in page
    assert 'name="csrf_token"' in page

    created = admin.post("/admin/users", data={"username": "auditor2", "display_name": "监督检查员二",
                                               "password": "A-long-secret-9", "roles": ["auditor", "org_head"]})
    assert created.status_code == 302
    listed = admin.get("/admin/users").text
    assert 'data-user="auditor2"' in listed and "监督检查员二" in listed and "已创建用户 auditor2" in listed
    newcomer = app.test_client()
    assert newcomer.post("/login", data={"username": "auditor2", "password": "A-long-secret-9"}).status_code == 302
    assert newcomer.get("/audit/").status_code == 200
    with engine_context(app).unit_of_work() as uow:
        user = uow.session.scalar(select(User).where(User.username == "auditor2"))
        events = [e for e in audit.events_of(uow.session, "users") if e.actor_username != "system"]  # not the demo set-up
    assert user.roles == ["auditor", "org_head"] and user.active
    assert [(e.action, e.actor_username, e.element_id) for e in events] == [("user_created", "admin1", "auditor2")]
    assert "A-long-secret-9" not in json.dumps(events[0].data_in)  # never the password
    assert "demo" not in events[0].data_in  # a real account: the password policy applied


def test_user_form_errors_beside_their_fields(app):
    admin = signed_in(app, "admin1")
    bad = admin.post("/admin/users", data={"username": "x", "password": "short"})
    assert bad.status_code == 422
    assert field_error(bad.text, "username") == "2 至 64 个字母、数字或 . _ - 字符，以字母或数字开头"
    assert field_error(bad.text, "password") == f"密码须{PASSWORD_POLICY[1]}"
    assert field_error(bad.text, "roles") == "请至少选择一个角色"
    assert 'value="x"' in bad.text  # what was typed stays

    admin.get("/lang/en")
    taken = admin.post("/admin/users", data={"username": "clerk1", "password": "Long-enough-1", "roles": ["clerk"]})
    assert taken.status_code == 422 and field_error(taken.text, "username") == "The user name clerk1 is taken."
    unknown = admin.post("/admin/users", data={"username": "eve", "password": "Long-enough-1", "roles": ["root"]})
    assert field_error(unknown.text, "roles") == "unknown role: root"
    with engine_context(app).unit_of_work() as uow:
        assert uow.session.scalar(select(User).where(User.username == "eve")) is None


def test_admin_changes_roles_and_deactivates(app):
    admin = signed_in(app, "admin1")
    edit = admin.get("/admin/users?edit=clerk1").text
    assert 'id="edit"' in edit and 'action="/admin/users/clerk1/roles#edit"' in edit
    assert 'id="edit-clerk" checked' in edit

    assert admin.post("/admin/users/clerk1/roles", data={"roles": ["clerk", "inspector"]}).status_code == 302
    clerk = signed_in(app, "clerk1")
    assert "inspector" in clerk.get("/me").text  # the new role applies at once

    refused = admin.post("/admin/users/clerk1/roles", data={})
    assert refused.status_code == 422 and field_error(refused.text, "roles") == "请至少选择一个角色"
    own = admin.post("/admin/users/admin1/roles", data={"roles": ["auditor"]})
    assert own.status_code == 422 and field_error(own.text, "roles") == "不能取消自己的系统管理员角色。"
    assert admin.post("/admin/users/admin1/active", data={"active": "0"}).status_code == 422
    assert admin.post("/admin/users/nobody/roles", data={"roles": ["clerk"]}).status_code == 404

    assert admin.post("/admin/users/clerk1/active", data={"active": "0"}).status_code == 302
    assert app.test_client().post("/login", data={"username": "clerk1", "password": "clerk1"}).status_code == 401
    assert "已停用" in admin.get("/admin/users").text
    assert admin.post("/admin/users/clerk1/active", data={"active": "1"}).status_code == 302
    assert app.test_client().post("/login", data={"username": "clerk1", "password": "clerk1"}).status_code == 302

    with engine_context(app).unit_of_work() as uow:
        events = [e for e in audit.events_of(uow.session, "users") if e.actor_username != "system"]
        assert audit.verify(uow.session, streams=["users"]).ok
    assert [e.action for e in events] == ["roles_changed", "user_deactivated", "user_reactivated"]
    assert events[0].data_in == {"roles": ["clerk", "inspector"]} and events[0].data_out == {"before": ["clerk"]}


def test_the_password_policy_at_its_boundaries_on_the_admin_page(app):
    admin = signed_in(app, "admin1")
    admin.get("/lang/en")
    page = admin.get("/admin/users").text
    assert PASSWORD_POLICY[0] in page  # the policy is said beside the field before anyone types

    def refused(password: str, username: str = "newcomer") -> str | None:
        answer = admin.post("/admin/users", data={"username": username, "password": password, "roles": ["clerk"]})
        return field_error(answer.text, "password") if answer.status_code == 422 else None

    policy = f"the password must have {PASSWORD_POLICY[0]}"
    assert refused("Abcdefgh1") == policy  # 9 characters
    assert refused("abcdefgh-1") is None  # 10 characters, three classes (lowercase, other, digit)
    assert refused("abcdefghij1") == policy and refused("ABCDEFGH-+") == policy  # two classes
    assert refused("My-Clerk9-pass", username="clerk9") == policy  # contains the user name (any case)
    assert refused("My-Clerk8-pass", username="clerk9") is None
    with engine_context(app).unit_of_work() as uow:
        made = sorted(uow.session.scalars(select(User.username).where(User.username.in_(["newcomer", "clerk9"]))))
    assert made == ["clerk9", "newcomer"]


def test_nobody_holds_admin_together_with_auditor(app):
    """三员分立 at the web doors (creating a user, changing roles); the CLI has its own test."""
    admin = signed_in(app, "admin1")
    both = admin.post("/admin/users", data={"username": "eve", "password": "Long-enough-1",
                                            "roles": ["admin", "auditor"]})
    assert both.status_code == 422 and "三员分立" in field_error(both.text, "roles")
    admin.get("/lang/en")
    changed = admin.post("/admin/users/auditor1/roles", data={"roles": ["auditor", "admin"]})
    assert changed.status_code == 422 and "separation of duties" in field_error(changed.text, "roles")
    own = admin.post("/admin/users/admin1/roles", data={"roles": ["admin", "auditor"]})
    assert own.status_code == 422 and "nobody may hold admin together with auditor" in field_error(own.text, "roles")
    with engine_context(app).unit_of_work() as uow:
        roles = dict(uow.session.execute(select(User.username, User.roles).where(
            User.username.in_(["auditor1", "admin1", "eve"]))).all())
        changes = [e.action for e in audit.events_of(uow.session, "users") if e.actor_username == "admin1"]
    assert roles == {"auditor1": ["auditor"], "admin1": ["admin"]} and changes == []


# --- administration: the calendar ------------------------------------------------------------------------

def test_admin_adds_calendar_days(app):
    admin = signed_in(app, "admin1")
    page = admin.get("/admin/calendar").text
    assert "尚未录入日期" in page and 'name="csrf_token"' in page

    one = admin.post("/admin/calendar", data={"day": "2031-01-01", "kind": "holiday", "note": "元旦"})
    assert one.status_code == 302
    span = admin.post("/admin/calendar", data={"day": "2031-01-25", "until": "2031-01-31", "kind": "holiday",
                                               "note": "春节"})
    assert span.status_code == 302
    assert admin.post("/admin/calendar", data={"day": "2031-01-26", "kind": "workday", "note": "调休"}).status_code == 302

    listed = admin.get("/admin/calendar").text
    assert listed.count("data-day=") == 8 and "已保存 2031-01-26" in listed
    assert "元旦" in listed and "未覆盖" in listed  # the package does not know 2031
    with engine_context(app).unit_of_work() as uow:
        days = reference.load(uow.session, "calendar")
        events = audit.events_of(uow.session, "reference/calendar")
    assert days["2031-01-01"] == {"working": False, "note": "元旦"}
    assert days["2031-01-26"] == {"working": True, "note": "调休"}  # entered again: replaced
    assert len(days) == 8 and [e.actor_username for e in events] == ["admin1"] * 3


def test_calendar_errors_beside_their_fields(app):
    admin = signed_in(app, "admin1")
    empty = admin.post("/admin/calendar", data={"day": "", "kind": "holiday"})
    assert empty.status_code == 422 and field_error(empty.text, "day") == "请填写日期。"
    admin.get("/lang/en")
    bad = admin.post("/admin/calendar", data={"day": "2031-02-30", "kind": "holiday"})
    assert field_error(bad.text, "day") == "Not a valid date (YYYY-MM-DD)."
    backwards = admin.post("/admin/calendar", data={"day": "2031-02-10", "until": "2031-02-01", "kind": "holiday"})
    assert field_error(backwards.text, "until") == "The last day is before the first day."
    too_long = admin.post("/admin/calendar", data={"day": "2031-01-01", "until": "2031-03-01", "kind": "holiday"})
    assert field_error(too_long.text, "until") == "At most 31 days at once."
    kind = admin.post("/admin/calendar", data={"day": "2031-01-01", "kind": "party", "note": "x" * 201})
    assert field_error(kind.text, "kind") and field_error(kind.text, "note") == "At most 200 characters."
    assert 'value="2031-01-01"' in kind.text
    with engine_context(app).unit_of_work() as uow:
        assert reference.load(uow.session, "calendar") == {}
