"""Roles, loopback, open mode and the start-up check of protected mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from holdoff.auth.access import AccessControl, check_start, is_loopback
from holdoff.auth.roles import Role
from holdoff.settings import Settings
from holdoff.store.db import Database
from tests.service.helpers import FakeClock


def test_roles_are_ordered() -> None:
    assert Role.ADMIN.allows(Role.OPERATOR) and Role.ADMIN.allows(Role.VIEWER)
    assert Role.OPERATOR.allows(Role.VIEWER) and not Role.OPERATOR.allows(Role.ADMIN)
    assert not Role.VIEWER.allows(Role.OPERATOR)
    assert Role.parse(" Operator ") is Role.OPERATOR
    with pytest.raises(ValueError, match="unknown role 'root': use one of viewer, operator, admin"):
        Role.parse("root")


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("10.0.0.5", False),
        ("holdoff.example", False),
    ],
)
def test_loopback_addresses(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_open_mode_needs_loopback_and_no_credentials(db: Database, clock: FakeClock) -> None:
    local = AccessControl(db, clock, host="127.0.0.1")
    public = AccessControl(db, clock, host="0.0.0.0")
    assert local.open_mode() and not public.open_mode()
    info, _ = local.tokens.create("me", Role.ADMIN)
    local.forget()
    assert not local.open_mode()
    local.tokens.revoke(info.id)
    local.forget()
    assert local.open_mode()  # a revoked token is no credential


def test_start_is_refused_on_a_public_address_without_credentials(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, host="0.0.0.0")
    refusal = check_start(settings)
    assert refusal is not None
    assert "holdoff token create --role admin --name me" in refusal
    assert "holdoff user create alice --role operator" in refusal
    local = Settings(data_dir=tmp_path, host="127.0.0.1")
    assert check_start(local) is None
    db = Database(settings.resolved_database_url)
    try:
        AccessControl(db, FakeClock(), host="0.0.0.0").tokens.create("me", Role.ADMIN)
    finally:
        db.dispose()
    with_tokens = Settings(data_dir=tmp_path, host="0.0.0.0", ingest_tokens={"*": "t" * 16})
    assert check_start(with_tokens) is None  # protected mode needs alert sources authenticated too
