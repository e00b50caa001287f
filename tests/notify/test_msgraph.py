"""The Microsoft Graph mail channel against a local Entra ID + Graph stand-in (over TLS with a test CA)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from holdoff.mediate.model import NotificationKind
from holdoff.notify.channel import ALL_BUT_ACKNOWLEDGED, DeliveryResult
from holdoff.notify.config import environment
from holdoff.notify.msgraph import RATE_PER_SECOND, MsGraphChannel, MsGraphConfig, build_payload
from holdoff.notify.templates import DEFAULT, Templates
from tests.notify.samples import message
from tests.support.msgraph_standin import (
    ACCESS_DENIED_MESSAGE,
    ACCESS_POLICY_MESSAGE,
    CLIENT_ID,
    CLIENT_SECRET,
    GRAPH_SCOPE,
    SENDER,
    TENANT_ID,
    GraphStandIn,
    graph_standin,
    graph_tls,
)
from tests.support.net import unused_port

# pytest looks fixtures up by name in this module; naming them here also tells ruff that the
# test parameters of the same name use them (not F811 redefinitions).
_FIXTURES = (graph_standin, graph_tls)

RECIPIENTS = ["oncall@contoso.example", "sre-lead@contoso.example"]

MakeChannel = Callable[..., MsGraphChannel]


def _config(standin: GraphStandIn, **changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": "oncall-mail",
        "type": "msgraph",
        "tenant_id": TENANT_ID,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "sender": SENDER,
        "recipients": RECIPIENTS,
        "authority_host": standin.authority_host,
        "graph_url": standin.graph_url,
        "ca_bundle": str(standin.tls.ca),
        "timeout_seconds": 5,
    }
    values.update(changes)
    return values


@pytest.fixture
def make_channel(graph_standin: GraphStandIn) -> Iterator[MakeChannel]:
    """Builds channels through the configuration, as the service does, and closes them afterwards."""
    built: list[MsGraphChannel] = []

    def make(templates: Templates = DEFAULT, **changes: Any) -> MsGraphChannel:
        channel = MsGraphConfig.model_validate(_config(graph_standin, **changes)).build(templates)
        built.append(channel)
        return channel

    yield make
    for channel in built:
        channel.close()


@pytest.fixture
def channel(make_channel: MakeChannel) -> MsGraphChannel:
    return make_channel()


def _assert_no_secret(result: DeliveryResult, standin: GraphStandIn) -> None:
    assert result.error is not None
    assert CLIENT_SECRET not in result.error
    assert "s3cr3t" not in result.error
    for token in standin.issued_tokens:
        assert token not in result.error


# --- what goes over the wire ---


@pytest.mark.parametrize(
    ("kind", "importance"),
    [
        (NotificationKind.ESCALATED, "high"),
        (NotificationKind.RESOLVED, None),
        (NotificationKind.TRANSIENT_RESOLVED, None),
    ],
)
def test_a_message_fetches_a_client_credentials_token_and_posts_send_mail_as_the_sender(
    graph_standin: GraphStandIn, channel: MsGraphChannel, kind: NotificationKind, importance: str | None
) -> None:
    sent = message(kind)

    result = channel.send(sent)

    assert result.ok, result.error
    assert result.status_code == 202
    assert result.ref is None
    assert result.latency_ms > 0
    discovery, token_request, send = graph_standin.requests
    assert (discovery.method, discovery.path) == ("GET", graph_standin.discovery_path)
    assert (token_request.method, token_request.path) == ("POST", graph_standin.token_path)
    assert token_request.headers["content-type"] == "application/x-www-form-urlencoded"
    assert token_request.form["grant_type"] == "client_credentials"
    assert token_request.form["client_id"] == CLIENT_ID
    assert token_request.form["client_secret"] == CLIENT_SECRET
    assert token_request.form["scope"] == GRAPH_SCOPE
    [token] = graph_standin.issued_tokens
    assert (send.method, send.path) == ("POST", f"/v1.0/users/{SENDER}/sendMail")
    assert send.headers["authorization"] == f"Bearer {token}"
    assert send.headers["content-type"].startswith("application/json")
    expected_mail: dict[str, Any] = {
        "subject": sent.title,
        "body": {"contentType": "HTML", "content": DEFAULT.render("msgraph", sent, "html")},
        "toRecipients": [{"emailAddress": {"address": address}} for address in RECIPIENTS],
        "internetMessageHeaders": [
            {"name": "X-Holdoff-Key", "value": sent.key},
            {"name": "X-Holdoff-Kind", "value": kind.value},
        ],
    }
    if importance is not None:
        expected_mail["importance"] = importance
    assert send.json == {"message": expected_mail, "saveToSentItems": False}
    assert sent.title in send.json["message"]["body"]["content"]
    assert sent.url in send.json["message"]["body"]["content"]


def test_the_token_is_reused_between_sends(graph_standin: GraphStandIn, channel: MsGraphChannel) -> None:
    assert channel.send(message(NotificationKind.ESCALATED)).ok
    assert channel.send(message(NotificationKind.RESOLVED)).ok

    assert len(graph_standin.token_requests) == 1
    first, second = graph_standin.send_requests
    assert first.headers["authorization"] == second.headers["authorization"]
    assert first.json["message"]["subject"] != second.json["message"]["subject"]


def test_concurrent_first_sends_fetch_one_token(graph_standin: GraphStandIn, channel: MsGraphChannel) -> None:
    results: list[DeliveryResult] = []
    lock = threading.Lock()

    def send() -> None:
        result = channel.send(message())
        with lock:
            results.append(result)

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)

    assert [result.ok for result in results] == [True] * 5
    assert len(graph_standin.token_requests) == 1
    assert len(graph_standin.send_requests) == 5


def test_save_to_sent_items_and_a_template_override_are_used(
    graph_standin: GraphStandIn, make_channel: MakeChannel, tmp_path: Path
) -> None:
    (tmp_path / "msgraph").mkdir()
    (tmp_path / "msgraph" / "escalated.html.j2").write_text("<h1>PAGE: {{ message.title }}</h1>")
    channel = make_channel(templates=Templates(tmp_path), save_to_sent_items=True)
    sent = message(NotificationKind.ESCALATED, name="Disk <full> & co")

    assert channel.send(sent).ok

    [send] = graph_standin.send_requests
    assert send.json["saveToSentItems"] is True
    assert send.json["message"]["body"]["content"] == (
        "<h1>PAGE: ESCALATED: Disk &lt;full&gt; &amp; co is still firing after 3m 12s</h1>"
    )


def test_the_subject_is_one_line_and_the_payload_is_the_same_as_build_payload() -> None:
    sent = message(name="two\nlines")

    payload = build_payload(sent, ["a@contoso.example"])

    assert "\n" not in payload["message"]["subject"]
    assert payload["message"]["subject"] == " ".join(sent.title.split())
    assert payload["saveToSentItems"] is False


def test_building_the_channel_does_no_network_io(
    graph_standin: GraphStandIn, make_channel: MakeChannel
) -> None:
    make_channel()
    make_channel(authority_host=f"https://127.0.0.1:{unused_port()}")

    assert graph_standin.requests == []


# --- the 403 diagnosis ---


def test_a_403_from_an_application_access_policy_says_what_the_exchange_admin_must_run(
    graph_standin: GraphStandIn, channel: MsGraphChannel
) -> None:
    graph_standin.restrict_mailboxes({"someone-else@contoso.example"})

    result = channel.send(message())

    assert not result.ok
    assert result.retryable is False
    assert result.status_code == 403
    error = result.error or ""
    assert "Exchange application access policy" in error
    assert "RBAC for Applications" in error
    assert f"excludes the mailbox {SENDER}" in error
    assert f"Test-ApplicationAccessPolicy -Identity {SENDER} -AppId {CLIENT_ID}" in error
    assert (
        f"New-ApplicationAccessPolicy -AppId {CLIENT_ID} -PolicyScopeGroupId <group containing {SENDER}>"
        in error
    )
    assert "-AccessRight RestrictAccess" in error
    assert f'New-ManagementRoleAssignment -App {CLIENT_ID} -Role "Application Mail.Send"' in error
    assert "Mail.Send application permission with admin consent" in error
    assert "SMTP" in error
    assert ACCESS_POLICY_MESSAGE in error  # what Graph said, for the admin
    _assert_no_secret(result, graph_standin)


def test_a_plain_403_says_the_app_lacks_mail_send_and_drops_the_token(
    graph_standin: GraphStandIn, channel: MsGraphChannel
) -> None:
    graph_standin.revoke_mail_send()

    result = channel.send(message())

    assert not result.ok
    assert result.retryable is False
    assert result.status_code == 403
    error = result.error or ""
    assert f"app {CLIENT_ID} may not send mail as {SENDER}" in error
    assert "Mail.Send application permission" in error
    assert "admin consent" in error
    assert ACCESS_DENIED_MESSAGE in error
    assert "excludes the mailbox" not in error
    assert "SMTP" in error
    # Once the admin grants consent, the next message must not reuse the token without the permission.
    channel.send(message())
    assert len(graph_standin.token_requests) == 2


# --- other refusals ---


def test_a_401_is_not_retried_and_the_next_message_gets_a_new_token(
    graph_standin: GraphStandIn, channel: MsGraphChannel
) -> None:
    assert channel.send(message()).ok
    graph_standin.invalidate_tokens()

    rejected = channel.send(message())

    assert not rejected.ok
    assert rejected.retryable is False
    assert rejected.status_code == 401
    assert "rejected the access token" in (rejected.error or "")
    assert "InvalidAuthenticationToken" in (rejected.error or "")
    _assert_no_secret(rejected, graph_standin)

    again = channel.send(message())

    assert again.ok, again.error
    assert len(graph_standin.token_requests) == 2
    first_token, second_token = graph_standin.issued_tokens
    assert graph_standin.send_requests[-1].headers["authorization"] == f"Bearer {second_token}"
    assert first_token != second_token


def test_a_404_says_the_sender_mailbox_does_not_exist(
    graph_standin: GraphStandIn, make_channel: MakeChannel
) -> None:
    channel = make_channel(sender="nobody@contoso.example")

    result = channel.send(message())

    assert not result.ok
    assert result.retryable is False
    assert result.status_code == 404
    assert graph_standin.send_requests[0].path == "/v1.0/users/nobody@contoso.example/sendMail"
    assert f"the sender mailbox nobody@contoso.example does not exist in tenant {TENANT_ID}" in (
        result.error or ""
    )
    assert "ErrorInvalidUser" in (result.error or "")


def test_a_400_is_not_retried(graph_standin: GraphStandIn, channel: MsGraphChannel) -> None:
    graph_standin.fail_send_with(
        400, {"error": {"code": "ErrorInvalidRecipients", "message": "At least one recipient is not valid."}}
    )

    result = channel.send(message())

    assert not result.ok
    assert result.retryable is False
    assert result.status_code == 400
    assert "ErrorInvalidRecipients: At least one recipient is not valid." in (result.error or "")


def test_a_429_is_retried_and_names_retry_after(graph_standin: GraphStandIn, channel: MsGraphChannel) -> None:
    graph_standin.fail_send_with(
        429,
        {
            "error": {
                "code": "ApplicationThrottled",
                "message": "Application is over its MailboxConcurrency limit.",
            }
        },
        headers={"Retry-After": "7"},
        count=1,
    )

    result = channel.send(message())

    assert not result.ok
    assert result.retryable is True
    assert result.status_code == 429
    assert "throttled" in (result.error or "")
    assert "Retry-After 7s" in (result.error or "")
    assert channel.send(message()).ok


def test_a_503_is_retried_and_the_next_send_goes_through_with_the_same_token(
    graph_standin: GraphStandIn, channel: MsGraphChannel
) -> None:
    graph_standin.fail_send_with(
        503, {"error": {"code": "ServiceUnavailable", "message": "Service unavailable."}}, count=1
    )

    failed = channel.send(message())
    recovered = channel.send(message())

    assert not failed.ok
    assert failed.retryable is True
    assert failed.status_code == 503
    assert "ServiceUnavailable" in (failed.error or "")
    assert recovered.ok, recovered.error
    assert len(graph_standin.token_requests) == 1


# --- token failures ---


def test_invalid_client_at_the_token_endpoint_is_not_retried_and_never_shows_the_secret(
    graph_standin: GraphStandIn, make_channel: MakeChannel
) -> None:
    channel = make_channel(client_secret="a-wrong-secret-value")

    result = channel.send(message())

    assert not result.ok
    assert result.retryable is False
    error = result.error or ""
    assert "invalid_client" in error
    assert "AADSTS7000215" in error
    assert "the client secret is wrong" in error
    assert CLIENT_ID in error and TENANT_ID in error
    assert "a-wrong-secret-value" not in error
    assert graph_standin.send_requests == []


def test_unauthorized_client_names_the_app_and_the_tenant(
    graph_standin: GraphStandIn, make_channel: MakeChannel
) -> None:
    other_app = "11111111-2222-4333-8444-555555555555"
    channel = make_channel(client_id=other_app)

    result = channel.send(message())

    assert result.retryable is False
    assert "unauthorized_client" in (result.error or "")
    assert "AADSTS700016" in (result.error or "")
    assert "check client_id and tenant_id" in (result.error or "")
    _assert_no_secret(result, graph_standin)


def test_an_unknown_tenant_is_not_retried(graph_standin: GraphStandIn, make_channel: MakeChannel) -> None:
    channel = make_channel(tenant_id="99999999-9999-4999-8999-999999999999")

    result = channel.send(message())

    assert result.retryable is False
    assert "does not know tenant 99999999-9999-4999-8999-999999999999" in (result.error or "")
    assert "AADSTS90002" in (result.error or "")
    assert graph_standin.token_requests == []


def test_a_token_endpoint_that_is_down_is_retried(make_channel: MakeChannel) -> None:
    port = unused_port()
    channel = make_channel(authority_host=f"https://127.0.0.1:{port}")

    result = channel.send(message())

    assert not result.ok
    assert result.retryable is True
    assert f"cannot connect to Microsoft Entra ID at 127.0.0.1:{port}" in (result.error or "")


def test_a_5xx_from_the_token_endpoint_is_retried_and_the_channel_recovers(
    graph_standin: GraphStandIn, channel: MsGraphChannel
) -> None:
    # Retry-After: 0 keeps msal from holding back the next token request for its default 5 s.
    graph_standin.fail_token_with(503, "upstream busy", headers={"Retry-After": "0"}, count=1)

    failed = channel.send(message())
    recovered = channel.send(message())

    assert not failed.ok
    assert failed.retryable is True
    assert "Microsoft Entra ID" in (failed.error or "")
    assert recovered.ok, recovered.error


def test_temporarily_unavailable_from_the_token_endpoint_is_retried(
    graph_standin: GraphStandIn, channel: MsGraphChannel
) -> None:
    graph_standin.fail_token_with(
        400,
        {"error": "temporarily_unavailable", "error_description": "AADSTS50196: try again later"},
        count=1,
    )

    result = channel.send(message())

    assert result.retryable is True
    assert "temporarily_unavailable" in (result.error or "")


# --- network trouble ---


def test_graph_refusing_connections_is_retried(
    graph_standin: GraphStandIn, make_channel: MakeChannel
) -> None:
    port = unused_port()
    channel = make_channel(graph_url=f"https://127.0.0.1:{port}/v1.0")

    result = channel.send(message())

    assert result.retryable is True
    assert f"cannot connect to Microsoft Graph at 127.0.0.1:{port}" in (result.error or "")


def test_a_slow_graph_times_out_and_is_retried(
    graph_standin: GraphStandIn, make_channel: MakeChannel
) -> None:
    channel = make_channel(timeout_seconds=0.3)
    graph_standin.delay(2.0, on="send")

    result = channel.send(message())

    assert result.retryable is True
    assert "timed out after 0.3s waiting for Microsoft Graph" in (result.error or "")
    assert "it may have sent the mail" in (result.error or "")
    assert result.latency_ms < 2000


def test_a_slow_token_endpoint_times_out_and_is_retried(
    graph_standin: GraphStandIn, make_channel: MakeChannel
) -> None:
    channel = make_channel(timeout_seconds=0.3)
    graph_standin.delay(2.0, on="token")

    result = channel.send(message())

    assert result.retryable is True
    assert "timed out after 0.3s waiting for Microsoft Entra ID" in (result.error or "")
    assert graph_standin.send_requests == []


def test_an_untrusted_certificate_is_not_retried_and_points_at_ca_bundle(
    graph_standin: GraphStandIn, make_channel: MakeChannel
) -> None:
    channel = make_channel(ca_bundle=None)

    result = channel.send(message())

    assert result.retryable is False
    assert "TLS certificate check failed" in (result.error or "")
    assert "ca_bundle" in (result.error or "")


# --- secrets ---


def test_secrets_echoed_back_by_a_broken_gateway_are_scrubbed(
    graph_standin: GraphStandIn, channel: MsGraphChannel
) -> None:
    assert channel.send(message()).ok
    [token] = graph_standin.issued_tokens
    graph_standin.fail_send_with(
        400,
        {
            "error": {
                "code": "BadGateway",
                "message": f"echo: Authorization: Bearer {token} body client_secret={CLIENT_SECRET} "
                "form Xq8%7Es3cr3t.CL1ENT-value_do-not%2Blog",
            }
        },
    )

    result = channel.send(message())

    _assert_no_secret(result, graph_standin)
    assert "Xq8%7Es3cr3t" not in (result.error or "")
    assert "Bearer ***" in (result.error or "")


def test_a_token_error_that_repeats_the_secret_is_scrubbed(
    graph_standin: GraphStandIn, channel: MsGraphChannel
) -> None:
    graph_standin.fail_token_with(
        401,
        {"error": "invalid_client", "error_description": f"AADSTS7000215: secret {CLIENT_SECRET} is wrong"},
    )

    result = channel.send(message())

    _assert_no_secret(result, graph_standin)
    assert "secret *** is wrong" in (result.error or "")


def test_nothing_secret_is_logged(
    graph_standin: GraphStandIn, make_channel: MakeChannel, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    good = make_channel()
    bad = make_channel(client_secret="a-wrong-secret-value")

    assert good.send(message()).ok
    assert not bad.send(message()).ok

    assert caplog.records, "expected msal / httpx debug records to check"
    assert CLIENT_SECRET not in caplog.text
    assert "a-wrong-secret-value" not in caplog.text
    for token in graph_standin.issued_tokens:
        assert token not in caplog.text


def test_the_config_never_shows_the_secret(graph_standin: GraphStandIn) -> None:
    config = MsGraphConfig.model_validate(_config(graph_standin))

    assert CLIENT_SECRET not in repr(config)
    assert CLIENT_SECRET not in str(config.model_dump())
    assert config.secrets() == [CLIENT_SECRET]


# --- configuration ---


def test_secrets_and_ids_come_from_the_environment(graph_standin: GraphStandIn) -> None:
    values = _config(
        graph_standin,
        tenant_id="${AZURE_TENANT_ID}",
        client_id="${AZURE_CLIENT_ID}",
        client_secret="${AZURE_CLIENT_SECRET}",
    )
    with environment(
        {"AZURE_TENANT_ID": TENANT_ID, "AZURE_CLIENT_ID": CLIENT_ID, "AZURE_CLIENT_SECRET": CLIENT_SECRET}
    ):
        config = MsGraphConfig.model_validate(values)
    channel = config.build()
    try:
        assert config.client_secret.get_secret_value() == CLIENT_SECRET
        assert channel.send(message()).ok
    finally:
        channel.close()


def test_defaults_kinds_and_rate(graph_standin: GraphStandIn) -> None:
    values = _config(graph_standin)
    for key in ("authority_host", "graph_url", "ca_bundle", "timeout_seconds"):
        del values[key]
    config = MsGraphConfig.model_validate(values)
    channel = config.build()
    try:
        assert config.authority_host == "https://login.microsoftonline.com"
        assert config.graph_url == "https://graph.microsoft.com/v1.0"
        assert config.scope == "https://graph.microsoft.com/.default"
        assert config.save_to_sent_items is False
        assert channel.name == "oncall-mail"
        assert channel.kinds == ALL_BUT_ACKNOWLEDGED
        assert NotificationKind.ACKNOWLEDGED not in (channel.kinds or set())
        assert channel.rate_per_second == RATE_PER_SECOND
    finally:
        channel.close()

    only = MsGraphConfig.model_validate(dict(values, kinds=["escalated"], rate_per_second=2)).build()
    try:
        assert only.kinds == frozenset({NotificationKind.ESCALATED})
        assert only.rate_per_second == 2
    finally:
        only.close()


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"recipients": []}, "at least 1 item"),
        ({"recipients": ["Ops <ops@contoso.example>"]}, "not a plain email address"),
        ({"recipients": ["ops@localhost"]}, "not a plain email address"),
        ({"sender": "alerts"}, "sender must be"),
        ({"client_id": "not-a-guid"}, "application (client) ID"),
        ({"tenant_id": "common"}, "app-only tokens need"),
        ({"tenant_id": "a/b"}, "tenant_id must be"),
        ({"authority_host": "http://login.microsoftonline.com"}, "https://"),
        ({"authority_host": "https://login.microsoftonline.com/tenant"}, "without a path"),
        ({"graph_url": "http://graph.example.com/v1.0"}, "must use https"),
        ({"scope": "https://graph.microsoft.com/Mail.Send"}, "/.default"),
        ({"unknown": 1}, "Extra inputs are not permitted"),
    ],
)
def test_wrong_settings_are_refused_with_a_reason(
    graph_standin: GraphStandIn, change: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValidationError) as raised:
        MsGraphConfig.model_validate(_config(graph_standin, **change))

    assert complaint in str(raised.value)


def test_plain_http_graph_is_allowed_on_loopback_only(graph_standin: GraphStandIn) -> None:
    config = MsGraphConfig.model_validate(_config(graph_standin, graph_url="http://127.0.0.1:8080/v1.0/"))

    assert config.graph_url == "http://127.0.0.1:8080/v1.0"


def test_a_missing_ca_bundle_is_refused_when_building(graph_standin: GraphStandIn, tmp_path: Path) -> None:
    config = MsGraphConfig.model_validate(_config(graph_standin, ca_bundle=str(tmp_path / "missing.pem")))

    with pytest.raises(ValueError, match="ca_bundle"):
        config.build()


def test_describe_names_where_mail_goes_without_secrets(channel: MsGraphChannel) -> None:
    line = channel.describe()

    assert line.startswith("oncall-mail: Microsoft Graph sendMail as alerts@contoso.example to oncall@")
    assert CLIENT_ID in line and TENANT_ID in line
    assert CLIENT_SECRET not in line
