"""InfluxDB line protocol for simcoach's fixed schema: frames and per-lap records to lines, a few µs a frame.

Escaping follows the line-protocol spec exactly as influxdb-client's ``Point``
does (so both give the same bytes for the same values): commas and spaces in
the measurement; commas, equals signs and spaces in tag keys, tag values and
field keys; double quotes and backslashes inside string fields; newlines,
tabs and carriage returns written as ``\\n``, ``\\t``, ``\\r`` so a value never
ends a line. Tags are in key order, which InfluxDB would otherwise sort for
every point; per-lap fields too (telemetry fields go in the frame's order).

Idempotence: a point's measurement, tags and timestamp come only from the
frame or record (its rig time in ns), so writing it twice stores it once.
Floats are written as floats (``7500.0`` in telemetry, ``7500`` in the per-lap
lines as Point writes it: both are floats in line protocol) and a non-finite
float is left out (line protocol has no NaN); None is left out; ints get
``i``; booleans are ``true``/``false``.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

import msgspec

from simcoach.history.schema import (
    CORNERS,
    EVENTS,
    LAP_TRACE,
    LAPS,
    NOT_CHANNELS,
    TELEMETRY,
    WHEEL_SUFFIXES,
    CornerRecord,
    EventRecord,
    LapRecord,
    SessionTags,
    TraceRecord,
)
from simcoach_agent.telemetry import Frame

_MEASUREMENT: Final = str.maketrans({",": r"\,", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"})
_KEY: Final = str.maketrans({",": r"\,", "=": r"\=", " ": r"\ ", "\n": r"\n", "\t": r"\t", "\r": r"\r"})
_STRING: Final = str.maketrans({'"': r"\"", "\\": "\\\\"})

FieldValue = float | int | bool | str | None

NS_PER_S: Final = 1_000_000_000


def escape_measurement(name: str) -> str:
    return name.translate(_MEASUREMENT)


def escape_key(key: str) -> str:
    """A tag key or field key."""
    return key.translate(_KEY)


def escape_tag_value(value: str) -> str:
    out = value.translate(_KEY)
    # A trailing backslash would escape the separator after it.
    return out + " " if out.endswith("\\") else out


def escape_string(value: str) -> str:
    """A string field's content, without its quotes."""
    return value.translate(_STRING)


def ns(t: float) -> int:
    """Unix seconds to the integer nanoseconds of a point (the same float always gives the same ns)."""
    return round(t * NS_PER_S)


def format_float(value: float) -> str | None:
    """A float field's text; None for NaN and infinities, which line protocol cannot carry."""
    if not math.isfinite(value):
        return None
    s = repr(value)
    return s[:-2] if s.endswith(".0") else s


def format_value(value: FieldValue) -> str | None:
    """A field value's text by its Python type; None when the field is to be left out."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, str):
        return '"' + value.translate(_STRING) + '"'
    raise TypeError(f"field value {value!r} is a {type(value).__name__}: not a float, int, bool or str")


def tag_prefix(measurement: str, tags: dict[str, str]) -> str:
    """``measurement,k=v,...`` with the tags in key order, empty values left out (InfluxDB refuses them)."""
    parts = [escape_measurement(measurement)]
    for key in sorted(tags):
        value = tags[key]
        if key and value:
            parts.append(f"{escape_key(key)}={escape_tag_value(value)}")
    return ",".join(parts)


def line(measurement: str, tags: dict[str, str], fields: dict[str, FieldValue], t_ns: int) -> str | None:
    """One point, or None when every field is left out (a point needs at least one)."""
    body = []
    for key in sorted(fields):
        text = format_value(fields[key])
        if text is not None:
            body.append(f"{escape_key(key)}={text}")
    if not body:
        return None
    return f"{tag_prefix(measurement, tags)} {','.join(body)} {t_ns}"


# --- telemetry: one point a frame -------------------------------------------------------------

_FLOAT, _INT, _BOOL = 0, 1, 2


def _kind_of(t: msgspec.inspect.Type) -> tuple[int, bool]:
    """(kind, four wheels) of a frame field's type, from msgspec's view of the contract."""
    if isinstance(t, msgspec.inspect.Metadata):
        t = t.type
    if isinstance(t, msgspec.inspect.UnionType):
        t = next(u for u in t.types if not isinstance(u, msgspec.inspect.NoneType))
    wheels = isinstance(t, msgspec.inspect.TupleType)
    if wheels:
        assert isinstance(t, msgspec.inspect.TupleType)
        assert len(t.item_types) == len(WHEEL_SUFFIXES)
        t = t.item_types[0]
    if isinstance(t, msgspec.inspect.Metadata):
        t = t.type
    if isinstance(t, msgspec.inspect.BoolType):
        return _BOOL, wheels
    if isinstance(t, msgspec.inspect.IntType):
        return _INT, wheels
    if isinstance(t, msgspec.inspect.FloatType):
        return _FLOAT, wheels
    raise TypeError(f"frame field type {t!r} has no line-protocol field kind")


def _telemetry_plan() -> tuple[tuple[tuple[bytes, bytes], ...], tuple[int, ...], tuple[int, ...]]:
    """Per value of a frame's flattened array: (``key=``, suffix); the places of rig and t; the wheel fields."""
    info = msgspec.inspect.type_info(Frame)
    assert isinstance(info, msgspec.inspect.StructType)
    pairs: list[tuple[bytes, bytes]] = []
    skip: list[int] = []
    wheel_fields: list[int] = []
    place = 0
    for index, f in enumerate(info.fields):
        if f.name in NOT_CHANNELS:
            skip.append(place)
            place += 1
            continue
        kind, wheels = _kind_of(f.type)
        keys = [f"{f.name}_{suffix}" for suffix in WHEEL_SUFFIXES] if wheels else [f.name]
        if wheels:
            wheel_fields.append(index)
        for key in keys:
            pairs.append(((escape_key(key) + "=").encode(), b"i" if kind == _INT else b""))
            place += 1
    return tuple(pairs), tuple(skip), tuple(wheel_fields)


_PAIRS, _SKIP, _WHEEL_FIELDS = _telemetry_plan()
# The keys go into JSON names as they are: nothing in them that JSON escapes or the translate below touches.
assert all(re.fullmatch(rb"[A-Za-z0-9_]+=", key) for key, _ in _PAIRS), "a frame field's key needs escaping"
_NO_WHEELS: Final = (None, None, None, None)
_astuple = msgspec.structs.astuple
_json = msgspec.json.Encoder()
assert _SKIP == (0, 2), "rig and t are expected first and third in the frame"
_FIELD_COUNT: Final = len(Frame.__struct_fields__)
_NONES: Final = (None,) * _FIELD_COUNT
# Patterns of None channels seen; a game leaves the same channels empty frame after frame, so there
# are a handful. Bounded all the same: past this many, a plan is made for each chunk and dropped.
MAX_PLANS: Final = 256
# Frames encoded by one JSON call: measured fastest of 32 to 5,000 (6 µs a frame against 9.5 for
# whole 5,000-frame batches). A chunk's JSON and lines (~120 KB) stay in the CPU's cache and in
# memory malloc reuses, where larger ones land on fresh pages (a fault per 4 KB, slow on this VM);
# smaller ones pay the Python work per chunk (a step per channel) more often.
CHUNK_FRAMES: Final = 64
# A row's JSON, {"@seq=":1,"i;speed_kmh=":201.5,...,"i ":1800000000016666667}, becomes its line
# in one translate: the quotes, opening braces, brackets, colons and JSON's own commas go, the ";"
# each name carries becomes the field separator and "}" the newline. "@" is where the tag prefix goes.
_DROP: Final = b'"{[]:,'
_TABLE: Final = bytes.maketrans(b"};", b"\n,")


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to turn frames whose None channels are exactly these into lines."""

    row: type[msgspec.Struct]  # one field per value written, named by the line's text before that value
    columns: tuple[tuple[int, bool], ...]  # (frame field index, four wheels) of the channels written
    nones: tuple[int, ...]  # frame field indexes that are None
    dropped: int  # bytes the translate drops per row (and its comma) when every value is a number or boolean


def _make_plan(is_none: tuple[bool, ...]) -> _Plan:
    names: list[str] = []
    columns: list[tuple[int, bool]] = []
    suffix = ""  # the last value's: "i" after an int
    pairs = iter(_PAIRS)
    for index, none in enumerate(is_none):
        if index in _SKIP:
            continue
        wheels = index in _WHEEL_FIELDS
        keys = [next(pairs) for _ in range(len(WHEEL_SUFFIXES) if wheels else 1)]
        if none:
            continue
        columns.append((index, wheels))
        for key, key_suffix in keys:
            # The int suffix of the value before goes at the front of the next name: JSON can put
            # nothing between a value and its comma.
            names.append(f"{suffix};{key.decode()}" if names else f"@{key.decode()}")
            suffix = key_suffix.decode()
    names.append(f"{suffix} ")  # the timestamp's
    fields = [f"v{i}" for i in range(len(names))]
    # gc=False: a row holds numbers only, so it can be in no reference cycle; not tracking it is faster.
    row = msgspec.defstruct(
        "TelemetryRow", [(f, object) for f in fields], rename=dict(zip(fields, names, strict=True)), gc=False
    )
    # A row's own brace, each name's two quotes and colon, the commas between its fields and after it.
    dropped = 1 + 4 * len(names)
    return _Plan(row, tuple(columns), tuple(i for i, none in enumerate(is_none) if none), dropped)


class TelemetryEncoder:
    """Frames of one session to ``telemetry`` lines; the tag part is built once per session.

    The values are formatted by msgspec's JSON encoder in C (shortest round-trip
    floats, as ``Point`` writes them), a chunk of frames in one call: each frame
    becomes a struct made once per pattern of None channels, whose field names
    are the line's text between its values (``i;speed_kmh=``), and one
    ``bytes.translate`` turns that JSON into lines. So there is no Python work
    per field, and per frame only a struct built by ``map`` in C, which is what
    makes this many times faster than building a ``Point``. Fields go in the
    frame's order (InfluxDB does not need them sorted). A chunk whose frames do
    not all leave the same channels None (a lap time appearing) is encoded in
    halves; a frame holding a NaN (the contract refuses it, the JSON encoder
    writes null) or anything but numbers and booleans takes a slower path that
    leaves the NaN out, field by field.
    """

    __slots__ = ("_prefix",)
    _plans: dict[tuple[bool, ...], _Plan] = {}  # noqa: RUF012 - shared by all sessions on purpose

    def __init__(self, tags: SessionTags) -> None:
        self._prefix = (tag_prefix(TELEMETRY, tags.values()) + " ").encode()

    def line(self, frame: Frame) -> bytes:
        """One frame's point, without the newline (seq is always there, so a point never lacks a field)."""
        return self.lines((frame,))[:-1]

    def lines(self, frames: Iterable[Frame]) -> bytes:
        """A /write body: one line per frame, newline-terminated."""
        batch = list(frames)
        parts: list[bytes] = []
        for start in range(0, len(batch), CHUNK_FRAMES):
            self._encode(batch[start : start + CHUNK_FRAMES], parts)
        return b"".join(parts)

    def _encode(self, frames: list[Frame], parts: list[bytes]) -> None:
        body = self._uniform_lines(frames)
        if body is not None:
            parts.append(body)
        elif len(frames) == 1:
            values = _astuple(frames[0])
            parts.append(b"%s%s %d\n" % (self._prefix, self._slow_body(values), round(frames[0].t * NS_PER_S)))
        else:
            # A pattern changes in a handful of places a session, so halving finds them in a few steps.
            half = len(frames) // 2
            self._encode(frames[:half], parts)
            self._encode(frames[half:], parts)

    def _uniform_lines(self, frames: list[Frame]) -> bytes | None:
        """The lines of frames that leave the same channels None and hold only numbers and booleans, else None."""
        n = len(frames)
        rows = list(map(_astuple, frames))
        is_none = tuple(map(operator.is_, rows[0], _NONES))
        plan = self._plans.get(is_none)
        if plan is None:
            plan = _make_plan(is_none)
            if len(self._plans) < MAX_PLANS:
                self._plans[is_none] = plan
        columns = list(zip(*rows, strict=True))
        # A value where the plan has None would be left out; a None where it has a value fails the sum below.
        if any(columns[i].count(None) != n for i in plan.nones):
            return None
        values: list[Sequence[float]] = []  # what the contract says they are; checked below
        for index, wheels in plan.columns:
            if not wheels:
                values.append(columns[index])
                continue
            try:
                wheel_values = list(zip(*columns[index], strict=True))
            except (TypeError, ValueError):  # not all four-wheel tuples: for the slow path to refuse
                return None
            if len(wheel_values) != len(WHEEL_SUFFIXES):
                return None
            values += wheel_values
        # A NaN or an infinity makes the sum non-finite and a None (or a string) makes it fail: the
        # first two would be written as null. Summing in C is cheaper than finding b"null" in the JSON.
        try:
            if not math.isfinite(sum(map(sum, values))):
                return None
        except (TypeError, OverflowError):
            return None
        values.append([round(t * NS_PER_S) for t in columns[2]])
        json = _json.encode(list(map(plan.row, *values)))
        text = json.translate(_TABLE, _DROP)
        # Numbers and booleans hold none of the dropped bytes, but an array or an object would: the
        # count proves every value was one token, so no key is misplaced.
        if len(json) - len(text) != n * plan.dropped + 1:  # +1: the list's brackets, less one comma
            return None
        return text.replace(b"@", self._prefix)

    @staticmethod
    def _slow_body(values: tuple[object, ...]) -> bytes:
        """Field by field, leaving out every null (None, or a non-finite float)."""
        padded = [_NO_WHEELS if i in _WHEEL_FIELDS and v is None else v for i, v in enumerate(values)]
        tokens = _json.encode(padded).translate(None, b"[]").split(b",")
        del tokens[2], tokens[0]  # t (timestamp) and rig (a tag)
        return b",".join([k + v + i for (k, i), v in zip(_PAIRS, tokens, strict=True) if v != b"null"])


# --- per-lap measurements ---------------------------------------------------------------------


def _lap_tags(tags: SessionTags, lap: int | None) -> dict[str, str]:
    out = tags.values()
    out["lap"] = str(lap) if lap is not None else "none"
    return out


def lap_line(tags: SessionTags, lap: LapRecord) -> str:
    """``laps``: the lap's time, sectors, validity and reference delta, at the lap's end."""
    fields: dict[str, FieldValue] = {
        "time_s": float(lap.time_s),
        "valid": lap.valid,
        "complete": lap.complete,
        "clean": lap.clean,
        "out_lap": lap.out_lap,
        "in_lap": lap.in_lap,
        "is_best": lap.is_best,
        "is_reference": lap.is_reference,
        "lap_number": lap.lap,
        "sectors": len(lap.sectors_s),
        "delta_to_reference_s": None if lap.delta_to_reference_s is None else float(lap.delta_to_reference_s),
        "fuel_used_l": None if lap.fuel_used_l is None else float(lap.fuel_used_l),
    }
    for i, s in enumerate(lap.sectors_s, start=1):
        fields[f"sector{i}_s"] = float(s)
    out = line(LAPS, _lap_tags(tags, lap.lap), fields, ns(lap.t_end))
    assert out is not None
    return out


def corner_line(tags: SessionTags, corner: CornerRecord) -> str:
    """``corners``: one corner of one lap; the corner's name is a tag (a track has a bounded few)."""
    t = _lap_tags(tags, corner.lap)
    t["corner"] = corner.corner
    f = _float_or_none
    fields: dict[str, FieldValue] = {
        "number": corner.number,
        "name": corner.corner,
        "brake_point_m": f(corner.brake_point_m),
        "min_speed_kmh": f(corner.min_speed_kmh),
        "min_speed_m": f(corner.min_speed_m),
        "exit_speed_kmh": f(corner.exit_speed_kmh),
        "time_lost_s": f(corner.time_lost_s),
        "from_m": f(corner.from_m),
        "to_m": f(corner.to_m),
    }
    out = line(CORNERS, t, fields, ns(corner.t))
    assert out is not None
    return out


def event_line(tags: SessionTags, event: EventRecord) -> str:
    """``events``: kind is a tag (a bounded set of rule names), the message a string field."""
    t = _lap_tags(tags, event.lap)
    t["kind"] = event.kind
    fields: dict[str, FieldValue] = {
        "severity": event.severity,
        "message": event.message,
        "corner": event.corner,
        "lap_dist_m": _float_or_none(event.lap_dist_m),
        "priority": event.priority,
    }
    out = line(EVENTS, t, fields, ns(event.t) + event.index)
    assert out is not None
    return out


def trace_lines(tags: SessionTags, trace: TraceRecord) -> list[str]:
    """``lap_trace``: one point per resampled distance, each at the rig time the car was there."""
    prefix = tag_prefix(LAP_TRACE, _lap_tags(tags, trace.lap))
    out = []
    base = ns(trace.t_start)
    for p in trace.points:
        fields: dict[str, FieldValue] = {
            "lap_dist_m": float(p.lap_dist_m),
            "time_s": float(p.time_s),
            "speed_kmh": _float_or_none(p.speed_kmh),
            "throttle": _float_or_none(p.throttle),
            "brake": _float_or_none(p.brake),
            "steering": _float_or_none(p.steering),
            "gear": p.gear,
            "g_lat": _float_or_none(p.g_lat),
            "g_lon": _float_or_none(p.g_lon),
        }
        body = [f"{k}={v}" for k in sorted(fields) if (v := format_value(fields[k])) is not None]
        out.append(f"{prefix} {','.join(body)} {base + round(p.time_s * NS_PER_S)}")
    return out


def _float_or_none(value: float | None) -> float | None:
    return None if value is None else float(value)
