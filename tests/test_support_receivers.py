"""The Teams receiver and SMTP sink are shared by the session; each test must still see a new one."""

from __future__ import annotations

import smtplib
import threading
from email.message import EmailMessage

import httpx
import pytest

from tests.support.net import poll, shared
from tests.support.smtp_sink import SmtpSink
from tests.support.teams_receiver import TeamsReceiver


def _post(receiver: TeamsReceiver, timeout: float = 5.0) -> int:
    return httpx.post(receiver.url, json={"type": "message"}, timeout=timeout).status_code


def _mail(sink: SmtpSink, subject: str) -> None:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "a@example.test", "b@example.test", subject
    message.set_content("body")
    with smtplib.SMTP(sink.host, sink.port, timeout=5) as client:
        client.send_message(message)


def test_a_reset_receiver_has_seen_nothing_and_is_programmed_to_nothing() -> None:
    with TeamsReceiver() as receiver:
        receiver.fail_with(500)
        assert _post(receiver) == 500
        receiver.reset()
        assert receiver.requests == []
        assert _post(receiver) == 202
        assert [r.status for r in receiver.requests] == [202]


def test_a_request_still_being_answered_at_the_reset_is_not_shown_to_the_next_test() -> None:
    with TeamsReceiver() as receiver:
        receiver.delay(30)
        answered: list[int] = []
        late = threading.Thread(target=lambda: answered.append(_post(receiver, timeout=10)))
        late.start()
        # The handler is waiting out its delay once it waits on the receiver's stop event.
        assert poll(lambda: len(receiver._stopping._cond._waiters) == 1, 5)  # type: ignore[attr-defined]
        receiver.reset()  # wakes the delayed answer at once
        late.join(10)
        assert answered == [202] and not late.is_alive()
        assert receiver.requests == []
        assert _post(receiver) == 202 and len(receiver.requests) == 1


def test_the_shared_fixture_hands_out_a_started_reset_receiver_and_resets_it_after() -> None:
    receiver = TeamsReceiver()
    lending = shared(receiver)
    lent = next(lending)
    try:
        assert lent is receiver and _post(receiver) == 202
        receiver.stop()  # a test may stop it to play an outage
    finally:
        lending.close()
    again = next(shared(receiver))
    try:
        assert again.requests == [] and _post(again) == 202  # started again
    finally:
        again.stop()


def test_a_reset_sink_has_kept_nothing_and_refuses_nothing() -> None:
    with SmtpSink() as sink:
        sink.refuse_recipient("b@example.test")
        with pytest.raises(smtplib.SMTPRecipientsRefused):
            _mail(sink, "refused")
        sink.reset()
        _mail(sink, "after")
        assert [str(m.message["Subject"]) for m in sink.messages] == ["after"]


def test_a_mail_begun_before_the_reset_is_not_kept() -> None:
    with SmtpSink() as sink:
        client = smtplib.SMTP(sink.host, sink.port, timeout=5)
        try:
            client.ehlo()
            client.mail("a@example.test")
            client.rcpt("b@example.test")
            sink.reset()
            client.data(b"Subject: begun before\r\n\r\nbody\r\n")
        finally:
            client.quit()
        _mail(sink, "begun after")
        assert [str(m.message["Subject"]) for m in sink.messages] == ["begun after"]
