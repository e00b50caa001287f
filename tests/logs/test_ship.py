"""``holdoff tail``'s core without a server: lines and offsets, rotation and truncation, records kept
whole across batches, record ids, retries and what a refusal says (the network is a mock transport)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from holdoff.logs.ship import (
    FileFollower,
    Line,
    RecordGrouper,
    Sender,
    ShipError,
    Shipper,
    file_change,
    record_object,
    retry_delay,
    ship,
    split_lines,
)

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
TRACE = [
    "2026-03-01 09:00:00,000 ERROR job failed",
    "Traceback (most recent call last):",
    '  File "job.py", line 3, in run',
    "",
    "    step()",
    "ValueError: bad input",
]


def texts(lines: list[Line]) -> list[str]:
    return [line.text for line in lines]


def test_split_lines_gives_byte_offsets_and_keeps_a_partial_line() -> None:
    data = "a\r\nbé\n\npartial".encode()
    lines, used = split_lines(data, 100, "f")
    assert [(line.offset, line.text) for line in lines] == [(100, "a"), (103, "bé"), (107, "")]
    assert used == 8
    assert data[used:] == b"partial"


def test_file_change() -> None:
    stat = os.stat_result((0o644, 7, 0, 1, 0, 0, 50, 0, 0, 0))  # st_ino 7, st_size 50
    assert file_change(7, 50, stat) == "same"
    assert file_change(7, 51, stat) == "truncated"
    assert file_change(8, 10, stat) == "rotated"
    assert file_change(7, 0, None) == "missing"


def test_a_partial_line_waits_for_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_bytes(b"one\ntw")
    follower = FileFollower(path)
    assert texts(follower.poll()) == ["one"]
    assert follower.poll() == []
    with path.open("ab") as handle:
        handle.write(b"o\nthree")
    assert [(line.offset, line.text) for line in follower.poll()] == [(4, "two")]
    assert [(line.offset, line.text) for line in follower.poll(final=True)] == [(8, "three")]
    follower.close()


def test_from_end_ships_only_what_is_appended(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("old 1\nold 2\n")
    follower = FileFollower(path, from_start=False)
    assert follower.poll() == []
    with path.open("a") as handle:
        handle.write("new\n")
    assert [(line.offset, line.text) for line in follower.poll()] == [(12, "new")]
    follower.close()


def test_rotation_reads_the_old_file_to_its_end_then_the_new_one_from_its_start(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("first\n")
    follower = FileFollower(path)
    (first,) = follower.poll()
    with path.open("a") as handle:
        handle.write("last words\nno newline")
    path.rename(tmp_path / "app.log.1")
    path.write_text("fresh 1\nfresh 2\n")
    lines = follower.poll()
    assert texts(lines) == ["last words", "no newline", "fresh 1", "fresh 2"]
    assert [line.offset for line in lines] == [6, 17, 0, 8]
    assert lines[1].file_id == first.file_id != lines[2].file_id
    assert follower.rotations == 1
    follower.close()


def test_truncation_reads_again_from_the_start_with_another_file_id(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("2026-03-01 09:00:00 first line\nsecond\n")
    follower = FileFollower(path)
    before = follower.poll()
    with path.open("r+") as handle:  # logrotate's copytruncate, then the writer goes on
        handle.truncate(0)
    assert follower.poll() == []
    path.write_text("2026-03-01 10:00:00 new\n")
    after = follower.poll()
    assert [(line.offset, line.text) for line in after] == [(0, "2026-03-01 10:00:00 new")]
    assert follower.truncations == 1
    assert after[0].file_id.split(".")[0] == before[0].file_id.split(".")[0]  # the same inode
    assert after[0].file_id != before[0].file_id  # but not the same ids: nothing taken for a duplicate
    follower.close()


def test_a_missing_file_is_waited_for(tmp_path: Path) -> None:
    path = tmp_path / "late.log"
    follower = FileFollower(path, from_start=False)
    assert follower.poll() == []
    path.write_text("here\n")
    assert texts(follower.poll()) == ["here"]  # a file that appears later is read from its start
    follower.close()


def lines_of(rows: list[str]) -> list[Line]:
    out, offset = [], 0
    for row in rows:
        out.append(Line(offset, row, "9.abc"))
        offset += len(row.encode()) + 1
    return out


def test_the_grouper_keeps_a_trace_whole_and_a_json_line_alone() -> None:
    grouper = RecordGrouper()
    rows = [*TRACE, "", '{"msg": "json", "level": "info"}', "2026-03-01 09:00:01,000 INFO next"]
    done = [group for line in lines_of(rows) for group in grouper.feed(line)]
    assert [texts(group) for group in done] == [TRACE, ['{"msg": "json", "level": "info"}']]
    assert grouper.open_lines == 1
    (last,) = grouper.flush()
    assert texts(last) == ["2026-03-01 09:00:01,000 INFO next"]
    assert grouper.flush() == []


def test_record_objects_carry_the_raw_record_and_an_id() -> None:
    trace = lines_of(TRACE)
    assert record_object(trace, "web-1") == {"message": "\n".join(TRACE), "record_id": "web-1:9.abc:0"}
    (json_line,) = lines_of(['{"msg": "x"}'])
    assert record_object([json_line], "h") == {"msg": "x", "record_id": "h:9.abc:0"}
    (own_id,) = lines_of(['{"msg": "x", "id": "evt-1"}'])
    assert record_object([own_id], "h") == {"msg": "x", "id": "evt-1"}
    (not_json,) = lines_of(["{not json"])
    assert record_object([not_json], "h")["message"] == "{not json"


@pytest.mark.parametrize(
    ("attempt", "status", "retry_after", "delay"),
    [
        (0, None, None, 0.5), (3, None, None, 4.0), (10, 503, None, 30.0), (0, 429, "7", 7.0),
        (0, 429, "Sun, 01 Mar 2026 09:00:20 GMT", 20.0), (0, 503, "0", 0.0), (0, 429, "soon", 0.5),
        (0, 429, "99999", 300.0), (0, 408, None, 0.5), (0, 400, "5", None), (0, 401, None, None),
        (0, 413, None, None), (0, 202, None, None),
    ],
)  # fmt: skip
def test_retry_delay(attempt: int, status: int | None, retry_after: str | None, delay: float | None) -> None:
    assert retry_delay(attempt, status, retry_after, NOW) == delay


class Server:
    """A mock transport: answers from a script, then 202 with what it was sent."""

    def __init__(self, *script: Callable[[httpx.Request], httpx.Response]) -> None:
        self.script = list(script)
        self.bodies: list[list[dict[str, Any]]] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.script:
            return self.script.pop(0)(request)
        records = [json.loads(row) for row in request.content.decode().splitlines()]
        self.bodies.append(records)
        return httpx.Response(202, json={"accepted": len(records), "templates_new": 0, "duplicates": 0})


def answer(status: int, **headers: str) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, headers=headers, json={"detail": f"said {status}"})


def refuse_connection(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def make(
    path: Path, server: Server, clock: Clock, batch_lines: int = 500, token: str | None = "tok"
) -> Shipper:
    client = httpx.Client(transport=httpx.MockTransport(server), base_url="http://holdoff.test")
    sender = Sender(client, "/logs", "worker", "w1", token, clock.sleep, lambda: NOW, max_attempts=4)
    return Shipper(
        FileFollower(path), sender, host_tag="w1", monotonic=lambda: clock.now, batch_lines=batch_lines
    )


def test_batches_end_at_record_ends_and_carry_service_host_and_token(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    rows = (
        [f"2026-03-01 09:00:0{n},000 INFO line {n}" for n in range(3)]
        + TRACE
        + ["2026-03-01 09:01:00 INFO end"]
    )
    path.write_text("\n".join(rows) + "\n")
    server, clock = Server(), Clock()
    totals = ship(make(path, server, clock, batch_lines=4), follow=False, sleep=clock.sleep)
    sent = [[record["message"] for record in body] for body in server.bodies]
    assert sent == [[*rows[:3], "\n".join(TRACE)], [rows[-1]]]  # 9 lines in a 4-line batch: never cut
    request = server.requests[0]
    assert request.headers["content-type"] == "application/x-ndjson"
    assert request.headers["authorization"] == "Bearer tok"
    assert dict(request.url.params) == {"service": "worker", "host": "w1"}
    assert (totals.lines, totals.records, totals.posts, totals.accepted) == (10, 5, 2, 5)


def test_follow_sends_a_trace_only_after_the_quiet_period(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("\n".join(TRACE[:3]) + "\n")
    server, clock = Server(), Clock()
    shipper = make(path, server, clock)
    shipper.step()
    clock.now += 0.5
    with path.open("a") as handle:
        handle.write("\n".join(TRACE[3:]) + "\n2026-03-01 09:00:05,000 INFO partial li")
    shipper.step()
    clock.now += 0.9
    shipper.step()
    assert server.bodies == []  # no line after it yet, and not quiet for a second: it may go on
    clock.now += 0.1
    shipper.step()
    assert [[r["message"] for r in body] for body in server.bodies] == [["\n".join(TRACE)]]
    clock.now += 1.0
    shipper.step()
    assert len(server.bodies) == 1  # the partial line waits for its newline, however quiet
    with path.open("a") as handle:
        handle.write("ne\n")
    shipper.step()
    clock.now += 1.0
    shipper.step()
    assert server.bodies[1][0]["message"] == "2026-03-01 09:00:05,000 INFO partial line"


def test_429_and_500_are_retried_honouring_retry_after(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("one\ntwo\n")
    server, clock = Server(answer(429, **{"Retry-After": "3"}), answer(500), refuse_connection), Clock()
    totals = ship(make(path, server, clock), follow=False, sleep=clock.sleep)
    assert clock.slept == [3.0, 1.0, 2.0]  # Retry-After, then backoff by attempt
    assert [r["message"] for r in server.bodies[0]] == ["one", "two"]
    assert len({request.content for request in server.requests}) == 1  # the same body each time
    assert (totals.retries, totals.posts, totals.accepted) == (3, 1, 2)


def test_a_4xx_is_an_error_that_says_what_the_server_said(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("one\n")
    server, clock = Server(answer(401)), Clock()
    with pytest.raises(ShipError, match=r"refused a batch: 401 said 401; .*app.log from byte 0"):
        ship(make(path, server, clock), follow=False, sleep=clock.sleep)
    assert clock.slept == []


def test_giving_up_says_so_after_the_last_try(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("one\n")
    server, clock = Server(*[refuse_connection] * 4), Clock()
    with pytest.raises(ShipError, match="gave up after 4 tries: ConnectError: connection refused"):
        ship(make(path, server, clock), follow=False, sleep=clock.sleep)
    assert len(clock.slept) == 3


def test_a_batch_over_the_body_limit_is_halved(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("".join(f"line {n}\n" for n in range(4)))
    server, clock = Server(answer(413), answer(413)), Clock()
    ship(make(path, server, clock), follow=False, sleep=clock.sleep)
    assert [[r["message"] for r in body] for body in server.bodies] == [
        ["line 0"],
        ["line 1"],
        ["line 2", "line 3"],
    ]


def test_one_record_over_the_body_limit_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("one\n")
    with pytest.raises(ShipError, match="413"):
        ship(make(path, Server(answer(413)), Clock()), follow=False, sleep=Clock().sleep)


def test_a_busy_file_still_sends_complete_records_after_five_flush_intervals(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("")
    server, clock = Server(), Clock()
    shipper = make(path, server, clock)
    for n in range(8):  # a line every 0.9 s: never quiet for the 1 s flush interval
        with path.open("a") as handle:
            handle.write(f"line {n}\n")
        shipper.step()
        if n == 6:
            assert server.bodies == []  # "line 0" waited 4.5 s of the 5
        clock.now += 0.9
    assert [[r["message"] for r in body] for body in server.bodies] == [[f"line {n}" for n in range(7)]]
    assert shipper.totals.records == 7  # "line 7" is still open: the next line may continue it
