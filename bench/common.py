"""Shared pieces of the benchmarks: a real backend process, rig and dashboard clients, figures."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import msgspec

from simcoach_agent.telemetry import Frame, blank_frame

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def sample_frame(rig: str, seq: int, t: float | None = None) -> Frame:
    """A frame with every core channel filled, as a real game gives it."""
    frame = blank_frame(rig, seq, time.time() if t is None else t)
    return msgspec.structs.replace(
        frame,
        speed_kmh=231.4,
        rpm=6890.0,
        max_rpm=7400.0,
        gear=5,
        throttle=0.93,
        brake=0.0,
        clutch=0.0,
        steering=-0.12,
        g_lat=1.42,
        g_lon=0.21,
        g_vert=1.02,
        tyre_temp_c=(81.2, 83.4, 78.9, 80.1),
        tyre_pressure_psi=(26.4, 26.6, 26.1, 26.3),
        tyre_wear=(0.04, 0.05, 0.03, 0.03),
        brake_temp_c=(412.0, 405.0, 310.0, 302.0),
        oil_temp_c=104.0,
        water_temp_c=88.0,
        fuel_l=61.5,
        fuel_capacity_l=120.0,
        lap=5,
        lap_time_s=73.211,
        last_lap_s=138.42,
        best_lap_s=137.95,
        lap_dist_m=3512.0,
        track_pos=0.5014,
        lap_valid=True,
        in_pit=False,
        position=3,
        pos_x=-412.5,
        pos_y=833.2,
        pos_z=41.0,
    )


class BackendProcess:
    def __init__(self, rigs: int, **env: str) -> None:
        self.port = free_port()
        self.tokens = {f"bench-{i:03d}": f"bench-token-{i:03d}-0123456789" for i in range(rigs)}
        self.log = Path(tempfile.mkdtemp(prefix="simcoach-bench-")) / "backend.log"
        full_env = {
            **os.environ,
            "SIMCOACH_RIG_TOKENS": ",".join(f"{r}:{t}" for r, t in self.tokens.items()),
            "SIMCOACH_LOG_LEVEL": "warning",
            **env,
        }
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(BIN / "simcoach"), "serve", "--port", str(self.port)], env=full_env, stdout=out, stderr=out
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{self.http}/api/status", timeout=1)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(self.log.read_text())

    @property
    def http(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User plus system CPU time the backend process has used."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(10)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))]
