"""``simcoach replay``: a recorded session through the coaching engine, as fast as it goes, events out.

The input is what ``simcoach-agent --stdout`` prints: JSON lines, each a
``session`` or a ``frame`` message. A session line without a rig applies to
the rig of the frames that follow it. Events go out as JSON lines (the
dashboard's ``event`` messages); with ``laps_out`` each finished lap too, with
its per-corner numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

import msgspec

from simcoach.coaching.engine import CoachEngine
from simcoach.coaching.events import Event
from simcoach.coaching.store import LapRecord
from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import encode_json


class ReplayError(ValueError):
    """A line that is not a session or a frame message, with its number."""


@dataclass(slots=True)
class ReplayStats:
    lines: int = 0
    frames: int = 0
    sessions: int = 0
    events: int = 0
    laps: int = 0


_decoder = msgspec.json.Decoder(Frame | SessionInfo)


def replay(
    lines: Iterable[bytes | str],
    engine: CoachEngine,
    events_out: TextIO,
    laps_out: TextIO | None = None,
) -> ReplayStats:
    """Push every line through the engine; write its events (and laps) as JSON lines."""
    stats = ReplayStats()
    pending: SessionInfo | None = None
    last_t = 0.0
    for number, line in enumerate(lines, start=1):
        stats.lines = number
        if not line.strip():
            continue
        try:
            message = _decoder.decode(line)
        except msgspec.DecodeError as exc:
            raise ReplayError(f"line {number}: not a session or frame message: {exc}") from None
        if isinstance(message, SessionInfo):
            stats.sessions += 1
            if message.rig:
                engine.set_session(message.rig, message, last_t)
            else:
                pending = message
            continue
        frame = message
        last_t = frame.t
        if pending is not None:
            engine.set_session(frame.rig, pending, frame.t)
            pending = None
        stats.frames += 1
        out = engine.on_frame(frame)
        if not out:
            continue
        for item in out:
            if isinstance(item, Event):
                stats.events += 1
                events_out.write(encode_json(item).decode() + "\n")
            elif isinstance(item, LapRecord):
                stats.laps += 1
                if laps_out is not None:
                    laps_out.write(json.dumps(item.summary()) + "\n")
                # A lap is the natural moment to store what it produced.
                engine.writer.flush_now()
    engine.writer.flush_now()
    events_out.flush()
    return stats
