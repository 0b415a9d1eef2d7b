"""Fixtures of the fuzz tests: one shared-memory folder per module, reused by every generated input."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest

from tests.rig_agent.fuzz.harness import ShmFolder


@pytest.fixture(scope="module")
def shm_folder() -> Iterator[ShmFolder]:
    with ShmFolder() as folder:
        yield folder


@pytest.fixture(autouse=True)
def _quiet_adapters() -> Iterator[None]:
    """Mappers log a warning for each odd page they meet; thousands of inputs would flood the report."""
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)
