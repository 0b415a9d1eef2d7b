"""ACC/AC pages fuzzed: random bytes and mutated real layouts give a valid frame or a typed, reasoned refusal."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from tests.rig_agent.fuzz.acc_target import AccCase, acc_cases, check_acc
from tests.rig_agent.fuzz.harness import ShmFolder, check_contract, cpu_limit
from tests.rig_agent.games.test_acc_mapper import driving

SAMPLE = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@SAMPLE
@given(case=acc_cases())
def test_acc_and_ac_pages_give_frames_in_contract_or_reasons(shm_folder: ShmFolder, case: AccCase) -> None:
    with cpu_limit():
        check_acc(shm_folder, case)


def test_lap_times_beyond_the_frames_bound_are_unknown_not_refused_frames() -> None:
    # Found by the fuzzer: times just under INT_MAX ms (the "no time" mark) are 2.1e6 s, past the frame's 1e6 s.
    for field, channel in (("iCurrentTime", "lap_time_s"), ("iLastTime", "last_lap_s"), ("iBestTime", "best_lap_s")):
        fields: dict[str, object] = {field: 2**31 - 2}
        _, _, frame = driving("acc", None, **fields)
        check_contract(frame)
        assert getattr(frame, channel) is None
    _, _, frame = driving("acc", iLastTime=1_000_000_000)
    assert frame.last_lap_s == 1e6
