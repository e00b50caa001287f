"""Reading webhook bodies with errors that say exactly what is wrong."""

from __future__ import annotations

import json
from typing import Any

from fastapi import HTTPException, Request

from holdoff.edge import InputRefused, parse_json


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _is_json_media_type(media: str) -> bool:
    return media in ("application/json", "text/json") or media.endswith("+json")


def parse_body(text: str) -> Any:
    """JSON text under Holdoff's rule for input (:mod:`holdoff.edge`), or a 400 saying what is wrong."""
    try:
        return parse_json(text)
    except json.JSONDecodeError as exc:
        raise HTTPException(
            400, f"malformed JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except InputRefused as exc:
        raise HTTPException(400, str(exc)) from exc


async def read_json_object(request: Request, *, also_accept: tuple[str, ...] = ()) -> dict[str, Any]:
    """The body as a JSON object, or a 4xx naming the problem.

    ``also_accept`` names further media types whose body is JSON all the same (Amazon SNS posts
    JSON as ``text/plain``).
    """
    content_type = request.headers.get("content-type", "")
    media = _media_type(content_type)
    if not _is_json_media_type(media) and media not in also_accept:
        accepted = " or ".join(("application/json", *also_accept))
        if not media:
            raise HTTPException(415, f"the request has no Content-Type: send {accepted}")
        raise HTTPException(415, f"Content-Type {content_type!r} is not supported: send {accepted}")
    body = await request.body()
    if not body.strip():
        raise HTTPException(400, "request body is empty: send a JSON object")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HTTPException(400, f"request body is not valid UTF-8 (byte {exc.start})") from exc
    data = parse_body(text)
    if not isinstance(data, dict):
        raise HTTPException(422, f"expected a JSON object, got {type(data).__name__}")
    return data
