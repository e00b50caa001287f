"""The metrics-detect benchmark's parts run on a small fleet (the figures are bench/README.md's)."""

from __future__ import annotations

from pathlib import Path

from bench import metrics_detect


def test_the_fleet_goes_through_the_shell_and_its_states_are_stored(tmp_path: Path) -> None:
    stored = metrics_detect.fleet(50, 2, detect=False, folder=tmp_path)
    detected = metrics_detect.fleet(50, 2, detect=True, folder=tmp_path)
    assert stored["points"] == detected["points"] == 100
    assert stored["states"] == 0 and detected["states"] == 50
    assert detected["state_bytes_per_series"] > 0 and detected["points_per_second"] > 0


def test_the_speed_figures_are_measured_beside_the_reference() -> None:
    figures = metrics_detect.speed(2_000)
    assert set(figures) == {"score_many", "reference", "score"}
    assert all(value > 0 for value in figures.values())
