"""The dashboard's first minutes, in a real Chromium: the demo shows its map and delta on lap 1; no reference, no error.

A newcomer runs ``./dev.sh demo`` (``simcoach serve --demo``) and opens the
page: the whole map of Spa (the demo's own reference lap), a moving delta and
the corner the car is in must be there on the first lap, before any lap is
complete. The test measures how long they take from the backend's start and
prints it (run with -s); the assertion is that they come on lap 1, with
deadlines only so a broken page fails instead of hanging.

A rig that has no reference yet is a normal state: the page says so and the
console stays clean.
"""

from __future__ import annotations

import re
import time

import pytest

from simcoach_agent.telemetry import SessionInfo
from tests.browser.conftest import Page
from tests.browser.rigs import LiveRig
from tests.browser.test_dashboard_live import open_dashboard
from tests.conftest import start_backend

pytestmark = pytest.mark.integration

SIGNED = re.compile(r"[−+]\d+\.\d\d")
LAP_ROWS = "return document.querySelectorAll('#laps-body tr[data-lap]').length"


def test_a_fresh_demo_shows_the_map_of_spa_a_moving_delta_and_the_corner_on_lap_one(tmp_path, page: Page):
    started = time.monotonic()
    server = start_backend(tmp_path, "--demo")
    try:
        up_s = time.monotonic() - started
        open_dashboard(page, f"{server.http}/")
        page.wait(lambda: page.stats().get("reference") == "ok", 60, "the demo's reference lap on the page")
        page.wait(lambda: page.stats()["map"]["referencePoints"] > 1000, 60, "the reference line on the map")
        map_s = time.monotonic() - started
        stats = page.stats()
        assert stats["map"]["corners"] >= 10, stats["map"]
        page.wait(lambda: page.text("map-note").startswith("reference: 2:"), 60, "the reference's time on the map")
        page.wait(lambda: page.text("ref-time").startswith("(ref 2:"), 60, "the reference's time by the delta")

        deltas: list[str] = []

        def moved() -> bool:
            text = page.text("delta")
            if SIGNED.fullmatch(text) and (not deltas or deltas[-1] != text):
                deltas.append(text)
            return len(deltas) >= 3

        page.wait(moved, 60, "the delta to show a number and move")
        delta_s = time.monotonic() - started
        corner = page.wait(lambda: page.text("corner").strip(), 60, "the corner the car is in or reaches next")
        corner_s = time.monotonic() - started

        # All of it on the first lap: no lap is complete yet.
        assert page.text("lap") == "1", page.text("lap")
        assert page.js(LAP_ROWS) == 0
        assert page.attr("delta", "data-sign") in {"gain", "loss", "even"}
        assert re.fullmatch(r"2:[12]\d\.\d{3}", page.text("predicted")), page.text("predicted")
        assert page.text("coach-latest").startswith("No coaching yet: every corner is compared with the reference")
        assert page.text("ref-time").startswith("(ref 2:")
        print(
            f"\nfresh demo, seconds after the backend was started: HTTP up {up_s:.1f}, map of Spa {map_s:.1f}, "
            f"delta moving {delta_s:.1f} ({deltas}), corner {corner!r} {corner_s:.1f}; all on lap 1"
        )
        assert not page.severe(), "console errors"
    finally:
        server.stop()


def test_a_rig_without_a_reference_is_shown_as_such_with_a_clean_console(tmp_path, page: Page):
    server = start_backend(tmp_path)
    session = SessionInfo(
        game="test", track="Test Ring", car="Test GT3", car_class="GT3", session_type="practice", driver="Tester"
    )
    try:
        with LiveRig(server.ws, "rig-a", session) as rig:
            rig.set(speed_kmh=150.0, lap=1, lap_dist_m=400.0, lap_time_s=12.0, pos_x=10.0, pos_y=20.0)
            open_dashboard(page, f"{server.http}/?rig=rig-a")
            page.wait(lambda: page.stats().get("reference") == "missing", 60, "the page to know there is no reference")
            page.wait(lambda: page.text("speed") == "150", 60, "the rig's frames")
            # What the state says is drawn on the next animation frame.
            note = "no reference lap yet: showing the line driven"
            page.wait(lambda: page.text("map-note") == note, 60, "the map's note")
            assert page.text("ref-time") == "(no reference yet)"
            assert page.text("delta") == "–"
            assert page.text("coach-latest") == "No coaching yet: drive a lap."
            # "missing" comes from the backend's answer, and no failed request was logged for it.
            assert not page.severe(), "console errors"
    finally:
        server.stop()
