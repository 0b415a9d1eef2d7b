"""rFactor 2 plugin pages and LMU_Data fuzzed: a valid frame or a typed, reasoned refusal, never a crash."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.rig_agent.fuzz.harness import ShmFolder, cpu_limit
from tests.rig_agent.fuzz.rf2_target import Rf2Case, check_lmu, check_rf2, lmu_cases, rf2_cases

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
