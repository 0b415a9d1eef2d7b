"""The live dashboard links the post-session report once it is ready: a rig's session ends, the backend
makes the report by itself (SIMCOACH_REPORT_ON_SESSION_END), and the page that watched the rig shows the link."""

from __future__ import annotations

import asyncio
import re

import httpx
import pytest

from simcoach_agent.telemetry import SessionInfo
from simcoach_agent.telemetry.codec import encode, encode_batch
from tests.browser.test_dashboard_live import open_dashboard
from tests.conftest import TOKENS, start_backend
from tests.helpers import make_frame, rig_connection

pytestmark = pytest.mark.integration

RIG = "rig-a"


async def drive_and_leave(ws_base: str) -> None:
    ws, _ = await rig_connection(ws_base, RIG, TOKENS[RIG])
    try:
        await ws.send(encode(SessionInfo(game="acc", track="spa", car="amg_gt3", driver="Ann")))
        await ws.send(encode_batch([encode(make_frame(RIG, s)) for s in range(1, 121)]))
    finally:
        await ws.close()


@pytest.mark.parametrize("token", [None, "dashboard-secret-0123456789"])
def test_the_report_link_appears_when_the_session_ends_and_opens_the_report(tmp_path, page, token):
    env = {"SIMCOACH_REPORT_ON_SESSION_END": "1", "SIMCOACH_SESSION_TIMEOUT_S": "1", "OPENAI_API_KEY": ""}
    if token:
        env["SIMCOACH_ACCESS_TOKEN"] = token
    server = start_backend(tmp_path, env=env)
    try:
        if token:
            page.open(f"{server.http}/favicon.svg")
            page.js("localStorage.setItem('simcoach.accessToken', arguments[0])", token)
        open_dashboard(page, f"{server.http}/?rig={RIG}")
        assert page.js("return document.getElementById('report-link').hidden") is True
        asyncio.run(drive_and_leave(server.ws))
        page.wait(lambda: not page.js("return document.getElementById('report-link').hidden"), 60, "the report link")
        href = page.js("return document.getElementById('report-link').href")
        session_id = page.js("return document.getElementById('report-link').dataset.session")
        assert f"/api/sessions/{session_id}/report" in href
        # The link opens the report as it is, the access token in its query when the server wants one.
        answer = httpx.get(href, timeout=30)
        assert answer.status_code == 200 and "Session report: spa" in answer.text
        # Opening the bare SVG (to set the token before the page runs) makes Chromium ask for a favicon.ico.
        assert page.severe(re.compile(r"/favicon\.ico - Failed to load resource")) == []
    finally:
        server.stop()
