"""The frame codec's decoder of rig messages: random bytes and text, msgpack and JSON of random structures, and
real messages (frames, batches, hello, session) with values out of the contract, keys missing or added."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

import msgspec
from hypothesis import strategies as st

from simcoach_agent.telemetry.codec import Incoming, decode_rig_message, encode
from simcoach_agent.telemetry.messages import Hello
from tests.helpers import frame_dict
from tests.rig_agent.fuzz.harness import OUTCOMES, Broken, check_contract, check_session

_NUMBERS = st.one_of(
    st.integers(-(2**63), 2**64 - 1),
    st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, 2**64 - 1, -(2**63), 100000, 100001, 30001]),
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e6 + 1, 1e11 + 1, -1e5 - 1, 20.0001, 1.0000001]),
)
_TEXT = st.one_of(st.text(max_size=80), st.sampled_from(["", "frame", "frames", "rig-a", "a" * 65, "a b", "é"]))
_LEAVES = st.one_of(st.none(), st.booleans(), _NUMBERS, _TEXT, st.binary(max_size=16))
ANY = st.recursive(
    _LEAVES, lambda inner: st.lists(inner, max_size=5) | st.dictionaries(_TEXT, inner, max_size=5), max_leaves=12
)
_FRAME_KEYS = sorted(frame_dict("rig-a", 1))
_TYPES = st.sampled_from(["frame", "frames", "hello", "session", "ack", "welcome", "error", "", "Frame"]) | _TEXT


@st.composite
def mutated_frame(draw: st.DrawFn) -> dict[str, Any]:
    """A real frame with some channels given other values (out of range, wrong type), removed, or keys added."""
    frame = frame_dict(draw(st.sampled_from(["rig-a", "r"])), draw(st.integers(0, 2**40)))
    for key in draw(st.lists(st.sampled_from(_FRAME_KEYS), max_size=4)):
        choice = draw(st.integers(0, 9))
        if choice == 0:
            frame.pop(key, None)
        elif choice <= 3:
            frame[key] = draw(_NUMBERS)
        elif choice <= 5:
            frame[key] = draw(st.lists(_NUMBERS, min_size=3, max_size=5))
        else:
            frame[key] = draw(ANY)
    if draw(st.integers(0, 9)) == 0:
        frame[draw(_TEXT)] = draw(ANY)
    return frame


@st.composite
def _message(draw: st.DrawFn) -> Any:
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return draw(ANY)
    if kind == 1:
        return draw(mutated_frame())
    if kind == 2:
        items = st.one_of(mutated_frame(), mutated_frame(), ANY)
        return {"type": "frames", "frames": draw(st.lists(items, max_size=6))}
    if kind == 3:
        return {"type": "hello", "rig": draw(_TEXT), "protocol": draw(_NUMBERS), "agent": draw(_TEXT)}
    if kind == 4:
        keys = ["game", "track", "track_length_m", "car", "car_class", "driver", "session_type", "session_laps", "rig"]
        value = st.one_of(_TEXT, _NUMBERS, st.none())
        return {"type": "session"} | {k: draw(value) for k in keys if draw(st.booleans())}
    return {"type": draw(_TYPES)} | draw(st.dictionaries(_TEXT, ANY, max_size=4))


def _as_msgpack(value: Any) -> bytes:
    return msgspec.msgpack.encode(value)


def _as_json(value: Any) -> str:
    return json.dumps(value, default=lambda b: b.hex())  # NaN and Infinity come out as JS tokens: invalid JSON


@dataclass(frozen=True)
class Message:
    data: bytes | str


def _deep(spec: tuple[int, int, bool]) -> bytes | str:
    """A message whose value is nested ``depth`` arrays deep (msgspec gives up past a limit of its own)."""
    depth, kind, as_json = spec
    head = ("frame", "frames", "session", "hello")[kind % 4]
    if as_json:
        opened, closed = "[" * depth, "]" * depth
        return f'{{"type": "{head}", "frames": {opened}{closed}, "rig": 1}}'
    return b"\x83\xa4type" + msgspec.msgpack.encode(head) + b"\xa6frames" + b"\x91" * depth + b"\xc0\xa3rig\x01"


_DEEP = st.tuples(st.integers(1, 200_000), st.integers(0, 3), st.booleans()).map(_deep)

rig_messages_ = st.one_of(
    _DEEP,
    st.binary(max_size=512),
    st.text(max_size=200),
    st.text(max_size=50).map(lambda s: s + "\ud800" + s),  # a lone surrogate: text no WebSocket could carry
    _message().map(_as_msgpack),
    _message().map(_as_msgpack),
    _message().map(_as_json),
    _message().map(lambda v: msgspec.json.encode(v, enc_hook=lambda b: b.hex()).decode()),
)


def rig_messages() -> st.SearchStrategy[Message]:
    return rig_messages_.map(Message)


def _empty_batch(data: bytes | str) -> bool:
    """A ``frames`` message with no frames: nothing to take and nothing wrong."""
    try:
        loose = msgspec.msgpack.decode(data) if isinstance(data, bytes) else msgspec.json.decode(data)
    except (msgspec.DecodeError, UnicodeEncodeError):
        return False
    return isinstance(loose, dict) and loose.get("type") == "frames" and loose.get("frames") == []


def check_rig_message(case: Message) -> None:
    """Decoding never raises; whatever it takes passes the contract; whatever it refuses has a reason."""
    try:
        out = decode_rig_message(case.data)
    except Exception as exc:
        raise Broken(f"decode_rig_message raised {type(exc).__name__}: {exc}") from exc
    if not isinstance(out, Incoming):
        raise Broken(f"decode_rig_message returned {type(out).__name__}")
    if not (out.frames or out.errors or out.hello or out.session) and not _empty_batch(case.data):
        raise Broken("a message gave neither anything taken nor a reason")
    for error in out.errors:
        if not error.reason.strip():
            raise Broken(f"an error without a reason: {error!r}")
        if error.index is not None and error.index < 0:
            raise Broken(f"an error names index {error.index}")
    for frame in out.frames:
        check_contract(frame)
    check_session(out.session)
    if out.hello is not None:
        again = decode_rig_message(encode(out.hello))
        if again.hello != out.hello or again.errors or not isinstance(out.hello, Hello):
            raise Broken(f"the hello taken does not round-trip: {out.hello!r}")
    OUTCOMES["frame"] += len(out.frames)
    OUTCOMES["refused"] += len(out.errors)
