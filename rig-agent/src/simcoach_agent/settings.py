"""Agent settings, read once from SIMCOACH_AGENT_* environment variables and .env; CLI flags override them."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from websockets.exceptions import InvalidURI
from websockets.uri import parse_uri


class EnvSettings(BaseSettings):
    """Settings from the environment and a .env file; a .env that is not UTF-8 is a ValidationError naming it."""

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except UnicodeDecodeError as exc:
            # python-dotenv lets this through; callers handle ValidationError, so say it as one, naming the file.
            env_file = values.get("_env_file", self.model_config.get("env_file"))
            reason = f"{env_file}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8"
            error: Any = {"type": "value_error", "loc": (str(env_file),), "input": env_file, "ctx": {"error": reason}}
            raise ValidationError.from_exception_data(type(self).__name__, [error]) from None


def _default_rig() -> str:
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in socket.gethostname())
    return (name or "rig")[:64]


class AgentSettings(EnvSettings):
    model_config = SettingsConfigDict(
        env_prefix="SIMCOACH_AGENT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    server: str = "ws://127.0.0.1:5001"
    token: SecretStr = SecretStr("")
    rig: str = Field(default_factory=_default_rig, pattern=r"^[A-Za-z0-9_.\-]{1,64}$")
    game: str = "auto"
    rate_hz: float = Field(60.0, gt=0, le=1000)
    # Frames kept while the backend is away; see docs/protocol.md for what happens when full.
    spool_max_frames: int = Field(216_000, ge=100)  # one hour at 60 Hz
    spool_dir: Path = Path.home() / ".simcoach" / "spool"

    @field_validator("server")
    @classmethod
    def _websocket_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError(f"SIMCOACH_AGENT_SERVER must start with ws:// or wss://, got {value!r}")
        value = value.rstrip("/")
        try:
            parse_uri(value)  # what the uplink will connect with: a host, a port that exists
        except (InvalidURI, ValueError) as exc:  # ValueError: a port out of range, a broken IPv6 address
            raise ValueError(f"SIMCOACH_AGENT_SERVER is not a WebSocket address: {exc}") from None
        return value
