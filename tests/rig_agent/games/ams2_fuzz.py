"""Fuzz inputs and properties for the AMS2 packet decoder and mapper, shared by the test suite and bench/fuzz_ams2.py.

Inputs come in four kinds: random bytes of random lengths; a random header on a body of
exactly a layout's length (so the layout is applied to garbage); real packets of the capture in
tests/fixtures/ams2 with bytes changed, floats set to NaN, infinities or huge values, and cut or
grown; and a real telemetry or timings packet with one of the header's fields set to any value.
The property: the decoder returns the layout or raises ``PacketError`` with a reason, nothing
else; the mapper never raises, and what it gives (frames, the session, the status) is what the
backend's own decoder accepts, with its tables bounded.
"""

from __future__ import annotations

import math
import random
import struct
from typing import Final

from simcoach_agent.games.ams2 import packets as p
from simcoach_agent.games.ams2.decoder import LAYOUTS, Packet, PacketError, decode
from simcoach_agent.games.ams2.mapper import MAX_CLASSES, MAX_REASONS, Ams2Mapper
from simcoach_agent.games.base import RawSample
from simcoach_agent.telemetry import Frame
from simcoach_agent.telemetry.codec import decode_rig_message, encode
from tests.rig_agent.games import ams2_packets as pk
from tests.rig_agent.games.ams2_replay import datagrams

LENGTHS: Final = sorted({n for layouts in LAYOUTS.values() for n in layouts} | {p.TELEMETRY_SIZE_NO_TICK})
SPECIAL_FLOATS: Final = (math.nan, -math.nan, math.inf, -math.inf, 3.4e38, -3.4e38, 1e-45, -0.0, 1e9, -1e9)


def real_packets() -> list[bytes]:
    """One real packet of each (type, length) of the capture, the telemetry one of a car on the move."""
    chosen: dict[tuple[int, int], bytes] = {}
    for _, data in datagrams():
        key = (data[10], len(data))
        moving = data[10] != p.CAR_PHYSICS or struct.unpack_from("<f", data, 36)[0] > 30.0
        if key not in chosen and moving:
            chosen[key] = data
    return [chosen[k] for k in sorted(chosen)]


def session_start() -> list[bytes]:
    """The capture's packets that set a session up (names, track, a PLAYING game state)."""
    out = [d for _, d in datagrams() if d[10] in (p.RACE_DEFINITION, p.PARTICIPANTS, p.PARTICIPANT_VEHICLE_NAMES)]
    playing = next(d for _, d in datagrams() if d[10] == p.GAME_STATE and d[14] & 0x07 == p.GAME_INGAME_PLAYING)
    return [*out[-5:], playing]


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A copy of ``data`` with a few bytes, floats or the length changed (random choices from ``rng``)."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        what = rng.random()
        if what < 0.5 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif what < 0.85 and len(buf) >= 4:
            struct.pack_into("<f", buf, rng.randrange(len(buf) - 3), rng.choice(SPECIAL_FLOATS))
        elif what < 0.95 and len(buf) >= 2:
            struct.pack_into("<H", buf, rng.randrange(len(buf) - 1), rng.choice((0, 1, 0x7FFF, 0x8000, 0xFFFF)))
        elif rng.random() < 0.5:
            del buf[rng.randrange(len(buf) + 1) :]
        else:
            buf += bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(buf)


def random_layout(rng: random.Random) -> bytes:
    """Garbage of exactly a layout's length under a random header of a known or unknown type."""
    size = rng.choice(LENGTHS)
    buf = bytearray(rng.randbytes(size))
    buf[10] = rng.choice((*LAYOUTS, rng.randrange(256)))
    return bytes(buf)


def field_edit(real: list[bytes], rng: random.Random) -> bytes:
    """A real telemetry or timings packet with one field the header lays out set to random bytes."""
    if rng.random() < 0.6:
        packet = next(d for d in real if d[10] == p.CAR_PHYSICS)
        _, offset, fmt = rng.choice(pk.TELEMETRY)
    else:
        packet = next(d for d in real if d[10] == p.TIMINGS)
        _, offset, fmt = rng.choice(pk.TIMING_PARTICIPANT)
        offset += pk.TIMING_FIRST + pk.TIMING_STRIDE * rng.choice((0, 0, 0, rng.randrange(32)))
    size = struct.calcsize("<" + fmt)
    value = rng.randbytes(size) if rng.random() < 0.4 else _plausible_garbage(fmt, rng)
    return packet[:offset] + value + packet[offset + size :]


def _plausible_garbage(fmt: str, rng: random.Random) -> bytes:
    """Each element of a field a value near the edges of sense: small integers (48 K), odd floats."""
    count = int(fmt[:-1] or 1) if fmt[-1] != "s" else 1
    code = fmt[-1]
    if code == "s":
        return rng.randbytes(struct.calcsize("<" + fmt))
    if code == "f":
        values: list[float | int] = [
            rng.choice((*SPECIAL_FLOATS, rng.uniform(-1e3, 1e3), rng.uniform(-1e6, 1e6))) for _ in range(count)
        ]
    else:
        bits = struct.calcsize("<" + code) * 8
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if code.islower() else (0, (1 << bits) - 1)
        small = (max(lo, -400), min(hi, 400))
        values = [rng.choices((lo, hi, 0, rng.randint(*small)), (1, 1, 1, 6))[0] for _ in range(count)]
    return struct.pack(f"<{count}{code}", *values)


def random_bytes(rng: random.Random) -> bytes:
    return rng.randbytes(rng.choice((rng.randrange(16), rng.randrange(1600))))


def check_decoder(data: bytes) -> Packet | None:
    """The decoder's property on one input; raises AssertionError if anything but a reasoned refusal comes out."""
    try:
        packet = decode(data)
    except PacketError as exc:
        assert exc.reason and exc.category, exc
        assert str(exc).startswith("ams2: skipped packet: ")
        return None
    if packet is not None:
        assert (packet.kind, packet.version) == (data[10], data[11])
        assert type(packet.data) is LAYOUTS[packet.kind][len(data)]
    return packet


def check_mapper(mapper: Ams2Mapper, parts: list[bytes], seq: int = 1) -> Frame | None:
    """The mapper's property on one read of ``parts``: no exception, and all it gives passes the contract."""
    frame = mapper.map(RawSample(1.0, tuple(("udp", d) for d in parts)), "fuzz-rig", seq, 1_700_000_000.0 + seq)
    if frame is not None:
        incoming = decode_rig_message(encode(frame))
        assert not incoming.errors, (incoming.errors, frame)
        assert incoming.frames == [frame]
    session = mapper.session()
    if session is not None:
        incoming = decode_rig_message(encode(session))
        assert not incoming.errors and incoming.session == session, (incoming.errors, session)
    status = mapper.status()
    assert isinstance(status, str) and len(status) < 300, status
    assert len(mapper.skipped) <= MAX_REASONS + 1
    assert len(mapper._classes) <= MAX_CLASSES  # the one table a stream of packets could grow
    assert len(mapper.versions) <= len(mapper.packets)
    return frame
