"""The coaching engine: per rig, laps, the reference, the live delta, corner feedback and the rules, frame by frame.

``CoachEngine.on_frame`` is synchronous and cheap (a few microseconds on most
frames: lap bookkeeping, two list reads for the delta, the rules); the heavier
work happens once per corner (measuring it: well under a millisecond) and once
per lap (resampling it, maybe a new reference with its corners: a few
milliseconds). Store writes are queued on a ``CoachWriter`` and never done here.
What the engine has to say comes back as ``Outgoing`` messages: coaching events
and lap summaries, to publish and keep.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import msgspec

from simcoach.coaching.context import Phase, RigContext
from simcoach.coaching.events import Event
from simcoach.coaching.feedback import CornerHistory, CornerResult, Finding, analyse
from simcoach.coaching.lap_record import LapRecord
from simcoach.coaching.laps import FinishedLap, LapTracker
from simcoach.coaching.reference import (
    Plausibility,
    Reference,
    RefKey,
    build_reference,
    default_sectors,
    implausible,
)
from simcoach.coaching.rules.base import Rule
from simcoach.coaching.rules.fuel import FuelRule
from simcoach.coaching.scheduler import Scheduler
from simcoach.coaching.trace import LapTrace, resample
from simcoach.storage.records import EventRow, ReferenceChoice, session_key
from simcoach.storage.store import Store
from simcoach.storage.writer import StorageWriter
from simcoach.tracks.loader import TrackInfo, TrackLibrary
from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import encode_json

log = logging.getLogger(__name__)
# Taking up a session after a restart, stored frames are run again from this long before the last line.
RESUME_LEAD_S: Final = 2.0
_frame_decoder = msgspec.msgpack.Decoder(Frame)

Outgoing = Event | LapRecord
RulesFactory = Callable[[SessionInfo], list[Rule]]

ADVICE_PRIORITY: Final = 40
ANALYSIS_MARGIN_M: Final = 5.0


NO_FUEL: Final = {"fuel_per_lap_l": None, "laps_of_fuel": None, "fuel_to_finish_l": None}


def default_rules_factory(session: SessionInfo) -> list[Rule]:
    """The rules the backend runs: tyres, brakes, fuel and technique for the car's class."""
    from simcoach.coaching.rules import default_rules
    from simcoach.coaching.thresholds import class_for_session

    return default_rules(class_for_session(session))


def encode_outgoing(message: Outgoing) -> bytes:
    """The dashboard message (JSON) of an event or a lap."""
    if isinstance(message, LapRecord):
        return encode_json(message.message())
    return encode_json(message)


@dataclass(slots=True)
class _LapBook:
    """What the engine measured of a lap while it was driven: its sector splits and corner results so far."""

    splits: list[float]
    results: list[CornerResult | None]
    next_segment: int


class RigCoach:
    """Everything the engine knows about one rig."""

    def __init__(self, engine: CoachEngine, rig: str) -> None:
        self.engine = engine
        self.rig = rig
        self.ctx = RigContext(rig)
        self.session: SessionInfo | None = None
        self.session_id = ""
        self.key = session_key(None)
        self.track: TrackInfo | None = None
        self.length_m: float | None = None
        self.sectors_m: list[float] = []  # where each sector starts
        self.tracker = LapTracker(None)
        self.ref: Reference | None = None
        self.limits = Plausibility.for_session(None)  # what the car can do: nothing beyond gets into a reference
        self.rules: list[Rule] = []
        self.scheduler = Scheduler()
        self.prev: Frame | None = None
        self.laps: list[LapRecord] = []
        self.best_lap_s: float | None = None
        # The fuel rule keeps the fuel figures (clean-lap average, reset on refuelling); the live state shows them.
        self.fuel: FuelRule | None = None
        # Live state of the lap in progress.
        self.delta_s: float | None = None
        self.lap: int | None = None
        self.sector = 0  # index into the reference's sectors; -1 when unknown
        self.splits: list[float] = []  # seconds since the line at each sector start passed
        self.results: list[CornerResult | None] = []
        self.history = CornerHistory()  # the driver's usual numbers per corner, this session
        self.next_segment = 0
        self.next_sector_m = math.inf
        self.next_segment_m = math.inf
        # The lap that just crossed the line, until its time is final (some games give it frames later).
        self._closing: _LapBook | None = None
        self._prev_d: float | None = None
        self._prev_e: float | None = None
        self._coach: bytes | None = None
        self._frame: Frame | None = None
        # Set while stored frames are run through again (``_resume``): nothing they give is told or kept twice.
        self.quiet = False

    # --- session ------------------------------------------------------------

    def set_session(self, session: SessionInfo, t: float, session_id: str | None = None, resume: bool = False) -> None:
        """The rig's session; ``resume``: one this engine has not seen, going on from before a restart."""
        same = self.session is not None and msgspec.structs.replace(session, rig=None) == msgspec.structs.replace(
            self.session, rig=None
        )
        if same and session_id in (None, self.session_id):
            return  # a rig that reconnects says its session again
        self.session = session
        self.ctx.session = session
        key = session_key(session)
        self.track = self.engine.tracks.find(session.track, session.track_length_m)
        self.length_m = session.track_length_m or (self.track.length_m if self.track else None)
        self.sectors_m = default_sectors(self.length_m, self.track) if self.length_m else []
        self.rules = self.engine.rules_factory(session)
        self.limits = Plausibility.for_session(session)
        self.fuel = next((r for r in self.rules if isinstance(r, FuelRule)), None)
        if key != self.key or self.ref is None:
            self.key = key
            self.ref = self.engine.load_reference(key, self.track, self.limits)
        self._new_session(t, session_id)
        if resume:
            self._resume()

    def _new_session(self, t: float, session_id: str | None = None, *, restarted: bool = False) -> None:
        """A new session (or the game restarting it): laps, rules and pending advice start afresh; the reference stays.

        A restart in the game is the same session (same rig, game, track, car
        and driver, driving on); after it the lap tracker has already begun
        again from the frame that showed it.
        """
        if not restarted:
            self.session_id = session_id or f"{self.rig}-{int(t * 1000)}-{uuid.uuid4().hex[:6]}"
            self.tracker = LapTracker(self.length_m)
        self.scheduler = Scheduler()
        for rule in self.rules:
            rule.reset()
        self.laps = []
        self.history = CornerHistory()
        self.best_lap_s = None
        self.ctx.lap_times_s = []
        self.prev = None
        self._reset_splits()
        self._reset_segments()

    def _resume(self) -> None:
        """Take up a stored session after a backend restart, so that no lap of it is lost.

        The laps it finished come from the store (best lap, lap times); the lap
        in progress is rebuilt by running the stored frames since the last of
        them through the engine again, quietly: their events were told and kept
        already. A lap they finish was not stored yet (it would have been, with
        the frames that finished it) and is kept now. Blocking, on the event
        loop, once per rig coming back: reads and runs at most a lap of frames
        (a few hundred ms for a long lap), so the frames that follow find the
        engine where it was.
        """
        store = self.engine.store
        laps = store.laps(self.session_id)
        self.ctx.lap_times_s = [float(lap["time_s"]) for lap in laps]
        bests = [float(lap["time_s"]) for lap in laps if lap.get("is_best")]
        self.best_lap_s = min(bests) if bests else None
        row = store.session(self.session_id)
        if row is None or row.first_seq is None:
            return
        # From a little before the last line crossing: the tracker joins the previous lap's tail
        # (untimed, so not reported again) and sees the line as it was crossed, so the lap in
        # progress is timed from the line exactly as it would have been without the restart.
        since = float(laps[-1]["t"]) - RESUME_LEAD_S if laps else row.started
        frames = store.frames_since(self.rig, row.first_seq, since)
        self.quiet = True
        try:
            for data in frames:
                self.on_frame(_frame_decoder.decode(data))
        finally:
            self.quiet = False
        log.info(
            "rig %s: session %s taken up again: %d laps stored, %d frames of the lap in progress",
            self.rig,
            self.session_id,
            len(laps),
            len(frames),
        )

    # --- frames -------------------------------------------------------------

    def on_frame(self, frame: Frame) -> list[Outgoing] | None:
        out: list[Outgoing] | None = None
        if self.session is None:
            self.set_session(SessionInfo(game="unknown"), frame.t)
        update = self.tracker.update(frame)
        if update is not None:
            if update.started:
                self._closing = _LapBook(self.splits, self.results, self.next_segment)
            for lap in update.finished:
                out = self._lap_finished(lap, frame, out)
            if update.restarted:
                self._closing = None
                self._new_session(frame.t, restarted=True)
            if update.started:
                self._reset_splits()
                self._reset_segments()
        self._frame = frame
        self._coach = None
        ctx = self.ctx
        tracker = self.tracker
        d = tracker.dist_m
        e = tracker.elapsed_s
        self.lap = frame.lap if frame.lap is not None else (tracker.lap.number if tracker.lap else None)
        ctx.lap = self.lap
        ctx.lap_dist_m = d
        ctx.phase = self._phase(frame)

        ref = self.ref
        if ref is not None and d is not None and 0.0 <= d <= ref.length_m:
            if e is not None:
                times = ref.times
                i = int(d)
                if i + 1 < len(times):
                    self.delta_s = e - (times[i] + (times[i + 1] - times[i]) * (d - i))
                else:
                    self.delta_s = e - times[-1]
            else:
                self.delta_s = None
            m = int(d)
            if m >= len(ref.corner_at):
                m = len(ref.corner_at) - 1
            k = ref.corner_at[m]
            corners = ref.corners
            ctx.corner = corners[k].name if k >= 0 else None
            nk = ref.next_at[m]
            ctx.next_corner = corners[nk].name if nk >= 0 and corners else None
            if d >= self.next_segment_m:
                self._analyse_passed(d, frame)
            due = ref.advice_at[m]
            if due:
                for k in due:
                    finding = self.scheduler.take_advice(k, frame.t)
                    if finding is not None:
                        out = out or []
                        out.append(self._advice_event(finding, frame, d))
        else:
            self.delta_s = None
            ctx.corner = ctx.next_corner = None
        if d is not None and d >= self.next_sector_m:
            self._sector_passed(d, e)
        ctx.delta_s = self.delta_s
        self._prev_d, self._prev_e = d, e

        prev = self.prev
        phase = ctx.phase
        scheduler = self.scheduler
        covered = ref is not None
        for rule in self.rules:
            if phase in rule.phases:
                for event in rule.evaluate(prev, frame, ctx):
                    scheduler.offer(event, covered)
        said = scheduler.due(frame.t)
        if said is not None:
            out = out or []
            out.append(said)
        self.prev = frame
        if out:
            for message in out:
                if isinstance(message, Event):
                    self._keep_event(message)
        return out

    def _phase(self, frame: Frame) -> Phase:
        if frame.in_pit:
            return "pit"
        lap = self.tracker.lap
        if lap is not None and (lap.started_in_pit or lap.entered_pit):
            return "out_lap"
        session = self.session
        left = frame.session_time_left_s
        laps = session.session_laps if session is not None else None
        if (left is not None and left <= 0.0) or (laps is not None and frame.lap is not None and frame.lap > laps):
            return "in_lap"  # the chequered flag is out: this lap ends in the pits
        return "flying"

    def _reset_splits(self) -> None:
        """A new lap began: sector splits from its start (only a lap timed from the line has them)."""
        self.splits = [0.0] if self.tracker.lap is not None and self.tracker.lap.from_line else []
        d = self.tracker.dist_m or 0.0
        sectors = self.sectors_m
        if sectors:
            self.sector = max(0, bisect.bisect_right(sectors, d) - 1)
            nxt = self.sector + 1
            self.next_sector_m = sectors[nxt] if nxt < len(sectors) else math.inf
        else:
            self.sector = -1
            self.next_sector_m = math.inf

    def _reset_segments(self) -> None:
        """Corner bookkeeping from where the car is: corners it is already past are not measured this lap."""
        self.results = []
        self.next_segment = 0
        ref = self.ref
        d = self.tracker.dist_m or 0.0
        if ref is None:
            self.next_segment_m = math.inf
            return
        while self.next_segment < len(ref.segments) and ref.segments[self.next_segment].start_m < d - 1.0:
            self.results.append(None)  # joined after its start: not measured this lap
            self.next_segment += 1
        self._set_next_segment_m()

    def _set_next_segment_m(self) -> None:
        ref = self.ref
        assert ref is not None
        segs = ref.segments
        k = self.next_segment
        # The last segments end at the line: they are measured from the whole lap when it ends.
        if k < len(segs) and segs[k].end_m < ref.length_m - 1.0:
            self.next_segment_m = segs[k].end_m + ANALYSIS_MARGIN_M
        else:
            self.next_segment_m = math.inf

    def _sector_passed(self, d: float, e: float | None) -> None:
        sectors = self.sectors_m
        boundary = self.next_sector_m
        if e is not None and self._prev_d is not None and self._prev_e is not None and d > self._prev_d:
            f = (boundary - self._prev_d) / (d - self._prev_d)
            split = self._prev_e + (e - self._prev_e) * min(1.0, max(0.0, f))
            if len(self.splits) == self.sector + 1:
                self.splits.append(split)
        self.sector += 1
        nxt = self.sector + 1
        self.next_sector_m = sectors[nxt] if nxt < len(sectors) else math.inf

    def _analyse_passed(self, d: float, frame: Frame) -> None:
        """Measure the corners whose segments the car has just left, and queue what to say about them."""
        ref = self.ref
        assert ref is not None
        lap = self.tracker.lap
        while self.next_segment_m <= d:
            k = self.next_segment
            seg = ref.segments[k]
            result: CornerResult | None = None
            if lap is not None and not lap.started_in_pit and not lap.entered_pit and not lap.broken:
                samples = lap.samples
                lo = max(0, bisect.bisect_left(samples.dist, seg.start_m - 20.0) - 1)
                dist, elapsed, channels = samples.arrays(lo)
                trace = resample(dist, elapsed, channels, seg.start_m - 2.0, seg.end_m + 2.0)
                metrics = ref.metrics[k]
                if trace is not None and metrics is not None:
                    previous = self.results[-1] if self.results else None
                    history = self.history.of(seg.corner.name)
                    result = analyse(self.lap, trace, ref.trace, seg, metrics, previous=previous, history=history)
            self._take_result(k, result, frame.t)
            self.next_segment += 1
            self._set_next_segment_m()

    def _take_result(self, k: int, result: CornerResult | None, t: float) -> None:
        self.results.append(result)
        self.history.add(result)
        if result is not None and result.finding is not None:
            self.scheduler.add_advice(k, result.finding, t)

    def _advice_event(self, finding: Finding, frame: Frame, d: float) -> Event:
        return Event(
            t=frame.t,
            rig=self.rig,
            lap=self.lap,
            lap_dist_m=round(d, 1),
            corner=finding.corner,
            kind=finding.kind,
            severity=finding.severity,
            message=finding.message,
            evidence=finding.evidence,
            priority=ADVICE_PRIORITY,
        )

    def _keep_event(self, event: Event) -> None:
        if self.quiet:
            return
        self.engine.writer.add(EventRow(self.session_id, self.rig, event.t, event.kind, encode_json(event)))

    # --- laps ---------------------------------------------------------------

    def _lap_finished(self, lap: FinishedLap, frame: Frame, out: list[Outgoing] | None) -> list[Outgoing] | None:
        book, self._closing = self._closing, None
        if book is None:
            book = _LapBook(self.splits, self.results, self.next_segment)
        if self.length_m is None and lap.trace is None:
            # The session did not give a length: learn it from the first lap so the next ones get traces.
            self.length_m = self.tracker.estimated_length()
            self.tracker.length_m = self.length_m
        if lap.time_s is None:
            return out  # not timed from line to line (joined mid-lap, a jump): nothing to report
        ref = self.ref
        # The corners not measured on the way (the last ones end at the line): from the whole lap now.
        if ref is not None and lap.trace is not None and not lap.out_lap and not lap.in_lap:
            for k in range(book.next_segment, len(ref.segments)):
                metrics = ref.metrics[k]
                result = None
                if metrics is not None:
                    previous = book.results[-1] if book.results else None
                    seg = ref.segments[k]
                    history = self.history.of(seg.corner.name)
                    result = analyse(lap.number, lap.trace, ref.trace, seg, metrics, previous=previous, history=history)
                book.results.append(result)
                self.history.add(result)
                if result is not None and result.finding is not None:
                    self.scheduler.add_advice(k, result.finding, frame.t)
        sectors: list[float] = []
        if self.sectors_m and len(book.splits) == len(self.sectors_m):
            marks = [*book.splits, lap.time_s]
            sectors = [b - a for a, b in itertools.pairwise(marks)]
        clean = lap.clean
        delta_ref = lap.time_s - ref.lap_time_s if ref is not None and lap.complete else None
        is_best = clean and (self.best_lap_s is None or lap.time_s < self.best_lap_s)
        if is_best:
            self.best_lap_s = lap.time_s
        lap_id = self.engine.store.next_lap_id()
        becomes_ref = (
            clean and lap.trace is not None and (ref is None or (not ref.pinned and lap.time_s < ref.lap_time_s))
        )
        if becomes_ref and lap.trace is not None and (why := implausible(lap.trace, self.limits)) is not None:
            log.warning("rig %s: lap %s is not made the reference: %s", self.rig, lap.number, why)
            becomes_ref = False
        record = LapRecord(
            id=lap_id,
            rig=self.rig,
            session_id=self.session_id,
            key=self.key,
            lap=lap.number,
            time_s=lap.time_s,
            valid=lap.valid and lap.complete,
            complete=lap.complete,
            out_lap=lap.out_lap,
            in_lap=lap.in_lap,
            sectors=sectors,
            delta_to_reference_s=delta_ref,
            is_best=is_best,
            is_reference=becomes_ref,
            t_end=lap.t_end,
            fuel_used_l=lap.fuel_used_l,
            corners=[r.to_json() for r in book.results if r is not None],
        )
        self.laps.append(record)
        self.ctx.lap_times_s.append(lap.time_s)
        trace = lap.trace
        self.engine.writer.add(lambda: record.row(trace))
        if becomes_ref and trace is not None:
            self._switch_reference(build_reference(lap_id, self.key, lap.time_s, trace, self.track, limits=self.limits))
            self.engine.writer.add(ReferenceChoice(self.key, lap_id, False))
        out = out or []
        out.append(record)
        return out

    # --- the dashboard's view -------------------------------------------------

    def use_reference(self, ref: Reference | None) -> None:
        """A reference chosen from outside (the API): advice measured against the old one is dropped."""
        self.scheduler.clear_advice()
        self._switch_reference(ref)

    def _switch_reference(self, ref: Reference | None) -> None:
        """A new reference, perhaps mid-lap (a lap's time can arrive after the next lap began).

        Its corners may differ from the old one's: pending advice follows corner
        names, and corners the car is already past are not measured this lap.
        """
        self.ref = ref
        self.scheduler.renumber([c.name for c in ref.corners] if ref is not None else [])
        self._reset_segments()

    def coach_json(self) -> bytes | None:
        """The ``coach`` key of frames messages (built at most once per frame, when a dashboard asks)."""
        if self._coach is not None:
            return self._coach
        frame = self._frame
        if frame is None:
            return None
        ref = self.ref
        delta = self.delta_s
        sectors: list[dict[str, Any]] = []
        marks = self.splits
        for i in range(1, len(marks)):
            split = marks[i] - marks[i - 1]
            ref_split = None
            if ref is not None and ref.sectors_m == self.sectors_m and i - 1 < len(ref.sector_times_s):
                ref_split = ref.sector_times_s[i - 1]
            sectors.append(
                {
                    "sector": i,
                    "time_s": round(split, 3),
                    "delta_s": None if ref_split is None else round(split - ref_split, 3),
                }
            )
        coach: dict[str, object] = {
            "lap": self.lap,
            "delta_s": None if delta is None else round(delta, 6),
            "predicted_lap_s": None if delta is None or ref is None else round(ref.lap_time_s + delta, 6),
            "reference_lap_s": None if ref is None else round(ref.lap_time_s, 3),
            "best_lap_s": None if self.best_lap_s is None else round(self.best_lap_s, 3),
            "sector": self.sector + 1 if self.sector >= 0 else None,
            "sectors": sectors,
            "corner": self.ctx.corner,
            "next_corner": self.ctx.next_corner,
            **(self.fuel.live() if self.fuel is not None else NO_FUEL),
        }
        self._coach = encode_json(coach)
        return self._coach


class CoachEngine:
    """All rigs' coaching in one backend process (or one replay)."""

    def __init__(
        self,
        store: Store,
        writer: StorageWriter | None = None,
        tracks: TrackLibrary | None = None,
        rules_factory: RulesFactory | None = None,
    ) -> None:
        self.store = store
        # Laps, events and references are queued on the store's writer, never written here.
        self.writer = writer if writer is not None else StorageWriter(store)
        self.tracks = tracks if tracks is not None else TrackLibrary()
        self.rules_factory: RulesFactory = rules_factory if rules_factory is not None else default_rules_factory
        self.rigs: dict[str, RigCoach] = {}
        self.frames = 0
        self.events = 0

    def rig(self, name: str) -> RigCoach:
        coach = self.rigs.get(name)
        if coach is None:
            coach = self.rigs[name] = RigCoach(self, name)
        return coach

    def set_session(
        self,
        rig: str,
        session: SessionInfo,
        t: float | None = None,
        session_id: str | None = None,
        resume: bool = False,
    ) -> None:
        """A rig's session (its id from the live layer; made up here when coaching runs alone, as in replays)."""
        self.rig(rig).set_session(session, time.time() if t is None else t, session_id, resume)

    def on_frame(self, frame: Frame) -> list[Outgoing] | None:
        self.frames += 1
        coach = self.rigs.get(frame.rig)
        if coach is None:
            coach = self.rig(frame.rig)
        out = coach.on_frame(frame)
        if out:
            self.events += sum(1 for o in out if isinstance(o, Event))
        return out

    def coach_json(self, rig: str) -> bytes | None:
        coach = self.rigs.get(rig)
        return coach.coach_json() if coach is not None else None

    # --- references ---------------------------------------------------------

    def load_reference(
        self, key: RefKey, track: TrackInfo | None, limits: Plausibility | None = None
    ) -> Reference | None:
        """The stored reference of a key (a blocking read of one lap: done when a session starts)."""
        chosen = self.store.reference(key)
        if chosen is None:
            return None
        lap_id, pinned = chosen
        stored = self.store.load_lap(lap_id)
        if stored is None or stored.trace is None:
            log.warning("reference lap %s of %s is gone from the store", lap_id, key)
            return None
        time_s = float(stored.record["time_s"])
        trace = LapTrace.from_bytes(stored.trace)
        return build_reference(lap_id, key, time_s, trace, track, pinned=pinned, limits=limits)

    def describe(self) -> dict[str, object]:
        return {
            "rigs": len(self.rigs),
            "frames": self.frames,
            "events": self.events,
        }
