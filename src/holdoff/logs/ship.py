"""Shipping a log file to ``POST /logs`` (``holdoff tail``); docs/logs-shipping.md has the rules.

Lines are read as bytes (each has the byte offset it starts at), grouped into records here with the
server's own rule (:class:`~holdoff.logs.parse.LineAssembler`: a stack trace joins the line that
began it) and sent as NDJSON, one object per record: ``{"message": <its lines>, "record_id":
"<host>:<inode>.<crc32 of the first line>:<offset>"}`` (a JSON object line: the object, with a
``record_id`` when it has no id). The server stores a record id once, so a retried post counts as
duplicates. A batch holds complete records only; the open record closes when a line does not continue
it or when the file has been quiet for the flush interval. :class:`FileFollower` reads like
``tail -F`` (rotation, truncation, a partial line waits for its newline); :class:`Sender` retries.
"""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any, BinaryIO, Final, Literal

import httpx

from holdoff.logs.parse import LineAssembler, fields

FLUSH_SECONDS: Final = 1.0
POLL_SECONDS: Final = 0.25
MAX_LINE_BYTES: Final = 256 * 1024  # a longer line without a newline is sent in pieces of this size
MAX_BATCH_BYTES: Final = 512 * 1024  # half the API's body limit
READ_BYTES: Final = 1024 * 1024  # read at most this much per poll
MAX_RETRY_SECONDS: Final = 300.0
_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)  # the assembler's receive time: unused here


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the file, without its line end; ``offset`` is its first byte's."""

    offset: int
    text: str
    file_id: str


Change = Literal["same", "rotated", "truncated", "missing"]


def file_change(inode: int, offset: int, now: os.stat_result | None) -> Change:
    """What happened to the file read so far (``inode``, ``offset`` bytes in) given the path's stat now."""
    if now is None:
        return "missing"
    if now.st_ino != inode:
        return "rotated"
    if now.st_size < offset:
        return "truncated"
    return "same"


def split_lines(data: bytes, start: int, file_id: str) -> tuple[list[Line], int]:
    """The complete lines of ``data`` (which begins at byte ``start``) and the bytes they used."""
    lines: list[Line] = []
    used = 0
    while True:
        end = data.find(b"\n", used)
        if end < 0:
            return lines, used
        text = data[used:end].decode("utf-8", errors="replace").rstrip("\r")
        lines.append(Line(start + used, text, file_id))
        used = end + 1


class FileFollower:
    """Reads one path line by line, following rotation and truncation (I/O, no network)."""

    def __init__(self, path: Path, *, from_start: bool = True) -> None:
        self.path = path
        self._from_start = from_start
        self._handle: BinaryIO | None = None
        self._inode = 0
        self.offset = 0  # bytes consumed as complete lines
        self._pending = b""
        self._file_id: str | None = None
        self.rotations = 0
        self.truncations = 0
        self.at_eof = False

    def size(self) -> int:
        try:
            return self.path.stat().st_size
        except OSError:
            return self.offset

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None

    def _open(self, *, start_at_end: bool) -> bool:
        try:
            handle = self.path.open("rb")
        except FileNotFoundError:
            return False
        stat = os.fstat(handle.fileno())
        self._handle, self._inode, self._pending, self._file_id = handle, stat.st_ino, b"", None
        self.offset = stat.st_size if start_at_end else 0
        handle.seek(self.offset)
        return True

    def _id(self) -> str:
        """``<inode>.<crc32 of the first line (1 KiB at most)>``, kept once that line is complete."""
        if self._file_id is not None or self._handle is None:
            return self._file_id or ""
        head = os.pread(self._handle.fileno(), 1024, 0)
        first, newline, _ = head.partition(b"\n")
        file_id = f"{self._inode}.{zlib.crc32(first):08x}"
        if newline or len(head) == 1024:
            self._file_id = file_id
        return file_id

    def _read(self, out: list[Line], *, final: bool) -> None:
        """Read to the end (or :data:`READ_BYTES`); with ``final`` a last line without newline is a line."""
        assert self._handle is not None
        data = self._handle.read(READ_BYTES)
        self.at_eof = len(data) < READ_BYTES
        buffer = self._pending + data
        lines, used = split_lines(buffer, self.offset, self._id()) if b"\n" in buffer else ([], 0)
        out.extend(lines)
        self.offset += used
        self._pending = buffer[used:]
        if len(self._pending) >= MAX_LINE_BYTES or (final and self.at_eof and self._pending):
            text = self._pending.decode("utf-8", errors="replace").rstrip("\r")
            out.append(Line(self.offset, text, self._id()))
            self.offset += len(self._pending)
            self._pending = b""

    def poll(self, *, final: bool = False) -> list[Line]:
        """The lines written since the last call. ``final``: the input ends here (no ``--follow``)."""
        out: list[Line] = []
        if self._handle is None:
            opened = self._open(start_at_end=not self._from_start)
            self._from_start = True  # a file that appears later is read from its start
            if not opened:
                self.at_eof = True
                return out
        self._read(out, final=final)
        if not self.at_eof or final:
            return out
        try:
            now: os.stat_result | None = os.stat(self.path)
        except OSError:
            now = None
        change = file_change(self._inode, self.offset + len(self._pending), now)
        if change == "rotated":
            self._read(out, final=True)  # what was written to the old file before it was replaced
            self.close()
            self.rotations += 1
            if self._open(start_at_end=False):
                self._read(out, final=False)
        elif change == "truncated":
            if self._pending:  # written before the truncation: a line of its own
                text = self._pending.decode("utf-8", errors="replace").rstrip("\r")
                out.append(Line(self.offset, text, self._id()))
            self.truncations += 1
            self.close()
            if self._open(start_at_end=False):
                self._read(out, final=False)
        return out


class RecordGrouper:
    """Lines into records, as the server would join them (pure)."""

    def __init__(self) -> None:
        self._assembler = LineAssembler(service="tail", host=None)
        self._open: list[Line] = []
        self._blanks: list[Line] = []

    @property
    def open_lines(self) -> int:
        return len(self._open)

    def feed(self, line: Line) -> list[list[Line]]:
        """The records ``line`` completes (the record it closes, or itself when it is a JSON object)."""
        done = self._assembler.feed(line.text, _EPOCH)
        if not line.text.strip():
            if self._open:
                self._blanks.append(line)
            return []
        out: list[list[Line]] = []
        if self._open:
            if not done:  # it continues the open record
                self._open.extend(self._blanks)
                self._open.append(line)
                self._blanks = []
                return out
            out.append(self._open)
            self._open, self._blanks = [], []
            done = done[1:]
        if done:
            out.append([line])  # a JSON object: a record by itself
        else:
            self._open = [line]
        return out

    def flush(self) -> list[list[Line]]:
        """The open record, closed now."""
        self._assembler.flush(_EPOCH)
        out, self._open, self._blanks = ([self._open] if self._open else []), [], []
        return out


def record_id(host: str, line: Line) -> str:
    return f"{host[:100]}:{line.file_id}:{line.offset}"


def record_object(lines: list[Line], host: str) -> dict[str, Any]:
    """One record as the NDJSON object sent for it."""
    rid = record_id(host, lines[0])
    text = "\n".join(line.text for line in lines)
    if len(lines) == 1 and text.startswith("{"):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if isinstance(data, dict):
            return data if fields.read(data).record_id is not None else {**data, "record_id": rid}
    return {"message": text, "record_id": rid}


def retry_delay(attempt: int, status: int | None, retry_after: str | None, now: datetime) -> float | None:
    """Seconds to wait before try ``attempt + 1``, or None when the answer is final. ``status`` None is
    a connection error. 429 and 5xx (and 408) are retried, after ``Retry-After`` when sent (seconds or
    an HTTP date), else after 0.5 s doubled each try, at most 30 s."""
    if status is not None and status < 500 and status not in (408, 429):
        return None
    backoff = min(30.0, 0.5 * 2.0**attempt)
    if retry_after is None or status is None:
        return backoff
    value = retry_after.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return backoff
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - now).total_seconds()
    return min(max(seconds, 0.0), MAX_RETRY_SECONDS) if seconds == seconds else backoff


class ShipError(Exception):
    """Shipping stopped: the server refused a batch, or kept failing."""


@dataclass
class Totals:
    lines: int = 0
    records: int = 0
    accepted: int = 0
    duplicates: int = 0
    posts: int = 0
    retries: int = 0


@dataclass
class Sender:
    """Posts NDJSON batches with retries (``sleep`` injected)."""

    client: httpx.Client
    url: str
    service: str
    host: str | None
    token: str | None
    sleep: Callable[[float], None]
    clock: Callable[[], datetime]
    max_attempts: int = 8
    totals: Totals = field(default_factory=Totals)

    def send(self, records: list[dict[str, Any]]) -> None:
        """Post ``records``; halves a batch the server answers 413. Raises :class:`ShipError`."""
        body = b"".join(json.dumps(r, ensure_ascii=False).encode("utf-8") + b"\n" for r in records)
        response = self._post(body)
        if response.status_code == 413 and len(records) > 1:
            half = len(records) // 2
            self.send(records[:half])
            self.send(records[half:])
            return
        if response.status_code >= 400:
            raise ShipError(f"the server refused a batch: {response.status_code} {_detail(response)}")
        try:
            answer = response.json()
            accepted, duplicates = int(answer["accepted"]), int(answer["duplicates"])
        except (ValueError, KeyError, TypeError):
            raise ShipError(f"unexpected answer {response.status_code}: {response.text[:200]}") from None
        self.totals.posts += 1
        self.totals.accepted += accepted
        self.totals.duplicates += duplicates

    def _post(self, body: bytes) -> httpx.Response:
        params = {"service": self.service, **({"host": self.host} if self.host else {})}
        headers = {"Content-Type": "application/x-ndjson"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        attempt = 0
        while True:
            status: int | None
            try:
                response = self.client.post(self.url, params=params, content=body, headers=headers)
                status, retry_after, problem = response.status_code, response.headers.get("retry-after"), ""
            except httpx.TransportError as exc:
                status, retry_after, problem = None, None, f"{type(exc).__name__}: {exc}"
            delay = retry_delay(attempt, status, retry_after, self.clock())
            if delay is None:
                return response
            if attempt + 1 >= self.max_attempts:
                what = problem or f"{status} {_detail(response)}"
                raise ShipError(f"gave up after {attempt + 1} tries: {what}")
            self.totals.retries += 1
            self.sleep(delay)
            attempt += 1


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail is not None else response.text[:300]


class Shipper:
    """Follower, grouper and sender together: :meth:`step` is one poll (the loop is :func:`ship`)."""

    def __init__(
        self,
        follower: FileFollower,
        sender: Sender,
        *,
        host_tag: str,
        monotonic: Callable[[], float],
        batch_lines: int = 500,
        flush_seconds: float = FLUSH_SECONDS,
    ) -> None:
        self.follower, self.sender, self._host_tag, self._monotonic = follower, sender, host_tag, monotonic
        self._batch_lines, self._flush = batch_lines, flush_seconds
        self._grouper = RecordGrouper()
        self._batch: list[dict[str, Any]] = []
        self._batch_lines_now = self._batch_bytes = 0
        self._batch_start = 0
        self._since = monotonic()  # last data, or the oldest record waiting
        self._oldest: float | None = None

    @property
    def totals(self) -> Totals:
        return self.sender.totals

    def step(self, *, final: bool = False) -> None:
        lines = self.follower.poll(final=final)
        now = self._monotonic()
        if lines:
            self._since = now
        self.totals.lines += len(lines)
        for line in lines:
            for record in self._grouper.feed(line):
                self._add(record, now)
        quiet = self.follower.at_eof and now - self._since >= self._flush
        if final or quiet:
            for record in self._grouper.flush():
                self._add(record, now)
        waited = self._oldest is not None and now - self._oldest >= 5 * self._flush
        if self._batch and (final or quiet or waited):
            self._send()

    def finish(self) -> None:
        """Send what was read (the open record closed); a line still without its newline is not sent."""
        for record in self._grouper.flush():
            self._add(record, self._monotonic())
        if self._batch:
            self._send()

    def _add(self, record: list[Line], now: float) -> None:
        item = record_object(record, self._host_tag)
        if not self._batch:
            self._oldest, self._batch_start = now, record[0].offset
        self._batch.append(item)
        self._batch_lines_now += len(record)
        self._batch_bytes += sum(len(line.text) for line in record)
        self.totals.records += 1
        if self._batch_lines_now >= self._batch_lines or self._batch_bytes >= MAX_BATCH_BYTES:
            self._send()

    def _send(self) -> None:
        batch, self._batch = self._batch, []
        self._batch_lines_now = self._batch_bytes = 0
        self._oldest = None
        try:
            self.sender.send(batch)
        except ShipError as exc:
            where = f"{self.follower.path} from byte {self._batch_start}"
            raise ShipError(f"{exc}; the records of {where} on are not all confirmed") from None


def ship(
    shipper: Shipper,
    *,
    follow: bool,
    sleep: Callable[[float], None],
    on_progress: Callable[[int, int], None] | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> Totals:
    """Ship to the end of the file (or forever with ``follow``); the totals so far."""
    follower = shipper.follower
    try:
        while True:
            final = follower.at_eof and not follow
            shipper.step(final=final)
            if on_progress is not None:
                on_progress(follower.offset, follower.size())
            if final:
                return shipper.totals
            if follower.at_eof and follow:
                sleep(poll_seconds)
    finally:
        follower.close()


def run_cli(
    path: Path, service: str, follow: bool, url: str, token: str | None, host: str | None,
    batch_lines: int, from_start: bool, flush_seconds: float,
) -> int:  # fmt: skip
    """``holdoff tail``: ship, show progress (without ``--follow``) and a summary; the exit status."""
    import socket
    import time

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True, soft_wrap=True)
    tag = host or socket.gethostname()
    status = 0
    with httpx.Client(timeout=30.0) as client:
        sender = Sender(
            client, url.rstrip("/") + "/logs", service, tag, token, time.sleep, lambda: datetime.now(UTC)
        )
        follower = FileFollower(path, from_start=from_start)
        shipper = Shipper(follower, sender, host_tag=tag, monotonic=time.monotonic, batch_lines=batch_lines,
                          flush_seconds=flush_seconds)  # fmt: skip
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn())
        with Progress(*columns, console=console, disable=follow) as progress:
            task = progress.add_task(f"shipping {path.name}", total=None)
            try:
                try:
                    ship(shipper, follow=follow, sleep=time.sleep,
                         on_progress=lambda done, size: progress.update(task, completed=done, total=max(size, done)))  # fmt: skip
                except KeyboardInterrupt:
                    status = 130
                    shipper.finish()
            except ShipError as exc:
                console.print(f"holdoff: {exc}", markup=False, highlight=False)
                status = 1
    t = shipper.totals
    console.print(
        f"{t.lines} lines, {t.records} records sent in {t.posts} posts: {t.accepted} accepted, "
        f"{t.duplicates} duplicates (already stored), {t.retries} retries, "
        f"{follower.rotations} rotations, {follower.truncations} truncations",
        markup=False, highlight=False,
    )  # fmt: skip
    return status
