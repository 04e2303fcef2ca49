"""The lists to tick without a browser's scripts: every reason field is drawn and submitted, the blank
ones are no overrides, each message lands beside its option; the REST contract is unchanged."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict

from api import engine_context
from api.web.formrender import read_form, widgets
from engine import cases
from tests.web import test_auditor_admin_pages as pages
from workflows.demo import Driver
from workflows.forms import json_schema
from workflows.forms.choices import Choices, Offer, Option, Reason

app = pages.app  # the same app and sign-in as the other web pages' tests, on SQLite and PostgreSQL
signed_in = pages.signed_in

JUSTIFICATION = "王五长期在基层一线工作，群众公认度高，会议推荐时部分人员缺席"


def beside(html: str, value: str) -> str:
    """The HTML of one option's row."""
    found = re.search(rf'<div class="choice[^"]*" data-value="{value}">(.*?)\n      </div>', html, re.S)
    assert found, f"no row for {value}"
    return found.group(1)


def test_confirming_without_scripts(app):
    d = Driver(engine_context(app))
    d.to_confirm()
    task = d.tasks("confirm_candidates")[0]["id"]
    head = signed_in(app, "orghead1")
    page = head.get(f"/tasks/{task}").text
    assert 'name="candidates.2" value="王五"' in page and 'name="overrides.2.justification"' in page
    assert 'name="overrides.0.justification"' not in page  # 张三 is eligible: no reason to give
    assert 'name="single_candidate_reason"' not in page and 'name="_comment"' not in page

    blank = {"candidates.0": "张三", "candidates.2": "王五", "overrides.2.name": "王五",
             "overrides.2.justification": "", "comment": ""}
    refused = head.post(f"/tasks/{task}", data=blank)
    assert refused.status_code == 422
    assert "王五 得票未达半数已被排除" in beside(refused.text, "王五")
    assert "field-error" not in beside(refused.text, "张三")
    assert 'name="candidates.0" value="张三" checked' in refused.text

    unticked = {"candidates.0": "张三", "candidates.1": "李四", "overrides.2.name": "王五",
                "overrides.2.justification": JUSTIFICATION}
    refused = head.post(f"/tasks/{task}", data=unticked)
    assert refused.status_code == 422 and "王五 不在考察对象名单中" in beside(refused.text, "王五")
    assert JUSTIFICATION in beside(refused.text, "王五")

    done = head.post(f"/tasks/{task}", data={**blank, "overrides.2.justification": JUSTIFICATION})
    assert done.status_code == 200
    recorded = cases.get_case(engine_context(app), d.id)["data"]["confirm_candidates"]
    assert recorded == {"candidates": ["张三", "王五"], "overrides": [{"name": "王五", "justification": JUSTIFICATION}],
                        "single_candidate_reason": "", "comment": ""}


def test_a_step_comment_only_where_the_form_has_no_comment_of_its_own(app):
    d = Driver(engine_context(app))
    head = signed_in(app, "orghead1")
    page = head.get(f"/tasks/{d.tasks('approve_motion')[0]['id']}").text
    assert page.count("<textarea") == 1 and 'name="comment"' in page and 'name="_comment"' not in page
    d.approve()
    clerk = signed_in(app, "clerk1")
    page = clerk.get(f"/tasks/{d.tasks('nominate')[0]['id']}").text
    assert 'name="_comment"' in page


def test_the_rest_contract_is_unchanged(app):
    """POST /tasks/{id}/complete still takes names in `data` and a free `comment`."""
    d = Driver(engine_context(app))
    d.to_confirm()
    client = app.test_client()
    token = client.post("/api/v1/auth/token", json={"username": "orghead1", "password": "orghead1"}).json["token"]
    task = d.tasks("confirm_candidates")[0]["id"]
    body = {"data": {"candidates": ["张三", "王五"], "overrides": [{"name": "王五", "justification": JUSTIFICATION}]},
            "comment": "差额考察"}
    answer = client.post(f"/api/v1/tasks/{task}/complete", json=body, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.json
    assert answer.json["data"]["candidates"] == ["张三", "王五"]


# --- the widgets and the reading back, without a server ---------------------------------------------------------

OFFER = Offer({"candidates": Choices("many", (Option("张三", "张三"), Option("李四", "李四"),
                                              Option("王五", "王五", needs_reason=True, note="须说明理由")),
                                     reason=Reason("overrides", "理由说明", "name", "justification"))})


def test_each_option_finds_its_messages_by_the_order_it_was_ticked_in():
    schema = json_schema("confirm_candidates")
    values = {"candidates": ["李四", "王五"], "overrides": [{"name": "王五", "justification": "短"}]}
    fields = {w.path: w for w in widgets(schema, values, OFFER, submitted=True)}
    assert "overrides" not in fields  # drawn beside 王五, not as rows of its own
    picks = {p.option.value: p for p in fields["candidates"].picks}
    assert (picks["张三"].checked, picks["李四"].error, picks["王五"].error) == (False, "candidates.0", "candidates.1")
    reason = picks["王五"].reason
    assert (reason.name, reason.value, reason.hidden) == ("overrides.2.justification", "短",
                                                          [("overrides.2.name", "王五")])
    assert reason.errors[0] == "overrides.0.justification" and picks["张三"].reason is None
    assert fields["candidates"].also == ("overrides",)


def test_preselections_apply_to_a_fresh_form_only():
    offer = Offer({"candidates": Choices("many", OFFER.fields["candidates"].options, selected=("张三",))})
    schema = json_schema("confirm_candidates")
    fresh = widgets(schema, {}, offer)[0].picks
    again = widgets(schema, {"candidates": ["李四"]}, offer, submitted=True)[0].picks
    assert [p.checked for p in fresh] == [True, False, False] and [p.checked for p in again] == [False, True, False]


def test_a_blank_reason_is_no_override_and_the_ticks_keep_the_list_order():
    form = MultiDict([("candidates.2", "王五"), ("candidates.0", "张三"), ("overrides.2.name", "王五"),
                      ("overrides.2.justification", "  ")])
    assert read_form(json_schema("confirm_candidates"), form, OFFER) == {"candidates": ["张三", "王五"],
                                                                         "overrides": []}
    form.setlist("overrides.2.justification", [JUSTIFICATION])
    assert read_form(json_schema("confirm_candidates"), form, OFFER)["overrides"] == [
        {"name": "王五", "justification": JUSTIFICATION}]
