"""Wire encoding of protocol messages: msgpack in binary WebSocket messages, JSON in text ones.

msgpack through msgspec was chosen by measurement (bench/codec.py): it decodes
and validates a frame several times faster than JSON through pydantic, and the
messages are about a third smaller. JSON is accepted too so that a user's own
script can speak the protocol with nothing but a JSON library.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Final

import msgspec

from simcoach_agent.telemetry.frame import Frame, SessionInfo
from simcoach_agent.telemetry.messages import Error, Hello, ServerMessage

MAX_MESSAGE_BYTES: Final = 1 << 20  # 1 MiB: a batch of a thousand frames fits with room to spare


class _Head(msgspec.Struct):
    type: str


class _RawBatch(msgspec.Struct, tag="frames", tag_field="type"):
    frames: list[msgspec.Raw]


_msgpack_encoder = msgspec.msgpack.Encoder()
_json_encoder = msgspec.json.Encoder()
_server_decoder = msgspec.msgpack.Decoder(ServerMessage)


def encode(msg: msgspec.Struct) -> bytes:
    """msgpack bytes of one protocol message."""
    return _msgpack_encoder.encode(msg)


class _EncodedBatch(msgspec.Struct, tag="frames", tag_field="type"):
    frames: list[msgspec.Raw]


def encode_batch(encoded_frames: list[bytes]) -> bytes:
    """A ``frames`` message (msgpack) from frames already encoded with ``encode``."""
    return _msgpack_encoder.encode(_EncodedBatch([msgspec.Raw(f) for f in encoded_frames]))


def encode_json(msg: Any) -> bytes:
    """JSON bytes of a message or any msgspec-encodable value."""
    return _json_encoder.encode(msg)


def decode_server_message(data: bytes) -> ServerMessage:
    """Decode a backend-to-rig message (msgpack)."""
    message: ServerMessage = _server_decoder.decode(data)
    return message


@dataclass(slots=True)
class Incoming:
    """One rig message, decoded: what was taken and what was refused, with reasons."""

    hello: Hello | None = None
    session: SessionInfo | None = None
    frames: list[Frame] = field(default_factory=list)
    errors: list[Error] = field(default_factory=list)


class _Codec:
    """Decoders for one encoding; msgspec decoders are reused because building them is costly."""

    def __init__(self, module: Any) -> None:
        self.loose = module.Decoder()
        self.head = module.Decoder(_Head)
        self.frame = module.Decoder(Frame)
        self.batch = module.Decoder(_RawBatch)
        self.hello = module.Decoder(Hello)
        self.session = module.Decoder(SessionInfo)


_MSGPACK: Final = _Codec(msgspec.msgpack)
_JSON: Final = _Codec(msgspec.json)


def decode_rig_message(data: bytes | str) -> Incoming:
    """Decode a rig-to-backend message; bytes are msgpack, str is JSON.

    Never raises for bad input: a refused message or frame becomes an ``Error``
    naming its seq (where it could be read) and the reason, and the good frames
    of a batch are still taken.
    """
    out = Incoming()
    codec = _MSGPACK if isinstance(data, bytes) else _JSON
    if isinstance(data, str) and len(data) <= MAX_MESSAGE_BYTES:
        try:
            data = data.encode()
        except UnicodeEncodeError as exc:  # a lone surrogate: msgspec would raise this from decode
            out.errors.append(Error(reason=f"not UTF-8 text: {exc.reason} at character {exc.start}"))
            return out
    size = len(data)
    if size > MAX_MESSAGE_BYTES:
        out.errors.append(Error(reason=f"message of {size} bytes exceeds the limit of {MAX_MESSAGE_BYTES}"))
        return out
    try:
        _decode(codec, data, out)
    except RecursionError:  # msgspec's answer to values nested deeper than it will go, from any of the decoders
        out.errors.append(Error(reason="message nested too deeply to decode"))
    return out


def _decode(codec: _Codec, data: bytes | str, out: Incoming) -> None:
    try:
        kind = codec.head.decode(data).type
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        out.errors.append(Error(reason=f"not a protocol message: {exc}"))
        return
    if kind == "frame":
        _take_frame(codec, data, None, out)
    elif kind == "frames":
        try:
            raws = codec.batch.decode(data).frames
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            out.errors.append(Error(reason=f"bad frames batch: {exc}"))
            return
        for index, raw in enumerate(raws):
            _take_frame(codec, raw, index, out)
    elif kind == "session":
        try:
            out.session = codec.session.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            out.errors.append(Error(reason=f"bad session message: {exc}"))
    elif kind == "hello":
        try:
            out.hello = codec.hello.decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            out.errors.append(Error(reason=f"bad hello message: {exc}"))
    else:
        out.errors.append(Error(reason=f"unknown message type {kind!r}"))


def _take_frame(codec: _Codec, data: Any, index: int | None, out: Incoming) -> None:
    try:
        out.frames.append(codec.frame.decode(data))
    except (msgspec.DecodeError, msgspec.ValidationError) as exc:
        seq, reason = _explain(codec, data, exc)
        out.errors.append(Error(reason=reason, seq=seq, index=index))


def _explain(codec: _Codec, data: Any, exc: Exception) -> tuple[int | None, str]:
    """Name the refused frame by its seq where readable, and say NaN/infinity plainly."""
    try:
        loose = codec.loose.decode(data)
    except msgspec.DecodeError:
        return None, f"bad frame: {exc}"
    if not isinstance(loose, dict):
        return None, f"bad frame: expected a map, got {type(loose).__name__}"
    seq = loose.get("seq")
    seq = seq if isinstance(seq, int) and not isinstance(seq, bool) else None
    for key, value in loose.items():
        values = value if isinstance(value, list) else [value]
        if any(isinstance(v, float) and not math.isfinite(v) for v in values):
            return seq, f"bad frame: non-finite value (NaN or infinity) in `{key}`"
    return seq, f"bad frame: {exc}"
