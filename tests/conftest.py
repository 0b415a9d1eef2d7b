"""Shared fixtures: real backend processes on free ports, and frame builders."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TOKENS = {"rig-a": "token-a-0123456789", "rig-b": "token-b-0123456789", "demo-agent": "token-demo-0123456789"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Backend:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    # SIMCOACH_ACCESS_TOKEN when the backend was started with one: the helpers below send it.
    access_token: str | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def status(self) -> dict:
        return httpx.get(f"{self.http}/api/status", headers=self.headers, timeout=5).json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_backend(tmp_path: Path, *args: str, port: int | None = None, env: dict[str, str] | None = None) -> Backend:
    port = port or free_port()
    log = tmp_path / f"backend-{port}-{time.monotonic_ns()}.log"
    full_env = {
        **os.environ,
        "SIMCOACH_RIG_TOKENS": ",".join(f"{rig}:{token}" for rig, token in TOKENS.items()),
        "SIMCOACH_LOG_LEVEL": "warning",
        **(env or {}),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "simcoach"), "serve", "--port", str(port), *args],
            cwd=tmp_path,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    backend = Backend(port, process, log, full_env.get("SIMCOACH_ACCESS_TOKEN") or None)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"backend exited: {log.read_text()}")
        try:
            if httpx.get(f"{backend.http}/api/status", headers=backend.headers, timeout=1).status_code == 200:
                return backend
        except httpx.TransportError:
            time.sleep(0.1)
    backend.stop()
    raise RuntimeError(f"backend did not start: {log.read_text()}")


@pytest.fixture
def backend(tmp_path: Path) -> Iterator[Backend]:
    server = start_backend(tmp_path)
    yield server
    server.stop()


@dataclass
class Agent:
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_agent(tmp_path: Path, backend: Backend, *args: str, rig: str = "demo-agent") -> Agent:
    """A real ``simcoach-agent`` process sending to ``backend`` as ``rig`` (stdout and stderr to a log)."""
    log = tmp_path / f"agent-{rig}-{time.monotonic_ns()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BIN / "simcoach-agent"), "--server", backend.ws, "--token", TOKENS[rig], "--rig", rig, *args],
            cwd=tmp_path,
            env={**os.environ, "SIMCOACH_AGENT_SPOOL_DIR": str(tmp_path / "spool")},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Agent(process, log)
