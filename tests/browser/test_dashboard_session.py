"""A session with laps, in a real Chromium: lap table, delta bar, reference map, coaching feed, screenshots.

A real rig connection sends the demo car's first two laps as fast as the backend takes them (no one
waits 4:40 for them), then drives on in real time into lap 3. On lap 2 the demo driver brakes late
into La Source; the backend's coaching engine does the rest: laps, the reference, the live delta,
and the advice about La Source, given on the straight before it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest

from tests.browser.conftest import Page, screenshot_targets
from tests.browser.rigs import LiveRig, demo_frames, demo_session
from tests.browser.test_dashboard_live import open_dashboard
from tests.conftest import Backend, start_backend

pytestmark = pytest.mark.integration

RATE_HZ = 60
# Laps 1 and 2 (~140 s each) up to the pit straight, sent at once; lap 2 ends live a few seconds later.
FAST_FORWARD_S = 276
MISTAKES = "late_brake@La Source:2"


@pytest.fixture(scope="module")
def lap_backend(tmp_path_factory) -> Iterator[Backend]:
    tmp = tmp_path_factory.mktemp("laps")
    server = start_backend(tmp)
    t0 = time.time() - FAST_FORWARD_S
    source = demo_frames("rig-a", MISTAKES, seed=1, t0=t0, rate_hz=RATE_HZ)
    with LiveRig(server.ws, "rig-a", demo_session(), source=source, fast_forward=FAST_FORWARD_S * RATE_HZ) as rig:
        if not rig.fast_forwarded.wait(60):
            raise AssertionError(f"the first laps were not sent in time ({rig.sent} frames)")
        yield server
    server.stop()


def seconds(lap_time: str) -> float:
    minutes, rest = lap_time.split(":")
    return int(minutes) * 60 + float(rest)


def wait_for_laps(page: Page, server: Backend, laps: int) -> None:
    open_dashboard(page, f"{server.http}/?rig=rig-a")
    rows = "return [...document.querySelectorAll('#laps-body tr[data-lap]')].map(tr => tr.dataset.lap)"
    page.wait(lambda: len(page.js(rows)) >= laps, 30, f"{laps} laps in the table")


def row_of(page: Page, lap: int) -> list[str]:
    cells = f"#laps-body tr[data-lap='{lap}'] td"
    return list(page.js(f'return [...document.querySelectorAll("{cells}")].map(td => td.textContent)'))


def test_laps_fill_the_lap_table_the_delta_bar_the_reference_map_and_the_coaching_feed(lap_backend, page):
    page.viewport(1920, 1080)
    wait_for_laps(page, lap_backend, 2)
    head = page.js("return [...document.querySelectorAll('#laps-head th')].map(th => th.textContent)")
    assert head == ["lap", "time", "S1", "S2", "S3", "Δ ref", ""], head
    one, two = row_of(page, 1), row_of(page, 2)
    for row in (one, two):
        assert re.fullmatch(r"2:[12]\d\.\d{3}", row[1]), f"lap time: {row}"
        assert abs(sum(float(s) for s in row[2:5]) - seconds(row[1])) < 0.01, f"sectors add up to the lap: {row}"
    assert re.fullmatch(r"[−+]\d\.\d{3}", two[5]), f"lap 2 against the reference: {two}"
    assert "ref" in (one[6] + two[6]) and "best" in (one[6] + two[6]), (one, two)
    assert abs(seconds(page.text("last-lap")) - seconds(two[1])) < 0.01, "the game's last lap and the engine's lap 2"

    # Lap 3 against the reference: a signed delta, coloured by its sign, and a predicted lap.
    page.wait(lambda: re.fullmatch(r"[−+]\d+\.\d\d", page.text("delta")), 60, "a live delta")
    # Both read in one go: the delta is redrawn every frame.
    sign, text = page.js("const n = document.getElementById('delta'); return [n.dataset.sign, n.textContent]")
    assert sign == "gain" if text.startswith("−") else sign in {"loss", "even"}, (sign, text)
    assert re.fullmatch(r"2:[12]\d\.\d{3}", page.text("predicted")), page.text("predicted")
    assert page.text("ref-time").startswith("(ref 2:")
    assert page.js("return document.querySelectorAll('#sectors .sector').length") == 3

    # The reference lap's line with Spa's corners on the map, and ticks on the progress bar.
    page.wait(lambda: page.stats()["map"]["labels"] >= 8, 60, "corner names on the map")
    stats = page.stats()
    assert stats["reference"] == "ok"
    assert stats["map"]["referencePoints"] > 1000, stats["map"]
    assert stats["map"]["corners"] == 13, stats["map"]
    assert page.js("return document.querySelectorAll('#progress-ticks i').length") == 13
    assert page.text("map-note").startswith("reference: 2:")

    # The engine's advice about the late braking into La Source on lap 2 reaches the feed.
    advice = page.wait(
        lambda: [m for m in page.feed() if m["kind"] == "late_brake" and "La Source" in m["text"]],
        20,
        "the advice about La Source",
    )
    print(f"\ncoaching feed: {page.feed()}")
    assert advice[0]["lap"] == "2" and advice[0]["severity"] in {"info", "warning", "critical"}
    assert page.attr("coach-latest", "data-kind"), "the newest message is shown large"
    assert page.text("fuel-lap").endswith(" l"), "fuel per lap after a lap"
    assert page.text("fuel-laps") != "–"
    assert not page.severe(), "console errors"


def test_screenshots_at_phone_and_desktop_sizes(lap_backend, page):
    page.viewport(1920, 1080)
    wait_for_laps(page, lap_backend, 2)
    page.wait(lambda: page.stats()["reference"] == "ok", 60, "the reference lap")
    # A few seconds of trace and trail behind the car for the picture (240 samples: 4 s at 60 Hz).
    page.wait(lambda: page.stats()["buffers"]["trace"] >= 240, 60, "a few seconds of input trace")
    overflow = "return [document.documentElement.scrollWidth, document.documentElement.scrollHeight]"
    width, height = page.js(overflow)
    assert (width, height) == (1920, 1080), f"the desktop layout scrolls: {width}x{height}"
    for target in screenshot_targets("dashboard-desktop.png"):
        page.screenshot(target)

    page.viewport(360, 740, scale=2, mobile=True)
    page.wait(lambda: page.js("return window.innerWidth") == 360, 30, "the phone viewport")
    page.wait(lambda: page.js("return new Promise(r => requestAnimationFrame(() => r(true)))"), 30, "a drawn frame")
    width, _ = page.js(overflow)
    assert width == 360, f"the phone layout is wider than the phone: {width}px"
    # Every panel fits across the phone.
    right_edges = page.js("return [...document.querySelectorAll('.panel')].map(p => p.getBoundingClientRect().right)")
    assert max(right_edges) <= 360, right_edges
    # What a driver glances at is on the first screen: speed, gear, the delta.
    for element_id in ("speed", "gear", "delta"):
        bottom = page.js(f"return document.getElementById('{element_id}').getBoundingClientRect().bottom")
        assert bottom <= 740, f"#{element_id} is below the first screen of a phone ({bottom}px)"
    for target in screenshot_targets("dashboard-phone.png"):
        page.screenshot(target)
    page.screenshot(screenshot_targets("dashboard-phone-full.png")[0], full_page=True)
    assert not page.severe(), "console errors"
