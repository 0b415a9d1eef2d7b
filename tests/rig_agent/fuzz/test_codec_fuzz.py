"""The rig-message decoder fuzzed: it never raises; what it takes passes the contract, what it refuses says why."""

from __future__ import annotations

import json

from hypothesis import given, settings

from simcoach_agent.telemetry.codec import decode_rig_message
from tests.helpers import frame_dict
from tests.rig_agent.fuzz.codec_target import Message, check_rig_message, rig_messages
from tests.rig_agent.fuzz.harness import cpu_limit


@settings(max_examples=300, deadline=None, derandomize=True)
@given(case=rig_messages())
def test_any_rig_message_gives_frames_in_contract_or_reasons(case: Message) -> None:
    with cpu_limit():
        check_rig_message(case)


def test_text_that_is_not_utf8_is_refused_with_a_reason() -> None:
    # Found by the fuzzer: a str with a lone surrogate made msgspec raise UnicodeEncodeError out of the decoder.
    incoming = decode_rig_message('{"type": "frame", "rig": "\ud800"}')
    assert incoming.frames == []
    assert [e.reason for e in incoming.errors] == ["not UTF-8 text: surrogates not allowed at character 26"]


def test_a_seq_the_store_cannot_hold_is_refused_naming_seq() -> None:
    # Found by the fuzzer: JSON carries integers of any size, and SQLite's INTEGER holds 64 bits.
    for seq, taken in ((2**63 - 1, True), (2**63, False), (10**30, False)):
        frame = frame_dict("rig-a", 1) | {"seq": seq}
        incoming = decode_rig_message(json.dumps(frame))
        assert bool(incoming.frames) is taken
        if not taken:
            assert "`$.seq`" in incoming.errors[0].reason


def test_a_message_nested_deeper_than_msgspec_goes_is_refused_with_a_reason() -> None:
    # Found by the fuzzer: msgspec raises RecursionError past its depth limit, out of a decoder that never raises.
    for data in (
        b"\x82\xa4type\xa5frame\xa1a" + b"\x91" * 100_000 + b"\xc0",
        '{"type": "frames", "frames": [' + "[" * 100_000 + "]" * 100_000 + "]}",
    ):
        incoming = decode_rig_message(data)
        assert incoming.frames == []
        assert [e.reason for e in incoming.errors] == ["message nested too deeply to decode"]
