"""``/actions/{token}``: the page an action link opens (GET: what it will do, one button) and the button (POST).

No login: the token is the permission (signed, single-purpose, expiring, used once). GET never acts,
so link previewers in chat and mail cannot acknowledge anything by fetching the link.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Path
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from holdoff.api.deps import RuntimeDep
from holdoff.mediate.engine import InvalidTransition
from holdoff.service.links import LinkRefused
from holdoff.service.mediation import AlertNotFound, IncidentNotFound

router = APIRouter(prefix="/actions", tags=["actions"])

Token = Annotated[str, Path(min_length=10, max_length=1000, description="The token from the link.")]


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    document = (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)} · Holdoff</title>"
        "<style>body{font:16px system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem}"
        "button{font-size:1rem;padding:.6rem 1.2rem;cursor:pointer}.refused{color:#a4262c}</style>"
        f"</head><body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(
        document, status_code=status, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
    )


def _refused(exc: LinkRefused) -> HTMLResponse:
    return _page("This link cannot be used", f"<p class=refused>{html.escape(exc.reason)}</p>", exc.status)


@router.get("/{token}", response_class=HTMLResponse, include_in_schema=False)
async def preview(token: Token, runtime: RuntimeDep) -> HTMLResponse:
    try:
        found = await run_in_threadpool(runtime.links.preview, token)
    except LinkRefused as exc:
        return _refused(exc)
    form = (
        f"<p>This will {html.escape(found.what)}.</p>"
        f"<form method=post><label>Your name (shown in the timeline) <input name=by maxlength=100></label>"
        f"<p><button type=submit>{html.escape(found.label)}</button></p></form>"
    )
    return _page(found.label, form)


@router.post("/{token}", response_class=HTMLResponse, include_in_schema=False)
async def use(
    token: Token, runtime: RuntimeDep, by: Annotated[str, Form(max_length=100)] = ""
) -> HTMLResponse:
    actor = (by.strip() or "someone") + " (action link)"
    try:
        done = await run_in_threadpool(runtime.links.use, token, actor=actor)
    except LinkRefused as exc:
        return _refused(exc)
    except (AlertNotFound, IncidentNotFound) as exc:
        return _page("Not found", f"<p class=refused>{html.escape(str(exc))}</p>", 404)
    except InvalidTransition as exc:
        return _page("Nothing to do", f"<p class=refused>{html.escape(str(exc))}</p>", 409)
    return _page("Done", f"<p>{html.escape(done.what)}.</p>")
