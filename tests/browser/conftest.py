"""The browser tests drive the real controller; they share the controller tests' fixtures."""

from __future__ import annotations

from tests.integration.controller.conftest import admin, start_controller, stub  # noqa: F401 (fixtures)
