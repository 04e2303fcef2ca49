"""Redeploying a procedure read back from the API, under any file name (issue 13, defect 2).

A modeler saves under any name: identical content is the version already deployed, whatever the
name; a changed file defining a deployed procedure is its next version; competitive_selection's call
activities still reach the parts defined in cadre_selection.bpmn.
"""

from __future__ import annotations

import io
import re

import pytest

from tests.procedures.test_competitive import run_competitive_to_publicity

V1 = "/api/v1"
NAMES = ["选拔任用-修订版.bpmn", "cadre_selection (1).bpmn", "diagram.bpmn"]
WAYS = [("multipart", name) for name in NAMES] + [("raw", None)]  # raw: application/xml, no file name


def post(http, text: str, way: tuple[str, str | None]):
    kind, name = way
    headers = {"Authorization": f"Bearer {http.token('editor1')}"}
    if kind == "raw":
        return http.client.post(f"{V1}/procedures", data=text.encode(), content_type="application/xml", headers=headers)
    return http.client.post(f"{V1}/procedures", content_type="multipart/form-data", headers=headers,
                            data={"file": (io.BytesIO(text.encode()), name)})


def fetched(http, key: str, version: int = 1) -> dict:
    return http.call("GET", f"{V1}/procedures/{key}/versions/{version}", "editor1")


def changed(text: str, name: str, value: str) -> str:
    text, count = re.subn(rf'(<spiffworkflow:property name="{name}" value=")[^"]*(")', rf"\g<1>{value}\g<2>", text)
    assert count == 1, name
    return text


@pytest.mark.parametrize("way", WAYS, ids=lambda w: w[1] or "raw-body")
@pytest.mark.parametrize("key", ["cadre_selection", "competitive_selection"])
def test_identical_content_is_a_noop_and_a_change_the_next_version(http, key, way):
    first = fetched(http, key)
    same = post(http, first["bpmn"], way)
    assert same.status_code == 200, same.json
    assert (same.json["key"], same.json["version"], same.json["created"], same.json["sha256"]) == (
        key, 1, False, first["sha256"])

    text = changed(first["bpmn"], "probation_months", "6")
    new = post(http, text, way)
    assert new.status_code == 201, new.json
    assert (new.json["key"], new.json["version"], new.json["created"]) == (key, 2, True)
    second = fetched(http, key, 2)
    assert second["bpmn"] == text and second["parameters"]["probation_months"] == 6
    # every process is defined once in a version's files (no stale copy under the old name)
    assert len(second["files"]) == (1 if key == "cadre_selection" else 2)

    again = post(http, text, ("multipart", "另存为.bpmn"))  # the same change under yet another name
    assert (again.status_code, again.json["version"], again.json["created"]) == (200, 2, False)
    latest = {p["key"]: p["version"] for p in http.call("GET", f"{V1}/procedures", "auditor1")}
    assert latest[key] == 2 and latest["competitive_selection" if key == "cadre_selection" else "cadre_selection"] == 1


def test_call_activities_resolve_after_both_files_are_redeployed_under_other_names(http):
    cadre = changed(fetched(http, "cadre_selection")["bpmn"], "publicity_working_days", "7")
    deployed = post(http, cadre, ("multipart", "选拔任用-修订版.bpmn"))
    assert (deployed.status_code, deployed.json["version"]) == (201, 2), deployed.json
    competitive = changed(fetched(http, "competitive_selection")["bpmn"], "deferral_months", "2")
    deployed = post(http, competitive, ("multipart", "竞争上岗-修订版.bpmn"))
    assert (deployed.status_code, deployed.json["version"]) == (201, 2), deployed.json
    version = fetched(http, "competitive_selection", 2)
    # the called parts come from the newest cadre_selection, under its new name, and only from it
    assert version["files"] == {"竞争上岗-修订版.bpmn": competitive, "选拔任用-修订版.bpmn": cadre}

    d = run_competitive_to_publicity(http)  # through inspection_part and decision_part into publicity_part
    assert d.case["version"] == 2 and d.case["parameters"]["deferral_months"] == 2
    assert d.case["data"]["publicity"]["start"] and d.ready() == []
    d.wait_for_timer()
    d.appoint()
    assert (d.case["status"], d.case["outcome"]) == ("completed", "appointed")
    assert http.call("GET", f"{V1}/cases/{d.id}/replay", "auditor1")["ok"] is True
