"""One permission path: the web pages, the templates and REST ask the same table (api/policy.py);
`authorize` returns the role the rule matched; the rule of who may declare a relation is the
engine's, asked by both doors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from api.policy import RULES, matched_role
from engine.actors import Actor

API = Path(__file__).resolve().parents[2] / "api"


def test_every_page_and_template_names_a_rule_of_the_table():
    pages = [m for f in (API / "web").glob("*.py") for m in re.findall(r"@requires\(([^)]*)\)", f.read_text())]
    asked = [m for f in (API / "templates").glob("*.html") for m in re.findall(r"can\('([^']+)'", f.read_text())]
    assert pages and asked
    assert all(re.fullmatch(r'"[a-z_.]+"', p) for p in pages), pages  # one action, no role lists
    assert {p.strip('"') for p in pages} | set(asked) <= set(RULES)
    for template in (API / "templates").glob("*.html"):
        assert "has_any(" not in template.read_text() and ".holds(" not in template.read_text(), template.name


def who(*roles: str, name: str = "u1") -> Actor:
    return Actor(name, name, frozenset(roles))


@pytest.mark.parametrize(("actor", "action", "target", "role"), [
    (who("clerk", "auditor"), "case.accountability", None, "auditor"),
    (who("clerk", "discipline"), "case.message", None, "clerk"),
    (who("clerk"), "case.replay", None, None),
    (who("inspector"), "task.complete", {"role": "inspector"}, "inspector"),
    (who("inspector"), "task.complete", {"role": "discipline"}, None),
    (who("clerk"), "case.read", None, "-"),
])
def test_authorize_returns_the_role_the_rule_matched(actor, action, target, role):
    assert matched_role(actor, action, target) == role


@pytest.mark.parametrize(("actor", "username", "role"), [
    (who("inspector"), "u1", "inspector"),        # a participant, for themself
    (who("inspector"), "someone", None),          # not for anyone else
    (who("org_head"), "someone", "org_head"),     # the org_head, for anyone
    (who("auditor"), "u1", None),                 # auditors take no steps
    (who("editor", "org_head"), "u1", "org_head"),
])
def test_the_declare_rule_is_the_engines(actor, username, role):
    from types import SimpleNamespace

    from flask import Flask

    from engine.cases import guard_record_role
    from workflows import build_registry

    app = Flask(__name__)
    app.extensions["cadreflow"] = SimpleNamespace(registry=build_registry())  # only the registry is asked
    with app.app_context():
        assert matched_role(actor, "case.declare", {"username": username}) == role
        assert guard_record_role(app.extensions["cadreflow"].registry, actor, username) == role
