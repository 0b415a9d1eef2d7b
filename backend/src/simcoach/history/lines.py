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
from collections.abc import Callable, Iterable
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
_NO_WHEELS: Final = (None, None, None, None)
_astuple = msgspec.structs.astuple
_json = msgspec.json.Encoder()
assert _SKIP == (0, 2), "rig and t are expected first and third in the frame"
_FIELD_COUNT: Final = len(Frame.__struct_fields__)
_NONES: Final = (None,) * _FIELD_COUNT
# Patterns of None channels seen; a game leaves the same channels empty frame after frame, so there
# are a handful. Bounded all the same: past this many, frames are encoded without a cached plan.
MAX_PLANS: Final = 256


@dataclass(frozen=True, slots=True)
class _Plan:
    """How to lay out the JSON tokens of frames whose None channels are exactly these."""

    template: bytes  # b"seq=%bi,speed_kmh=%b,..." with only the present fields
    pick: Callable[[list[bytes]], tuple[bytes, ...]]  # the present values' tokens, in template order
    tokens: int  # how many tokens such a frame's JSON array gives
    nulls: int  # how many of them are null (one per None channel)


def _make_plan(is_none: tuple[bool, ...]) -> _Plan:
    parts: list[bytes] = []
    positions: list[int] = []
    place = 0
    pairs = iter(_PAIRS)
    for index, none in enumerate(is_none):
        if index in _SKIP:
            place += 1
            continue
        width = len(WHEEL_SUFFIXES) if index in _WHEEL_FIELDS else 1
        keys = [next(pairs) for _ in range(width)]
        if none:
            place += 1  # a None wheel tuple is one null token, not four
            continue
        for key, suffix in keys:
            parts.append(key + b"%b" + suffix)
            positions.append(place)
            place += 1
    getter = operator.itemgetter(*positions)
    pick = getter if len(positions) > 1 else (lambda tokens: (getter(tokens),))
    return _Plan(b",".join(parts), pick, place, sum(is_none))


class TelemetryEncoder:
    """Frames of one session to ``telemetry`` lines; the tag part is built once per session.

    The values are formatted by msgspec's JSON encoder in C (shortest round-trip
    floats, ``null`` for None), then dropped into a byte template made once per
    pattern of None channels: no Python work per field, which is what makes this
    several times faster than building a ``Point``. Fields go in the frame's
    order (InfluxDB does not need them sorted). A frame whose JSON does not fit
    its plan (a NaN, which the contract refuses, encodes as null) takes a slower
    path that leaves the value out.
    """

    __slots__ = ("_prefix",)
    _plans: dict[tuple[bool, ...], _Plan] = {}  # noqa: RUF012 - shared by all sessions on purpose

    def __init__(self, tags: SessionTags) -> None:
        self._prefix = (tag_prefix(TELEMETRY, tags.values()) + " ").encode()

    def line(self, frame: Frame) -> bytes:
        """One frame's point, without the newline (seq is always there, so a point never lacks a field)."""
        values = _astuple(frame)
        is_none = tuple(map(operator.is_, values, _NONES))
        plan = self._plans.get(is_none)
        if plan is None:
            plan = _make_plan(is_none)
            if len(self._plans) < MAX_PLANS:
                self._plans[is_none] = plan
        tokens = _json.encode(values).translate(None, b"[]").split(b",")
        if len(tokens) == plan.tokens and tokens.count(b"null") == plan.nulls:
            body = plan.template % plan.pick(tokens)
        else:
            body = self._slow_body(values)
        return b"%s%s %d" % (self._prefix, body, round(frame.t * NS_PER_S))

    @staticmethod
    def _slow_body(values: tuple[object, ...]) -> bytes:
        """Field by field, leaving out every null (None, or a non-finite float)."""
        padded = [_NO_WHEELS if i in _WHEEL_FIELDS and v is None else v for i, v in enumerate(values)]
        tokens = _json.encode(padded).translate(None, b"[]").split(b",")
        del tokens[2], tokens[0]  # t (timestamp) and rig (a tag)
        return b",".join([k + v + i for (k, i), v in zip(_PAIRS, tokens, strict=True) if v != b"null"])

    def lines(self, frames: Iterable[Frame]) -> bytes:
        """A /write body: one line per frame, newline-terminated."""
        body = b"\n".join([self.line(f) for f in frames])
        return body + b"\n" if body else body


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
