"""A real local HTTP server speaking OpenAI's chat completions, answering from a script, recording requests.

Tests point the real ``openai`` client at ``server.url`` (as OPENAI_BASE_URL would) and queue the replies
it should get, one per request: an answer, a 429 with Retry-After, a reply slower than the client's
timeout, a body that is no chat completion, a refusal. A request past the script gets a 500 saying so.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    # Seconds to wait before replying (woken early when the server stops).
    delay_s: float = 0.0


@dataclass
class Request:
    path: str
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]
    at: float  # time.monotonic() when it came in

    @property
    def prompt(self) -> str:
        """All the text of the chat the model was sent."""
        return "\n".join(str(message.get("content", "")) for message in self.body.get("messages", []))


def completion(
    content: str | None, *, refusal: str | None = None, finish_reason: str = "stop", model: str = "scripted"
) -> Reply:
    """A 200 chat completion whose one choice holds ``content`` (or a refusal)."""
    body = {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
            }
        ],
        "usage": {"prompt_tokens": 900, "completion_tokens": 150, "total_tokens": 1050},
    }
    return Reply(body=json.dumps(body).encode())


def answer(answer: dict[str, Any]) -> Reply:
    """A chat completion whose content is the answer, as JSON."""
    return completion(json.dumps(answer))


def rate_limited(retry_after: str = "1") -> Reply:
    body = {"error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}}
    return Reply(
        status=429,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Retry-After": retry_after},
    )


def error(status: int, message: str) -> Reply:
    return Reply(status=status, body=json.dumps({"error": {"message": message, "type": "scripted"}}).encode())


def slow(seconds: float) -> Reply:
    """A good-looking reply that comes only after ``seconds``: longer than the client waits."""
    reply = completion('{"observations": [], "priorities": [], "uncertainty": []}')
    reply.delay_s = seconds
    return reply


def html(text: str = "<html><body>502 Bad Gateway</body></html>") -> Reply:
    """A body that is no chat completion at all, as a proxy in the way might send."""
    return Reply(body=text.encode(), headers={"Content-Type": "text/html"})


class ChatServer:
    """``with ChatServer() as server:`` a server on a free port of 127.0.0.1 until the block ends."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.requests: list[Request] = []
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        # Handler threads are joined on close (none is left behind), and woken early by _stopping.
        self._http.daemon_threads = False
        self._thread = threading.Thread(target=self._http.serve_forever, name="chat-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def script(self, *replies: Reply) -> ChatServer:
        self.replies.extend(replies)
        return self

    def __enter__(self) -> ChatServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join()

    def _next(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self.replies:
                return self.replies.popleft()
        return error(500, f"the test scripted no reply for request {len(self.requests)}")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = {"unparsed": raw.decode("utf-8", "replace")}
                request = Request(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                if self.path.rstrip("/") != "/v1/chat/completions":
                    reply = error(404, f"no route {self.path}")
                    with server._lock:
                        server.requests.append(request)
                else:
                    reply = server._next(request)
                if reply.delay_s and server._stopping.wait(reply.delay_s):
                    return
                try:
                    self.send_response(reply.status)
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", str(len(reply.body)))
                    self.end_headers()
                    self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up first (its timeout): that is what the slow reply is for

            def log_message(self, format: str, *args: Any) -> None:
                pass  # pytest shows what failed; the server's access log would only add noise

        return Handler
