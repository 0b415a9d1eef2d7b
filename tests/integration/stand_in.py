"""What the game live tests share: a stand-in game process steered through its stdin, and small waits."""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

from tests.conftest import REPO, Agent


class StandInGame:
    """A stand-in game (a module of tests/rig_agent/games/) printing ``phase NAME`` once each phase is in place."""

    def __init__(self, module: str, *args: str, first_phase: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.wait_for(first_phase)

    def wait_for(self, phase: str) -> None:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line == f"phase {phase}\n", line

    def phase(self, phase: str, shows: str | None = None) -> None:
        """Switch to ``phase``; ``shows`` is the phase name the game prints for it, when another."""
        assert self.process.stdin is not None
        self.process.stdin.write(phase + "\n")
        self.process.stdin.flush()
        self.wait_for(shows or phase)

    def stop(self) -> None:
        if self.process.poll() is None:
            assert self.process.stdin is not None
            self.process.stdin.write("quit\n")
            self.process.stdin.close()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for pipe in (self.process.stdin, self.process.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


def laps(frames: list[dict[str, Any]]) -> list[int]:
    """The lap numbers seen in frames, in order."""
    return sorted({f["lap"] for f in frames if f["lap"] is not None})


def wait_for_log(agent: Agent, text: str, timeout: float = 10.0) -> None:
    """Wait until the agent's output says ``text``; fail with the output if it never does or the agent exits."""
    deadline = time.monotonic() + timeout
    while text not in agent.output():
        if time.monotonic() > deadline or agent.process.poll() is not None:
            raise AssertionError(f"agent never said {text!r}:\n{agent.output()}")
        time.sleep(0.1)
