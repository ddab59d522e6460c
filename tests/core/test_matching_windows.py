"""Availability windows, overlap across zones and DST, time-difference phrases, reasons."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.i18n import translate
from core.matching import MenteeIn, MentorIn, Weights, overlap_hours, score_pair, time_difference
from core.matching.windows import local_mask, parse_windows
from core.model import Mode

WINTER = datetime(2026, 3, 2, 12, tzinfo=UTC)  # before both DST switches
GAP_WEEK = datetime(2026, 3, 16, 12, tzinfo=UTC)  # US on summer time (8 Mar), EU not (29 Mar)
SUMMER = datetime(2026, 4, 6, 12, tzinfo=UTC)


def hours(text: str) -> float | None:
    mask = local_mask(text)
    return None if mask is None else mask.bit_count() / 4


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("weekdays 9-12", 15),
        ("Mon,Wed 18:00-20:00", 4),
        ("mon wed 18:00-20:00", 4),
        ("weekends", 24),  # a day without hours means daytime, 9-21
        ("evenings", 28),
        ("mornings", 28),
        ("Tue, Thu 7-9am", 4),
        ("6-8pm", 14),
        ("Mon-Fri 12-14, Sat mornings", 14),
        ("22-2", 28),  # past midnight
        ("Monday 9:30-10:15", 0.75),
        ("weekdays lunch", 5),
        ("Tuesdays after 6pm", 4),  # open-ended: until the evening's end, 22:00
        ("weekdays before 10", 10),  # from 08:00
        ("after 6", 28),  # an early hour after "after" is the evening
        ("from 18:00", 28),
        ("from 9 to 12", 21),  # "from" with an end is a plain range
        ("Tue/Thu evenings", 8),
    ],
)
def test_windows_read_from_free_text(text: str, expected: float) -> None:
    assert hours(text) == expected


@pytest.mark.parametrize("text", ["", "whenever you like", "ask me"])
def test_no_time_in_the_text_is_unknown(text: str) -> None:
    assert parse_windows(text) is None
    assert overlap_hours(text, "UTC", "weekdays 9-17", "UTC", WINTER) is None


def test_days_take_the_next_time_and_a_new_day_starts_a_new_group() -> None:
    windows = parse_windows("Mon 9-10, Tue 18-19")
    assert windows == ((frozenset({0}), 540, 600), (frozenset({1}), 1080, 1140))


def test_overlap_new_york_london_changes_in_the_weeks_between_the_dst_switches() -> None:
    def office_overlap(at: datetime) -> float | None:
        return overlap_hours(
            "weekdays 9-17", "America/New_York", "weekdays 9-17", "Europe/London", at
        )

    assert office_overlap(WINTER) == 15  # 5 h apart: 3 shared hours a day
    assert office_overlap(GAP_WEEK) == 20  # 4 h apart: 4 a day
    assert office_overlap(SUMMER) == 15


def test_overlap_wraps_round_the_week() -> None:
    # Sunday 22-24 in New York is Monday 03-05 in London in winter
    assert overlap_hours("sun 22-24", "America/New_York", "mon 3-5", "Europe/London", WINTER) == 2


def test_time_difference_is_signed_and_true() -> None:
    december = datetime(2026, 12, 1, 12, tzinfo=UTC)
    assert english(time_difference("Asia/Tokyo", "America/New_York", december)) == (
        "Tokyo is 14 h ahead of New York"
    )
    assert english(time_difference("America/New_York", "Asia/Tokyo", december)) == (
        "New York is 14 h behind Tokyo"
    )
    assert english(time_difference("Asia/Kolkata", "Europe/London", december)) == (
        "Kolkata is 5 h 30 min ahead of London"
    )
    assert english(time_difference("Europe/London", "America/New_York", GAP_WEEK)) == (
        "London is 4 h ahead of New York"
    )
    assert english(time_difference("Europe/London", "America/New_York", WINTER)) == (
        "London is 5 h ahead of New York"
    )
    assert english(time_difference("Europe/Paris", "Europe/Paris", WINTER)) == "same time zone"
    assert english(time_difference("Europe/Paris", "Europe/Berlin", WINTER)) == (
        "Paris and Berlin keep the same time"
    )


def english(said: str) -> str:
    return translate(said, "en")


def _mentee(**kw: object) -> MenteeIn:
    base: dict[str, object] = dict(
        person_id=1, skills=("data engineering",), goals="", languages=("en",),
        timezone="Europe/London", mode=Mode.ASYNC, windows="",
    )  # fmt: skip
    base.update(kw)
    return MenteeIn(**base)  # type: ignore[arg-type]


def _mentor(**kw: object) -> MentorIn:
    base: dict[str, object] = dict(
        person_id=2, skills=("Data Engineering", "python"), goals="", languages=("EN",),
        timezone="Europe/London", mode=Mode.ASYNC, windows="", capacity=1,
    )  # fmt: skip
    base.update(kw)
    return MentorIn(**base)  # type: ignore[arg-type]


def test_reasons_are_short_plain_and_ordered_by_weight() -> None:
    scored = score_pair(
        _mentee(goals="grow into a staff engineer role"), _mentor(goals="staff engineer"),
        Weights(), WINTER,
    )  # fmt: skip
    # goals and mode weigh the same here (0.15 each, both full): the listing order decides
    assert tuple(map(english, scored.reasons)) == (
        "both interested in data engineering",
        "similar goals",
        "both prefer async",
    )
    assert 0 <= scored.score <= 1


def test_live_modes_need_shared_hours_async_does_not() -> None:
    calls = dict(mode=Mode.CALL, windows="weekdays 9-12")
    apart = score_pair(_mentee(**calls), _mentor(**calls, timezone="Asia/Tokyo"), Weights(), WINTER)
    close = score_pair(_mentee(**calls), _mentor(**calls), Weights(), WINTER)
    assert apart.overlap_hours == 0
    assert close.overlap_hours == 15
    assert close.score > apart.score
    assert "15 h a week when both are free" in map(english, close.reasons)
    both_async = dict(mode=Mode.ASYNC, windows="weekdays 9-12")
    far = score_pair(
        _mentee(**both_async), _mentor(**both_async, timezone="Asia/Tokyo"), Weights(), WINTER
    )
    near = score_pair(_mentee(**both_async), _mentor(**both_async), Weights(), WINTER)
    assert far.score == near.score


def test_scores_are_deterministic_and_in_range() -> None:
    first = score_pair(_mentee(), _mentor(), Weights(), WINTER)
    assert score_pair(_mentee(), _mentor(), Weights(), WINTER) == first
    nothing = score_pair(
        _mentee(skills=("rust",), mode=Mode.CALL, windows="mon 9-10"),
        _mentor(mode=Mode.ASYNC, windows="tue 9-10"),
        Weights(),
        WINTER,
    )
    assert 0 <= nothing.score < first.score <= 1
