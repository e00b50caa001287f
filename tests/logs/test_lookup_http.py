"""The HTTP log stores (Loki, Elasticsearch/OpenSearch) fail with a LookupFailed that names the store
and says why (status and the start of the answer, refused credentials, a timeout, no connection),
never with a secret in it.

:class:`StoreFake` is the local store the lookup tests talk to: a real HTTP server on 127.0.0.1
that records each request and answers what the test's ``answer`` function decides.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from typing import Any

import pytest

from holdoff.logs.lookup import LogLookup, LokiConfig, LookupFailed, LookupQuery, OpenSearchConfig
from tests.support.http_receiver import Failure, HttpReceiver
from tests.support.net import unused_port

PASSWORD = "s3cret-Pa55word"


@dataclass(frozen=True)
class Seen:
    """One request the fake store read."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Header names in lower case."""
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    def param(self, name: str) -> str:
        (value,) = self.query[name]
        return value

    def describe(self) -> str:
        return f"{self.method} {self.path}"


Answer = tuple[int, str, str]
"""Status, body and content type."""


def json_answer(body: Any, status: int = 200) -> Answer:
    return status, json.dumps(body), "application/json"


class StoreFake(HttpReceiver[Seen]):
    """A log store on 127.0.0.1: records every request, answers with ``answer(request)``."""

    thread_name = "store-fake"
    what = "store fake"
    protocol_version = "HTTP/1.1"

    def __init__(self, answer: Callable[[Seen], Answer] | None = None) -> None:
        super().__init__()
        self.answer = answer or (lambda seen: json_answer({}))

    def fail_with(self, status: int, body: str, content_type: str = "text/plain; charset=utf-8") -> None:
        """Answer every request with ``status`` and ``body`` until :meth:`recover`."""
        self._program(Failure(status, body, {"Content-Type": content_type}))

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        request = self._read(handler)
        seen = Seen(request.method, request.parts.path, request.query, request.headers, request.body)
        self._record(seen)
        self._wait()
        failure = self._take_failure()
        if failure is not None:
            self._reply(handler, failure.status, (failure.body or "").encode(), failure.headers, None)
            return
        status, body, content_type = self.answer(seen)
        self._reply(handler, status, body.encode("utf-8"), {}, content_type)


@pytest.fixture
def fake() -> Iterator[StoreFake]:
    with StoreFake() as store:
        yield store


QUERY = LookupQuery(
    service="checkout",
    start=datetime(2024, 5, 1, 10, 0, tzinfo=UTC),
    end=datetime(2024, 5, 1, 10, 5, tzinfo=UTC),
)


def loki(url: str, **extra: Any) -> LogLookup:
    settings: dict[str, Any] = {"type": "loki", "name": "prod-loki", "url": url, "user": "ops"}
    return LokiConfig.model_validate({"password": PASSWORD, **settings, **extra}).build()


def opensearch(url: str, **extra: Any) -> LogLookup:
    settings: dict[str, Any] = {"type": "opensearch", "name": "prod-search", "url": url, "user": "ops"}
    return OpenSearchConfig.model_validate({"password": PASSWORD, **settings, **extra}).build()


STORES = [
    pytest.param(loki, 'loki lookup "prod-loki"', id="loki"),
    pytest.param(opensearch, 'opensearch lookup "prod-search"', id="opensearch"),
]

Make = Callable[..., LogLookup]


def failure_of(lookup: LogLookup) -> LookupFailed:
    with pytest.raises(LookupFailed) as caught:
        lookup.lines(QUERY)
    return caught.value


def assert_no_secret(text: str) -> None:
    assert PASSWORD not in text
    assert base64.b64encode(f"ops:{PASSWORD}".encode()).decode() not in text


@pytest.mark.parametrize(("make", "named"), STORES)
def test_server_error_names_the_store_the_status_and_the_answer(
    fake: StoreFake, make: Make, named: str
) -> None:
    fake.fail_with(500, "too many outstanding requests\n")
    failed = failure_of(make(fake.base_url))
    assert str(failed) == f"{named} (127.0.0.1:{fake.port}): HTTP 500: too many outstanding requests"
    assert failed.status == 500
    assert failed.source_name == make(fake.base_url).name


@pytest.mark.parametrize(("make", "named"), STORES)
def test_refused_credentials_say_what_to_check_and_never_echo_them(
    fake: StoreFake, make: Make, named: str
) -> None:
    token = base64.b64encode(f"ops:{PASSWORD}".encode()).decode()
    fake.fail_with(401, f"invalid credentials: Basic {token} (password {PASSWORD})")
    failed = failure_of(make(fake.base_url))
    message = str(failed)
    assert message.startswith(f"{named} (127.0.0.1:{fake.port}): HTTP 401, credentials refused")
    assert "invalid credentials: Basic *** (password ***)" in message
    assert_no_secret(message)
    assert failed.status == 401


@pytest.mark.parametrize(("make", "named"), STORES)
def test_a_client_error_quotes_the_start_of_a_long_answer(fake: StoreFake, make: Make, named: str) -> None:
    fake.fail_with(400, "parse error at line 1, col 17: syntax error " + "x" * 2000)
    message = str(failure_of(make(fake.base_url)))
    assert message.startswith(f"{named} (127.0.0.1:{fake.port}): HTTP 400: parse error at line 1, col 17")
    assert len(message) < 400


@pytest.mark.parametrize(("make", "named"), STORES)
def test_a_store_that_does_not_answer_in_time_fails_with_the_timeout(
    fake: StoreFake, make: Make, named: str
) -> None:
    fake.delay(5.0)
    failed = failure_of(make(fake.base_url, timeout_seconds=0.2))
    assert str(failed) == f"{named} (127.0.0.1:{fake.port}): no answer within 0.2s (timeout_seconds)"
    assert failed.status is None
    assert len(fake.requests) == 1


@pytest.mark.parametrize(("make", "named"), STORES)
def test_nothing_listening_is_a_connection_failure(make: Make, named: str) -> None:
    port = unused_port()
    message = str(failure_of(make(f"http://127.0.0.1:{port}")))
    assert message.startswith(f"{named} (127.0.0.1:{port}): could not connect: ConnectError")


@pytest.mark.parametrize(("make", "named"), STORES)
def test_an_answer_that_is_not_json_is_refused(fake: StoreFake, make: Make, named: str) -> None:
    fake.answer = lambda seen: (200, "<html><body>Grafana login</body></html>", "text/html")
    failed = failure_of(make(fake.base_url))
    assert str(failed) == (
        f"{named} (127.0.0.1:{fake.port}): the answer is not JSON: <html><body>Grafana login</body></html>"
    )


@pytest.mark.parametrize(("make", "named"), STORES)
def test_describe_names_the_store_and_host_without_secrets(make: Make, named: str) -> None:
    text = make("https://ops:pw@logs.example.com:8443/").describe()
    assert "logs.example.com:8443" in text
    assert named.split(" lookup ")[1] in text
    assert_no_secret(text)
    assert "pw" not in text
