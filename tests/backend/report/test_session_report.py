"""The post-session report of a demo session with injected mistakes, made without any model: the code's ranked
moments name those corners with the right kind; HTML and Markdown carry the same content and the charts; the
report over HTTP, from the CLI, and made by itself when a session ends."""

from __future__ import annotations

import asyncio
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import httpx
import markdown_it
import pytest

from simcoach.report.document import Report, make_report, render
from simcoach.settings import ReportSettings
from simcoach.storage.store import Store
from simcoach.tracks.loader import TrackLibrary
from simcoach_agent.telemetry import SessionInfo
from simcoach_agent.telemetry.codec import encode, encode_batch
from tests.conftest import BIN, TOKENS, start_backend
from tests.helpers import DashboardFeed, make_frame, rig_connection

CHARTS = {"lap-times", "speed-trace", "delta-trace", "corner-losses"}
NO_MODEL = {"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""}


@pytest.fixture(scope="module")
def report(recorded: tuple[Path, str]) -> Report:
    data, session_id = recorded
    store = Store(data / "simcoach.db").open()
    try:
        made = make_report(store, session_id, TrackLibrary(None), ReportSettings(api_key=None, base_url=None))
    finally:
        store.close()
    assert made is not None
    return made


class Page(HTMLParser):
    """What a reader sees of a rendered report: its text, the charts, and the moments' evidence ids."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.charts: list[str] = []
        self.evidence: list[str] = []
        self.text: list[str] = []
        self.open: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "svg" and a.get("data-chart"):
            self.charts.append(a["data-chart"] or "")
        if tag == "li" and a.get("data-evidence"):
            self.evidence.append(a["data-evidence"] or "")

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.text.append(" ".join(data.split()))


def test_without_a_model_the_top_moments_name_the_corners_of_the_mistakes_with_their_kind(report):
    assert report.model.outcome.status == "not_asked" and report.model.observations == []
    top = [(m.corner, m.lap, m.kind) for m in report.moments[:5]]
    assert ("La Source", 2, "late_brake") in top, top
    assert ("Les Combes", 4, "coasting") in top, top
    late = next(m for m in report.moments if m.evidence_id == "corner:La Source:lap2")
    brake = report.packet.item("corner:La Source:lap2")
    assert brake is not None and brake.numbers["brake_later_m"] > 10
    # In plain words, with its own numbers, and something to try.
    assert f"braking {brake.numbers['brake_later_m']:.0f} m later" in late.what_happened
    assert f"Brake at about {brake.numbers['ref_brake_m']:.0f} m" in late.what_to_try
    # Every moment carries where to find it: lap, place on the lap and time into the session.
    assert all(m.lap_dist_m is not None for m in report.moments)
    assert all(m.session_time_s is not None and m.session_time_s > 0 for m in report.moments if m.lap is not None)


def test_every_evidence_item_has_a_stable_id_and_the_ranking_is_the_same_when_made_again(recorded, report):
    data, session_id = recorded
    store = Store(data / "simcoach.db").open()
    try:
        again = make_report(store, session_id, TrackLibrary(None), ReportSettings(api_key=None, base_url=None))
    finally:
        store.close()
    assert again is not None
    assert [i.id for i in again.packet.items] == [i.id for i in report.packet.items]
    assert again.packet.ranked == report.packet.ranked
    kinds = {i.kind for i in report.packet.items}
    assert {"lap", "corner_inconsistent", "tyres", "brakes", "fuel"} <= kinds


def test_the_html_parses_with_its_charts_and_the_markdown_renders_the_same_moments(report):
    html = Page(render(report, "html"))
    assert set(html.charts) == CHARTS
    assert html.evidence == report.packet.ranked
    markdown = render(report, "markdown")
    rendered = Page(markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table").render(markdown))
    assert set(rendered.charts) == CHARTS
    html_text, md_text = " ".join(html.text), " ".join(rendered.text)
    for m in report.moments:
        assert m.what_happened in html_text and m.what_happened in md_text
        assert m.what_to_try in html_text and m.what_to_try in md_text
    for lap in report.laps:
        assert f"| {lap['lap']} |" in markdown
    assert "No model was asked" in html_text and "No model was asked" in md_text


def test_the_report_over_http_and_from_the_command_line(recorded, tmp_path):
    data, session_id = recorded
    server = start_backend(tmp_path, env={"SIMCOACH_DATA_DIR": str(data), **NO_MODEL})
    try:
        page = httpx.get(f"{server.http}/api/sessions/{session_id}/report", timeout=60)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert set(Page(page.text).charts) == CHARTS
        md = httpx.get(f"{server.http}/api/sessions/{session_id}/report.md", timeout=30)
        assert md.status_code == 200 and md.headers["content-type"].startswith("text/markdown")
        assert md.text.startswith("# Session report: Spa-Francorchamps")
        doc = httpx.get(f"{server.http}/api/sessions/{session_id}/report.json", timeout=30).json()
        assert doc["session_id"] == session_id and doc["packet"]["ranked"] == [m["evidence_id"] for m in doc["moments"]]
        # Kept, and linked from the session's analysis.
        analysis = httpx.get(f"{server.http}/api/sessions/{session_id}/analysis", timeout=30).json()
        assert analysis["report"]["url"] == f"api/sessions/{session_id}/report"
        missing = httpx.get(f"{server.http}/api/sessions/nope/report", timeout=10)
        assert missing.status_code == 404 and "no session 'nope'" in missing.text
    finally:
        server.stop()
    out = tmp_path / "out"
    env = {"SIMCOACH_DATA_DIR": str(data), "PATH": "/usr/bin:/bin", **NO_MODEL}
    done = subprocess.run(
        [str(BIN / "simcoach"), "report", session_id, "--out", str(out)],
        check=False,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert set(Page((out / "report.html").read_text()).charts) == CHARTS
    assert (out / "report.md").read_text().startswith("# Session report")
    bad = subprocess.run(
        [str(BIN / "simcoach"), "report", "nope"], check=False, env=env, capture_output=True, text=True
    )
    assert bad.returncode == 2 and "no session 'nope'" in bad.stderr


def test_a_report_is_made_when_a_session_ends_and_its_dashboards_are_told(tmp_path):
    server = start_backend(
        tmp_path,
        env={"SIMCOACH_REPORT_ON_SESSION_END": "1", "SIMCOACH_SESSION_TIMEOUT_S": "1", **NO_MODEL},
    )
    rig = "rig-a"

    async def drive() -> dict:
        async with DashboardFeed(server.ws, rig) as feed:
            ws, _ = await rig_connection(server.ws, rig, TOKENS[rig])
            try:
                await ws.send(encode(SessionInfo(game="acc", track="spa", car="amg_gt3", driver="Ann")))
                await ws.send(encode_batch([encode(make_frame(rig, s)) for s in range(1, 121)]))
                await feed.until(lambda: feed.of_type("frames"))
            finally:
                await ws.close()
            # Away longer than the session timeout: the session ends and its report is made.
            await feed.until(lambda: feed.of_type("report"), explain=lambda: server.status()["reports"])
            return feed.of_type("report")[0]

    try:
        told = asyncio.run(drive())
        session_id = told["session_id"]
        assert told["url"] == f"api/sessions/{session_id}/report"
        doc = httpx.get(f"{server.http}/api/sessions/{session_id}/report.json", timeout=30).json()
        assert doc["packet"]["session"]["track"] == "spa" and doc["model"]["outcome"]["status"] == "not_asked"
        assert server.status()["reports"]["made"] == 1
    finally:
        server.stop()
