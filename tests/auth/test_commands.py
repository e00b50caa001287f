"""``holdoff token …`` and ``holdoff user …`` against a fresh SQLite data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from holdoff.auth.access import AccessControl
from holdoff.auth.passwords import LoginRefused, Throttled
from holdoff.auth.throttle import PER_USER
from holdoff.auth.tokens import parse_id
from holdoff.clock import system_clock
from holdoff.settings import Settings
from holdoff.store.db import Database
from tests.auth.conftest import FAST_HASHER
from tests.service.helpers import FakeClock


def holdoff(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOLDOFF_")}
    return subprocess.run(
        [sys.executable, "-m", "holdoff", *args],
        cwd=cwd,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_token_is_printed_once_listed_without_its_secret_and_revoked(tmp_path: Path) -> None:
    made = holdoff(tmp_path, "token", "create", "--role", "operator", "--name", "ops-bot")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    token_id = parse_id(token)
    assert token_id is not None and "shown only this once" in made.stderr
    listed = holdoff(tmp_path, "token", "list")
    assert token_id in listed.stdout and "operator" in listed.stdout and "ops-bot" in listed.stdout
    assert token.split("_", 2)[2] not in listed.stdout  # hld_<id>_<secret>; the secret may hold "_"
    db = Database(Settings(data_dir=tmp_path / "var").resolved_database_url)
    try:
        access = AccessControl(db, FakeClock(), host="127.0.0.1")
        found = access.tokens.verify(token)
        assert found is not None and found.name == "ops-bot"
        assert holdoff(tmp_path, "token", "revoke", token_id).returncode == 0
        assert access.tokens.verify(token) is None
    finally:
        db.dispose()
    unknown = holdoff(tmp_path, "token", "revoke", "000000000000")
    assert unknown.returncode == 2 and "no API token with id '000000000000'" in unknown.stderr


def test_a_bad_role_is_refused_naming_the_roles(tmp_path: Path) -> None:
    result = holdoff(tmp_path, "token", "create", "--role", "root", "--name", "x")
    words = " ".join(result.stderr.replace("\u2502", " ").split())  # typer draws a box around it
    assert result.returncode == 2 and "unknown role 'root': use one of viewer, operator, admin" in words


def test_a_user_is_created_from_stdin_and_can_log_in(tmp_path: Path) -> None:
    made = holdoff(
        tmp_path, "user", "create", "alice", "--role", "operator", "--password-stdin", stdin="s3cret pass\n"
    )
    assert made.returncode == 0, made.stderr
    again = holdoff(
        tmp_path, "user", "create", "alice", "--role", "admin", "--password-stdin", stdin="s3cret pass\n"
    )
    assert again.returncode == 2 and "exists already" in again.stderr
    short = holdoff(
        tmp_path, "user", "create", "bob", "--role", "viewer", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 2 and "shorter than 8 characters" in short.stderr
    assert "alice" in holdoff(tmp_path, "user", "list").stdout
    db = Database(Settings(data_dir=tmp_path / "var").resolved_database_url)
    try:
        user = AccessControl(db, FakeClock(), host="127.0.0.1", hasher=FAST_HASHER).users.authenticate(
            "alice", "s3cret pass", source="127.0.0.1"
        )
        assert user.role == "operator"
    finally:
        db.dispose()


def test_an_admin_unlocks_a_throttled_user_from_the_command_line(tmp_path: Path) -> None:
    made = holdoff(
        tmp_path, "user", "create", "alice", "--role", "operator", "--password-stdin", stdin="s3cret pass\n"
    )
    assert made.returncode == 0, made.stderr
    db = Database(Settings(data_dir=tmp_path / "var").resolved_database_url)
    try:
        clock = FakeClock()
        clock.now = system_clock()  # the command compares with the real time
        users = AccessControl(db, clock, host="127.0.0.1", hasher=FAST_HASHER).users
        for attempt in range(PER_USER.free + 6):  # waiting out each delay (up to 64 s) in fake time
            clock.advance(64 if attempt else 0)
            with pytest.raises(LoginRefused):
                users.authenticate("alice", "guess", source="203.0.113.9")
        with pytest.raises(Throttled):
            users.authenticate("alice", "s3cret pass", source="203.0.113.9")
        listed = holdoff(tmp_path, "user", "list")
        assert "THROTTLED UNTIL" in listed.stdout
        [row] = [line for line in listed.stdout.splitlines() if line.startswith("alice")]
        assert row.rstrip().endswith("UTC"), row  # throttled until a time, not "-"
        unlocked = holdoff(tmp_path, "user", "unlock", "alice")
        assert unlocked.returncode == 0, unlocked.stderr
        assert "user alice unlocked (1 address(es) had failed logins)" in unlocked.stdout
        assert users.authenticate("alice", "s3cret pass", source="203.0.113.9").name == "alice"
    finally:
        db.dispose()
    unknown = holdoff(tmp_path, "user", "unlock", "carol")
    assert unknown.returncode == 2 and "no user named 'carol'" in unknown.stderr
