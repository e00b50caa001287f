"""``holdoff detect``, ``holdoff train metrics`` and ``holdoff backtest`` from the command line."""

from __future__ import annotations

import json
import math
import random
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from typer.testing import CliRunner

from holdoff.cli import app
from holdoff.metrics.model import Sample
from holdoff.store import metric_samples, migrate
from holdoff.store.db import Database

THRESHOLD_CONFIG = """
policy: {grace_seconds: 300}
detectors:
  - name: cpu
    match: cpu_usage
    detectors: [{type: threshold, op: ">", value: 90}]
    resolve_after: 60s
  - name: all
    match: ""
    detectors: [{type: streaming, warmup_points: 30}]
"""


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOLDOFF_SERVER__DATA_DIR", str(tmp_path / "var"))
    (tmp_path / "var").mkdir()
    return tmp_path / "var"


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "holdoff.yaml"
    path.write_text(text)
    return path


def _store(data_dir: Path, samples: list[Sample]) -> None:
    db = Database(f"sqlite:///{data_dir / 'holdoff.db'}")
    try:
        migrate.upgrade(db)
        with db.transaction() as conn:
            metric_samples.store(conn, samples)
    finally:
        db.dispose()


def test_detect_prints_every_row_in_input_order_with_its_score(tmp_path: Path, data_dir: Path) -> None:
    config = _config(tmp_path, THRESHOLD_CONFIG)
    rows = tmp_path / "cpu.csv"
    rows.write_text(
        "timestamp,value\n"
        "2026-01-01T00:00:00Z,50\n"
        "1767225610,95.5\n"
        "2026-01-01 00:00:20,60\n"
        "2026-01-01T00:00:20Z,99\n"  # not after the last point: skipped, its score left empty
    )
    done = CliRunner().invoke(
        app, ["detect", str(rows), "--config", str(config), "--series", 'cpu_usage{host="a"}']
    )
    assert done.exit_code == 0, done.output
    assert done.output.splitlines() == [
        "timestamp,value,anomaly_score",
        "2026-01-01T00:00:00Z,50,0.0000",
        "1767225610,95.5,1.0000",
        "2026-01-01 00:00:20,60,0.0000",
        "2026-01-01T00:00:20Z,99,",
    ]


def test_detect_without_series_uses_the_entry_that_matches_everything_and_refuses_bad_rows(
    tmp_path: Path, data_dir: Path
) -> None:
    config = _config(tmp_path, THRESHOLD_CONFIG)
    rows = tmp_path / "x.csv"
    values = [10 + math.sin(i / 5) for i in range(60)] + [80.0]
    rows.write_text("".join(f"{1_700_000_000 + 60 * i},{v}\n" for i, v in enumerate(values)))
    done = CliRunner().invoke(app, ["detect", str(rows), "--config", str(config)])
    assert done.exit_code == 0, done.output
    lines = done.output.splitlines()[1:]
    assert len(lines) == len(values)
    scores = [float(line.split(",")[2]) for line in lines]
    assert scores[:30] == [0.0] * 30  # warming up
    assert scores[-1] >= 0.5  # the jump, once learned
    rows.write_text("1700000000,1\nnot-a-time,2\n")
    refused = CliRunner().invoke(app, ["detect", str(rows), "--config", str(config)])
    assert refused.exit_code == 2 and "line 2" in refused.output


def _cpu(start: datetime, values: list[float], host: str = "web-1") -> list[Sample]:
    return [
        Sample(name="cpu_usage", labels={"host": host}, timestamp=start + timedelta(minutes=i), value=v)
        for i, v in enumerate(values)
    ]


def test_backtest_counts_alerts_and_pages_a_blip_inside_the_grace_window_does_not_page(
    tmp_path: Path, data_dir: Path
) -> None:
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=3)
    values = [50.0] * 180
    values[30:32] = [99.0, 99.0]  # two minutes: resolved within the 5-minute grace
    values[100:120] = [99.0] * 20  # twenty minutes: escalates
    _store(data_dir, _cpu(start, values) + _cpu(start, [50.0] * 180, host="web-2"))
    config = _config(tmp_path, THRESHOLD_CONFIG)
    done = CliRunner().invoke(app, ["backtest", "--config", str(config), "--since", "4h", "--json"])
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert (report["series"], report["scored_series"], report["points"]) == (2, 2, 360)
    assert report["alerts"] == 2 and report["paged_alerts"] == 1
    blip, long = report["alert_list"]
    assert blip["series"] == long["series"] == 'cpu_usage{host="web-1"}'
    assert not blip["paged"] and long["paged"]
    paged_at = datetime.fromisoformat(long["first_page_at"])
    assert paged_at - datetime.fromisoformat(long["starts_at"]) == timedelta(minutes=5)
    assert report["pages_per_series"] == {'cpu_usage{host="web-1"}': report["pages"]}
    table = CliRunner().invoke(app, ["backtest", "--config", str(config), "--since", "4h"])
    assert table.exit_code == 0 and "2 alert(s), 1 paged" in table.output


def test_train_metrics_trains_each_series_with_enough_history_and_versions_it(
    tmp_path: Path, data_dir: Path
) -> None:
    rng = random.Random(5)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=4)
    _store(data_dir, _cpu(start, [50 + rng.gauss(0, 2) for _ in range(240)]))
    _store(data_dir, _cpu(start + timedelta(hours=3, minutes=30), [1.0] * 20, host="new"))
    config = _config(
        tmp_path,
        """
detectors:
  - name: cpu
    match: cpu_usage
    detectors: [{type: isolation_forest, min_history: 1h, trees: 20, min_points: 50}]
""",
    )
    runner = CliRunner()
    done = runner.invoke(app, ["train", "metrics", "--config", str(config)])
    assert done.exit_code == 0, done.output
    assert 'cpu/isolation_forest cpu_usage{host="web-1"}: v1 trained on' in done.output
    assert "(240 points)" in done.output
    assert 'cpu_usage{host="new"}: skipped' in done.output and "short" in done.output
    again = runner.invoke(app, ["train", "metrics", "--config", str(config), "--since", "2h"])
    assert "v2 trained" in again.output and "1 model(s) trained, 1 series skipped" in again.output
    assert len(list((data_dir / "models" / "metrics" / "cpu.isolation_forest").glob("*/v0002.npz"))) == 1


class _PrometheusStandIn:
    """``/api/v1/query_range`` answering one CPU series of the asked range at the asked step, with a
    spike between two times; records each query's parameters."""

    def __init__(self, spike: tuple[float, float]) -> None:
        self.spike = spike
        self.queries: list[dict[str, str]] = []
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                url = urlsplit(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                stand_in.queries.append(params)
                start, end = float(params["start"]), float(params["end"])
                step = float(params["step"].rstrip("s"))
                values = []
                t = start
                while t <= end:
                    high = stand_in.spike[0] <= t < stand_in.spike[1]
                    values.append([t, "97" if high else "40"])
                    t += step
                body = {
                    "status": "success",
                    "data": {
                        "resultType": "matrix",
                        "result": [{"metric": {"__name__": "cpu_usage", "host": "web-9"}, "values": values}],
                    },
                }
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> _PrometheusStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_backtest_reads_a_prometheus_range_in_pieces(tmp_path: Path, data_dir: Path) -> None:
    now = datetime.now(UTC).timestamp()
    config = _config(tmp_path, THRESHOLD_CONFIG)
    with _PrometheusStandIn(spike=(now - 3 * 3600, now - 2 * 3600)) as prometheus:
        done = CliRunner().invoke(
            app,
            [
                *("backtest", "--config", str(config), "--since", "10d", "--step", "1m", "--json"),
                *("--prometheus", prometheus.url, "--query", "cpu_usage"),
            ],
        )
    assert done.exit_code == 0, done.output
    report = json.loads(done.output)
    assert report["series"] == 1 and report["alerts"] == 1 and report["paged_alerts"] == 1
    assert report["alert_list"][0]["series"] == 'cpu_usage{host="web-9"}'
    assert len(prometheus.queries) == 2  # 14,400 steps asked as 10,999 and the rest
    assert all(q["query"] == "cpu_usage" and q["step"] == "60s" for q in prometheus.queries)


def test_backtest_says_what_is_missing_or_failing(tmp_path: Path, data_dir: Path) -> None:
    config = _config(tmp_path, THRESHOLD_CONFIG)
    runner = CliRunner()
    no_query = runner.invoke(app, ["backtest", "--config", str(config), "--prometheus", "http://127.0.0.1:9"])
    assert no_query.exit_code == 2 and "needs at least one --query" in no_query.output
    down = runner.invoke(
        app, ["backtest", "--config", str(config), "--prometheus", "http://127.0.0.1:9", "--query", "up"]
    )
    assert down.exit_code == 1 and "could not connect" in down.output
