"""The ``metrics:`` section: the example in its docstring loads as written, and what is wrong is said."""

from __future__ import annotations

import re
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

import holdoff.metrics.config as metrics_config
from holdoff.metrics.pull.cloudwatch import CloudWatchPullConfig
from holdoff.metrics.pull.prometheus import PrometheusPullConfig
from holdoff.settings.file import ConfigError
from holdoff.settings.loading import load_settings


def example() -> str:
    blocks = re.findall(r"```yaml\n(.*?)```", metrics_config.__doc__ or "", re.S)
    assert len(blocks) == 1
    return str(blocks[0])


def load(text: str, tmp_path: Path) -> metrics_config.MetricsSection:
    config = tmp_path / "holdoff.yaml"
    config.write_text(text, encoding="utf-8")
    return load_settings(config_file=config).metrics


def test_the_docstring_example_loads_as_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMETHEUS_RW_TOKEN", "prometheus-rw-token-0123456789")
    metrics = load(example(), tmp_path)
    assert metrics.senders["prometheus"].token.get_secret_value() == "prometheus-rw-token-0123456789"
    assert metrics.retention.days == 15 and metrics.retention.max_series == 50_000
    prometheus, cloudwatch = metrics.pulls
    assert isinstance(prometheus, PrometheusPullConfig)
    assert prometheus.url == "http://prometheus:9090" and prometheus.step == timedelta(minutes=1)
    assert [q.name for q in prometheus.queries] == [None, "http_requests_rate"]
    assert prometheus.queries[0].expr.startswith("avg by (instance)")
    assert isinstance(cloudwatch, CloudWatchPullConfig)
    assert cloudwatch.tags == {"aiops": "enabled"} and cloudwatch.period == timedelta(minutes=5)
    assert cloudwatch.series_name == "aws_ec2_cpuutilization_average"


def test_defaults_keep_fifteen_days_and_pull_nothing(tmp_path: Path) -> None:
    metrics = load("server: {port: 8080}\n", tmp_path)
    assert metrics.retention.days == 15 and metrics.pulls == [] and not metrics.open


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("metrics:\n  pulls:\n    - {type: graphite, url: 'http://g'}\n", "graphite"),
        ("metrics:\n  pulls:\n    - {type: prometheus, url: 'ftp://p', queries: [up]}\n", "http://"),
        ("metrics:\n  pulls:\n    - {type: prometheus, url: 'http://p', queries: []}\n", "queries"),
        (
            "metrics:\n  pulls:\n    - {type: prometheus, url: 'http://p', queries: [up]}\n"
            "    - {type: prometheus, url: 'http://q', queries: [up]}\n",
            "two pulls are named 'prometheus'",
        ),
        ("metrics:\n  pulls:\n    - {type: cloudwatch, region: eu-west-1, period: 90s}\n", "multiple of 60"),
        ("metrics:\n  senders:\n    p: {token: short}\n", "shorter than 16"),
        ("metrics:\n  retention: {days: 0}\n", "days"),
    ],
)
def test_what_is_wrong_is_said(text: str, said: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load(text, tmp_path)
    assert said in str(caught.value)


ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "metrics-input.md"


def doc_blocks(prefix: str) -> list[str]:
    return [
        block
        for block in re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
        if block.startswith(prefix)
    ]


def test_every_metrics_example_in_the_docs_loads_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("PROMETHEUS_RW_TOKEN", "BATCH_METRICS_TOKEN", "PROMETHEUS_TOKEN"):
        monkeypatch.setenv(name, f"{name.lower()}-0123456789")
    blocks = doc_blocks("metrics:")
    assert len(blocks) == 3
    senders, prometheus, cloudwatch = (load(block, tmp_path) for block in blocks)
    assert sorted(senders.senders) == ["batch-jobs", "prometheus"] and senders.retention.max_series == 100_000
    (pull,) = prometheus.pulls
    assert isinstance(pull, PrometheusPullConfig) and pull.name == "node-cpu" and pull.auth is not None
    (ec2,) = cloudwatch.pulls
    assert isinstance(ec2, CloudWatchPullConfig) and ec2.settle == timedelta(minutes=2)
    assert ec2.role_arn == "arn:aws:iam::123456789012:role/holdoff-metrics"


def test_the_remote_write_snippet_is_a_valid_prometheus_config(tmp_path: Path) -> None:
    (block,) = doc_blocks("remote_write:")
    token = tmp_path / "holdoff-token"
    token.write_text("remote-write-token-0123456789\n", encoding="utf-8")
    config = tmp_path / "prometheus.yml"
    config.write_text(block.replace("/etc/prometheus/holdoff-token", str(token)), encoding="utf-8")
    checked = subprocess.run(
        ["/usr/bin/promtool", "check", "config", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_example_in_configuration_md_loads_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMETHEUS_RW_TOKEN", "prometheus-rw-token-0123456789")
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```yaml\n(.*?)```", text, re.S) if b.startswith("metrics:")]
    metrics = load(block, tmp_path)
    (pull,) = metrics.pulls
    assert isinstance(pull, CloudWatchPullConfig) and pull.tags == {"aiops": "enabled"}
    assert sorted(metrics.senders) == ["prometheus"] and metrics.retention.days == 15
