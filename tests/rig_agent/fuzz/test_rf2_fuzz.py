"""rFactor 2 plugin pages and LMU_Data fuzzed: a valid frame or a typed, reasoned refusal, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from simcoach_agent.games.base import RawSample
from simcoach_agent.games.rf2.mapper import Rf2Mapper
from tests.rig_agent.fuzz.harness import ShmFolder, check_contract, cpu_limit
from tests.rig_agent.fuzz.rf2_target import Rf2Case, check_lmu, check_rf2, lmu_cases, rf2_cases
from tests.rig_agent.games.rf2_pages import Rf2Scene, rf2_plugin_pages

SAMPLE = settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SAMPLE
@given(case=rf2_cases())
def test_rf2_plugin_pages_give_frames_in_contract_or_reasons(shm_folder: ShmFolder, case: Rf2Case) -> None:
    with cpu_limit():
        check_rf2(shm_folder, case)


@SAMPLE
@given(case=lmu_cases())
def test_lmu_data_gives_frames_in_contract_or_reasons(shm_folder: ShmFolder, case: Rf2Case) -> None:
    with cpu_limit():
        check_lmu(shm_folder, case)


def test_a_lap_distance_that_overflows_against_a_tiny_track_length_is_no_track_pos() -> None:
    # Found by the fuzzer: lap_dist / length overflowed to infinity, and infinity % 1.0 is NaN in track_pos.
    for length, lap_dist in ((1e-10, 1e299), (1e-300, 1e10)):
        scene = Rf2Scene(track_length=length, lap_dist=lap_dist)
        parts = tuple((name, bytes(page)) for name, page in rf2_plugin_pages(scene).items())
        frame = Rf2Mapper("rf2").map(RawSample(1.0, parts), "rig-a", 1, 1.7e9)
        assert frame is not None
        assert frame.track_pos is None
        check_contract(frame)
