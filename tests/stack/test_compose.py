"""The compose file as Debian's docker-compose reads it with the example settings: the whole stack, pinned,
healthy before its dependants start, its state on volumes, no root and no secret in the file; and the
backend image's health check run against a real backend."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import BIN, start_backend
from tests.stack.images import final_stage, healthcheck

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


# --- the whole stack: every service ---------------------------------------------------------------

SERVICES = {"config-check", "backend", "frontend", "influxdb", "grafana"}
# Runs once before the others and exits: no health check, no restart.
ONE_SHOT = {"config-check"}
# What each service keeps across restarts and upgrades.
STATE = {"backend": "/data", "influxdb": "/var/lib/influxdb2", "grafana": "/var/lib/grafana"}
EXACT = re.compile(r"^[a-z0-9./_-]+:\d+\.\d+\.\d+(-[a-z0-9.-]+)?$")  # name:1.2.3 or name:1.2.3-variant


def dockerfile(name: str) -> str:
    return (REPO / name / "Dockerfile").read_text()


def built_from(service: dict) -> str:
    """The Dockerfile a service is built from."""
    build = service["build"]
    return (Path(build["context"]) / build.get("dockerfile", "Dockerfile")).read_text()


def test_the_stack_is_its_services_on_their_ports(config: dict):
    services = config["services"]
    assert set(services) == SERVICES
    published = {name: {p["target"]: p["published"] for p in s.get("ports", [])} for name, s in services.items()}
    assert published == {
        "config-check": {},
        "backend": {5001: 5001},
        "frontend": {8124: 8124},
        "influxdb": {8086: 8086},
        "grafana": {3000: 3000},
    }
    assert services["frontend"]["build"]["context"].endswith("frontend")
    assert services["backend"]["build"]["dockerfile"] == "backend/Dockerfile"


def test_every_service_has_a_health_check_restart_policy_and_waits_for_what_it_needs(config: dict):
    services = config["services"]
    for name, service in services.items():
        if name in ONE_SHOT:
            assert service["restart"] == "no" and service["command"] == ["simcoach", "check"], name
            continue
        test = service.get("healthcheck", {}).get("test")
        assert test and test[0] in ("CMD", "CMD-SHELL") and not service["healthcheck"].get("disable"), name
        assert service.get("restart") in ("unless-stopped", "always"), name
        for needed, how in service.get("depends_on", {}).items():
            expected = "service_completed_successfully" if needed in ONE_SHOT else "service_healthy"
            assert how["condition"] == expected, (name, needed, how)
    needs = {name: set(service.get("depends_on", {})) for name, service in services.items()}
    assert needs == {
        "config-check": set(),
        "backend": {"config-check", "influxdb"},
        "frontend": {"backend"},
        "influxdb": {"config-check"},
        "grafana": {"config-check", "influxdb"},
    }


def test_every_image_is_pinned_to_an_exact_version(config: dict):
    for name, service in config["services"].items():
        if "build" in service:
            stages: set[str] = set()
            for line in built_from(service).splitlines():
                if line.upper().startswith("FROM "):
                    words = line.split()
                    assert words[1] in stages or EXACT.match(words[1]), f"{name}/Dockerfile: {line}"
                    if len(words) == 4 and words[2].upper() == "AS":
                        stages.add(words[3])
        else:
            assert EXACT.match(service["image"]), (name, service["image"])


def test_every_stateful_service_keeps_its_state_on_a_named_volume(config: dict):
    for name, target in STATE.items():
        # Debian's docker-compose (1.29) writes mounts as "source:target[:mode]".
        mounts = {m.split(":")[1]: m.split(":")[0] for m in config["services"][name]["volumes"]}
        assert target in mounts, (name, mounts)
        assert mounts[target] in config["volumes"], (name, mounts[target])  # a named volume, not a folder
    backend = config["services"]["backend"]["environment"]
    assert backend["SIMCOACH_DATA_DIR"] == "/data"
    assert 'VOLUME ["/data"]' in final_stage(dockerfile("backend"))


def test_no_service_runs_as_root(config: dict):
    for name, service in config["services"].items():
        assert str(service.get("user", "")).split(":")[0] not in ("root", "0"), name
    # The images built here: a user of their own, by number, never root nor nobody (65534).
    for name in ("backend", "frontend"):
        users = [line.split()[1] for line in final_stage(dockerfile(name)) if line.startswith("USER ")]
        assert users, f"{name}/Dockerfile runs as root"
        uid, _, gid = users[-1].partition(":")
        assert uid.isdigit() and int(uid) not in (0, 65534) and gid.isdigit() and int(gid) != 0, (name, users)
    # The backend's is a real user made in the image (not nobody), with /data its own.
    created = re.search(r"useradd [^&]*--uid (\d+)", dockerfile("backend"))
    user = next(line.split()[1] for line in final_stage(dockerfile("backend")) if line.startswith("USER "))
    assert created and user == f"{created.group(1)}:{created.group(1)}", (created, user)
    assert "chown simcoach:simcoach /data" in dockerfile("backend")


def test_the_containers_backend_runs_in_production_and_exports_to_the_stacks_influxdb(tmp_path: Path):
    env = (REPO / ".env.example").read_text() + "\n".join(
        [
            "SIMCOACH_ENVIRONMENT=development",
            "INFLUXDB_ORG=garage",
            "INFLUXDB_BUCKET=laps",
            "INFLUXDB_RETENTION=90d",
            "INFLUXDB_TOKEN=influx-token-from-env",
            "GRAFANA_ADMIN_PASSWORD=grafana-password-from-env",
            "",
        ]
    )
    done = compose_config(tmp_path, env)
    assert done.returncode == 0, done.stderr
    services = yaml.safe_load(done.stdout)["services"]
    backend, influx, grafana = (services[n]["environment"] for n in ("backend", "influxdb", "grafana"))
    assert backend["SIMCOACH_ENVIRONMENT"] == "production"  # whatever .env says
    assert backend["SIMCOACH_HOST"] == "0.0.0.0"
    assert (backend["INFLUXDB_ORG"], backend["INFLUXDB_BUCKET"]) == ("garage", "laps")
    assert backend["INFLUXDB_TOKEN"] == influx["DOCKER_INFLUXDB_INIT_ADMIN_TOKEN"] == grafana["INFLUXDB_TOKEN"]
    assert influx["DOCKER_INFLUXDB_INIT_MODE"] == "setup"
    assert (influx["DOCKER_INFLUXDB_INIT_ORG"], influx["DOCKER_INFLUXDB_INIT_BUCKET"]) == ("garage", "laps")
    assert influx["DOCKER_INFLUXDB_INIT_RETENTION"] == "90d"
    # InfluxQL reads the bucket through its virtual DBRP mapping: database = the bucket's name.
    assert grafana["INFLUXDB_DATABASE"] == "laps"
    assert grafana["GF_SECURITY_ADMIN_PASSWORD"] == "grafana-password-from-env"
    # The dashboard's container gets no secret: nothing of InfluxDB can reach a browser through it.
    assert "env_file" not in services["frontend"] and not services["frontend"].get("environment")


def test_grafana_is_served_from_the_dashboards_sub_path(config: dict):
    grafana = config["services"]["grafana"]
    env = grafana["environment"]
    assert env["GF_SERVER_ROOT_URL"] == "%(protocol)s://%(domain)s/ai-sim-coach/grafana/"
    assert env["GF_SERVER_SERVE_FROM_SUB_PATH"] == "true"
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    # Its health is asked under the sub-path too, where it answers.
    assert any("/ai-sim-coach/grafana/api/health" in word for word in grafana["healthcheck"]["test"])


def test_the_file_holds_no_secret_value():
    raw = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    secret = re.compile(r"TOKEN|PASSWORD|SECRET", re.IGNORECASE)
    for name, service in raw["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if secret.search(key):
                assert value == "" or re.fullmatch(r"\$\{[A-Z_]+:\?set [A-Z_]+ in \.env\}", str(value)), (name, key)
    assert "change-me" not in (REPO / "docker-compose.yml").read_text()


# --- the backend's health check, run for real -------------------------------------------------------


def test_the_backends_health_check_is_the_images(config: dict):
    compose = config["services"]["backend"]["healthcheck"]["test"]
    assert compose == ["CMD", *healthcheck(dockerfile("backend"))]
    assert compose[1] == "python"  # no curl in a slim image


def run_health_check(port: int, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = healthcheck(dockerfile("backend"))
    return subprocess.run(
        [sys.executable, *command[1:]],
        env={"PATH": os.environ["PATH"], "SIMCOACH_PORT": str(port), **env},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_the_backends_health_check_passes_on_a_running_backend_and_fails_without_one(tmp_path: Path):
    server = start_backend(tmp_path)
    try:
        done = run_health_check(server.port, {})
        assert done.returncode == 0, done.stderr
    finally:
        server.stop()
    done = run_health_check(server.port, {})
    assert done.returncode != 0 and "Connection refused" in done.stderr


def test_the_backends_health_check_sends_the_access_token(tmp_path: Path):
    token = "a-long-access-token-0123"
    server = start_backend(tmp_path, env={"SIMCOACH_ACCESS_TOKEN": token})
    try:
        assert run_health_check(server.port, {"SIMCOACH_ACCESS_TOKEN": token}).returncode == 0
        refused = run_health_check(server.port, {})
        assert refused.returncode != 0 and "401" in refused.stderr, refused.stderr
    finally:
        server.stop()


def test_the_stack_does_not_start_with_a_placeholder_secret(tmp_path: Path):
    """The one-shot check runs `simcoach check` in the environment compose gives it (.env and its own
    settings): .env.example's placeholders are refused by name; real secrets pass."""

    def check(env_text: str, name: str) -> subprocess.CompletedProcess[str]:
        folder = tmp_path / name
        folder.mkdir()
        done = compose_config(folder, env_text)
        assert done.returncode == 0, done.stderr
        service = yaml.safe_load(done.stdout)["services"]["config-check"]
        assert service["environment"]["SIMCOACH_ENVIRONMENT"] == "production"
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SIMCOACH_", "INFLUXDB_", "GRAFANA_"))}
        run = folder / "run"
        run.mkdir()  # no .env here: the container's environment is all it gets
        return subprocess.run(
            [str(BIN / "simcoach"), *service["command"][1:]],
            cwd=run,
            env={**base, **{k: str(v) for k, v in service["environment"].items()}},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    example = (REPO / ".env.example").read_text()
    refused = check(example, "example")
    assert refused.returncode == 2 and "SIMCOACH_RIG_TOKENS" in refused.stderr, refused.stderr
    strong = {
        "SIMCOACH_RIG_TOKENS": "rig1:rig-token-0123456789",
        "SIMCOACH_AGENT_TOKEN": "rig-token-0123456789",
        "INFLUXDB_TOKEN": "influx-token-0123456789",
        "INFLUXDB_ADMIN_PASSWORD": "influx-admin-0123456789",
    }
    lines = [f"{key}={strong[key]}" if (key := line.split("=")[0]) in strong else line for line in example.splitlines()]
    grafana_left = check("\n".join(lines) + "\n", "grafana-left")
    assert grafana_left.returncode == 2 and "GRAFANA_ADMIN_PASSWORD" in grafana_left.stderr, grafana_left.stderr
    lines = [
        "GRAFANA_ADMIN_PASSWORD=grafana-admin-0123456789" if line.startswith("GRAFANA_ADMIN_PASSWORD=") else line
        for line in lines
    ]
    ok = check("\n".join(lines) + "\n", "strong")
    assert ok.returncode == 0 and "configuration ok (production" in ok.stdout, ok.stderr
