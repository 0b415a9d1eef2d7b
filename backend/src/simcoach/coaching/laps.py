"""Lap detection and timing for one rig, from the game's lap counter and the distance round the lap.

What can go wrong, and what the tracker does about it:

- the rig joins mid-lap: the first lap is partial, never "complete";
- the car starts in or drives into the pit lane: that lap is an out-lap or
  in-lap, complete perhaps but never a reference;
- the game flags the lap invalid (``lap_valid`` false once is enough);
- the lap counter goes back (session restart): ``restarted`` is reported;
- the car jumps (teleport to the pits, lost frames): the lap is broken;
- the counter and the distance do not change on the same frame: a wrap of the
  distance counts as the line, and the counter's increment that follows is
  absorbed, and the other way round.

A lap's time is the game's ``last_lap_s`` when it gives one that agrees with
what was measured; otherwise the time measured from the line (interpolated
between the two frames either side of it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Final

import numpy as np

from simcoach.coaching.trace import CHANNELS, LapTrace, Samples, resample
from simcoach_agent.telemetry import Frame

# The first frame of a rig counts as "at the line" if it is this close after it.
START_WINDOW_M: Final = 30.0
# A move larger than the car could make (speed x time x this, plus the slack) is a jump.
JUMP_FACTOR: Final = 1.5
JUMP_SLACK_M: Final = 40.0
# Going back further than this is a jump too (small reversals are noise or a car rolling back).
BACKWARDS_M: Final = 30.0
# Wait this long after the line for the game's last_lap_s to change before using the measured time.
GAME_TIME_WAIT_S: Final = 1.0
# The game's time is taken when it agrees with the measured one within this (else it times something else).
GAME_TIME_AGREE_S: Final = 2.0


@dataclass(slots=True)
class LapInProgress:
    number: int | None
    from_line: bool  # timed from the line: the lap can be complete
    t_line: float | None  # rig time at the line
    started_in_pit: bool
    t_first: float
    entered_pit: bool = False
    valid: bool = True
    broken: bool = False
    fuel_start: float | None = None
    fuel_last: float | None = None
    samples: Samples = field(default_factory=Samples)


@dataclass(frozen=True, slots=True)
class FinishedLap:
    """A lap that ended at the line."""

    number: int | None
    t_start: float | None
    t_end: float
    time_s: float | None  # the lap's time; None when it was not timed from line to line
    timed_by_game: bool
    valid: bool  # the game never flagged it
    complete: bool  # from line to line, unbroken, with no hole in the samples
    out_lap: bool
    in_lap: bool
    fuel_used_l: float | None
    trace: LapTrace | None  # one point a metre; complete laps only

    @property
    def clean(self) -> bool:
        """Fit to be a reference: complete, valid, and neither an out-lap nor an in-lap."""
        return self.complete and self.valid and not self.out_lap and not self.in_lap and self.time_s is not None


@dataclass(slots=True)
class LapUpdate:
    """What a frame changed beyond the lap in progress (rare: most frames return None)."""

    finished: list[FinishedLap] = field(default_factory=list)
    restarted: bool = False
    started: bool = False


@dataclass(slots=True)
class _Finishing:
    lap: LapInProgress
    t_cross: float
    measured_s: float | None
    last_before: float | None


class LapTracker:
    """Follows one rig's laps frame by frame; ``update`` is cheap and returns None on most frames."""

    def __init__(self, length_m: float | None = None) -> None:
        self.length_m = length_m
        self.lap: LapInProgress | None = None
        self.dist_m: float | None = None  # unwrapped distance of the lap in progress (0 at the line)
        self.elapsed_s: float | None = None  # seconds since the line, when known
        self._prev: Frame | None = None
        self._absorb_counter: int | None = None
        self._finishing: _Finishing | None = None
        self._max_dist = 0.0

    # --- per frame ----------------------------------------------------------

    def update(self, frame: Frame) -> LapUpdate | None:
        prev = self._prev
        self._prev = frame
        raw = self._raw_dist(frame)
        if raw is not None and raw > self._max_dist:
            self._max_dist = raw
        lap = self.lap
        if prev is None or lap is None:
            self._start_first(frame, raw)
            return LapUpdate(started=True)
        if frame.t <= prev.t:
            return None  # a repeated or out-of-order frame: nothing to learn from it
        out: LapUpdate | None = None
        if self._finishing is not None:
            out = self._check_finishing(frame)
        counter, before = frame.lap, prev.lap
        if counter is not None and before is not None and counter < before:
            out = out or LapUpdate()
            out.finished += self._flush_finishing()
            out.restarted = out.started = True
            self._absorb_counter = None
            self._start_first(frame, raw)
            return out

        u = self._unwrap(raw)
        length = self.length_m
        crossed = False
        if counter is not None and before is not None and counter > before:
            if self._absorb_counter == counter and (u is None or length is None or u < 0.3 * length):
                self._absorb_counter = None
            else:
                crossed = True
        jumped = False
        if u is not None and self.dist_m is not None:
            step = u - self.dist_m
            speed = max(frame.speed_kmh or 0.0, prev.speed_kmh or 0.0) / 3.6
            reach = JUMP_FACTOR * speed * (frame.t - prev.t) + JUMP_SLACK_M
            jumped = step > reach or step < -BACKWARDS_M
        number = counter
        if not crossed and not jumped and u is not None and length is not None and u >= length:
            crossed = True
            if counter is not None:
                # The counter has not moved yet: it will, and that is this same line.
                self._absorb_counter = number = counter + 1
        if jumped:
            lap.broken = True
            if not crossed:
                self.dist_m = raw
                self._append(frame, raw)
                return out
        if crossed:
            out = out or LapUpdate()
            # A jump onto the line (into the pit lane, back to the grid) starts a lap that is not timed.
            out.finished += self._finish(frame, prev, u, number, timed=not jumped)
            out.started = True
            return out
        self.dist_m = u
        self._append(frame, u)
        return out

    # --- internals ----------------------------------------------------------

    def _raw_dist(self, frame: Frame) -> float | None:
        d = frame.lap_dist_m
        length = self.length_m
        if d is None:
            if frame.track_pos is None or length is None:
                return None
            d = frame.track_pos * length
        if d < 0.0:
            # Some games count down to the line before the first lap starts.
            d = d + length if length is not None and d > -length else 0.0
        return d

    def _unwrap(self, raw: float | None) -> float | None:
        """The distance nearest the last one among raw, raw - L and raw + L: the line does not look like a jump."""
        if raw is None:
            return None
        last, length = self.dist_m, self.length_m
        if last is None or length is None:
            return raw
        best = raw
        for cand in (raw - length, raw + length):
            if abs(cand - last) < abs(best - last):
                best = cand
        return best

    def _start_first(self, frame: Frame, raw: float | None) -> None:
        """The rig's first frame, or the first after a restart: at the line only if it is just past it."""
        speed = (frame.speed_kmh or 0.0) / 3.6
        at_line = raw is not None and raw <= START_WINDOW_M
        t_line: float | None = None
        if at_line and raw is not None:
            since = frame.lap_time_s if frame.lap_time_s is not None else (raw / speed if speed > 1.0 else None)
            if since is not None and since <= START_WINDOW_M / max(speed, 1.0) + 1.0:
                t_line = frame.t - since
            else:
                at_line = False
        self.lap = LapInProgress(
            number=frame.lap,
            from_line=at_line,
            t_line=t_line,
            started_in_pit=bool(frame.in_pit),
            t_first=frame.t,
            fuel_start=frame.fuel_l,
        )
        self.dist_m = raw
        if at_line and raw is not None:
            self._append_point(frame, 0.0, 0.0)
        self._append(frame, raw)

    def _append(self, frame: Frame, u: float | None) -> None:
        lap = self.lap
        assert lap is not None
        if frame.in_pit and not lap.started_in_pit:
            lap.entered_pit = True
        if frame.lap_valid is False:
            lap.valid = False
        if frame.fuel_l is not None:
            lap.fuel_last = frame.fuel_l
        # Game time when it is there and not stale (some games reset it a frame after the line).
        elapsed = frame.lap_time_s
        if lap.t_line is not None:
            measured = frame.t - lap.t_line
            if elapsed is None or elapsed - measured > 2.0:
                elapsed = measured
        self.elapsed_s = elapsed
        if u is None:
            return
        self._append_point(frame, u, math.nan if elapsed is None else elapsed)

    def _append_point(self, frame: Frame, u: float, elapsed: float) -> None:
        s = self.lap.samples  # type: ignore[union-attr]
        s.dist.append(u)
        s.elapsed.append(elapsed)
        ch = s.channels
        nan = math.nan
        v = frame.speed_kmh
        ch["speed_kmh"].append(nan if v is None else v)
        v = frame.throttle
        ch["throttle"].append(nan if v is None else v)
        v = frame.brake
        ch["brake"].append(nan if v is None else v)
        v = frame.steering
        ch["steering"].append(nan if v is None else v)
        v = frame.g_lat
        ch["g_lat"].append(nan if v is None else v)
        b = frame.tc_active
        ch["tc"].append(nan if b is None else float(b))
        b = frame.abs_active
        ch["abs"].append(nan if b is None else float(b))
        v = frame.pos_x
        ch["x"].append(nan if v is None else v)
        v = frame.pos_y
        ch["y"].append(nan if v is None else v)
        g = frame.gear
        ch["gear"].append(nan if g is None else g)

    def _finish(self, frame: Frame, prev: Frame, u: float | None, number: int | None, timed: bool) -> list[FinishedLap]:
        """Close the lap in progress at the line, start the next one from this frame; laps that are final now."""
        lap = self.lap
        assert lap is not None
        done = self._flush_finishing()
        length = self.length_m
        last = self.dist_m
        frac = 1.0
        if timed and u is not None and last is not None and length is not None and u > last:
            frac = min(1.0, max(0.0, (length - last) / (u - last)))
        t_cross = prev.t + frac * (frame.t - prev.t)
        measured: float | None = None
        if timed and lap.from_line and not lap.broken:
            if self.elapsed_s is not None:
                measured = self.elapsed_s + (t_cross - prev.t)
            elif lap.t_line is not None:
                measured = t_cross - lap.t_line
        if measured is not None and length is not None:
            self._append_point(prev, length, measured)
        self._finishing = _Finishing(lap, t_cross, measured, prev.last_lap_s)
        # The next lap starts at the line (in the pit lane or out on track) unless the car jumped there.
        new_u: float | None = None
        raw = self._raw_dist(frame)
        if raw is not None:
            new_u = raw - length if length is not None and raw > 0.5 * length else raw
        self.lap = LapInProgress(
            number=number,
            from_line=timed,
            t_line=t_cross if timed else None,
            started_in_pit=bool(frame.in_pit),
            t_first=frame.t,
            fuel_start=frame.fuel_l,
        )
        self.dist_m = new_u
        self.elapsed_s = None
        if timed and new_u is not None:
            self._append_point(frame, 0.0, 0.0)
        self._append(frame, new_u)
        game = frame.last_lap_s
        if measured is None or game is None or game != prev.last_lap_s:
            done += self._flush_finishing(game if game != prev.last_lap_s else None)
        return done

    def _check_finishing(self, frame: Frame) -> LapUpdate | None:
        """A lap held for the game's last_lap_s: take it when it changes, or the measured time after a while."""
        f = self._finishing
        assert f is not None
        game = frame.last_lap_s
        if game is not None and game != f.last_before:
            return LapUpdate(finished=self._flush_finishing(game))
        if frame.t - f.t_cross >= GAME_TIME_WAIT_S:
            return LapUpdate(finished=self._flush_finishing())
        return None

    def _flush_finishing(self, game_time: float | None = None) -> list[FinishedLap]:
        f = self._finishing
        if f is None:
            return []
        self._finishing = None
        lap = f.lap
        time_s = f.measured_s
        by_game = False
        if game_time is not None and time_s is not None and abs(game_time - time_s) <= GAME_TIME_AGREE_S:
            time_s, by_game = game_time, True
        trace = self._lap_trace(lap, f.measured_s)
        fuel_used = None
        if lap.fuel_start is not None and lap.fuel_last is not None and lap.fuel_start >= lap.fuel_last:
            fuel_used = lap.fuel_start - lap.fuel_last
        return [
            FinishedLap(
                number=lap.number,
                t_start=lap.t_line,
                t_end=f.t_cross,
                time_s=time_s,
                timed_by_game=by_game,
                valid=lap.valid,
                complete=trace is not None,
                out_lap=lap.started_in_pit,
                in_lap=lap.entered_pit,
                fuel_used_l=fuel_used,
                trace=trace,
            )
        ]

    def flush(self) -> list[FinishedLap]:
        """A lap still waiting for the game's time, final now (the session ends)."""
        return self._flush_finishing()

    def _lap_trace(self, lap: LapInProgress, measured: float | None) -> LapTrace | None:
        length = self.length_m
        if not lap.from_line or lap.broken or measured is None or length is None:
            return None
        d, e, ch = lap.samples.arrays()
        if len(d) < 10 or np.isnan(e).any():
            return None
        trace = resample(d, e, ch, 0.0, length)
        if trace is None:
            return None
        trace.length_m = length
        trace.lap_time_s = measured
        return trace

    def estimated_length(self) -> float | None:
        """The track length when the session did not say: the furthest distance seen."""
        return self.length_m or (self._max_dist if self._max_dist > 0 else None)

    def reset(self) -> None:
        self.__init__(self.length_m)  # type: ignore[misc]


__all__ = ["CHANNELS", "FinishedLap", "LapInProgress", "LapTracker", "LapUpdate"]
