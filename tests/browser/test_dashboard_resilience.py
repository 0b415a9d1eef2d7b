"""The dashboard rides out a backend restart without a reload, and works behind nginx under /ai-sim-coach/."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.browser.conftest import BACKEND_DOWN, start_nginx
from tests.browser.test_dashboard_live import open_dashboard, speeds_seen
from tests.conftest import start_backend

pytestmark = pytest.mark.integration


def test_the_page_recovers_by_itself_when_the_backend_restarts(tmp_path, page):
    first = start_backend(tmp_path, "--demo")
    second = None
    try:
        open_dashboard(page, f"{first.http}/")
        # The demo simulates its reference lap before it drives (seconds on a loaded machine).
        page.wait(lambda: "Spa-Francorchamps" in page.text("session"), 30, "the demo's session")
        speeds_seen(page, 3)
        load_id = page.js("return window.simcoachStats.loadId")
        page.js("window.__survivesRestart = 'yes'")

        first.stop()
        page.wait(lambda: page.attr("conn", "data-state") == "reconnecting", 60, "the page to notice the outage")
        assert page.text("conn").startswith("reconnecting")
        frozen = page.text("speed")
        time.sleep(1.0)
        assert page.text("speed") == frozen, "values moved with the backend down"

        second = start_backend(tmp_path, "--demo", port=first.port)
        page.wait(lambda: page.attr("conn", "data-state") == "open", 60, "the page to reconnect by itself")
        assert page.text("conn") == "live"
        speeds_seen(page, 3)  # live values after the restart
        # The same page, not a reload: what was set before the outage is still there.
        assert page.js("return window.__survivesRestart") == "yes"
        assert page.js("return window.simcoachStats.loadId") == load_id
        assert page.js("return window.simcoachStats.wsOpens") >= 2
        # What the new backend serves was fetched again (thresholds from the table, not the fallback).
        page.wait(lambda: page.stats()["thresholds"] == "api", 60, "the thresholds fetched again")
        assert not page.severe(BACKEND_DOWN), "console errors"
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_behind_a_path_prefix_through_nginx(tmp_path, page):
    server = start_backend(tmp_path, "--demo")
    nginx = None
    try:
        nginx = start_nginx(tmp_path, server.port)
        assert httpx.get(f"{nginx.url}/", timeout=5).headers["location"].endswith("/ai-sim-coach/")
        assert httpx.get(f"{nginx.url}/ai-sim-coach", timeout=5).headers["location"].endswith("/ai-sim-coach/")

        open_dashboard(page, f"{nginx.url}/ai-sim-coach/")
        page.wait(lambda: "Spa-Francorchamps" in page.text("session"), 30, "the session through nginx")
        speeds_seen(page, 3)  # live values through nginx
        page.wait(lambda: page.stats()["thresholds"] == "api", 60, "the thresholds through nginx")
        assert page.js("return location.pathname") == "/ai-sim-coach/"
        # The WebSocket is logged only when it closes; the frames above could only come through it.
        access = (nginx.prefix / "access.log").read_text()
        assert "GET /ai-sim-coach/api/thresholds?car_class=GT3" in access
        assert "GET /ai-sim-coach/js/main.js" in access
        assert not page.severe(), "console errors"
    finally:
        if nginx is not None:
            nginx.stop()
        server.stop()
