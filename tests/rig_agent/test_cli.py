"""The agent's command line: what it says when the game is missing or the configuration is wrong."""

import os
import subprocess
import threading

import pytest

from tests.conftest import BIN
from tests.helpers import DEADLINE_S, wait_until


def _start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(BIN / "simcoach-agent"), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def _agent(*args: str, env: dict[str, str] | None = None) -> tuple[str, str, int]:
    """Run the agent to its end: what it printed and its exit status."""
    process = _start(*args, env=env)
    out, err = process.communicate(timeout=DEADLINE_S)
    return out, err, process.returncode


def _waiting_agent(text: str, *args: str, env: dict[str, str] | None = None) -> tuple[str, str, int | None]:
    """Start the agent, wait until its stderr says ``text``, then stop it: what it printed, and its exit
    status when it had stopped by itself before being asked to (None: it was still waiting)."""
    process = _start(*args, env=env)
    err: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: err.extend(iter(process.stderr.readline, "")), daemon=True)
    reader.start()
    try:
        wait_until(lambda: text in "".join(err) or process.poll() is not None, explain=lambda: "".join(err))
        code = process.poll()
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=DEADLINE_S)
        reader.join(DEADLINE_S)
    return out, "".join(err), code


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
    out, err, code = _waiting_agent(
        waited_for, "--game", game, "--stdout", "--udp-port", "45998", env={"SIMCOACH_SHM_DIR": str(tmp_path)}
    )
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
