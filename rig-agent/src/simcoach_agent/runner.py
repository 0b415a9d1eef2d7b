"""The agent's main loops: frames to stdout, or frames to the backend through the spool and uplink."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from simcoach_agent.sampler import REOPEN_EVERY_S, Sampler
from simcoach_agent.telemetry.codec import encode, encode_json
from simcoach_agent.uplink.client import RefusedByBackend, Uplink
from simcoach_agent.uplink.spool import Spool

STATUS_EVERY_S = 1.0


class Pacer:
    """Keeps samples on an absolute schedule so jitter does not accumulate into drift."""

    def __init__(self, rate_hz: float) -> None:
        self.period = 1.0 / rate_hz
        self.next_at = time.monotonic()
        self.skipped = 0

    def delay(self) -> float:
        self.next_at += self.period
        delay = self.next_at - time.monotonic()
        if delay < -1.0:
            # Far behind (the machine slept): start afresh instead of bursting to catch up,
            # and count the samples that were not taken so the status line can say so.
            self.skipped += int(-delay / self.period)
            self.next_at = time.monotonic()
        return max(0.0, delay)


def run_stdout(sampler: Sampler, rate_hz: float, realtime: bool, once: bool, out: TextIO = sys.stdout) -> int:
    """Print the session and frames as JSON lines; returns the number of frames printed."""
    pacer = Pacer(rate_hz)
    t0 = time.time()
    printed = 0
    said: str | None = None
    while not sampler.done:
        t = time.time() if realtime else t0 + printed * pacer.period
        frame = sampler.tick(t)
        if sampler.waiting_for != said:
            said = sampler.waiting_for
            if said is not None:
                sys.stderr.write(f"simcoach-agent: {said}\n")
        if not sampler.attached and not realtime:
            time.sleep(REOPEN_EVERY_S)
        session = sampler.take_session_change()
        if session is not None and not once:
            out.write(encode_json(session).decode() + "\n")
        if frame is not None:
            out.write(encode_json(frame).decode() + "\n")
            printed += 1
            if once:
                break
        if realtime:
            time.sleep(pacer.delay())
    out.flush()
    return printed


def run_uplink(sampler: Sampler, uplink: Uplink, spool: Spool, rate_hz: float, status: TextIO | None) -> None:
    """Sample in real time into the spool and send, until interrupted, refused, or the laps are done."""
    pacer = Pacer(rate_hz)
    uplink.start()
    last_status = 0.0
    try:
        while not sampler.done:
            if uplink.refused is not None:
                raise RefusedByBackend(uplink.refused)
            frame = sampler.tick(time.time())
            session = sampler.take_session_change()
            if session is not None:
                uplink.set_session(session)
            if frame is not None:
                spool.append(frame.seq, encode(frame))
            uplink.pump()
            now = time.monotonic()
            if now - last_status >= STATUS_EVERY_S:
                last_status = now
                if status is not None:
                    _print_status(status, sampler, uplink, spool, pacer)
            time.sleep(pacer.delay())
        # Laps done: give the uplink a moment to deliver what is still spooled.
        deadline = time.monotonic() + 10.0
        while len(spool) and time.monotonic() < deadline and uplink.refused is None:
            uplink.pump()
            time.sleep(0.05)
    finally:
        uplink.stop()


def _print_status(out: TextIO, sampler: Sampler, uplink: Uplink, spool: Spool, pacer: Pacer) -> None:
    s = sampler.session
    what = f"{s.game} | {s.track or '?'} | {s.car or '?'}" if s else sampler.source.game
    link = "connected" if uplink.connected else "reconnecting"
    line = (
        f"{what} | {sampler.status()} | {sampler.rate_hz():5.1f} Hz | {link} | "
        f"spool {len(spool)} (dropped {spool.dropped}) | acked {uplink.acked}"
        + (f" | {pacer.skipped} samples missed (the machine stalled)" if pacer.skipped else "")
    )
    if out.isatty():
        out.write("\r" + line[:160].ljust(160))
    else:
        out.write(line + "\n")
    out.flush()
