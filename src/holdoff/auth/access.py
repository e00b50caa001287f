"""One installation's access control, and whether it runs open or refuses to start.

**Open mode**: with no API token and no user, a Holdoff bound to a loopback address lets every local
request act as admin (the README's curl lines keep working) and says so. **Protected mode**: bound to
any other address with no credentials, ``holdoff serve`` refuses to start and says how to create them.
"""

from __future__ import annotations

import ipaddress
import logging
import time

from argon2 import PasswordHasher

from holdoff.auth.audit import Audit
from holdoff.auth.passwords import Users
from holdoff.auth.sessions import Sessions
from holdoff.auth.tokens import ApiTokens
from holdoff.clock import Clock, system_clock
from holdoff.settings import Settings
from holdoff.store import migrate
from holdoff.store.db import Database

log = logging.getLogger(__name__)

OPEN_RECHECK_SECONDS = 1.0
CREATE_HINT = (
    "create credentials first:\n"
    "  holdoff token create --role admin --name me      (an API token, printed once)\n"
    "  holdoff user create alice --role operator        (a dashboard login; asks for the password)"
)


def is_loopback(host: str) -> bool:
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class AccessControl:
    """Tokens, users, sessions and the audit log of one database; and whether it is open now."""

    def __init__(
        self, db: Database, clock: Clock, *, host: str, hasher: PasswordHasher | None = None
    ) -> None:
        self.tokens = ApiTokens(db, clock)
        self.users = Users(db, clock, hasher)
        self.sessions = Sessions(db, clock)
        self.audit = Audit(db, clock)
        self.loopback = is_loopback(host)
        self._open = False
        self._open_checked = -OPEN_RECHECK_SECONDS

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
            self._open = not self.credentials_exist()
            self._open_checked = now
        return self._open

    def forget(self) -> None:
        """Check open mode again on the next request."""
        self._open_checked = -OPEN_RECHECK_SECONDS


def check_start(settings: Settings) -> str | None:
    """Before serving (migrates the database): why the service must not start, or None. Logs open mode."""
    db = Database(settings.resolved_database_url)
    try:
        migrate.upgrade(db)
        if AccessControl(db, system_clock, host=settings.host).credentials_exist():
            return None
    finally:
        db.dispose()
    if not is_loopback(settings.host):
        return (
            f"refusing to start: listening on {settings.host} (not a loopback address) with no API token "
            "and no user, anyone who can reach the port would act as admin; "
            + CREATE_HINT
            + "\nor listen on 127.0.0.1 only (--host 127.0.0.1)."
        )
    log.warning(
        "OPEN MODE: no API token and no user exist, so every request to %s acts as admin (allowed because "
        "Holdoff listens on loopback only); to require credentials run 'holdoff token create --role admin "
        "--name me' or 'holdoff user create alice --role operator'",
        settings.host,
    )
    return None
