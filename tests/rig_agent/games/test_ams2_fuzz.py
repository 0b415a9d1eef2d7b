"""Property tests (Hypothesis) of the AMS2 decoder and mapper: random bytes and lengths, garbage under real
layouts, and the real capture's packets mutated. Nothing but a typed, reasoned refusal comes out; the
mapper never raises and all it gives passes the frame contract. A fast sample of a few hundred inputs
per property; bench/fuzz_ams2.py runs 100,000 and more.
"""

from __future__ import annotations

import random
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simcoach_agent.games.ams2.mapper import Ams2Mapper
from tests.rig_agent.games import ams2_packets as pk
from tests.rig_agent.games.ams2_fuzz import (
    check_decoder,
    check_mapper,
    mutate,
    random_layout,
    real_packets,
    session_start,
)

REAL = real_packets()
START = session_start()
FAST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def playing_mapper() -> Ams2Mapper:
    """A mapper that has seen the capture's session packets and a PLAYING state, so telemetry gives frames."""
    mapper = Ams2Mapper()
    check_mapper(mapper, START)
    assert mapper.session() is not None
    return mapper


def test_the_real_packets_pass_the_properties_and_give_a_frame():
    assert len(REAL) == 7
    for data in REAL:
        assert check_decoder(data) is not None
    mapper = playing_mapper()
    check_mapper(mapper, REAL)
    assert mapper.skipped == {}


@FAST
@given(st.binary(max_size=1600))
def test_random_bytes_of_random_lengths(data: bytes):
    check_decoder(data)
    check_mapper(playing_mapper(), [data, *REAL[-2:]])


@FAST
@given(st.randoms(use_true_random=False))
def test_garbage_under_a_real_layout_length(rng: random.Random):
    data = random_layout(rng)
    check_decoder(data)
    check_mapper(playing_mapper(), [data])


@FAST
@given(st.sampled_from(REAL), st.randoms(use_true_random=False))
def test_real_packets_with_bytes_floats_and_lengths_changed(real: bytes, rng: random.Random):
    data = mutate(real, rng)
    check_decoder(data)
    mapper = playing_mapper()
    # Alone, then with real telemetry after it, so a mutated timings or session packet meets a frame.
    check_mapper(mapper, [data])
    check_mapper(mapper, [data, *REAL], seq=2)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(REAL), st.randoms(use_true_random=False)), min_size=1, max_size=30))
def test_a_stream_of_mutated_packets_into_one_mapper(stream: list[tuple[bytes, random.Random]]):
    mapper = playing_mapper()
    for seq, (real, rng) in enumerate(stream, start=2):
        check_mapper(mapper, [mutate(real, rng)], seq=seq)


TELEMETRY = next(d for d in REAL if d[10] == 0)
TIMINGS = next(d for d in REAL if d[10] == 3)
# Every field the header lays out, as (packet, offset, size): telemetry, and the player's timing entry.
FIELDS = [
    *((TELEMETRY, offset, struct.calcsize("<" + fmt)) for _, offset, fmt in pk.TELEMETRY),
    *((TIMINGS, pk.TIMING_FIRST + offset, struct.calcsize("<" + fmt)) for _, offset, fmt in pk.TIMING_PARTICIPANT),
]


@FAST
@given(st.sampled_from(FIELDS), st.data())
def test_any_value_in_any_field_of_the_real_telemetry_and_timings(field: tuple[bytes, int, int], data: st.DataObject):
    """Each field in turn, any bytes: where a random mutation rarely lands (a 48 K tyre was one)."""
    packet, offset, size = field
    value = data.draw(st.binary(min_size=size, max_size=size))
    edited = packet[:offset] + value + packet[offset + size :]
    check_decoder(edited)
    check_mapper(playing_mapper(), [TIMINGS, TELEMETRY, edited])
