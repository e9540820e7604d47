"""Quantity parser (exact values across spellings), cron fields, labels/annotations, timezones."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.manifests import checks
from reconciler.manifests.quantity import is_quantity, parse_quantity

_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}


@pytest.mark.parametrize(("text", "value"), [
    ("500m", Fraction(1, 2)), ("0.5", Fraction(1, 2)), (".5", Fraction(1, 2)), ("1.", Fraction(1)),
    ("1Ki", Fraction(1024)), ("1.5Gi", Fraction(3 * 2**29)), ("2e3", Fraction(2000)), ("2E-3", Fraction(2, 1000)),
    ("1E", Fraction(10**18)), ("+3", Fraction(3)), ("-3m", Fraction(-3, 1000)), (2, Fraction(2)),
    (0.25, Fraction(1, 4)), ("100n", Fraction(1, 10**7)), ("0", Fraction(0)),
])
def test_exact_values(text: str | int | float, value: Fraction) -> None:
    assert parse_quantity(text) == value


@pytest.mark.parametrize("bad", ["", " 1", "1 ", "1.2.3", "10 Gi", "Gi", "1gi", "1KiB", "1e", "1e1.5", "0x10",
                                 "1,5", "--1", "1mm", "1e1000", True, None, [1]])
def test_grammar_rejects(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_quantity(bad)  # type: ignore[arg-type]
    assert not is_quantity(bad)


@given(st.integers(min_value=0, max_value=10**9), st.sampled_from(sorted(_BINARY)),
       st.sampled_from(sorted(_BINARY)))
def test_binary_spellings_of_one_amount_are_equal(number: int, big: str, small: str) -> None:
    if _BINARY[big] < _BINARY[small]:
        big, small = small, big
    scaled = number * 2 ** (_BINARY[big] - _BINARY[small])
    assert parse_quantity(f"{number}{big}") == parse_quantity(f"{scaled}{small}")


@given(st.integers(min_value=0, max_value=10**12), st.sampled_from(sorted(_DECIMAL)),
       st.sampled_from(sorted(_DECIMAL)))
def test_decimal_spellings_of_one_amount_are_equal(number: int, first: str, second: str) -> None:
    """n·10^a written with suffix a equals the same amount written with suffix b, in plain, decimal-point
    and exponent notation."""
    exponent = _DECIMAL[first] - _DECIMAL[second]
    value = Fraction(number) * Fraction(10) ** exponent
    assert parse_quantity(f"{number}{first}") == value * Fraction(10) ** _DECIMAL[second]
    assert parse_quantity(f"{number}e{_DECIMAL[first]}") == parse_quantity(f"{number}{first}")
    if value.denominator == 1:
        assert parse_quantity(f"{value.numerator}{second}") == parse_quantity(f"{number}{first}")


@given(st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False, allow_infinity=False))
def test_milli_spelling_equals_the_decimal_spelling(value: object) -> None:
    from decimal import Decimal

    assert isinstance(value, Decimal)
    assert parse_quantity(f"{int(value * 1000)}m") == parse_quantity(f"{value:f}")


@pytest.mark.parametrize("good", ["0 6 * * *", "*/15 * * * *", "0 0 1 JAN MON", "0 0 1 jan-mar mon-fri", "@daily",
                                  "@every 1h30m", "@every 1.5h", "TZ=Europe/Berlin 0 6 * * 1-5",
                                  "CRON_TZ=UTC 0 6 * * *", "0 0 ? * *", "5/10 * * * *", "0 0 29 2 0,6"])
def test_cron_accepts(good: str) -> None:
    assert checks.cron(good) == good


@pytest.mark.parametrize(("bad", "why"), [
    ("0 0 6 * * ?", "AWS/Quartz 6-field"), ("0 6 * *", "4 fields"), ("", "0 fields"),
    ("61 * * * *", "minute 61 is out of range 0-59"), ("0 24 * * *", "hour 24"), ("0 0 0 * *", "day of month 0"),
    ("0 0 1 13 *", "month 13"), ("0 0 * * 7", "day of week 7"), ("@fortnightly", "unknown descriptor"),
    ("@every", "unknown descriptor"), ("@every forever", "not a Go duration"), ("*/0 * * * *", "step"),
    ("5-1 * * * *", "starts after it ends"), ("0 0 L * *", "day of month field has 'L'"),
    ("TZ=Nowhere/City 0 6 * * *", "unknown timezone"),
])
def test_cron_rejects_with_reason(bad: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        checks.cron(bad)


def test_label_rules_follow_kubernetes() -> None:
    good = {"team": "ml", "example.com/tier": "gold", "empty": "", "a.b_c-d": "X.y_z-1", "k" * 63: "v" * 63}
    assert checks.labels(good) == good
    bad_cases = [{"-x": "1"}, {"x-": "1"}, {"x": "#bar"}, {"x": "a" * 64}, {"k" * 64: "v"}, {"UPPER.com/x": "1"},
                 {"/x": "1"}, {"a/b/c": "1"}, {f"k{i}": "v" for i in range(17)}]
    for bad in bad_cases:
        with pytest.raises(ValueError):
            checks.labels(bad)
    assert checks.labels({f"k{i}": "v" for i in range(16)})


def test_annotation_keys_must_be_qualified_names_but_values_are_free() -> None:
    assert checks.annotation_map({"example.com/note": "any text, even #this"})
    with pytest.raises(ValueError, match="qualified name"):
        checks.annotation_map({"has space": "x"})
    with pytest.raises(ValueError, match="262144"):
        checks.annotation_map({"big": "x" * (256 * 1024)})


def test_project_ids_and_byte_limits() -> None:
    assert checks.project_id("flyte-snacks2")
    for bad in ("Flytesnacks", "-a", "a-", "a.b", "a" * 64, "snake_case"):
        with pytest.raises(ValueError):
            checks.project_id(bad)
    assert checks.max_bytes("é" * 32, 64, "name")
    with pytest.raises(ValueError, match="66 bytes"):
        checks.max_bytes("é" * 33, 64, "name")  # 33 characters but 66 bytes: Admin counts bytes


def test_backfill_names_fit_in_execution_names() -> None:
    assert checks.backfill_name("q1-2024")
    for bad in ("Q1", "1q", "q_1", "q" * 31, ""):
        with pytest.raises(ValueError):
            checks.backfill_name(bad)


def test_timezones_are_iana_names() -> None:
    assert checks.timezone("Europe/Berlin") == "Europe/Berlin"
    for bad in ("Europe/Atlantis", "", "../etc/passwd"):
        with pytest.raises(ValueError):
            checks.timezone(bad)
