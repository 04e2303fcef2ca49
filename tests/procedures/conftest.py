"""The real procedures of bpmn/ deployed with the cadre domain's registry, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests.conftest import make_ctx
from workflows import build_registry
from workflows.demo import deploy


@pytest.fixture
def ctx(db_url):
    ctx = make_ctx(db_url, build_registry())
    deploy(ctx)
    return ctx
