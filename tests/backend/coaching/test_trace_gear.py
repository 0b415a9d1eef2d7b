"""A lap's trace keeps the gear engaged at each metre: held between samples, never a gear between two."""

from __future__ import annotations

import numpy as np

from simcoach.coaching.compare import compare_json
from simcoach.coaching.trace import CHANNELS, LapTrace, resample


def lap(shift_at_m: float) -> LapTrace:
    dist = np.arange(0.0, 101.0, 2.5)
    channels = {name: np.full(len(dist), np.nan) for name in CHANNELS}
    channels |= {"gear": np.where(dist < shift_at_m, 3.0, 4.0), "speed_kmh": 100.0 + dist}
    trace = resample(dist, dist / 30.0, channels, 0.0, 100.0)
    assert trace is not None
    return trace


def test_the_gear_changes_where_the_sample_after_the_shift_is_and_is_never_in_between():
    trace = lap(shift_at_m=41.0)
    gears = trace.channel("gear")
    assert set(gears.tolist()) == {3.0, 4.0}
    # Samples at 40 m (3rd) and 42.5 m (4th): 3rd is held up to 42 m, 4th from 42.5 m's metre on.
    assert gears[42] == 3.0 and gears[43] == 4.0
    assert trace.channel("speed_kmh")[41] == 141.0  # other channels are still linear


def test_a_trace_stored_before_gear_was_kept_reads_back_with_no_gear():
    trace = lap(shift_at_m=50.0)
    del trace.channels["gear"]
    back = LapTrace.from_bytes(trace.to_bytes())
    assert np.isnan(back.channel("gear")).all()


def test_compared_laps_carry_whole_gears_on_the_shared_grid():
    out = compare_json(lap(41.0), lap(61.0), step_m=1.0)
    assert out is not None
    a, b = out["a"]["channels"]["gear"], out["b"]["channels"]["gear"]
    assert all(g in (3, 4) for g in a + b)
    assert a.index(4) == 43 and b.index(4) == 63
