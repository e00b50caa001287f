"""End-to-end tests: the real ``holdoff serve`` process, a real database, local Teams and SMTP receivers.

Every test here starts the service as an operator would (``python -m holdoff serve``) and checks two
things only: what Holdoff stored, as its HTTP API shows it, and what the receivers got. The helpers
below are shared by the e2e modules (this package has no conftest of its own).
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx

from tests.support.server import EnvValue
from tests.support.smtp_sink import ReceivedMail, SmtpSink
from tests.support.teams_receiver import ReceivedRequest, TeamsReceiver

EMAIL_FROM = "holdoff@example.test"
EMAIL_TO = "oncall@example.test"

_ALERT_LINK = re.compile(r"/alerts/(\d+)\b")


def service_env(
    database_url: str,
    *,
    grace: float,
    teams: TeamsReceiver | None = None,
    smtp: SmtpSink | None = None,
    **extra: EnvValue,
) -> dict[str, EnvValue]:
    """The environment of one Holdoff process: its database, grace window and channels."""
    env: dict[str, EnvValue] = {
        "HOLDOFF_DATABASE_URL": database_url,
        "HOLDOFF_GRACE_SECONDS": grace,
        "HOLDOFF_LOG_LEVEL": "DEBUG",
    }
    if teams is not None:
        env["TEAMS_WEBHOOK_URL"] = teams.url
    if smtp is not None:
        env.update(
            {
                "EMAIL_FROM": EMAIL_FROM,
                "EMAIL_TO": EMAIL_TO,
                "HOLDOFF_SMTP_HOST": smtp.host,
                "HOLDOFF_SMTP_PORT": smtp.port,
            }
        )
    env.update(extra)
    return env


# --------------------------------------------------------------------------- the HTTP API


class Api:
    """A thin client for one Holdoff process; a fresh connection per call, so restarts do not matter."""

    def __init__(self, base_url: str, timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, path: str, **kw: Any) -> httpx.Response:
        with httpx.Client(base_url=self.base_url, timeout=self.timeout, trust_env=False) as client:
            return client.request(method, path, **kw)

    def webhook(self, alert_id: str, action: str, name: str | None = None) -> dict[str, Any]:
        """POST the POC's payload; asserts the 202 and returns the answer."""
        payload = {"alert_id": alert_id, "alert_action": action}
        if name is not None:
            payload["alert_name"] = name
        response = self.request("POST", "/coralogix/webhook", json=payload)
        assert response.status_code == 202, f"{action} {alert_id}: {response.status_code} {response.text}"
        answer: dict[str, Any] = response.json()
        return answer

    def trigger(self, alert_id: str, name: str | None = None) -> dict[str, Any]:
        return self.webhook(alert_id, "TRIGGERED", name)

    def resolve(self, alert_id: str, name: str | None = None) -> dict[str, Any]:
        return self.webhook(alert_id, "RESOLVED", name)

    def alert(self, alert_id: int) -> dict[str, Any]:
        response = self.request("GET", f"/alerts/{alert_id}")
        assert response.status_code == 200, f"GET /alerts/{alert_id}: {response.status_code} {response.text}"
        detail: dict[str, Any] = response.json()
        return detail

    def alerts(self, status: str | None = None) -> list[dict[str, Any]]:
        """Every alert (all pages), most recent activity first."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            params: dict[str, str | int] = {"limit": 100}
            if status is not None:
                params["status"] = status
            if cursor is not None:
                params["cursor"] = cursor
            response = self.request("GET", "/alerts", params=params)
            assert response.status_code == 200, f"GET /alerts: {response.status_code} {response.text}"
            page = response.json()
            items.extend(page["items"])
            cursor = page["next_cursor"]
            if cursor is None:
                return items


def timestamp(value: str) -> float:
    """An API datetime (ISO 8601, UTC) as seconds since the epoch, comparable with receivers' ``at``."""
    return datetime.fromisoformat(value).timestamp()


def notifications_by(detail: Mapping[str, Any], kind: str, channel: str) -> list[dict[str, Any]]:
    return [n for n in detail["notifications"] if n["kind"] == kind and n["channel"] == channel]


def assert_delivered_once(notification: Mapping[str, Any]) -> None:
    """Delivered on the first attempt, and that attempt is recorded."""
    assert notification["status"] == "delivered", notification
    assert notification["delivered_at"] is not None
    assert [a["attempt"] for a in notification["attempts"]] == [1], notification
    assert notification["attempts"][0]["ok"] is True
    assert notification["attempts"][0]["error"] is None


# --------------------------------------------------------------------------- what receivers got


def card(request: ReceivedRequest) -> dict[str, Any]:
    """The Adaptive Card inside a Teams Workflows message."""
    body = request.json
    assert isinstance(body, dict) and body.get("type") == "message", request.describe()
    [attachment] = body["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    content: dict[str, Any] = attachment["content"]
    return content


def _shown(block: dict[str, Any]) -> str:
    """What a text element of the card shows: a TextBlock's text, a RichTextBlock's runs."""
    if block["type"] == "RichTextBlock":
        return "".join(run["text"] for run in block["inlines"])
    text: str = block["text"]
    return text


def teams_title(request: ReceivedRequest) -> str:
    return _shown(card(request)["body"][0])


def teams_text(request: ReceivedRequest) -> str:
    """Every text block of the card, joined (title and summary)."""
    return "\n".join(
        _shown(block) for block in card(request)["body"] if block["type"] in ("TextBlock", "RichTextBlock")
    )


def teams_link(request: ReceivedRequest) -> str:
    """The card's "Open in Holdoff" link (action links, when present, come before it)."""
    [action] = [a for a in card(request)["actions"] if a["title"] == "Open in Holdoff"]
    link: str = action["url"]
    return link


def teams_alert_id(request: ReceivedRequest) -> int:
    found = _ALERT_LINK.search(teams_link(request))
    assert found is not None, f"no /alerts/<id> link in the Teams card: {teams_link(request)!r}"
    return int(found.group(1))


def mail_subject(mail: ReceivedMail) -> str:
    return str(mail.message["Subject"])


def mail_text(mail: ReceivedMail) -> str:
    part = mail.message.get_body(("plain",))
    assert part is not None, f"email {mail_subject(mail)!r} has no text/plain part"
    text: str = part.get_content()  # type: ignore[attr-defined]
    return text


def mail_alert_id(mail: ReceivedMail) -> int:
    """The alert the email is about, read from the link a person would click."""
    found = _ALERT_LINK.search(mail_text(mail))
    assert found is not None, f"no /alerts/<id> link in email {mail_subject(mail)!r}"
    return int(found.group(1))


def quiet_period(seconds: float) -> None:
    """Wait a bounded time before checking that nothing more arrived."""
    time.sleep(seconds)


def sleep_until(moment: float) -> None:
    """Sleep until ``time.time()`` reaches ``moment`` (no-op when it already has)."""
    remaining = moment - time.time()
    if remaining > 0:
        time.sleep(remaining)
