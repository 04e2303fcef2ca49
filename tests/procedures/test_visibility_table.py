"""The table of sections (workflows/visibility.py) classifies everything both procedures record: each
case-data key and each event's step, so nothing is hidden from a reader by oversight (an unclassified
name shows only to readers of every section)."""

from __future__ import annotations

import shutil

from engine import audit
from tests.conftest import make_ctx
from tests.procedures.test_competitive import run_competitive_to_publicity
from workflows import build_registry
from workflows.demo import CLERK, Driver, deploy
from workflows.visibility import _event_name, section_of


def test_every_key_and_step_of_both_procedures_has_a_section(sqlite_template, tmp_path):
    path = tmp_path / "table.sqlite"
    shutil.copy(sqlite_template, path)
    ctx = make_ctx(f"sqlite:///{path}", build_registry())
    deploy(ctx)
    standard = Driver(ctx)
    standard.to_publicity()
    standard.report(summary="反映其在原单位存在问题")
    standard.investigate("unfounded")
    standard.wait_for_timer()
    standard.appoint(probation=True)
    standard.wait_for_timer()
    standard.probation_review()
    competitive = run_competitive_to_publicity(ctx)
    withdrawn = Driver(ctx)
    withdrawn.to_confirm()
    withdrawn.backend.message(withdrawn.id, "withdraw", {"name": "张三", "reason": "本人申请"}, CLERK, "clerk")
    for driver in (standard, competitive, withdrawn):
        data = driver.refresh()["data"]
        assert not [k for k in data if section_of(k) is None], driver.id
        with ctx.unit_of_work() as uow:
            events = [audit.event_dict(e) for e in audit.events_of(uow.session, audit.case_stream(driver.id))]
        assert not [(e["action"], _event_name(e)) for e in events if section_of(_event_name(e)) is None]
