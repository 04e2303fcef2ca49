"""An appointment fills the post in the registry, in the step's transaction, on SQLite and
PostgreSQL: the appointee's career gains the post from the committee's decision date (probation
until the day before its end) and the former post ends; an appointee typed by name leaves the
registry untouched and the case says so; replay passes over the note."""

from __future__ import annotations

import pytest

from engine import audit
from engine import reference_records as rr
from engine.registry import StepEffect
from engine.replay import replay
from tests.conftest import make_ctx
from workflows import build_registry
from workflows.demo import CLERK, Driver, deploy
from workflows.registry import store
from workflows.registry.appointment import fill_posts


@pytest.fixture
def ctx(db_url):
    ctx = make_ctx(db_url, build_registry())
    deploy(ctx)
    return ctx


def test_an_appointee_typed_by_name_joins_the_registry_and_the_appointment_fills_his_record(ctx):
    """A nominee typed by name becomes a person at nomination (regflow), so the appointment through
    the real diagram writes his career: a registry event in the step's transaction, a note on the case."""
    d = Driver(ctx)
    d.to_publicity()
    d.wait_for_timer()
    d.appoint(probation=True)
    with ctx.unit_of_work() as uow:
        events = audit.events_of(uow.session, audit.case_stream(d.id))
        registry = audit.events_of(uow.session, "registry")
    note = next(e for e in events if e.element_id == "appoint" and e.action in ("records_changed", "records_unchanged"))
    assert note.action == "records_changed"
    [appointed] = note.data_out["appointed"]
    assert appointed["name"] == "张三" and appointed["post"]["probation_until"]
    assert [e.action for e in registry].count("person_created") >= 1 and registry[-1].action == "person_changed"
    assert replay(ctx, d.id).ok


def test_an_appointment_fills_the_post_and_ends_the_former_one(ctx):
    person = store.create_person(ctx, {"name": "王伟", "gender": "男", "birth_date": "1980-01-01", "posts": [
        {"unit": "某镇", "title": "镇长", "level": "township_chief", "start": "2020-03-01"}]}, CLERK, "clerk")
    case_data = {"unit": "区教育局", "position": "副局长", "rank": "县处级副职", "parameters": {"probation_months": 12},
                 "quota": {"unit_id": 1, "level": "county_deputy", "approved": 3, "filled": 2},
                 "nominate": {"nominees": [{"name": "王伟", "person_id": person["id"]}, {"name": "王伟"}]},
                 "committee_decision": {"meeting_date": "2026-03-30"},
                 "decision": {"appointees": [person["id"]]}}
    with ctx.unit_of_work(write=True) as uow:
        notes = fill_posts(StepEffect(uow.session, 7, "appoint", "appoint", {"probation": True,
                                                                             "effective_date": "2026-04-15"},
                                      case_data, CLERK, "clerk", ctx.clock.now()))
        uow.commit()
    record = store.stored_person(ctx, person["id"])
    assert [(p["unit"], p["level"], p["start"], p["end"], p["probation_until"]) for p in record["posts"]] == [
        ("某镇", "township_chief", "2020-03-01", "2026-03-30", None),
        ("区教育局", "county_deputy", "2026-03-30", None, "2027-03-29")]
    assert notes == [("records_changed", {"kind": "person", "appointed": [
        {"person_id": person["id"], "name": "王伟", "post": record["posts"][1]}]})]
    with ctx.unit_of_work() as uow:
        [created, changed] = audit.events_of(uow.session, "registry")
        assert changed.action == "person_changed" and changed.comment == "case 7: appointment"
        assert set(changed.data_in["changes"]) == {"posts"}
        assert rr.keys_with(uow.session, "person", "unit", ["区教育局"]) == {"区教育局": [str(person["id"])]}
    # a name naming two nominees is no key: nothing is written
    with ctx.unit_of_work(write=True) as uow:
        notes = fill_posts(StepEffect(uow.session, 7, "appoint", "appoint", {}, {**case_data, "decision": {
            "appointees": ["王伟"]}}, CLERK, "clerk", ctx.clock.now()))
    assert [action for action, _ in notes] == ["records_unchanged"]
