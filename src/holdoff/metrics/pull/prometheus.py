"""Prometheus: scheduled PromQL ``GET /api/v1/query_range`` against the user's Prometheus server.

Each query's result series become samples: the metric name is the series' ``__name__``, or the
query's ``name`` when the expression has none (``rate(...)``, ``avg by ...``). Prometheus evaluates a
range at ``start + k * step``, so every range starts and ends on a multiple of ``step`` (epoch time):
successive pulls ask for points of one grid, and the point where the last pull ended, asked again, is a
duplicate (ignored, see :mod:`holdoff.store.metric_samples`) rather than a second point a fraction of
a step away. A pull reaches from where the last one ended to now, never further back than
``lookback`` and never over :data:`MAX_POINTS` points per series (the server's own limit).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, Final, Literal

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from holdoff import __version__
from holdoff.config_types import Secret
from holdoff.logs.detect.base import Duration, positive
from holdoff.metrics.model import METRIC_NAME, Sample
from holdoff.metrics.pull.base import PullConfig, Pulled, PullFailed, bounded, finite, metric_name

MAX_POINTS: Final = 11_000
"""Prometheus refuses a range of more than 11,000 points per series."""


class PromQuery(BaseModel):
    """One PromQL expression; a bare string in the config is its ``expr``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    expr: str = Field(min_length=1, max_length=4000)
    name: str | None = Field(
        default=None, pattern=METRIC_NAME, description="The metric name of result series without __name__."
    )

    @model_validator(mode="before")
    @classmethod
    def _bare_string(cls, data: Any) -> Any:
        return {"expr": data} if isinstance(data, str) else data


class PromAuth(BaseModel):
    """A bearer token, or a user name and password (HTTP basic)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    token: Secret | None = None
    username: str | None = None
    password: Secret | None = None

    @model_validator(mode="after")
    def _one_way(self) -> PromAuth:
        basic = self.username is not None or self.password is not None
        if self.token is not None and basic:
            raise ValueError("give a token or a username and password, not both")
        if basic and (self.username is None or self.password is None):
            raise ValueError("basic authentication needs both username and password")
        if self.token is None and not basic:
            raise ValueError("give a token, or a username and password")
        return self


class PrometheusPullConfig(PullConfig):
    """``type: prometheus``: PromQL range queries against one Prometheus (or compatible) server."""

    type: Literal["prometheus"]
    url: str = Field(description="The server's base URL, e.g. http://prometheus:9090")
    queries: list[PromQuery] = Field(min_length=1, max_length=100)
    step: Duration = Field(default=timedelta(minutes=1), description="The resolution asked for.")
    auth: PromAuth | None = None

    _step_positive = field_validator("step")(positive)

    @field_validator("url")
    @classmethod
    def _http(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL")
        return value.rstrip("/")

    def build(self, transport: httpx.BaseTransport | None = None) -> PrometheusPull:
        return PrometheusPull(self, transport)

    def describe(self) -> str:
        return f'prometheus pull "{self.name}" ({self.url}, {len(self.queries)} queries every {self.every})'


# --------------------------------------------------------------------------- pure parts


def window(
    config: PrometheusPullConfig, last_end: datetime | None, now: datetime
) -> tuple[datetime, datetime] | None:
    """From ``last_end`` to ``now``, on the ``step`` grid, at most ``lookback`` and :data:`MAX_POINTS`
    steps back."""
    step = config.step.total_seconds()
    end = _on_grid(now, step)
    floor = _on_grid(end - min(config.lookback, config.step * (MAX_POINTS - 1)), step, up=True)
    start = floor if last_end is None else max(floor, _on_grid(last_end, step))
    return (start, end) if start < end else None


def _on_grid(at: datetime, step: float, *, up: bool = False) -> datetime:
    """``at`` rounded down (or up) to a multiple of ``step`` seconds since the epoch."""
    seconds = at.timestamp()
    steps = -(-seconds // step) if up else seconds // step
    return datetime.fromtimestamp(steps * step, UTC)


def query_params(
    config: PrometheusPullConfig, query: PromQuery, start: datetime, end: datetime
) -> dict[str, str]:
    return {
        "query": query.expr,
        "start": f"{start.timestamp():.3f}",
        "end": f"{end.timestamp():.3f}",
        "step": f"{config.step.total_seconds():g}s",
    }


def parse_matrix(body: Any, query: PromQuery) -> tuple[dict[str, list[Sample]], int]:
    """A ``query_range`` answer as samples by series id, and how many points were not finite
    (:class:`ValueError` for an answer that is not one)."""
    if not isinstance(body, dict) or body.get("status") != "success":
        error = body.get("error") if isinstance(body, dict) else None
        raise ValueError(f"the query failed: {error or 'not a Prometheus answer'}")
    data = body.get("data")
    if (
        not isinstance(data, dict)
        or data.get("resultType") != "matrix"
        or not isinstance(data.get("result"), list)
    ):
        raise ValueError("the answer is not a range vector (resultType matrix)")
    groups: dict[str, list[Sample]] = {}
    skipped = 0
    for series in data["result"]:
        metric = {str(k): str(v) for k, v in (series.get("metric") or {}).items()}
        name = metric.pop("__name__", None) or query.name
        if name is None:
            raise ValueError(f"a result of {query.expr!r} has no __name__: give the query a name")
        points: list[Sample] = []
        for ts, text in series.get("values") or []:
            value = float(text)
            if not finite(value):
                skipped += 1
                continue
            points.append(
                Sample(
                    name=metric_name(name),
                    labels=metric,
                    timestamp=datetime.fromtimestamp(float(ts), UTC),
                    value=value,
                )
            )
        if points:
            groups.setdefault(points[0].series_id, []).extend(points)
    return groups, skipped


# --------------------------------------------------------------------------- the client


class PrometheusPull:
    """Asks one Prometheus for each query's range; one :class:`httpx.Client` kept open."""

    def __init__(self, config: PrometheusPullConfig, transport: httpx.BaseTransport | None = None) -> None:
        self.config = config
        headers = {"User-Agent": f"holdoff/{__version__}"}
        auth: httpx.BasicAuth | None = None
        if config.auth is not None and config.auth.token is not None:
            headers["Authorization"] = f"Bearer {config.auth.token.get_secret_value()}"
        elif config.auth is not None and config.auth.username and config.auth.password:
            auth = httpx.BasicAuth(config.auth.username, config.auth.password.get_secret_value())
        self._client = httpx.Client(
            base_url=config.url,
            timeout=httpx.Timeout(config.timeout_seconds),
            follow_redirects=False,
            headers=headers,
            auth=auth,
            transport=transport,
            trust_env=False,
        )

    @property
    def name(self) -> str:
        return self.config.name

    def window(self, last_end: datetime | None, now: datetime) -> tuple[datetime, datetime] | None:
        return window(self.config, last_end, now)

    def pull(self, start: datetime, end: datetime) -> Pulled:
        groups: dict[str, list[Sample]] = {}
        skipped = 0
        for query in self.config.queries:
            try:
                found, lost = parse_matrix(self._get(query, start, end), query)
            except ValueError as exc:
                raise PullFailed(f"{self._where()}: {query.expr!r}: {self.config.scrub(str(exc))}") from None
            skipped += lost
            for key, points in found.items():
                groups.setdefault(key, []).extend(points)
        pulled = bounded(groups, self.config.max_series)
        return Pulled(pulled.samples, pulled.series, pulled.dropped_series, skipped)

    def _where(self) -> str:
        return f'prometheus pull "{self.config.name}" ({self.config.url})'

    def _get(self, query: PromQuery, start: datetime, end: datetime) -> Any:
        where = self._where()
        try:
            response = self._client.get(
                "/api/v1/query_range", params=query_params(self.config, query, start, end)
            )
        except httpx.TimeoutException:
            raise PullFailed(f"{where}: no answer within {self.config.timeout_seconds:g}s") from None
        except httpx.HTTPError as exc:
            reason = self.config.scrub(str(exc).strip() or "no details")
            raise PullFailed(f"{where}: could not connect: {type(exc).__name__}: {reason}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            text = self.config.scrub(str(error or response.text[:300]))
            raise PullFailed(f"{where}: {query.expr!r}: HTTP {response.status_code}: {text}")
        if body is None:
            raise PullFailed(f"{where}: HTTP {response.status_code}, not JSON")
        return body

    def close(self) -> None:
        self._client.close()
