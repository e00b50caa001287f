"""Generated log traffic for the ``logs-ingest`` benchmark (no Loghub data): seven services writing
nginx access logs, sshd and kernel syslog, Python and Java application logs with stack traces, klog, and
JSON lines, with variable parts over many templates, about 3% errors; cut into request bodies."""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from holdoff.logs.parse import parse_lines

RETRY_EVERY: Final = 6
"""Every this many NDJSON batches with record ids, one is posted a second time (a sender's retry)."""

WORDS: Final = {
    "user": "alice bob carol dave erin admin root oracle test deploy git postgres ubuntu",
    "job": "invoice-export nightly-rollup cache-warm email-digest thumbnailer gc-sweep",
    "comp": "cart catalog pricing session inventory shipping search tax",
    "act": "refreshed loaded evicted synced validated rebuilt",
    "err": "connection_refused deadline_exceeded broken_pipe too_many_open_files certificate_expired",
    "route": "/api/v1/orders /api/v1/users /api/v1/cart /static/app.js /health /login /api/v2/search",
    "method": "GET GET GET POST PUT DELETE",
    "ok": "200 200 200 201 204 304 404",
    "level": "INFO INFO INFO INFO DEBUG WARNING",
    "cur": "EUR USD GBP",
    "queue": "orders emails invoices thumbnails webhooks",
    "table": "orders users sessions payments audit_log",
    "sub": "scheduler ingest billing mailer exporter indexer reaper notifier",
}
"""Values of the named fields (``{user}``); the others (``{ip}``, ``{n}``...) are made in :meth:`Fields`."""

SERVICES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    # service: (normal lines, error lines); "\n" separates the lines of one record (a stack trace)
    "web": (
        (
            '{ip} - - [{clf}] "{method} {route}/{n} HTTP/1.1" {ok} {size} "-" "Mozilla/5.0 (X11; Linux) Chrome/{d3}.0"',
            '{ip} - - [{clf}] "{method} {route} HTTP/1.1" {ok} {size} "https://shop.example.com/" "curl/8.{d1}.0"',
        ),
        (
            '{ip} - - [{clf}] "{method} {route}/{n} HTTP/1.1" 50{d1} {size} "-" "Mozilla/5.0 (X11; Linux) Chrome/{d3}.0"',
            "{iso} [error] {pid}#0: *{n} upstream timed out (110: Connection timed out) while reading response header "
            'from upstream, client: {ip}, server: shop.example.com, request: "GET {route} HTTP/1.1"',
        ),
    ),
    "auth": (
        (
            "{syslog} bastion-{d1} sshd[{pid}]: Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:{hex}",
            "{syslog} bastion-{d1} sshd[{pid}]: pam_unix(sshd:session): session opened for user {user}(uid={n}) by (uid=0)",
            "{syslog} bastion-{d1} sshd[{pid}]: pam_unix(sshd:session): session closed for user {user}",
            "{syslog} bastion-{d1} sshd[{pid}]: Received disconnect from {ip} port {port}:11: disconnected by user",
            "{syslog} bastion-{d1} sudo[{pid}]: {user} : TTY=pts/{d1} ; PWD=/home/{user} ; USER=root ; COMMAND=/usr/bin/systemctl restart {job}",
        ),
        (
            "{syslog} bastion-{d1} sshd[{pid}]: Failed password for invalid user {user} from {ip} port {port} ssh2",
            "{syslog} bastion-{d1} sshd[{pid}]: error: maximum authentication attempts exceeded for {user} from {ip} port {port} ssh2 [preauth]",
        ),
    ),
    "kernel": (
        (
            "{syslog} node-{d1} kernel: [{uptime}] eth{d1}: Link is Up - 10Gbps/Full - flow control rx/tx",
            "{syslog} node-{d1} kernel: [{uptime}] EXT4-fs (nvme0n1p{d1}): mounted filesystem with ordered data mode",
            "{syslog} node-{d1} kernel: [{uptime}] TCP: request_sock_TCP: Possible SYN flooding on port {port}. Sending cookies.",
            '{syslog} node-{d1} kernel: [{uptime}] audit: type=1400 apparmor="DENIED" operation="open" profile="snap.{job}" pid={pid}',
        ),
        (
            "{syslog} node-{d1} kernel: [{uptime}] Out of memory: Killed process {pid} (java) total-vm:{size}kB, anon-rss:{size}kB, UID:{n}",
            "{syslog} node-{d1} kernel: [{uptime}] nvme0: I/O {n} QID {d1} timeout, reset controller",
        ),
    ),
    "checkout": (
        (
            "{py} {level} [checkout.{comp}] {Comp} cache {act} in {ms}ms ({n} entries)",
            "{py} {level} [checkout.{comp}] Cart {hex8}-{d3} updated with {d2} items",
            "{py} INFO [checkout.orders] User {user} checked out order {n} total={d3}.{d2} {cur}",
            "{py} INFO [checkout.jobs] Job {job} finished batch {d3} of {n}",
            "{py} DEBUG [checkout.{comp}] {sub}: {act} {d3} rows in table {table} in {ms}ms",
        ),
        (
            "{py} ERROR [checkout.payments] Payment provider call failed for order {n}: {err}",
            "{py} ERROR [checkout.payments] Payment provider call failed for order {n}: {err}\n"
            "Traceback (most recent call last):\n"
            '  File "/srv/checkout/{comp}.py", line {d3}, in charge\n'
            "    response = client.post(url, json=body, timeout=3)\n"
            "ConnectionError: {err}",
        ),
    ),
    "payments": (
        (
            "{java}  INFO 1 --- [nio-8080-exec-{d2}] c.e.payments.LedgerService : Posted transaction {hex12} amount={d3}.{d2} currency={cur}",
            "{java}  INFO 1 --- [scheduling-{d1}] c.e.payments.FxRates : Refreshed {d2} rates from provider in {ms} ms",
            "{java}  WARN 1 --- [nio-8080-exec-{d2}] c.e.payments.FraudCheck : Score {d2}.{d1} above review threshold for account {n}",
            "{java}  INFO 1 --- [relay-{d1}] c.e.payments.WebhookRelay : Delivered webhook to https://hooks.example.com/{hex8} status=200",
        ),
        (
            "{java} ERROR 1 --- [nio-8080-exec-{d2}] c.e.payments.LedgerService : Posting transaction {hex12} failed\n"
            "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after {ms}ms.\n"
            "\tat com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)\n"
            "\tat com.example.payments.LedgerService.post(LedgerService.java:88)\n"
            "\tat java.base/java.lang.Thread.run(Thread.java:833)",
        ),
    ),
    "scheduler": (
        (
            'I{klog}    {d1} controller.go:{d3}] Reconciled deployment "{comp}/{job}" in {ms}ms',
            "I{klog}    {d1} scheduler.go:{d3}] Successfully assigned default/{job}-{hex5} to node-{d1}",
            "W{klog}    {d1} eviction.go:{d3}] Evicting pod {job}-{hex5}: node has memory pressure",
        ),
        (
            'E{klog}    {d1} pod_workers.go:{d3}] Error syncing pod {hex8}: failed to "StartContainer" with CrashLoopBackOff',
        ),
    ),
    "worker": (
        # many templates: eight subsystems (a line's first word, never generalised) x eight phrases
        tuple(
            f"{{iso}} {{level}} {sub}: {phrase}"
            for sub in WORDS["sub"].split()
            for phrase in (
                "processed {n} messages from queue {queue} in {ms}ms",
                "{act} {d3} rows in table {table}",
                "lease renewed for shard {d2} on worker-{d1}",
                "checkpoint {n} written to /var/lib/{job}/{hex8}.ckpt ({size} bytes)",
                "retrying {queue} delivery to {ip}:{port} (attempt {d1} of 5)",
                "user {user} requested export {uuid}",
                "cache hit ratio {d2}.{d1}% over {d3} lookups",
                "scheduled {job} at {time} next run in {d2}m",
            )
        ),
        tuple(
            f"{{iso}} ERROR {sub}: {{queue}} consumer crashed: {{err}} after {{ms}}ms"
            for sub in WORDS["sub"].split()
        ),
    ),
}
"""Line formats per service; about 3% of the lines are drawn from the error formats."""

ERROR_SHARE: Final = 0.03


class Fields(dict[str, str]):
    """The values of one line's fields, made when a format asks for them."""

    def __init__(self, r: random.Random, t: datetime) -> None:
        super().__init__()
        self.r, self.t = r, t

    def __missing__(self, name: str) -> str:
        r, t = self.r, self.t
        if name in WORDS:
            value = r.choice(WORDS[name].split())
        elif name == "Comp":
            value = self["comp"].capitalize()
        else:
            value = {
                "ip": lambda: f"10.{r.randrange(4)}.{r.randrange(256)}.{r.randrange(1, 255)}",
                "n": lambda: str(r.randrange(10**7)),
                "d1": lambda: str(r.randrange(1, 10)),
                "d2": lambda: str(r.randrange(10, 100)),
                "d3": lambda: str(r.randrange(100, 1000)),
                "ms": lambda: str(r.randrange(1, 5000)),
                "size": lambda: str(r.randrange(80, 10**6)),
                "pid": lambda: str(r.randrange(300, 65000)),
                "port": lambda: str(r.randrange(1024, 65535)),
                "hex": lambda: f"{r.getrandbits(128):032x}",
                "hex5": lambda: f"{r.getrandbits(20):05x}",
                "hex8": lambda: f"{r.getrandbits(32):08x}",
                "hex12": lambda: f"{r.getrandbits(48):012x}",
                "uuid": lambda: str(uuid.UUID(int=r.getrandbits(128), version=4)),
                "uptime": lambda: f"{r.randrange(1, 900_000):>6}.{r.randrange(10**6):06d}",
                "clf": lambda: f"{t:%d/%b/%Y:%H:%M:%S} +0000",
                "syslog": lambda: f"{t:%b %e %H:%M:%S}",
                "iso": lambda: t.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "py": lambda: f"{t:%Y-%m-%d %H:%M:%S},{t.microsecond // 1000:03d}",
                "java": lambda: f"{t:%Y-%m-%d %H:%M:%S}.{t.microsecond // 1000:03d}",
                "klog": lambda: f"{t:%m%d %H:%M:%S}.{t.microsecond:06d}",
                "time": lambda: f"{t:%H:%M:%S}",
            }[name]()
        self[name] = value
        return value


class Traffic:
    """A seeded stream of log records from several services."""

    def __init__(self, seed: int, start: datetime) -> None:
        self.r = random.Random(seed)
        self.now = start
        self.serial = 0

    def record(self, service: str) -> str:
        """One record of ``service`` (several lines for a stack trace)."""
        self.now += timedelta(microseconds=self.r.randrange(50, 400))
        normal, errors = SERVICES[service]
        formats = errors if self.r.random() < ERROR_SHARE else normal
        return self.r.choice(formats).format_map(Fields(self.r, self.now))

    def text_batch(self, lines: int) -> tuple[str, list[str]]:
        """One service's text lines, at least ``lines`` (whole records: a trace may run over)."""
        service = self.r.choice(list(SERVICES))
        out: list[str] = []
        while len(out) < lines:
            out += self.record(service).split("\n")
        return service, out

    def json_batch(self, records: int, ids: bool, tag: str) -> list[dict[str, Any]]:
        """``records`` NDJSON records: half an API's structured JSON, half other services' lines as
        Fluent Bit sends them (``{"log": line, "service": ...}``, a stack trace in one record)."""
        out: list[dict[str, Any]] = []
        for _ in range(records):
            r = self.r
            if r.random() < 0.5:
                self.now += timedelta(microseconds=r.randrange(50, 400))
                failed = r.random() < ERROR_SHARE
                fields = Fields(r, self.now)
                item: dict[str, Any] = {
                    "timestamp": fields["iso"],
                    "level": "error" if failed else r.choice(("info", "info", "debug", "warn")),
                    "service": "api",
                    "host": f"api-{fields['d1']}",
                    "message": (
                        "upstream {comp} failed: {err}"
                        if failed
                        else "{method} {route}/{n} completed in {ms}ms"
                    ).format_map(fields),
                    "trace_id": f"{r.getrandbits(128):032x}",
                    "http.status_code": 503 if failed else int(fields["ok"]),
                }
            else:
                service = r.choice(list(SERVICES))
                item = {"log": self.record(service), "service": service}
            if ids:
                self.serial += 1
                item["id"] = f"{tag}-{self.serial}"
            out.append(item)
        return out


@dataclass(frozen=True)
class Body:
    """One request: its query, content type, bytes, and how many lines/records it holds."""

    params: dict[str, str]
    media: str
    content: bytes
    lines: int
    records: int
    retry: bool = False


def make_bodies(total_lines: int, batch: int, seed: int, tag: str) -> list[Body]:
    """Request bodies of ``batch`` lines each, ``total_lines`` in all (plus the retried batches)."""
    traffic = Traffic(seed, datetime.now(UTC) - timedelta(minutes=10))
    bodies: list[Body] = []
    retries: list[tuple[int, Body]] = []
    lines = with_ids = 0
    while lines < total_lines:
        if len(bodies) % 2:
            service, text = traffic.text_batch(batch)
            records = len(parse_lines(text, service=service, host=None, received=traffic.now))
            content = ("\n".join(text) + "\n").encode()
            bodies.append(Body({"service": service}, "text/plain", content, len(text), records))
        else:
            ids = (len(bodies) // 2) % 2 == 0
            items = traffic.json_batch(batch, ids, tag)
            content = "".join(json.dumps(item, separators=(",", ":")) + "\n" for item in items).encode()
            body = Body(
                {},
                "application/x-ndjson",
                content,
                sum(1 + str(i.get("log", "")).count("\n") for i in items),
                len(items),
            )
            bodies.append(body)
            with_ids += ids
            if ids and with_ids % RETRY_EVERY == 0:
                retry = Body({}, body.media, body.content, body.lines, body.records, retry=True)
                retries.append((len(bodies), retry))
        lines += bodies[-1].lines
    for after, retry in reversed(retries):  # some batches after its original, as a sender retries
        bodies.insert(after + 8, retry)
    return bodies
