"""Oversized bodies and uploads are refused with 413, before the body is read, on every path that takes one.

Limits (api/__init__.py, Flask): a request body of at most MAX_CONTENT_LENGTH (6 MiB) — the REST JSON
endpoints, the procedure upload (multipart or raw BPMN), the web forms, the editor's upload and the
modeler's deploy call; a text field of a multipart form of at most MAX_FORM_MEMORY_SIZE (500 kB).
Inside the request limit, a BPMN file over 5 MB is a 422 naming the file (it fits the request, not the
procedure). Each limit is tested one byte over (413) and at the limit (read, then judged on content).
The REST API answers `{"error": {"code": "too_large", ...}}` in Chinese or English; the web pages answer
an HTML page (or, for the modeler's JSON call, `{"message", "problems"}`) in the session's language.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from api import MAX_REQUEST_BYTES
from api.rest.procedures import MAX_BPMN_BYTES

from .conftest import CJK, START_DATA, V1, Api, assert_api_error, csrf_token, signed_in

LIMIT = MAX_REQUEST_BYTES
FIELD_LIMIT = 500_000  # Flask's MAX_FORM_MEMORY_SIZE
BPMN = (Path(__file__).resolve().parents[2] / "bpmn" / "cadre_selection.bpmn").read_text(encoding="utf-8")
LANGS = ("zh", "en")


def json_body(size: int, **fields) -> bytes:
    """A JSON object of exactly `size` bytes: `fields` plus a padding string."""
    head = json.dumps({**fields, "padding": ""}, ensure_ascii=False).encode()
    assert size >= len(head)
    return head[:-2] + b"x" * (size - len(head)) + head[-2:]


def padded_bpmn(size: int) -> bytes:
    """The standard procedure with an XML comment making the file exactly `size` bytes."""
    text = BPMN.encode()
    head, tail = text.split(b"<bpmn:definitions", 1)
    filler = size - len(text) - len(b"<!---->\n")
    assert filler >= 0
    return head + b"<!--" + b"x" * filler + b"-->\n" + b"<bpmn:definitions" + tail


class ReadCounter(io.BytesIO):
    """A request body that records how much of it the server read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk

    def readline(self, size=-1):
        chunk = super().readline(size)
        self.taken += len(chunk)
        return chunk


def test_the_limits_are_what_this_file_tests(sqlite_app):
    assert sqlite_app.config["MAX_CONTENT_LENGTH"] == LIMIT == 6 * 1024 * 1024
    assert sqlite_app.config["MAX_FORM_MEMORY_SIZE"] == FIELD_LIMIT
    assert MAX_BPMN_BYTES == 5_000_000 < LIMIT


# --- the REST API ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def api(sqlite_app):
    return Api(sqlite_app)


@pytest.fixture
def case(api):
    response = api.call("POST", f"{V1}/cases", "clerk1", json={"procedure": "cadre_selection", "data": START_DATA})
    assert response.status_code == 201, response.text
    return response.json


def _endpoints(case) -> list[tuple[str | None, str]]:
    task = case["tasks"][0]["id"]
    return [(None, f"{V1}/auth/token"), ("clerk1", f"{V1}/cases"), ("orghead1", f"{V1}/tasks/{task}/complete"),
            ("clerk1", f"{V1}/cases/{case['id']}/messages"), ("orghead1", f"{V1}/cases/{case['id']}/terminate"),
            ("orghead1", f"{V1}/cases/{case['id']}/declarations"), ("admin1", f"{V1}/admin/calendar"),
            ("admin1", f"{V1}/admin/clock"), ("editor1", f"{V1}/procedures")]


def test_rest_json_bodies_one_byte_over_the_limit_are_413(api, case):
    over = json_body(LIMIT + 1, procedure="cadre_selection", data={})
    for user, path in _endpoints(case):
        for lang in LANGS:
            response = api.call("POST", path, user, lang=lang, data=over, content_type="application/json")
            assert_api_error(response, 413, "too_large", lang)
    after = api.call("GET", f"{V1}/cases/{case['id']}", "auditor1").json
    assert after["last_seq"] == case["last_seq"] and after["status"] == "running"


def test_rest_json_bodies_at_the_limit_are_read_and_judged_on_content(api, case):
    at = json_body(LIMIT, procedure="cadre_selection", data={})
    for user, path in _endpoints(case):
        response = api.call("POST", path, user, data=at, content_type="application/json")
        assert response.status_code in (400, 415, 422), (path, response.status_code, response.text[:300])
        assert response.json["error"]["code"] != "too_large"


def test_the_declared_length_alone_refuses_a_body_unread(api):
    """A Content-Length over the limit is refused before a byte of the body is read."""
    body = ReadCounter(b'{"username": "clerk1", "password": "clerk1"}')
    response = api.call("POST", f"{V1}/auth/token", input_stream=body, content_type="application/json",
                        environ_overrides={"CONTENT_LENGTH": str(10**12)})
    assert_api_error(response, 413, "too_large", "zh")
    assert body.taken == 0


@pytest.mark.parametrize("size", [LIMIT + 1, LIMIT])
def test_a_chunked_body_is_cut_at_the_limit(api, size):
    """No Content-Length (chunked, as gunicorn passes it with wsgi.input_terminated): the server reads
    at most the limit and then refuses with 413."""
    body = ReadCounter(json_body(size, username="clerk1", password="clerk1"))
    response = api.call("POST", f"{V1}/auth/token", input_stream=body, content_type="application/json",
                        environ_overrides={"wsgi.input_terminated": True})
    if size > LIMIT:
        assert_api_error(response, 413, "too_large", "zh")
        assert body.taken <= LIMIT + 64 * 1024  # read in chunks up to the limit, never the whole body
    else:
        assert_api_error(response, 422, "validation_failed", "zh")  # read: `padding` is an unknown field


# --- deploying a procedure over REST -----------------------------------------------------------------------


def test_procedure_upload_over_the_request_limit_is_413_multipart_and_raw(api):
    over = padded_bpmn(LIMIT + 1)
    for lang in LANGS:
        raw = api.call("POST", f"{V1}/procedures?filename=cadre_selection.bpmn", "editor1", lang=lang, data=over,
                       content_type="application/xml")
        assert_api_error(raw, 413, "too_large", lang)
        # the multipart envelope adds a few hundred bytes: a file of LIMIT - 100 bytes is already over
        multipart = api.call("POST", f"{V1}/procedures", "editor1", lang=lang, content_type="multipart/form-data",
                             data={"file": (io.BytesIO(padded_bpmn(LIMIT - 100)), "cadre_selection.bpmn")})
        assert_api_error(multipart, 413, "too_large", lang)


def test_procedure_upload_between_the_bpmn_and_the_request_limit_is_422_naming_the_file(api):
    for lang in LANGS:
        response = api.call("POST", f"{V1}/procedures", "editor1", lang=lang, content_type="multipart/form-data",
                            data={"file": (io.BytesIO(padded_bpmn(MAX_BPMN_BYTES + 1)), "cadre_selection.bpmn")})
        error = assert_api_error(response, 422, "validation_failed", lang)
        assert set(error["fields"]) == {"file"} and "5 MB" in error["fields"]["file"]


def test_a_bpmn_file_of_exactly_5_mb_is_deployed(api):
    exactly = padded_bpmn(MAX_BPMN_BYTES)
    raw = api.call("POST", f"{V1}/procedures?filename=cadre_selection.bpmn", "editor1", data=exactly,
                   content_type="application/xml")
    assert raw.status_code in (200, 201), raw.text[:500]  # created, or identical to what another test deployed
    assert raw.json["key"] == "cadre_selection" and raw.json["version"] >= 2
    same = api.call("POST", f"{V1}/procedures", "editor1", content_type="multipart/form-data",
                    data={"file": (io.BytesIO(exactly), "cadre_selection.bpmn")})
    assert same.status_code == 200 and same.json["created"] is False, same.text[:500]


# --- the web pages (session, CSRF on) -------------------------------------------------------------------------


def assert_web_413(response, lang: str) -> None:
    text = response.get_data(as_text=True)
    assert response.status_code == 413, text[:500]
    assert response.mimetype == "text/html"
    if lang == "zh":
        assert "请求内容过大" in text
    else:
        assert "The request is too large" in text and not CJK.search(text.split("<h1>")[1].split("</p>")[0])


def _form(size: int, **fields) -> bytes:
    """An urlencoded form body of exactly `size` bytes."""
    from urllib.parse import urlencode

    head = urlencode({**fields, "padding": ""}).encode()
    return head + b"x" * (size - len(head))


@pytest.mark.parametrize("lang", LANGS)
def test_the_login_form_over_the_limit_is_413_and_at_the_limit_is_read(sqlite_app, lang):
    client = sqlite_app.test_client()
    client.get(f"/lang/{'en' if lang == 'en' else 'zh_CN'}")
    token = csrf_token(client.get("/login").text)
    over = client.post("/login", data=_form(LIMIT + 1, csrf_token=token, username="clerk1", password="clerk1"),
                       content_type="application/x-www-form-urlencoded")
    assert_web_413(over, lang)
    at = client.post("/login", data=_form(LIMIT, csrf_token=token, username="clerk1", password="clerk1"),
                     content_type="application/x-www-form-urlencoded")
    assert at.status_code == 302, at.text[:500]  # read, CSRF checked, signed in (padding is ignored)


@pytest.mark.parametrize("lang", LANGS)
def test_a_task_form_over_the_limit_is_413(sqlite_app, lang):
    api = Api(sqlite_app)
    case = api.call("POST", f"{V1}/cases", "clerk1", json={"procedure": "cadre_selection", "data": START_DATA}).json
    task = case["tasks"][0]["id"]
    browser = signed_in(sqlite_app, "orghead1", lang)
    token = csrf_token(browser.get(f"/tasks/{task}").text)
    over = browser.post(f"/tasks/{task}", data=_form(LIMIT + 1, csrf_token=token, decision="approve"),
                        content_type="application/x-www-form-urlencoded")
    assert_web_413(over, lang)
    # a multipart text field over 500 kB is refused the same way, whatever the total
    field = browser.post(f"/tasks/{task}", content_type="multipart/form-data",
                         data={"csrf_token": token, "decision": "approve", "comment": "意" * (FIELD_LIMIT // 3 + 1)})
    assert_web_413(field, lang)
    assert api.call("GET", f"{V1}/cases/{case['id']}", "auditor1").json["last_seq"] == case["last_seq"]
    under = browser.post(f"/tasks/{task}", content_type="multipart/form-data",
                         data={"csrf_token": token, "decision": "approve", "comment": "意" * 6000})
    assert under.status_code == 200 and "form_page" not in under.text, under.text[:300]  # recorded
    assert api.call("GET", f"{V1}/cases/{case['id']}", "auditor1").json["last_seq"] > case["last_seq"]


@pytest.mark.parametrize("lang", LANGS)
def test_the_editor_upload_over_the_limit_is_413(sqlite_app, lang):
    browser = signed_in(sqlite_app, "editor1", lang)
    token = csrf_token(browser.get("/procedures/").text)
    over = browser.post("/procedures/upload", content_type="multipart/form-data",
                        data={"csrf_token": token, "file": (io.BytesIO(padded_bpmn(LIMIT - 100)), "cadre_selection.bpmn")})
    assert_web_413(over, lang)
    between = browser.post("/procedures/upload", content_type="multipart/form-data",
                           data={"csrf_token": token,
                                 "file": (io.BytesIO(padded_bpmn(MAX_BPMN_BYTES + 1)), "cadre_selection.bpmn")})
    assert between.status_code == 422 and ("5 MB" in between.text), between.text[:300]
    at = browser.post("/procedures/upload", content_type="multipart/form-data",
                      data={"csrf_token": token, "file": (io.BytesIO(padded_bpmn(MAX_BPMN_BYTES)), "cadre_selection.bpmn")})
    assert at.status_code == 302, at.text[:300]  # deployed (or identical to the version deployed before)


@pytest.mark.parametrize("lang", LANGS)
def test_the_modeler_deploy_call_over_the_limit_is_413_in_its_json_format(sqlite_app, lang):
    browser = signed_in(sqlite_app, "editor1", lang)
    token = csrf_token(browser.get("/procedures/cadre_selection/1/edit").text)
    over = browser.post("/procedures/cadre_selection/1/deploy", headers={"X-CSRFToken": token},
                        data=json_body(LIMIT + 1, xml=BPMN), content_type="application/json")
    assert over.status_code == 413, over.text[:300]
    body = over.get_json()
    assert body["problems"] == []
    assert ("请求内容过大" in body["message"]) if lang == "zh" else body["message"].startswith("The request is too large")
    xml = padded_bpmn(MAX_BPMN_BYTES).decode()
    at = browser.post("/procedures/cadre_selection/1/deploy", headers={"X-CSRFToken": token},
                      json={"xml": xml})
    assert at.status_code in (200, 201) and at.get_json()["key"] == "cadre_selection", at.text[:300]
