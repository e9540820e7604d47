"""Kickoff times with explicit expected lists: range ends, descriptors, rates, offsets, zones, DST, limits."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from reconciler.backfill.schedule import go_duration, iso_duration, iter_kickoffs, kickoff_times
from reconciler.errors import PlanError

UTC = dt.UTC


def t(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def test_daily_cron_over_a_month_from_inclusive_to_exclusive() -> None:
    got = kickoff_times({"cron": "0 0 * * *"}, t(2024, 2, 1), t(2024, 3, 1))
    assert got == [
        t(2024, 2, 1), t(2024, 2, 2), t(2024, 2, 3), t(2024, 2, 4), t(2024, 2, 5), t(2024, 2, 6), t(2024, 2, 7),
        t(2024, 2, 8), t(2024, 2, 9), t(2024, 2, 10), t(2024, 2, 11), t(2024, 2, 12), t(2024, 2, 13),
        t(2024, 2, 14), t(2024, 2, 15), t(2024, 2, 16), t(2024, 2, 17), t(2024, 2, 18), t(2024, 2, 19),
        t(2024, 2, 20), t(2024, 2, 21), t(2024, 2, 22), t(2024, 2, 23), t(2024, 2, 24), t(2024, 2, 25),
        t(2024, 2, 26), t(2024, 2, 27), t(2024, 2, 28), t(2024, 2, 29),
    ]  # 2024-02-01 (== from) is in; 2024-03-01 (== to) is out


def test_range_ends_for_a_cron_with_a_time_of_day() -> None:
    # flytekit would give only 01-02 and 01-03 here (both ends exclusive).
    assert kickoff_times({"cron": "0 6 * * *"}, t(2023, 1, 1, 6), t(2023, 1, 4, 6)) == [
        t(2023, 1, 1, 6), t(2023, 1, 2, 6), t(2023, 1, 3, 6)]
    assert kickoff_times({"cron": "0 6 * * *"}, t(2023, 1, 1, 6, 0, 1), t(2023, 1, 4, 6, 0, 1)) == [
        t(2023, 1, 2, 6), t(2023, 1, 3, 6), t(2023, 1, 4, 6)]
    # A `from` with microseconds must not let the minute it falls in sneak in.
    assert kickoff_times({"cron": "0 * * * *"}, dt.datetime(2024, 1, 1, 0, 0, 0, 500000, tzinfo=UTC),
                         t(2024, 1, 1, 2)) == [t(2024, 1, 1, 1)]


def test_hourly_cron_and_descriptor() -> None:
    expected = [t(2024, 1, 1, 23), t(2024, 1, 2, 0), t(2024, 1, 2, 1)]
    assert kickoff_times({"cron": "0 * * * *"}, t(2024, 1, 1, 22, 30), t(2024, 1, 2, 2)) == expected
    assert kickoff_times({"cron": "@hourly"}, t(2024, 1, 1, 22, 30), t(2024, 1, 2, 2)) == expected


def test_other_descriptors() -> None:
    assert kickoff_times({"cron": "@daily"}, t(2024, 1, 1, 1), t(2024, 1, 3, 1)) == [t(2024, 1, 2), t(2024, 1, 3)]
    assert kickoff_times({"cron": "@midnight"}, t(2024, 1, 1), t(2024, 1, 2, 1)) == [t(2024, 1, 1), t(2024, 1, 2)]
    assert kickoff_times({"cron": "@weekly"}, t(2024, 1, 1), t(2024, 1, 22)) == [
        t(2024, 1, 7), t(2024, 1, 14), t(2024, 1, 21)]  # Sundays
    assert kickoff_times({"cron": "@monthly"}, t(2024, 1, 15), t(2024, 4, 1)) == [t(2024, 2, 1), t(2024, 3, 1)]
    for yearly in ("@yearly", "@annually"):
        assert kickoff_times({"cron": yearly}, t(2023, 6, 1), t(2026, 1, 1)) == [t(2024, 1, 1), t(2025, 1, 1)]


def test_every_takes_go_durations_anchored_at_from() -> None:
    assert kickoff_times({"cron": "@every 6h"}, t(2024, 1, 1), t(2024, 1, 2)) == [
        t(2024, 1, 1, 0), t(2024, 1, 1, 6), t(2024, 1, 1, 12), t(2024, 1, 1, 18)]
    ninety = [t(2024, 1, 1, 0, 10), t(2024, 1, 1, 1, 40), t(2024, 1, 1, 3, 10), t(2024, 1, 1, 4, 40)]
    assert kickoff_times({"cron": "@every 90m"}, t(2024, 1, 1, 0, 10), t(2024, 1, 1, 6, 10)) == ninety
    assert kickoff_times({"cron": "@every 1h30m"}, t(2024, 1, 1, 0, 10), t(2024, 1, 1, 6, 10)) == ninety
    assert go_duration("1.5h") == dt.timedelta(minutes=90)
    assert go_duration("500ms") == dt.timedelta(seconds=1)  # as robfig/cron: at least one second
    assert go_duration("2m30.9s") == dt.timedelta(seconds=150)  # fractions of a second dropped


def test_fixed_rates_anchor_at_from() -> None:
    assert kickoff_times({"rate": {"value": 6, "unit": "hour"}}, t(2024, 1, 1, 3), t(2024, 1, 2, 3)) == [
        t(2024, 1, 1, 3), t(2024, 1, 1, 9), t(2024, 1, 1, 15), t(2024, 1, 1, 21)]  # 2024-01-02 03:00 == to: out
    assert kickoff_times({"rate": {"value": 1, "unit": "day"}}, t(2024, 2, 27, 12), t(2024, 3, 2)) == [
        t(2024, 2, 27, 12), t(2024, 2, 28, 12), t(2024, 2, 29, 12), t(2024, 3, 1, 12)]
    assert kickoff_times({"rate": {"value": 20, "unit": "MINUTE"}}, t(2024, 1, 1), t(2024, 1, 1, 1)) == [
        t(2024, 1, 1, 0, 0), t(2024, 1, 1, 0, 20), t(2024, 1, 1, 0, 40)]


def test_a_day_rate_is_24_hours_even_across_daylight_saving() -> None:
    got = kickoff_times({"rate": {"value": 1, "unit": "day"}}, t(2024, 3, 30, 12), t(2024, 4, 1, 13), "Europe/Berlin")
    assert got == [t(2024, 3, 30, 12), t(2024, 3, 31, 12), t(2024, 4, 1, 12)]


def test_cron_offset_shifts_every_instant_and_the_range_applies_after_the_shift() -> None:
    assert kickoff_times({"cron": "0 6 * * *", "offset": "PT30M"}, t(2024, 1, 1), t(2024, 1, 3)) == [
        t(2024, 1, 1, 6, 30), t(2024, 1, 2, 6, 30)]
    # 23:00 + 2 h: the Jan 1 instant lands on Jan 2 01:00 (in range); the Jan 2 one on Jan 3 01:00 (== to: out).
    assert kickoff_times({"cron": "0 23 * * *", "offset": "PT2H"}, t(2024, 1, 2), t(2024, 1, 3, 1)) == [
        t(2024, 1, 2, 1)]
    assert kickoff_times({"cron": "0 0 * * *", "offset": "-PT1H"}, t(2024, 1, 1), t(2024, 1, 3)) == [
        t(2024, 1, 1, 23), t(2024, 1, 2, 23)]
    assert kickoff_times({"rate": {"value": 6, "unit": "hour"}, "offset": "PT1H"}, t(2024, 1, 1), t(2024, 1, 2)) == [
        t(2024, 1, 1, 1), t(2024, 1, 1, 7), t(2024, 1, 1, 13), t(2024, 1, 1, 19)]


def test_iso_offsets() -> None:
    assert iso_duration("P1DT2H3M4S") == dt.timedelta(days=1, hours=2, minutes=3, seconds=4)
    assert iso_duration("P1W") == dt.timedelta(weeks=1)
    assert iso_duration(None) == dt.timedelta()
    with pytest.raises(PlanError, match="P1M") as info:
        iso_duration("P1M")
    assert "days" in str(info.value)
    for bad in ("PT", "P", "30M", "PT1H30"):
        with pytest.raises(PlanError, match="cannot read the schedule offset"):
            iso_duration(bad)


def test_backfill_timezone_across_daylight_saving_changes() -> None:
    # 06:00 in New York is 11:00 UTC in winter and 10:00 UTC after the change on March 10, 2024.
    assert kickoff_times({"cron": "0 6 * * *"}, t(2024, 3, 9), t(2024, 3, 12), "America/New_York") == [
        t(2024, 3, 9, 11), t(2024, 3, 10, 10), t(2024, 3, 11, 10)]
    # 01:00 occurs twice on November 3, 2024 (EDT then EST): croniter fires at both instants.
    assert kickoff_times({"cron": "0 1 * * *"}, t(2024, 11, 2), t(2024, 11, 5), "America/New_York") == [
        t(2024, 11, 2, 5), t(2024, 11, 3, 5), t(2024, 11, 3, 6), t(2024, 11, 4, 6)]


def test_tz_prefixed_cron_wins_over_the_backfill_timezone() -> None:
    for prefix in ("TZ=Europe/Berlin", "CRON_TZ=Europe/Berlin"):
        got = kickoff_times({"cron": f"{prefix} 0 6 * * *"}, t(2024, 1, 1), t(2024, 1, 3), "America/New_York")
        assert got == [t(2024, 1, 1, 5), t(2024, 1, 2, 5)]


def test_berlin_0230_in_the_gap_fires_at_the_transition_and_twice_on_fall_back() -> None:
    spring = kickoff_times({"cron": "30 2 * * *"}, t(2024, 3, 30), t(2024, 4, 2), "Europe/Berlin")
    # Mar 30 02:30 CET; Mar 31 02:30 does not exist → 03:00 CEST (01:00 UTC); Apr 1 02:30 CEST.
    assert spring == [t(2024, 3, 30, 1, 30), t(2024, 3, 31, 1, 0), t(2024, 4, 1, 0, 30)]
    fall = kickoff_times({"cron": "30 2 * * *"}, t(2024, 10, 26), t(2024, 10, 29), "Europe/Berlin")
    # Oct 27 02:30 happens in CEST and again in CET: two distinct kickoffs.
    assert fall == [t(2024, 10, 26, 0, 30), t(2024, 10, 27, 0, 30), t(2024, 10, 27, 1, 30), t(2024, 10, 28, 1, 30)]


def test_results_are_utc_whatever_the_input_zone() -> None:
    plus2 = dt.timezone(dt.timedelta(hours=2))
    got = kickoff_times({"cron": "0 0 * * *"}, dt.datetime(2024, 1, 1, 2, tzinfo=plus2), t(2024, 1, 3))
    assert got == [t(2024, 1, 1), t(2024, 1, 2)] and all(k.tzinfo is UTC for k in got)


def test_limit_guard_is_lazy_and_fast() -> None:
    started = time.perf_counter()
    with pytest.raises(PlanError, match="more than 1000 kickoff times") as info:
        kickoff_times({"cron": "* * * * *"}, t(2000, 1, 1), t(3900, 1, 1), limit=1000)  # ≈ 10^9 minutes
    assert "maxExecutions" in str(info.value)
    with pytest.raises(PlanError, match="more than 50 kickoff times"):
        kickoff_times({"rate": {"value": 1, "unit": "minute"}}, t(2000, 1, 1), t(3900, 1, 1), limit=50)
    with pytest.raises(PlanError, match="more than 10 kickoff times"):
        kickoff_times({"cron": "@every 1s"}, t(2000, 1, 1), t(3900, 1, 1), limit=10)
    assert time.perf_counter() - started < 2.0
    assert len(kickoff_times({"cron": "0 0 * * *"}, t(2024, 1, 1), t(2024, 1, 11), limit=10)) == 10  # exactly at limit


def test_iteration_is_lazy() -> None:
    stream = iter_kickoffs({"cron": "* * * * *"}, t(2000, 1, 1), t(9000, 1, 1))
    assert [next(stream) for _ in range(2)] == [t(2000, 1, 1, 0, 0), t(2000, 1, 1, 0, 1)]


@pytest.mark.parametrize(("schedule", "message"), [
    ({"cron": "0 0 * * * *"}, "has 6 fields: Flyte Admin rejects AWS/Quartz"),
    ({"cron": "0 0 *"}, "has 3 fields"),
    ({"cron": "@fortnightly"}, "unknown descriptor '@fortnightly'"),
    ({"cron": "61 0 * * *"}, "invalid cron expression"),
    ({"cron": "0 0 30 2 *"}, "never matches"),
    ({"cron": "TZ=Mars/Olympus 0 0 * * *"}, "unknown timezone 'Mars/Olympus'"),
    ({"cron": "@every 6 hours"}, "cannot read the @every duration"),
    ({"cron": "@every 0s"}, "is not positive"),
    ({"rate": {"value": 0, "unit": "hour"}}, "positive whole number"),
    ({"rate": {"value": 1, "unit": "week"}}, "unknown fixed-rate unit 'week'"),
    ({}, "no schedule to backfill"),
])
def test_unreadable_schedules_are_plan_errors(schedule: dict[str, object], message: str) -> None:
    with pytest.raises(PlanError, match=message):
        kickoff_times(schedule, t(2024, 1, 1), t(2024, 1, 2))


def test_naive_times_and_unknown_zones_are_refused() -> None:
    with pytest.raises(PlanError, match="has no time zone"):
        kickoff_times({"cron": "@daily"}, dt.datetime(2024, 1, 1), t(2024, 1, 2))
    with pytest.raises(PlanError, match="unknown time zone 'Nowhere'"):
        kickoff_times({"cron": "@daily"}, t(2024, 1, 1), t(2024, 1, 2), "Nowhere")


def test_cron_quirks_admin_accepts_are_backfilled_as_admin_reads_them() -> None:
    # Empty list items are dropped ("0 0 ,1 * *" is the 1st of the month); "*-5" is "*".
    assert kickoff_times({"cron": "0 0 ,1 * *"}, t(2024, 1, 1), t(2024, 3, 1)) == [t(2024, 1, 1), t(2024, 2, 1)]
    assert len(kickoff_times({"cron": "0 *-5 * * *"}, t(2024, 1, 1), t(2024, 1, 2))) == 24
    assert kickoff_times({"cron": "0 0 , * *"}, t(2024, 1, 1), t(2024, 3, 1)) == []  # never fires
    assert kickoff_times({"cron": "TZ= 0 6 * * *"}, t(2024, 1, 1), t(2024, 1, 2), "Europe/Berlin") == [
        t(2024, 1, 1, 6)]  # "TZ=" alone is UTC in Go
