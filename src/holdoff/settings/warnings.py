"""What a configuration leaves exposed or broken, decided from settings alone (no I/O).

``holdoff serve`` (refusal and start-up log), ``holdoff check-config``, the dashboard's channels page and
``GET /channels`` all read these functions, so the four never disagree about which alert sources are
open or what an operator should fix.

**Protected mode** is a Holdoff bound to a non-loopback address, or one where API tokens or users
exist. In protected mode every alert source must be authenticated (a token of its own or ``*``; for
CloudWatch also verified SNS signatures from a listed topic) or be named as open on purpose
(``sources.<name>.open: true`` / ``HOLDOFF_OPEN_SOURCES``). In open mode (loopback, no credentials)
every source is open, as the README's curl lines expect.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from holdoff.ingest.registry import BY_NAME, NAMES
from holdoff.settings import Settings

SOURCE_ORDER = NAMES
"""Every alert source, in the order of the source table (:mod:`holdoff.ingest.registry`)."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` (a bind address or a URL's host name) only reaches this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def endpoint_of(source: str) -> str:
    return BY_NAME[source].endpoint


class SourceAuth(StrEnum):
    """How one alert source's webhooks are authenticated."""

    BY_TOKEN = "token"  # noqa: S105 (a kind of authentication, not a secret)
    """Its own token (``sources.<name>.token``) or the shared ``sources.token`` is configured."""
    BY_SNS = "sns"
    """CloudWatch: SNS signatures are verified and only listed topics are accepted."""
    OPEN_ON_PURPOSE = "open"
    """No token, and named open in ``sources.<name>.open`` or ``HOLDOFF_OPEN_SOURCES``."""
    OPEN_MODE = "open-mode"
    """No token, accepted because the whole service runs open (loopback, no credentials)."""
    UNAUTHENTICATED = "unauthenticated"
    """No token, not named open, and the service is protected: ``serve`` refuses to start."""


@dataclass(frozen=True)
class SourceStatus:
    name: str
    auth: SourceAuth

    @property
    def endpoint(self) -> str:
        return endpoint_of(self.name)

    @property
    def authenticated(self) -> bool:
        return self.auth in (SourceAuth.BY_TOKEN, SourceAuth.BY_SNS)

    def describe(self) -> str:
        """One line for check-config and the channels page."""
        how = {
            SourceAuth.BY_TOKEN: "authenticated by token",
            SourceAuth.BY_SNS: "authenticated by verified SNS signatures from the topics in sns_topic_arns",
            SourceAuth.OPEN_ON_PURPOSE: f"open on purpose (sources.{self.name}.open / HOLDOFF_OPEN_SOURCES)",
            SourceAuth.OPEN_MODE: "open because Holdoff runs in open mode (loopback, no credentials)",
            SourceAuth.UNAUTHENTICATED: "OPEN without a token in protected mode: set a token or mark it open",
        }[self.auth]
        return f"{self.name} ({self.endpoint}): {how}"


def is_protected(settings: Settings, *, credentials_exist: bool) -> bool:
    """Protected mode: credentials exist, or Holdoff listens beyond loopback."""
    return credentials_exist or not is_loopback(settings.server.host)


def source_access(settings: Settings, *, credentials_exist: bool) -> list[SourceStatus]:
    """How every alert source is authenticated under these settings, in README order."""
    protected = is_protected(settings, credentials_exist=credentials_exist)
    open_on_purpose = settings.sources.open_on_purpose
    cloudwatch = settings.sources.cloudwatch
    found = []
    for name in SOURCE_ORDER:
        if settings.sources.token_for(name) is not None:
            auth = SourceAuth.BY_TOKEN
        elif name == "cloudwatch" and cloudwatch.verify_signatures and cloudwatch.topic_arns:
            auth = SourceAuth.BY_SNS
        elif name in open_on_purpose:
            auth = SourceAuth.OPEN_ON_PURPOSE
        elif not protected:
            auth = SourceAuth.OPEN_MODE
        else:
            auth = SourceAuth.UNAUTHENTICATED
        found.append(SourceStatus(name, auth))
    return found


def unauthenticated_sources(settings: Settings, *, credentials_exist: bool) -> list[str]:
    """Sources that accept webhooks without a token although Holdoff is protected (and not on purpose)."""
    return [
        status.name
        for status in source_access(settings, credentials_exist=credentials_exist)
        if status.auth is SourceAuth.UNAUTHENTICATED
    ]


def how_to_close(names: list[str]) -> str:
    """The exact settings that authenticate ``names`` or mark them open on purpose."""
    tokens = json.dumps(dict.fromkeys(names, "<16+ chars>"), separators=(",", ":"))
    yaml_tokens = "".join(f'\n      {name}: {{token: "<16+ chars>"}}' for name in names)
    yaml_open = "".join(f"\n      {name}: {{open: true}}" for name in names)
    sns = (
        "\n  (cloudwatch is also authenticated, with no token, by verified SNS signatures from the topics "
        "listed in HOLDOFF_SNS_TOPIC_ARNS)"
        if "cloudwatch" in names
        else ""
    )
    return (
        "give each a token (at least 16 characters; senders send it as 'Authorization: Bearer <token>', "
        "an X-Holdoff-Token header or ?token=):\n"
        f"    HOLDOFF_INGEST_TOKENS='{tokens}'\n"
        '    (or one token for every source: HOLDOFF_INGEST_TOKENS=\'{"*":"<16+ chars>"}\')\n'
        f"  or in the YAML configuration (--config):\n    sources:{yaml_tokens}{sns}\n"
        "or, to accept a source's webhooks without a token on purpose, mark it open:\n"
        f"    HOLDOFF_OPEN_SOURCES={','.join(names)}\n"
        f"  or in the YAML configuration:\n    sources:{yaml_open}"
    )


def _protected_because(settings: Settings, *, credentials_exist: bool) -> str:
    if not is_loopback(settings.server.host):
        return f"it listens on {settings.server.host}, not a loopback address"
    return "API tokens or users exist" if credentials_exist else "it is not in open mode"


def ingest_refusal(settings: Settings, *, credentials_exist: bool) -> str | None:
    """Why ``serve`` must not start with these alert sources, or None when every source is accounted for."""
    names = unauthenticated_sources(settings, credentials_exist=credentials_exist)
    if not names:
        return None
    because = _protected_because(settings, credentials_exist=credentials_exist)
    return (
        f"refusing to start: Holdoff is in protected mode ({because}), but these alert sources accept "
        f"webhooks without a token: {', '.join(names)}. Anyone who can reach the port could post alerts "
        "to them. Either " + how_to_close(names)
    )


@dataclass(frozen=True)
class ConfigWarning:
    """Something that works but is probably not what the operator wants.

    ``message`` is one line saying what is wrong and what to do; ``fix``, when there is one, the exact
    settings to write (several lines).
    """

    code: str
    message: str
    fix: str = ""

    def text(self) -> str:
        """For a log line: the message, then the fix on the lines after it."""
        return f"{self.message} [{self.code}]" + (f"\n{self.fix}" if self.fix else "")


def channels_configured(settings: Settings) -> bool:
    """Whether messages go to real people or systems (any ``channels:`` entry, Teams and email included)."""
    return bool(settings.channels)


def _public_url_warning(settings: Settings) -> ConfigWarning | None:
    """Links built on ``public_url`` must open Holdoff for whoever reads them."""
    serving_elsewhere = not is_loopback(settings.server.host)
    sending = channels_configured(settings)
    if not serving_elsewhere and not sending:
        return None  # a local trial: links for the person at this machine are right
    link = settings.resolved_public_url
    link_host = urlsplit(link).hostname or ""
    if settings.server.public_url is not None and not is_loopback(link_host):
        return None
    fix = "set HOLDOFF_PUBLIC_URL (YAML server.public_url) to the address people open, e.g. https://holdoff.example.com"
    if not is_loopback(link_host):
        return ConfigWarning(
            "public-url-unset",
            f"public_url is unset, so links in messages and answers use the bind address ({link}), which "
            f"people may not be able to open; {fix}",
        )
    cause = (
        "public_url is unset" if settings.server.public_url is None else "public_url is a loopback address"
    )
    context = (
        f"Holdoff listens on {settings.server.host}" if serving_elsewhere else "messages go to real channels"
    )
    return ConfigWarning(
        "public-url-loopback",
        f"links in messages and answers point at {link}, the reader's own machine ({cause}, while "
        f"{context}); {fix}",
    )


def config_warnings(settings: Settings, *, credentials_exist: bool) -> list[ConfigWarning]:
    """Everything worth a warning in these settings, given whether API tokens or users exist."""
    found: list[ConfigWarning] = []
    names = unauthenticated_sources(settings, credentials_exist=credentials_exist)
    if names:
        because = _protected_because(settings, credentials_exist=credentials_exist)
        found.append(
            ConfigWarning(
                "ingest-unauthenticated",
                f"Holdoff is in protected mode ({because}), but alert sources {', '.join(names)} accept "
                "webhooks without a token; a running service keeps accepting them, and the next "
                "'holdoff serve' refuses to start until each has a token or is marked open on purpose",
                "Either " + how_to_close(names),
            )
        )
    if not settings.sources.cloudwatch.verify_signatures:
        found.append(
            ConfigWarning(
                "sns-signatures-off",
                "SNS signature verification is off (sns_verify_signatures: false), so anyone who can reach "
                "/webhooks/cloudwatch can post CloudWatch alarms and make Holdoff fetch subscription URLs "
                "on AWS hosts; turn it back on (unset HOLDOFF_SNS_VERIFY_SIGNATURES) outside tests",
            )
        )
    public_url = _public_url_warning(settings)
    if public_url is not None:
        found.append(public_url)
    if settings.server.host.strip() in ("", "0.0.0.0", "::", "[::]") and not settings.server.allowed_hosts:  # noqa: S104
        found.append(
            ConfigWarning(
                "any-host",
                f"Holdoff listens on all addresses ({settings.server.host or 'all'}) with no allowed_hosts, so any "
                "Host header is accepted and DNS rebinding is not blocked (credentials are still required "
                "off loopback); list the names Holdoff is reached by in allowed_hosts "
                "(HOLDOFF_ALLOWED_HOSTS, comma-separated)",
            )
        )
    return found
