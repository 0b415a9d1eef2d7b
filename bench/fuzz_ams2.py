"""Fuzz the Automobilista 2 packet decoder and mapper with 100,000 inputs (or more) and print what it found.

Inputs, seeded and reproducible: random bytes of random lengths, garbage under each layout's
exact length, the real capture's packets (tests/fixtures/ams2) with bytes, floats and lengths
changed, and its telemetry and timings with one field set to any value. Each input goes to the
decoder and, in a read with real telemetry, to one long-lived mapper (so tables that could grow
are watched over the whole run) and every 50th also to a fresh one. The properties are those of
tests/rig_agent/games/test_ams2_fuzz.py:
only a ``PacketError`` with a reason comes out of the decoder; the mapper never raises and its
frames and sessions pass the backend's decoder. Prints inputs tried per kind, refusals, frames
made, and failures found (the first few with their input).

Run: ``.venv/bin/python bench/fuzz_ams2.py [--inputs 100000] [--seed 1]``.
"""

from __future__ import annotations

import argparse
import collections
import logging
import random
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the shared fuzz inputs live in tests/

from simcoach_agent.games.ams2.mapper import Ams2Mapper
from tests.rig_agent.games.ams2_fuzz import (
    check_decoder,
    check_mapper,
    field_edit,
    mutate,
    random_bytes,
    random_layout,
    real_packets,
    session_start,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    # Skipped packets are logged once per reason; here they are the point, and counted below.
    logging.getLogger("simcoach_agent").setLevel(logging.ERROR)
    rng = random.Random(args.seed)
    real = real_packets()
    start = session_start()
    telemetry = [d for d in real if d[10] == 0]
    playing_state = start[-1]

    def playing() -> Ams2Mapper:
        mapper = Ams2Mapper()
        check_mapper(mapper, start)
        return mapper

    long_lived = playing()
    tried: collections.Counter[str] = collections.Counter()
    refused = 0
    frames = 0
    failures: list[tuple[str, bytes, str]] = []
    began = time.perf_counter()
    for i in range(args.inputs):
        kinds = ("random bytes", "garbage under a layout", "mutated real packet", "one field of a real packet")
        kind = rng.choices(kinds, (1, 1, 2, 1))[0]
        if kind == "random bytes":
            data = random_bytes(rng)
        elif kind == "garbage under a layout":
            data = random_layout(rng)
        elif kind == "mutated real packet":
            data = mutate(rng.choice(real), rng)
        else:
            data = field_edit(real, rng)
        tried[kind] += 1
        try:
            if check_decoder(data) is None and not (len(data) > 10 and data[10] in (5, 6)):
                refused += 1
            # The input before or after a PLAYING game state: a damaged game state may stop the frames for
            # one read, not for the rest of the run.
            order = [playing_state, data] if i % 2 else [data, playing_state]
            frames += check_mapper(long_lived, [*order, *telemetry], seq=i + 1) is not None
            if i % 50 == 0:
                check_mapper(playing(), [data])
        except Exception:  # a fuzzer reports every failure, whatever it is
            failures.append((kind, data, traceback.format_exc(limit=3)))
    elapsed = time.perf_counter() - began
    print(f"ams2 fuzz: {args.inputs} inputs in {elapsed:.1f} s ({args.inputs / elapsed:,.0f}/s), seed {args.seed}")
    for kind, n in sorted(tried.items()):
        print(f"  {kind}: {n}")
    print(f"  refused by the decoder with a reason: {refused}")
    print(f"  frames made by the long-lived mapper (each checked by the backend's decoder): {frames}")
    print(f"  skip reasons it holds: {len(long_lived.skipped)} (bounded); versions seen: {long_lived.versions}")
    print(f"failures found: {len(failures)}")
    for kind, data, trace in failures[:5]:
        print(f"--- {kind}, {len(data)} bytes: {data[:48].hex()}...\n{trace}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
