"""The standard procedure from start to each outcome, purely over HTTP, as the demo users."""

from __future__ import annotations

import pytest

from tests.api.http_backend import ApiError
from workflows.demo import Driver


def ended(http, driver, outcome):
    case = driver.refresh()
    assert (case["status"], case["outcome"], case["tasks"]) == ("completed", outcome, [])
    replay = http.call("GET", f"/api/v1/cases/{driver.id}/replay", "auditor1")
    assert replay["ok"] is True and replay["mismatches"] == []
    assert http.call("GET", "/api/v1/audit/verify", "auditor1")["ok"] is True


def test_appointed_over_http(http):
    d = Driver(http)
    inbox = http.call("GET", "/api/v1/tasks", "orghead1")
    assert [t["element_id"] for t in inbox if t["case_id"] == d.id] == ["approve_motion"]
    assert inbox[0]["form"]["properties"]["decision"]["enum"] == ["approve", "reject"]
    d.to_publicity()
    d.wait_for_timer()
    d.appoint()
    ended(http, d, "appointed")
    events = http.call("GET", f"/api/v1/cases/{d.id}/events", "orghead1")
    # the appointment's step ends the case; its registry note follows: 张三, typed at nomination,
    # joined the registry then, so his record gains the post
    assert events[0]["action"] == "case_started" and events[-2]["data_out"]["outcome"] == "appointed"
    assert events[-1]["action"] == "records_changed"
    assert [a["name"] for a in events[-1]["data_out"]["appointed"]] == ["张三"]
    record = http.call("GET", f"/api/v1/cases/{d.id}/accountability", "auditor1")
    assert ("secretary1", "committee_secretary") in {(e["user"], e["role"]) for e in record["entries"]}
    # the data fields stay as they were, each entry gains the event in words, in the caller's language
    assert [(e["seq"], e["entered"], e["decided"]) for e in record["entries"]] == [
        (e["seq"], e["data_in"], e["data_out"]) for e in events]
    tally = next(e for e in record["entries"] if e["element_id"] == "tally_recommendation")
    assert "王五10票（33.3%），第3名——低于半数，不列为考察对象（第19条）" in tally["narrative"]
    assert all(e["narrative"] and "{" not in e["narrative"] for e in record["entries"])
    assert record["procedure_name"] == "党政领导干部选拔任用（民主推荐）"
    assert {"name": "exclusion_share", "label": "得票低于此比例不列为考察对象", "value": "1/2"} in record["parameter_list"]
    english = http.call("GET", f"/api/v1/cases/{d.id}/accountability", "auditor1", headers={"Accept-Language": "en"})
    tally = next(e for e in english["entries"] if e["element_id"] == "tally_recommendation")
    assert "王五 10 votes (33.3%), rank 3 — below one half, not a candidate for inspection (art. 19)" in tally["narrative"]


@pytest.mark.parametrize("outcome", ["motion_rejected", "recommendation_failed", "no_qualified_candidate",
                                     "not_approved", "withdrawn_after_publicity", "probation_failed"])
def test_every_other_outcome_over_http(http, outcome):
    d = Driver(http)
    if outcome == "motion_rejected":
        d.approve("reject")
    elif outcome == "recommendation_failed":
        d.to_confirm({"张三": 1, "李四": 2, "王五": 3})
    elif outcome == "no_qualified_candidate":
        d.to_confirm()
        d.confirm(["张三", "李四"])
        for name in ("张三", "李四"):
            d.inspect(name, conclusion="not_recommend")
            d.opinion(name)
    elif outcome == "not_approved":
        d.to_deliberation()
        d.deliberate(["张三"])
        d.committee({"张三": {"agree": 2, "disagree": 7, "defer": 0}})
    elif outcome == "withdrawn_after_publicity":
        d.to_publicity()
        d.report()
        d.investigate("serious")
    else:
        d.to_publicity()
        d.wait_for_timer()
        d.appoint(probation=True)
        d.wait_for_timer()
        d.probation_review("not_competent")
    ended(http, d, outcome)


def test_terminated_over_http(http):
    d = Driver(http)
    with pytest.raises(ApiError) as refused:
        http.call("POST", f"/api/v1/cases/{d.id}/terminate", "clerk1", {"reason": "x"})
    assert refused.value.status == 403
    case = http.call("POST", f"/api/v1/cases/{d.id}/terminate", "orghead1", {"reason": "岗位撤销"})
    assert (case["status"], case["outcome"]) == ("terminated", "terminated")
