"""``simcoach replay``: a recorded session through the coaching engine, as fast as it goes, events out.

The input is what ``simcoach-agent --stdout`` prints: JSON lines, each a
``session`` or a ``frame`` message. A session line without a rig applies to
the rig of the frames that follow it. Events go out as JSON lines (the
dashboard's ``event`` messages); with ``laps_out`` each finished lap too, with
its per-corner numbers.

A line that is not a valid message (malformed or cut-off JSON, a value out of
the frame contract's bounds, a wrong type) is skipped and counted, and the
replay goes on: one bad sample must not throw away a session. The first
``SKIPPED_NAMED`` of them are kept with their line number and reason.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Final, TextIO

import msgspec

from simcoach.coaching.engine import CoachEngine
from simcoach.coaching.events import Event
from simcoach.coaching.lap_record import LapRecord
from simcoach.live.sessions import SessionTracker
from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import encode_json

# Lines named with their reason; beyond this only counted (a broken file should not flood the terminal).
SKIPPED_NAMED: Final = 5
# A reason quotes at most this much of the line.
QUOTE_CHARS: Final = 60


@dataclass(frozen=True, slots=True)
class Skipped:
    """A line that was not replayed: its number (from 1) and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line} skipped: {self.reason}"


@dataclass(slots=True)
class ReplayStats:
    lines: int = 0
    frames: int = 0
    sessions: int = 0
    events: int = 0
    laps: int = 0
    skipped: int = 0
    first_skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a person: what was read, what it gave, what was skipped."""
        text = (
            f"{self.lines} lines: {self.frames} frames, {self.sessions} session messages, "
            f"{self.laps} laps, {self.events} events; {self.skipped} lines skipped"
        )
        if self.skipped:
            named = ", ".join(str(s.line) for s in self.first_skipped)
            unnamed = self.skipped - len(self.first_skipped)
            more = f" and {unnamed} more" if unnamed else ""
            text += f" (line {named}{more})"
        return text


_decoder = msgspec.json.Decoder(Frame | SessionInfo)


def _reason(line: bytes | str, exc: msgspec.DecodeError) -> str:
    """Why a line is not a message, in words: the decoder's own for a bad value, the text's start for bad JSON."""
    if isinstance(exc, msgspec.ValidationError):
        return f"not a valid session or frame message: {exc}"
    text = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
    text = text.strip()
    quote = text[:QUOTE_CHARS] + ("..." if len(text) > QUOTE_CHARS else "")
    return f"not JSON ({exc}): {quote!r}"


def replay(
    lines: Iterable[bytes | str],
    engine: CoachEngine,
    events_out: TextIO,
    laps_out: TextIO | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
) -> ReplayStats:
    """Push every line through the engine; write its events (and laps) as JSON lines.

    Lines that are not valid messages are skipped and counted in the stats;
    ``on_skip`` hears of the first ``SKIPPED_NAMED`` as they happen.
    """
    stats = ReplayStats()
    pending: SessionInfo | None = None
    last_t = 0.0
    # Sessions as the backend keeps them (a stored session per run of a session message), so
    # that a backend opening the replay's --store finds the rig's session and its laps.
    sessions = SessionTracker(engine.writer, timeout_s=math.inf)
    next_seq: dict[str, int] = {}

    def join(rig: str, session: SessionInfo, t: float) -> None:
        joined = sessions.join(rig, session, next_seq.get(rig, 0), t)
        engine.set_session(rig, session, t, session_id=joined.id)

    for number, line in enumerate(lines, start=1):
        stats.lines = number
        if not line.strip():
            continue
        try:
            message = _decoder.decode(line)
        except msgspec.DecodeError as exc:
            stats.skipped += 1
            if len(stats.first_skipped) < SKIPPED_NAMED:
                skipped = Skipped(number, _reason(line, exc))
                stats.first_skipped.append(skipped)
                if on_skip is not None:
                    on_skip(skipped)
            continue
        if isinstance(message, SessionInfo):
            stats.sessions += 1
            if message.rig:
                join(message.rig, message, last_t)
            else:
                pending = message
            continue
        frame = message
        last_t = frame.t
        if pending is not None:
            join(frame.rig, pending, frame.t)
            pending = None
        elif sessions.current(frame.rig) is None:
            join(frame.rig, SessionInfo(game="unknown"), frame.t)
        next_seq[frame.rig] = frame.seq + 1
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
