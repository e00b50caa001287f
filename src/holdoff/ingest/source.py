"""The shape of an alert source: what :mod:`holdoff.ingest.registry` holds one of per source.

A source is its parser plus the few HTTP facts its sender imposes (where it posts, with which
methods and media types, and whether some requests are answered before any parsing, as SNS
subscription confirmations are). Everything that lists sources reads these entries, so a new source
is one parser module and one entry in the table; nothing else names it.

Webhook routes and ``holdoff replay`` turn a body into events through :func:`parse_named` alone, so
both give every alert the same ``service`` label (:mod:`holdoff.ingest.naming`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel

from holdoff.ingest.config import SourcesSection
from holdoff.ingest.naming import name_service
from holdoff.ingest.sns import SnsVerifier
from holdoff.mediate.model import AlertEvent


class SourceSettings(Protocol):
    """The settings sources read (``holdoff.settings.Settings`` has them): the ``sources:`` section."""

    @property
    def sources(self) -> SourcesSection: ...


Parse = Callable[[dict[str, Any], SourceSettings], list[AlertEvent]]
"""The events one decoded webhook body stands for (none is allowed). Raises pydantic's
``ValidationError`` or :class:`~holdoff.ingest.errors.PayloadError` (a 422, or a bad replay line)."""


class GateTools(Protocol):
    """What a gate may use besides settings (the runtime has both; tests replace them)."""

    @property
    def sns_verifier(self) -> SnsVerifier: ...

    @property
    def sns_fetch_status(self) -> Callable[[str], int]: ...


Gate = Callable[[dict[str, Any], SourceSettings, GateTools], "str | None"]
"""Steps a *live* request takes before parsing: authenticity checks and handshakes a recording never
needs. Blocking (it may fetch over the network), so the route runs it in a thread. Returns None to go
on and parse, or a text to answer 200 with it and store nothing; raises :class:`Refused`."""


class Refused(Exception):
    """A gate turned the request away; ``status_code`` is the answer (4xx, or 503 to make the sender retry)."""

    def __init__(self, message: str, *, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


@dataclass(frozen=True)
class Source:
    """One alert source, described once."""

    name: str
    """As in URLs, alert identities, ``ingest_tokens`` and ``sources.<name>``."""
    title: str
    """A few words for the API docs."""
    description: str
    parse: Parse
    path: str = ""
    """Where it posts; empty: ``/webhooks/<name>``."""
    methods: tuple[str, ...] = ("POST",)
    also_accept: tuple[str, ...] = ()
    """Media types besides JSON whose body is JSON all the same (SNS posts ``text/plain``)."""
    documented_as: tuple[str, ...] = ("application/json",)
    """Media types the API docs show for the body."""
    body_model: type[BaseModel] | None = None
    """The body's model, when there is one, for the API docs."""
    one_alert: bool = False
    """The body is always one alert: answered with that alert alone, not a list (Coralogix's POC shape)."""
    gate: Gate | None = None
    gate_answers: Mapping[int, str] = field(default_factory=dict)
    """Answers only the gate gives, for the API docs."""
    nothing: str = "the payload carried no alerts"
    """The ``detail`` of a 202 when the body stood for no alert."""

    @property
    def endpoint(self) -> str:
        return self.path or f"/webhooks/{self.name}"


def parse_named(source: Source, raw: dict[str, Any], settings: SourceSettings) -> list[AlertEvent]:
    """The events ``raw`` stands for, as ``source`` parses them, each with the ``service`` and
    ``environment`` labels ``sources.naming`` gives it. Raises what ``source.parse`` raises."""
    naming = settings.sources.naming
    return [name_service(source.name, event, naming) for event in source.parse(raw, settings)]
