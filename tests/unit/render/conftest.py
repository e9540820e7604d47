"""Fixtures for the renderer tests: sample plans built by the real planner (see render_samples.py)."""

from __future__ import annotations

import pytest
from render_samples import empty_plan, every_action_plan

from reconciler.plan.model import Plan


@pytest.fixture
def full_plan() -> Plan:
    return every_action_plan()


@pytest.fixture
def no_change_plan() -> Plan:
    return empty_plan()
