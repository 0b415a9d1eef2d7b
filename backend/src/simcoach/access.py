"""The optional access token (SIMCOACH_ACCESS_TOKEN) in front of the API and the dashboard WebSocket.

A plain ASGI middleware, because it must guard WebSockets too (Starlette's
HTTP middlewares see only HTTP). The page itself and its static files stay
open, so that a browser can load it and ask for the token; rigs keep their
own tokens on /ws/ingest.

A request shows the token as ``Authorization: Bearer <token>`` or, where a
browser cannot set a header (a WebSocket), as ``?access_token=<token>``.
Refused: HTTP answers 401 with the reason; a WebSocket is accepted and closed
with code 4401 and the reason, which the page can read (a close before the
handshake would reach it as a bare failure).
"""

from __future__ import annotations

import json
from typing import Final
from urllib.parse import parse_qs

from starlette.types import ASGIApp, Receive, Scope, Send

from simcoach.settings import Settings

# The close code a dashboard sees when its token is missing or wrong (4000-4999: the application's own).
UNAUTHORISED_CLOSE: Final = 4401
REASON: Final = "this server needs its access token (SIMCOACH_ACCESS_TOKEN): missing or wrong"


def _guarded(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    if scope["type"] == "http":
        return path.startswith("/api/") or path == "/api"
    return scope["type"] == "websocket" and path == "/ws"


def _token(scope: Scope) -> str | None:
    headers: list[tuple[bytes, bytes]] = scope.get("headers", [])
    for name, value in headers:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return token.strip()
    raw: bytes = scope.get("query_string", b"")
    values: list[str] = parse_qs(raw.decode("latin-1")).get("access_token", [])
    return values[0] if values else None


class AccessGuard:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _guarded(scope) or self.settings.access_allowed(_token(scope)):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "http":
            if scope.get("method") == "OPTIONS":  # a CORS preflight carries no credentials
                await self.app(scope, receive, send)
                return
            body = json.dumps({"detail": REASON}).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"www-authenticate", b"Bearer"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": UNAUTHORISED_CLOSE, "reason": REASON})
