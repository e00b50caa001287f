"""What the HTTP channels share in turning a request into a :class:`~holdoff.notify.channel.DeliveryResult`:
timing, naming the server without credentials, keeping secrets out of error texts, quoting the start
of an answer, and explaining a request that got no answer at all (a timeout, a refused connection, an
unusable URL).

Each channel keeps what is its own: which statuses mean what, its hints, and its wording where it
differs (what may already have happened after a read timeout, for instance).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

import httpx

from holdoff.notify.channel import DeliveryResult

Scrub = Callable[[str], str]
"""Replaces every secret in a text by ``***``."""

RETRYABLE_STATUS = frozenset({408, 425, 429})
"""4xx statuses worth trying again (besides every 5xx)."""

MAX_SCANNED_CHARS = 20_000
"""How much of a text is scrubbed and folded before it is cut to a snippet."""


def elapsed_ms(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()``), rounded to microseconds."""
    return round((time.perf_counter() - started) * 1000.0, 3)


def describe_host(url: str) -> str:
    """``host[:port]`` of a URL, without credentials, path or query; ``"?"`` when there is none."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = parts.port
    except ValueError:
        return "?"
    return f"{host}:{port}" if port is not None else host


def failed_result(
    error: str, started: float, *, retryable: bool, status_code: int | None = None
) -> DeliveryResult:
    """A failed delivery that began at ``started`` (``error`` must already be free of secrets)."""
    return DeliveryResult(
        ok=False, retryable=retryable, status_code=status_code, error=error, latency_ms=elapsed_ms(started)
    )


def retryable_status(status: int) -> bool:
    """Whether an HTTP status is worth trying again: 408, 425, 429 and every 5xx."""
    return status in RETRYABLE_STATUS or status >= 500


# --------------------------------------------------------------------------- keeping secrets out


def scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every one of ``secrets`` replaced by ``***``, in the order given (longest first,
    so that a secret containing another is replaced whole)."""
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def scrubber(secrets: Iterable[str]) -> Scrub:
    """A function that replaces every (non-empty) secret in a text by ``***`` (longest first)."""
    ordered = sorted({secret for secret in secrets if secret}, key=len, reverse=True)

    def scrub_text(text: str) -> str:
        return scrub(text, ordered)

    return scrub_text


def one_line(text: str, scrub: Scrub, chars: int) -> str:
    """``text`` without secrets, its white space folded to single spaces, cut to ``chars``."""
    # Scrub before cutting, so that no piece of a secret survives at the cut.
    return " ".join(scrub(text[:MAX_SCANNED_CHARS]).split())[:chars]


def snippet(response: httpx.Response, scrub: Scrub, chars: int) -> str:
    """The start of the response body on one line, without secrets ("" when it cannot be read)."""
    try:
        text = response.text
    except Exception:
        return ""
    return one_line(text, scrub, chars)


def reason(exc: BaseException, scrub: Scrub, chars: int | None = None) -> str:
    """``<ExceptionType>: <message>`` without secrets (the message cut to ``chars`` when given)."""
    text = scrub(str(exc).strip() or "no details")
    return f"{type(exc).__name__}: {text if chars is None else text[:chars]}"


# --------------------------------------------------------------------------- requests without an answer


def exception_failure(
    exc: Exception,
    *,
    target: str,
    url_setting: str,
    timeout_seconds: float,
    scrub: Scrub,
    started: float,
    after_read_timeout: str = "",
    sending: str = "the message",
    reason_chars: int | None = None,
    unexpected_retryable: bool = True,
) -> DeliveryResult:
    """The result for a request to ``target`` that got no HTTP answer.

    Timeouts and network errors are retryable; a URL httpx cannot use is not (``url_setting`` names
    the setting to fix). ``after_read_timeout`` follows the read-timeout text (say, that the server
    may have taken the request anyway), ``sending`` names what a write timeout interrupted, and
    ``unexpected_retryable`` says whether any other exception is worth another try.
    """
    timeout = f"{timeout_seconds:g}s"
    retryable = True
    if isinstance(exc, httpx.ConnectTimeout):
        error = f"timed out after {timeout} connecting to {target}"
    elif isinstance(exc, httpx.ReadTimeout):
        error = f"timed out after {timeout} waiting for {target} to answer{after_read_timeout}"
    elif isinstance(exc, httpx.WriteTimeout):
        error = f"timed out after {timeout} sending {sending} to {target}"
    elif isinstance(exc, httpx.TimeoutException):
        error = f"timed out after {timeout} talking to {target}"
    elif isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        retryable = False
        error = f"{url_setting} is not a usable http(s) URL ({target}): {reason(exc, scrub, reason_chars)}"
    elif isinstance(exc, httpx.ConnectError):
        error = f"cannot connect to {target}: {reason(exc, scrub, reason_chars)}"
    elif isinstance(exc, httpx.TransportError):
        error = f"network error talking to {target}: {reason(exc, scrub, reason_chars)}"
    else:
        retryable = unexpected_retryable
        error = f"unexpected error sending to {target}: {reason(exc, scrub, reason_chars)}"
    return failed_result(error, started, retryable=retryable)
