"""The controller's page in a real browser: Debian's Chromium, headless, driven by Selenium through
Debian's chromedriver (installed by ``.ci/run``). Loads the overview, watches it update itself, filters
the object table and opens an object's diff; screenshots are saved (``BROWSER_SCREENSHOTS`` or the
test's temporary directory).

Without Chromium the test is skipped on a workstation and fails in CI (``CI`` set), so CI can never
pass without having run it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.controller.conftest import config_yaml, wait_for
from tests.integration.controller.manifests import PROJECT, launch_plan

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1280,900")

pytestmark = pytest.mark.integration


@pytest.fixture
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        if os.environ.get("CI"):
            pytest.fail("Chromium and chromedriver are required in CI (apt-get install chromium chromium-driver)")
        pytest.skip("Chromium/chromedriver not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="controller-browser-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _text(browser: object, css: str) -> str | None:
    """An element's text, or ``None`` when the page replaced the element between finding and reading it
    (it re-renders the counts in place: a race a CI run hit)."""
    from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException
    from selenium.webdriver.common.by import By

    try:
        return str(browser.find_element(By.CSS_SELECTOR, css).text)  # type: ignore[attr-defined]
    except (StaleElementReferenceException, NoSuchElementException):
        return None


def _shots(tmp_path: Path) -> Path:
    target = Path(os.environ.get("BROWSER_SCREENSHOTS") or tmp_path / "screenshots")
    target.mkdir(parents=True, exist_ok=True)
    return target


def test_overview_filter_and_object_diff_in_chromium(tmp_path: Path, admin, browser, start_controller) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    source = tmp_path / "src"
    source.mkdir()
    (source / "flyte-reconciler.yaml").write_text(config_yaml(admin.address))
    lps = [launch_plan(100 + i, name=name) for i, name in enumerate(("nightly_report", "hourly_sync", "weekly_digest"))]
    (source / "m.yaml").write_text(PROJECT + "---\n" + "---\n".join(lps))
    controller = start_controller("--source", str(source), "--env", "dev", "--sync", "manual", "--interval", "1")
    first = wait_for(lambda: (e := controller.environment("dev"))["lastSync"] and e, "the first cycle")
    pending = first["counts"]["OutOfSync"]
    total = sum(first["counts"].values())
    assert pending >= 3
    shots = _shots(tmp_path)

    browser.get(controller.url + "/")
    card = browser.find_element(By.ID, "env-dev")
    assert "manual" in card.text
    assert card.find_element(By.CLASS_NAME, "count-OutOfSync").text == str(pending)
    browser.save_screenshot(str(shots / "overview-out-of-sync.png"))

    # The page updates itself (JavaScript): an authorised sync turns the counts without a reload.
    assert controller.post("/api/v1/environments/dev/sync") == 202
    wait_for(lambda: _text(browser, "#env-dev .count-Synced") == str(total)
             and _text(browser, "#env-dev .count-OutOfSync") == "0",
             "the overview to update in place", timeout=120)
    browser.save_screenshot(str(shots / "overview.png"))

    # Drift one launch plan by editing the manifests (manual: reported, not applied), then filter for it.
    lps[1] = launch_plan(999, name="hourly_sync")
    (source / "m.yaml").write_text(PROJECT + "---\n" + "---\n".join(lps))
    wait_for(lambda: controller.environment("dev")["counts"]["OutOfSync"] == 1, "the edit to be reported")
    browser.find_element(By.LINK_TEXT, "dev").click()
    wait_for(lambda: browser.find_elements(By.ID, "objects"), "the object table")
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.object")) == total
    search = browser.find_element(By.ID, "filter-text")
    search.clear()
    search.send_keys("launchplan/")
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("OutOfSync")
    browser.find_element(By.ID, "filter-apply").click()
    rows = wait_for(lambda: (r := browser.find_elements(By.CSS_SELECTOR, "tr.object")) and len(r) == 1 and r,
                    "the filtered table")
    assert rows[0].get_attribute("data-address") == "launchplan/flytesnacks/development/hourly_sync"
    assert "status=OutOfSync" in browser.current_url
    browser.save_screenshot(str(shots / "filtered.png"))

    rows[0].find_element(By.TAG_NAME, "a").click()
    diff = wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "pre.diff"), "the object's diff")[0]
    added = [e.text for e in diff.find_elements(By.CSS_SELECTOR, ".add")]
    assert any("limit" in line and "999" in line for line in added), added
    assert browser.find_element(By.CSS_SELECTOR, "h1 .badge").text == "OutOfSync"
    browser.save_screenshot(str(shots / "object-diff.png"))
    assert controller.terminate() == 0
