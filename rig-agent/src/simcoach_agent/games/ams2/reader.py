"""Receives Automobilista 2's UDP datagrams: each read drains the socket and hands every datagram on.

The reader moves bytes only. The one thing it looks at is the packet type byte of the
header, to know how long a silence means "the game is gone": telemetry and timings
stream at the UDP rate while driving, but in menus the game only sends a game-state
packet every 5 s (10 s in a session), so after such a packet a longer silence is allowed.
"""

from __future__ import annotations

import contextlib
import socket
import time
from typing import Final

from simcoach_agent.games.ams2 import packets
from simcoach_agent.games.base import GameUnavailable, RawSample, Reader

# A silence this long after telemetry (or at start) means the game stopped sending.
DRIVING_SILENCE_S: Final = 3.0
# After a packet of the slow kinds (game state every 5-10 s), allow two of their periods.
MENU_SILENCE_S: Final = 12.0
# One read takes at most this many datagrams, so a flood cannot stall the sampler.
MAX_DATAGRAMS_PER_READ: Final = 512
# Room for a burst of 1.5 kB datagrams while the sampler is busy.
RECEIVE_BUFFER_BYTES: Final = 1 << 20
_DATAGRAM_MAX: Final = 2048
_STREAMED_TYPES: Final = frozenset((packets.CAR_PHYSICS, packets.TIMINGS))
_TYPE_OFFSET: Final = 10  # PacketBase.mPacketType

PART: Final = "udp"

# Monotonic time of the last datagram any reader in this process received (for is_running).
last_datagram_at: float = float("-inf")


def waiting_message(port: int) -> str:
    return (
        f"ams2: waiting for UDP packets on port {port} "
        "(enable UDP in the game: Options > System > UDP Frequency, protocol 'Project CARS 2')"
    )


class UdpReader(Reader):
    """A non-blocking UDP socket bound to 0.0.0.0:port."""

    game = "ams2"

    def __init__(self, port: int = packets.SMS_UDP_PORT, host: str = "0.0.0.0") -> None:
        self.port = port
        self.host = host
        self.datagrams = 0
        self.recv_errors = 0
        self._sock: socket.socket | None = None
        self._last_at = 0.0
        self._silence_s = DRIVING_SILENCE_S

    def open(self) -> None:
        self.close()
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            # Lets other tools (CrewChief, SimHub) listen to the game's broadcast on the same port.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
            sock.bind((self.host, self.port))
            sock.setblocking(False)
        except OSError as exc:
            sock.close()
            raise GameUnavailable(f"ams2: cannot listen on UDP port {self.port} ({exc.strerror or exc})") from exc
        self._sock = sock
        self._last_at = time.monotonic()
        self._silence_s = DRIVING_SILENCE_S

    def read(self) -> RawSample | None:
        global last_datagram_at  # noqa: PLW0603 - one cheap process-wide fact for is_running()
        sock = self._sock
        if sock is None:
            raise GameUnavailable(waiting_message(self.port))
        parts: list[tuple[str, bytes]] = []
        recv = sock.recv
        for _ in range(MAX_DATAGRAMS_PER_READ):
            try:
                data = recv(_DATAGRAM_MAX)
            except BlockingIOError:
                break
            except OSError:
                # Windows reports an oversized datagram (WSAEMSGSIZE) or an ICMP reset as an error.
                self.recv_errors += 1
                continue
            parts.append((PART, data))
        now = time.monotonic()
        if not parts:
            if now - self._last_at > self._silence_s:
                raise GameUnavailable(waiting_message(self.port))
            return None
        self.datagrams += len(parts)
        self._last_at = now
        last_datagram_at = now
        last = parts[-1][1]
        streamed = len(last) > _TYPE_OFFSET and last[_TYPE_OFFSET] in _STREAMED_TYPES
        self._silence_s = DRIVING_SILENCE_S if streamed else MENU_SILENCE_S
        return RawSample(now, tuple(parts))

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def probe(port: int = packets.SMS_UDP_PORT, wait_s: float = 0.2) -> bool:
    """Whether a datagram arrives on ``port`` within ``wait_s`` (False when the port is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
        sock.settimeout(wait_s)
        try:
            sock.recv(_DATAGRAM_MAX)
        except (TimeoutError, OSError):
            return False
        return True


def starts_tick(datagram: bytes) -> bool:
    """Whether a datagram begins a game tick (the telemetry packet, sent first of each tick).

    Replaying a packet capture, a read is what a live reader draining the socket once a tick would
    get: the telemetry packet and what follows it (its timings) up to the next telemetry packet.
    """
    return len(datagram) > _TYPE_OFFSET and datagram[_TYPE_OFFSET] == packets.CAR_PHYSICS
