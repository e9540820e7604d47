"""Console links: page URLs for plan addresses and the console URL derived from an Admin endpoint."""

from __future__ import annotations

import pytest

from reconciler.plan.render import ConsoleLinks, default_console_url

BASE = "https://flyte.example.com"


def test_page_urls() -> None:
    links = ConsoleLinks(BASE)
    assert links.launch_plan("p", "production", "daily") == (
        f"{BASE}/console/projects/p/domains/production/launchPlans/daily")
    assert links.workflow("p", "development", "reports.daily") == (
        f"{BASE}/console/projects/p/domains/development/workflows/reports.daily")
    assert links.execution("p", "production", "bf-q1-0001") == (
        f"{BASE}/console/projects/p/domains/production/executions/bf-q1-0001")
    assert links.launch_plan("p", "d", "a b/c") == (
        f"{BASE}/console/projects/p/domains/d/launchPlans/a%20b%2Fc")


def test_base_url_is_normalised_and_validated() -> None:
    assert ConsoleLinks("https://flyte.example.com/").base_url == BASE
    assert ConsoleLinks("https://flyte.example.com/console/").base_url == BASE
    with pytest.raises(ValueError, match="http:// or https://"):
        ConsoleLinks("flyte.example.com")


@pytest.mark.parametrize(("address", "page"), [
    ("launchplan/p/d/lp", "/console/projects/p/domains/d/launchPlans/lp"),
    ("workflow/p/d/wf.x", "/console/projects/p/domains/d/workflows/wf.x"),
    ("backfill/p/d/lp/q1", "/console/projects/p/domains/d/launchPlans/lp"),
    ("project/p", None),
    ("attributes/p/d/-/task_resource", None),
])
def test_for_address(address: str, page: str | None) -> None:
    assert ConsoleLinks(BASE).for_address(address) == (None if page is None else BASE + page)


@pytest.mark.parametrize(("endpoint", "insecure", "url"), [
    ("dns:///flyte.example.com:443", None, "https://flyte.example.com"),
    ("flyte.example.com:443", None, "https://flyte.example.com"),
    ("flyte.example.com", None, "https://flyte.example.com"),
    ("dns:///flyte.example.com", None, "https://flyte.example.com"),
    ("grpcs://flyte.example.com:443", None, "https://flyte.example.com"),
    ("https://flyte.example.com/", None, "https://flyte.example.com"),
    ("localhost:443", False, "https://localhost"),
    # No console at these addresses: no link rather than one that leads nowhere.
    ("dns://8.8.8.8/flyte.example.com:8443", None, None),
    ("flyte.example.com:443", True, None),
    ("http://flyte.example.com", None, None),
    ("localhost:30080", None, None),
    ("127.0.0.1:80", None, None),
    ("127.0.0.1:28089", None, None),
    ("dns:///localhost:8089", None, None),
    ("flyte.internal:81", True, None),
    ("localhost:8443", False, None),
    ("[::1]:30080", None, None),
])
def test_default_console_url(endpoint: str, insecure: bool | None, url: str | None) -> None:
    assert default_console_url(endpoint, insecure=insecure) == url



@pytest.mark.parametrize("endpoint", [None, "", "sandbox", "unix:///tmp/admin.sock"])
def test_no_console_for_local_transports(endpoint: str | None) -> None:
    assert default_console_url(endpoint) is None


def test_an_endpoint_without_a_host_is_refused() -> None:
    with pytest.raises(ValueError, match=r"cannot derive a console URL.*set the console URL"):
        default_console_url("dns:///")
