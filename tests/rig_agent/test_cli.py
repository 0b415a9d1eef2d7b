"""The agent's command line: what it says when the game is missing or the configuration is wrong."""

import os
import subprocess

import pytest

from tests.conftest import BIN


def _agent(*args: str, env: dict[str, str] | None = None, timeout: float = 3.0) -> tuple[str, str, int | None]:
    process = subprocess.Popen(
        [str(BIN / "simcoach-agent"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.terminate()
        out, err = process.communicate()
        return out, err, None  # still running: it was waiting
    return out, err, process.returncode


@pytest.mark.parametrize(
    ("game", "waited_for"),
    [
        ("acc", "acc: waiting for shared memory"),
        ("r3e", "r3e: waiting for shared memory"),
        ("rf2", "rf2: waiting for shared memory"),
        ("auto", "auto: no game found: waited for ACC/AC, RaceRoom, rFactor 2/LMU shared memory and AMS2 UDP packets"),
    ],
)
def test_a_missing_game_is_named_with_what_the_agent_waits_for(tmp_path, game, waited_for):
    out, err, code = _agent("--game", game, "--stdout", "--udp-port", "45998", env={"SIMCOACH_SHM_DIR": str(tmp_path)})
    assert code is None, "the agent keeps waiting for the game"
    assert waited_for in err
    assert out == "", "nothing is sent that the game did not say"


def test_bad_configuration_names_the_setting():
    _, err, code = _agent("--game", "demo", "--server", "http://host:5001", "--token", "t")
    assert code == 2
    assert "SIMCOACH_AGENT_SERVER must start with ws:// or wss://" in err


def test_sending_without_a_token_says_how_to_give_one(tmp_path):
    _, err, code = _agent("--game", "demo", env={"SIMCOACH_AGENT_TOKEN": "", "HOME": str(tmp_path)})
    assert code == 2
    assert "no rig token: pass --token or set SIMCOACH_AGENT_TOKEN" in err
