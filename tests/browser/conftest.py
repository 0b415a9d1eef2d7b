"""Real headless Chromium (Debian's chromium and chromedriver) driving the dashboard, and a real nginx."""

from __future__ import annotations

import base64
import json
import os
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, free_port
from tests.nginx import Nginx, nginx_binary, rewritten, run_nginx

CHROMIUM = Path(os.environ.get("SIMCOACH_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("SIMCOACH_CHROMEDRIVER", "/usr/bin/chromedriver"))
ARTIFACTS = REPO / "artifacts"
DOCS_IMG = REPO / "docs" / "img"

# Console lines that are the expected sound of a test, not a page bug: while a backend is down the
# page's reconnects fail. (No reference lap yet is a normal answer, not an error: nothing to allow.)
BACKEND_DOWN = re.compile(r"WebSocket connection to .* failed|net::ERR_CONNECTION_REFUSED|ERR_CONNECTION_RESET")


def _require_browser() -> None:
    # Not a skip: a machine that is meant to run these tests and cannot is a failure to see.
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.exists():
            pytest.fail(f"{path} is missing: install Debian's {package} (./dev.sh test does) to run the browser tests")
    try:
        from selenium import webdriver  # noqa: F401
    except ImportError:
        pytest.fail("selenium is not installed in the venv: ./dev.sh test installs the dev dependency group")


@dataclass
class Page:
    """One browser (its own profile) with the helpers the tests share."""

    driver: Any
    logs: list[dict[str, Any]] = field(default_factory=list)

    def open(self, url: str) -> None:
        self.driver.get(url)

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def text(self, element_id: str) -> str:
        return str(
            self.js("const n = document.getElementById(arguments[0]); return n ? n.textContent : null;", element_id)
        )

    def attr(self, element_id: str, name: str) -> str | None:
        value = self.js(
            "const n = document.getElementById(arguments[0]); return n && n.getAttribute(arguments[1]);",
            element_id,
            name,
        )
        return None if value is None else str(value)

    def feed(self) -> list[dict[str, str]]:
        """The coaching feed, newest first: kind, severity, lap and text of each message shown."""
        return list(
            self.js(
                "return [...document.querySelectorAll('#coach-latest[data-kind], #coach-older li')]"
                ".map(n => ({kind: n.dataset.kind, severity: n.dataset.severity, lap: n.dataset.lap,"
                " text: n.textContent}))"
            )
        )

    def stats(self) -> dict[str, Any]:
        return dict(self.js("return window.simcoachStats ? window.simcoachStats.report() : null;") or {})

    def wait(self, check: Callable[[], Any], timeout: float, what: str) -> Any:
        deadline = time.monotonic() + timeout
        last: Any = None
        while time.monotonic() < deadline:
            last = check()
            if last:
                return last
            time.sleep(0.1)
        raise AssertionError(
            f"timed out after {timeout:.0f} s waiting for {what} (last seen: {last!r}); {self.describe()}"
        )

    def describe(self) -> str:
        try:
            status, session = self.text("conn"), self.text("session")
            return f"page stats: {json.dumps(self.stats())}; status {status!r}; session {session!r}"
        except Exception as exc:  # the page may be gone; the original failure matters more
            return f"page not readable: {exc}"

    def collect_logs(self) -> list[dict[str, Any]]:
        self.logs.extend(self.driver.get_log("browser"))
        return self.logs

    def severe(self, *allowed: re.Pattern[str]) -> list[str]:
        """SEVERE console entries not matching one of ``allowed``."""
        return [
            entry["message"]
            for entry in self.collect_logs()
            if entry["level"] == "SEVERE" and not any(p.search(entry["message"]) for p in allowed)
        ]

    def viewport(self, width: int, height: int, scale: float = 1.0, mobile: bool = False) -> None:
        self.driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": scale, "mobile": mobile},
        )

    def screenshot(self, path: Path, full_page: bool = False) -> Path:
        params: dict[str, Any] = {"format": "png", "captureBeyondViewport": full_page}
        if full_page:
            metrics = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})
            size = metrics["cssContentSize"]
            params["clip"] = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = self.driver.execute_cdp_cmd("Page.captureScreenshot", params)["data"]
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(data))
        return path


def _new_driver(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    # A fixed browser and driver: Selenium Manager is never asked to find or download one.
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-extensions",
        "--mute-audio",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(profile.parent / "chromedriver.log"))
    return webdriver.Chrome(service=service, options=options)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Callable[[], Page]]:
    """A factory of fresh browsers; every browser it made quits at the end of the test."""
    _require_browser()
    pages: list[Page] = []

    def make() -> Page:
        profile = tmp_path / f"chromium-profile-{len(pages)}"
        profile.mkdir()
        page = Page(_new_driver(profile))
        pages.append(page)
        return page

    yield make
    for page in pages:
        page.driver.quit()


@pytest.fixture
def page(browser: Callable[[], Page]) -> Page:
    return browser()


def screenshot_targets(name: str) -> list[Path]:
    """Where a screenshot goes: artifacts/ always, docs/img/ when SIMCOACH_UPDATE_SCREENSHOTS=1."""
    targets = [ARTIFACTS / name]
    if os.environ.get("SIMCOACH_UPDATE_SCREENSHOTS") == "1":
        targets.append(DOCS_IMG / name)
    return targets


# --- nginx ----------------------------------------------------------------------------------------


def nginx_config(site: str, prefix: Path) -> str:
    """A whole nginx.conf around one server block, every path inside ``prefix`` (no root needed)."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {prefix}/access.log;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
{site}
}}
"""


def start_nginx(tmp_path: Path, backend_port: int) -> Nginx:
    """nginx with the shipped site (frontend/nginx/default.conf), pointed at this checkout and backend."""
    binary = nginx_binary("the path-prefix test")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    port = free_port()
    site = rewritten(
        (REPO / "frontend" / "nginx" / "default.conf").read_text(),
        {
            "listen 8124;": f"listen 127.0.0.1:{port};",
            "/usr/share/nginx/html/": f"{REPO / 'frontend'}/",
            "backend:5001": f"127.0.0.1:{backend_port}",
        },
        "frontend/nginx/default.conf",
    )
    conf = prefix / "nginx.conf"
    conf.write_text(nginx_config(site, prefix))
    return run_nginx(binary, prefix, conf, port, probe="/ai-sim-coach/", timeout_s=10)
