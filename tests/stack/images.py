"""Reading the Dockerfiles: their stages, health checks, and what they copy into a folder (rebuilt on disk)."""

from __future__ import annotations

import json
import re
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


def stages(text: str) -> list[list[str]]:
    """A Dockerfile's instructions by stage, continuation lines joined, comments left out."""
    joined = re.sub(r"\\\n\s*", " ", text)
    result: list[list[str]] = []
    for line in (line.strip() for line in joined.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            result.append([])
        result[-1].append(line)
    return result


def final_stage(text: str) -> list[str]:
    return stages(text)[-1]


def healthcheck(text: str) -> list[str]:
    """The HEALTHCHECK's CMD of the final stage, as its exec-form list."""
    line = next(line for line in final_stage(text) if line.startswith("HEALTHCHECK "))
    return list(json.loads(line[line.index(" CMD ") + len(" CMD ") :]))
