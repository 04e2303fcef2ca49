"""Who acts: a user with the roles they hold, acting in one role per step."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Actor:
    username: str
    display_name: str
    roles: frozenset[str] = field(default_factory=frozenset)

    def holds(self, role: str) -> bool:
        return role in self.roles


SYSTEM = Actor("system", "系统 / system", frozenset({"system"}))
