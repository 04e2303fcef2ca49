"""The BPMN editor's pages through the Flask test client: listing, viewing, deploying from the
modeler (valid and broken), comparing versions, uploading a file made elsewhere, and who may."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from api import create_app, engine_context
from engine.storage.models import ProcedureVersion
from tests.conftest import START, TEST_KEY, fresh_database
from workflows.demo import BPMN, demo_users, deploy

ORIGINAL = (BPMN / "cadre_selection.bpmn").read_text(encoding="utf-8")
SHARE = '<spiffworkflow:property name="exclusion_share" value="1/2" />'
NOMINATE_FORM = '<spiffworkflow:property name="form" value="nominate" />'


@pytest.fixture
def editor_app(request, tmp_path, monkeypatch):
    monkeypatch.setenv("CADREFLOW_TEST_CLOCK", "1")
    app = create_app({"DATABASE_URL": fresh_database("sqlite", request, tmp_path), "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "SECRET_KEY": TEST_KEY})
    ctx = engine_context(app)
    ctx.clock.set(START)
    deploy(ctx)
    demo_users(ctx, ("editor1", "clerk1"))
    return app


def signed_in(app, username: str, lang: str | None = None):
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": username})
    assert response.status_code == 302, response.text
    if lang:
        client.get(f"/lang/{lang}")
    return client


@pytest.fixture
def editor(editor_app):
    return signed_in(editor_app, "editor1")


def versions(app, key="cadre_selection") -> list[ProcedureVersion]:
    with engine_context(app).unit_of_work() as uow:
        rows = uow.session.scalars(select(ProcedureVersion).where(ProcedureVersion.key == key)
                                   .order_by(ProcedureVersion.version)).all()
        return [(r.version, r.main_file, dict(r.parameters), sorted(r.files)) for r in rows]


def test_pages_for_an_editor(editor):
    page = editor.get("/procedures/")
    assert page.status_code == 200
    html = page.text
    assert "cadre_selection" in html and "competitive_selection" in html
    assert 'href="/procedures/cadre_selection/1"' in html and 'href="/procedures/cadre_selection/1/edit"' in html
    assert 'enctype="multipart/form-data"' in html

    view = editor.get("/procedures/cadre_selection/1")
    assert view.status_code == 200 and "exclusion_share" in view.text and "nominate" in view.text

    edit = editor.get("/procedures/cadre_selection/1/edit")
    assert edit.status_code == 200
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', edit.text)
    assert "bpmn-modeler.production.min.js" in edit.text and "js/modeler.js" in edit.text
    assert "spiffworkflow-moddle.js" in edit.text and '"confirm_candidates"' in edit.text  # the form names

    model = editor.get("/procedures/cadre_selection/1/model.json").get_json()
    assert model["main_file"] == "cadre_selection.bpmn" and model["xml"] == ORIGINAL
    assert model["parameters"]["exclusion_share"] == "1/2"

    assert editor.get("/procedures/cadre_selection/9").status_code == 404
    assert editor.get("/procedures/nothing/1/edit").status_code == 404
    assert editor.get("/procedures/nothing/diff").status_code == 404


def test_english_pages(editor_app):
    english = signed_in(editor_app, "editor1", "en")
    assert "Deploy as next version" in english.get("/procedures/cadre_selection/1/edit").text
    chinese = signed_in(editor_app, "editor1")
    page = chinese.get("/procedures/cadre_selection/1/edit").text
    assert "部署为新版本" in page and "Deploy as next version" not in page


def test_a_clerk_is_refused(editor_app):
    clerk = signed_in(editor_app, "clerk1")
    for path in ("/procedures/", "/procedures/cadre_selection/1", "/procedures/cadre_selection/1/edit",
                 "/procedures/cadre_selection/1/model.json", "/procedures/cadre_selection/diff?a=1&b=1"):
        assert clerk.get(path).status_code == 403, path
    assert clerk.post("/procedures/cadre_selection/1/deploy", json={"xml": ORIGINAL}).status_code == 403
    assert clerk.post("/procedures/upload", data={}).status_code == 403
    assert [r[0] for r in versions(editor_app)] == [1]


def test_a_visitor_is_sent_to_sign_in(editor_app):
    response = editor_app.test_client().get("/procedures/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deploy_an_edited_diagram_as_version_2(editor, editor_app):
    edited = ORIGINAL.replace(SHARE, SHARE.replace("1/2", "3/5"))
    response = editor.post("/procedures/cadre_selection/1/deploy", json={"xml": edited})
    assert response.status_code == 201, response.text
    body = response.get_json()
    assert body["key"] == "cadre_selection" and body["version"] == 2 and body["created"] is True
    assert body["url"] == "/procedures/cadre_selection/2" and "2" in body["message"]
    rows = versions(editor_app)
    assert [r[0] for r in rows] == [1, 2]
    assert rows[1][1] == "cadre_selection.bpmn" and rows[1][2]["exclusion_share"] == "3/5"
    assert rows[0][2]["exclusion_share"] == "1/2"  # version 1 never changes

    again = editor.post("/procedures/cadre_selection/2/deploy", json={"xml": edited})
    assert again.status_code == 200 and again.get_json() | {"message": ""} == {
        **again.get_json(), "version": 2, "created": False, "message": ""}
    assert "v2" in editor.get("/procedures/").text


def test_deploying_a_competitive_selection_keeps_its_called_files(editor, editor_app):
    xml = editor.get("/procedures/competitive_selection/1/model.json").get_json()["xml"]
    response = editor.post("/procedures/competitive_selection/1/deploy",
                           json={"xml": xml.replace('name="竞争上岗"', 'name="竞争上岗（修订）"', 1)})
    assert response.status_code == 201, response.text
    rows = versions(editor_app, "competitive_selection")
    assert rows[1][1] == "competitive_selection.bpmn"
    assert rows[1][3] == rows[0][3] == ["cadre_selection.bpmn", "competitive_selection.bpmn"]


def test_a_broken_diagram_names_the_elements(editor, editor_app):
    # the first role property is lane_org_head's (组织部负责人)
    broken = ORIGINAL.replace(NOMINATE_FORM, "").replace('<spiffworkflow:property name="role" value="org_head" />',
                                                          '<spiffworkflow:property name="role" value="nobody" />', 1)
    response = editor.post("/procedures/cadre_selection/1/deploy", json={"xml": broken})
    assert response.status_code == 422
    problems = response.get_json()["problems"]
    by_element = {p["element"]: p for p in problems}
    assert "nominate" in by_element and "approve_motion" in by_element
    assert by_element["lane_org_head"]["message_zh"].startswith("泳道“组织部负责人”的角色“nobody”不是已知角色")
    assert "form" in by_element["nominate"]["message"]
    assert by_element["nominate"]["text"] == by_element["nominate"]["message_zh"]  # Chinese by default
    assert all(p["line"] for p in problems)
    assert [r[0] for r in versions(editor_app)] == [1]

    english = signed_in(editor_app, "editor1", "en")
    body = english.post("/procedures/cadre_selection/1/deploy", json={"xml": broken}).get_json()
    assert body["message"].startswith("Not deployed")
    assert {p["element"]: p["text"] for p in body["problems"]}["nominate"] == by_element["nominate"]["message"]

    garbled = editor.post("/procedures/cadre_selection/1/deploy", json={"xml": "<bpmn:definitions"})
    assert garbled.status_code == 422 and garbled.get_json()["problems"][0]["element"] is None
    assert editor.post("/procedures/cadre_selection/1/deploy", json={}).status_code == 400
    assert editor.post("/procedures/cadre_selection/1/deploy", data="x").status_code == 400


def test_the_difference_between_two_versions(editor, editor_app):
    edited = (ORIGINAL.replace(SHARE, SHARE.replace("1/2", "3/5"))
              .replace('<bpmn:userTask id="nominate" name="提名">', '<bpmn:userTask id="nominate" name="提名人选">')
              .replace("<bpmn:flowNodeRef>start</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>nominate</bpmn:flowNodeRef>",
                       "<bpmn:flowNodeRef>nominate</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>start</bpmn:flowNodeRef>")
              .replace('<dc:Bounds x="670" y="60" width="110" height="80" />',
                       '<dc:Bounds x="700" y="70" width="110" height="80" />')  # order and layout: not changes
              .replace("</bpmn:process>", '<bpmn:textAnnotation id="note"><bpmn:text>新增说明</bpmn:text>'
                       '</bpmn:textAnnotation>\n  </bpmn:process>', 1)
              .replace('<spiffworkflow:property name="probation_months" value="12" />',
                       '<spiffworkflow:property name="probation_months" value="12" />\n'
                       '        <spiffworkflow:property name="pilot" value="true" />'))
    assert "<bpmn:flowNodeRef>nominate</bpmn:flowNodeRef>\n        <bpmn:flowNodeRef>start" in edited
    assert editor.post("/procedures/cadre_selection/1/deploy", json={"xml": edited}).status_code == 201

    diff = editor.get("/procedures/cadre_selection/diff.json?a=1&b=2").get_json()
    assert diff["added"] == ["note"] and diff["removed"] == []
    assert diff["changed"] == ["cadre_selection", "nominate"]
    assert diff["parameters"] == [{"name": "exclusion_share", "a": "1/2", "b": "3/5"},
                                  {"name": "pilot", "a": None, "b": "true"}]
    process = next(e for e in diff["elements"] if e["id"] == "cadre_selection")
    assert process["participant"] == "cadre_selection_pool" and process["kind"] == "changed"
    assert diff["xml_a"] == ORIGINAL and diff["xml_b"] == edited

    back = editor.get("/procedures/cadre_selection/diff.json?a=2&b=1").get_json()
    assert back["removed"] == ["note"] and back["added"] == []
    same = editor.get("/procedures/cadre_selection/diff.json?a=1&b=1").get_json()
    assert same["elements"] == [] and same["parameters"] == []

    page = editor.get("/procedures/cadre_selection/diff?a=1&b=2")
    assert page.status_code == 200
    assert 'data-element="note" data-kind="added"' in page.text and 'data-param="exclusion_share"' in page.text
    default = editor.get("/procedures/cadre_selection/diff")  # the latest against the one before
    assert default.status_code == 200 and "v1 → v2" in default.text
    assert editor.get("/procedures/cadre_selection/diff?a=1&b=7").status_code == 404


def test_upload_a_file_made_in_another_modeler(editor, editor_app):
    edited = ORIGINAL.replace(SHARE, SHARE.replace("1/2", "2/3")).encode()
    response = editor.post("/procedures/upload", data={"file": (io.BytesIO(edited), "diagram_1.bpmn")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    page = editor.get("/procedures/").text
    assert "cadre_selection" in page and "v2" in page
    rows = versions(editor_app)
    assert rows[1][1] == "cadre_selection.bpmn" and rows[1][2]["exclusion_share"] == "2/3"  # stored under its name

    broken = ORIGINAL.replace(NOMINATE_FORM, "").encode()
    failed = editor.post("/procedures/upload", data={"file": (io.BytesIO(broken), "broken.bpmn")}, content_type="multipart/form-data")
    assert failed.status_code == 422
    assert 'id="problems"' in failed.text and "nominate" in failed.text and "未指定表单" in failed.text
    missing = editor.post("/procedures/upload", data={}, content_type="multipart/form-data")
    assert missing.status_code == 422
    assert [r[0] for r in versions(editor_app)] == [1, 2]
