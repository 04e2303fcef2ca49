"""Need-to-know (architecture.md "Who may see what"), walked from the rule table itself
(workflows/visibility.py READERS): for each role, the cases it lists and the sections it reads over
REST, on the web pages and in each export; a recused user reads the summary only; every read beyond
the summary is on the access log, which refuses changes; a failing log write does not fail the read;
refusals on the web are on the trail.

Outside their work a case is "not found" (404), as for a case that does not exist: its existence is
not told either (the REST contract already answers 404 for "no such case").

One world per storage (SQLite, PostgreSQL: the list filter has per-dialect JSON SQL): case A has gone
to publicity with a report; B waits for the motion; C waits for its inspections.
"""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest
from pypdf import PdfReader
from sqlalchemy import text

from api import create_app, engine_context
from api.policy import allowed
from engine import audit, cases
from engine.access import SECURITY_STREAM
from engine.actors import Actor
from tests.conftest import START, TEST_KEY, fresh_database
from workflows import DEMO_USERS
from workflows.demo import HEAD, Driver, demo_users, deploy, user
from workflows.visibility import READERS, SECTIONS, SUMMARY, section_of

FINDINGS = "政治坚定，实绩突出"  # what the demo inspections find, an inspection-section text
REPORT = "反映其在原单位分管工程时存在违规问题"  # a report during publicity, an integrity-section text
EXTRA = {"inspector3": ["inspector"], "inspector4": ["inspector"], "orghead2": ["org_head"]}


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def world(request, tmp_path_factory):
    url = fresh_database(request.param, request, tmp_path_factory.mktemp("ntk"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CADREFLOW_TEST_CLOCK", "1")
        app = create_app({"DATABASE_URL": url, "TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": TEST_KEY})
    ctx = engine_context(app)
    ctx.clock.set(START)
    deploy(ctx)
    demo_users(ctx)
    from engine.users import create_user

    for name, roles in EXTRA.items():
        create_user(ctx, name, roles, name, name, demo=True)
    a = Driver(ctx)
    a.to_confirm()
    a.confirm(["张三", "李四"])
    a.inspect("张三", team=("inspector1", "inspector2"))  # inspector2: named on the team only
    a.inspect("李四", actor=user("inspector3", "inspector"), team=("inspector3", "inspector1"))
    a.opinion("张三")
    a.opinion("李四")
    a.deliberate(["张三"])
    a.committee({"张三": {"agree": 8, "disagree": 1, "defer": 0}})
    a.report(summary=REPORT)
    cases.record_for_guards(ctx, a.id, {"username": "orghead2", "nominee": "张三", "relation": "spouse"}, HEAD,
                           "org_head")
    b = Driver(ctx)
    c = Driver(ctx)
    c.to_confirm()
    c.confirm(["张三", "李四"])
    return {"app": app, "ctx": ctx, "A": a.id, "B": b.id, "C": c.id}


# Who is who in the world: the cases each user lists (by letter) and whether they are recused on A.
USERS = {
    "auditor1": "ABC", "orghead1": "ABC", "clerk1": "ABC", "orghead2": "ABC",
    "inspector1": "AC", "inspector2": "AC", "inspector3": "AC", "inspector4": "C",
    "discipline1": "AC", "secretary1": "A", "editor1": "", "admin1": "",
}
RECUSED = {"orghead2"}
OWN_CANDIDATES = {"inspector1": {"张三", "李四"}, "inspector2": {"张三"}, "inspector3": {"李四"}}


def roles_of(username: str) -> list[str]:
    return EXTRA.get(username) or DEMO_USERS[username][1]


def expected_sections(username: str) -> list[str]:
    """From the rule table: the sections of the user's roles; the summary only when recused."""
    if username in RECUSED:
        return [SUMMARY]
    found = set().union(*(READERS[r].sections for r in roles_of(username)))
    return [s for s in SECTIONS if s in found]


def test_the_users_cover_every_role_of_the_table():
    assert {r for u in USERS for r in roles_of(u)} == set(READERS)


def token(app, username: str) -> dict:
    response = app.test_client().post("/api/v1/auth/token", json={"username": username, "password": username})
    return {"Authorization": f"Bearer {response.json['token']}"}


def web(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": username}).status_code == 302
    return client


def ids(world, letters: str) -> set[int]:
    return {world[letter] for letter in letters}


@pytest.mark.parametrize("username", sorted(USERS))
def test_each_reader_lists_and_reads_what_the_table_gives(world, username):
    app, a = world["app"], world["A"]
    headers = token(app, username)
    client = app.test_client()
    listed = client.get("/api/v1/cases?per_page=100", headers=headers)
    assert listed.status_code == 200
    assert {c["id"] for c in listed.json} == ids(world, USERS[username])
    page = web(app, username)
    listing = page.get("/cases").text
    for letter in "ABC":
        assert (f'href="/cases/{world[letter]}"' in listing) == (letter in USERS[username]), letter

    rest = client.get(f"/api/v1/cases/{a}", headers=headers)
    shown = page.get(f"/cases/{a}")
    if "A" not in USERS[username]:
        assert rest.status_code == 404 and shown.status_code == 404
        assert page.get(f"/cases/{a}/diagram.json").status_code == 404
        return
    assert rest.status_code == 200 and shown.status_code == 200
    sections = expected_sections(username)
    assert rest.json["sections"] == sections
    data = rest.json["data"]
    assert {section_of(k) for k in data} == set(sections)  # every section it may read, and only those
    if username in OWN_CANDIDATES:
        assert {r["candidate"] for r in data["inspections"]} == OWN_CANDIDATES[username]
    html = shown.text
    assert ("推荐" in html and "张三" in html) or "people" not in sections
    assert (REPORT in html) == ("integrity" in sections)
    assert page.get(f"/cases/{a}/diagram.json").status_code == 200

    exports = allowed(Actor(username, username, frozenset(roles_of(username))), "case.accountability")
    record = client.get(f"/api/v1/cases/{a}/accountability", headers=headers)
    as_json = page.get(f"/audit/cases/{a}/record.json")
    as_csv = page.get(f"/audit/cases/{a}/record.csv")
    if not exports:
        assert record.status_code == 403 and as_json.status_code == 403 and as_csv.status_code == 403
        return
    assert record.json["sections"] == sections == as_json.json["sections"]
    inspected = [e for e in as_json.json["entries"] if e["element_id"] == "inspection"]
    assert inspected and all(bool(e.get("redacted")) == ("inspection" not in sections) for e in inspected)
    assert all(not e["entered"] for e in inspected if e.get("redacted"))
    rows = list(csv.reader(io.StringIO(as_csv.text.lstrip("\ufeff"))))
    assert any(FINDINGS in cell for row in rows for cell in row) == ("inspection" in sections)
    assert not any(e["action"] == "relation_declared" for e in as_json.json["entries"]) or "integrity" in sections \
        or username in RECUSED  # a relation is told to whom it concerns and to integrity readers


@pytest.mark.parametrize("username", ["orghead1", "orghead2"])
def test_the_pdf_record_tells_the_findings_only_to_whom_may_read_them(world, username):
    pdf = web(world["app"], username).get(f"/audit/cases/{world['A']}/record.pdf")
    assert pdf.status_code == 200
    words = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages)
    assert (FINDINGS in words) == (username not in RECUSED)


def test_a_recused_reader_keeps_the_steps_without_their_data(world):
    app, a = world["app"], world["A"]
    events = app.test_client().get(f"/api/v1/cases/{a}/events", headers=token(app, "orghead2")).json
    steps = [e for e in events if e["action"] == "task_completed"]
    assert steps and all(e["redacted"] and e["data_in"] == {} for e in steps
                         if section_of(e["element_id"]) != SUMMARY)
    own = [e for e in events if e["action"] == "relation_declared"]
    assert [e["data_in"]["username"] for e in own] == ["orghead2"]  # their own declaration, nobody else's


def test_the_inspector_off_the_case_does_not_see_its_tasks_or_events(world):
    app, a = world["app"], world["A"]
    headers = token(app, "inspector4")
    client = app.test_client()
    assert client.get(f"/api/v1/cases/{a}/events", headers=headers).status_code == 403  # not their rule at all
    c_tasks = client.get(f"/api/v1/tasks?case={world['C']}", headers=headers).json
    assert c_tasks and all(t["case_id"] == world["C"] for t in c_tasks)  # the inspections they may take up


def access_log(world) -> list[dict]:
    """Case A's whole access log, oldest first, page after page (it is paged as every list)."""
    app, rows, page = world["app"], [], 1
    headers = token(app, "auditor1")
    while True:
        response = app.test_client().get(f"/api/v1/cases/{world['A']}/access-log?per_page=100&page={page}",
                                         headers=headers)
        assert response.status_code == 200
        rows += response.json
        if not json.loads(response.headers["X-Pagination"]).get("next_page"):
            return rows
        page += 1


def test_every_read_beyond_the_summary_is_on_the_access_log(world):
    """Each read leaves its row once its answer is out; reading the summary only leaves none."""
    app, a = world["app"], world["A"]
    before = len(access_log(world))
    # the record is written once the answer is sent, when the response closes (buffered: at once here)
    app.test_client().get(f"/api/v1/cases/{a}", headers=token(app, "inspector2"), buffered=True)
    web(app, "discipline1").get(f"/cases/{a}", buffered=True)
    app.test_client().get(f"/api/v1/cases/{a}", headers=token(app, "orghead2"), buffered=True)  # summary: no row
    rows = access_log(world)[before:]
    assert [(r["username"], r["role"], r["sections"], r["door"]) for r in rows] == [
        ("inspector2", "inspector", ["people", "inspection"], "GET /api/v1/cases/{id}"),
        ("discipline1", "discipline", ["people", "integrity"], "case page"),
    ]
    page = web(app, "auditor1").get(f"/audit/cases/{a}").text
    assert 'id="access-log"' in page and "inspector2" in page and "GET /api/v1/cases/{id}" in page
    assert "案件页面" in page  # a web door is named in the reader's language
    assert app.test_client().get(f"/api/v1/cases/{a}/access-log",
                                 headers=token(app, "orghead1")).status_code == 403


def test_auditors_page_through_a_cases_access_log(world, monkeypatch):
    """GET /cases/{id}/access-log is paged as every list (`page`, `per_page`, X-Pagination), oldest
    first; a wrong `per_page` is a 422 naming it; a case outside the caller's rule still answers 404.
    The auditor's case page shows it newest first, a page at a time."""
    app, a = world["app"], world["A"]
    for username in ("inspector2", "orghead1"):  # at least two rows, whatever ran before
        app.test_client().get(f"/api/v1/cases/{a}", headers=token(app, username), buffered=True)
    whole = access_log(world)
    per_page = len(whole) - 1  # more rows than a page: page 2 has the last one
    headers = token(app, "auditor1")
    pages = [app.test_client().get(f"/api/v1/cases/{a}/access-log?per_page={per_page}&page={n}", headers=headers)
             for n in (1, 2, 3)]
    assert [page.json for page in pages] == [whole[:-1], whole[-1:], []]
    paging = [json.loads(page.headers["X-Pagination"]) for page in pages]
    assert [(p["total"], p["total_pages"], p.get("page")) for p in paging] == [
        (len(whole), 2, 1), (len(whole), 2, 2), (len(whole), 2, None)]
    for wrong in ("per_page=0", "per_page=101"):
        response = app.test_client().get(f"/api/v1/cases/{a}/access-log?{wrong}", headers=headers)
        assert response.status_code == 422 and list(response.json["error"]["fields"]) == ["per_page"]
    assert app.test_client().get("/api/v1/cases/99999/access-log?per_page=5", headers=headers).status_code == 404
    assert app.test_client().get(f"/api/v1/cases/{a}/access-log?per_page=5",
                                 headers=token(app, "orghead1")).status_code == 403

    monkeypatch.setattr("api.web.auditor.READS_PER_PAGE", per_page)
    page = web(app, "auditor1").get(f"/audit/cases/{a}?reads_page=2", buffered=True).text
    log = page.split('id="access-log"', 1)[1]
    assert f"<span>{len(whole)}–{len(whole)} / {len(whole)}</span>" in log and "最近的在前" in log
    assert f'href="/audit/cases/{a}?reads_page=1#access-log" rel="prev"' in log and 'rel="next"' not in log
    assert log.count("<tr><td><time") == 1 and f'<time datetime="{whole[0]["at"]}">' in log  # the oldest


def test_the_access_log_refuses_changes(world):
    ctx = world["ctx"]
    assert access_log(world)
    for statement in ("UPDATE access_records SET username = 'nobody'", "DELETE FROM access_records"):
        with pytest.raises(Exception, match="append-only"), ctx.db_engine.begin() as conn:
            conn.execute(text(statement))


def test_a_failing_log_write_does_not_fail_the_read(world, monkeypatch, caplog):
    import engine.readtrail

    def broken(ctx, rows):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(engine.readtrail, "write", broken)
    app = world["app"]
    with caplog.at_level(logging.ERROR, logger="engine.readtrail"):
        response = app.test_client().get(f"/api/v1/cases/{world['A']}", headers=token(app, "clerk1"), buffered=True)
        page = web(app, "clerk1").get(f"/cases/{world['A']}", buffered=True)
    assert response.status_code == 200 and response.json["sections"] == list(SECTIONS)
    assert page.status_code == 200
    assert "could not record a read" in caplog.text


def test_refusals_on_the_web_are_on_the_trail(world):
    app, ctx, a = world["app"], world["ctx"], world["A"]
    page = web(app, "inspector4")
    assert page.get(f"/cases/{a}").status_code == 404
    clerk = web(app, "clerk1")
    pages = {"/admin/users": "admin.users", "/procedures/": "procedure.edit", f"/audit/cases/{a}/replay": "case.replay"}
    for path in pages:
        assert clerk.get(path).status_code == 403
    assert web(app, "editor1").get("/audit/").status_code == 403
    with ctx.unit_of_work() as uow:
        refused = [(e.actor_username, e.element_id, e.data_in.get("target"))
                   for e in audit.events_of(uow.session, SECURITY_STREAM)]
    assert ("inspector4", "case.read", f"case page case {a}") in refused
    assert all(("clerk1", action, path) in refused for path, action in pages.items())
    assert ("editor1", "audit.overview", "/audit/") in refused


def test_a_completion_over_rest_records_its_read_in_the_step_transaction(world):
    """The read of the case a completion returns is written with the step (one commit), not when
    the response closes; a step that fails leaves no read either. (Last here: a new case.)"""
    from engine.readtrail import case_access

    app, ctx = world["app"], world["ctx"]
    d = Driver(ctx)
    [motion] = d.tasks("approve_motion")
    client = app.test_client()
    refused = client.post(f"/api/v1/tasks/{motion['id']}/complete", headers=token(app, HEAD.username),
                          json={"data": {"decision": "maybe"}})
    assert refused.status_code == 422 and case_access(ctx, d.id) == []
    response = client.post(f"/api/v1/tasks/{motion['id']}/complete", headers=token(app, HEAD.username),
                           json={"data": {"decision": "approve", "comment": "同意启动"}})  # not closed yet
    assert response.status_code == 200
    rows = case_access(ctx, d.id)
    assert [(r["username"], r["door"], r["sections"]) for r in rows] == [
        (HEAD.username, "POST /api/v1/tasks/{id}/complete", [s for s in response.json["sections"] if s != SUMMARY])]
    response.close()
    assert len(case_access(ctx, d.id)) == 1


def test_a_completion_on_the_web_records_its_read_in_the_step_transaction(world):
    """The task page's completion goes through the same step read as REST (reading.step_as_seen):
    its read record is there as soon as the page is answered, before the response closes; a refused
    step leaves none."""
    from engine.readtrail import case_access

    app, ctx = world["app"], world["ctx"]
    d = Driver(ctx)
    [motion] = d.tasks("approve_motion")
    page = web(app, HEAD.username)
    refused = page.post(f"/tasks/{motion['id']}", data={"decision": "maybe"}, buffered=True)
    assert refused.status_code == 422
    before = len(case_access(ctx, d.id))  # the form page's own read (written when its response closed)
    response = page.post(f"/tasks/{motion['id']}", data={"decision": "approve", "comment": "同意启动"})  # not closed
    assert response.status_code == 200
    rows = case_access(ctx, d.id)[before:]
    assert [(r["username"], r["role"], r["door"]) for r in rows] == [(HEAD.username, "org_head", "task page")]
    assert set(rows[0]["sections"]) == set(SECTIONS) - {SUMMARY}
    response.close()  # now the form page's read, taken before the step, is written too
    assert len(case_access(ctx, d.id)) == before + 2


@pytest.mark.parametrize("door", ["rest", "web"])
def test_a_failing_read_record_of_a_step_fails_the_step(world, monkeypatch, door):
    """The step's read record is written in the step's transaction: when it cannot be written the
    step fails too, and nothing of it is committed (the task still waits, the trail is unchanged)."""
    import engine.readtrail

    app, ctx = world["app"], world["ctx"]
    d = Driver(ctx)
    [motion] = d.tasks("approve_motion")
    seq_before = cases.get_case(ctx, d.id)["last_seq"]

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(engine.readtrail, "write_in", broken)
    body = {"decision": "approve", "comment": "同意启动"}
    if door == "rest":
        response = app.test_client().post(f"/api/v1/tasks/{motion['id']}/complete", headers=token(app, HEAD.username),
                                          json={"data": body}, buffered=True)
    else:
        response = web(app, HEAD.username).post(f"/tasks/{motion['id']}", data=body, buffered=True)
    monkeypatch.undo()
    assert response.status_code == 500
    case = cases.get_case(ctx, d.id)
    assert case["last_seq"] == seq_before and [t["id"] for t in case["tasks"]] == [motion["id"]]
    # the web's form page read the case before the step: that read alone is on the trail
    assert len(engine.readtrail.case_access(ctx, d.id)) == (1 if door == "web" else 0)
