"""RaceRoom's page fuzzed: random bytes and mutated real layouts give a valid frame or a typed, reasoned refusal."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.rig_agent.fuzz.harness import ShmFolder, cpu_limit
from tests.rig_agent.fuzz.r3e_target import R3ECase, check_r3e, r3e_cases

SAMPLE = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SAMPLE
@given(case=r3e_cases())
def test_raceroom_pages_give_frames_in_contract_or_reasons(shm_folder: ShmFolder, case: R3ECase) -> None:
    with cpu_limit():
        check_r3e(shm_folder, case)
