"""The action-link signing secret (shared by every process) and the record of used tokens."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from holdoff.store.tables import server_secrets, used_action_tokens

SECRET_NAME = "action_links"  # noqa: S105 - the row name, not a secret


class AlreadyUsed(Exception):
    """This token was used before."""


def shared_secret(conn: Connection, now: datetime) -> bytes:
    """The installation's signing key: made by the first process that asks, read by the others."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        insert(server_secrets)
        .values(name=SECRET_NAME, value=secrets.token_hex(32), created_at=now)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    value = conn.execute(
        select(server_secrets.c.value).where(server_secrets.c.name == SECRET_NAME)
    ).scalar_one()
    return bytes.fromhex(value)


def use(conn: Connection, nonce: str, action: str, target: int, now: datetime, by: str | None) -> None:
    """Record the token as used, in the caller's transaction; raises :class:`AlreadyUsed` the second time."""
    if conn.execute(select(used_action_tokens.c.nonce).where(used_action_tokens.c.nonce == nonce)).first():
        raise AlreadyUsed(nonce)
    try:
        with conn.begin_nested():
            conn.execute(
                used_action_tokens.insert().values(
                    nonce=nonce, action=action, target=target, used_at=now, used_by=by
                )
            )
    except IntegrityError:
        raise AlreadyUsed(nonce) from None


def was_used(conn: Connection, nonce: str) -> bool:
    return (
        conn.execute(select(used_action_tokens.c.nonce).where(used_action_tokens.c.nonce == nonce)).first()
        is not None
    )
