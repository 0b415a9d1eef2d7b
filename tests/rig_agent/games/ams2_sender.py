"""A stand-in Automobilista 2: sends real Project CARS 2 UDP packets at 60 Hz along a scripted lap.

Run as ``python -m tests.rig_agent.games.ams2_sender --port N [options]`` from the repo root.
Packets are laid out by ``ams2_packets`` (byte offsets from the header), never by the
adapter's own structures. The player is participant 3 (not 0), so indexing mistakes show.

The lap: each lap lasts ``--lap-s`` seconds over a 4309 m track; at every lap start the car
does exactly ``--base-speed`` m/s and ramps up by 10 m/s. After lap N the game reports a last
lap time of 90 + N s. ``--pause-at``/``--pause-s`` switch the game state to paused while the
telemetry keeps coming with a marker speed of 77 m/s (no frame may carry it). ``--bad`` mixes
in garbage, truncated packets, wrong lengths and an unseen version; ``--mixed`` alternates the
555/559-byte telemetry and 1059/1063-byte timings of the two game builds.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time

from tests.rig_agent.games import ams2_packets as pk

RATE_HZ = 60
TRACK = ("Interlagos", "GP")
TRACK_LENGTH_M = 4309.0
PLAYER = 3
NAMES = ["Ayrton AI", "Nelson AI", "Emerson AI", "Test Driver", "Rubens AI"]
VEHICLES = [(10, 2, "Stock Car Pro"), (11, 2, "Stock Car Pro"), (12, 2, "Stock Car Pro"), (20, 7, "Formula Test")]
CLASSES = [(2, "StockV8"), (7, "F-Test")]
PAUSE_MARKER_MS = 77.0
GAME_PLAYING, GAME_PAUSED, SESSION_RACE = 2, 3, 5
SHIPPING_TELEMETRY_VERSION = 4  # what real builds stamp (the header says 2)


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def player_values(t: float, lap_s: float, base_speed: float) -> tuple[int, float, dict, dict]:
    """Telemetry and timing values of the player at time ``t`` into the script."""
    lap = 1 + int(t // lap_s)
    frac = (t % lap_s) / lap_s
    telemetry = {
        "sViewedParticipantIndex": PLAYER,
        "sUnfilteredThrottle": 255,
        "sUnfilteredBrake": 51,  # 0.2
        "sUnfilteredSteering": -64,  # left
        "sUnfilteredClutch": 0,
        "sCarFlags": 1 << 4,  # ABS active
        "sOilTempCelsius": 105,
        "sWaterTempCelsius": 90,
        "sFuelCapacity": 100,
        "sFuelLevel": 0.5,
        "sSpeed": base_speed + 10.0 * frac,
        "sRpm": int(6000 + 2000 * frac),
        "sMaxRpm": 8500,
        "sGearNumGears": 4 | 6 << 4,
        "sLocalAcceleration": (-9.80665, 0.0, -4.903325),  # 1 g right (X < 0, as the real game), 0.5 g forward
        "sTyreTemp": (80, 80, 80, 80),  # °C, as the game fills it in the pits (not read while the tread is set)
        "sTyreWear": (51, 51, 0, 255),
        "sBrakeTempCelsius": (400, 410, 300, 310),
        "sTyreTreadTemp": (353 + lap, 354 + lap, 351 + lap, 352 + lap),  # K: the frame's tyre_temp_c
        "sTyreTempLeft": (85, 95, 84, 94),  # °C
        "sTyreTempCenter": (88, 89, 87, 88),
        "sTyreTempRight": (95, 86, 94, 85),
        "sAirPressure": (186, 186, 179, 179),  # kPa
        "sTyreCompound[0]": b"Soft",
        "sFullPosition": (100.0 + t, 5.0, -200.0),
        "sTickCount": int(t * 1000),
    }
    timing = {
        "sWorldPosition": (100, 5, -200),
        "sCurrentLapDistance": int(frac * TRACK_LENGTH_M),
        "sRacePosition": 0x80 | 2,
        "sSector": 1,
        "sPitModeSchedule": 0,
        "sCarIndex": 0x8000 | 20,
        "sRaceState": 2,
        "sCurrentLap": lap,
        "sCurrentTime": t % lap_s,
    }
    return lap, frac, telemetry, timing


def other_cars() -> dict[int, dict]:
    """AI cars with values unlike the player's (lap 9, in the pits, invalid lap)."""
    return {
        i: {
            "sRacePosition": 0x80 | (i + 3),
            "sCurrentLap": 9,
            "sCurrentTime": 55.5,
            "sPitModeSchedule": 2,
            "sRaceState": 8,
        }
        for i in (0, 1, 2, 4)
    }


def definitions(number: int) -> list[bytes]:
    return [
        pk.race(*TRACK, TRACK_LENGTH_M, number=number),
        pk.participants(NAMES, number=number),
        pk.vehicle_names(VEHICLES, number=number),
        pk.class_names(CLASSES, number=number),
    ]


def bad_packets(good_telemetry: bytes) -> list[bytes]:
    """Datagrams no layout describes, and one of a version never seen (read: versions are information)."""
    other_version = bytearray(good_telemetry)
    other_version[11] = 9
    oldest_header = good_telemetry[:538]  # the first PC2 header's telemetry length
    wrong_length = pk.timings({}) + b"\x00" * 7
    garbage = bytes((i * 37 + 11) % 256 for i in range(200))
    return [garbage, good_telemetry[:300], bytes(other_version), oldest_header, wrong_length, b"\x01\x02\x03"]


def run(args: argparse.Namespace) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    address = ("127.0.0.1", args.port)
    number = 0
    best = None
    records: dict[int, dict] = {}
    last_lap = 0
    was_paused = False
    start = time.perf_counter()
    frames = int(args.seconds * RATE_HZ)
    print("sending", flush=True)
    for k in range(frames):
        t = k / RATE_HZ
        paused = args.pause_at is not None and args.pause_at <= t < args.pause_at + args.pause_s
        lap, _, telemetry, timing = player_values(t, args.lap_s, args.base_speed)
        out: list[bytes] = []
        if k % 30 == 0 or paused != was_paused:
            out.append(pk.game_state(GAME_PAUSED if paused else GAME_PLAYING, SESSION_RACE, number=number))
            was_paused = paused
        if k % 60 == 0:
            out += definitions(number)
        if lap != last_lap:
            if last_lap:
                lap_time = 90.0 + last_lap
                best = lap_time if best is None else min(best, lap_time)
                records[PLAYER] = {"sLastLapTime": lap_time, "sFastestLapTime": best}
            else:
                records[PLAYER] = {"sLastLapTime": -1.0, "sFastestLapTime": -1.0}
            records[0] = {"sLastLapTime": 11.0, "sFastestLapTime": 10.0}
            out.append(pk.time_stats(records, number=number))
            last_lap = lap
        if paused:
            telemetry["sSpeed"] = PAUSE_MARKER_MS
        tick = not (args.mixed and k % 2)
        tel = pk.telemetry(telemetry, number=number, tick=tick, version=SHIPPING_TELEMETRY_VERSION)
        out.append(pk.timings({PLAYER: timing, **other_cars()}, number=number, tick=tick))
        out.append(tel)
        if args.bad and k % 10 == 5:
            out += bad_packets(tel)
        for packet in out:
            sock.sendto(packet, address)
            number += 1
        delay = start + (k + 1) / RATE_HZ - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    sock.close()
    print("done", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--lap-s", type=float, default=2.0)
    parser.add_argument("--base-speed", type=float, default=50.0)
    parser.add_argument("--pause-at", type=float, default=None)
    parser.add_argument("--pause-s", type=float, default=1.0)
    parser.add_argument("--bad", action="store_true")
    parser.add_argument("--mixed", action="store_true")
    run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
