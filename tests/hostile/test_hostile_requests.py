"""Requests no view can use are a 400 in the caller's language, never a 500 — on SQLite and PostgreSQL.

Each of these was a 500 before api/errors.py's `refuse_unreadable_input`: JSON nested past Python's
recursion limit, an integer of more than 4300 digits, NaN, lone surrogates (cannot be encoded as
UTF-8 for hashing or storage), and U+0000 (PostgreSQL refuses it in text: the login, a case's data,
a comment, a path segment, a query parameter, a web form field).
"""

from __future__ import annotations

import json

import pytest

from .conftest import CJK, START_DATA, V1, Api, assert_api_error, csrf_token, signed_in

LANGS = ("zh", "en")


def _nested(depth: int) -> str:
    return '{"procedure": "cadre_selection", "data": ' + '{"a": ' * depth + "1" + "}" * depth + "}"


HOSTILE_BODIES = {
    "nested 65 levels": _nested(64),
    "nested 1000 levels": _nested(1000),
    "nested 100000 levels": "[" * 100_000 + "]" * 100_000,
    "a 5000-digit integer": '{"procedure": "cadre_selection", "data": {"post_count": ' + "9" * 5000 + "}}",
    "NaN": '{"procedure": "cadre_selection", "data": {"post_count": NaN}}',
    "-Infinity": '{"procedure": "cadre_selection", "data": {"post_count": -Infinity}}',
    "a lone surrogate": json.dumps({"procedure": "cadre_selection", "data": {**START_DATA, "reason": "\ud800"}}),
    "a lone surrogate in a key": json.dumps({"procedure": "cadre_selection", "data": {"\udfff": 1}}),
    "NUL in a value": json.dumps({"procedure": "cadre_selection", "data": {**START_DATA, "reason": "原因\x00"}}),
    "NUL in a key": json.dumps({"procedure": "cadre_selection", "data": {"a\x00": 1}}),
    "not UTF-8": b'{"procedure": "\xff\xfe"}',
}


@pytest.fixture
def api(app):
    return Api(app)


@pytest.fixture
def case(api):
    response = api.call("POST", f"{V1}/cases", "clerk1", json={"procedure": "cadre_selection", "data": START_DATA})
    assert response.status_code == 201, response.text
    return response.json


def test_hostile_json_bodies_are_400_in_both_languages(api, case):
    for what, body in HOSTILE_BODIES.items():
        for lang in LANGS:
            response = api.call("POST", f"{V1}/cases", "clerk1", lang=lang, data=body, content_type="application/json")
            error = assert_api_error(response, 400, "bad_request", lang)
            assert error["message"], what
    assert len(api.call("GET", f"{V1}/cases", "auditor1").json) == 1  # nothing was started


def test_a_body_nested_64_levels_is_read(api):
    response = api.call("POST", f"{V1}/cases", "clerk1", data=_nested(62), content_type="application/json")
    assert_api_error(response, 422, "validation_failed", "zh")  # read, then refused for what it says


def test_nul_anywhere_is_400_not_a_database_error(api, case):
    task = case["tasks"][0]["id"]
    for lang in LANGS:
        for method, path, user, body in [
            ("POST", f"{V1}/auth/token", None, {"username": "clerk1\x00", "password": "x"}),
            ("POST", f"{V1}/cases", "clerk1", {"procedure": "cadre_selection\x00", "data": START_DATA}),
            ("POST", f"{V1}/tasks/{task}/complete", "orghead1", {"data": {"decision": "approve"}, "comment": "好\x00"}),
            ("POST", f"{V1}/cases/{case['id']}/terminate", "orghead1", {"reason": "终止\x00"}),
            ("POST", f"{V1}/cases/{case['id']}/declarations", "orghead1",
             {"username": "inspector1\x00", "nominee": "张三", "relation": "spouse"}),
            ("GET", f"{V1}/procedures/cadre%00selection/versions/1", "clerk1", None),
            ("GET", f"{V1}/tasks/{task}%00", "clerk1", None),
            ("GET", f"{V1}/cases?status=%00", "clerk1", None),
        ]:
            response = api.call(method, path, user, lang=lang, json=body)
            assert_api_error(response, 400, "bad_request", lang)
    after = api.call("GET", f"{V1}/cases/{case['id']}", "auditor1").json
    assert after["last_seq"] == case["last_seq"] and after["status"] == "running"


def test_a_multipart_part_without_a_usable_name_is_not_a_500(api):
    """Found by `make fuzz`: werkzeug names a part sent as `name="X\\"` None, which the NUL check tripped on."""
    nameless = b'--b\r\nContent-Disposition: form-data; name="X\\"\r\n\r\nv\r\n'
    with_nul = b'--b\r\nContent-Disposition: form-data; name="n\x00"\r\n\r\nv\r\n'
    for lang in LANGS:
        response = api.call("POST", f"{V1}/procedures", "editor1", lang=lang, data=nameless + b"--b--\r\n",
                            content_type="multipart/form-data; boundary=b")
        error = assert_api_error(response, 422, "validation_failed", lang)  # read: there is no `file`
        assert set(error["fields"]) == {"file"}
        response = api.call("POST", f"{V1}/procedures", "editor1", lang=lang, data=nameless + with_nul + b"--b--\r\n",
                            content_type="multipart/form-data; boundary=b")
        assert_api_error(response, 400, "bad_request", lang)


def test_a_stranger_gets_401_whatever_he_sends(api):
    response = api.call("POST", f"{V1}/cases", data=HOSTILE_BODIES["NUL in a value"], content_type="application/json")
    assert_api_error(response, 401, "unauthorized", "zh")


@pytest.mark.parametrize("lang", LANGS)
def test_nul_in_web_forms_and_paths_is_400(app, lang):
    client = app.test_client()
    client.get(f"/lang/{'en' if lang == 'en' else 'zh_CN'}")
    token = csrf_token(client.get("/login").text)
    response = client.post("/login", data={"csrf_token": token, "username": "clerk1\x00", "password": "x"})
    assert response.status_code == 400 and response.mimetype == "text/html", response.text[:300]
    assert ("U+0000" in response.text) and (bool(CJK.search(response.text.split("<h1>")[1])) == (lang == "zh"))
    editor = signed_in(app, "editor1", lang)
    assert editor.get("/procedures/cadre%00selection/1").status_code == 400
    assert editor.get("/procedures/cadre_selection/diff?a=%00").status_code == 400


def test_an_exponent_in_a_share_is_refused_at_once():
    """Fraction() reads '1e999999999' (and takes practically forever): parameters take plain digits only."""
    import time

    from workflows.params import check_overrides, fraction

    started = time.perf_counter()
    with pytest.raises(ValueError):
        fraction("1e999999999")
    assert check_overrides({"exclusion_share": "1e9999999"}) and time.perf_counter() - started < 1
    assert fraction(" 2/3 ") == fraction("2/3") and fraction("0.4") * 5 == 2
    assert check_overrides({"rounds": "1e5"}) == {}  # not this domain's parameter
