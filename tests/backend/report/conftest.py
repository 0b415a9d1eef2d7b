"""One demo session with injected mistakes, recorded once for the report's tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from simcoach.demo_session import record_to_file

# Lap 3 is the demo driver's fastest on seed 3 (the reference): the mistakes are on other laps.
MISTAKES = "late_brake@La Source:2,coasting@Les Combes:4"


@pytest.fixture(scope="package")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The store's folder and the session's id."""
    data = tmp_path_factory.mktemp("data")
    return data, record_to_file(data / "simcoach.db", 4, seed=3, mistakes=MISTAKES)
