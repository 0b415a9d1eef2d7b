"""Backend settings, read once from SIMCOACH_* environment variables and .env (see .env.example)."""

from __future__ import annotations

import hmac
import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from simcoach_agent.settings import EnvSettings
from simcoach_agent.telemetry.codec import MAX_MESSAGE_BYTES

# Tokens that ship in .env.example; refused outside development so that a
# server is never exposed with a published secret.
PLACEHOLDER_TOKENS = frozenset({"change-me", "changeme", "placeholder", "secret", "token"})

# A rig's name as the protocol's frames and hello carry it (simcoach_agent.telemetry.frame.Name).
RIG_NAME = r"^[A-Za-z0-9_.\-]{1,64}$"

_REPO_FRONTEND = Path(__file__).resolve().parents[3] / "frontend"


def _weak(secret: SecretStr) -> bool:
    """A secret that must not guard a server: a placeholder of .env.example, or shorter than 12 characters."""
    value = secret.get_secret_value()
    return value.strip().lower() in PLACEHOLDER_TOKENS or len(value) < 12


class Settings(EnvSettings):
    model_config = SettingsConfigDict(
        env_prefix="SIMCOACH_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(5001, ge=1, le=65535)
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    # One token per rig: "rig1:token1,rig2:token2". The token decides which rig
    # a connection may speak for.
    rig_tokens: Annotated[dict[str, SecretStr], NoDecode] = Field(default_factory=dict)

    demo: bool = False
    demo_rig: str = Field("demo", pattern=RIG_NAME)
    demo_seed: int = 1
    demo_mistakes: str = ""
    demo_rate_hz: float = Field(60.0, gt=0, le=1000)
    # Simulated seconds per real second: above 1 the demo laps faster than life (demos, tests).
    demo_speed: float = Field(1.0, gt=0, le=100)

    # Where the embedded store keeps its file; "none" keeps nothing (frames are acked when taken).
    store: Literal["sqlite", "none"] = "sqlite"
    data_dir: Path = Path("data")
    # Frames taken but not yet stored, at most: when the store falls this far
    # behind, ingest stops reading rigs' sockets until it catches up (their spools keep the rest).
    store_max_pending_frames: int = Field(100_000, ge=1, le=10_000_000)
    # Days raw frames are kept; unset keeps them all. Laps, traces, events and sessions are always kept.
    retention_days: float | None = Field(None, gt=0)
    # A rig away this long (seconds) ends its session; back sooner with the same session message, it goes on.
    session_timeout_s: float = Field(300.0, gt=0, le=7 * 86_400)
    # Frames per InfluxDB write: 5,000 is ~9.5 MB of line protocol, under InfluxDB 1.x's default
    # [http] max-body-size (25 MB) and 3.x's request limit (10 MiB); larger batches gained nothing
    # measurable (bench/exporter_write.py, docs/storage.md).
    export_batch_frames: int = Field(5000, ge=1, le=100_000)

    frontend_dir: Path = _REPO_FRONTEND
    # Your own track files (TOML, see docs/coaching.md); they add to and replace the built-in ones.
    tracks_dir: Path | None = None
    # Frames a dashboard may have waiting per rig before the oldest are dropped: about
    # a second at 60 Hz, so a batch a rig sends after a reconnect passes whole.
    dashboard_queue_frames: int = Field(64, ge=1, le=10000)
    # How often a rig connection is told the highest seq taken, in seconds.
    ack_interval_s: float = Field(0.1, gt=0, le=10)

    # Set: every /api route and the dashboard WebSocket need it (Authorization: Bearer, or ?access_token=);
    # the page asks for it once and keeps it. Unset (the default): open, as on a rig's own PC.
    access_token: SecretStr | None = None
    # Origins (scheme://host[:port], comma-separated) whose pages may call the API from a browser; none by default.
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # A rig message larger than this is refused with the reason (the connection goes on).
    ingest_max_message_bytes: int = Field(MAX_MESSAGE_BYTES, ge=1024, le=MAX_MESSAGE_BYTES)
    # Frames of one rig beyond this many per second of its own clock (in bursts up to a second's worth) are
    # refused with the reason; 0: no limit. A backlog resent after an outage is spread over its own time.
    ingest_max_hz: float = Field(250.0, ge=0, le=10_000)
    # Make each session's post-session report as soon as the session ends (and tell its dashboards);
    # otherwise a report is made when first asked for. The model it asks: OPENAI_* and SIMCOACH_REPORT_*.
    report_on_session_end: bool = False

    @field_validator("rig_tokens", mode="before")
    @classmethod
    def _parse_tokens(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        tokens: dict[str, str] = {}
        for item in filter(None, (part.strip() for part in value.split(","))):
            rig, sep, token = item.partition(":")
            if not sep or not rig.strip() or not token.strip():
                raise ValueError(f"SIMCOACH_RIG_TOKENS: expected 'rig:token' pairs, got {item!r}")
            if not re.match(RIG_NAME, rig.strip()):
                # A hello can only name a rig the frame's Name allows: such a token could never be used.
                raise ValueError(f"SIMCOACH_RIG_TOKENS: rig name {rig.strip()!r} is not 1-64 of A-Z a-z 0-9 _ . -")
            tokens[rig.strip()] = token.strip()
        return tokens

    @field_validator("access_token", mode="before")
    @classmethod
    def _empty_token_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _parse_origins(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        origins = [part.strip().rstrip("/") for part in value.split(",") if part.strip()]
        for origin in origins:
            if not re.match(r"^https?://[A-Za-z0-9.\-]+(:[0-9]{1,5})?$", origin):
                raise ValueError(
                    f"SIMCOACH_CORS_ORIGINS: {origin!r} is not an origin like http://tablet.local:8124 "
                    "(scheme, host and port only)"
                )
        return origins

    @field_validator("retention_days", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # SIMCOACH_RETENTION_DAYS= (as .env.example has it) means "keep everything", not an error.
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("demo_mistakes")
    @classmethod
    def _known_mistakes(cls, value: str) -> str:
        if value:
            from simcoach_agent.games.demo import parse_mistakes

            try:
                parse_mistakes(value)
            except ValueError as exc:
                raise ValueError(f"SIMCOACH_DEMO_MISTAKES: {exc}") from None
        return value

    @model_validator(mode="after")
    def _no_placeholders_in_production(self) -> Settings:
        if self.environment == "production":
            if not self.rig_tokens:
                raise ValueError(
                    "SIMCOACH_RIG_TOKENS: no rig token is set; in production every rig needs its own "
                    "(rig:token pairs, each token 12 characters or more)"
                )
            if self.access_token is not None and _weak(self.access_token):
                raise ValueError(
                    "SIMCOACH_ACCESS_TOKEN: a placeholder or shorter than 12 characters; set a real secret "
                    "in production, or leave it empty for no access token"
                )
            for rig, token in self.rig_tokens.items():
                if _weak(token):
                    raise ValueError(
                        f"SIMCOACH_RIG_TOKENS: the token of rig {rig!r} is a placeholder or shorter "
                        "than 12 characters; set a real secret in production"
                    )
        return self

    def access_allowed(self, token: str | None) -> bool:
        """Whether a request carrying ``token`` may use the API and the dashboard WebSocket."""
        if self.access_token is None:
            return True
        return token is not None and hmac.compare_digest(self.access_token.get_secret_value().encode(), token.encode())

    def rig_for_token(self, token: str) -> str | None:
        """The rig a bearer token belongs to, or None."""
        for rig, secret in self.rig_tokens.items():
            if hmac.compare_digest(secret.get_secret_value().encode(), token.encode()):
                return rig
        return None


def http_url(setting: str, value: str | None, expected: str) -> str | None:
    """A server's base URL without its trailing slash; an error naming ``setting`` unless it is http(s)://host..."""
    if value is None:
        return None
    url = value.strip().rstrip("/")
    scheme, _, rest = url.partition("://")
    if scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
        raise ValueError(f"{setting}: expected {expected}, got {value!r}")
    return url


class InfluxSettings(EnvSettings):
    """Where the exporter copies the embedded store: INFLUXDB_* (the names the product's .env has always used).

    Unset INFLUXDB_URL: no export. Every other check happens only when a URL is set, and names the setting.
    """

    # An empty value in .env (INFLUXDB_URL=) means unset. An error never echoes the input: it holds the token.
    model_config = SettingsConfigDict(
        env_prefix="INFLUXDB_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        hide_input_in_errors=True,
    )

    url: str | None = None
    # The server's major version: 2 (org, bucket, token) or 1 (database, retention policy, user, password).
    # InfluxDB 3 accepts both APIs.
    version: Literal["1", "2"] = "2"
    org: str | None = None
    bucket: str | None = None
    token: SecretStr | None = None
    database: str | None = None
    retention_policy: str | None = None
    username: str | None = None
    password: SecretStr | None = None
    # gzip each write (level 1, about 3.4x smaller, ~17 µs of CPU a frame): for an InfluxDB across a slow
    # link, where 20,000 frames/s would be ~38 MB/s of line protocol; on the same host it only costs CPU.
    gzip: bool = False

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return http_url("INFLUXDB_URL", value, "http://host:port or https://host:port")

    @field_validator("version", mode="before")
    @classmethod
    def _major_version(cls, value: object) -> object:
        # "2.7" or "v1" as a server reports itself mean the same API as "2" or "1".
        if isinstance(value, str | int):
            major = str(value).strip().lower().removeprefix("v").split(".")[0]
            if major in ("1", "2"):
                return major
        raise ValueError(f"INFLUXDB_VERSION: expected 1 or 2 (the server's major version), got {value!r}")

    @model_validator(mode="after")
    def _complete_for_version(self) -> InfluxSettings:
        if self.url is None:
            return self
        if self.version == "2":
            missing = [f"INFLUXDB_{name.upper()}" for name in ("org", "bucket", "token") if not getattr(self, name)]
            if missing:
                raise ValueError(f"{', '.join(missing)}: required for InfluxDB 2 (INFLUXDB_VERSION=2)")
        else:
            if not self.database:
                raise ValueError("INFLUXDB_DATABASE: required for InfluxDB 1 (INFLUXDB_VERSION=1)")
            if (self.username is None) != (self.password is None):
                raise ValueError("INFLUXDB_USERNAME and INFLUXDB_PASSWORD: set both or neither")
        return self


class StackSecrets(EnvSettings):
    """Secrets of the stack's other services (docker-compose.yml), checked by the backend in production.

    The backend uses none of them; it reads the same .env, so it can refuse to
    start a stack whose Grafana or InfluxDB would be guarded by a placeholder.
    """

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True, hide_input_in_errors=True
    )

    grafana_admin_password: SecretStr | None = None
    influxdb_admin_password: SecretStr | None = None


def check_production(settings: Settings, influx: InfluxSettings, stack: StackSecrets) -> None:
    """In production, refuse placeholder or short secrets for the services around the backend, by name."""
    if settings.environment != "production":
        return
    weak = [
        name
        for name, secret in (
            ("INFLUXDB_TOKEN", influx.token if influx.url is not None else None),
            ("INFLUXDB_PASSWORD", influx.password if influx.url is not None else None),
            ("GRAFANA_ADMIN_PASSWORD", stack.grafana_admin_password),
            ("INFLUXDB_ADMIN_PASSWORD", stack.influxdb_admin_password),
        )
        if secret is not None and _weak(secret)
    ]
    if weak:
        raise ValueError(
            f"{', '.join(weak)}: a placeholder or shorter than 12 characters; set real secrets in production"
        )


# The openai client refuses to start without a key; a local server (llama.cpp, Ollama, LM Studio, vLLM)
# usually checks none, so with only OPENAI_BASE_URL set this stands in for one.
NO_KEY_NEEDED = "not-needed"


class ReportSettings(EnvSettings):
    """The model the report asks, through any server that speaks OpenAI's chat completions.

    OPENAI_API_KEY alone: OpenAI itself. OPENAI_BASE_URL (with or without a key): that server, e.g.
    http://127.0.0.1:8080/v1 for llama.cpp. Neither: the report is made without the model's words.
    """

    # An empty value in .env (OPENAI_API_KEY=) means unset. An error never echoes the input: it may hold the key.
    model_config = SettingsConfigDict(
        env_prefix="SIMCOACH_REPORT_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        hide_input_in_errors=True,
        populate_by_name=True,
    )

    # Not prefixed: the names the openai package itself reads, so one .env serves both.
    api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "api_key"))
    base_url: str | None = Field(None, validation_alias=AliasChoices("OPENAI_BASE_URL", "base_url"))
    # The model's name as the server knows it (a local server often serves whatever it loaded, by any name).
    model: str = Field("gpt-4o-mini", min_length=1)
    # Seconds one attempt may wait for the server (connecting, and between bytes of the answer).
    timeout_s: float = Field(60.0, gt=0, le=3600)
    # Further attempts after a timeout, a rate limit, a refusal or an answer that does not parse.
    retries: int = Field(2, ge=0, le=10)
    # The longest answer asked for, in tokens: bounds a small model that would otherwise ramble on.
    max_tokens: int = Field(2000, ge=100, le=100_000)
    # The most evidence items the model is shown, the most worth reviewing first; unset: all of them.
    # For a local model with a small context: a four-lap session's packet is ~35 items, ~8,000 tokens.
    max_items: int | None = Field(None, ge=1, le=10_000)

    @field_validator("max_items", mode="before")
    @classmethod
    def _empty_is_all(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        return http_url("OPENAI_BASE_URL", value, "http://host:port/v1 or https://host/v1")

    def can_ask(self) -> bool:
        """Whether there is a model to ask: a key (OpenAI), or a server of one's own (a key optional)."""
        return self.api_key is not None or self.base_url is not None

    def key(self) -> str:
        """The key the client is given: the real one, or a stand-in for a local server that wants none."""
        return self.api_key.get_secret_value() if self.api_key is not None else NO_KEY_NEEDED
