"""deploy.sh for real: its plan for a server (--dry-run), the settings and tools it names when missing,
and a failing step that stops it. The script runs from a copy of the project folder with its own .env;
the "server" is 127.0.0.1 on a port where nothing listens, so any ssh it really made would fail."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, free_port

HOST = "127.0.0.1"


def project(tmp_path: Path, **settings: str) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    shutil.copy(REPO / "deploy.sh", folder / "deploy.sh")
    shutil.copy(REPO / "docker-compose.yml", folder / "docker-compose.yml")
    lines = [f"{name}={value}" for name, value in settings.items()]
    (folder / ".env").write_text((REPO / ".env.example").read_text() + "\n" + "\n".join(lines) + "\n")
    return folder


def server_settings(tmp_path: Path) -> dict[str, str]:
    return {
        "DEPLOY_HOST": HOST,
        "DEPLOY_USER": "racer",
        "DEPLOY_PATH": str(tmp_path / "on-the-server" / "simcoach"),
        "DEPLOY_SSH_PORT": str(free_port()),  # nothing listens there
    }


def deploy(folder: Path, *args: str, path: str | None = None, env: dict[str, str] | None = None):
    bash = shutil.which("bash")
    assert bash is not None
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DEPLOY_")}
    if path is not None:
        clean["PATH"] = path
    return subprocess.run(
        [bash, str(folder / "deploy.sh"), *args],
        cwd=folder,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def tools_only(tmp_path: Path, *names: str) -> str:
    """A PATH holding only these programs (and dirname, which the script needs to find itself)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in ("dirname", *names):
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is missing on this machine (./dev.sh test installs ssh and rsync)")
        (folder / name).symlink_to(found)
    return str(folder)


def test_the_dry_run_prints_the_plan_for_a_server_and_does_nothing(tmp_path: Path):
    settings = {**server_settings(tmp_path), "DEPLOY_WAIT_S": "42"}
    folder = project(tmp_path, **settings)
    done = deploy(folder, "--dry-run")
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    target = f"racer@{HOST}:{settings['DEPLOY_PATH']}/"
    steps = [
        "[1] check that ssh reaches racer@127.0.0.1",
        f"[2] create {settings['DEPLOY_PATH']} on {HOST}",
        f"[3] copy the project to racer@{HOST}",
        "[4] build the images and start the containers (docker compose up -d --build)",
        "[5] wait up to 42 s for every container's health check",
    ]
    positions = [out.find(step) for step in steps]
    assert -1 not in positions and positions == sorted(positions), out
    rsync = next(line for line in out.splitlines() if line.strip().startswith("$ rsync"))
    assert f"{folder}/ {target}" in rsync and "-o\\ Port=" in rsync and "--delete" in rsync
    assert "--exclude=.git/" in rsync and "--exclude=.venv/" in rsync and ".env" not in rsync  # .env goes along
    assert "up -d --build" in out and "ps -a -q" in out
    assert f"Dashboard:     http://{HOST}:8124/ai-sim-coach/" in out
    assert f"Grafana:       http://{HOST}:8124/ai-sim-coach/grafana/" in out
    assert f"Rig endpoint:  ws://{HOST}:5001" in out
    assert "nothing was done" in out
    # Had any step run, the ssh to a closed port would have failed it; and nothing was created.
    assert not (tmp_path / "on-the-server").exists()


def test_a_variable_in_the_environment_wins_over_env(tmp_path: Path):
    folder = project(tmp_path, **server_settings(tmp_path))
    done = deploy(folder, "--dry-run", env={"DEPLOY_USER": "someone-else"})
    assert done.returncode == 0, done.stderr
    assert "ssh reaches someone-else@127.0.0.1" in done.stdout


@pytest.mark.parametrize("missing", [("DEPLOY_USER",), ("DEPLOY_PATH",), ("DEPLOY_USER", "DEPLOY_PATH")])
def test_a_missing_setting_is_named(tmp_path: Path, missing: tuple[str, ...]):
    settings = {**server_settings(tmp_path), **dict.fromkeys(missing, "")}
    done = deploy(project(tmp_path, **settings), "--dry-run")
    assert done.returncode == 1 and "[1]" not in done.stdout, done.stdout
    named = " and ".join(missing) + (" are" if len(missing) > 1 else " is")
    assert f"DEPLOY_HOST is {HOST} but {named} not set in .env" in done.stderr, done.stderr


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("DEPLOY_PATH", "/srv/sim coach", "DEPLOY_PATH '/srv/sim coach' may hold only"),
        ("DEPLOY_PATH", "~", "DEPLOY_PATH must name a folder"),
        ("DEPLOY_WAIT_S", "soon", "DEPLOY_WAIT_S in .env must be a whole number of seconds, not 'soon'"),
        ("DEPLOY_SSH_PORT", "ssh", "DEPLOY_SSH_PORT 'ssh' is not a port number"),
        ("DEPLOY_HOST", "server;reboot", "DEPLOY_HOST 'server;reboot' is not a host name"),
        ("DEPLOY_PATH", "-rf", "DEPLOY_PATH '-rf' may hold only"),
    ],
)
def test_a_wrong_setting_is_named(tmp_path: Path, setting: str, value: str, named: str):
    settings = {**server_settings(tmp_path), setting: f'"{value}"'}  # quoted, as .env allows
    done = deploy(project(tmp_path, **settings), "--dry-run")
    assert done.returncode == 1 and named in done.stderr, done.stderr


def test_no_env_file_says_where_it_comes_from(tmp_path: Path):
    folder = project(tmp_path)
    (folder / ".env").unlink()
    done = deploy(folder, "--dry-run")
    assert done.returncode == 1 and ".env is missing: copy .env.example to .env" in done.stderr, done.stderr


def test_a_missing_tool_is_named(tmp_path: Path):
    folder = project(tmp_path, **server_settings(tmp_path))
    done = deploy(folder, "--dry-run", path=tools_only(tmp_path, "ssh"))
    assert done.returncode == 1 and "missing tool: rsync" in done.stderr, done.stderr


def test_a_local_deploy_needs_docker(tmp_path: Path):
    folder = project(tmp_path, DEPLOY_HOST="")
    done = deploy(folder, "--dry-run", path=tools_only(tmp_path))
    assert done.returncode == 1 and "missing tool: docker" in done.stderr, done.stderr


def test_a_failing_step_stops_the_deploy_and_says_which(tmp_path: Path):
    folder = project(tmp_path, **server_settings(tmp_path))
    done = deploy(folder)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "[1] check that ssh reaches" in done.stdout and "[2]" not in done.stdout, done.stdout
    assert "Connection refused" in done.stderr  # ssh's own words
    assert (
        "deploy.sh: step 1 failed (exit status 255): check that ssh reaches racer@127.0.0.1 and that it has Docker"
        in done.stderr
    ), done.stderr
    assert "Dashboard:" not in done.stdout


def test_usage(tmp_path: Path):
    folder = project(tmp_path)
    helped = deploy(folder, "--help")
    assert helped.returncode == 0 and "--dry-run" in helped.stdout and "DEPLOY_HOST" in helped.stdout
    wrong = deploy(folder, "--yes")
    assert wrong.returncode == 2 and "unknown argument '--yes'" in wrong.stderr
