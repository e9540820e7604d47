"""Run names: valid for Admin for any input, deterministic, injective, and frozen in format."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.backfill.names import (
    LABEL_BACKFILL,
    LABEL_INPUTS,
    LABEL_KICKOFF,
    execution_name,
    labels,
    retry_name,
    run_name_pattern,
    split_attempt,
)

UTC = dt.UTC
ADMIN = re.compile(r"^[a-z][a-z\-0-9]*$")
LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
ADDRESS = "backfill/flytesnacks/production/daily_report/q1-2024"

instants = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(9999, 12, 30),
                        timezones=st.sampled_from([UTC, ZoneInfo("Europe/Berlin"), ZoneInfo("Asia/Kolkata"),
                                                   dt.timezone(dt.timedelta(hours=-11, minutes=-30))]))
addresses = st.one_of(
    st.text(max_size=120),
    st.builds(lambda p, d, lp, n: f"backfill/{p}/{d}/{lp}/{n}", st.from_regex(r"[a-z][a-z0-9-]{0,62}", fullmatch=True),
              st.sampled_from(["development", "staging", "production"]), st.text(min_size=1, max_size=80),
              st.from_regex(r"[a-z][a-z0-9-]{0,29}", fullmatch=True)),
)


def test_the_format_is_frozen() -> None:
    # Changing this value duplicates every run of every backfill already under way: don't.
    kickoff = dt.datetime(2024, 1, 1, 6, tzinfo=UTC)
    assert execution_name(ADDRESS, kickoff) == "bf-q1-2024-20240101t0600-df27d3"
    assert retry_name("bf-q1-2024-20240101t0600-df27d3", 2) == "bf-q1-2024-20240101t0600-df27d3-r2"
    assert labels(ADDRESS, kickoff, {"limit": 7}) == {
        LABEL_BACKFILL: "q1-2024-2bbd26438978", LABEL_KICKOFF: "20240101T060000Z", LABEL_INPUTS: "fc3956dc9e28"}


@given(addresses, instants, st.integers(min_value=1, max_value=100_000))
def test_names_and_labels_are_valid_for_any_input(address: str, kickoff: dt.datetime, attempt: int) -> None:
    name = execution_name(address, kickoff)
    assert ADMIN.match(name) and len(name) <= 54
    assert execution_name(address, kickoff) == name  # deterministic
    assert execution_name(address, kickoff.astimezone(UTC)) == name  # the instant, not its zone, counts
    recovery = retry_name(name, attempt)
    assert ADMIN.match(recovery) and len(recovery) <= 63
    assert split_attempt(recovery) == (name, attempt) and split_attempt(name) == (name, 0)
    assert run_name_pattern(address).match(name) and run_name_pattern(address).match(recovery)
    for value in labels(address, kickoff, {"x": address}).values():
        assert len(value) <= 63 and LABEL_VALUE.match(value)


def test_names_are_injective_over_a_sample() -> None:
    base = dt.datetime(2024, 1, 1, tzinfo=UTC)
    moments = [base + dt.timedelta(minutes=i) for i in range(3000)]
    moments += [base + dt.timedelta(seconds=s) for s in range(1, 60)]  # same minute: only the digest differs
    moments += [base + dt.timedelta(days=d) for d in range(3000)]
    moments = sorted(set(moments))
    backfills = [ADDRESS, "backfill/flytesnacks/staging/daily_report/q1-2024", "backfill/other/production/x/q1-2024"]
    names = {execution_name(address, moment) for address in backfills for moment in moments}
    assert len(names) == len(moments) * len(backfills)


def test_unsafe_names_are_made_safe() -> None:
    name = execution_name("backfill/p/d/lp/Q1_2024.Rerun", dt.datetime(2024, 1, 1, tzinfo=UTC))
    assert name.startswith("bf-q1-2024-rerun-20240101t0000-")
    assert execution_name("", dt.datetime(2024, 1, 1, tzinfo=UTC)).startswith("bf-x-20240101t0000-")


def test_a_pattern_never_claims_another_backfill_with_a_longer_name() -> None:
    kickoff = dt.datetime(2024, 1, 1, tzinfo=UTC)
    other = execution_name("backfill/p/d/lp/q1-2024", kickoff)
    assert other.startswith("bf-q1-")  # a prefix test would take it for one of q1's runs
    assert not run_name_pattern("backfill/p/d/lp/q1").match(other)
    assert not run_name_pattern("backfill/p/d/lp/q1").match(retry_name(other, 1))


def test_naive_kickoffs_and_bad_attempts_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        execution_name(ADDRESS, dt.datetime(2024, 1, 1))
    with pytest.raises(ValueError, match="counts from 1"):
        retry_name("bf-x", 0)
    with pytest.raises(ValueError, match="longer than 63"):
        retry_name("b" * 60, 10)
