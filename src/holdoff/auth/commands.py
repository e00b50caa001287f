"""``holdoff token …`` and ``holdoff user …``: credentials are made on the server, never over the API.

The database side is imported when a command runs, so that ``holdoff version`` stays quick.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from holdoff.auth.roles import MAY, Role
from holdoff.settings import Settings

if TYPE_CHECKING:
    from holdoff.auth.access import AccessControl

Loader = Callable[[Path | None, Path | None], Settings]

EnvFile = Annotated[
    Path | None,
    typer.Option("--env-file", help="KEY=value file (default /etc/holdoff.env when present)."),
]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="YAML configuration file.")]
RoleOption = Annotated[
    str, typer.Option("--role", help="; ".join(f"{role}: {may}" for role, may in MAY.items()))
]


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "-"


def _role(value: str) -> Role:
    try:
        return Role.parse(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--role") from None


def _fail(message: str) -> typer.Exit:
    typer.echo(f"holdoff: {message}", err=True)
    return typer.Exit(2)


def build(load: Loader) -> tuple[typer.Typer, typer.Typer]:
    """The ``token`` and ``user`` sub-commands, reading settings with ``load(env_file, config)``."""

    @contextmanager
    def access(env_file: Path | None, config: Path | None) -> Iterator[AccessControl]:
        from holdoff.auth.access import AccessControl
        from holdoff.clock import system_clock
        from holdoff.store import migrate
        from holdoff.store.db import Database

        settings = load(env_file, config)
        db = Database(settings.resolved_database_url)
        try:
            migrate.upgrade(db)
            yield AccessControl(db, system_clock, host=settings.server.host)
        finally:
            db.dispose()

    tokens = typer.Typer(no_args_is_help=True, help="API tokens: create (shown once), list, revoke.")
    users = typer.Typer(no_args_is_help=True, help="Dashboard users: create, list, unlock.")

    @tokens.command("create")
    def token_create(
        role: RoleOption,
        name: Annotated[str, typer.Option("--name", help="Who or what uses it, e.g. ops-bot.")],
        env_file: EnvFile = None,
        config: ConfigFile = None,
    ) -> None:
        """Make an API token and print it once (only its hash is kept)."""
        chosen = _role(role)
        with access(env_file, config) as control:
            try:
                info, token = control.tokens.create(name, chosen)
            except ValueError as exc:
                raise _fail(str(exc)) from None
        typer.echo(token)
        typer.echo(
            f"API token {info.id} ({info.name}, {info.role}) created. It is shown only this once: "
            "store it now. Send it as 'Authorization: Bearer <token>'.",
            err=True,
        )

    @tokens.command("list")
    def token_list(env_file: EnvFile = None, config: ConfigFile = None) -> None:
        """Every API token: id, name, role, when made, last used and revoked (never the token)."""
        with access(env_file, config) as control:
            found = control.tokens.listing()
        if not found:
            typer.echo("no API tokens (holdoff token create --role viewer --name NAME)")
            return
        typer.echo(f"{'ID':<13} {'ROLE':<9} {'CREATED':<21} {'LAST USED':<21} {'REVOKED':<21} NAME")
        for item in found:
            typer.echo(
                f"{item.id:<13} {item.role:<9} {_when(item.created_at):<21} {_when(item.last_used_at):<21} "
                f"{_when(item.revoked_at):<21} {item.name}"
            )

    @tokens.command("revoke")
    def token_revoke(
        token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (holdoff token list).")],
        env_file: EnvFile = None,
        config: ConfigFile = None,
    ) -> None:
        """Revoke an API token: it stops working at once."""
        from holdoff.auth.tokens import TokenNotFound

        with access(env_file, config) as control:
            try:
                info = control.tokens.revoke(token_id)
            except TokenNotFound as exc:
                raise _fail(str(exc)) from None
        typer.echo(f"API token {info.id} ({info.name}) revoked")

    @users.command("create")
    def user_create(
        name: Annotated[str, typer.Argument(help="The login name.")],
        role: RoleOption,
        password_stdin: Annotated[
            bool, typer.Option("--password-stdin", help="Read the password from standard input.")
        ] = False,
        env_file: EnvFile = None,
        config: ConfigFile = None,
    ) -> None:
        """Create a dashboard user; the password is asked for (twice), or read with --password-stdin."""
        from holdoff.auth.passwords import UserExists, check_password

        chosen = _role(role)
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            check_password(password)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        with access(env_file, config) as control:
            try:
                info = control.users.create(name, chosen, password)
            except (UserExists, ValueError) as exc:
                raise _fail(str(exc)) from None
        typer.echo(f"user {info.name} ({info.role}) created; log in at /login")

    @users.command("list")
    def user_list(env_file: EnvFile = None, config: ConfigFile = None) -> None:
        """Every dashboard user: name, role, last login, and until when its logins are throttled."""
        with access(env_file, config) as control:
            found = control.users.listing()
        if not found:
            typer.echo("no users (holdoff user create NAME --role viewer)")
            return
        typer.echo(f"{'NAME':<20} {'ROLE':<9} {'CREATED':<21} {'LAST LOGIN':<21} THROTTLED UNTIL")
        for item in found:
            typer.echo(
                f"{item.name:<20} {item.role:<9} {_when(item.created_at):<21} "
                f"{_when(item.last_login_at):<21} {_when(item.throttled_until)}"
            )

    @users.command("unlock")
    def user_unlock(
        name: Annotated[str, typer.Argument(help="The login name.")],
        env_file: EnvFile = None,
        config: ConfigFile = None,
    ) -> None:
        """Lift a user's login throttling: failed logins from every address are forgotten."""
        from holdoff.auth.passwords import UnknownUser

        with access(env_file, config) as control:
            try:
                cleared = control.users.unlock(name)
            except UnknownUser as exc:
                raise _fail(str(exc)) from None
        typer.echo(f"user {name} unlocked ({cleared} address(es) had failed logins); it can log in now")

    return tokens, users
