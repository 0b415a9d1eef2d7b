"""The real Project CARS 2 capture (tests/fixtures/ams2), read on the test side with dpkt, and a UDP replayer.

``datagrams()`` gives each UDP payload with its capture time (s from the first datagram), read
straight from the pcap with dpkt, not through the agent's own pcap reader, so that a mistake in
one cannot hide in the other. Run as a module it plays the capture to a UDP port in real time:

    python -m tests.rig_agent.games.ams2_replay --port N [--from-s 14.5] [--to-s 50.5] [--lead-speed 8]

Datagrams before ``--from-s`` (the front end: session packets, telemetry while in menus) are sent
``--lead-speed`` times faster; from there to ``--to-s`` at the capture's own pace; then it stops.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import socket
import sys
import time

import dpkt

from tests.conftest import REPO

FIXTURE = REPO / "tests" / "fixtures" / "ams2" / "pcars2-udp-nurburgring-gt3rs.pcap.gz"
# What the capture holds, read from its packets (docs/games/ams2.md has how).
PLAYING_FROM_S = 14.94  # the first game-state packet saying PLAYING
PLAYING_TO_S = 55.06  # the game goes back to its in-game menu
LAST_DRIVEN_S = 50.22  # then 4.8 s of silence in the capture
TELEMETRY_WHILE_PLAYING = 2118
# Frames a replay gives: those packets but the last, read with the game state that leaves PLAYING.
FRAMES = 2117


@functools.cache
def datagrams() -> tuple[tuple[float, bytes], ...]:
    """Every UDP payload of the fixture with its time from the first datagram, in capture order."""
    out = []
    with gzip.open(FIXTURE, "rb") as f:
        t0 = None
        for ts, frame in dpkt.pcap.Reader(f):
            udp = dpkt.ethernet.Ethernet(frame).data.data
            assert isinstance(udp, dpkt.udp.UDP)
            t0 = ts if t0 is None else t0
            out.append((float(ts - t0), bytes(udp.data)))
    return tuple(out)


def of_type(kind: int) -> list[tuple[float, bytes]]:
    return [(t, d) for t, d in datagrams() if d[10] == kind]


def run(args: argparse.Namespace) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = ("127.0.0.1", args.port)
    start = time.perf_counter()
    lead = args.from_s / args.lead_speed  # wall time the fast part takes
    print("sending", flush=True)
    for t, data in datagrams():
        if t > args.to_s:
            break
        due = t / args.lead_speed if t < args.from_s else lead + (t - args.from_s)
        delay = start + due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sock.sendto(data, address)
    sock.close()
    print("done", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--from-s", type=float, default=0.0)
    parser.add_argument("--to-s", type=float, default=1e9)
    parser.add_argument("--lead-speed", type=float, default=1.0)
    run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
