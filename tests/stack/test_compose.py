"""The compose file as Debian's docker-compose reads it with the example settings: the history stack, pinned."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def compose_config(tmp_path: Path, env: str) -> subprocess.CompletedProcess[str]:
    exe = shutil.which("docker-compose")
    assert exe is not None, (
        "docker-compose is not installed (Debian package 'docker-compose'; ./dev.sh test installs it)"
    )
    shutil.copy(REPO / "docker-compose.yml", tmp_path / "docker-compose.yml")
    (tmp_path / ".env").write_text(env)
    for folder in ("backend", "frontend", "grafana"):
        (tmp_path / folder).symlink_to(REPO / folder)
    return subprocess.run([exe, "config"], cwd=tmp_path, capture_output=True, text=True, check=False, timeout=60)


@pytest.fixture
def config(tmp_path: Path) -> dict:
    done = compose_config(tmp_path, (REPO / ".env.example").read_text())
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_influxdb_and_grafana_are_pinned_to_versions_with_what_the_history_needs(config: dict):
    services = config["services"]
    influx = services["influxdb"]["image"]
    grafana = services["grafana"]["image"]
    assert influx.startswith("influxdb:2.7.") and influx.count(".") == 2, influx  # an exact 2.7 release
    name, _, version = grafana.partition(":")
    major, minor, _patch = (int(x) for x in version.split("."))
    assert name == "grafana/grafana" and (major, minor) >= (11, 3), grafana  # the XY chart's 11.3 format
    assert "/etc/grafana/provisioning" in " ".join(str(v) for v in services["grafana"]["volumes"])


def test_grafana_reads_the_same_influxdb_the_backend_writes(config: dict):
    backend = config["services"]["backend"]["environment"]
    grafana = config["services"]["grafana"]["environment"]
    assert backend["INFLUXDB_URL"] == grafana["INFLUXDB_URL"] == "http://influxdb:8086"
    assert backend["INFLUXDB_VERSION"] == "2"
    assert grafana["GF_AUTH_ANONYMOUS_ENABLED"] == "false"


@pytest.mark.parametrize("setting", ["INFLUXDB_TOKEN", "GRAFANA_ADMIN_PASSWORD", "INFLUXDB_ADMIN_PASSWORD"])
def test_a_secret_left_empty_is_named(tmp_path: Path, setting: str):
    lines = [
        f"{setting}=" if line.startswith(f"{setting}=") else line
        for line in (REPO / ".env.example").read_text().splitlines()
    ]
    done = compose_config(tmp_path, "\n".join(lines) + "\n")
    assert done.returncode != 0 and f"set {setting} in .env" in done.stderr, done.stderr
