"""The email channel against a local SMTP server."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import DeliveryResult
from holdoff.notify.email import EmailChannel, build_email
from tests.notify.samples import message
from tests.support.net import TcpBlackhole, unused_port
from tests.support.smtp_sink import SmtpSink, smtp_sink

# pytest looks fixtures up by name in this module; naming them here also tells ruff that the
# test parameters of the same name use them (not F811 redefinitions).
_FIXTURES = (smtp_sink,)

SENDER = "holdoff@example.com"
ONCALL = "oncall@example.com"
LEAD = "lead@example.com"
PASSWORD = "correct-horse-battery-staple"


def _channel(port: int, recipients: list[str] | None = None, **options: object) -> EmailChannel:
    return EmailChannel(
        sender=SENDER,
        recipients=recipients or [ONCALL],
        host="127.0.0.1",
        port=port,
        timeout_seconds=options.pop("timeout_seconds", 5.0),  # type: ignore[arg-type]
        **options,  # type: ignore[arg-type]
    )


def _parts(mail: EmailMessage) -> tuple[str, str]:
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content().replace("\r\n", "\n"), html.get_content()


# --- what arrives ---


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        (NotificationKind.TRANSIENT_RESOLVED, "[Holdoff] Resolved on its own: CPU Spike Test"),
        (NotificationKind.ESCALATED, "[Holdoff] ESCALATED: CPU Spike Test is still firing after 3m 12s"),
        (NotificationKind.RESOLVED, "[Holdoff] RESOLVED: CPU Spike Test after 3m 12s"),
    ],
)
def test_each_kind_reaches_every_recipient_with_subject_and_holdoff_headers(
    smtp_sink: SmtpSink, kind: NotificationKind, subject: str
) -> None:
    result = _channel(smtp_sink.port, [ONCALL, LEAD]).send(message(kind))

    assert result == DeliveryResult(ok=True, retryable=False, latency_ms=result.latency_ms)
    [mail] = smtp_sink.wait_for(1)
    assert mail.mail_from == SENDER
    assert mail.rcpt_tos == [ONCALL, LEAD]
    assert mail.message["Subject"] == subject
    assert mail.message["From"] == SENDER
    assert mail.message["To"] == f"{ONCALL}, {LEAD}"
    assert mail.message["X-Holdoff-Alert-Id"] == "42"
    assert mail.message["X-Holdoff-Kind"] == kind.value
    assert mail.message["Date"] is not None
    assert mail.message["Message-ID"].endswith("@example.com>")
    assert mail.message["References"] == "<holdoff-alert-42@example.com>"


def test_the_email_has_a_text_part_and_an_html_alternative_saying_the_same(smtp_sink: SmtpSink) -> None:
    sent = message(NotificationKind.ESCALATED)

    assert _channel(smtp_sink.port).send(sent).ok

    [mail] = smtp_sink.wait_for(1)
    assert mail.message.get_content_type() == "multipart/alternative"
    text, html = _parts(mail.message)
    assert text.startswith(sent.summary + "\n\n")
    assert "Alert: CPU Spike Test\nSource: coralogix\nSeverity: high\nOpen for: 3m 12s\n" in text
    assert text.rstrip().endswith("Open in Holdoff: http://holdoff.local/ui/alerts/42")
    assert sent.title in html
    assert sent.summary in html
    assert "<th" in html and ">Open for</th>" in html and ">3m 12s</td>" in html
    assert '<a href="http://holdoff.local/ui/alerts/42">Open in Holdoff</a>' in html


def test_everything_in_the_html_part_is_escaped(smtp_sink: SmtpSink) -> None:
    nasty = '<script>alert("x")</script> & <b>bold</b>'
    sent = message(name=nasty, annotations={"description": "<img src=x onerror=alert(1)>"})
    sent = sent.model_copy(update={"url": 'http://holdoff.local/alerts/42?"><script>'})

    assert _channel(smtp_sink.port).send(sent).ok

    [mail] = smtp_sink.wait_for(1)
    text, html = _parts(mail.message)
    assert "<script>" not in html and "<img" not in html and "<b>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="http://holdoff.local/alerts/42?&quot;&gt;&lt;script&gt;"' in html
    assert nasty in text
    assert nasty in mail.message["Subject"]


def test_non_ascii_text_survives_the_trip(smtp_sink: SmtpSink) -> None:
    sent = message(name="Température élevée ⚠ 日本")

    assert _channel(smtp_sink.port).send(sent).ok

    [mail] = smtp_sink.wait_for(1)
    text, html = _parts(mail.message)
    assert "Température élevée ⚠ 日本" in mail.message["Subject"]
    assert "Alert: Température élevée ⚠ 日本" in text
    assert "Température élevée ⚠ 日本" in html


def test_a_long_non_ascii_subject_arrives_word_for_word(smtp_sink: SmtpSink) -> None:
    title = "ESCALATED: " + "Température élevée ⚠ 日本 " * 12 + "end"
    sent = message().model_copy(update={"title": title})

    assert _channel(smtp_sink.port).send(sent).ok

    [mail] = smtp_sink.wait_for(1)
    assert mail.message["Subject"] == "[Holdoff] " + title
    assert max(len(line) for line in mail.raw.split(b"\r\n")) <= 998


def test_build_email_puts_a_multi_line_title_on_one_subject_line() -> None:
    sent = message().model_copy(update={"title": "ESCALATED:\r\nBcc: victim@example.com\nline two"})

    mail = build_email(sent, SENDER, [ONCALL])

    assert mail["Subject"] == "[Holdoff] ESCALATED: Bcc: victim@example.com line two"
    assert mail["Bcc"] is None
    assert mail["Date"] is None and mail["Message-ID"] is None


# --- refusals: permanent (5xx) or temporary (4xx) ---


def test_a_recipient_refused_with_550_is_not_retried(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_recipient(ONCALL, "550 5.1.1 No such user here")

    result = _channel(smtp_sink.port).send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, 550)
    assert result.error == (
        f"SMTP server 127.0.0.1:{smtp_sink.port} refused every recipient: "
        f"{ONCALL} (550 5.1.1 No such user here)"
    )
    assert smtp_sink.messages == []


def test_a_recipient_greylisted_with_450_is_retried(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_recipient(ONCALL, "450 4.2.0 Greylisted, try again later")

    result = _channel(smtp_sink.port).send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, True, 450)
    assert result.error is not None and "Greylisted" in result.error


def test_when_only_some_recipients_are_refused_the_others_get_it_and_the_refusal_is_reported(
    smtp_sink: SmtpSink,
) -> None:
    smtp_sink.refuse_recipient(LEAD)

    result = _channel(smtp_sink.port, [ONCALL, LEAD]).send(message())

    assert result.ok
    assert result.error is not None and f"refused {LEAD} (550" in result.error
    [mail] = smtp_sink.wait_for(1)
    assert mail.rcpt_tos == [ONCALL]


def test_a_sender_refused_with_553_is_not_retried_and_names_email_from(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_sender("553 5.7.1 Sender address rejected: not owned by user")

    result = _channel(smtp_sink.port).send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, False, 553)
    assert result.error is not None
    assert f"refused the sender {SENDER} (EMAIL_FROM): 553 5.7.1 Sender address rejected" in result.error


def test_a_sender_refused_with_451_is_retried(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_sender("451 4.3.0 Temporary lookup failure")

    result = _channel(smtp_sink.port).send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, True, 451)


@pytest.mark.parametrize(("reply", "retryable"), [("452 4.3.1 Queue full", True), ("554 5.7.1 Spam", False)])
def test_a_refused_message_body_is_retried_only_for_4xx(
    smtp_sink: SmtpSink, reply: str, retryable: bool
) -> None:
    smtp_sink.refuse_data(reply)

    result = _channel(smtp_sink.port).send(message())

    assert (result.ok, result.retryable, result.status_code) == (False, retryable, int(reply[:3]))
    assert result.error is not None and reply[4:] in result.error and "sending the message" in result.error


# --- login and TLS ---


def test_login_with_the_right_password_delivers() -> None:
    with SmtpSink(credentials=("holdoff", PASSWORD)) as sink:
        result = _channel(sink.port, username="holdoff", password=PASSWORD).send(message())
        assert result.ok, result.error
        sink.wait_for(1)


def test_a_server_that_requires_a_login_refuses_mail_without_one() -> None:
    with SmtpSink(credentials=("holdoff", PASSWORD)) as sink:
        result = _channel(sink.port).send(message())
        assert sink.messages == []

    assert (result.ok, result.retryable, result.status_code) == (False, False, 530)
    assert result.error is not None
    assert "requires a login" in result.error and "Authentication required" in result.error


def test_a_rejected_login_is_not_retried_and_never_shows_the_password() -> None:
    with SmtpSink(credentials=("holdoff", "another-password")) as sink:
        result = _channel(sink.port, username="holdoff", password=PASSWORD).send(message())
        assert sink.messages == []

    assert (result.ok, result.retryable, result.status_code) == (False, False, 535)
    assert result.error is not None
    assert "rejected the login as 'holdoff'" in result.error
    assert PASSWORD not in result.error


def test_a_login_to_a_server_without_auth_fails_with_a_starttls_hint(smtp_sink: SmtpSink) -> None:
    result = _channel(smtp_sink.port, username="holdoff", password=PASSWORD).send(message())

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None
    assert "does not offer AUTH" in result.error and "STARTTLS" in result.error
    assert PASSWORD not in result.error
    assert smtp_sink.messages == []


def test_starttls_required_but_not_offered_is_a_failure_result_not_an_exception(smtp_sink: SmtpSink) -> None:
    result = _channel(smtp_sink.port, starttls=True).send(message())

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None
    assert result.error.startswith(f"SMTP server 127.0.0.1:{smtp_sink.port} does not offer STARTTLS")
    assert smtp_sink.messages == []


def test_ssl_to_a_plain_smtp_port_is_a_failure_result_naming_the_setting(smtp_sink: SmtpSink) -> None:
    result = _channel(smtp_sink.port, use_ssl=True).send(message())

    assert (result.ok, result.retryable) == (False, False)
    assert result.error is not None
    assert result.error.startswith("TLS failed") and "HOLDOFF_SMTP_SSL" in result.error
    assert smtp_sink.messages == []


# --- the network ---


def test_connection_refused_is_retried() -> None:
    port = unused_port()

    result = _channel(port).send(message())

    assert (result.ok, result.retryable) == (False, True)
    assert result.error == f"connection refused by SMTP server 127.0.0.1:{port} (is it running on that port?)"


def test_a_server_that_never_greets_times_out_and_is_retried() -> None:
    with TcpBlackhole("hang") as server:
        result = _channel(server.port, timeout_seconds=0.3).send(message())
        port = server.port

    assert (result.ok, result.retryable) == (False, True)
    assert result.error == f"timed out after 0.3s connecting to SMTP server 127.0.0.1:{port}"
    assert 250 <= result.latency_ms < 3000


def test_a_server_that_hangs_up_is_retried() -> None:
    with TcpBlackhole("close") as server:
        result = _channel(server.port).send(message())
        port = server.port

    assert (result.ok, result.retryable) == (False, True)
    assert result.error is not None
    assert result.error.startswith(f"SMTP server 127.0.0.1:{port} closed the connection while")


def test_the_sink_can_recover_and_the_next_send_delivers(smtp_sink: SmtpSink) -> None:
    smtp_sink.refuse_recipient(ONCALL, "450 4.2.0 Greylisted")
    channel = _channel(smtp_sink.port)
    assert channel.send(message()).retryable

    smtp_sink.recover()

    assert channel.send(message()).ok
    assert len(smtp_sink.wait_for(1)) == 1
    channel.close()
