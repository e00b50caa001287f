"""Dashboard login and logout, and ``GET /me``.

The login form carries its own CSRF token (a random value in a short-lived cookie and in the form,
compared on POST), so another site cannot log a browser in under an account of its choosing. A
refused login says the same for a name that exists and one that does not (see
:mod:`holdoff.auth.passwords`); it is throttled per name and client address, which is the address
uvicorn reports (the ``X-Forwarded-For`` of a proxy listed in ``FORWARDED_ALLOW_IPS``, 127.0.0.1 by
default).
"""

from __future__ import annotations

import hmac
import secrets
from html import escape
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from holdoff.api.auth import (
    AUTH_RESPONSES,
    CSRF_FIELD,
    CSRF_HEADER,
    Viewer,
    access_of,
    check_csrf,
    identify,
)
from holdoff.auth.passwords import LoginRefused, Throttled
from holdoff.auth.roles import Role
from holdoff.auth.sessions import COOKIE

router = APIRouter(tags=["auth"])

LOGIN_CSRF_COOKIE = "holdoff_login_csrf"
NEXT_MAX = 2048


class LoginForm(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)
    csrf_token: str = Field(min_length=1, max_length=128, description="The login page's form token.")
    next: str = Field(default="/", max_length=NEXT_MAX, description="Where to go after logging in.")


class Me(BaseModel):
    name: str = Field(description="alice, token ops-bot, or anonymous (open mode).")
    role: Role
    how: str = Field(description="token, session, or open (no credentials configured, loopback only).")
    csrf_token: str | None = Field(
        default=None, description=f"Sessions only: send it as {CSRF_HEADER} with unsafe requests."
    )


def safe_next(value: str | None) -> str:
    """A local path to go back to, never another site (``//evil.example``, ``https://…``)."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or len(value) > NEXT_MAX:
        return "/"
    if any(ord(char) < 0x20 for char in value):
        return "/"
    return value


def _secure(request: Request) -> bool:
    settings = request.app.state.runtime.settings
    return bool(settings.resolved_public_url.startswith("https://"))


def _page(csrf: str, next_path: str, *, error: str | None = None, note: str | None = None) -> str:
    message = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    info = f'<p class="note">{escape(note)}</p>' if note else ""
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in · Holdoff</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 22rem; margin: 10vh auto; padding: 0 1rem; }}
label, input, button {{ display: block; width: 100%; box-sizing: border-box; font-size: 1rem; }}
input {{ margin: .25rem 0 1rem; padding: .5rem; }} button {{ padding: .6rem; }}
.error {{ color: #a00; }} .note {{ color: #555; }}
</style></head>
<body><main>
<h1>Holdoff</h1>{info}{message}
<form method="post" action="/login">
<input type="hidden" name="{CSRF_FIELD}" value="{escape(csrf)}">
<input type="hidden" name="next" value="{escape(next_path)}">
<label for="username">User name</label>
<input id="username" name="username" autocomplete="username" required autofocus maxlength="64">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Log in</button>
</form></main></body></html>
"""


def _login_page(
    request: Request, next_path: str, *, code: int = 200, error: str | None = None, open_mode: bool = False
) -> HTMLResponse:
    csrf = secrets.token_urlsafe(24)
    note = (
        "Holdoff runs in open mode (no users or tokens exist, loopback only): no login is needed."
        if open_mode
        else None
    )
    response = HTMLResponse(_page(csrf, next_path, error=error, note=note), status_code=code)
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        csrf,
        max_age=3600,
        path="/login",
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
async def login_page(
    request: Request, next: Annotated[str | None, Query(max_length=NEXT_MAX)] = None
) -> HTMLResponse:
    """The login form."""
    open_mode = await run_in_threadpool(access_of(request).open_mode)
    return _login_page(request, safe_next(next), open_mode=open_mode)


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
async def login(request: Request, form: Annotated[LoginForm, Form()]) -> Response:
    """Check the password; on success set the session cookie and go to ``next`` (303)."""
    next_path = safe_next(form.next)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), form.csrf_token.encode()):
        return _login_page(
            request, next_path, code=403, error="The form expired or was not sent from this page; try again."
        )
    access = access_of(request)
    source = request.client.host if request.client is not None else None
    try:
        user = await run_in_threadpool(access.users.authenticate, form.username, form.password, source=source)
    except LoginRefused as exc:
        # The same answer for every name, known or not: 401, or 429 while this name or address waits.
        code = status.HTTP_429_TOO_MANY_REQUESTS if isinstance(exc, Throttled) else 401
        await run_in_threadpool(_audit_login, request, form.username, None, code)
        page = _login_page(request, next_path, code=code, error=str(exc))
        if isinstance(exc, Throttled):
            page.headers["Retry-After"] = str(exc.retry_after)
        return page
    session_id = await run_in_threadpool(access.sessions.start, user.id)
    await run_in_threadpool(_audit_login, request, user.name, user.role, 303)
    response = RedirectResponse(next_path, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=int(access.sessions.absolute.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


def _audit_login(request: Request, name: str, role: Role | None, code: int) -> None:
    access_of(request).audit.record(
        who=name, via="login", role=role, method="POST", path="/login", target=None, status=code
    )


@router.post("/logout", include_in_schema=False, status_code=303)
async def logout(request: Request) -> Response:
    """End the session (its CSRF token is required) and go to the login page."""
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    session_id = request.cookies.get(COOKIE)
    try:
        principal = await identify(request)
    except HTTPException:
        principal = None  # expired or unknown already: only the cookie is left to clear
    if principal is not None and principal.how == "session" and session_id:
        await check_csrf(request, principal)
        request.state.principal = principal
        await run_in_threadpool(access_of(request).sessions.end, session_id)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax", secure=_secure(request))
    return response


@router.get("/me", response_model=Me, responses=AUTH_RESPONSES)
async def me(principal: Viewer) -> Me:
    """Who the request's credentials are: name, role, and how they were given."""
    return Me(name=principal.name, role=principal.role, how=principal.how, csrf_token=principal.csrf_token)
