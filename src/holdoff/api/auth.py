"""Who is asking, and may they: the FastAPI side of access control.

A request is authenticated by ``Authorization: Bearer hld_…`` (an API token) or by the
``holdoff_session`` cookie (a dashboard login). Unsafe methods with a session cookie must also carry
the session's CSRF token (header ``X-CSRF-Token`` or form field ``csrf_token``). In open mode (loopback,
no credentials at all) every request is the ``open`` principal with the admin role.

Routes declare what they need with ``Depends(require(Role.X))`` (or :data:`by_method`: reading needs
viewer, changing needs operator). No or bad credentials → 401 with ``WWW-Authenticate: Bearer``; a
role too low → 403 naming the role needed. :class:`AuditTrail` writes every unsafe request of an
authenticated principal to the audit log, with the status it was answered with.
"""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request, WebSocket, WebSocketException, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from holdoff.auth.access import AccessControl, warn_now_protected
from holdoff.auth.roles import Role
from holdoff.auth.sessions import COOKIE
from holdoff.runtime import Runtime

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"

How = Literal["token", "session", "open"]


@dataclass(frozen=True)
class Principal:
    """Who a request acts as."""

    name: str
    """``token ops-bot``, ``alice``, or ``anonymous`` in open mode."""
    role: Role
    how: How
    via: str
    """For the audit log: ``token <id>``, ``session`` or ``open``."""
    csrf_token: str | None = None
    """The session's CSRF token (sessions only), for pages and scripts that send unsafe requests."""

    def actor(self, claimed: str | None) -> str:
        """The name an operator action is recorded under. A session is its user; a token keeps who its
        caller says is acting but names itself (``alice (token ops-bot)``); open mode trusts the claim."""
        if self.how == "session":
            return self.name
        if self.how == "token":
            return f"{claimed} ({self.name})" if claimed else self.name
        return claimed or "api"


OPEN = Principal(name="anonymous", role=Role.ADMIN, how="open", via="open")

AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No credentials, or credentials that are not valid (expired, revoked, forged)"},
    403: {"description": "The credentials' role may not do this, or the CSRF token is missing"},
}

bearer_scheme = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="An API token (hld_…) from `holdoff token create --role viewer|operator|admin`.",
)
session_scheme = APIKeyCookie(
    name=COOKIE,
    auto_error=False,
    scheme_name="session",
    description="A dashboard login (POST /login); unsafe methods also need the X-CSRF-Token header.",
)


def access_of(connection: HTTPConnection) -> AccessControl:
    access: AccessControl = connection.app.state.access
    return access


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


async def identify(connection: HTTPConnection) -> Principal | None:
    """The principal behind the request's credentials; None when it has none (and the service is not
    open); 401 when the credentials it has are not valid."""
    access = access_of(connection)
    if await run_in_threadpool(access.open_mode):
        return OPEN
    scheme, _, presented = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and presented.strip():
        token = await run_in_threadpool(access.tokens.verify, presented.strip())
        if token is None:
            raise _unauthorized("the API token is not valid: unknown, revoked or mistyped")
        return Principal(name=f"token {token.name}", role=token.role, how="token", via=f"token {token.id}")
    session_id = connection.cookies.get(COOKIE)
    if session_id:
        session = await run_in_threadpool(access.sessions.get, session_id)
        if session is None:
            raise _unauthorized("the session has expired or is not valid: log in again at /login")
        return Principal(
            name=session.user_name,
            role=session.role,
            how="session",
            via="session",
            csrf_token=session.csrf_token,
        )
    return None


async def authenticated(
    request: Request,
    _token: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
    _session: Annotated[str | None, Depends(session_scheme)],
) -> Principal | None:
    """Resolved once per request (the security schemes are declared for the OpenAPI document)."""
    principal = await identify(request)
    if principal is not None:
        request.state.principal = principal
    return principal


async def check_csrf(request: Request, principal: Principal) -> None:
    presented = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if presented is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        field = (await request.form()).get(CSRF_FIELD)
        presented = field if isinstance(field, str) else None
    expected = principal.csrf_token
    if (
        expected is None
        or presented is None
        or not hmac.compare_digest(presented.encode(), expected.encode())
    ):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"missing or wrong CSRF token: a logged-in browser must send the {CSRF_HEADER} header "
            f"or a {CSRF_FIELD} form field with {request.method} requests",
        )


def _check_role(principal: Principal, needed: Role) -> None:
    if not principal.role.allows(needed):
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"this needs the {needed} role (or higher); {principal.name} has the {principal.role} role",
        )


Dependency = Callable[..., Awaitable[Principal]]


@functools.cache
def require(role: Role) -> Dependency:
    """A dependency: the request's principal if its role is ``role`` or higher (401/403 otherwise)."""

    async def dependency(
        request: Request, principal: Annotated[Principal | None, Depends(authenticated)]
    ) -> Principal:
        if principal is None:
            raise _unauthorized(
                "authentication needed: send 'Authorization: Bearer <token>' (holdoff token create) "
                "or log in at /login"
            )
        _check_role(principal, role)
        if principal.how == "session" and request.method not in SAFE_METHODS:
            await check_csrf(request, principal)
        return principal

    dependency.__name__ = f"require_{role}"
    return dependency


async def by_method(
    request: Request, principal: Annotated[Principal, Depends(require(Role.VIEWER))]
) -> Principal:
    """Reading needs the viewer role, changing anything the operator role."""
    if request.method not in SAFE_METHODS:
        _check_role(principal, Role.OPERATOR)
    return principal


@functools.cache
def require_page(role: Role) -> Dependency:
    """Like :func:`require` for HTML pages: a browser with no credentials is sent to /login and back."""

    async def dependency(
        request: Request, principal: Annotated[Principal | None, Depends(authenticated)]
    ) -> Principal:
        if principal is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise HTTPException(
                status.HTTP_303_SEE_OTHER,
                "log in first",
                headers={"Location": f"/login?next={quote(target, safe='')}"},
            )
        _check_role(principal, role)
        return principal

    dependency.__name__ = f"page_{role}"
    return dependency


@functools.cache
def require_ws(role: Role) -> Callable[[WebSocket], Awaitable[Principal]]:
    """For WebSocket routes: closes with 1008 (policy violation) unless the principal may.

    Upgrades from a page of another origin (cross-site WebSocket hijacking) never get here:
    :mod:`holdoff.api.origin` closes them first, in open mode too."""

    async def dependency(websocket: WebSocket) -> Principal:
        try:
            principal = await identify(websocket)
        except HTTPException as exc:
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, str(exc.detail)) from None
        if principal is None:
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, "authentication needed")
        if not principal.role.allows(role):
            raise WebSocketException(status.WS_1008_POLICY_VIOLATION, f"this needs the {role} role")
        return principal

    return dependency


Viewer = Annotated[Principal, Depends(require(Role.VIEWER))]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
ByMethod = Annotated[Principal, Depends(by_method)]


def _target(path_params: dict[str, Any]) -> str | None:
    """``{"alert_id": 12}`` -> ``"alert:12"``: what an audited request acted on."""
    for key, value in path_params.items():
        if key.endswith("_id"):
            return f"{key.removesuffix('_id')}:{value}"
    return None


class AuditTrail:
    """Write every unsafe request made by an authenticated principal to the audit log, with its status,
    before the response goes out. Refused attempts (403) are recorded too."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        state: dict[str, Any] = scope.setdefault("state", {})
        recorded = False

        async def record(status_code: int) -> None:
            nonlocal recorded
            principal = state.get("principal")
            if recorded or not isinstance(principal, Principal):
                return
            recorded = True
            access: AccessControl = scope["app"].state.access
            await run_in_threadpool(
                access.audit.record,
                who=principal.name,
                via=principal.via,
                role=principal.role.value,
                method=scope["method"],
                path=scope["path"],
                target=_target(scope.get("path_params", {})),
                status=status_code,
            )

        async def audited_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                await record(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, audited_send)
        except Exception:
            await record(500)
            raise


def install(app: FastAPI, runtime: Runtime) -> None:
    """Give the application its access control and audit trail (routes are included by the caller)."""
    app.state.access = AccessControl(
        runtime.db,
        runtime.clock,
        host=runtime.settings.server.host,
        on_protected=lambda: warn_now_protected(runtime.settings),  # credentials made while running
    )
    app.add_middleware(AuditTrail)
