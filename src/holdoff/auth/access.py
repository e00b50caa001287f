"""One installation's access control, and whether it runs open or refuses to start.

**Open mode**: with no API token and no user, a Holdoff bound to a loopback address lets every local
request act as admin (the README's curl lines keep working) and says so. **Protected mode**: bound to
any other address with no credentials, ``holdoff serve`` refuses to start and says how to create them;
in protected mode it also refuses to start while an alert source takes webhooks without a token and
is not named open on purpose (see :mod:`holdoff.settings.warnings`).

Credentials created while the service runs switch it to protected mode within a second (at the next
request). Alert sources keep taking webhooks as they did, because refusing alerts mid-run would lose
pages; the log warns and names the open sources, the channels page shows them, and the next start
refuses until they have tokens or are marked open.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from argon2 import PasswordHasher
from sqlalchemy import inspect, make_url
from sqlalchemy.exc import SQLAlchemyError

from holdoff.auth.audit import Audit
from holdoff.auth.passwords import Users
from holdoff.auth.sessions import Sessions
from holdoff.auth.tokens import ApiTokens
from holdoff.clock import Clock, system_clock
from holdoff.settings import Settings
from holdoff.settings.warnings import SourceAuth, config_warnings, ingest_refusal, is_loopback, source_access
from holdoff.store import migrate
from holdoff.store.db import Database
from holdoff.store.tables import api_tokens, users

log = logging.getLogger(__name__)

OPEN_RECHECK_SECONDS = 1.0
CREATE_HINT = (
    "create credentials first:\n"
    "  holdoff token create --role admin --name me      (an API token, printed once)\n"
    "  holdoff user create alice --role operator        (a dashboard login; asks for the password)"
)


__all__ = ["AccessControl", "check_start", "credentials_in", "is_loopback", "warn_now_protected"]


class AccessControl:
    """Tokens, users, sessions and the audit log of one database; and whether it is open now."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        host: str,
        hasher: PasswordHasher | None = None,
        on_protected: Callable[[], None] | None = None,
    ) -> None:
        """``on_protected`` runs once each time open mode ends because credentials were created."""
        self.tokens = ApiTokens(db, clock)
        self.users = Users(db, clock, hasher)
        self.sessions = Sessions(db, clock)
        self.audit = Audit(db, clock)
        self.loopback = is_loopback(host)
        self._open = False
        self._open_checked = -OPEN_RECHECK_SECONDS
        self._on_protected = on_protected

    def credentials_exist(self) -> bool:
        """Whether any unrevoked API token or any user exists."""
        return self.tokens.any_active() or self.users.any_exist()

    def open_mode(self) -> bool:
        """Bound to loopback with no credentials (checked again at most once a second: the CLI may
        create the first token while the service runs)."""
        if not self.loopback:
            return False
        now = time.monotonic()
        if now - self._open_checked >= OPEN_RECHECK_SECONDS:
            was_open = self._open
            self._open = not self.credentials_exist()
            self._open_checked = now
            if was_open and not self._open and self._on_protected is not None:
                self._on_protected()
        return self._open

    def forget(self) -> None:
        """Check open mode again on the next request."""
        self._open_checked = -OPEN_RECHECK_SECONDS


def check_start(settings: Settings) -> str | None:
    """Before serving (migrates the database): why the service must not start, or None.

    Refuses a non-loopback address without credentials, and protected mode with an alert source that
    takes webhooks without a token and is not named open on purpose. Logs open mode and every
    configuration warning otherwise.
    """
    db = Database(settings.resolved_database_url)
    try:
        migrate.upgrade(db)
        credentials = AccessControl(db, system_clock, host=settings.server.host).credentials_exist()
    finally:
        db.dispose()
    if not credentials and not is_loopback(settings.server.host):
        return (
            f"refusing to start: listening on {settings.server.host} (not a loopback address) with no API token "
            "and no user, anyone who can reach the port would act as admin; "
            + CREATE_HINT
            + "\nor listen on 127.0.0.1 only (--host 127.0.0.1)."
        )
    refusal = ingest_refusal(settings, credentials_exist=credentials)
    if refusal is not None:
        return refusal
    if not credentials:
        log.warning(
            "OPEN MODE: no API token and no user exist, so every request to %s acts as admin (allowed "
            "because Holdoff listens on loopback only); to require credentials run 'holdoff token create "
            "--role admin --name me' or 'holdoff user create alice --role operator'",
            settings.server.host,
        )
    else:
        statuses = source_access(settings, credentials_exist=True)
        opened = [status.name for status in statuses if status.auth is SourceAuth.OPEN_ON_PURPOSE]
        if opened:
            log.info("alert sources open on purpose (no token): %s", ", ".join(opened))
    for warning in config_warnings(settings, credentials_exist=credentials):
        log.warning("%s", warning.text())
    return None


def warn_now_protected(settings: Settings) -> None:
    """Log, when credentials appear while the service runs, what protected mode leaves open."""
    log.warning(
        "credentials now exist: Holdoff left open mode, so requests need an API token or a login from now on"
    )
    for warning in config_warnings(settings, credentials_exist=True):
        if warning.code == "ingest-unauthenticated":
            log.warning("%s", warning.text())


def credentials_in(settings: Settings) -> bool | None:
    """Whether the configured database holds credentials, without creating or migrating it.

    None when it cannot be read (``check-config`` then reports as if credentials existed).
    """
    try:
        url = make_url(settings.resolved_database_url)
        if url.get_backend_name() == "sqlite" and not (url.database and Path(url.database).is_file()):
            return False
        db = Database(url)
    except (SQLAlchemyError, OSError, ValueError):
        return None
    try:
        with db.read() as conn:
            inspector = inspect(conn)
            if not (inspector.has_table(api_tokens.name) and inspector.has_table(users.name)):
                return False
        return AccessControl(db, system_clock, host=settings.server.host).credentials_exist()
    except SQLAlchemyError:
        return None
    finally:
        db.dispose()
