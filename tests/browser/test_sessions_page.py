"""The sessions page in a real Chromium, on a stored demo session with injected mistakes.

The demo driver brakes late into La Source on lap 2 and coasts into Pouhon on lap 3; the backend
stores the whole session (frames, laps, traces, corners, coaching). The page lists it, opens it,
compares two of its laps, and everything a driver reads there is checked against the backend's own
numbers: the delta at the line against the two lap times, the corner that cost time, the zoom, the
map marker under the cursor, the URL that brings the same view back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from simcoach.demo_session import record_to_file
from tests.browser.conftest import Page, screenshot_targets, start_nginx
from tests.conftest import Backend, start_backend

pytestmark = pytest.mark.integration

MISTAKES = "late_brake@La Source:2,coasting@Pouhon:3"
LAPS = 4
TOKEN = "access-token-0123456789"
REFUSED = re.compile(r"401 \(Unauthorized\)|status of 401")


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sessions-data")
    record_to_file(folder / "simcoach.db", LAPS, seed=3, mistakes=MISTAKES)
    return folder


@pytest.fixture(scope="module")
def stored(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    server = start_backend(tmp_path_factory.mktemp("sessions-backend"), env={"SIMCOACH_DATA_DIR": str(data_dir)})
    yield server
    server.stop()


def get(server: Backend, path: str) -> Any:
    response = httpx.get(f"{server.http}{path}", headers=server.headers, timeout=30)
    response.raise_for_status()
    return response.json()


@pytest.fixture(scope="module")
def session(stored: Backend) -> dict[str, Any]:
    """The stored demo session, as the backend analyses it."""
    [found] = [s for s in get(stored, "/api/sessions")["sessions"] if s["laps"] == LAPS]
    return dict(get(stored, f"/api/sessions/{found['id']}/analysis"))


def lap_id(analysis: dict[str, Any], number: int) -> int:
    return int(next(lap["id"] for lap in analysis["laps"] if lap["lap"] == number))


def seconds(text: str) -> float:
    minutes, rest = text.split(":")
    return int(minutes) * 60 + float(rest)


def signed(text: str) -> float:
    """A delta as the page writes it: "+1.388" or "−0.356" (a real minus sign)."""
    return float(text.replace("−", "-"))


# --- reading the page ------------------------------------------------------------------------------


def report(page: Page) -> dict[str, Any]:
    return dict(page.js("return window.simcoachSessions ? window.simcoachSessions.report() : {};") or {})


def query(page: Page) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(page.driver.current_url).query).items()}


def wait_compared(page: Page, a: int, b: int, runs_before: int = 0) -> dict[str, Any]:
    """Until laps a and b are drawn (a new timing run recorded); the page's report then."""

    def drawn() -> dict[str, Any] | None:
        r = report(page)
        comparing = r.get("comparing") or {}
        ok = comparing.get("a") == a and comparing.get("b") == b and len(r.get("perf") or []) > runs_before
        return r if ok else None

    return dict(page.wait(drawn, 30, f"laps {a} and {b} compared"))


def plot(page: Page, channel: str) -> Any:
    return page.driver.find_element(By.CSS_SELECTOR, f".chart[data-channel='{channel}'] .u-over")


def hover(page: Page, channel: str, fraction: float) -> None:
    """The real mouse over a chart, at ``fraction`` of its width (Selenium offsets from the middle)."""
    over = plot(page, channel)
    width = over.size["width"]
    ActionChains(page.driver).move_to_element_with_offset(over, round((fraction - 0.5) * (width - 2)), 0).perform()


def scales(page: Page) -> list[tuple[float, float]]:
    return [(s["min"], s["max"]) for s in report(page)["scales"]]


def lap_row(page: Page, lap: int) -> dict[str, str]:
    return dict(
        page.js(
            "const tr = document.querySelector(`#slaps-body tr[data-lap='${arguments[0]}']`);"
            "return Object.fromEntries([...tr.children].map(td => [td.className.split(' ')[0], td.textContent]));",
            lap,
        )
    )


def corner_cell(page: Page, corner: str, lap: int) -> dict[str, Any]:
    return dict(
        page.js(
            "const row = document.querySelector(`#corners-body tr[data-corner='${arguments[0]}']`);"
            "const td = row && row.querySelector(`td[data-lap='${arguments[1]}']`);"
            "return td && {text: td.textContent, lost: td.dataset.lost, kind: td.dataset.kind || null,"
            " title: td.title, mistake: td.classList.contains('mistake')};",
            corner,
            lap,
        )
        or {}
    )


def open_list(page: Page, url: str) -> None:
    page.open(url)
    page.wait(lambda: report(page).get("listRows", 0) >= 1, 60, "the sessions list")


# --- the tests ------------------------------------------------------------------------------------


def test_the_list_shows_the_session_newest_first_with_its_facts_and_filters(stored, session, page):
    page.viewport(1600, 1000)
    open_list(page, f"{stored.http}/sessions.html")
    s = session["session"]
    cells = page.js(
        "return [...document.querySelectorAll(`#sessions-body tr[data-session='${arguments[0]}'] td`)]"
        ".map(td => td.textContent)",
        s["id"],
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", cells[0]), cells
    assert cells[1:] == ["demo · Demo Driver", "demo", "Spa-Francorchamps", "Mercedes-AMG GT3", "4", "2:19.465"], cells
    assert abs(seconds(cells[6]) - s["best_lap_s"]) < 0.001

    # Filtered by track and car: the choices are what is stored, and the choice goes in the URL.
    track = Select(page.driver.find_element(By.ID, "filter-track"))
    assert [o.text for o in track.options] == ["all", "Spa-Francorchamps"]
    track.select_by_visible_text("Spa-Francorchamps")
    page.wait(lambda: query(page).get("track") == "Spa-Francorchamps", 10, "the track filter in the URL")
    page.wait(lambda: report(page)["listRows"] >= 1, 10, "the filtered list")
    car = Select(page.driver.find_element(By.ID, "filter-car"))
    car.select_by_visible_text("Mercedes-AMG GT3")
    page.wait(lambda: query(page).get("car") == "Mercedes-AMG GT3", 10, "the car filter in the URL")
    # The filtered URL, opened afresh, filters the same way.
    page.open(page.driver.current_url)
    page.wait(lambda: report(page).get("listRows") == 1, 30, "the filtered list after a reload")
    assert Select(page.driver.find_element(By.ID, "filter-car")).first_selected_option.text == "Mercedes-AMG GT3"
    assert not page.severe(), "console errors"


def test_a_comparison_of_two_laps_its_delta_corners_cursor_zoom_and_url(stored, session, page):
    page.viewport(1600, 1000)
    open_list(page, f"{stored.http}/sessions.html")
    sid = session["session"]["id"]
    page.driver.find_element(By.CSS_SELECTOR, f"#sessions-body a[data-session='{sid}']").click()
    # Opened with a comparison at once: the reference against another lap.
    first = page.wait(lambda: report(page).get("perf"), 30, "the first comparison drawn")
    assert query(page)["session"] == sid
    assert page.text("fact-theoretical") == "2:19.456"
    assert page.text("fact-spread") == f"{session['consistency']['spread_s']:.3f} s"

    # Lap 2 (late into La Source) as A, lap 3 as B, picked with the lap table's buttons.
    two, three = lap_id(session, 2), lap_id(session, 3)
    runs = len(first)
    page.driver.find_element(By.CSS_SELECTOR, "#slaps-body tr[data-lap='2'] button.pick-a").click()
    page.driver.find_element(By.CSS_SELECTOR, "#slaps-body tr[data-lap='3'] button.pick-b").click()
    r = wait_compared(page, two, three, runs)
    assert r["comparing"]["points"] == 7005, "a metre apart over the 7004 m lap"
    assert (query(page)["a"], query(page)["b"]) == (str(two), str(three))

    # The delta at the line is lap 3's time minus lap 2's, as the lap table shows them.
    times = {lap: seconds(lap_row(page, lap)["time"]) for lap in (2, 3)}
    expected = times[3] - times[2]
    end = float(page.attr("compare-summary", "data-end-delta") or "nan")
    assert abs(end - expected) < 0.05, (end, expected)
    # ... and the trace under the mouse at the end of the lap says the same.
    hover(page, "delta", 1.0)
    page.wait(lambda: page.js("return document.querySelector('.v-delta').textContent") not in ("", "–"), 10, "a delta")
    shown = signed(page.js("return document.querySelector('.v-delta').textContent"))
    assert abs(shown - expected) < 0.05, (shown, expected)
    assert page.text("readout").startswith("7.0 km") or page.text("readout").startswith("7 km"), page.text("readout")

    # The map's colours follow the delta: braking later into La Source, lap 2 (A) is ahead on the way in
    # (red: B loses) and far behind from the apex on (green: B gains). Swapped, the colours swap.
    la_source = next(c for c in session["corners"] if c["name"] == "La Source")
    entry = f"return window.simcoachSessions.map.colours({la_source['from_m']}, {la_source['apex_m']})"
    exit_ = f"return window.simcoachSessions.map.colours({la_source['apex_m']}, {la_source['to_m']})"
    before, after = page.js(entry), page.js(exit_)
    assert before["loss"] > 2 * before["gain"] and after["gain"] > 4 * after["loss"], (before, after)
    page.driver.find_element(By.ID, "swap").click()
    wait_compared(page, three, two, len(report(page)["perf"]))
    mirrored = {"gain": "loss", "loss": "gain", "even": "even"}
    assert page.js(entry) == {mirrored[k]: v for k, v in before.items()}
    assert page.js(exit_) == {mirrored[k]: v for k, v in after.items()}
    assert signed(page.attr("compare-summary", "data-end-delta") or "nan") == -end
    page.driver.find_element(By.ID, "swap").click()
    wait_compared(page, two, three, len(report(page)["perf"]))

    # The corner table: La Source on lap 2 lost time, and the coach named the late braking there.
    cell = corner_cell(page, "La Source", 2)
    assert cell["mistake"] and cell["kind"] == "late_brake", cell
    assert float(cell["lost"]) > 0.15 and cell["text"].startswith("+"), cell
    assert abs(signed(cell["text"]) - la_source["laps"][1]["time_lost_s"]) < 0.0005
    assert "later than your best" in cell["title"]

    # The cursor moves the map's markers along the lap.
    marks = []
    for fraction in (0.2, 0.5, 0.8):
        hover(page, "speed_kmh", fraction)
        marks.append(page.wait(lambda: (m := report(page)["map"]["marker"]) and m not in marks and m, 10, "the marker"))
    assert [m["dist_m"] for m in marks] == sorted(m["dist_m"] for m in marks), marks
    assert len({(m["x"], m["y"]) for m in marks}) == 3, marks
    assert 1300 < marks[0]["dist_m"] < 1500 and 5500 < marks[2]["dist_m"] < 5700, marks

    # A click on the corner's row zooms every chart (and the map) to it, and the URL keeps it.
    page.driver.find_element(By.CSS_SELECTOR, "#corners-body tr[data-corner='La Source']").click()
    want = (la_source["from_m"], la_source["to_m"])
    page.wait(lambda: set(scales(page)) == {want}, 10, "every chart zoomed to La Source")
    assert len(scales(page)) == 6
    assert (float(query(page)["from"]), float(query(page)["to"])) == want
    assert page.text("map-note") == f"{want[0]:.0f}–{want[1]:.0f} m"
    assert page.js("return document.querySelector('#corners-body tr.zoomed').dataset.corner") == "La Source"

    # A corner name above the charts is a button too: back to the whole lap, then a click on "Bus Stop".
    page.driver.find_element(By.ID, "zoom-reset").click()
    page.wait(lambda: set(scales(page)) == {(0.0, 7004.0)}, 10, "the whole lap again")
    assert "from" not in query(page)
    name = next(n for n in report(page)["names"] if n["name"] == "Bus Stop")
    canvas = page.driver.find_element(By.CSS_SELECTOR, ".chart[data-channel='delta'] canvas")
    x = (name["left"] + name["right"]) / 2 - canvas.size["width"] / 2
    y = (name["top"] + name["bottom"]) / 2 - canvas.size["height"] / 2
    ActionChains(page.driver).move_to_element_with_offset(canvas, round(x), round(y)).click().perform()
    bus_stop = next(c for c in session["corners"] if c["name"] == "Bus Stop")
    page.wait(lambda: set(scales(page)) == {(bus_stop["from_m"], bus_stop["to_m"])}, 10, "zoomed to the Bus Stop")

    # Dragging across a chart zooms them all to the stretch dragged over.
    page.driver.find_element(By.ID, "zoom-reset").click()
    page.wait(lambda: set(scales(page)) == {(0.0, 7004.0)}, 10, "the whole lap again")
    over = plot(page, "speed_kmh")
    width = over.size["width"]
    ActionChains(page.driver).move_to_element_with_offset(over, round(-0.3 * width), 0).click_and_hold().move_by_offset(
        round(0.2 * width), 0
    ).release().perform()
    page.wait(lambda: len(set(scales(page))) == 1 and scales(page)[0] != (0.0, 7004.0), 10, "a dragged zoom")
    lo, hi = scales(page)[0]
    assert 1200 < lo < 1600 and 2600 < hi < 3000, (lo, hi)
    assert (int(query(page)["from"]), int(query(page)["to"])) == (round(lo), round(hi))

    # The URL brings the same view back in a fresh page: session, laps, zoom.
    url = page.driver.current_url
    assert not page.severe(), "console errors"
    page.open("about:blank")
    page.open(url)
    r = wait_compared(page, two, three)
    page.wait(lambda: set(scales(page)) == {(round(lo), round(hi))}, 10, "the zoom from the URL")
    assert Select(page.driver.find_element(By.ID, "lap-a")).first_selected_option.get_attribute("value") == str(two)
    assert Select(page.driver.find_element(By.ID, "lap-b")).first_selected_option.get_attribute("value") == str(three)
    assert r["map"]["baseDraws"] >= 1 and r["map"]["segments"]["loss"] + r["map"]["segments"]["gain"] > 0
    assert not page.severe(), "console errors"


def test_a_coaching_event_opens_the_lap_and_corner_it_is_about(stored, session, page):
    page.viewport(1600, 1000)
    sid = session["session"]["id"]
    one = lap_id(session, 1)
    page.open(f"{stored.http}/sessions.html?session={sid}&a={one}&b={one}")
    wait_compared(page, one, one)
    items = page.js("return [...document.querySelectorAll('#events li')].map(li => [li.dataset.kind, li.textContent])")
    assert any(kind == "late_brake" and "La Source" in text for kind, text in items), items
    assert any(kind == "coasting" and "Pouhon" in text for kind, text in items), items
    page.driver.find_element(By.CSS_SELECTOR, "#events li[data-kind='coasting']").click()
    pouhon = next(c for c in session["corners"] if c["name"] == "Pouhon")
    # The coach spoke on lap 4 about lap 3 (it analyses a lap, then speaks on the next): lap 3 it is.
    r = wait_compared(page, one, lap_id(session, 3), 1)
    page.wait(lambda: set(scales(page)) == {(pouhon["from_m"], pouhon["to_m"])}, 10, "zoomed to Pouhon")
    assert r["comparing"]["b"] == lap_id(session, 3)
    assert not page.severe(), "console errors"


def test_screenshots_at_phone_and_desktop_sizes(stored, session, page):
    sid = session["session"]["id"]
    a, b = session["reference"]["lap_id"], lap_id(session, 2)
    page.viewport(1920, 1080)
    page.open(f"{stored.http}/sessions.html?session={sid}&a={a}&b={b}")
    wait_compared(page, a, b)
    hover(page, "speed_kmh", 0.06)  # the cursor in the braking zone of La Source, for the picture
    page.wait(lambda: report(page)["map"]["marker"], 10, "the map marker")
    # Wider than the window only by its vertical scroll bar: nothing sticks out sideways.
    overflow = "const d = document.documentElement; return d.scrollWidth - d.clientWidth;"
    assert page.js(overflow) == 0, "the desktop layout scrolls sideways"
    for target in screenshot_targets("sessions-desktop.png"):
        page.screenshot(target)

    page.viewport(360, 740, scale=2, mobile=True)
    page.wait(lambda: page.js("return window.innerWidth") == 360, 30, "the phone viewport")
    # The charts follow their box: every one of them fits across the phone.
    page.wait(
        lambda: (
            max(
                page.js(
                    "return [...document.querySelectorAll('.chart canvas')].map(c => c.getBoundingClientRect().right)"
                )
            )
            <= 360
        ),
        10,
        "charts resized to the phone",
    )
    assert page.js("return document.documentElement.scrollWidth") == 360, "the phone layout scrolls sideways"
    right_edges = page.js("return [...document.querySelectorAll('.panel')].map(p => p.getBoundingClientRect().right)")
    assert max(right_edges) <= 360, right_edges

    # A finger moving across a chart moves the cursor and the map's markers, as the mouse does.
    page.driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 1})
    page.js("arguments[0].scrollIntoView({block: 'center'})", plot(page, "speed_kmh"))
    box = page.js(
        "return document.querySelector(\".chart[data-channel='speed_kmh'] .u-over\").getBoundingClientRect().toJSON()"
    )
    y = box["top"] + box["height"] / 2
    seen = []
    for kind, fraction in (("touchStart", 0.3), ("touchMove", 0.5), ("touchMove", 0.7)):
        point = {"x": box["left"] + fraction * box["width"], "y": y}
        page.driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": kind, "touchPoints": [point]})
        seen.append(page.wait(lambda: (m := report(page)["map"]["marker"]) and m not in seen and m, 10, "the marker"))
    page.driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    assert [m["dist_m"] for m in seen] == sorted(m["dist_m"] for m in seen), seen
    page.js("window.scrollTo(0, 0)")
    for target in screenshot_targets("sessions-phone.png"):
        page.screenshot(target)
    page.screenshot(screenshot_targets("sessions-phone-full.png")[0], full_page=True)
    assert not page.severe(), "console errors"


def test_the_post_session_report_is_linked_before_and_after_it_is_made(stored, session, page):
    sid = session["session"]["id"]
    page.open(f"{stored.http}/sessions.html?session={sid}")
    page.wait(lambda: report(page).get("perf"), 30, "the session")
    link = page.driver.find_element(By.ID, "report")
    assert link.is_displayed() and link.get_attribute("href") == f"{stored.http}/api/sessions/{sid}/report"
    if get(stored, f"/api/sessions/{sid}/analysis")["report"] is None:
        assert link.text == "post-session report"  # made when the link is first opened
    httpx.get(f"{stored.http}/api/sessions/{sid}/report", timeout=60).raise_for_status()
    page.driver.refresh()
    page.wait(lambda: report(page).get("perf"), 30, "the session again")
    link = page.driver.find_element(By.ID, "report")
    page.wait(lambda: link.text.startswith("post-session report (20"), 30, "the report's date on its link")
    assert link.get_attribute("href") == f"{stored.http}/api/sessions/{sid}/report"
    assert not page.severe(), "console errors"


def test_the_dashboard_header_links_the_sessions_page(stored, page):
    page.viewport(360, 740, scale=2, mobile=True)
    page.open(f"{stored.http}/")
    link = page.driver.find_element(By.ID, "to-sessions")
    assert link.get_attribute("href") == f"{stored.http}/sessions.html"
    assert link.rect["y"] + link.rect["height"] < 60, "the link sits in the header's first line on a phone"
    link.click()
    page.wait(lambda: report(page).get("listRows", 0) >= 1, 30, "the sessions page")
    assert page.driver.find_element(By.CSS_SELECTOR, ".nav a[href='index.html']").text == "live"
    assert not page.severe(), "console errors"


def test_behind_nginx_under_a_path_prefix(stored, session, page, tmp_path):
    nginx = start_nginx(tmp_path, stored.port)
    try:
        sid = session["session"]["id"]
        page.viewport(1280, 900)
        open_list(page, f"{nginx.url}/ai-sim-coach/sessions.html")
        page.driver.find_element(By.CSS_SELECTOR, f"#sessions-body a[data-session='{sid}']").click()
        r = page.wait(lambda: report(page).get("perf") and report(page), 30, "a comparison through nginx")
        assert r["comparing"]["points"] == 7005
        assert urlparse(page.driver.current_url).path == "/ai-sim-coach/sessions.html"
        # The exports are linked under the prefix, and nginx passes them to the backend.
        hrefs = page.js("return [...document.querySelectorAll('#exports a')].map(a => a.href)")
        base = f"{nginx.url}/ai-sim-coach/api/sessions/{sid}"
        assert hrefs == [f"{base}/frames.csv", f"{base}/frames.parquet", f"{base}/laps.csv"], hrefs
        laps_csv = httpx.get(hrefs[2], timeout=30)
        assert laps_csv.status_code == 200 and laps_csv.text.count("\n") >= LAPS, laps_csv.text[:200]
        access = (nginx.prefix / "access.log").read_text()
        for wanted in (
            "GET /ai-sim-coach/sessions.html",
            "GET /ai-sim-coach/vendor/uplot/uPlot.esm.js",
            "GET /ai-sim-coach/js/sessions/main.js",
            "GET /ai-sim-coach/api/sessions?limit=",
            f"GET /ai-sim-coach/api/sessions/{sid}/analysis",
            "GET /ai-sim-coach/api/compare?a=",
        ):
            assert wanted in access, f"{wanted!r} not in nginx's access log"
        assert not page.severe(), "console errors"
    finally:
        nginx.stop()


def test_with_an_access_token_the_page_asks_once_and_downloads_exports_with_it(data_dir, tmp_path, page):
    server = start_backend(tmp_path, env={"SIMCOACH_DATA_DIR": str(data_dir), "SIMCOACH_ACCESS_TOKEN": TOKEN})
    try:
        page.open(f"{server.http}/sessions.html")
        prompt = WebDriverWait(page.driver, 30).until(expected_conditions.alert_is_present())
        assert "SIMCOACH_ACCESS_TOKEN" in prompt.text
        prompt.send_keys(TOKEN)
        prompt.accept()
        page.wait(lambda: report(page).get("listRows", 0) >= 1, 30, "the list with the token")
        page.driver.find_element(By.CSS_SELECTOR, "#sessions-body a[data-session]").click()
        page.wait(lambda: report(page).get("perf"), 30, "a comparison with the token")
        # An export fetched with the token (a plain link could not send it) and handed over as a file.
        page.js(
            "window.__downloads = []; const click = HTMLAnchorElement.prototype.click;"
            "HTMLAnchorElement.prototype.click = function () {"
            " if (this.href.startsWith('blob:')) window.__downloads.push([this.download, this.href]);"
            " else click.call(this); };"
        )
        page.driver.find_element(By.CSS_SELECTOR, "#exports a.export:last-child").click()
        name, blob = page.wait(lambda: page.js("return window.__downloads[0]"), 30, "the export downloaded")
        assert name == "laps.csv"
        text = page.js("return fetch(arguments[0]).then(r => r.text())", blob)
        assert text.count("\n") >= LAPS, text[:200]

        # The report, once made, opens in a new tab fetched with the token too.
        sid = query(page)["session"]
        made = httpx.get(f"{server.http}/api/sessions/{sid}/report", headers=server.headers, timeout=60)
        made.raise_for_status()
        page.driver.refresh()
        page.wait(lambda: not page.js("return document.getElementById('report').hidden"), 30, "the report's link")
        tabs = set(page.driver.window_handles)
        page.driver.find_element(By.ID, "report").click()
        [tab] = page.wait(lambda: set(page.driver.window_handles) - tabs, 30, "the report's tab")
        page.driver.switch_to.window(tab)
        page.wait(lambda: page.driver.title.startswith("Session report:"), 30, "the report in its tab")
        assert not page.severe(REFUSED), "console errors"
    finally:
        server.stop()


def test_a_lap_against_the_reference_of_its_car_and_track_from_another_session(tmp_path, page):
    # Two sessions of the same car at the same track: the later, slower one is measured against the
    # earlier one's best lap, the reference of that car and track.
    data = tmp_path / "data"
    data.mkdir()
    fast = record_to_file(data / "simcoach.db", LAPS, seed=3, mistakes=MISTAKES)
    slow = record_to_file(data / "simcoach.db", 2, seed=4, mistakes="late_brake@Bus Stop:1")
    server = start_backend(tmp_path, env={"SIMCOACH_DATA_DIR": str(data)})
    try:
        analysis = get(server, f"/api/sessions/{slow}/analysis")
        reference = analysis["reference"]
        assert reference["session_id"] == fast, reference

        page.viewport(1600, 1000)
        open_list(page, f"{server.http}/sessions.html")
        order = page.js("return [...document.querySelectorAll('#sessions-body tr')].map(tr => tr.dataset.session)")
        assert order[:2] == [slow, fast], "newest first"
        page.driver.find_element(By.CSS_SELECTOR, f"#sessions-body a[data-session='{slow}']").click()
        # By default the reference is A, the session's last lap B.
        r = wait_compared(page, reference["lap_id"], lap_id(analysis, 2))
        picked = Select(page.driver.find_element(By.ID, "lap-a")).first_selected_option.text
        assert picked.startswith("reference · 2:19.465") and "another session" in picked, picked
        assert page.text("fact-reference-note").startswith("from another session")
        end = float(page.attr("compare-summary", "data-end-delta") or "nan")
        lap_two = next(lap for lap in analysis["laps"] if lap["lap"] == 2)
        assert abs(end - (lap_two["time_s"] - reference["time_s"])) < 0.05, (end, lap_two, reference)
        assert r["comparing"]["points"] == 7005
        assert not page.severe(), "console errors"
    finally:
        server.stop()


def test_an_unknown_session_says_so(stored, page):
    page.open(f"{stored.http}/sessions.html?session=no-such-session")
    page.wait(lambda: not page.js("return document.getElementById('error').hidden"), 30, "the error shown")
    assert "no session 'no-such-session'" in page.text("error") and "404" in page.text("error")
    assert page.text("title") == "session not found"
    # The browser logs the refused request itself; nothing else may be logged.
    assert not page.severe(re.compile(r"analysis - Failed to load resource: .* 404")), "console errors"
