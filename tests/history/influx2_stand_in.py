"""What the InfluxDB 2.x stand-ins share: a local HTTP server answering as 2.x does (no 2.x server runs here).

Each test module's handler decides the answer to a request (``_answer``) and sends it with ``reply``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Influx2Handler(BaseHTTPRequestHandler):
    def _answer(self) -> None:
        raise NotImplementedError

    def reply(self, path: str, status: int, answer: object) -> None:
        """``answer`` as JSON (none when None), with the version header 2.x puts on /ping."""
        data = json.dumps(answer).encode() if answer is not None else b""
        self.send_response(status)
        if path == "/ping":
            self.send_header("X-Influxdb-Version", "v2.7.11")
        if data:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def serving(handler: type[Influx2Handler]) -> Iterator[str]:
    """The server's URL while the block runs; shut down and joined after it."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
