"""Agent settings, read once from SIMCOACH_AGENT_* environment variables and .env; CLI flags override them."""

from __future__ import annotations

import socket
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def _default_rig() -> str:
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in socket.gethostname())
    return (name or "rig")[:64]


class AgentSettings(BaseSettings):
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
        return value.rstrip("/")
