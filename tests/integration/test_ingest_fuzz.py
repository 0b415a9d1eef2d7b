"""The ingest endpoint fuzzed over a real WebSocket: every bad input is refused with its reason, the rest is stored.

A fast sample of ``bench/fuzz_ingest.py`` (which sends 100,000 inputs and
more), derandomized so the suite gives the same verdict every run.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TOKENS, Backend, start_backend
from tests.ingest_fuzz import IngestFuzzer, Render, cases, open_ingest

pytestmark = pytest.mark.integration

RIG = "rig-a"


@pytest.fixture
def fuzz_backend(tmp_path: Path) -> Iterator[Backend]:
    # No rate limit: fuzzed frames carry any times; the limit has its own test (tests/backend/test_safe_defaults.py).
    backend = start_backend(tmp_path, env={"SIMCOACH_INGEST_MAX_HZ": "0"})
    yield backend
    backend.stop()


def test_fuzzed_inputs_get_their_reasons_and_valid_frames_around_them_are_stored(fuzz_backend: Backend, tmp_path):
    ws = open_ingest(fuzz_backend.ws, TOKENS[RIG]).__enter__()
    fuzzer = IngestFuzzer(ws, RIG)

    @settings(
        max_examples=60,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(st.lists(cases(RIG), min_size=1, max_size=12))
    def one_burst(renders: list[Render]) -> None:
        before = len(fuzzer.failures)
        fuzzer.send(renders)
        assert not fuzzer.failures[before:], "\n".join(fuzzer.failures[before:])

    try:
        one_burst()
        fuzzer.wait_acked()
        assert fuzzer.check_store(tmp_path / "data" / "simcoach.db") == []
    finally:
        ws.close()
    assert fuzzer.inputs >= 100
    assert len(fuzzer.stored) > 50, "the sample should carry valid frames between the bad ones"
    # The session given at the start is still the rig's: no input ended it.
    [rig] = httpx.get(f"{fuzz_backend.http}/api/rigs", timeout=5).json()
    assert (rig["track"], rig["errors"] > 0) == ("spa", True)
