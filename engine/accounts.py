"""The rules every account follows, whichever door creates or changes it (the web admin page, the
command line, any REST endpoint): the user name, the password policy, and the roles a domain
forbids together (`registry.role_conflicts`). Messages are "English / 中文"; each door shows the
reader's half.
"""

from __future__ import annotations

import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates, validates_schema

from .errors import ValidationFailed

USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{1,63}")
MIN_PASSWORD, MAX_PASSWORD = 10, 256
MAX_DISPLAY_NAME = 128
# Character classes of the policy: a password mixes at least three (CJK characters count as "other").
CLASSES = (str.islower, str.isupper, str.isdigit, lambda c: not (c.islower() or c.isupper() or c.isdigit()))
MIN_CLASSES = 3
PASSWORD_POLICY = (
    f"at least {MIN_PASSWORD} characters, with at least {MIN_CLASSES} of lowercase letters, uppercase letters, "
    "digits and other characters, and not containing the user name",
    f"至少 {MIN_PASSWORD} 个字符，小写字母、大写字母、数字、其他字符中至少包含 {MIN_CLASSES} 类，且不得包含用户名",
)
USERNAME_RULE = ("2 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                 "2 至 64 个字母、数字或 . _ - 字符，以字母或数字开头")


def both(en: str, zh: str) -> str:
    return f"{en} / {zh}"


def password_problem(password: str, username: str) -> str | None:
    """The policy's verdict on a password (None: it passes); the message states the whole policy."""
    classes = sum(any(test(c) for c in password) for test in CLASSES)
    if (len(password) < MIN_PASSWORD or len(password) > MAX_PASSWORD or classes < MIN_CLASSES
            or (username and username.lower() in password.lower())):
        return both(f"the password must have {PASSWORD_POLICY[0]}", f"密码须{PASSWORD_POLICY[1]}")
    return None


def role_problem(registry, roles: list[str]) -> str | None:
    """Unknown roles, no role at all, or roles the domain forbids one person to hold together."""
    if not roles:
        return both("choose at least one role", "请至少选择一个角色")
    unknown = sorted(set(roles) - registry.account_roles) if registry.account_roles else []
    if unknown:
        return both(f"unknown role: {', '.join(unknown)}", f"未知角色：{', '.join(unknown)}")
    for conflict in registry.role_conflicts:
        if conflict.roles <= set(roles):
            return both(conflict.message, conflict.message_zh)
    return None


class _Account(Schema):
    class Meta:
        unknown = RAISE

    username = fields.String(required=True, validate=validate.Regexp(USERNAME, error=both(*USERNAME_RULE)),
                             error_messages={"required": both("enter a user name", "请填写用户名")})
    display_name = fields.String(load_default=None, allow_none=True, validate=validate.Length(
        max=MAX_DISPLAY_NAME, error=both(f"at most {MAX_DISPLAY_NAME} characters", f"不得超过 {MAX_DISPLAY_NAME} 个字符")))
    password = fields.String(required=True, error_messages={"required": both("enter a password", "请填写密码")})
    roles = fields.List(fields.String(), required=True)

    def __init__(self, registry, password_policy: bool):
        super().__init__()
        self.registry, self.password_policy = registry, password_policy

    @validates("roles")
    def _roles(self, roles, **_):
        problem = role_problem(self.registry, roles)
        if problem:
            raise ValidationError(problem)

    @validates_schema(skip_on_field_errors=False)
    def _password(self, data, **_):
        password = data.get("password")
        if password is None:
            return
        problem = both("enter a password", "请填写密码") if not password else (
            self.password_policy and password_problem(password, data.get("username") or ""))
        if problem:
            raise ValidationError(problem, "password")


def check_account(registry, data: dict, *, password_policy: bool = True) -> dict:
    """The account's fields, cleaned; ValidationFailed naming each wrong field otherwise.
    `password_policy=False` only for demo accounts (password = user name), never from a door."""
    data = {k: v for k, v in data.items() if v != "" or k == "display_name"}  # an empty field is a missing one
    try:
        cleaned = _Account(registry, password_policy).load(data)
    except ValidationError as exc:
        found = _flat(exc.messages)
        raise ValidationFailed("the account was not created: " + "; ".join(_half(m, 0) for m in found.values()),
                               message_zh="账号未创建：" + "；".join(_half(m, 1) for m in found.values()),
                               fields=found) from None
    cleaned["roles"] = sorted(set(cleaned["roles"]))
    return cleaned


def check_roles(registry, roles: list[str]) -> list[str]:
    problem = role_problem(registry, roles)
    if problem:
        raise ValidationFailed(f"the roles were not changed: {_half(problem, 0)}",
                               message_zh=f"角色未更改：{_half(problem, 1)}", fields={"roles": problem})
    return sorted(set(roles))


def _flat(messages: dict) -> dict[str, str]:
    return {name: " ".join(m if isinstance(m, str) else str(m) for m in (found if isinstance(found, list) else [found]))
            for name, found in messages.items()}


def _half(message: str, index: int) -> str:
    """The English (0) or Chinese (1) half of a message written by `both`."""
    parts = message.split(" / ", 1)
    return parts[index] if len(parts) == 2 else message
