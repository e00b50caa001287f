"""Amazon SNS HTTP(S) delivery: the envelope, its signature, and subscription confirmation.

SNS posts a JSON envelope (with ``Content-Type: text/plain``) whose ``Type`` is ``Notification``,
``SubscriptionConfirmation`` or ``UnsubscribeConfirmation``. Each one is signed: the fields below are
joined into a canonical string and signed with RSA PKCS#1 v1.5, over SHA1 (``SignatureVersion`` "1")
or SHA256 ("2"), by the key of the certificate at ``SigningCertURL``.

Two URLs in the envelope point at things Holdoff would fetch (the certificate, and ``SubscribeURL`` to
confirm a subscription). Both must be ``https://sns.<region>.amazonaws.com[.cn]/...``; anything else is
refused before any network access, so a forged envelope cannot make Holdoff call an address of its
choosing.

Fetching is synchronous (the fetchers are plain callables); async callers run :meth:`SnsVerifier.verify`
and :func:`confirm_subscription` in a worker thread.
"""

from __future__ import annotations

import base64
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

import httpx
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from holdoff.clock import Clock, system_clock
from holdoff.ingest.text import Text

MessageType = Literal["Notification", "SubscriptionConfirmation", "UnsubscribeConfirmation"]

DEFAULT_MAX_AGE = timedelta(hours=1)
"""Envelopes whose ``Timestamp`` is older than this are refused as possible replays."""
DEFAULT_MAX_SKEW = timedelta(minutes=5)
"""How far in the future an envelope's ``Timestamp`` may be (clocks differ a little)."""
FETCH_TIMEOUT_SECONDS = 5.0
MAX_CERTIFICATE_BYTES = 64 * 1024

# sns.<region>.amazonaws.com, or .amazonaws.com.cn in the China regions; a region has at least one
# hyphen (us-east-1, cn-north-1, us-gov-west-1). Matched against the whole host, nothing before or after.
_SNS_HOST = re.compile(r"sns\.[a-z0-9]+(?:-[a-z0-9]+)+\.amazonaws\.com(?:\.cn)?")
# Characters a URL must not contain for two parsers (ours and the HTTP client's) to read it alike.
_UNSAFE_URL_CHARS = re.compile(r"[\s\\@\x00-\x1f\x7f]")

_NOTIFICATION_FIELDS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
_CONFIRMATION_FIELDS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type")


class SnsRejected(Exception):
    """An envelope Holdoff will not act on: bad signature, untrusted URL, stale, or no certificate.

    ``status_code`` is the answer the route should give: 400 for an envelope that can never be valid
    (a URL off AWS's hosts), 403 for one that failed verification, 503 when the certificate could not be
    fetched (SNS retries on 5xx, and the next try may succeed).
    """

    def __init__(self, message: str, *, status_code: int = 403) -> None:
        super().__init__(message)
        self.status_code = status_code


class SnsEnvelope(BaseModel):
    """The JSON body of one SNS HTTP(S) delivery.

    Field values are kept exactly as received (no stripping): the signature covers them byte for byte.
    """

    model_config = ConfigDict(extra="allow", frozen=True)

    Type: MessageType
    MessageId: Text = Field(min_length=1, max_length=256)
    TopicArn: Text = Field(min_length=1, max_length=1024)
    Subject: Text | None = Field(default=None, max_length=1024)
    Message: Text = Field(max_length=262_144)
    Timestamp: Text = Field(description="ISO 8601, as SNS wrote it; parsed by :attr:`timestamp`.")
    SignatureVersion: Literal["1", "2"]
    Signature: Text = Field(min_length=1, max_length=4096)
    SigningCertURL: Text = Field(min_length=1, max_length=2048)
    SubscribeURL: Text | None = Field(default=None, max_length=4096)
    Token: Text | None = Field(default=None, max_length=4096)
    UnsubscribeURL: Text | None = Field(default=None, max_length=4096)

    @field_validator("Timestamp")
    @classmethod
    def _iso_timestamp(cls, value: str) -> str:
        _parse_timestamp(value)
        return value

    @model_validator(mode="after")
    def _confirmation_fields(self) -> SnsEnvelope:
        if self.Type != "Notification":
            missing = [name for name in ("SubscribeURL", "Token") if getattr(self, name) is None]
            if missing:
                raise ValueError(f"{self.Type} must carry {' and '.join(missing)}")
        return self

    @property
    def timestamp(self) -> datetime:
        """``Timestamp`` as an aware datetime."""
        return _parse_timestamp(self.Timestamp)

    def string_to_sign(self) -> bytes:
        """The canonical text SNS signed: ``Name\\nvalue\\n`` for each signed field, in this order.

        Notifications sign Message, MessageId, Subject (only when present), Timestamp, TopicArn, Type;
        confirmations sign Message, MessageId, SubscribeURL, Timestamp, Token, TopicArn, Type.
        """
        names = _NOTIFICATION_FIELDS if self.Type == "Notification" else _CONFIRMATION_FIELDS
        parts: list[str] = []
        for name in names:
            value: str | None = getattr(self, name)
            if value is None:
                continue
            parts.append(f"{name}\n{value}\n")
        return "".join(parts).encode("utf-8")


def _parse_timestamp(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {value!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"time without a timezone: {value!r}")
    return parsed


def check_sns_url(url: str, *, field: str) -> None:
    """Refuse a URL that is not ``https://sns.<region>.amazonaws.com[.cn]/...``.

    Called before any network access. ``field`` names the envelope field in the error.
    """
    if not url.isascii() or _UNSAFE_URL_CHARS.search(url):
        raise SnsRejected(
            f"{field} {url!r} is refused: it contains characters an AWS URL does not", status_code=400
        )
    parts = urlsplit(url)
    if parts.scheme != "https":
        raise SnsRejected(
            f"{field} {url!r} is refused: only https URLs on sns.<region>.amazonaws.com are fetched",
            status_code=400,
        )
    # netloc, not hostname: a port or user info is refused rather than parsed away.
    if not _SNS_HOST.fullmatch(parts.netloc):
        raise SnsRejected(
            f"{field} {url!r} is refused: host {parts.netloc!r} is not sns.<region>.amazonaws.com",
            status_code=400,
        )


def fetch_certificate_https(url: str) -> bytes:
    """Download a signing certificate (PEM) with a short timeout and no redirects.

    Raises on any failure; :class:`SnsVerifier` turns that into :class:`SnsRejected`.
    """
    check_sns_url(url, field="SigningCertURL")
    with (
        httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False) as client,
        client.stream("GET", url) as response,
    ):
        response.raise_for_status()
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_CERTIFICATE_BYTES:
                raise ValueError(f"certificate larger than {MAX_CERTIFICATE_BYTES} bytes")
        return bytes(body)


def get_status_https(url: str) -> int:
    """GET a URL with a short timeout and no redirects; the HTTP status code."""
    check_sns_url(url, field="SubscribeURL")
    with httpx.Client(timeout=FETCH_TIMEOUT_SECONDS, follow_redirects=False) as client:
        return client.get(url).status_code


class SnsVerifier:
    """Checks that an envelope really comes from SNS and is recent.

    Certificates are fetched through ``fetch_certificate`` (URL → PEM bytes) only after the URL passed
    :func:`check_sns_url`, and kept, loaded, in a least-recently-used cache of ``cache_size`` URLs.
    Thread-safe.
    """

    def __init__(
        self,
        fetch_certificate: Callable[[str], bytes] = fetch_certificate_https,
        *,
        cache_size: int = 32,
        max_age: timedelta = DEFAULT_MAX_AGE,
        max_skew: timedelta = DEFAULT_MAX_SKEW,
        clock: Clock = system_clock,
    ) -> None:
        if cache_size < 1:
            raise ValueError("cache_size must be at least 1")
        self._fetch = fetch_certificate
        self._cache_size = cache_size
        self._max_age = max_age
        self._max_skew = max_skew
        self._clock = clock
        self._certificates: OrderedDict[str, x509.Certificate] = OrderedDict()
        self._lock = threading.Lock()

    def verify(self, envelope: SnsEnvelope) -> None:
        """Return if the envelope is authentic and fresh; raise :class:`SnsRejected` otherwise."""
        check_sns_url(envelope.SigningCertURL, field="SigningCertURL")
        now = self._clock()
        self._check_age(envelope, now)
        try:
            signature = base64.b64decode(envelope.Signature, validate=True)
        except ValueError:  # binascii.Error is one
            raise SnsRejected("Signature is not valid base64") from None
        certificate = self._certificate(envelope.SigningCertURL)
        if not certificate.not_valid_before_utc <= now <= certificate.not_valid_after_utc:
            raise SnsRejected(f"signing certificate at {envelope.SigningCertURL} is not valid now")
        key = certificate.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise SnsRejected(f"signing certificate at {envelope.SigningCertURL} does not hold an RSA key")
        # SignatureVersion 1 is SHA1 by AWS's definition; there is no choice here.
        digest = hashes.SHA1() if envelope.SignatureVersion == "1" else hashes.SHA256()  # noqa: S303
        try:
            key.verify(signature, envelope.string_to_sign(), padding.PKCS1v15(), digest)
        except InvalidSignature:
            raise SnsRejected(
                f"signature of message {envelope.MessageId} does not match (SignatureVersion "
                f"{envelope.SignatureVersion}, certificate {envelope.SigningCertURL})"
            ) from None

    def _check_age(self, envelope: SnsEnvelope, now: datetime) -> None:
        sent = envelope.timestamp
        if now - sent > self._max_age:
            raise SnsRejected(
                f"message {envelope.MessageId} is too old: Timestamp {envelope.Timestamp} is more than "
                f"{self._max_age} before now (possible replay)"
            )
        if sent - now > self._max_skew:
            raise SnsRejected(
                f"message {envelope.MessageId} is from the future: Timestamp {envelope.Timestamp} is more "
                f"than {self._max_skew} after now"
            )

    def _certificate(self, url: str) -> x509.Certificate:
        with self._lock:
            cached = self._certificates.get(url)
            if cached is not None:
                self._certificates.move_to_end(url)
                return cached
        # Fetched outside the lock: one slow download must not hold up messages with a cached cert.
        try:
            pem = self._fetch(url)
        except Exception as exc:
            raise SnsRejected(
                f"could not fetch the signing certificate {url}: {type(exc).__name__}: {exc}", status_code=503
            ) from exc
        try:
            certificate = x509.load_pem_x509_certificate(pem)
        except ValueError as exc:
            raise SnsRejected(f"{url} did not serve a PEM certificate: {exc}") from exc
        with self._lock:
            self._certificates[url] = certificate
            self._certificates.move_to_end(url)
            while len(self._certificates) > self._cache_size:
                self._certificates.popitem(last=False)
        return certificate


def confirm_subscription(envelope: SnsEnvelope, fetch: Callable[[str], int] = get_status_https) -> int:
    """Confirm a subscription by GETting its ``SubscribeURL``; the status code AWS answered (2xx).

    The URL is checked with :func:`check_sns_url` first, so a non-AWS host is never contacted.
    Verify the envelope's signature before calling this.
    """
    if envelope.Type != "SubscriptionConfirmation":
        raise SnsRejected(f"{envelope.Type} is not a subscription confirmation request", status_code=400)
    url = envelope.SubscribeURL
    if url is None:  # the model requires it for this type; kept for the type checker
        raise SnsRejected("SubscriptionConfirmation without SubscribeURL", status_code=400)
    check_sns_url(url, field="SubscribeURL")
    try:
        status = fetch(url)
    except Exception as exc:
        raise SnsRejected(
            f"could not confirm the subscription to {envelope.TopicArn}: {type(exc).__name__}: {exc}",
            status_code=503,
        ) from exc
    if not 200 <= status < 300:
        raise SnsRejected(
            f"confirming the subscription to {envelope.TopicArn} failed: SNS answered HTTP {status}",
            status_code=503,
        )
    return status
