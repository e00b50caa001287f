"""Roles, ordered: each one may do everything the one below it may."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]

    def allows(self, needed: Role) -> bool:
        """Whether a principal with this role may do what ``needed`` may."""
        return self.rank >= needed.rank

    @classmethod
    def parse(cls, value: str) -> Role:
        """``"Operator"`` -> :attr:`OPERATOR`; a message naming the roles otherwise."""
        try:
            return cls(value.strip().lower())
        except ValueError:
            raise ValueError(f"unknown role {value!r}: use one of {', '.join(cls)}") from None


_RANKS = {Role.VIEWER: 0, Role.OPERATOR: 1, Role.ADMIN: 2}

MAY: dict[Role, str] = {
    Role.VIEWER: "read alerts, incidents, silences, channels, policies, metrics and logs",
    Role.OPERATOR: "what a viewer may, and acknowledge, suppress, resolve, silence and approve",
    Role.ADMIN: "what an operator may, and reload or change configuration, and read the audit log",
}
"""What each role may do, in words (``holdoff token create --help``, the dashboard)."""
