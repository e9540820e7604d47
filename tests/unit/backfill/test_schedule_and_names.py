"""Kickoff times with explicit expected lists (range ends included), names valid for Admin."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.backfill.names import execution_name, labels, retry_name
from reconciler.backfill.schedule import kickoff_times
from reconciler.errors import PlanError

UTC = dt.UTC


def t(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def test_daily_cron_from_inclusive_to_exclusive() -> None:
    got = kickoff_times({"cron": "0 0 * * *"}, t(2024, 1, 1), t(2024, 1, 4))
    assert got == [t(2024, 1, 1), t(2024, 1, 2), t(2024, 1, 3)]  # an instant exactly at `to` is excluded


def test_hourly_descriptor_and_every() -> None:
    assert kickoff_times({"cron": "@hourly"}, t(2024, 1, 1, 22, 30), t(2024, 1, 2, 1)) == [
        t(2024, 1, 1, 23), t(2024, 1, 2, 0)]
    assert kickoff_times({"cron": "@every 6h"}, t(2024, 1, 1), t(2024, 1, 2)) == [
        t(2024, 1, 1, 0), t(2024, 1, 1, 6), t(2024, 1, 1, 12), t(2024, 1, 1, 18)]


def test_fixed_rates_anchor_at_from() -> None:
    assert kickoff_times({"rate": {"value": 6, "unit": "hour"}}, t(2024, 1, 1, 3), t(2024, 1, 2)) == [
        t(2024, 1, 1, 3), t(2024, 1, 1, 9), t(2024, 1, 1, 15), t(2024, 1, 1, 21)]
    assert kickoff_times({"rate": {"value": 1, "unit": "day"}}, t(2024, 2, 28), t(2024, 3, 2)) == [
        t(2024, 2, 28), t(2024, 2, 29), t(2024, 3, 1)]


def test_cron_offset_shifts_every_instant() -> None:
    assert kickoff_times({"cron": "0 6 * * *", "offset": "PT30M"}, t(2024, 1, 1), t(2024, 1, 3)) == [
        t(2024, 1, 1, 6, 30), t(2024, 1, 2, 6, 30)]


def test_timezones_and_daylight_saving() -> None:
    # 06:00 in New York is 11:00 UTC in winter and 10:00 UTC after the March 10, 2024 change.
    got = kickoff_times({"cron": "0 6 * * *"}, t(2024, 3, 9), t(2024, 3, 12), "America/New_York")
    assert got == [t(2024, 3, 9, 11), t(2024, 3, 10, 10), t(2024, 3, 11, 10)]
    prefixed = kickoff_times({"cron": "CRON_TZ=Europe/Berlin 0 6 * * *"}, t(2024, 1, 1), t(2024, 1, 3))
    assert prefixed == [t(2024, 1, 1, 5), t(2024, 1, 2, 5)]


def test_absurd_ranges_are_refused_quickly() -> None:
    with pytest.raises(PlanError, match="more than 1000 kickoff times"):
        kickoff_times({"cron": "* * * * *"}, t(2000, 1, 1), t(3000, 1, 1), limit=1000)


NAME = re.compile(r"^[a-z][a-z\-0-9]*$")


@given(st.from_regex(r"[a-z][a-z0-9-]{0,29}", fullmatch=True),
       st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2200, 1, 1), timezones=st.just(UTC)))
def test_names_are_valid_deterministic_and_retry_names_fit(backfill: str, kickoff: dt.datetime) -> None:
    address = f"backfill/project-with-a-long-name/production/some_launch_plan/{backfill}"
    name = execution_name(address, kickoff)
    assert NAME.match(name) and len(name) <= 57
    assert execution_name(address, kickoff) == name
    assert NAME.match(retry_name(name, 99)) and len(retry_name(name, 99)) <= 63
    for value in labels(address, kickoff).values():
        assert len(value) <= 63 and re.match(r"^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", value)


def test_names_differ_per_instant_and_per_backfill() -> None:
    instants = [t(2024, 1, 1) + dt.timedelta(minutes=i) for i in range(2000)]
    names = {execution_name("backfill/p/d/lp/q1", i) for i in instants}
    assert len(names) == len(instants)
    assert execution_name("backfill/p/d/lp/q1", t(2024, 1, 1)) != execution_name("backfill/p/e/lp/q1", t(2024, 1, 1))
