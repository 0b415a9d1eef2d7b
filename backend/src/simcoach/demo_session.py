"""A whole demo session recorded into the store as fast as it simulates: ``simcoach demo-record``.

The sessions page, the exports and the post-session report all start from a
stored session. A newcomer (and every test of those) should not have to watch
the demo drive for ten minutes to get one: this drives the demo car through
the same hub, coaching engine and writer as ``serve --demo`` does, with frame
times on a simulated clock, and ends the session. A lap of Spa takes about a
second of CPU.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from simcoach.coaching.engine import CoachEngine
from simcoach.demo_rig import DRIVER, ensure_demo_reference
from simcoach.live.hub import Hub
from simcoach.storage.store import Store
from simcoach.storage.writer import StorageWriter
from simcoach.tracks.loader import TrackLibrary


async def record_demo_session(
    store: Store,
    laps: int,
    *,
    seed: int = 1,
    mistakes: str = "",
    rig: str = "demo",
    rate_hz: float = 60.0,
    t0: float | None = None,
    tracks: TrackLibrary | None = None,
    reference: bool = True,
) -> str:
    """Drive ``laps`` finished laps of the demo into ``store`` and end the session; its id.

    Frames are at ``rate_hz`` of simulated time from ``t0`` (default: as if the
    session ended now). With ``reference``, the demo's simulated reference lap
    is stored first when the key has none, as ``serve --demo`` does.
    """
    from simcoach_agent.games.demo import DemoCar, parse_mistakes  # only a demo pays for loading it

    if laps < 1:
        raise ValueError("laps: at least 1")
    car = DemoCar(seed=seed, mistakes=parse_mistakes(mistakes), driver=DRIVER)
    session = car.session_info()
    writer = StorageWriter(store)
    engine = CoachEngine(store, writer, tracks or TrackLibrary(None))
    hub = Hub(writer=writer, coach=engine)
    hub.restore(store.last_seqs(), store.open_sessions())
    writing = asyncio.create_task(writer.run())
    try:
        if reference:
            await asyncio.to_thread(ensure_demo_reference, engine, rig, session, seed)
        state = hub.rig_connected(rig)
        hub.set_session(rig, session)
        period = 1.0 / rate_hz
        start = t0 if t0 is not None else time.time() - (laps + 1) * 150.0
        seq = (state.last_seq or 0) + 1
        while car.laps_completed < laps:
            car.step(period)
            await hub.wait_for_storage(1)
            hub.publish_frames(state, [car.frame(rig, seq, start + car.time)])
            seq += 1
            if seq % 600 == 0:
                await asyncio.sleep(0)  # let the writer store what is queued
        # A few seconds past the line, so the last lap's time from the game is in its frames.
        for _ in range(int(3 * rate_hz)):
            car.step(period)
            hub.publish_frames(state, [car.frame(rig, seq, start + car.time)])
            seq += 1
        session_id = state.session_id
        assert session_id is not None
        hub.rig_disconnected(rig)
        hub.sessions.expire(time.time() + hub.sessions.timeout_s + 1)
    finally:
        writer.stop()
        await writing
    return session_id


def record_to_file(path: Path, laps: int, **options: object) -> str:
    """``record_demo_session`` into the store file at ``path`` (created or migrated as the backend does)."""
    store = Store(path).open()
    try:
        return asyncio.run(record_demo_session(store, laps, **options))  # type: ignore[arg-type]
    finally:
        store.close()
