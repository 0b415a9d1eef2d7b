"""What a Dockerfile copies into a folder of its image, rebuilt on disk from its COPY lines."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import REPO

# The dashboard's files are every file of frontend/ but the frontend image's own build files.
NOT_DASHBOARD = ("Dockerfile", "nginx/")


def dashboard_files() -> set[str]:
    root = REPO / "frontend"
    return {
        str(path.relative_to(root))
        for path in root.rglob("*")
        if path.is_file() and not str(path.relative_to(root)).startswith(NOT_DASHBOARD)
    }


def copied(dockerfile: Path, context: Path, folder: str, target: Path) -> Path:
    """``target`` filled as the image's ``folder`` is, by every plain COPY (no --from) into it."""
    copies = 0
    for line in dockerfile.read_text().splitlines():
        words = line.split()
        if words[:1] != ["COPY"] or words[1].startswith("--") or not words[-1].startswith(folder):
            continue
        dest = target / words[-1].removeprefix(folder)
        dest.mkdir(parents=True, exist_ok=True)
        for source in (context / word for word in words[1:-1]):
            if source.is_dir():
                shutil.copytree(source, dest, dirs_exist_ok=True)
            else:
                shutil.copy(source, dest / source.name)
        copies += 1
    assert copies, f"{dockerfile} copies nothing into {folder}"
    return target


def files_in(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}
