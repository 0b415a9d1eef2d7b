"""The frontend image's nginx, for real: Debian's nginx runs frontend/nginx/nginx.conf and default.conf.

Only what cannot exist outside Docker is swapped: the port, the folder the image copies the dashboard
to (built here from frontend/Dockerfile's COPY lines, so it holds what the image holds), the backend's
address (a real ``simcoach serve --demo``) and Grafana's (a stand-in HTTP server that records what it
gets, since Grafana does not run here).
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
import yaml

from tests.conftest import REPO, Backend, free_port, start_backend
from tests.helpers import DashboardFeed, wait_until
from tests.nginx import Nginx, nginx_binary, rewritten, run_nginx
from tests.stack.images import copied

PREFIX = "/ai-sim-coach"


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class GrafanaStandIn:
    """An HTTP server on Grafana's address that answers 200 and records every request it got."""

    server: ThreadingHTTPServer
    requests: list[Seen] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_grafana_stand_in() -> GrafanaStandIn:
    seen: list[Seen] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(Seen("GET", self.path, {k.lower(): v for k, v in self.headers.items()}))
            body = b"grafana stand-in"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return GrafanaStandIn(server, seen)


def image_html(target: Path) -> Path:
    """The dashboard's folder as frontend/Dockerfile builds it."""
    return copied(REPO / "frontend" / "Dockerfile", REPO / "frontend", "/usr/share/nginx/html/", target)


def start_nginx(prefix: Path, backend_port: int, grafana_port: int) -> Nginx:
    binary = nginx_binary("the frontend tests")
    prefix.mkdir()
    port = free_port()
    html = image_html(prefix / "html")
    site = rewritten(
        (REPO / "frontend" / "nginx" / "default.conf").read_text(),
        {
            "listen 8124;": f"listen 127.0.0.1:{port};",
            "/usr/share/nginx/html/": f"{html}/",
            "backend:5001": f"127.0.0.1:{backend_port}",
            "grafana:3000": f"127.0.0.1:{grafana_port}",
        },
        "frontend/nginx/default.conf",
    )
    (prefix / "site.conf").write_text(site)
    main = rewritten(
        (REPO / "frontend" / "nginx" / "nginx.conf").read_text(),
        {
            "/tmp/": f"{prefix}/",
            "error_log /dev/stderr": f"error_log {prefix}/error.log",
            "access_log /dev/stdout": f"access_log {prefix}/access.log",
            "include /etc/nginx/conf.d/*.conf;": f"include {prefix}/site.conf;",
        },
        "frontend/nginx/nginx.conf",
    )
    if os.geteuid() == 0:
        # The image runs nginx as the user nginx with no "user" line; as root here, the workers would
        # otherwise become nobody, who cannot read pytest's private temporary folders.
        main = "user root root;\n" + main
    conf = prefix / "nginx.conf"
    conf.write_text(main)
    return run_nginx(binary, prefix, conf, port, probe=f"{PREFIX}/")


@dataclass
class Stack:
    nginx: Nginx
    backend: Backend
    grafana: GrafanaStandIn


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp = tmp_path_factory.mktemp("stack")
    backend = start_backend(tmp, "--demo")
    grafana = start_grafana_stand_in()
    try:
        nginx = start_nginx(tmp / "nginx", backend.port, grafana.port)
    except BaseException:
        grafana.stop()
        backend.stop()
        raise
    yield Stack(nginx, backend, grafana)
    nginx.stop()
    grafana.stop()
    backend.stop()


def get(stack: Stack, path: str, **kwargs: object) -> httpx.Response:
    return httpx.get(f"{stack.nginx.url}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]


def test_the_dashboard_loads_under_the_prefix_with_its_caching_headers(stack: Stack):
    page = get(stack, f"{PREFIX}/")
    assert page.status_code == 200, page.text
    assert page.text == (REPO / "frontend" / "index.html").read_text()
    assert page.headers["cache-control"] == "no-cache"
    script = get(stack, f"{PREFIX}/js/main.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]
    assert script.text == (REPO / "frontend" / "js" / "main.js").read_text()
    # The bare prefix and the site's root lead to the dashboard.
    assert get(stack, PREFIX).headers["location"].endswith(f"{PREFIX}/")
    assert get(stack, "/").headers["location"].endswith(f"{PREFIX}/")


def test_text_is_gzipped(stack: Stack):
    for path in (f"{PREFIX}/", f"{PREFIX}/css/app.css", f"{PREFIX}/js/state.js"):
        answer = get(stack, path, headers={"Accept-Encoding": "gzip"})
        assert answer.status_code == 200 and answer.headers.get("content-encoding") == "gzip", (path, answer.headers)


def test_unknown_paths_are_404(stack: Stack):
    for path in ("/nope", "/index.html", "/api/status", f"{PREFIX}/nope.js", f"{PREFIX}/nginx/default.conf"):
        answer = get(stack, path)
        assert answer.status_code == 404, (path, answer.status_code, answer.text[:200])
    # The image holds only the dashboard's files, not its own build files.
    assert get(stack, f"{PREFIX}/Dockerfile").status_code == 404


def test_the_api_answers_through_the_proxy(stack: Stack):
    through = get(stack, f"{PREFIX}/api/status")
    assert through.status_code == 200, through.text
    direct = httpx.get(f"{stack.backend.http}/api/status", timeout=10).json()
    body = through.json()
    assert body.keys() == direct.keys() and body["version"] == direct["version"]

    def demo_listed() -> bool:
        rigs = get(stack, f"{PREFIX}/api/rigs?any=1")  # a query string passes too
        assert rigs.status_code == 200, rigs.text
        return "demo" in {rig["rig"] for rig in rigs.json()}

    wait_until(demo_listed, explain="the demo rig never showed in /ai-sim-coach/api/rigs")
    assert get(stack, f"{PREFIX}/api/no-such-route").status_code == 404


def test_a_dashboard_websocket_through_the_proxy_receives_frames(stack: Stack):
    async def frames() -> list[dict]:
        async with DashboardFeed(f"ws://127.0.0.1:{stack.nginx.port}{PREFIX}", "all") as feed:
            await feed.until(lambda: len(feed.frames) >= 30, explain=lambda: f"messages: {feed.messages[-3:]}")
            return list(feed.frames)

    received = asyncio.run(frames())
    seqs = [frame["seq"] for frame in received]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), seqs[:40]
    assert {frame["rig"] for frame in received} == {"demo"}


def test_grafana_gets_its_sub_path_as_it_came(stack: Stack):
    path = f"{PREFIX}/grafana/d/simcoach-session/session?orgId=1&var-rig=demo"
    answer = get(stack, path, headers={"Host": "homeserver.lan:8124"})
    assert answer.status_code == 200 and answer.text == "grafana stand-in"
    seen = stack.grafana.requests[-1]
    assert seen.path == path
    # Grafana compares a request's Origin with its Host: the port the browser used must survive.
    assert seen.headers["host"] == "homeserver.lan:8124"
    assert get(stack, f"{PREFIX}/grafana").headers["location"].endswith(f"{PREFIX}/grafana/")


def test_grafana_live_is_proxied_as_a_websocket_upgrade(stack: Stack):
    before = len(stack.grafana.requests)
    path = f"{PREFIX}/grafana/api/live/ws"
    get(stack, path, headers={"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13"})
    wait_until(lambda: len(stack.grafana.requests) > before, 10, "the Grafana stand-in got nothing")
    seen = stack.grafana.requests[-1]
    assert seen.path == path
    assert seen.headers.get("upgrade") == "websocket" and seen.headers.get("connection", "").lower() == "upgrade"
    # A plain request to the same place is not turned into an upgrade.
    get(stack, f"{PREFIX}/grafana/api/live/list")
    assert stack.grafana.requests[-1].headers.get("connection", "").lower() == "close"


def test_the_frontend_health_check_url_answers(stack: Stack):
    compose = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    test = compose["services"]["frontend"]["healthcheck"]["test"]
    url = next(word for word in test if word.startswith("http://"))
    assert url.startswith("http://127.0.0.1:8124/"), url
    answer = httpx.get(url.replace(":8124", f":{stack.nginx.port}", 1), timeout=10)
    assert answer.status_code == 200
