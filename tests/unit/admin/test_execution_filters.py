"""Values placed in a ListExecutions filter string are checked first (Admin splits on '+', reads ',' and ')')."""

from __future__ import annotations

import pytest

from reconciler.admin.executions import filter_value
from reconciler.errors import PlanError


@pytest.mark.parametrize("value", ["daily_report", "reports.daily-v2", "bf-q1-"])
def test_plain_names_pass(value: str) -> None:
    assert filter_value(value, "launch plan name") == value


@pytest.mark.parametrize("value", ["a+eq(phase,FAILED)", "a,b", "x)", "semi;colon", "with space", ""])
def test_values_that_would_change_the_filter_are_refused(value: str) -> None:
    with pytest.raises(PlanError, match="cannot be used in an Admin list filter"):
        filter_value(value, "launch plan name")
