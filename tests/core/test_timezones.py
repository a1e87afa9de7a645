"""Deadlines: entered and shown in Europe/Rome, stored as UTC, right across DST changes."""
from datetime import UTC, datetime

import pytest

from alliance.core.timezones import NonexistentLocalTime, rome_to_utc, utc_to_rome


@pytest.mark.parametrize(
    ("local", "expected_utc"),
    [
        (datetime(2026, 1, 15, 12, 0), datetime(2026, 1, 15, 11, 0, tzinfo=UTC)),  # CET
        (datetime(2026, 7, 15, 12, 0), datetime(2026, 7, 15, 10, 0, tzinfo=UTC)),  # CEST
        (datetime(2026, 3, 29, 1, 59), datetime(2026, 3, 29, 0, 59, tzinfo=UTC)),  # before the jump
        (datetime(2026, 3, 29, 3, 0), datetime(2026, 3, 29, 1, 0, tzinfo=UTC)),  # after the jump
        (datetime(2026, 10, 25, 12, 0), datetime(2026, 10, 25, 11, 0, tzinfo=UTC)),  # back to CET
    ],
)
def test_rome_to_utc_across_daylight_saving(local, expected_utc):
    assert rome_to_utc(local) == expected_utc


def test_rome_to_utc_nonexistent_spring_time_refused():
    with pytest.raises(NonexistentLocalTime):
        rome_to_utc(datetime(2026, 3, 29, 2, 30))


def test_rome_to_utc_ambiguous_autumn_time_takes_summer_time():
    assert rome_to_utc(datetime(2026, 10, 25, 2, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_utc_to_rome_round_trip():
    instant = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 02:30 CET, the second one
    local = utc_to_rome(instant)
    assert (local.hour, local.minute, local.utcoffset().total_seconds()) == (2, 30, 3600)
