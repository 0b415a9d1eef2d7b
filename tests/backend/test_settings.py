"""Backend settings: rig tokens and refusal of placeholder secrets outside development."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from simcoach.settings import Settings


def test_rig_tokens_parse_from_the_environment(monkeypatch):
    monkeypatch.setenv("SIMCOACH_RIG_TOKENS", "rig1:aaaaaaaaaaaaaaaa, rig2:bbbbbbbbbbbbbbbb")
    settings = Settings()
    assert settings.rig_for_token("bbbbbbbbbbbbbbbb") == "rig2"
    assert settings.rig_for_token("nope") is None


def test_a_malformed_token_list_names_the_setting(monkeypatch):
    monkeypatch.setenv("SIMCOACH_RIG_TOKENS", "rig1-without-token")
    with pytest.raises(ValidationError, match="SIMCOACH_RIG_TOKENS"):
        Settings()


def test_placeholder_tokens_are_refused_in_production(monkeypatch):
    monkeypatch.setenv("SIMCOACH_RIG_TOKENS", "rig1:change-me")
    monkeypatch.setenv("SIMCOACH_ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="placeholder"):
        Settings()
    monkeypatch.setenv("SIMCOACH_ENVIRONMENT", "development")
    assert Settings().rig_for_token("change-me") == "rig1"


def test_a_bad_port_names_the_setting(monkeypatch):
    monkeypatch.setenv("SIMCOACH_PORT", "99999")
    with pytest.raises(ValidationError, match="port"):
        Settings()


def test_unknown_demo_mistakes_name_the_setting(monkeypatch):
    monkeypatch.setenv("SIMCOACH_DEMO_MISTAKES", "late_brake@Nowhere")
    with pytest.raises(ValidationError, match=r"SIMCOACH_DEMO_MISTAKES.*Nowhere"):
        Settings()


def test_the_example_env_file_is_a_valid_configuration():
    """What a server admin copies to .env first must start the backend as it is."""
    from simcoach.settings import InfluxSettings

    example = Path(__file__).parents[2] / ".env.example"
    settings = Settings(_env_file=example)
    assert settings.retention_days is None and settings.session_timeout_s == 300
    InfluxSettings(_env_file=example)


def test_retention_must_be_a_positive_number_of_days():
    with pytest.raises(ValidationError, match="retention_days"):
        Settings(retention_days="-1")
    assert Settings(retention_days="7").retention_days == 7.0
