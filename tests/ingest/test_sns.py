"""Amazon SNS envelopes: signature verification, the SSRF guard, replay window, confirmation."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID
from pydantic import ValidationError

from holdoff.ingest import sns
from holdoff.ingest.sns import (
    SnsEnvelope,
    SnsRejected,
    SnsVerifier,
    check_sns_url,
    confirm_subscription,
    fetch_certificate_https,
    get_status_https,
)

PAYLOADS = Path(__file__).resolve().parents[1] / "fixtures" / "payloads"

NOW = datetime(2026, 11, 22, 8, 0, 0, tzinfo=UTC)
CERT_URL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem"
TOPIC = "arn:aws:sns:us-east-1:111122223333:ops-alarms"
SUBSCRIBE_URL = (
    "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn="
    "arn:aws:sns:us-east-1:111122223333:ops-alarms&Token=2336412f37"
)


def make_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_certificate_pem(
    key: rsa.RSAPrivateKey, *, not_before: datetime | None = None, not_after: datetime | None = None
) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "sns.amazonaws.com")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - timedelta(days=30))
        .not_valid_after(not_after or NOW + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return make_key()


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return make_key()


@dataclass
class Fetcher:
    """Serves PEM certificates by URL and counts the calls."""

    pems: dict[str, bytes]
    calls: list[str] = field(default_factory=list)

    def __call__(self, url: str) -> bytes:
        self.calls.append(url)
        return self.pems[url]


@pytest.fixture
def fetcher(key: rsa.RSAPrivateKey) -> Fetcher:
    return Fetcher({CERT_URL: make_certificate_pem(key)})


def verifier_for(fetch: Callable[[str], bytes], **options: Any) -> SnsVerifier:
    return SnsVerifier(fetch, clock=lambda: NOW, **options)


# Written out here, apart from the module, so a mistake in either shows up.
SIGNED_NOTIFICATION = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
SIGNED_CONFIRMATION = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")


def sign(envelope: dict[str, Any], key: rsa.RSAPrivateKey, version: str = "1") -> dict[str, Any]:
    """Sign an envelope the way SNS does, for the given SignatureVersion."""
    names = SIGNED_NOTIFICATION if envelope["Type"] == "Notification" else SIGNED_CONFIRMATION
    text = "".join(f"{name}\n{envelope[name]}\n" for name in names if name in envelope)
    algorithm = hashes.SHA1() if version == "1" else hashes.SHA256()
    signature = key.sign(text.encode("utf-8"), padding.PKCS1v15(), algorithm)
    return {**envelope, "SignatureVersion": version, "Signature": base64.b64encode(signature).decode()}


def notification(**changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": "5b1d2a5e-1111-4c2a-9f3e-2b7c0d9e0a11",
        "TopicArn": TOPIC,
        "Subject": 'ALARM: "web-cpu-high" in US East (N. Virginia)',
        "Message": json.dumps({"AlarmName": "web-cpu-high", "NewStateValue": "ALARM"}),
        "Timestamp": "2026-11-22T07:55:12.200Z",
        "SigningCertURL": CERT_URL,
        "UnsubscribeURL": "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=x",
    }
    envelope.update(changes)
    return envelope


def confirmation(**changes: Any) -> dict[str, Any]:
    envelope: dict[str, Any] = {
        "Type": "SubscriptionConfirmation",
        "MessageId": "165545c9-2a5c-472c-8df2-7ff2be2b3b1b",
        "Token": "2336412f37",
        "TopicArn": TOPIC,
        "Message": "You have chosen to subscribe to the topic ops-alarms.\nTo confirm, visit the SubscribeURL.",
        "SubscribeURL": SUBSCRIBE_URL,
        "Timestamp": "2026-11-22T07:59:00.000Z",
        "SigningCertURL": CERT_URL,
    }
    envelope.update(changes)
    return envelope


def envelope_of(data: dict[str, Any]) -> SnsEnvelope:
    return SnsEnvelope.model_validate(data)


# --- valid signatures ---


@pytest.mark.parametrize("version", ["1", "2"])
def test_signed_notification_passes(version: str, key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    verifier_for(fetcher).verify(envelope_of(sign(notification(), key, version)))
    assert fetcher.calls == [CERT_URL]


@pytest.mark.parametrize("version", ["1", "2"])
def test_notification_without_subject_signs_without_the_subject_line(
    version: str, key: rsa.RSAPrivateKey, fetcher: Fetcher
) -> None:
    data = notification()
    del data["Subject"]
    envelope = envelope_of(sign(data, key, version))
    assert b"Subject" not in envelope.string_to_sign()
    verifier_for(fetcher).verify(envelope)


@pytest.mark.parametrize("version", ["1", "2"])
@pytest.mark.parametrize("kind", ["SubscriptionConfirmation", "UnsubscribeConfirmation"])
def test_signed_confirmations_pass(version: str, kind: str, key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    verifier_for(fetcher).verify(envelope_of(sign(confirmation(Type=kind), key, version)))


def test_string_to_sign_is_the_canonical_form() -> None:
    envelope = envelope_of(
        {**notification(Message="m", Subject="s"), "SignatureVersion": "1", "Signature": "x"}
    )
    assert envelope.string_to_sign() == (
        b"Message\nm\nMessageId\n5b1d2a5e-1111-4c2a-9f3e-2b7c0d9e0a11\nSubject\ns\n"
        b"Timestamp\n2026-11-22T07:55:12.200Z\nTopicArn\n" + TOPIC.encode() + b"\nType\nNotification\n"
    )
    confirm = envelope_of({**confirmation(Message="m"), "SignatureVersion": "2", "Signature": "x"})
    assert confirm.string_to_sign() == (
        b"Message\nm\nMessageId\n165545c9-2a5c-472c-8df2-7ff2be2b3b1b\nSubscribeURL\n"
        + SUBSCRIBE_URL.encode()
        + b"\nTimestamp\n2026-11-22T07:59:00.000Z\nToken\n2336412f37\nTopicArn\n"
        + TOPIC.encode()
        + b"\nType\nSubscriptionConfirmation\n"
    )


def test_field_values_are_signed_exactly_as_received(key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    # Leading and trailing blanks are part of the signed text: nothing may strip them.
    data = sign(notification(Message='  {"AlarmName": "x"}\n', Subject=" padded "), key, "2")
    envelope = envelope_of(data)
    assert envelope.Message == '  {"AlarmName": "x"}\n'
    verifier_for(fetcher).verify(envelope)


def test_reference_sample_is_a_valid_envelope() -> None:
    sample = json.loads((PAYLOADS / "cloudwatch-alarm-sns.json").read_text())
    envelope = envelope_of(sample)
    assert envelope.Type == "Notification"
    assert envelope.timestamp == datetime(2026, 11, 22, 7, 55, 12, 200_000, tzinfo=UTC)
    assert envelope.string_to_sign().startswith(b"Message\n" + sample["Message"].encode() + b"\n")
    assert envelope.string_to_sign().endswith(b"Type\nNotification\n")
    check_sns_url(envelope.SigningCertURL, field="SigningCertURL")


# --- invalid signatures ---


@pytest.mark.parametrize(
    "change",
    [
        {"Message": '{"AlarmName": "web-cpu-high", "NewStateValue": "OK"}'},
        {"Subject": "OK: web-cpu-high"},
        {"TopicArn": "arn:aws:sns:us-east-1:444455556666:ops-alarms"},
        {"MessageId": "another"},
        {"Timestamp": "2026-11-22T07:55:13.200Z"},
    ],
    ids=["message", "subject", "topic", "message-id", "timestamp"],
)
@pytest.mark.parametrize("version", ["1", "2"])
def test_tampered_field_fails(
    change: dict[str, str], version: str, key: rsa.RSAPrivateKey, fetcher: Fetcher
) -> None:
    data = {**sign(notification(), key, version), **change}
    with pytest.raises(SnsRejected, match=r"signature of message .* does not match") as caught:
        verifier_for(fetcher).verify(envelope_of(data))
    assert caught.value.status_code == 403


def test_removed_subject_fails(key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    data = sign(notification(), key)
    del data["Subject"]
    with pytest.raises(SnsRejected, match="does not match"):
        verifier_for(fetcher).verify(envelope_of(data))


def test_tampered_subscribe_url_fails(key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    data = {
        **sign(confirmation(), key, "2"),
        "SubscribeURL": "https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&Token=other",
    }
    with pytest.raises(SnsRejected, match="does not match"):
        verifier_for(fetcher).verify(envelope_of(data))


@pytest.mark.parametrize("version", ["1", "2"])
def test_signature_by_another_key_fails(version: str, other_key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    with pytest.raises(SnsRejected, match="does not match"):
        verifier_for(fetcher).verify(envelope_of(sign(notification(), other_key, version)))


def test_signature_version_must_match_the_digest(key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    # Signed over SHA1 but announced as version 2 (SHA256), and the other way round.
    for signed_as, announced in (("1", "2"), ("2", "1")):
        data = {**sign(notification(), key, signed_as), "SignatureVersion": announced}
        with pytest.raises(SnsRejected, match="does not match"):
            verifier_for(fetcher).verify(envelope_of(data))


def test_signature_that_is_not_base64_is_refused(fetcher: Fetcher) -> None:
    data = {**notification(), "SignatureVersion": "1", "Signature": "not base64 !"}
    with pytest.raises(SnsRejected, match="Signature is not valid base64"):
        verifier_for(fetcher).verify(envelope_of(data))


# --- the SSRF guard ---

UNTRUSTED_URLS = [
    "https://evil.example/cert.pem",
    "http://sns.us-east-1.amazonaws.com/SimpleNotificationService-abc.pem",
    "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-abc.pem",
    "https://sns.us-east-1.amazonaws.com@evil.example/cert.pem",
    "https://evil.example\\@sns.us-east-1.amazonaws.com/cert.pem",
    "https://evil.example#@sns.us-east-1.amazonaws.com/cert.pem",
    "https://sns.us-east-1.amazonaws.com:8443/cert.pem",
    "https://SNS.us-east-1.amazonaws.com.evil.example/cert.pem",
    "https://sns.amazonaws.com/cert.pem",
    "https://xsns.us-east-1.amazonaws.com/cert.pem",
    "https://s3.us-east-1.amazonaws.com/bucket/cert.pem",
    "https://sns.us-east-1.amazonaws.com.cn.evil.example/cert.pem",
    "https://sns.us-east-1.amazonaws.com /cert.pem",
    "https://127.0.0.1/cert.pem",
    "file:///etc/passwd",
    "//sns.us-east-1.amazonaws.com/cert.pem",
    "",
]


@pytest.mark.parametrize("url", UNTRUSTED_URLS)
def test_certificate_on_an_untrusted_url_is_refused_without_fetching(
    url: str, key: rsa.RSAPrivateKey, fetcher: Fetcher
) -> None:
    data = sign(notification(SigningCertURL=url or "x"), key)
    with pytest.raises(SnsRejected, match=r"SigningCertURL .* is refused") as caught:
        verifier_for(fetcher).verify(envelope_of(data))
    assert caught.value.status_code == 400
    assert fetcher.calls == []


@pytest.mark.parametrize(
    "url",
    [
        CERT_URL,
        "https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-01d088a6f77103d0fe307c0069e40ed6.pem",
        "https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-abc.pem",
        "https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-abc.pem",
    ],
)
def test_sns_hosts_are_trusted(url: str) -> None:
    check_sns_url(url, field="SigningCertURL")


@pytest.mark.parametrize("url", UNTRUSTED_URLS)
def test_untrusted_urls_fail_the_check(url: str) -> None:
    with pytest.raises(SnsRejected, match="is refused"):
        check_sns_url(url, field="SubscribeURL")


# --- the certificate cache ---


def test_certificate_is_fetched_once_for_many_messages(key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    verifier = verifier_for(fetcher)
    for index in range(20):
        data = sign(notification(MessageId=f"m-{index}"), key, "1" if index % 2 else "2")
        verifier.verify(envelope_of(data))
    assert fetcher.calls == [CERT_URL]


def test_cache_keeps_the_most_recently_used_certificates(key: rsa.RSAPrivateKey) -> None:
    urls = [f"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-{n}.pem" for n in range(3)]
    pem = make_certificate_pem(key)
    fetcher = Fetcher(dict.fromkeys(urls, pem))
    verifier = verifier_for(fetcher, cache_size=2)
    for url in (urls[0], urls[1], urls[0], urls[2], urls[0], urls[1]):
        verifier.verify(envelope_of(sign(notification(SigningCertURL=url), key)))
    # urls[1] was the least recently used when urls[2] came in, so it alone was fetched again.
    assert fetcher.calls == [urls[0], urls[1], urls[2], urls[1]]


def test_failed_fetch_is_refused_and_not_cached(key: rsa.RSAPrivateKey) -> None:
    pem = make_certificate_pem(key)
    attempts: list[str] = []

    def flaky(url: str) -> bytes:
        attempts.append(url)
        if len(attempts) == 1:
            raise httpx.ConnectTimeout("timed out")
        return pem

    verifier = verifier_for(flaky)
    envelope = envelope_of(sign(notification(), key))
    with pytest.raises(SnsRejected, match="could not fetch the signing certificate") as caught:
        verifier.verify(envelope)
    assert caught.value.status_code == 503
    verifier.verify(envelope)
    assert len(attempts) == 2


def test_something_else_than_a_certificate_is_refused(key: rsa.RSAPrivateKey) -> None:
    verifier = verifier_for(Fetcher({CERT_URL: b"<html>not a certificate</html>"}))
    with pytest.raises(SnsRejected, match="did not serve a PEM certificate"):
        verifier.verify(envelope_of(sign(notification(), key)))


def test_expired_certificate_is_refused(key: rsa.RSAPrivateKey) -> None:
    pem = make_certificate_pem(key, not_before=NOW - timedelta(days=60), not_after=NOW - timedelta(days=1))
    with pytest.raises(SnsRejected, match="is not valid now"):
        verifier_for(Fetcher({CERT_URL: pem})).verify(envelope_of(sign(notification(), key)))


def test_cache_size_must_be_positive(fetcher: Fetcher) -> None:
    with pytest.raises(ValueError, match="cache_size"):
        SnsVerifier(fetcher, cache_size=0)


# --- replay window ---


def test_stale_timestamp_is_refused_before_fetching(key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    data = sign(notification(Timestamp="2026-11-22T06:59:59.999Z"), key)
    with pytest.raises(SnsRejected, match=r"too old.*possible replay") as caught:
        verifier_for(fetcher).verify(envelope_of(data))
    assert caught.value.status_code == 403
    assert fetcher.calls == []


def test_timestamp_just_inside_the_hour_passes(key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    verifier_for(fetcher).verify(envelope_of(sign(notification(Timestamp="2026-11-22T07:00:00.000Z"), key)))


def test_max_age_is_configurable(key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    envelope = envelope_of(sign(notification(Timestamp="2026-11-22T05:00:00.000Z"), key))
    verifier_for(fetcher, max_age=timedelta(hours=6)).verify(envelope)
    with pytest.raises(SnsRejected, match="too old"):
        verifier_for(fetcher, max_age=timedelta(minutes=10)).verify(
            envelope_of(sign(notification(Timestamp="2026-11-22T07:45:00Z"), key))
        )


def test_timestamp_far_in_the_future_is_refused(key: rsa.RSAPrivateKey, fetcher: Fetcher) -> None:
    verifier_for(fetcher).verify(envelope_of(sign(notification(Timestamp="2026-11-22T08:04:00Z"), key)))
    with pytest.raises(SnsRejected, match="from the future"):
        verifier_for(fetcher).verify(envelope_of(sign(notification(Timestamp="2026-11-22T08:10:00Z"), key)))


# --- the envelope model ---


@pytest.mark.parametrize(
    ("change", "field_name"),
    [
        ({"Type": "Publish"}, "Type"),
        ({"SignatureVersion": "3"}, "SignatureVersion"),
        ({"Timestamp": "yesterday"}, "Timestamp"),
        ({"Timestamp": "2026-11-22T07:55:12"}, "Timestamp"),
        ({"Message": 42}, "Message"),
        ({"MessageId": None}, "MessageId"),
    ],
)
def test_invalid_envelope_names_the_field(change: dict[str, Any], field_name: str) -> None:
    data = {**notification(), "SignatureVersion": "1", "Signature": "x", **change}
    with pytest.raises(ValidationError, match=field_name):
        envelope_of(data)


@pytest.mark.parametrize("missing", ["SubscribeURL", "Token"])
def test_confirmation_must_carry_subscribe_url_and_token(missing: str) -> None:
    data = {**confirmation(), "SignatureVersion": "1", "Signature": "x"}
    del data[missing]
    with pytest.raises(ValidationError, match=f"SubscriptionConfirmation must carry {missing}"):
        envelope_of(data)


# --- subscription confirmation ---


class StatusFetcher:
    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.calls: list[str] = []

    def __call__(self, url: str) -> int:
        self.calls.append(url)
        return self.status


def test_confirmation_gets_the_subscribe_url(key: rsa.RSAPrivateKey) -> None:
    fetch = StatusFetcher()
    assert confirm_subscription(envelope_of(sign(confirmation(), key)), fetch) == 200
    assert fetch.calls == [SUBSCRIBE_URL]


@pytest.mark.parametrize("url", UNTRUSTED_URLS)
def test_subscribe_url_on_an_untrusted_host_is_refused_without_fetching(
    url: str, key: rsa.RSAPrivateKey
) -> None:
    fetch = StatusFetcher()
    with pytest.raises(SnsRejected, match=r"SubscribeURL .* is refused") as caught:
        confirm_subscription(envelope_of(sign(confirmation(SubscribeURL=url), key)), fetch)
    assert caught.value.status_code == 400
    assert fetch.calls == []


def test_confirmation_answered_with_an_error_is_refused(key: rsa.RSAPrivateKey) -> None:
    with pytest.raises(SnsRejected, match="SNS answered HTTP 403") as caught:
        confirm_subscription(envelope_of(sign(confirmation(), key)), StatusFetcher(403))
    assert caught.value.status_code == 503


def test_confirmation_that_cannot_connect_is_refused(key: rsa.RSAPrivateKey) -> None:
    def unreachable(url: str) -> int:
        raise httpx.ConnectError("no route to host")

    with pytest.raises(SnsRejected, match=r"could not confirm the subscription .*ConnectError"):
        confirm_subscription(envelope_of(sign(confirmation(), key)), unreachable)


@pytest.mark.parametrize("kind", ["Notification", "UnsubscribeConfirmation"])
def test_only_subscription_confirmations_are_confirmed(kind: str, key: rsa.RSAPrivateKey) -> None:
    data = sign(confirmation(Type=kind) if kind != "Notification" else notification(), key)
    fetch = StatusFetcher()
    with pytest.raises(SnsRejected, match="is not a subscription confirmation request"):
        confirm_subscription(envelope_of(data), fetch)
    assert fetch.calls == []


# --- the default fetchers, over a fake transport ---


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> Callable[[Callable[[httpx.Request], httpx.Response]], None]:
    """Route the module's httpx clients to a handler; the real network is never reached."""
    real_client = httpx.Client

    def use(handler: Callable[[httpx.Request], httpx.Response]) -> None:
        def client(**options: Any) -> httpx.Client:
            return real_client(transport=httpx.MockTransport(handler), **options)

        monkeypatch.setattr(httpx, "Client", client)

    return use


def test_default_fetcher_returns_the_pem(
    transport: Callable[[Callable[[httpx.Request], httpx.Response]], None], key: rsa.RSAPrivateKey
) -> None:
    pem = make_certificate_pem(key)
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, content=pem)

    transport(handler)
    assert fetch_certificate_https(CERT_URL) == pem
    assert seen == [CERT_URL]


def test_default_fetcher_does_not_follow_redirects(
    transport: Callable[[Callable[[httpx.Request], httpx.Response]], None],
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "http://169.254.169.254/latest/meta-data/"})

    transport(handler)
    with pytest.raises(httpx.HTTPStatusError):
        fetch_certificate_https(CERT_URL)
    assert seen == [CERT_URL]


def test_default_fetcher_limits_the_size(
    transport: Callable[[Callable[[httpx.Request], httpx.Response]], None],
) -> None:
    transport(lambda request: httpx.Response(200, content=b"x" * (sns.MAX_CERTIFICATE_BYTES + 1)))
    with pytest.raises(ValueError, match="certificate larger than"):
        fetch_certificate_https(CERT_URL)


def test_default_fetchers_refuse_untrusted_urls_themselves(
    transport: Callable[[Callable[[httpx.Request], httpx.Response]], None],
) -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200)

    transport(handler)
    with pytest.raises(SnsRejected):
        fetch_certificate_https("https://evil.example/cert.pem")
    with pytest.raises(SnsRejected):
        get_status_https("https://evil.example/confirm")
    assert seen == []


def test_default_status_fetcher_returns_the_status(
    transport: Callable[[Callable[[httpx.Request], httpx.Response]], None],
) -> None:
    transport(lambda request: httpx.Response(200, text="<ConfirmSubscriptionResponse/>"))
    assert get_status_https(SUBSCRIBE_URL) == 200


def test_verifier_with_default_fetcher_end_to_end(
    transport: Callable[[Callable[[httpx.Request], httpx.Response]], None], key: rsa.RSAPrivateKey
) -> None:
    pem = make_certificate_pem(key)
    transport(lambda request: httpx.Response(200, content=pem))
    SnsVerifier(clock=lambda: NOW).verify(envelope_of(sign(notification(), key, "2")))
