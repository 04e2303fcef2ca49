"""The registry's pages through the Flask test client (SQLite: the storage is tested on both
databases in tests/api/test_registry_rest.py): search, one person, edit (a refused edit keeps what
was typed), import with its errors listed, units; who may open what; the number always masked."""

from __future__ import annotations

import io

import pytest

from api import create_app, engine_context
from bench.import_parse import generate, to_csv
from engine import audit
from engine.actors import Actor
from tests.conftest import START, TEST_KEY, fresh_database
from workflows.demo import Driver, demo_users, deploy
from workflows.registry import idcard, store

ID = "11010519800101123" + idcard.check_character("11010519800101123")
CLERK = Actor("clerk1", "干部科经办人", frozenset({"clerk"}))


@pytest.fixture
def app(request, tmp_path, monkeypatch):
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    app = create_app({"DATABASE_URL": fresh_database("sqlite", request, tmp_path), "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "SECRET_KEY": TEST_KEY})
    ctx = engine_context(app)
    ctx.clock.set(START)
    demo_users(ctx, ["clerk1", "inspector1", "auditor1", "orghead1", "admin1"])
    for born, unit, number in (("1980-01-01", "区教育局", ID), ("1985-06-12", "某镇", None)):
        store.create_person(ctx, {"name": "王伟", "gender": "男", "birth_date": born, "id_number": number,
                                  "posts": [{"unit": unit, "title": "副局长", "level": "county_deputy",
                                             "start": "2020-03-01"}],
                                  "appraisals": [{"year": 2025, "grade": "excellent"}]}, CLERK, "clerk")
    return app


def signed_in(app, username: str):
    client = app.test_client()
    assert client.post("/login", data={"username": username, "password": username}).status_code == 302
    return client


def test_a_clerk_finds_reads_and_edits_a_record(app):
    clerk = signed_in(app, "clerk1")
    assert "干部信息" in clerk.get("/").text  # the navigation link
    page = clerk.get("/registry?q=王伟").text
    assert 'href="/registry/persons/1"' in page and 'href="/registry/persons/2"' in page and "共 2 人符合" in page
    assert "1985-06-12" in page and "某镇 · 副局长" in page
    person = clerk.get("/registry/persons/1").text
    assert idcard.mask(ID) in person and ID not in person
    assert "县处级副职" in person and "优秀" in person and "至今" in person

    form = clerk.get("/registry/persons/1/edit").text
    assert ID not in form and idcard.mask(ID) in form
    data = {"name": "王伟", "gender": "男", "birth_date": "1980-02-30", "ethnicity": "回族",
            "posts.0.unit": "区教育局", "posts.0.title": "副局长", "posts.0.level": "county_deputy",
            "posts.0.start": "2020-03-01", "appraisals.0.year": "2025", "appraisals.0.grade": "excellent"}
    refused = clerk.post("/registry/persons/1/edit", data=data)
    assert refused.status_code == 422
    assert 'value="回族"' in refused.text and 'value="1980-02-30"' in refused.text  # what was typed is kept
    assert 'id="err-birth_date"' in refused.text and "出生日期" in refused.text
    assert store.get_person(engine_context(app), 1)["ethnicity"] == ""
    saved = clerk.post("/registry/persons/1/edit", data={**data, "birth_date": "1980-01-01"})
    assert saved.status_code == 302
    record = store.stored_person(engine_context(app), 1)
    assert (record["ethnicity"], record["id_number"], record["appraisals"]) == ("回族", ID, [
        {"year": 2025, "grade": "excellent"}])


def test_who_may_open_the_registry_pages(app):
    assert signed_in(app, "inspector1").get("/registry").status_code == 403
    auditor = signed_in(app, "auditor1")
    assert auditor.get("/registry/persons/2").status_code == 200
    assert auditor.get("/registry/persons/2/edit").status_code == 403
    assert auditor.get("/registry/units").status_code == 200  # to name the unit whose reads they audit
    assert auditor.post("/registry/units", data={"name": "区财政局"}).status_code == 403
    orghead = signed_in(app, "orghead1")
    assert orghead.get("/registry/units").status_code == 200
    assert orghead.post("/registry/units", data={"name": "区财政局"}).status_code == 403


def test_units_and_import_pages(app):
    admin = signed_in(app, "admin1")
    refused = admin.post("/registry/units", data={"name": "", "quotas.county_deputy": "2"})
    assert refused.status_code == 422 and 'value="2"' in refused.text
    assert admin.post("/registry/units", data={"name": "区教育局", "quotas.county_deputy": "2"}).status_code == 302
    page = signed_in(app, "clerk1").get("/registry/units").text
    assert "区教育局" in page and "县处级副职" in page
    assert [f["filled"] for f in store.list_units(engine_context(app))[0]["levels"].values()] == [1]

    clerk = signed_in(app, "clerk1")
    rows = generate(2, seed=5)
    rows["persons"][1][3] = "1990-13-01"
    bad = clerk.post("/registry/import", data={"file": (io.BytesIO(to_csv(rows)), "registry.csv")},
                     content_type="multipart/form-data")
    assert bad.status_code == 422 and "「人员信息」第" in bad.text and "出生日期" in bad.text
    assert len(store.search_persons(engine_context(app), "")) == 2
    good = clerk.post("/registry/import", data={"file": (io.BytesIO(to_csv(generate(2, seed=5))), "registry.csv")},
                      content_type="multipart/form-data")
    assert good.status_code == 200 and "新增 2 人" in good.text
    assert clerk.get("/registry/import/template.xlsx").data[:2] == b"PK"


def test_the_start_form_picks_a_unit_and_a_level_and_a_full_unit_refuses(app):
    from workflows.demo import deploy

    ctx = engine_context(app)
    deploy(ctx)
    clerk = signed_in(app, "clerk1")
    free = clerk.get("/cases/new/cadre_selection").text  # no unit in the registry yet: free text
    assert 'name="unit"' in free and 'name="unit_id"' not in free
    store.create_unit(ctx, {"name": "区教育局", "quotas": {"county_deputy": 1}}, Actor("admin1", "a", frozenset()),
                      "admin")
    page = clerk.get("/cases/new/cadre_selection").text
    assert 'name="unit_id"' in page and '<option value="1">区教育局</option>' in page
    assert 'name="unit"' not in page and 'name="rank"' not in page
    start = {"position": "副局长", "reason": "调任", "unit_id": "1", "level": "county_deputy", "post_count": "1"}
    refused = clerk.post("/cases/new/cadre_selection", data=start)
    assert refused.status_code == 422
    assert "区教育局县处级副职核定职数 1 名，现有 1 名，已无空缺" in refused.text  # 王伟 (person 1) holds it
    store.update_unit(ctx, 1, {"name": "区教育局", "quotas": {"county_deputy": 2}}, Actor("admin1", "a", frozenset()),
                      "admin")
    assert clerk.post("/cases/new/cadre_selection", data=start).status_code == 302


def test_the_nominate_forms_search_lists_persons_without_their_numbers(app):
    clerk = signed_in(app, "clerk1")
    found = clerk.get("/registry/search.json?q=王伟")
    assert found.status_code == 200 and ID not in found.text and idcard.mask(ID) not in found.text
    assert found.json["persons"] == [
        {"id": 1, "name": "王伟", "gender": "男", "birth_date": "1980-01-01", "current_post": "区教育局 · 副局长"},
        {"id": 2, "name": "王伟", "gender": "男", "birth_date": "1985-06-12", "current_post": "某镇 · 副局长"}]
    assert [p["id"] for p in clerk.get("/registry/search.json?q=某镇").json["persons"]] == [2]  # by unit
    assert clerk.get("/registry/search.json?q=").json["persons"] == []
    too_long = clerk.get("/registry/search.json?q=" + "王" * 65)
    assert too_long.status_code == 422 and too_long.json["errors"] == {"q": "检索词：最多 64 个字符。"}
    for n in range(3, 25):
        store.create_person(engine_context(app), {"name": f"王伟{n}", "gender": "女", "birth_date": "1990-01-01"}, CLERK, "clerk")
    assert len(clerk.get("/registry/search.json?q=王伟").json["persons"]) == 20  # a picker lists a few

    assert signed_in(app, "inspector1").get("/registry/search.json?q=王伟").status_code == 403
    with engine_context(app).unit_of_work() as uow:
        refused = [e for e in audit.events_of(uow.session, "security") if e.action == "access_refused"]
    assert (refused[-1].actor_username, refused[-1].element_id, refused[-1].data_in) == (
        "inspector1", "person.read", {"target": "web /registry/search.json"})


def test_the_nominate_page_offers_the_search_and_the_review_page_does_not(app):
    ctx = engine_context(app)
    deploy(ctx)
    d = Driver(ctx, rank="正处级")
    d.approve()
    clerk = signed_in(app, "clerk1")
    page = clerk.get(f"/tasks/{d.tasks('nominate')[0]['id']}").text
    assert 'class="person-search" data-rows="nominees" data-url="/registry/search.json"' in page
    assert "在干部信息库中查找（姓名、单位或职务）" in page and "js/person-search.js" in page
    assert "＋ 添加到被提名人" in page
    clerk.get("/lang/en")
    page = clerk.get(f"/tasks/{d.tasks('nominate')[0]['id']}").text
    assert "Find in the registry (name, unit or post)" in page and 'data-who="{name} ({details}; no. {id})"' in page
    d.nominate(nominees=[{"person_id": 1}, {"person_id": 2}], review=False)
    review = clerk.get(f"/tasks/{d.tasks('qualification_review')[0]['id']}").text
    assert "attested" in review and "person-search" not in review  # an attestation's id is no nominee row
