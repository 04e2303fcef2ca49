"""The account rules at the command line's door (the web admin page's are in tests/web): the password
policy, the user-name rule, 三员分立, and the demo users as the only exception to the policy."""

from __future__ import annotations

import pytest

from api import create_app, engine_context
from engine import audit
from engine.access import check_password
from engine.accounts import PASSWORD_POLICY, password_problem
from engine.errors import ValidationFailed
from engine.users import create_user, get_actor, set_roles
from tests.conftest import TEST_KEY
from workflows import DEMO_USERS
from workflows.demo import HEAD, deploy


@pytest.fixture
def app(db_url):
    app = create_app({"DATABASE_URL": db_url, "TESTING": True, "SECRET_KEY": TEST_KEY})
    deploy(engine_context(app))
    return app


def create(app, *args):
    return app.test_cli_runner().invoke(args=["users", "create", *args])


def test_the_command_line_refuses_admin_with_auditor(app):
    refused = create(app, "eve", "--role", "admin", "--role", "auditor", "--password", "Long-enough-1")
    assert refused.exit_code == 1
    assert "nobody may hold admin together with auditor" in refused.output and "三员分立" in refused.output
    assert get_actor(engine_context(app), "eve") is None
    made = create(app, "eve", "--role", "admin", "--password", "Long-enough-1")
    assert made.exit_code == 0 and "created eve (admin)" in made.output
    with pytest.raises(ValidationFailed) as later:  # the same rule when roles change, at the engine
        set_roles(engine_context(app), "eve", ["admin", "auditor"], by=HEAD)
    assert "三员分立" in later.value.message_zh and get_actor(engine_context(app), "eve").roles == {"admin"}


def test_the_command_line_applies_the_password_and_user_name_rules(app):
    weak = create(app, "clerk9", "--role", "clerk", "--password", "clerk9clerk9")
    assert weak.exit_code == 1 and PASSWORD_POLICY[0] in weak.output and PASSWORD_POLICY[1] in weak.output
    bad_name = create(app, "x", "--role", "clerk", "--password", "Long-enough-1")
    assert bad_name.exit_code == 1 and "starting with a letter or digit" in bad_name.output
    unknown = create(app, "clerk9", "--role", "root", "--password", "Long-enough-1")
    assert unknown.exit_code == 1 and "unknown role: root" in unknown.output
    assert get_actor(engine_context(app), "clerk9") is None


@pytest.mark.parametrize("password, passes", [
    ("Abcdef-12", False),          # 9 characters
    ("abcdef-123", True),          # 10, three classes
    ("abcdefghij", False),         # one class
    ("abcdefgh12", False),         # two classes
    ("ABCDEFGH12", False),
    ("abcDEF1234", True),
    ("干部选拔任用工作abc1", True),  # CJK characters count as "other"
    ("x" * 250 + "A-1", True),
    ("x" * 254 + "A-1", False),    # 257 characters
    ("My-CLERK1-pw", False),       # contains the user name clerk1, in any case
])
def test_the_password_policy_at_its_boundaries(password, passes):
    assert (password_problem(password, "clerk1") is None) is passes


def test_demo_users_are_the_only_exception_and_exist_only_after_demo(app):
    ctx = engine_context(app)
    assert all(get_actor(ctx, name) is None for name in DEMO_USERS)
    with pytest.raises(ValidationFailed):
        create_user(ctx, "clerk1", ["clerk"], "clerk1")  # the demo password, outside `cadreflow demo`: refused
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert check_password(ctx, "auditor1", "auditor1", "test") is not None
    with ctx.unit_of_work() as uow:
        created = [e for e in audit.events_of(uow.session, "users") if e.action == "user_created"]
    assert sorted(e.element_id for e in created) == sorted(DEMO_USERS)
    assert all(e.data_in["demo"] is True for e in created)  # the trail says which accounts skipped the policy
