"""The agent's settings fuzzed: any SIMCOACH_AGENT_* environment and .env give usable settings or a named refusal."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from pydantic import ValidationError

from simcoach_agent.settings import AgentSettings
from tests.rig_agent.fuzz.harness import ShmFolder, cpu_limit
from tests.rig_agent.fuzz.settings_target import Environment, agent_environments, check_agent_settings


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with ShmFolder() as shm_folder:
        yield shm_folder.path


@settings(max_examples=300, deadline=None, derandomize=True)
@given(case=agent_environments())
def test_any_agent_environment_gives_usable_settings_or_names_the_setting(folder: Path, case: Environment) -> None:
    with cpu_limit():
        check_agent_settings(folder, case)


def test_a_dotenv_that_is_not_utf8_is_a_validation_error_naming_the_file(folder: Path) -> None:
    # Found by the fuzzer: python-dotenv raised UnicodeDecodeError, which the CLI does not expect (a traceback).
    env_file = folder / "latin1.env"
    env_file.write_bytes("SIMCOACH_AGENT_RIG=caf\xe9\n".encode("latin-1"))
    with pytest.raises(ValidationError, match=rf"{env_file}: not UTF-8 text \(invalid continuation byte"):
        AgentSettings(_env_file=env_file)  # type: ignore[call-arg]


@pytest.mark.parametrize("server", ["ws://", "ws://host:99999", "wss://[::1"])
def test_a_server_without_a_usable_address_names_the_setting(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Found by the fuzzer: "ws://" passed (and became "ws:"), and the uplink failed on every connect instead.
    monkeypatch.setenv("SIMCOACH_AGENT_SERVER", server)
    with pytest.raises(ValidationError, match="SIMCOACH_AGENT_SERVER is not a WebSocket address"):
        AgentSettings(_env_file=None)  # type: ignore[call-arg]
