"""Fixtures of the integration tests: a per-test shared-memory folder and processes stopped whatever happens."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture
def shm_dir(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh folder under /dev/shm standing in for the games' named shared memory (agents inherit the setting)."""
    path = Path(tempfile.mkdtemp(prefix="simcoach-", dir="/dev/shm"))
    monkeypatch.setenv("SIMCOACH_SHM_DIR", str(path))  # start_agent passes os.environ on
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def running() -> Iterator[list[Any]]:
    """Processes (anything with stop()) to stop at the end, newest first, whatever happens."""
    started: list[Any] = []
    yield started
    for process in reversed(started):
        process.stop()
