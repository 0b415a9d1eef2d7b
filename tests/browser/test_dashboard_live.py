"""The dashboard in a real Chromium against real backends: live values, tyre colours from the table, rig picker."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from simcoach.coaching.thresholds import Window, match_class, table
from simcoach_agent.telemetry import SessionInfo
from tests.browser.conftest import Page
from tests.browser.rigs import LiveRig
from tests.conftest import start_agent, start_backend
from tests.helpers import wait_until

pytestmark = pytest.mark.integration


def open_dashboard(page: Page, url: str) -> None:
    page.open(url)
    page.wait(lambda: page.attr("conn", "data-state") == "open", 60, "the dashboard's WebSocket to open")


def speeds_seen(page: Page, count: int, timeout: float = 30.0) -> set[str]:
    """Distinct speeds shown, sampled until ``count`` of them were seen (the speed moves), within ``timeout``."""
    seen: set[str] = set()

    def moved() -> bool:
        seen.add(page.text("speed"))
        return len(seen) >= count

    page.wait(moved, timeout, f"{count} different speeds on the page")
    return seen


def test_the_page_loads_shows_live_values_and_logs_no_errors(tmp_path, page):
    server = start_backend(tmp_path, "--demo")
    try:
        open_dashboard(page, f"{server.http}/")
        # The demo simulates its reference lap before it drives (seconds on a loaded machine).
        page.wait(lambda: "Spa-Francorchamps" in page.text("session"), 30, "the demo's session")
        speeds = speeds_seen(page, 5) - {"–"}  # the dash until the first frame
        assert len(speeds) >= 4, f"the speed did not move: {speeds}"
        assert all(s.isdigit() for s in speeds), speeds
        assert page.text("gear") in {"1", "2", "3", "4", "5", "6"}
        assert page.text("rpm").isdigit()
        assert page.text("conn") == "live"
        first_time = page.text("lap-time")
        page.wait(lambda: page.text("lap-time") != first_time, 60, "the lap clock to run")
        assert page.js("return document.getElementById('rig-picker').value") == "demo"
        stats = page.stats()
        assert stats["rig"] == "demo"
        page.wait(lambda: page.stats()["buffers"]["trace"] > 60, 30, "the input trace to fill")
        drawn = lambda: (m := page.stats()["map"])["trailPoints"] > 5 or m["referencePoints"] > 0  # noqa: E731
        page.wait(drawn, 30, "something on the map")
        assert page.attr("tyre-FL", "data-class") in {"cold", "cool", "optimal", "warm", "hot", "critical"}
        assert page.attr("brake-FL", "data-class") in {"cold", "cool", "optimal", "warm", "hot", "critical"}
        assert page.text("fuel").endswith(" l")
        assert stats["thresholds"] == "api", f"the tyre colours do not come from the backend's table: {stats}"
        assert page.attr("thresholds-source", "data-source") == "api"
        # The demo has its reference from the start; either way the console stays clean.
        assert not page.severe(), "console errors"
    finally:
        server.stop()


def _session() -> SessionInfo:
    return SessionInfo(
        game="test", track="Test Ring", car="Test GT3", car_class="GT3", session_type="practice", driver="Tester"
    )


def _band_values(w: Window) -> dict[str, float]:
    """A value inside each colour band of a window, chosen from its edges."""
    lo, hi = w.optimal
    hot = w.hot_above if w.hot_above is not None else hi
    assert w.critical_above is not None, "this test needs a window with a critical edge"
    return {
        "cold": (w.cold_below if w.cold_below is not None else lo) - 15.0,
        "optimal": (lo + hi) / 2,
        "hot": (hot + w.critical_above) / 2,
        "critical": w.critical_above + 15.0,
    }


def test_tyre_and_brake_colours_follow_the_thresholds_table_and_a_critical_tyre_is_coached(tmp_path, backend, page):
    from selenium.webdriver.common.by import By

    th = table()[match_class("GT3")]
    tyre = th.tyre_temp(th.compound)
    brake = th.brake_temp_c
    pressure = th.tyre_pressure(th.compound)
    assert tyre is not None and brake is not None and pressure is not None
    # The backend serves the very table the rules read.
    served = httpx.get(f"{backend.http}/api/thresholds", params={"car_class": "GT3"}, timeout=5)
    assert served.status_code == 200, served.text
    tyres, brakes = _band_values(tyre), _band_values(brake)

    open_dashboard(page, f"{backend.http}/?rig=rig-a")
    assert "rig-a" in page.text("session")
    steady = {"in_pit": False, "lap_valid": True, "tyre_pressure_psi": (sum(pressure.optimal) / 2,) * 4}
    with LiveRig(backend.ws, "rig-a", _session()) as rig:
        for band in ("cold", "optimal", "hot", "critical"):
            t, b = tyres[band], brakes[band]
            rig.set(tyre_temp_c=(t, t, t, t), brake_temp_c=(b, b, b, b), tyre_wear=(0.02, 0.02, 0.03, 0.03), **steady)
            page.wait(lambda t=t: page.text("tyre-RR-temp") == f"{round(t)}°", 60, f"{band} tyres ({t} °C) on the page")
            for wheel in ("FL", "FR", "RL", "RR"):
                assert page.attr(f"tyre-{wheel}", "data-class") == band, f"{wheel} at {t} °C should be {band}"
                assert page.attr(f"brake-{wheel}", "data-class") == band, f"{wheel} brake at {b} °C should be {band}"
            assert f"t-{band}" in (page.attr("tyre-FL", "class") or "").split()
            assert page.text("brake-FL") == f"brake {round(b)}°"
        assert page.text("tyre-FL-press") == f"{sum(pressure.optimal) / 2:.1f} psi"
        assert page.attr("tyre-FL-press", "class") == "wheel-sub p-optimal"
        assert page.text("tyre-RL-wear") == "wear 3.0%"
        assert page.attr("thresholds-source", "data-source") == "api"
        # Voice is off by default; switched on, the next message is read aloud (and the choice kept).
        assert page.js("return document.getElementById('voice').checked") is False
        page.driver.find_element(By.ID, "voice").click()
        assert page.js("return localStorage.getItem('simcoach.voice')") == "on"
        # Critical tyres for a few seconds: the engine's tyre rule speaks, and the feed shows it.
        critical = page.wait(
            lambda: [m for m in page.feed() if m["kind"] == "tyre_temp_critical"], 60, "the critical tyre message"
        )
        assert critical[0]["severity"] == "critical"
        assert "°C" in critical[0]["text"]
        assert page.attr("coach-latest", "data-severity") in {"warning", "critical"}
        assert page.js("return window.simcoachStats.spoken") >= 1, "the message was not handed to speechSynthesis"
    assert not page.severe(), "console errors"


def test_the_rig_picker_switches_rigs_and_keeps_the_choice_in_the_url(tmp_path, page):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.select import Select

    server = start_backend(tmp_path, "--demo")
    # The in-process demo is the first live rig (it simulates its reference lap first: wait for it).
    wait_until(lambda: any(r["rig"] == "demo" and r["connected"] for r in httpx.get(f"{server.http}/api/rigs").json()))
    agent = start_agent(tmp_path, server, "--game", "demo", "--seed", "2")
    try:
        open_dashboard(page, f"{server.http}/")
        options = "return [...document.querySelectorAll('#rig-picker option')].map(o => o.value)"
        page.wait(lambda: page.js(options) == ["demo", "demo-agent"], 30, "both rigs in the picker")
        # No rig in the URL: the first live rig is shown, and the URL is left alone.
        page.wait(lambda: page.attr("session", "data-rig") == "demo", 60, "the first rig shown")
        assert "rig=" not in page.driver.current_url

        Select(page.driver.find_element(By.ID, "rig-picker")).select_by_value("demo-agent")
        page.wait(lambda: "rig=demo-agent" in page.driver.current_url, 60, "the choice in the URL")
        assert parse_qs(urlparse(page.driver.current_url).query) == {"rig": ["demo-agent"]}
        page.wait(lambda: page.attr("session", "data-rig") == "demo-agent", 60, "the other rig's session")
        before = page.stats()["frames_applied"]
        page.wait(lambda: page.stats()["frames_applied"] > before + 60, 60, "frames of demo-agent")
        assert page.stats()["rig"] == "demo-agent"
        # The page asked the backend for that rig alone (subscribe), it does not just hide the other one.
        page.wait(
            lambda: [c["rig"] for c in server.status()["dashboards"]["clients"]] == ["demo-agent"],
            5,
            "the dashboard subscribed to demo-agent",
        )
        speeds_seen(page, 3)

        # A bookmark: the same URL opens on the same rig.
        page.driver.refresh()
        open_dashboard(page, page.driver.current_url)
        page.wait(lambda: page.attr("session", "data-rig") == "demo-agent", 60, "the bookmarked rig")
        page.wait(lambda: page.js("return document.getElementById('rig-picker').value") == "demo-agent", 60, "picker")
        assert not page.severe(), "console errors"
    finally:
        agent.stop()
        server.stop()
