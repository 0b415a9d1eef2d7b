"""The in-process demo rig of ``simcoach serve --demo``: the demo GT3 driving Spa, fed straight to the hub."""

from __future__ import annotations

import asyncio
import logging
import time

from simcoach.live.hub import Hub

log = logging.getLogger(__name__)


async def run_demo_rig(hub: Hub, rig: str, seed: int, mistakes: str, rate_hz: float, *, speed: float = 1.0) -> None:
    """Publish demo frames at ``rate_hz`` until cancelled; ``speed`` simulated seconds pass per real second.

    Faster than life, a frame's time is the simulation's (from the start), so
    lap times and the coaching engine see the lap as driven.
    """
    from simcoach_agent.games.demo import DemoCar, parse_mistakes  # only a demo server pays for loading it

    car = DemoCar(seed=seed, mistakes=parse_mistakes(mistakes), driver="Demo Driver")
    state = hub.rig_connected(rig)
    hub.set_session(rig, car.session_info())
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
