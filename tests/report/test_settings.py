"""The report's settings: the openai package's own OPENAI_* names, SIMCOACH_REPORT_* for the rest."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from simcoach.settings import ReportSettings

NAMES = (
    "OPENAI_API_KEY",
    "OPENAI_BASE_URL",
    "SIMCOACH_REPORT_MODEL",
    "SIMCOACH_REPORT_TIMEOUT_S",
    "SIMCOACH_REPORT_RETRIES",
    "SIMCOACH_REPORT_MAX_TOKENS",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in NAMES:
        monkeypatch.delenv(name, raising=False)


def test_defaults_ask_no_one():
    settings = ReportSettings(_env_file=None)
    assert (settings.api_key, settings.base_url, settings.model) == (None, None, "gpt-4o-mini")
    assert (settings.timeout_s, settings.retries, settings.max_tokens) == (60.0, 2, 2000)
    assert not settings.can_ask()


def test_read_from_the_environment_under_the_packages_own_names(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env-0123456789")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1/")
    monkeypatch.setenv("SIMCOACH_REPORT_MODEL", "smollm2")
    monkeypatch.setenv("SIMCOACH_REPORT_TIMEOUT_S", "120")
    monkeypatch.setenv("SIMCOACH_REPORT_RETRIES", "0")
    monkeypatch.setenv("SIMCOACH_REPORT_MAX_TOKENS", "800")
    settings = ReportSettings(_env_file=None)
    assert settings.key() == "sk-from-env-0123456789"
    assert settings.base_url == "http://127.0.0.1:8080/v1"
    assert (settings.model, settings.timeout_s, settings.retries, settings.max_tokens) == ("smollm2", 120.0, 0, 800)


def test_a_server_of_ones_own_is_asked_without_a_key(monkeypatch):
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "")  # as .env.example leaves it: unset
    settings = ReportSettings(_env_file=None)
    assert settings.can_ask() and settings.api_key is None and settings.key() == "not-needed"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("OPENAI_BASE_URL", "127.0.0.1:8080/v1", "OPENAI_BASE_URL: expected http://host:port/v1"),
        ("SIMCOACH_REPORT_RETRIES", "-1", "retries"),
        ("SIMCOACH_REPORT_TIMEOUT_S", "0", "timeout_s"),
    ],
)
def test_bad_values_are_refused_by_name(monkeypatch, name, value, words):
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=words):
        ReportSettings(_env_file=None)


def test_an_error_never_shows_the_key(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-secret-0123456789")
    monkeypatch.setenv("SIMCOACH_REPORT_RETRIES", "many")
    with pytest.raises(ValidationError) as caught:
        ReportSettings(_env_file=None)
    assert "sk-secret" not in str(caught.value)
    assert "sk-secret" not in repr(ReportSettings(_env_file=None, retries=1))
