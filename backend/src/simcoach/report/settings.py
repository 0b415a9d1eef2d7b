"""Where the post-session report asks its model: OPENAI_* (the openai package's own names) and SIMCOACH_REPORT_*."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import SettingsConfigDict

from simcoach_agent.settings import EnvSettings

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
        if value is None:
            return None
        url = value.strip().rstrip("/")
        scheme, _, rest = url.partition("://")
        if scheme.lower() not in ("http", "https") or not rest or rest.startswith("/"):
            raise ValueError(f"OPENAI_BASE_URL: expected http://host:port/v1 or https://host/v1, got {value!r}")
        return url

    def can_ask(self) -> bool:
        """Whether there is a model to ask: a key (OpenAI), or a server of one's own (a key optional)."""
        return self.api_key is not None or self.base_url is not None

    def key(self) -> str:
        """The key the client is given: the real one, or a stand-in for a local server that wants none."""
        return self.api_key.get_secret_value() if self.api_key is not None else NO_KEY_NEEDED
