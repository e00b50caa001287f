"""The metrics-ingest benchmark's parts on a small fleet (the figures are bench/README.md's)."""

from __future__ import annotations

from pathlib import Path

from bench import metrics_ingest
from holdoff.metrics.remote_write import decode


def test_the_bodies_are_remote_write_bodies_of_the_fleet() -> None:
    bodies = metrics_ingest.bodies(1_200, 0)
    assert len(bodies) == 3
    assert sum(len(decode(body).samples) for body in bodies) == 1_200


def test_the_figures_are_measured_beside_their_references(tmp_path: Path) -> None:
    decoded = metrics_ingest.decoding(600, 1)
    stored = metrics_ingest.storing(600, 2, tmp_path)
    assert set(decoded) == {"decode_per_s", "protobuf_per_s"} and set(stored) == {"store_per_s", "bare_per_s"}
    assert all(value > 0 for value in (*decoded.values(), *stored.values()))
