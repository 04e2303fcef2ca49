"""Clerks writing the registry at once on PostgreSQL (SQLite serializes every write transaction):
every create and change succeeds, keys are unique and consecutive, and the `registry` audit chain
verifies."""

from __future__ import annotations

import threading

from engine import audit
from tests.conftest import make_ctx
from workflows import build_registry
from workflows.demo import CLERK
from workflows.registry import store


def test_concurrent_creates_and_changes(postgres_url):
    ctx = make_ctx(postgres_url, build_registry())
    errors: list[Exception] = []
    created: list[int] = []

    def clerk(n: int) -> None:
        try:
            for i in range(3):
                person = store.create_person(ctx, {"name": f"人员{n}-{i}", "gender": "男", "birth_date": "1980-01-01"},
                                             CLERK, "clerk")
                created.append(person["id"])
                store.patch_person(ctx, person["id"], {"ethnicity": "汉族"}, CLERK, "clerk")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(created) == list(range(1, 19))
    with ctx.unit_of_work() as uow:
        events = audit.events_of(uow.session, "registry")
        assert len(events) == 36 and audit.verify(uow.session).ok
