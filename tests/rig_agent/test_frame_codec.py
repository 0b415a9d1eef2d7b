"""The telemetry frame on the wire: round trips, validation and the reasons given for bad input."""

from __future__ import annotations

import json
import math

import msgspec
import pytest

from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import MAX_MESSAGE_BYTES, decode_rig_message, encode, encode_batch, encode_json
from simcoach_agent.telemetry.messages import Hello
from tests.helpers import frame_dict, make_frame


def test_a_frame_round_trips_through_msgpack_and_json_unchanged():
    frame = make_frame("rig-a", 7, g_lat=-1.25, tyre_pressure_psi=(26.1, 26.2, 25.9, 26.0), in_pit=False)
    for data in (encode(frame), encode_json(frame).decode()):
        incoming = decode_rig_message(data)
        assert incoming.errors == []
        assert incoming.frames == [frame]


def test_channels_the_game_lacks_stay_null_on_the_wire():
    wire = json.loads(encode_json(make_frame("rig-a", 1, oil_temp_c=None)))
    assert "oil_temp_c" in wire
    assert wire["oil_temp_c"] is None
    assert wire["type"] == "frame"


def test_a_batch_keeps_its_good_frames_and_names_the_bad_one():
    frames = [encode(make_frame("rig-a", s)) for s in (1, 2, 3)]
    bad = frame_dict("rig-a", 4)
    bad["throttle"] = 1.7
    frames.insert(2, msgspec.msgpack.encode(bad))
    incoming = decode_rig_message(encode_batch(frames))
    assert [f.seq for f in incoming.frames] == [1, 2, 3]
    assert len(incoming.errors) == 1
    error = incoming.errors[0]
    assert (error.seq, error.index) == (4, 2)
    assert "throttle" in error.reason


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused_with_the_field_named(value):
    bad = frame_dict("rig-a", 9)
    bad["speed_kmh"] = value
    incoming = decode_rig_message(msgspec.msgpack.encode(bad))
    assert incoming.frames == []
    assert incoming.errors[0].seq == 9
    assert "non-finite" in incoming.errors[0].reason
    assert "speed_kmh" in incoming.errors[0].reason


def test_a_missing_channel_is_an_error_not_a_silent_null():
    bad = frame_dict("rig-a", 3)
    del bad["rpm"]
    incoming = decode_rig_message(json.dumps(bad))
    assert incoming.frames == []
    assert "rpm" in incoming.errors[0].reason
    assert incoming.errors[0].seq == 3


def test_a_wrong_type_is_refused_with_its_path():
    bad = frame_dict("rig-a", 3)
    bad["gear"] = "fifth"
    incoming = decode_rig_message(json.dumps(bad))
    assert "gear" in incoming.errors[0].reason


@pytest.mark.parametrize(
    ("field", "value"),
    [("tyre_temp_c", [80.0, 80.0, 80.0]), ("steering", -1.5), ("seq", -1), ("rig", "has space")],
)
def test_out_of_contract_values_are_refused(field, value):
    bad = frame_dict("rig-a", 3)
    bad[field] = value
    assert decode_rig_message(json.dumps(bad)).frames == []


def test_unknown_messages_and_garbage_get_reasons():
    assert "unknown message type 'telemetry'" in decode_rig_message(json.dumps({"type": "telemetry"})).errors[0].reason
    assert "not a protocol message" in decode_rig_message(b"\xc1\xff garbage").errors[0].reason
    assert "not a protocol message" in decode_rig_message("[1, 2").errors[0].reason


def test_oversized_messages_are_refused_before_decoding():
    incoming = decode_rig_message(b"\x00" * (MAX_MESSAGE_BYTES + 1))
    assert "exceeds the limit" in incoming.errors[0].reason


def test_hello_and_session_decode():
    assert decode_rig_message(encode(Hello(rig="rig-a"))).hello == Hello(rig="rig-a")
    session = SessionInfo(game="acc", track="spa", track_length_m=7004.0, car="amg_gt3", car_class="GT3")
    assert decode_rig_message(encode(session)).session == session


def test_the_published_schema_matches_the_frame_definition():
    from pathlib import Path

    published = json.loads((Path(__file__).resolve().parents[2] / "docs" / "protocol.schema.json").read_text())
    generated = json.loads(json.dumps(msgspec.json.schema(Frame | SessionInfo)))
    assert published == generated, "docs/protocol.schema.json is stale: run python -m simcoach_agent.telemetry.schema"
    frame_schema = published["$defs"]["Frame"]
    assert set(Frame.__struct_fields__) <= set(frame_schema["properties"])
