"""A server with an access token: the dashboard asks for it once, keeps it, and shows the live rig."""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import Page
from tests.conftest import start_backend

pytestmark = pytest.mark.integration

TOKEN = "access-token-0123456789"
# What Chromium logs for the requests the backend refused before the token was given.
REFUSED = re.compile(r"401 \(Unauthorized\)|status of 401")


def test_the_page_asks_for_the_access_token_once_and_keeps_it(tmp_path, page: Page):
    server = start_backend(tmp_path, "--demo", env={"SIMCOACH_ACCESS_TOKEN": TOKEN})
    try:
        page.open(f"{server.http}/")
        prompt = WebDriverWait(page.driver, 60).until(expected_conditions.alert_is_present())
        assert "SIMCOACH_ACCESS_TOKEN" in prompt.text
        prompt.send_keys(TOKEN)
        prompt.accept()
        page.wait(lambda: page.attr("conn", "data-state") == "open", 60, "the dashboard's WebSocket to open")
        page.wait(lambda: "Spa-Francorchamps" in page.text("session"), 60, "the demo's session")
        page.wait(lambda: page.text("speed").isdigit(), 60, "a live speed")
        assert page.js("return localStorage.getItem('simcoach.accessToken')") == TOKEN
        assert not page.severe(REFUSED), "console errors"

        # Reloaded: the kept token is sent at once, nothing is asked.
        page.driver.refresh()
        page.wait(lambda: page.attr("conn", "data-state") == "open", 60, "the WebSocket to open again")
        assert not expected_conditions.alert_is_present()(page.driver)
        page.wait(lambda: page.text("speed").isdigit(), 60, "a live speed after the reload")
    finally:
        server.stop()
