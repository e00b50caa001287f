"""Real Prometheus and Alertmanager processes for end-to-end tests.

* :class:`AlertmanagerProcess`: Debian's ``prometheus-alertmanager`` (0.25) with a generated config, web
  on a free 127.0.0.1 port and gossip off (``--cluster.listen-address=`` empty; otherwise it listens on
  0.0.0.0:9094). :func:`webhook_config` builds the config that routes every alert to one webhook.
* :class:`PrometheusProcess`: Debian's ``prometheus`` (2.42) scraping its targets (usually a
  :class:`tests.support.metrics_endpoint.MetricsEndpoint`) every second, evaluating the generated
  :class:`AlertRule` rules every second and sending alerts to the Alertmanager.

Both processes run in their own session with a temporary data directory, output to a log file under
``test-artifacts/<test id>/``; readiness is ``GET /-/ready`` answering 200. Once ready, every socket they
listen on is checked to be a loopback address. Nothing here skips: a missing binary, a process that exits
or does not get ready, or one listening beyond loopback fails with the reason and the log's tail.
Fixtures: ``start_alertmanager`` and ``start_prometheus`` (factories; whatever they started is stopped at
teardown).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Self

import httpx
import pytest
import yaml

from tests.support.net import NotReady, wait_until_ready
from tests.support.server import LOOPBACK, artifacts_root, free_port

PROMETHEUS_BINARY = Path("/usr/bin/prometheus")
ALERTMANAGER_BINARY = Path("/usr/bin/prometheus-alertmanager")
READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
INSTALL_HINT = "install it with: sudo ./scripts/ensure-system-packages.sh (Debian packages {package})"


class PrometheusToolError(RuntimeError):
    """Prometheus or Alertmanager is missing, did not start, or misbehaved."""


# --------------------------------------------------------------------------- sockets a process listens on


def _decode_address(text: str) -> str:
    """``/proc/net/tcp`` local address (hex, host byte order per 32-bit word) to an IP string."""
    raw = bytes.fromhex(text)
    word_swapped = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(raw) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, word_swapped)


def listening_addresses(pid: int) -> list[tuple[str, str, int]]:
    """``(protocol, address, port)`` of every TCP socket in LISTEN state and every bound UDP socket of
    ``pid`` (Linux ``/proc``)."""
    inodes: set[str] = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[len("socket:[") : -1])
    found: list[tuple[str, str, int]] = []
    for table in ("tcp", "tcp6", "udp", "udp6"):
        try:
            rows = Path(f"/proc/{pid}/net/{table}").read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if inode not in inodes or (table.startswith("tcp") and state != "0A"):
                continue
            address, _, port = local.partition(":")
            found.append((table.rstrip("6"), _decode_address(address), int(port, 16)))
    return found


# --------------------------------------------------------------------------- processes


def _tail(path: Path, lines: int = 60) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(log is empty)"


class _Daemon:
    """One Prometheus-family process on 127.0.0.1:``port``, its output in ``log_path``."""

    binary: Path
    package: str

    def __init__(self, name: str, work_dir: Path, log_dir: Path) -> None:
        self.name = name
        self.work_dir = work_dir
        self.work_dir.mkdir(parents=True, exist_ok=True)
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log_path = log_dir / f"{name}.log"
        self.port = free_port()
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def argv(self) -> list[str]:
        raise NotImplementedError

    def log_tail(self, lines: int = 60) -> str:
        if self._log is not None:
            self._log.flush()
        return _tail(self.log_path, lines)

    def _fail(self, reason: str) -> PrometheusToolError:
        return PrometheusToolError(
            f"{self.name}: {reason}\n--- log tail ({self.log_path}) ---\n{self.log_tail()}"
        )

    def start(self, timeout: float = READY_TIMEOUT) -> Self:
        if not (self.binary.is_file() and os.access(self.binary, os.X_OK)):
            raise PrometheusToolError(
                f"{self.binary} not found; " + INSTALL_HINT.format(package=self.package)
            )
        argv = self.argv()
        self._log = self.log_path.open("wb")
        self._log.write(f"=== {' '.join(argv)}\n".encode())
        self._log.flush()
        self._proc = subprocess.Popen(
            argv,
            cwd=self.work_dir,
            env={"PATH": os.environ.get("PATH", os.defpath), "HOME": str(self.work_dir), "LANG": "C.UTF-8"},
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready(timeout)
            self._check_loopback_only()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        assert self._proc is not None
        proc = self._proc
        try:
            wait_until_ready(f"{self.url}/-/ready", proc.poll, timeout)
        except NotReady as exc:
            raise self._fail(str(exc)) from None

    def _check_loopback_only(self) -> None:
        assert self._proc is not None
        sockets = listening_addresses(self._proc.pid)
        exposed = [s for s in sockets if not ipaddress.ip_address(s[1]).is_loopback]
        if exposed:
            shown = ", ".join(f"{proto} {addr}:{port}" for proto, addr, port in exposed)
            raise self._fail(f"listens beyond loopback: {shown}")

    def stop(self) -> int | None:
        """SIGTERM, then SIGKILL after a while; the exit status."""
        proc = self._proc
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        code = proc.wait()
        if self._log is not None:
            with contextlib.suppress(OSError):
                self._log.close()
            self._log = None
        return code

    def get_json(self, path: str) -> Any:
        with httpx.Client(base_url=self.url, timeout=5.0, trust_env=False) as client:
            response = client.get(path)
        response.raise_for_status()
        return response.json()


def webhook_config(
    url: str,
    *,
    group_by: Sequence[str] = ("alertname",),
    group_wait: str = "1s",
    group_interval: str = "1s",
    repeat_interval: str = "1h",
    send_resolved: bool = True,
) -> dict[str, Any]:
    """An Alertmanager config sending every alert to one webhook receiver."""
    return {
        "route": {
            "receiver": "holdoff",
            "group_by": list(group_by),
            "group_wait": group_wait,
            "group_interval": group_interval,
            "repeat_interval": repeat_interval,
        },
        "receivers": [
            {"name": "holdoff", "webhook_configs": [{"url": url, "send_resolved": send_resolved}]},
        ],
    }


class AlertmanagerProcess(_Daemon):
    binary = ALERTMANAGER_BINARY
    package = "prometheus-alertmanager"

    def __init__(self, config: Mapping[str, Any], work_dir: Path, log_dir: Path, name: str = "alertmanager"):
        super().__init__(name, work_dir, log_dir)
        self.config_path = work_dir / "alertmanager.yml"
        self.config_path.write_text(yaml.safe_dump(dict(config), sort_keys=False), encoding="utf-8")

    def argv(self) -> list[str]:
        return [
            str(self.binary),
            f"--config.file={self.config_path}",
            f"--storage.path={self.work_dir / 'data'}",
            f"--web.listen-address={self.address}",
            f"--web.external-url={self.url}",
            "--cluster.listen-address=",
            "--log.level=debug",
        ]

    def post_alerts(self, alerts: Sequence[Mapping[str, Any]]) -> None:
        """``POST /api/v2/alerts``, as Prometheus does."""
        with httpx.Client(base_url=self.url, timeout=5.0, trust_env=False) as client:
            response = client.post("/api/v2/alerts", json=list(alerts))
        if response.status_code != 200:
            raise self._fail(f"POST /api/v2/alerts answered {response.status_code}: {response.text[:300]}")

    def alerts(self) -> list[dict[str, Any]]:
        """What Alertmanager currently holds (``GET /api/v2/alerts``)."""
        found: list[dict[str, Any]] = self.get_json("/api/v2/alerts")
        return found


@dataclass(frozen=True)
class AlertRule:
    """One Prometheus alerting rule."""

    alert: str
    expr: str
    for_: str = "0s"
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def as_yaml(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"alert": self.alert, "expr": self.expr, "for": self.for_}
        if self.labels:
            rule["labels"] = dict(self.labels)
        if self.annotations:
            rule["annotations"] = dict(self.annotations)
        return rule


class PrometheusProcess(_Daemon):
    binary = PROMETHEUS_BINARY
    package = "prometheus"

    def __init__(
        self,
        *,
        scrape_targets: Sequence[str],
        alertmanagers: Sequence[str],
        rules: Sequence[AlertRule],
        work_dir: Path,
        log_dir: Path,
        interval: str = "1s",
        name: str = "prometheus",
    ) -> None:
        super().__init__(name, work_dir, log_dir)
        self.rules_path = work_dir / "rules.yml"
        self.rules_path.write_text(
            yaml.safe_dump(
                {
                    "groups": [
                        {"name": "holdoff-test", "interval": interval, "rules": [r.as_yaml() for r in rules]}
                    ]
                },
                sort_keys=False,
            ),
            encoding="utf-8",
        )
        config = {
            "global": {
                "scrape_interval": interval,
                "scrape_timeout": interval,
                "evaluation_interval": interval,
            },
            "alerting": {"alertmanagers": [{"static_configs": [{"targets": list(alertmanagers)}]}]},
            "rule_files": [str(self.rules_path)],
            "scrape_configs": [
                {"job_name": "holdoff-test", "static_configs": [{"targets": list(scrape_targets)}]}
            ],
        }
        self.config_path = work_dir / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")

    def argv(self) -> list[str]:
        return [
            str(self.binary),
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.work_dir / 'data'}",
            f"--web.listen-address={self.address}",
            f"--web.external-url={self.url}/",
            "--log.level=info",
        ]

    def alerts(self) -> list[dict[str, Any]]:
        """Active alerts (pending and firing), from ``GET /api/v1/alerts``."""
        found: list[dict[str, Any]] = self.get_json("/api/v1/alerts")["data"]["alerts"]
        return found

    def targets_up(self) -> bool:
        active = self.get_json("/api/v1/targets")["data"]["activeTargets"]
        return bool(active) and all(target["health"] == "up" for target in active)

    def wait_targets_up(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.targets_up():
            if time.monotonic() >= deadline:
                targets = self.get_json("/api/v1/targets")["data"]["activeTargets"]
                raise self._fail(f"scrape targets not up within {timeout:g}s: {targets}")
            time.sleep(0.1)


# --------------------------------------------------------------------------- fixtures


def _test_dir(request: pytest.FixtureRequest) -> Path:
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid).strip("_")[:150] or "test"
    return artifacts_root(request.config) / name


@pytest.fixture
def start_alertmanager(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[Mapping[str, Any]], AlertmanagerProcess]]:
    """``start(config) -> AlertmanagerProcess``, ready; stopped at teardown. Logs in test-artifacts/."""
    started: list[AlertmanagerProcess] = []

    def start(config: Mapping[str, Any]) -> AlertmanagerProcess:
        name = f"alertmanager-{len(started) + 1}"
        process = AlertmanagerProcess(config, tmp_path / name, _test_dir(request), name=name)
        started.append(process)
        return process.start()

    try:
        yield start
    finally:
        for process in reversed(started):
            process.stop()


@pytest.fixture
def start_prometheus(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[..., PrometheusProcess]]:
    """``start(scrape_targets=[...], alertmanagers=[...], rules=[...]) -> PrometheusProcess``, ready and
    scraping; stopped at teardown. Logs in test-artifacts/."""
    started: list[PrometheusProcess] = []

    def start(**kw: Any) -> PrometheusProcess:
        name = f"prometheus-{len(started) + 1}"
        process = PrometheusProcess(work_dir=tmp_path / name, log_dir=_test_dir(request), name=name, **kw)
        started.append(process)
        process.start()
        process.wait_targets_up()
        return process

    try:
        yield start
    finally:
        for process in reversed(started):
            process.stop()
