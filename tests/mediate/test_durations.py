from datetime import timedelta

import pytest

from holdoff.mediate.durations import humanize


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (-5, "0s"),
        (42, "42s"),
        (192, "3m 12s"),
        (600, "10m"),
        (3600, "1h"),
        (3725, "1h 2m"),
        (90061, "1d 1h"),
    ],
)
def test_humanize_shows_at_most_two_units(seconds: int, text: str) -> None:
    assert humanize(timedelta(seconds=seconds)) == text
