"""backend/Dockerfile's recipe replayed without Docker (no daemon here): its build stage's own `uv sync`
command, with its environment, installs the lock file into a venv that works with the sources gone;
the final stage's environment and command then start a production backend that keeps its store in the
data folder, serves the dashboard from the files the image copies, and passes the image's health check.
Folders of the image (/app, /data) become folders of the test's temporary one."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import httpx

from tests.conftest import REPO, free_port
from tests.helpers import wait_until
from tests.stack.images import copied, dashboard_files, files_in, healthcheck, stages

DOCKERFILE = REPO / "backend" / "Dockerfile"
UV = REPO / ".tools" / "bin" / "uv"


def env_of(stage: list[str], image: dict[str, str]) -> dict[str, str]:
    """Every ENV of a stage, in order (a later one sees the earlier ones and ``image``'s)."""
    env: dict[str, str] = {}
    for line in stage:
        if line.startswith("ENV "):
            for pair in shlex.split(line[4:]):
                name, _, value = pair.partition("=")
                env[name] = re.sub(r"\$(\w+)", lambda m: {**image, **env}.get(m.group(1), ""), value)
    return env


def into(folder: Path, value: str) -> str:
    """An image's path in the test's folder."""
    return re.sub(r"(^|:)/(app|data)\b", lambda m: f"{m.group(1)}{folder}/{m.group(2)}", value)


def test_the_dockerfile_pins_the_uv_dev_sh_pins():
    dev_sh = re.search(r"^UV_VERSION=(\S+)$", (REPO / "dev.sh").read_text(), re.MULTILINE)
    in_image = re.search(r"pip install --no-cache-dir uv==(\S+)", DOCKERFILE.read_text())
    assert dev_sh and in_image and dev_sh.group(1) == in_image.group(1)


def test_the_image_recipe_installs_the_lock_and_runs_a_healthy_production_backend(tmp_path: Path):
    assert UV.exists(), f"{UV} is missing: ./dev.sh sets it up"
    build, final = stages(DOCKERFILE.read_text())
    # The build stage: its COPY lines into /app, then its own uv sync, in its environment.
    app = tmp_path / "app"
    app.mkdir()
    for line in build:
        if line.startswith("COPY "):
            *sources, dest = line.split()[1:]
            for source in (REPO / word for word in sources):
                if source.is_dir():  # as Docker does: the folder's content into dest
                    shutil.copytree(source, app / dest, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
                else:
                    (app / dest).mkdir(parents=True, exist_ok=True)
                    shutil.copy(source, app / dest / source.name)
    sync = next(line for line in build if line.startswith("RUN uv sync"))
    build_env = {**os.environ, **env_of(build, {})}
    build_env.pop("VIRTUAL_ENV", None)  # the test's own venv is not the image's
    done = subprocess.run(
        [str(UV), *shlex.split(sync)[2:]],
        cwd=app,
        env=build_env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    # Only the venv goes on to the final stage: the sources must not be needed.
    for source in ("rig-agent", "backend", "pyproject.toml", "uv.lock"):
        path = app / source
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    html = copied(DOCKERFILE, REPO, "/app/frontend/", app / "frontend")
    assert files_in(html) == dashboard_files()

    data = tmp_path / "data"
    data.mkdir()
    port = free_port()
    image = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
    run_env = {name: into(tmp_path, value) for name, value in env_of(final, image).items()}
    assert run_env["SIMCOACH_ENVIRONMENT"] == "production" and run_env["SIMCOACH_DATA_DIR"] == str(data)
    run_env |= {
        "HOME": str(tmp_path),
        "SIMCOACH_PORT": str(port),
        "SIMCOACH_HOST": "127.0.0.1",
        "SIMCOACH_RIG_TOKENS": "rig1:a-long-real-secret-0123",
    }
    cmd = next(line for line in final if line.startswith("CMD "))
    command = shlex.split(cmd[4:].strip("[]").replace(",", " "))
    log = tmp_path / "backend.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [shutil.which(command[0], path=run_env["PATH"]) or command[0], *command[1:]],
            cwd=tmp_path,
            env=run_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        check = healthcheck(DOCKERFILE.read_text())

        def healthy() -> bool:
            assert process.poll() is None, f"the backend exited: {log.read_text()}"
            return (
                subprocess.run(
                    [shutil.which(check[0], path=run_env["PATH"]) or check[0], *check[1:]],
                    env=run_env,
                    capture_output=True,
                    timeout=30,
                    check=False,
                ).returncode
                == 0
            )

        wait_until(healthy, explain=lambda: f"the image's health check never passed: {log.read_text()}")
        page = httpx.get(f"http://127.0.0.1:{port}/", timeout=10)
        assert page.status_code == 200 and page.text == (REPO / "frontend" / "index.html").read_text()
        assert (data / "simcoach.db").exists()
    finally:
        process.terminate()
        process.wait(30)
