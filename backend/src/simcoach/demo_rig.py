"""The in-process demo rig of ``simcoach serve --demo``: the demo GT3 driving Spa, fed straight to the hub.

So that a newcomer sees the track map, the live delta and corner coaching on
the demo's first lap (not after two and a half minutes), the demo starts with
a reference lap of its own: a clean lap of the same car by the same demo
driver on another seed, simulated at start-up as fast as it goes (well under
two seconds on one core) and stored as the reference of the demo's (driver,
game, track, car), in the session ``demo-reference``. A reference already
stored for that key (a lap driven, or picked, on an earlier run) is kept. It
is an ordinary reference: a faster lap of the demo replaces it. Real rigs
build their own reference from their laps as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Final

from simcoach.coaching.engine import CoachEngine
from simcoach.coaching.lap_record import LapRecord
from simcoach.coaching.laps import FinishedLap, LapTracker
from simcoach.live.hub import Hub
from simcoach.storage.records import ReferenceChoice, session_key
from simcoach_agent.telemetry import SessionInfo

log = logging.getLogger(__name__)

DRIVER: Final = "Demo Driver"
# The reference is driven on another seed than the live car's, so the live delta moves on lap 1
# (the same seed would drive the very same lap: a delta stuck at zero).
REFERENCE_SEED_OFFSET: Final = 1000
# Its second lap: the first is a few tenths slower while the tyres come in.
REFERENCE_LAP: Final = 2
REFERENCE_RATE_HZ: Final = 60.0
REFERENCE_SESSION: Final = "demo-reference"


def simulate_reference_lap(seed: int) -> tuple[FinishedLap, SessionInfo]:
    """A clean lap of the demo car on ``seed + REFERENCE_SEED_OFFSET``, measured as the engine measures laps.

    Blocking (about 0.7 s of CPU a lap): run it in a thread.
    """
    from simcoach_agent.games.demo import DemoCar  # only a demo server pays for loading it

    car = DemoCar(seed=seed + REFERENCE_SEED_OFFSET, driver=DRIVER)
    session = car.session_info()
    tracker = LapTracker(session.track_length_m)
    period = 1.0 / REFERENCE_RATE_HZ
    t0 = time.time() - (REFERENCE_LAP + 1) * 150.0  # it was "driven" just before now
    n = 0
    while car.laps_completed <= REFERENCE_LAP:
        car.step(period)
        n += 1
        update = tracker.update(car.frame("demo", n, t0 + n * period))
        if update is None:
            continue
        for lap in update.finished:
            if lap.number == REFERENCE_LAP and lap.clean and lap.trace is not None:
                return lap, session
    for lap in tracker.flush():
        if lap.number == REFERENCE_LAP and lap.clean and lap.trace is not None:
            return lap, session
    raise RuntimeError(f"the demo car's lap {REFERENCE_LAP} on seed {seed + REFERENCE_SEED_OFFSET} was not clean")


def ensure_demo_reference(engine: CoachEngine, rig: str, session: SessionInfo, seed: int) -> int | None:
    """Store a simulated reference lap for the demo's key unless one is stored; the lap id made, or None.

    Blocking (store reads and writes, the simulation): run it in a thread before the demo's session starts.
    """
    key = session_key(session)
    store = engine.store
    if store.reference(key) is not None:
        return None
    lap, simulated = simulate_reference_lap(seed)
    if session_key(simulated) != key:
        raise RuntimeError(f"the simulated reference is for {session_key(simulated)}, the demo drives {key}")
    assert lap.time_s is not None and lap.trace is not None  # a clean lap has both
    lap_id = store.next_lap_id()
    record = LapRecord(
        id=lap_id,
        rig=rig,
        session_id=REFERENCE_SESSION,
        key=key,
        lap=lap.number,
        time_s=lap.time_s,
        valid=True,
        complete=True,
        out_lap=False,
        in_lap=False,
        sectors=[],
        delta_to_reference_s=None,
        is_best=False,
        is_reference=True,
        t_end=lap.t_end,
        fuel_used_l=lap.fuel_used_l,
    )
    store.write([], [record.row(lap.trace), ReferenceChoice(key, lap_id, False)], time.time())
    log.info("demo reference: a simulated lap of %.3f s stored as lap %d", lap.time_s, lap_id)
    return lap_id


async def run_demo_rig(
    hub: Hub,
    rig: str,
    seed: int,
    mistakes: str,
    rate_hz: float,
    *,
    speed: float = 1.0,
    reference: bool = True,
) -> None:
    """Publish demo frames at ``rate_hz`` until cancelled; ``speed`` simulated seconds pass per real second.

    Faster than life, a frame's time is the simulation's (from the start), so
    lap times and the coaching engine see the lap as driven. With
    ``reference``, the demo's reference lap is made first if there is none.
    """
    from simcoach_agent.games.demo import DemoCar, parse_mistakes  # only a demo server pays for loading it

    car = DemoCar(seed=seed, mistakes=parse_mistakes(mistakes), driver=DRIVER)
    session = car.session_info()
    if reference and hub.coach is not None:
        started = time.monotonic()
        try:
            made = await asyncio.to_thread(ensure_demo_reference, hub.coach, rig, session, seed)
        except Exception:  # the demo drives on without it, and builds its reference from its own laps
            log.exception("demo reference: could not be made")
        else:
            if made is not None:
                log.info("demo reference ready in %.1f s", time.monotonic() - started)
    state = hub.rig_connected(rig)
    hub.set_session(rig, session)
    period = 1.0 / rate_hz
    seq = (state.last_seq or 0) + 1
    next_at = time.monotonic()
    t0 = time.time()
    log.info("demo rig %r driving Spa at %.0f Hz, %g x real time", rig, rate_hz, speed)
    try:
        while True:
            car.step(period)
            t = time.time() if speed == 1.0 else t0 + car.time
            hub.publish_frames(state, [car.frame(rig, seq, t)])
            seq += 1
            next_at += period / speed
            delay = next_at - time.monotonic()
            if delay < -1.0:
                # The loop fell far behind (a suspended laptop): resynchronise rather than burst.
                next_at = time.monotonic()
            await asyncio.sleep(max(0.0, delay))
    finally:
        hub.rig_disconnected(rig)
