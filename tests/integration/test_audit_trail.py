"""The audit trail is append-only, and verify finds edits, deletions and deleted cases."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from engine import audit, cases
from tests.engine_helpers import CLERK, start_example, task


def tamper(ctx, *statements):
    """Run SQL as an attacker with direct database access, switching the guard triggers off."""
    with ctx.db_engine.begin() as conn:
        postgres = conn.dialect.name == "postgresql"
        if postgres:
            conn.exec_driver_sql("SET session_replication_role = replica")  # triggers off for this session
        else:
            for name in ("audit_events_no_update", "audit_events_no_delete", "cases_no_delete",
                         "audit_checkpoints_no_delete"):
                conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
        for sql in statements:
            conn.execute(text(sql))
        if postgres:
            conn.exec_driver_sql("SET session_replication_role = origin")


def verify(ctx, **kw):
    with ctx.unit_of_work() as uow:
        return audit.verify(uow.session, **kw)


def two_step_case(ctx):
    case = start_example(ctx)
    return cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET comment = 'x' WHERE seq = 1",
    "DELETE FROM audit_events WHERE seq = 1",
    "UPDATE audit_checkpoints SET root = 'x'",
    "DELETE FROM audit_checkpoints",
    "DELETE FROM cases",
])
def test_database_refuses_changes_to_the_trail(ctx, statement):
    two_step_case(ctx)
    with ctx.unit_of_work(write=True) as uow:
        audit.create_checkpoint(uow.session, ctx.clock.now())
        uow.commit()
    with pytest.raises(DatabaseError, match="refused"), ctx.db_engine.begin() as conn:
        conn.execute(text(statement))
    assert verify(ctx).ok


def test_verify_reports_the_case_and_seq_of_an_edited_row(ctx):
    case = two_step_case(ctx)
    assert verify(ctx).ok
    tamper(ctx, f"UPDATE audit_events SET data_in = '{{\"decision\": \"reject\"}}' WHERE case_id = {case['id']} AND seq = 2")
    report = verify(ctx)
    assert not report.ok
    assert {(p["case_id"], p["seq"]) for p in report.problems} == {(case["id"], 2)}
    assert "edited" in report.problems[0]["problem"]


def test_verify_finds_a_deleted_event_and_a_deleted_case(ctx):
    first, second = two_step_case(ctx), two_step_case(ctx)
    with ctx.unit_of_work(write=True) as uow:
        checkpoint = audit.checkpoint_dict(audit.create_checkpoint(uow.session, ctx.clock.now()))
        uow.commit()
    tamper(ctx, f"DELETE FROM audit_events WHERE case_id = {first['id']} AND seq = 1")
    problems = verify(ctx).problems
    assert (first["id"], 1) in {(p["case_id"], p["seq"]) for p in problems}

    # the whole second case (row, tasks, events) and the stored checkpoints vanish: the exported copy finds it
    tamper(ctx, f"DELETE FROM case_tasks WHERE case_id = {second['id']}",
           f"DELETE FROM audit_events WHERE case_id = {second['id']}",
           f"DELETE FROM cases WHERE id = {second['id']}", "DELETE FROM audit_checkpoints")
    without = verify(ctx)
    assert second["id"] not in {p["case_id"] for p in without.problems}  # undetectable without a checkpoint
    with_export = verify(ctx, checkpoints=[checkpoint])
    gone = [p for p in with_export.problems if p["case_id"] == second["id"]]
    assert gone and "gone" in gone[0]["problem"]


def test_an_altered_checkpoint_is_detected(ctx):
    two_step_case(ctx)
    with ctx.unit_of_work(write=True) as uow:
        checkpoint = audit.checkpoint_dict(audit.create_checkpoint(uow.session, ctx.clock.now()))
        uow.commit()
    checkpoint["heads"] = checkpoint["heads"][1:]
    assert "altered" in verify(ctx, checkpoints=[checkpoint]).problems[0]["problem"]


def test_snapshot_edit_is_detected(ctx):
    case = two_step_case(ctx)
    tamper(ctx, f"UPDATE cases SET snapshot = replace(snapshot, 'approve', 'reject') WHERE id = {case['id']}")
    assert any("stored state" in p["problem"] for p in verify(ctx).problems)


def test_merkle_root_matches_rfc6962_vectors():
    from engine.hashing import merkle_root

    # RFC 6962 / certificate-transparency test vectors: empty tree and a one-leaf tree of b""
    assert merkle_root([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle_root([b""]) == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    leaves = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                          "606162636465666768696a6b6c6d6e6f"]]
    assert merkle_root(leaves) == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


def test_verify_reports_guard_records_on_the_case_row_that_disagree_with_the_trail(ctx):
    from engine import trail
    from tests.engine_helpers import INSPECTOR

    case = start_example(ctx)
    cases.record_for_guards(ctx, case["id"], {"username": "inspector1", "nominee": "甲", "relation": "spouse"},
                            INSPECTOR, "inspector")
    assert trail.verify_case(ctx, case["id"]).ok and trail.verify_all(ctx).ok
    # the row's copy forgets the declaration: the trail, which stays the record, still has it
    tamper(ctx, f"UPDATE cases SET guard_records = '[]' WHERE id = {case['id']}")
    for report in (trail.verify_case(ctx, case["id"]), trail.verify_all(ctx)):
        assert [(p["case_id"], p["seq"], p["problem"]) for p in report.problems] == [
            (case["id"], 2, "the case's guard records do not match those on its trail")]
    assert verify(ctx).ok  # without the domain's action there is nothing to compare them with


def test_verify_reads_one_state_of_the_database_while_steps_go_on(ctx, monkeypatch):
    """A step committed between verify's pass over the events and its check of the case rows is
    not tampering: verify reads one snapshot (PostgreSQL: a REPEATABLE READ transaction; SQLite's
    read transaction is one already), so it sees the case as its trail was then, and reports nothing."""
    from engine import trail

    case = start_example(ctx)
    check_cases = audit._check_cases
    steps = [lambda: cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"}),
             lambda: start_example(ctx)]  # a new case: its row, and events verify's pass did not see

    def a_step_lands_first(*args, **kwargs):
        steps.pop(0)()
        return check_cases(*args, **kwargs)

    monkeypatch.setattr(audit, "_check_cases", a_step_lands_first)
    for report in (trail.verify_case(ctx, case["id"]), trail.verify_all(ctx)):
        assert report.ok, report.problems
    assert not steps


def test_one_snapshot_reads_the_database_as_it_was_at_its_first_read(ctx):
    """What verify and replay read through: a step committed after the first read is not seen."""
    from engine.storage.models import Case

    case = start_example(ctx)
    with ctx.one_snapshot() as session:
        before = session.get(Case, case["id"]).last_seq
        cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
        session.expire_all()
        assert session.get(Case, case["id"]).last_seq == before


def test_read_alongside_reads_the_state_its_session_reads(ctx):
    """verify_all reads the case rows alongside its pass over the events (PostgreSQL: in a thread, on
    a second connection importing the session's snapshot): a step committed after the session's first
    read is seen by neither, an error there reaches the caller, and one of the caller's ends it."""
    from sqlalchemy import select

    from engine.storage.db import read_alongside
    from engine.storage.models import Case

    case = start_example(ctx)
    with ctx.one_snapshot() as session:
        before = session.get(Case, case["id"]).last_seq
        cases.complete_task(ctx, task(case, "review")["id"], CLERK, {"decision": "approve"})
        with read_alongside(session, select(Case.last_seq).where(Case.id == case["id"])) as rows:
            assert [r.last_seq for r in rows()] == [before]
    with ctx.one_snapshot() as session:
        assert session.get(Case, case["id"]).last_seq > before
        with pytest.raises(DatabaseError), read_alongside(session, text("SELECT * FROM no_such_table")) as rows:
            rows()
    with ctx.one_snapshot() as session:  # the caller fails before it asks: the statement is stopped or waited for
        with pytest.raises(ZeroDivisionError), read_alongside(session, select(Case.id)):
            1 / 0  # noqa: B018
        assert session.get(Case, case["id"]).last_seq > before


@pytest.mark.postgres
def test_verify_hashes_the_utf8_of_the_stored_json_whatever_the_client_encoding(postgres_url):
    """verify hashes the JSON columns as the UTF-8 bytes of their text, as the server sends them; on a
    connection with another client encoding (GB18030 here) they are converted back to UTF-8 first."""
    from engine import trail
    from engine.context import EngineContext
    from tests.conftest import make_ctx
    from tests.engine_helpers import deploy_example, example_registry

    ctx = make_ctx(postgres_url, example_registry())
    deploy_example(ctx)
    case = two_step_case(ctx)  # Chinese in its data: other bytes in GB18030 than in UTF-8
    reader = EngineContext.from_url(postgres_url, registry=example_registry(),
                                    connect_args={"client_encoding": "GB18030"})
    with reader.db_engine.connect() as conn:
        assert conn.connection.driver_connection.info.encoding == "gb18030"
    assert trail.verify_all(reader).ok and trail.verify_case(reader, case["id"]).ok
    tamper(ctx, f"UPDATE audit_events SET data_in = '{{\"decision\": \"驳回\"}}' WHERE case_id = {case['id']} AND seq = 2")
    assert [(p["case_id"], p["seq"]) for p in trail.verify_all(reader).problems] == [(case["id"], 2)]
    reader.db_engine.dispose()
