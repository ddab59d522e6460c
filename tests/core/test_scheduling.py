"""The time policy: DST in both hemispheres, quiet hours, stable jitter, periods."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.scheduling import (
    Period,
    in_quiet_hours,
    jitter_for,
    local_occurrence,
    next_allowed,
    period_index,
    periods,
    resolve_wall_time,
)

NO_JITTER = timedelta(0)


def at(tz: str, day: date, clock: time, *, quiet: tuple[int, int] = (0, 0)) -> datetime:
    return local_occurrence(
        tz,
        day,
        clock,
        quiet_start=quiet[0],
        quiet_end=quiet[1],
        jitter_key="k",
        jitter_max=NO_JITTER,
    )


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


# --- DST -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "day", "wall", "expected"),
    [
        # Berlin springs forward 2026-03-29 02:00 CET -> 03:00 CEST (01:00 UTC).
        ("Europe/Berlin", date(2026, 3, 29), time(2, 30), utc(2026, 3, 29, 1, 0)),
        ("Europe/Berlin", date(2026, 3, 29), time(2, 0), utc(2026, 3, 29, 1, 0)),
        ("Europe/Berlin", date(2026, 3, 29), time(3, 0), utc(2026, 3, 29, 1, 0)),
        ("Europe/Berlin", date(2026, 3, 29), time(1, 59), utc(2026, 3, 29, 0, 59)),
        # New York springs forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC).
        ("America/New_York", date(2026, 3, 8), time(2, 15), utc(2026, 3, 8, 7, 0)),
        # Sydney springs forward 2026-10-04 02:00 AEST -> 03:00 AEDT (2026-10-03 16:00 UTC).
        ("Australia/Sydney", date(2026, 10, 4), time(2, 45), utc(2026, 10, 3, 16, 0)),
        # Lord Howe's gap is 30 minutes: 02:00 -> 02:30 (+10:30 -> +11), 2026-10-04.
        ("Australia/Lord_Howe", date(2026, 10, 4), time(2, 10), utc(2026, 10, 3, 15, 30)),
    ],
)
def test_a_time_skipped_by_spring_forward_moves_to_the_first_valid_instant(
    tz: str, day: date, wall: time, expected: datetime
) -> None:
    result = at(tz, day, wall)
    assert result == expected
    assert result.tzinfo is UTC
    local = result.astimezone(ZoneInfo(tz))
    assert local.date() == day and local.time() >= wall  # later the same morning, never earlier


@pytest.mark.parametrize(
    ("tz", "day", "wall", "expected"),
    [
        # Berlin falls back 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 happens twice.
        ("Europe/Berlin", date(2026, 10, 25), time(2, 30), utc(2026, 10, 25, 0, 30)),
        # New York falls back 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 happens twice.
        ("America/New_York", date(2026, 11, 1), time(1, 30), utc(2026, 11, 1, 5, 30)),
        # Sydney falls back 2026-04-05 03:00 AEDT -> 02:00 AEST: 02:30 happens twice.
        ("Australia/Sydney", date(2026, 4, 5), time(2, 30), utc(2026, 4, 4, 15, 30)),
    ],
)
def test_a_time_that_happens_twice_at_fall_back_takes_the_first(
    tz: str, day: date, wall: time, expected: datetime
) -> None:
    result = at(tz, day, wall)
    assert result == expected
    second = datetime.combine(day, wall, tzinfo=ZoneInfo(tz)).replace(fold=1).astimezone(UTC)
    assert second - result == timedelta(hours=1)


@pytest.mark.parametrize("tz", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_nine_am_stays_nine_am_local_across_the_whole_year(tz: str) -> None:
    zone = ZoneInfo(tz)
    offsets = set()
    for week in range(53):
        day = date(2026, 1, 5) + timedelta(weeks=week)
        moment = at(tz, day, time(9, 0))
        assert moment.astimezone(zone).time() == time(9, 0)
        offsets.add(moment.astimezone(zone).utcoffset())
    assert len(offsets) == 2  # the UTC instant moved with DST; the local time did not


def test_resolve_wall_time_in_a_zone_without_dst() -> None:
    assert resolve_wall_time(ZoneInfo("Asia/Kolkata"), date(2026, 3, 29), time(9)) == utc(
        2026, 3, 29, 3, 30
    )


# --- quiet hours -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("local", "start", "end", "quiet"),
    [
        (time(20, 59), 21, 8, False),
        (time(21, 0), 21, 8, True),
        (time(23, 59), 21, 8, True),
        (time(0, 0), 21, 8, True),
        (time(7, 59), 21, 8, True),
        (time(8, 0), 21, 8, False),
        (time(12, 0), 12, 14, True),  # a window that does not wrap
        (time(14, 0), 12, 14, False),
        (time(11, 59), 12, 14, False),
        (time(3, 0), 8, 8, False),  # start == end: no quiet hours
    ],
)
def test_quiet_window(local: time, start: int, end: int, quiet: bool) -> None:
    assert in_quiet_hours(local, start, end) is quiet


def test_an_evening_time_in_quiet_hours_moves_to_the_next_morning() -> None:
    result = at("Europe/Berlin", date(2026, 6, 10), time(22, 30), quiet=(21, 8))
    assert result.astimezone(ZoneInfo("Europe/Berlin")) == datetime(
        2026, 6, 11, 8, 0, tzinfo=ZoneInfo("Europe/Berlin")
    )


def test_an_early_morning_time_in_quiet_hours_moves_to_the_same_morning() -> None:
    result = at("America/New_York", date(2026, 6, 10), time(4, 0), quiet=(21, 8))
    assert result == utc(2026, 6, 10, 12, 0)  # 08:00 EDT


def test_a_midday_quiet_window_moves_to_its_end_the_same_day() -> None:
    result = at("Europe/Berlin", date(2026, 1, 10), time(12, 30), quiet=(12, 14))
    assert result == utc(2026, 1, 10, 13, 0)  # 14:00 CET


def test_quiet_hours_and_dst_together() -> None:
    # 02:30 on spring-forward night is both nonexistent and quiet: it lands at 08:00 CEST.
    result = at("Europe/Berlin", date(2026, 3, 29), time(2, 30), quiet=(21, 8))
    assert result == utc(2026, 3, 29, 6, 0)


def test_next_allowed_leaves_an_allowed_time_alone() -> None:
    moment = utc(2026, 6, 10, 12, 0)
    assert next_allowed(moment, "Europe/Berlin", quiet_start=21, quiet_end=8) == moment
    late = utc(2026, 6, 10, 21, 30)  # 23:30 in Berlin
    assert next_allowed(late, "Europe/Berlin", quiet_start=21, quiet_end=8) == utc(
        2026, 6, 11, 6, 0
    )


# --- jitter ----------------------------------------------------------------------------------


def test_jitter_is_stable_bounded_and_spread() -> None:
    limit = timedelta(minutes=10)
    values = [jitter_for(f"pair:{i}:checkin", limit) for i in range(2000)]
    assert all(timedelta(0) <= v < limit for v in values)
    assert values == [jitter_for(f"pair:{i}:checkin", limit) for i in range(2000)]
    assert len(set(values)) > 400  # spread over the window, not a handful of instants
    minutes = {int(v.total_seconds() // 60) for v in values}
    assert minutes == set(range(10))
    assert jitter_for("x", timedelta(0)) == timedelta(0)


def test_jittered_occurrence_is_stable_and_within_bounds() -> None:
    base = at("Europe/Berlin", date(2026, 6, 10), time(9, 0))

    def occurrence() -> datetime:
        return local_occurrence(
            "Europe/Berlin",
            date(2026, 6, 10),
            time(9),
            quiet_start=21,
            quiet_end=8,
            jitter_key="pair:7",
            jitter_max=timedelta(minutes=15),
        )

    first, again = occurrence(), occurrence()
    assert first == again
    assert base <= first < base + timedelta(minutes=15)


def test_jitter_never_pushes_a_nudge_into_quiet_hours() -> None:
    zone = ZoneInfo("Europe/Berlin")
    for i in range(200):
        moment = local_occurrence(
            "Europe/Berlin",
            date(2026, 6, 10),
            time(20, 55),
            quiet_start=21,
            quiet_end=8,
            jitter_key=f"pair:{i}",
            jitter_max=timedelta(minutes=30),
        )
        assert not in_quiet_hours(moment.astimezone(zone), 21, 8)
        assert abs(moment - utc(2026, 6, 10, 18, 55)) < timedelta(minutes=30)


# --- periods ---------------------------------------------------------------------------------


def test_periods_cover_the_agreement_and_cut_the_last_one() -> None:
    assert periods(date(2026, 3, 2), 14, date(2026, 3, 30)) == [
        Period(1, date(2026, 3, 2), date(2026, 3, 16)),
        Period(2, date(2026, 3, 16), date(2026, 3, 30)),
    ]
    cut = periods(date(2026, 3, 2), 7, date(2026, 3, 12))
    assert [p.closes for p in cut] == [date(2026, 3, 9), date(2026, 3, 12)]
    assert periods(date(2026, 3, 2), 7, date(2026, 3, 2)) == []
    with pytest.raises(ValueError, match="cadence"):
        periods(date(2026, 3, 2), 0, date(2026, 4, 2))


def test_period_index() -> None:
    start = date(2026, 3, 2)
    assert period_index(start, 14, date(2026, 3, 1)) == 0
    assert period_index(start, 14, start) == 1
    assert period_index(start, 14, date(2026, 3, 15)) == 1
    assert period_index(start, 14, date(2026, 3, 16)) == 2
