"""Line protocol from simcoach's encoder parses back to what went in, and matches influxdb-client's Point."""

from __future__ import annotations

import math
from typing import Any

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from influxdb_client.client.write.point import Point
from influxdb_client.domain.write_precision import WritePrecision

from simcoach.history import lines
from simcoach.history.schema import EventRecord, LapRecord, SessionTags, TracePoint, TraceRecord
from simcoach_agent.telemetry import Frame

_SPECIAL = {",", " ", "="}


def _split(text: str, sep: str, limit: int = -1) -> list[str]:
    """Split at unescaped ``sep``, keeping escapes in the parts."""
    parts, cur, i = [], [], 0
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            cur += [c, text[i + 1]]
            i += 2
            continue
        if c == sep and limit != 0:
            parts.append("".join(cur))
            cur = []
            limit -= 1
        else:
            cur.append(c)
        i += 1
    parts.append("".join(cur))
    return parts


def _unescape(text: str, specials: set[str]) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in specials:
            out.append(text[i + 1])
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def _scan_to(text: str, i: int, stops: str) -> tuple[str, int]:
    """Raw text from ``i`` up to the first unescaped character of ``stops`` (or the end), and where it stopped."""
    start = i
    while i < len(text) and text[i] not in stops:
        i += 2 if text[i] == "\\" else 1
    return text[start:i], min(i, len(text))


def parse(line: str) -> tuple[str, dict[str, str], dict[str, Any], int]:
    """A tiny line-protocol reader: (measurement, tags, fields with their types, ns)."""
    head, i = _scan_to(line, 0, " ")
    series = _split(head, ",")
    measurement = _unescape(series[0], {",", " "})
    tags = {}
    for pair in series[1:]:
        k, v = _split(pair, "=", limit=1)
        tags[_unescape(k, _SPECIAL)] = _unescape(v, _SPECIAL)
    fields: dict[str, Any] = {}
    while True:
        k, i = _scan_to(line, i + 1, "=")
        key = _unescape(k, _SPECIAL)
        if line[i + 1] == '"':
            raw, i = _scan_to(line, i + 2, '"')
            fields[key] = _unescape(raw, {'"', "\\"})
            i += 1
        else:
            v, i = _scan_to(line, i + 1, ", ")
            if v in ("true", "false"):
                fields[key] = v == "true"
            elif v.endswith("i"):
                fields[key] = int(v[:-1])
            else:
                fields[key] = float(v)
        if line[i] == " ":
            return measurement, tags, fields, int(line[i + 1 :])
        assert line[i] == ",", line[i:]


# Names that parse back unambiguously: anything but backslashes and line breaks (Point writes those escaped
# as text, which is not the value that went in).
names = st.text(st.characters(blacklist_characters="\\\n\r\t", codec="utf-8"), min_size=1, max_size=12)
strings = st.text(st.characters(blacklist_characters="\n\r\t", codec="utf-8"), max_size=30)
values = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.booleans(),
    strings,
)
stamps = st.integers(min_value=0, max_value=2**62)


@given(
    measurement=names.filter(lambda s: not s.startswith("#")),
    tags=st.dictionaries(names, names, max_size=6),
    fields=st.dictionaries(names, values, min_size=1, max_size=8),
    t=stamps,
)
def test_a_point_parses_back_to_what_went_in(
    measurement: str, tags: dict[str, str], fields: dict[str, Any], t: int
) -> None:
    text = lines.line(measurement, tags, fields, t)
    assert text is not None and "\n" not in text
    got = parse(text)
    assert got == (measurement, tags, fields, t)
    for key, value in fields.items():
        assert type(got[2][key]) is type(value)


any_text = st.text(st.characters(codec="utf-8"), min_size=1, max_size=12)


@given(
    measurement=any_text.filter(lambda s: not s.startswith("#")),
    tags=st.dictionaries(any_text, any_text, max_size=6),
    fields=st.dictionaries(
        any_text, st.one_of(values, st.text(max_size=20), st.floats(), st.none()), min_size=1, max_size=8
    ),
    t=stamps,
)
def test_the_same_bytes_as_influxdb_client_point(
    measurement: str, tags: dict[str, str], fields: dict[str, Any], t: int
) -> None:
    point = Point(measurement).time(t, WritePrecision.NS)
    for k, v in tags.items():
        point.tag(k, v)
    for k, v in fields.items():
        point.field(k, v)
    expected = point.to_line_protocol()
    assert (lines.line(measurement, tags, fields, t) or "") == expected


# --- telemetry frames -------------------------------------------------------------------------


def _bounded(t: msgspec.inspect.Type) -> st.SearchStrategy[Any]:
    if isinstance(t, msgspec.inspect.Metadata):
        t = t.type
    if isinstance(t, msgspec.inspect.UnionType):
        inner = [u for u in t.types if not isinstance(u, msgspec.inspect.NoneType)]
        return st.none() | _bounded(inner[0])
    if isinstance(t, msgspec.inspect.TupleType):
        return st.tuples(*(_bounded(u) for u in t.item_types))
    if isinstance(t, msgspec.inspect.BoolType):
        return st.booleans()
    if isinstance(t, msgspec.inspect.IntType):
        return st.integers(min_value=t.ge if t.ge is not None else -(2**31), max_value=t.le or 2**31)
    if isinstance(t, msgspec.inspect.FloatType):
        return st.floats(min_value=t.ge, max_value=t.le, allow_nan=False, allow_infinity=False)
    if isinstance(t, msgspec.inspect.StrType):
        return st.from_regex(r"\A[A-Za-z0-9_.\-]{1,20}\Z")
    raise TypeError(t)


_info = msgspec.inspect.type_info(Frame)
assert isinstance(_info, msgspec.inspect.StructType)
frames = st.fixed_dictionaries({f.name: _bounded(f.type) for f in _info.fields}).map(lambda d: Frame(**d))
session_tags = st.builds(SessionTags, rig=names, session=names, game=names, driver=st.none() | names)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames, tags=session_tags)
def test_a_frame_is_one_point_with_every_channel_that_is_not_none(frame: Frame, tags: SessionTags) -> None:
    text = lines.TelemetryEncoder(tags).line(frame).decode()
    measurement, got_tags, fields, t = parse(text)
    assert measurement == "telemetry" and got_tags == tags.values()
    assert t == round(frame.t * 1e9)
    expected = channels_of(frame)
    assert fields == expected
    for key, value in expected.items():
        kind = type(fields[key])
        assert kind is (float if isinstance(value, float) else type(value)), key


def channels_of(frame: Frame) -> dict[str, Any]:
    """The fields a frame's point must have: every channel that is not None (nor NaN), wheels as four."""
    expected: dict[str, Any] = {}
    for name in Frame.__struct_fields__:
        value = getattr(frame, name)
        if name in ("rig", "t") or value is None:
            continue
        if isinstance(value, tuple):
            pairs = list(zip([f"{name}_{s}" for s in ("fl", "fr", "rl", "rr")], value, strict=True))
        else:
            pairs = [(name, value)]
        expected.update((k, v) for k, v in pairs if not (isinstance(v, float) and math.isnan(v)))
    return expected


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large], max_examples=50)
@given(batch=st.lists(frames, min_size=1, max_size=6), tags=session_tags)
def test_a_body_has_each_frames_point_in_order_whichever_channels_each_leaves_none(
    batch: list[Frame], tags: SessionTags
) -> None:
    body = lines.TelemetryEncoder(tags).lines(batch).decode()
    assert body.endswith("\n")
    points = [parse(text) for text in body[:-1].split("\n")]
    assert [(p[2], p[3]) for p in points] == [(channels_of(f), round(f.t * 1e9)) for f in batch]


def test_a_frame_built_with_an_int_where_a_float_belongs_still_writes_a_float() -> None:
    frame = msgspec.structs.replace(next_frame(), speed_kmh=200)  # not validated: an int slips in
    fields = parse(lines.TelemetryEncoder(SessionTags("r", "s", "g")).line(frame).decode())[2]
    assert fields["speed_kmh"] == 200.0 and isinstance(fields["speed_kmh"], float)


def next_frame() -> Frame:
    from simcoach_agent.games.demo.source import DemoSource

    return DemoSource().sample("rig-1", 1, 1_800_000_000.0) or Frame(**{})  # the demo always gives one


def test_per_lap_lines_leave_out_none_and_non_finite_values() -> None:
    tags = SessionTags("rig-1", "s-1", "demo")
    lap = LapRecord(lap=4, t_end=1_800_000_000.5, time_s=140.25, sectors_s=(38.0, 67.5, 34.75), fuel_used_l=None)
    _, got_tags, fields, t = parse(lines.lap_line(tags, lap))
    assert got_tags["lap"] == "4" and t == 1_800_000_000_500_000_000
    assert fields["sector3_s"] == 34.75 and fields["clean"] is True and "fuel_used_l" not in fields
    trace = TraceRecord(4, 1_800_000_000.0, (TracePoint(0.0, 0.0, speed_kmh=math.nan), TracePoint(5.0, 0.1, gear=3)))
    first, second = (parse(x) for x in lines.trace_lines(tags, trace))
    assert "speed_kmh" not in first[2] and second[2]["gear"] == 3 and second[3] == 1_800_000_000_100_000_000
    a = EventRecord(t=1.0, lap=None, kind="k", severity="info", message="m")
    b = EventRecord(t=1.0, lap=None, kind="k", severity="info", message="n", index=1)
    assert parse(lines.event_line(tags, a))[3] != parse(lines.event_line(tags, b))[3]
    assert parse(lines.event_line(tags, a))[1]["lap"] == "none"


def test_a_nan_in_an_unvalidated_frame_is_left_out_and_the_rest_written() -> None:
    encoder = lines.TelemetryEncoder(SessionTags("r", "s", "g"))
    good = next_frame()
    encoder.line(good)  # the plan for this pattern of None channels is made and kept
    bad = msgspec.structs.replace(good, speed_kmh=math.nan, tyre_temp_c=(math.inf, 80.0, 81.0, 82.0))
    fields = parse(encoder.line(bad).decode())[2]
    assert "speed_kmh" not in fields and "tyre_temp_c_fl" not in fields
    assert fields["tyre_temp_c_fr"] == 80.0 and fields["rpm"] == good.rpm
    assert len(fields) == len(parse(encoder.line(good).decode())[2]) - 2


def test_a_long_body_crosses_a_lap_time_appearing_and_a_nan_and_still_has_every_point_in_order() -> None:
    from simcoach_agent.games.demo.source import DemoSource

    source = DemoSource()
    batch = [f for seq in range(1, 401) if (f := source.sample("rig-1", seq, 1_800_000_000.0 + seq / 60))]
    # The demo's first lap has no last lap time yet; from frame 250 on there is one, as after a lap.
    batch[250:] = [msgspec.structs.replace(f, last_lap_s=140.25) for f in batch[250:]]
    batch[77] = msgspec.structs.replace(batch[77], speed_kmh=math.nan)
    batch[300] = msgspec.structs.replace(batch[300], tyre_wear=None)
    encoder = lines.TelemetryEncoder(SessionTags("r", "s", "g"))
    body = encoder.lines(batch).decode()
    points = [parse(text) for text in body[:-1].split("\n")]
    assert [(p[2], p[3]) for p in points] == [(channels_of(f), round(f.t * 1e9)) for f in batch]
    assert "speed_kmh" not in points[77][2] and "last_lap_s" in points[250][2] and "last_lap_s" not in points[249][2]
    assert body == "".join(encoder.line(f).decode() + "\n" for f in batch)
