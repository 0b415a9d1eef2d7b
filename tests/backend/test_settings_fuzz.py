"""The backend's settings fuzzed: any SIMCOACH_* environment and .env give usable settings or a named refusal."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from simcoach.settings import Settings
from tests.rig_agent.fuzz.harness import Broken, ShmFolder, cpu_limit, is_name
from tests.rig_agent.fuzz.settings_target import Environment, check_settings, environments


def usable_backend_settings(s: Settings) -> None:
    """Settings taken are ones the backend can run with: rigs it names can speak, numbers are numbers."""
    if not is_name(s.demo_rig):
        raise Broken(f"demo_rig {s.demo_rig!r} taken, which no frame may carry")
    for rig in s.rig_tokens:
        if not is_name(rig):
            raise Broken(f"a token for rig {rig!r} taken, which no hello may name")
    for name in ("demo_rate_hz", "demo_speed", "ack_interval_s"):
        if not math.isfinite(getattr(s, name)):
            raise Broken(f"{name} {getattr(s, name)} taken")


def backend_environments() -> st.SearchStrategy[Environment]:
    return environments(Settings, "SIMCOACH_")


def check_backend_settings(folder: Path, case: Environment) -> None:
    check_settings(Settings, folder, case, usable_backend_settings)


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with ShmFolder() as shm_folder:
        yield shm_folder.path


@settings(max_examples=300, deadline=None, derandomize=True)
@given(case=backend_environments())
def test_any_backend_environment_gives_usable_settings_or_names_the_setting(folder: Path, case: Environment) -> None:
    with cpu_limit():
        check_backend_settings(folder, case)


@pytest.mark.parametrize("rig", ["my rig", "rig/1", "é", "a" * 65])
def test_rig_names_no_frame_may_carry_are_refused_naming_the_setting(rig: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Found by the fuzzer: these were taken, and then every demo frame (or every hello with that token) was refused.
    monkeypatch.setenv("SIMCOACH_DEMO_RIG", rig)
    with pytest.raises(ValidationError, match="demo_rig"):
        Settings(_env_file=None)  # type: ignore[call-arg]
    monkeypatch.delenv("SIMCOACH_DEMO_RIG")
    monkeypatch.setenv("SIMCOACH_RIG_TOKENS", f"{rig}:aaaaaaaaaaaaaaaa")
    with pytest.raises(ValidationError, match="SIMCOACH_RIG_TOKENS: rig name"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_a_dotenv_that_is_not_utf8_is_a_validation_error_naming_the_file(folder: Path) -> None:
    env_file = folder / "latin1.env"
    env_file.write_bytes("SIMCOACH_DEMO_RIG=caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValidationError, match=rf"{env_file}: not UTF-8 text"):
        Settings(_env_file=env_file)  # type: ignore[call-arg]
