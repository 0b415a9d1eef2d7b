"""Fixtures of the game adapter tests."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from simcoach_agent.games import shm


@pytest.fixture
def shm_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh folder under /dev/shm where this process's readers look for the games' named pages."""
    folder = Path(tempfile.mkdtemp(prefix="simcoach-", dir="/dev/shm"))
    monkeypatch.setattr(shm, "SHM_DIR", folder)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
