"""The Alembic migrations build exactly the schema the models describe, and go down and up again."""

from __future__ import annotations

import json

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from engine.migrations import alembic_config, upgrade
from engine.storage.db import make_engine
from engine.storage.models import Base


def test_models_and_migrations_agree_and_downgrade_works(db_url):
    engine = make_engine(db_url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    command.downgrade(alembic_config(db_url), "base")
    with engine.connect() as conn:
        assert set(engine.dialect.get_table_names(conn)) <= {"alembic_version"}
    upgrade(db_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()


def test_the_guard_records_column_is_backfilled_from_the_trail(db_url):
    from engine import cases
    from tests.conftest import make_ctx
    from tests.engine_helpers import INSPECTOR, deploy_example, example_registry, start_example

    ctx = make_ctx(db_url, example_registry())
    deploy_example(ctx)
    declared, plain = start_example(ctx), start_example(ctx)
    record = {"username": "inspector1", "nominee": "甲", "relation": "spouse"}
    cases.record_for_guards(ctx, declared["id"], record, INSPECTOR, "inspector")
    ctx.db_engine.dispose()
    command.downgrade(alembic_config(db_url), "0008_record_reads")
    upgrade(db_url, guard_action=ctx.registry.guard_record.action)
    engine = make_engine(db_url)
    with engine.connect() as conn:
        kept = dict(conn.execute(text("SELECT id, guard_records FROM cases")).all())
    engine.dispose()
    as_json = (lambda v: json.loads(v)) if isinstance(kept[plain["id"]], str) else (lambda v: v)
    assert as_json(kept[declared["id"]]) == [{**record, "declared_by": "inspector1", "seq": 2}]
    assert as_json(kept[plain["id"]]) == []


def test_without_the_domain_action_the_trail_is_read(db_url):
    from engine import cases
    from tests.conftest import make_ctx
    from tests.engine_helpers import INSPECTOR, deploy_example, example_registry, start_example

    ctx = make_ctx(db_url, example_registry())
    deploy_example(ctx)
    case = start_example(ctx)
    cases.record_for_guards(ctx, case["id"], {"username": "inspector1", "nominee": "甲", "relation": "spouse"},
                            INSPECTOR, "inspector")
    ctx.db_engine.dispose()
    command.downgrade(alembic_config(db_url), "0008_record_reads")
    upgrade(db_url)  # existing rows keep NULL: not kept yet
    ctx = make_ctx(db_url, example_registry())
    assert [d["nominee"] for d in cases.get_case(ctx, case["id"])["declarations"]] == ["甲"]
    ctx.db_engine.dispose()
