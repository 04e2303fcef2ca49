"""The engine on a fresh database with the example procedure deployed."""

from __future__ import annotations

import pytest

from tests.conftest import make_ctx
from tests.engine_helpers import deploy_example, example_registry


@pytest.fixture
def ctx(db_url):
    ctx = make_ctx(db_url, example_registry())
    deploy_example(ctx)
    return ctx
