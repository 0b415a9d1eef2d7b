"""Line protocol per frame: simcoach's encoder against influxdb-client's ``Point``, side by side.

Both encode the same demo frames (every channel the demo fills, four-wheel
channels as four fields, the session's tags) into one /write body, as the
exporter does with a batch (``TelemetryEncoder.lines``; the client joins its
points' lines). Prints µs a frame for each, best of a few rounds (the machine is
shared: the best round is the one least disturbed), and checks both bodies have
the same lines with the same values.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from influxdb_client.client.write.point import Point
from influxdb_client.domain.write_precision import WritePrecision

from simcoach.history.lines import TelemetryEncoder
from simcoach.history.schema import NOT_CHANNELS, TELEMETRY, WHEEL_SUFFIXES, SessionTags
from simcoach_agent.games.demo.source import DemoSource
from simcoach_agent.telemetry import Frame

TAGS = SessionTags(
    rig="rig-1", session="bench-session", game="demo", driver="Demo Driver", track="Spa-Francorchamps", car="AMG GT3"
)


def point_line(frame: Frame) -> str:
    """What an exporter written with influxdb-client's Point would do for one frame."""
    p = Point(TELEMETRY).time(round(frame.t * 1e9), WritePrecision.NS)
    for k, v in TAGS.values().items():
        p.tag(k, v)
    for name in Frame.__struct_fields__:
        if name in NOT_CHANNELS:
            continue
        v = getattr(frame, name)
        if isinstance(v, tuple):
            for suffix, x in zip(WHEEL_SUFFIXES, v, strict=True):
                p.field(f"{name}_{suffix}", x)
        else:
            p.field(name, v)
    return p.to_line_protocol()


def point_body(frames: list[Frame]) -> bytes:
    """The /write body influxdb-client's write API makes of those points."""
    return ("\n".join(map(point_line, frames)) + "\n").encode()


def best_us(body: Callable[[list[Frame]], bytes], frames: list[Frame], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        body(frames)
        best = min(best, (time.perf_counter() - t0) / len(frames) * 1e6)
    return best


def fields_of(line: str) -> dict[str, str]:
    return dict(kv.split("=", 1) for kv in line.rsplit(" ", 2)[1].split(","))


def same_values(a: str, b: str) -> bool:
    """Same field keys, and each value the same text or the same number (Point writes 7500.0 as 7500)."""
    fa, fb = fields_of(a), fields_of(b)
    return (
        a.rsplit(" ", 1)[1] == b.rsplit(" ", 1)[1]
        and fa.keys() == fb.keys()
        and all(fa[k] == fb[k] or float(fa[k].rstrip("i")) == float(fb[k].rstrip("i")) for k in fa)
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    source = DemoSource()
    frames = [f for seq in range(1, args.frames + 1) if (f := source.sample("rig-1", seq, 1.8e9 + seq / 60))]
    encoder = TelemetryEncoder(TAGS)
    ours = best_us(encoder.lines, frames, args.rounds)
    theirs = best_us(point_body, frames, max(1, args.rounds // 2))
    a = encoder.lines(frames).decode().splitlines()
    b = point_body(frames).decode().splitlines()
    # Comparing every line would take as long as a Point round; every 100th covers each None pattern the demo has.
    same = len(a) == len(b) == len(frames) and all(same_values(a[i], b[i]) for i in range(0, len(a), 100))
    print(f"{len(frames)} demo frames in one body, {len(fields_of(a[-1]))} fields, {len(a[-1])} bytes a line")
    print(f"simcoach encoder   {ours:7.2f} µs/frame")
    print(f"influxdb Point     {theirs:7.2f} µs/frame   ({theirs / ours:.1f}x slower)")
    print(f"same values: {same}")


if __name__ == "__main__":
    main()
