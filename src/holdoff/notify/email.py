"""Email over SMTP with the standard library: one connection per message, closed right after.

Which failures are worth another try follows the SMTP reply codes: 4xx is temporary (greylisting,
a busy mailbox, a full queue), 5xx is permanent. Connection problems and timeouts are temporary;
configuration problems (no STARTTLS, a refused login, a TLS handshake that cannot work) are not.
"""

from __future__ import annotations

import email.policy
import html
import re
import smtplib
import socket
import ssl
import time
from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import ALL_BUT_ACKNOWLEDGED, DeliveryResult
from holdoff.notify.config import ChannelConfig, Expanded, Secret
from holdoff.notify.fallback import build_or_plain
from holdoff.notify.http_delivery import elapsed_ms, failed_result
from holdoff.notify.message import Message
from holdoff.notify.templates import DEFAULT, Templates

SUBJECT_PREFIX = "[Holdoff] "

_POLICY = email.policy.default.clone(max_line_length=998)
"""Fold header lines only at the RFC 5322 hard limit: the standard library's folding at 78 characters
drops the space between two encoded words ("⚠ 日本" arrives as "⚠日本")."""

_ACCENT = {
    NotificationKind.ESCALATED: "#c4314b",
    NotificationKind.REMINDER: "#c4314b",
    NotificationKind.RESOLVED: "#237b4b",
    NotificationKind.TRANSIENT_RESOLVED: "#237b4b",
    NotificationKind.FLAPPING: "#c19c00",
    NotificationKind.CORRELATED: "#6264a7",
}


def _one_line(text: str) -> str:
    """Header values may not contain line breaks."""
    return " ".join(text.split())


def _domain(address: str) -> str:
    domain = address.rpartition("@")[2].strip().strip(">")
    return domain or "holdoff"


_ATOM = re.compile(r"[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]")
_DOMAIN = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?$")


def message_id(message: Message, sender: str) -> str:
    """The ``Message-ID``: ``<holdoff.<delivery id>@<public_url's host>>`` when the outbox sender named
    the delivery, the same on every attempt, so a message sent twice (a crash between sending and
    recording it) is one message to mail systems that drop a repeated Message-ID; else a new unique
    one (``holdoff test-channel``). The host is the sender's domain when public_url's is no domain."""
    if not message.delivery_id:
        return make_msgid(domain=_domain(sender))
    try:
        host = urlsplit(message.url).hostname or ""
    except ValueError:
        host = ""
    domain = host if _DOMAIN.match(host) and ".." not in host else _domain(sender)
    local = ".".join(part for part in _ATOM.sub("-", message.delivery_id).split(".") if part)
    return f"<holdoff.{local}@{domain}>"


def build_email(
    message: Message, sender: str, recipients: Sequence[str], templates: Templates | None = None
) -> EmailMessage:
    """The email for ``message``: a plain-text part and an HTML alternative saying the same.

    Deterministic: ``Date`` and ``Message-ID`` are added when it is sent. ``References`` names the
    alert, so mail clients thread an escalation and its resolution together.
    """
    mail = EmailMessage(policy=_POLICY)
    mail["Subject"] = SUBJECT_PREFIX + _one_line(message.title)
    mail["From"] = sender
    mail["To"] = ", ".join(recipients)
    if message.alert_id is not None:
        mail["X-Holdoff-Alert-Id"] = str(message.alert_id)
    if message.incident_id is not None:
        mail["X-Holdoff-Incident-Id"] = str(message.incident_id)
    mail["X-Holdoff-Kind"] = message.kind.value
    if message.severity:
        mail["X-Holdoff-Severity"] = _one_line(message.severity)
    thread = message.thread()
    if thread is not None:
        mail["References"] = f"<holdoff-{thread}@{_domain(sender)}>"
    text = templates.overridden("email", message, "txt") if templates is not None else None
    page = templates.overridden("email", message, "html") if templates is not None else None
    mail.set_content((text + "\n") if text is not None else _text_body(message))
    mail.add_alternative(page if page is not None else _html_body(message), subtype="html")
    return mail


def _text_body(message: Message) -> str:
    lines = [message.summary, ""]
    lines += [f"{fact.name}: {fact.value}" for fact in message.facts]
    if message.facts:
        lines.append("")
    lines.append(f"Open in Holdoff: {message.url}")
    lines += [f"{link.label}: {link.url}" for link in message.actions]
    return "\n".join(lines) + "\n"


def _html_body(message: Message) -> str:
    esc = html.escape
    accent = _ACCENT.get(message.kind, "#444444")
    rows = "".join(
        f'<tr><th style="text-align:left;padding:2px 12px 2px 0;vertical-align:top">{esc(fact.name)}</th>'
        f'<td style="padding:2px 0">{esc(fact.value)}</td></tr>'
        for fact in message.facts
    )
    table = f'<table style="border-collapse:collapse;margin:12px 0">{rows}</table>' if rows else ""
    return (
        "<!DOCTYPE html>\n"
        '<html><head><meta charset="utf-8"></head>'
        '<body style="font-family:Segoe UI,Helvetica,Arial,sans-serif;font-size:14px">'
        f'<h2 style="color:{accent};margin:0 0 8px 0">{esc(message.title)}</h2>'
        f"<p>{esc(message.summary)}</p>"
        f"{table}"
        f'<p><a href="{esc(message.url, quote=True)}">Open in Holdoff</a>'
        + "".join(
            f' · <a href="{esc(link.url, quote=True)}">{esc(link.label)}</a>' for link in message.actions
        )
        + "</p></body></html>\n"
    )


class EmailChannel:
    """Sends each message to every configured recipient through one SMTP server."""

    name = "email"
    kinds: frozenset[NotificationKind] | None = ALL_BUT_ACKNOWLEDGED
    rate_per_second: float | None = None

    def __init__(
        self,
        *,
        name: str = "email",
        rate_per_second: float | None = None,
        sender: str,
        recipients: Sequence[str],
        host: str = "localhost",
        port: int = 25,
        starttls: bool = False,
        use_ssl: bool = False,
        username: str | None = None,
        password: SecretStr | str | None = None,
        timeout_seconds: float = 10.0,
        templates: Templates | None = None,
    ) -> None:
        self.templates = templates
        self.name = name
        self.rate_per_second = rate_per_second
        if starttls and use_ssl:
            raise ValueError("starttls and use_ssl exclude each other")
        if not recipients:
            raise ValueError("an email channel needs at least one recipient")
        self.sender = sender
        self.recipients = list(recipients)
        self.host = host
        self.port = port
        self.starttls = starttls
        self.use_ssl = use_ssl
        self.username = username
        self._password = password.get_secret_value() if isinstance(password, SecretStr) else password
        self.timeout_seconds = timeout_seconds

    @property
    def server(self) -> str:
        return f"SMTP server {self.host}:{self.port}"

    def send(self, message: Message, ref: str | None = None) -> DeliveryResult:
        started = time.perf_counter()
        stage = "building the email"
        smtp: smtplib.SMTP | None = None
        try:
            mail = build_or_plain(
                lambda m: self._mail(m, self.templates), message, self.name, lambda m: self._mail(m, None)
            )
            stage = "connecting to"
            smtp = self._connect()
            stage = "greeting"
            smtp.ehlo_or_helo_if_needed()
            if self.starttls:
                if not smtp.has_extn("starttls"):
                    return self._failed(
                        started,
                        f"{self.server} does not offer STARTTLS, but HOLDOFF_SMTP_STARTTLS is on; use a server "
                        "or port that offers STARTTLS (often 587), or turn STARTTLS off",
                        retryable=False,
                    )
                stage = "STARTTLS with"
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
            if self.username is not None:
                stage = "logging in to"
                smtp.login(self.username, self._password or "")
            stage = "sending to"
            refused = smtp.send_message(mail, from_addr=self.sender, to_addrs=self.recipients)
        except Exception as exc:  # send never raises: every failure becomes a result
            return self._from_exception(exc, stage, started)
        finally:
            if smtp is not None:
                _quit_quietly(smtp)
        latency = elapsed_ms(started)
        if refused:
            return DeliveryResult(
                ok=True,
                retryable=False,
                latency_ms=latency,
                error=f"delivered, but {self.server} refused {_describe_refused(refused)}",
            )
        return DeliveryResult(ok=True, retryable=False, latency_ms=latency)

    def close(self) -> None:
        """Nothing to release: every send opens and closes its own connection."""

    def _mail(self, message: Message, templates: Templates | None) -> EmailMessage:
        """The email with its ``Date`` and ``Message-ID``, checked to serialise (so that a character
        the mail cannot carry shows here, where the plain message can take over)."""
        mail = build_email(message, self.sender, self.recipients, templates)
        mail["Date"] = formatdate(usegmt=True)
        mail["Message-ID"] = message_id(message, self.sender)
        mail.as_bytes()
        return mail

    def _connect(self) -> smtplib.SMTP:
        if self.use_ssl:
            return smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout_seconds, context=ssl.create_default_context()
            )
        return smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds)

    # --- results ---

    def _failed(
        self, started: float, error: str, *, retryable: bool, status_code: int | None = None
    ) -> DeliveryResult:
        return failed_result(self._scrub(error), started, retryable=retryable, status_code=status_code)

    def _from_exception(self, exc: Exception, stage: str, started: float) -> DeliveryResult:
        where = f"{stage} {self.server}" if stage != "building the email" else stage
        if isinstance(exc, smtplib.SMTPRecipientsRefused):
            codes = [code for code, _ in exc.recipients.values()]
            return self._failed(
                started,
                f"{self.server} refused every recipient: {_describe_refused(exc.recipients)}",
                retryable=bool(codes) and all(_temporary(code) for code in codes),
                status_code=codes[0] if codes else None,
            )
        if isinstance(exc, smtplib.SMTPSenderRefused) and exc.smtp_code == 530:
            return self._failed(
                started,
                f"{self.server} requires a login before sending (set HOLDOFF_SMTP_USERNAME and "
                f"HOLDOFF_SMTP_PASSWORD): {exc.smtp_code} {_reply_text(exc.smtp_error)}",
                retryable=False,
                status_code=exc.smtp_code,
            )
        if isinstance(exc, smtplib.SMTPSenderRefused):
            return self._failed(
                started,
                f"{self.server} refused the sender {exc.sender} (EMAIL_FROM): "
                f"{exc.smtp_code} {_reply_text(exc.smtp_error)}",
                retryable=_temporary(exc.smtp_code),
                status_code=exc.smtp_code,
            )
        if isinstance(exc, smtplib.SMTPAuthenticationError):
            return self._failed(
                started,
                f"{self.server} rejected the login as {self.username!r} "
                f"(check HOLDOFF_SMTP_USERNAME and HOLDOFF_SMTP_PASSWORD): "
                f"{exc.smtp_code} {_reply_text(exc.smtp_error)}",
                retryable=_temporary(exc.smtp_code),
                status_code=exc.smtp_code,
            )
        if isinstance(exc, smtplib.SMTPNotSupportedError):
            if stage == "logging in to":
                error = (
                    f"{self.server} does not offer AUTH, but HOLDOFF_SMTP_USERNAME is set; many servers "
                    "offer AUTH only after STARTTLS (HOLDOFF_SMTP_STARTTLS=true)"
                )
            else:
                error = f"{where}: the server does not support what was asked: {exc}"
            return self._failed(started, error, retryable=False)
        if isinstance(exc, smtplib.SMTPServerDisconnected) and isinstance(exc.__context__, TimeoutError):
            # smtplib turns a read timeout into "Connection unexpectedly closed: timed out"
            return self._failed(started, f"timed out after {self.timeout_seconds:g}s {where}", retryable=True)
        if isinstance(exc, smtplib.SMTPServerDisconnected):
            return self._failed(
                started, f"{self.server} closed the connection while {_gerund(stage)}: {exc}", retryable=True
            )
        if isinstance(exc, smtplib.SMTPResponseException):
            return self._failed(
                started,
                f"{self.server} answered {exc.smtp_code} while {_gerund(stage)}: {_reply_text(exc.smtp_error)}",
                retryable=_temporary(exc.smtp_code),
                status_code=exc.smtp_code,
            )
        if isinstance(exc, TimeoutError):
            return self._failed(started, f"timed out after {self.timeout_seconds:g}s {where}", retryable=True)
        if isinstance(exc, ConnectionRefusedError):
            return self._failed(
                started, f"connection refused by {self.server} (is it running on that port?)", retryable=True
            )
        if isinstance(exc, socket.gaierror):
            return self._failed(started, f"cannot resolve the SMTP host {self.host!r}: {exc}", retryable=True)
        if isinstance(exc, ssl.SSLError):
            mode = "HOLDOFF_SMTP_SSL" if self.use_ssl else "HOLDOFF_SMTP_STARTTLS"
            return self._failed(
                started,
                f"TLS failed {where} ({mode} is on; is this the right port and certificate?): {exc}",
                retryable=False,
            )
        if isinstance(exc, OSError):
            return self._failed(
                started, f"network error {where}: {type(exc).__name__}: {exc}", retryable=True
            )
        if isinstance(exc, ValueError | TypeError | LookupError) and stage == "building the email":
            return self._failed(
                started, f"cannot build the email: {type(exc).__name__}: {exc}", retryable=False
            )
        return self._failed(started, f"unexpected error {where}: {type(exc).__name__}: {exc}", retryable=True)

    def _scrub(self, text: str) -> str:
        if self._password:
            text = text.replace(self._password, "***")
        return text


def _temporary(code: int) -> bool:
    """SMTP 4xx replies are temporary; 5xx (and anything odd) are permanent."""
    return 400 <= code < 500


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return " ".join(text.split())


def _describe_refused(refused: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{address} ({code} {_reply_text(reply)})" for address, (code, reply) in refused.items())


def _gerund(stage: str) -> str:
    return {
        "connecting to": "connecting",
        "greeting": "greeting it",
        "STARTTLS with": "starting TLS",
        "logging in to": "logging in",
        "sending to": "sending the message",
    }.get(stage, stage)


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    try:
        smtp.quit()
    except Exception:
        smtp.close()


class EmailConfig(ChannelConfig):
    """An SMTP channel in ``channels:`` (EMAIL_TO, EMAIL_FROM and HOLDOFF_SMTP_* make one named ``email``)."""

    type: Literal["email"]
    sender: str = Field(min_length=3, max_length=320)
    recipients: list[str] = Field(min_length=1)
    host: Expanded = "localhost"
    port: int = Field(default=25, ge=1, le=65535)
    starttls: bool = False
    ssl: bool = False
    username: Expanded | None = None
    password: Secret | None = None

    @field_validator("recipients")
    @classmethod
    def _addresses(cls, value: list[str]) -> list[str]:
        for address in value:
            if "@" not in address:
                raise ValueError(f"{address!r} is not an email address")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> EmailConfig:
        if self.starttls and self.ssl:
            raise ValueError(
                "starttls and ssl exclude each other: ssl is TLS from the start (port 465), "
                "STARTTLS upgrades a plain connection (port 587)"
            )
        if (self.username is None) != (self.password is None):
            raise ValueError("username and password go together: set both or neither")
        return self

    def describe(self) -> str:
        security = "SSL" if self.ssl else "STARTTLS" if self.starttls else "no TLS"
        login = f", login as {self.username}" if self.username else ""
        recipients = ", ".join(self.recipients)
        return f"SMTP {self.host}:{self.port} ({security}{login}) from {self.sender} to {recipients}"

    def build(self, templates: Templates = DEFAULT) -> EmailChannel:
        return EmailChannel(
            name=self.name,
            rate_per_second=self.rate_per_second,
            sender=self.sender,
            recipients=self.recipients,
            host=self.host,
            port=self.port,
            starttls=self.starttls,
            use_ssl=self.ssl,
            username=self.username,
            password=self.password,
            timeout_seconds=self.timeout_seconds,
            templates=templates,
        )
