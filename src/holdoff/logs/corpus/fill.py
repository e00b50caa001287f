"""Placeholders of the corpus templates, each filled with a seeded random value.

A template writes ``{ip}`` for an address, ``{n}`` for a small number, ``{a|b|c}`` for one of
several words, and ``{{``/``}}`` for a literal brace. The values look like what real software writes
(addresses, pids, durations, device names, users ...), so that the model learns the words around them
and not the values: everything here is varied at random from the seed.
"""

from __future__ import annotations

import random
import re
import string
from collections.abc import Callable
from typing import Final


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_HOSTS: Final = _words(
    "web-01 web-02 api-3 db-primary db-replica-2 cache01 worker-7 node17 ip-10-0-3-41 k8s-node-a1 edge-lb-1 build-agent-4 mail01 gw-fra-2 compute-112 storage-03 kafka-2 es-data-5 mongo-rs0-1 bastion ci-runner-12 prod-app-9"
)
_USERS: Final = _words(
    "alice bob deploy postgres admin root jenkins svc_backup www-data oracle ubuntu ec2-user git nagios carol dave mallory test guest app_rw reporting grafana hdfs spark mysql elastic"
)
_WORDS: Final = _words(
    "orders payments users inventory billing search catalog checkout sessions events metrics audit invoices shipping profiles reports"
)
_SERVICES: Final = _words(
    "checkout payments auth-api gateway frontend recommender ledger notifier scheduler indexer ingest billing-worker user-service cart search-api"
)
_NAMESPACES: Final = ("default", "prod", "staging", "kube-system", "monitoring", "payments", "data")
_PATHS: Final = _words(
    "/var/lib/postgresql/16/main /var/log/nginx /srv/app/uploads /data/kafka-logs /home/{user}/.ssh /etc/ssl/private /var/lib/docker/overlay2 /mnt/backup /opt/app/current /tmp/cache /var/spool/mail /usr/share/nginx/html /var/lib/mysql /data/elasticsearch/nodes/0 /scratch/jobs /export/home"
)
_FILES: Final = _words(
    "index.html app.log config.yaml data.db backup.tar.gz segment.log wal.0003 report.csv settings.json image.png favicon.ico robots.txt main.js"
)
_URLS: Final = _words(
    "/api/v1/orders /api/v2/users/{n} /login /healthz /static/app.{hex}.js /wp-login.php /checkout/confirm /api/search?q={word} /metrics /admin/config /favicon.ico /api/v1/payments/{uuid} /graphql /v1/items/{n}/reviews /.env"
)
_DEVICES: Final = ("sda", "sdb", "sdc", "nvme0n1", "nvme1n1", "vda", "xvdf", "md0", "dm-3", "hdb")
_IFACES: Final = ("eth0", "eth1", "ens3", "ens192", "bond0", "eno1", "ib0", "enp3s0f1", "wlan0", "xe-0/0/1")
_TOPICS: Final = (
    "orders",
    "payments.events",
    "clickstream",
    "audit-log",
    "user-updates",
    "__consumer_offsets",
)
_DATABASES: Final = ("app", "orders", "analytics", "postgres", "billing", "users_prod", "inventory")
_TABLES: Final = ("orders", "users", "line_items", "sessions", "accounts", "events", "payments")
_CLASSES: Final = (
    "com.acme.orders.OrderService",
    "org.example.billing.InvoiceJob",
    "com.shop.api.CartController",
    "io.acme.ingest.KafkaPipeline",
    "com.corp.auth.TokenFilter",
    "org.acme.search.IndexWriter",
)
_PODS: Final = ("checkout", "payments", "frontend", "redis", "postgres", "api", "worker", "ingest")
_REGIONS: Final = ("us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2", "us-west-2")
_MONTHS: Final = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _hex(rng: random.Random, size: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(size))


def _ip(rng: random.Random) -> str:
    first = rng.choice((10, 172, 192, 203, 81, 34, 52, 100))
    return f"{first}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"


def _duration(rng: random.Random) -> str:
    kind = rng.randint(0, 3)
    if kind == 0:
        return f"{rng.randint(1, 999)}ms"
    if kind == 1:
        return f"{rng.uniform(0.1, 60):.3f}s"
    if kind == 2:
        return f"{rng.randint(1, 59)}m{rng.randint(0, 59)}s"
    return f"{rng.randint(1, 9000)}.{rng.randint(0, 999):03d}ms"


def _uuid(rng: random.Random) -> str:
    return f"{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}"


def _time(rng: random.Random) -> str:
    return f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"


Filler = Callable[[random.Random], str]

FILLERS: Final[dict[str, Filler]] = {
    "ip": _ip,
    "ip6": lambda r: f"2001:db8:{_hex(r, 4)}::{_hex(r, 3)}",
    "port": lambda r: str(
        r.choice((22, 80, 443, 5432, 3306, 6379, 9092, 8080, 27017, r.randint(1024, 65535)))
    ),
    "n": lambda r: str(r.randint(1, 64)),
    "int": lambda r: str(r.randint(65, 2_000_000)),
    "big": lambda r: str(r.randint(10**9, 10**12)),
    "pct": lambda r: str(r.randint(1, 100)),
    "hipct": lambda r: str(r.randint(90, 100)),
    "float": lambda r: f"{r.uniform(0, 100):.2f}",
    "pid": lambda r: str(r.randint(2, 4_194_303)),
    "ms": lambda r: str(r.randint(1, 30_000)),
    "sec": lambda r: str(r.randint(1, 3600)),
    "dur": _duration,
    "hex": lambda r: _hex(r, r.choice((6, 8, 12))),
    "addr": lambda r: "0x" + _hex(r, r.choice((8, 16))),
    "uuid": _uuid,
    "sha": lambda r: _hex(r, 40),
    "host": lambda r: r.choice(_HOSTS),
    "fqdn": lambda r: (
        r.choice(_HOSTS) + r.choice((".prod.internal", ".example.com", ".corp.local", ".eu.acme.io"))
    ),
    "user": lambda r: r.choice(_USERS),
    "word": lambda r: r.choice(_WORDS),
    "svc": lambda r: r.choice(_SERVICES),
    "ns": lambda r: r.choice(_NAMESPACES),
    "pod": lambda r: f"{r.choice(_PODS)}-{_hex(r, 9)}-{_hex(r, 5)}",
    "container": lambda r: r.choice(_PODS),
    "path": lambda r: r.choice(_PATHS).replace("{user}", r.choice(_USERS)),
    "file": lambda r: r.choice(_FILES),
    "url": lambda r: (
        r.choice(_URLS)
        .replace("{n}", str(r.randint(1, 99999)))
        .replace("{hex}", _hex(r, 8))
        .replace("{uuid}", _uuid(r))
        .replace("{word}", r.choice(_WORDS))
    ),
    "method": lambda r: r.choice(("GET", "GET", "GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")),
    "dev": lambda r: r.choice(_DEVICES),
    "iface": lambda r: r.choice(_IFACES),
    "mac": lambda r: ":".join(_hex(r, 2) for _ in range(6)),
    "topic": lambda r: r.choice(_TOPICS),
    "db": lambda r: r.choice(_DATABASES),
    "table": lambda r: r.choice(_TABLES),
    "class": lambda r: r.choice(_CLASSES),
    "region": lambda r: r.choice(_REGIONS),
    "date": lambda r: f"20{r.randint(20, 27)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}",
    "time": _time,
    "month": lambda r: r.choice(_MONTHS),
    "version": lambda r: f"{r.randint(0, 9)}.{r.randint(0, 30)}.{r.randint(0, 20)}",
    "token": lambda r: "".join(
        r.choice(string.ascii_letters + string.digits) for _ in range(r.randint(12, 24))
    ),
    "cpu": lambda r: str(r.randint(0, 63)),
    "bytes": lambda r: str(r.choice((512, 4096, 65536, r.randint(1, 10**9)))),
    "size": lambda r: f"{r.randint(1, 999)}{r.choice(('K', 'M', 'G', 'MB', 'GB', 'KiB', 'MiB', 'GiB'))}",
    "jobid": lambda r: str(r.randint(100_000, 9_999_999)),
    "node": lambda r: f"{r.choice(('cn', 'node', 'c', 'gpu', 'hpc'))}{r.randint(1, 2048):04d}",
    "rack": lambda r: f"r{r.randint(1, 40):02d}",
    "vol": lambda r: f"vol-{_hex(r, 17)}",
    "inst": lambda r: f"i-{_hex(r, 17)}",
    "email": lambda r: f"{r.choice(_USERS)}@{r.choice(('example.com', 'acme.io', 'corp.local'))}",
}

_PLACEHOLDER: Final = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")


def placeholders(template: str) -> list[str]:
    """The placeholder names of ``template`` (choices excluded), to check them when a table loads."""
    return [m.group(1) for m in _PLACEHOLDER.finditer(template) if m.group(1) and "|" not in m.group(1)]


def fill(template: str, rng: random.Random) -> str:
    """``template`` with each placeholder replaced by a fresh random value."""

    def one(match: re.Match[str]) -> str:
        name: str | None = match.group(1)
        if name is None:
            return str(match.group(0))[0]
        if "|" in name:
            return rng.choice(name.split("|"))
        return FILLERS[name](rng)

    return _PLACEHOLDER.sub(one, template)
