"""The inbox pages in SQL (engine/inbox.py) in a stable order; the REST and web inboxes use it;
`bench.generate` makes a database of real cases and verified copies."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from api import create_app, engine_context
from engine import audit, cases
from engine.inbox import case_heads, inbox_page
from engine.replay import replay
from engine.storage.models import Case, CaseTask
from tests.conftest import START, TEST_KEY
from tests.engine_helpers import CLERK, start_example, task
from workflows.demo import HEAD, Driver, demo_users, deploy


def inbox_order(ctx, roles=None, case_id=None) -> list[str]:
    with ctx.unit_of_work() as uow:
        rows = uow.session.scalars(select(CaseTask))
        found = [t for t in rows if (roles is None or t.role in roles) and case_id in (None, t.case_id)]
        return [t.id for t in sorted(found, key=lambda t: (t.created_at, t.case_id, t.element_id, t.id))]


def all_pages(ctx, per_page, **filters) -> tuple[list[str], set[int]]:
    ids, totals, page = [], set(), 1
    while True:
        rows, total = inbox_page(ctx, page=page, per_page=per_page, **filters)
        totals.add(total)
        if not rows:
            return ids, totals
        ids += [t["id"] for t in rows]
        page += 1


def test_pages_cover_every_task_once_in_a_stable_order(ctx):
    started = []
    for i in range(6):
        if i % 2:
            ctx.clock.advance(minutes=1)  # pairs of cases share an instant: case id breaks the tie
        started.append(start_example(ctx, candidates=("甲", "乙", "丙")))
    for case in started[1:4]:  # three cases move on: three "assess" tasks each for inspectors, same instant
        cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
    for roles in ({"clerk"}, {"inspector"}, {"clerk", "inspector"}, {"clerk", "inspector", "org_head"}, None):
        expected = inbox_order(ctx, roles)
        for per_page in (1, 2, 4, 50):
            ids, totals = all_pages(ctx, per_page, roles=roles)
            assert ids == expected and totals == {len(expected)}, (roles, per_page)
    assert len(inbox_order(ctx, {"inspector"})) == 9
    one = started[2]["id"]
    ids, totals = all_pages(ctx, 2, roles={"clerk", "inspector"}, case_id=one)
    assert ids == inbox_order(ctx, {"clerk", "inspector"}, one) and totals == {3}
    assert inbox_page(ctx, roles={"clerk"}, case_id=one) == ([], 0)
    assert inbox_page(ctx, roles=set()) == ([], 0)
    rows, total = inbox_page(ctx, roles={"inspector"}, page=10**6, per_page=100)
    assert (rows, total) == ([], 9)
    first = inbox_page(ctx, roles={"inspector"}, per_page=1)[0][0]
    assert first == cases.task_dict(_row(ctx, first["id"]))  # the same task dicts as the rest of the engine
    heads = case_heads(ctx, [one, one, started[0]["id"]])
    assert set(heads) == {one, started[0]["id"]} and heads[one]["procedure"] == "example_case"


def _row(ctx, task_id):
    with ctx.unit_of_work() as uow:
        return uow.session.get(CaseTask, task_id)


# --- the REST and web inboxes ------------------------------------------------------------------------
@pytest.fixture
def app(db_url, monkeypatch):
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": TEST_KEY})
    ctx = engine_context(app)
    ctx.clock.set(START)
    deploy(ctx)
    demo_users(ctx, ("clerk1", "orghead1"))
    return app


def test_rest_and_web_inboxes_page_with_totals_and_due_dates(app, monkeypatch):
    ctx = engine_context(app)
    waiting = [Driver(ctx, position=f"岗位{i}") for i in range(3)]  # approve_motion (org_head) x3
    with ctx.unit_of_work(write=True) as uow:  # a time limit to show (set directly: no step leaves one here)
        uow.session.execute(update(Case).where(Case.id == waiting[1].id).values(next_due_at=START + timedelta(days=9)))
        uow.commit()

    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "orghead1", "password": "orghead1"}).json["token"]
    headers = {"Authorization": f"Bearer {token}"}
    pages = [client.get(f"/api/v1/tasks?per_page=2&page={n}", headers=headers) for n in (1, 2, 3)]
    assert [[t["case_id"] for t in p.json] for p in pages] == [[d.id for d in waiting[:2]], [waiting[2].id], []]
    paging = json.loads(pages[0].headers["X-Pagination"])
    assert (paging["total"], paging["total_pages"], paging["next_page"]) == (3, 2, 2)
    one = client.get(f"/api/v1/tasks?case={waiting[1].id}", headers=headers)
    assert [t["case_id"] for t in one.json] == [waiting[1].id] and one.json[0]["form"]["title"]

    monkeypatch.setattr("api.web.pages.INBOX_PER_PAGE", 2)
    web = app.test_client()
    web.post("/login", data={"username": "orghead1", "password": "orghead1"})
    first = web.get("/").text
    assert _cases_on(first) == [d.id for d in waiting[:2]]
    assert 'href="/?page=2"' in first and "1–2 / 3" in first and 'rel="prev"' not in first
    second = web.get("/?page=2").text
    assert _cases_on(second) == [waiting[2].id] and 'href="/?page=1"' in second and 'rel="next"' not in second
    assert web.get("/?page=9").headers["Location"].endswith("/?page=2")

    assert "2026-03-11" in first and "2026-03-11" not in second  # case 2's time limit, beside case 2
    clerk = app.test_client()
    clerk.post("/login", data={"username": "clerk1", "password": "clerk1"})
    assert 'class="paging"' not in clerk.get("/").text  # nothing waiting: no paging


def _cases_on(page: str) -> list[int]:
    return [int(n) for n in re.findall(r'<h2><a href="/cases/(\d+)"', page)]


# --- the generator ---------------------------------------------------------------------------------
def test_generate_makes_real_cases_and_verified_copies(postgres_url, capsys):
    from bench import generate

    generate.main(["--cases", "20", "--real", "8", "--db", postgres_url, "--batch", "4", "--verify"])
    made = json.loads(capsys.readouterr().out)
    assert made["cases"] == 20 and made["real_cases"] == [1, 8] and made["ready_tasks"] > 0
    from tests.conftest import make_ctx
    from workflows import build_registry

    ctx = make_ctx(postgres_url, build_registry())
    with ctx.unit_of_work() as uow:
        assert audit.verify(uow.session).ok
        copies = uow.session.scalars(select(Case).where(Case.id > 8, Case.status == "running")).all()
    assert replay(ctx, 1).ok  # a real case replays; the copies are documented as not replayable
    copy = copies[0].id  # a copy is a live case: a step on it runs, and the trail still verifies
    assert cases.terminate_case(ctx, copy, HEAD, "org_head", "岗位撤销")["status"] == "terminated"
    with ctx.unit_of_work() as uow:
        assert audit.verify(uow.session).ok
    ctx.db_engine.dispose()


def test_the_case_lists_page_with_the_one_pager(app, monkeypatch):
    """The clerk's and the auditor's case lists use the pager macro (api/templates/_pager.html): the
    count of the page, links that keep the status filter, the way back from a page past the end."""
    ctx = engine_context(app)
    demo_users(ctx, ("auditor1",))
    for i in range(3):
        Driver(ctx, position=f"岗位{i}")
    monkeypatch.setattr("api.web.pages.CASES_PER_PAGE", 2)
    monkeypatch.setattr("api.web.auditor.PER_PAGE", 2)
    clerk = app.test_client()
    clerk.post("/login", data={"username": "clerk1", "password": "clerk1"})
    first = clerk.get("/cases").text
    assert '<a href="/cases?page=2" rel="next" aria-label="下一页">→</a>' in first
    assert "<span>1–2 / 3</span>" in first and 'rel="prev"' not in first
    second = clerk.get("/cases?page=2&status=running").text
    assert '<a href="/cases?page=1&amp;status=running" rel="prev" aria-label="上一页">←</a>' in second
    assert "<span>3–3 / 3</span>" in second and 'rel="next"' not in second
    past = clerk.get("/cases?page=7").text  # past the end: says so (no count), the way back to the last page
    pager = past.split('class="paging"')[1].split("</p>")[0]
    assert 'href="/cases?page=2" rel="prev"' in pager and "–" not in pager
    assert "此页没有内容：已超出末页（共 3 条）。" in pager
    assert 'class="paging"' not in clerk.get("/cases?status=completed").text  # one page (none): no pager

    auditor = app.test_client()
    auditor.post("/login", data={"username": "auditor1", "password": "auditor1"})
    auditor.get("/lang/en")
    overview = auditor.get("/audit/?status=running").text
    assert '<a href="/audit/?page=2&amp;status=running" rel="next" aria-label="Next page">→</a>' in overview
    assert "<span>1–2 / 3</span>" in overview
