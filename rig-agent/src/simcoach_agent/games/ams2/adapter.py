"""The Automobilista 2 adapter as the registry sees it: UDP packets, a reader on the game's port, one mapper."""

from __future__ import annotations

import time
from typing import Any, Final

from simcoach_agent.games.ams2 import reader as udp
from simcoach_agent.games.ams2.mapper import Ams2Mapper
from simcoach_agent.games.ams2.packets import SMS_UDP_PORT
from simcoach_agent.games.base import Mapper, Reader

KIND: Final = "packets"
# A datagram seen by a reader of this process this recently counts as "running" without probing.
RECENT_S: Final = 3.0


def make_reader(game: str, port: int = SMS_UDP_PORT, **options: Any) -> Reader:
    """A reader listening on ``port`` (the CLI's ``--udp-port``), all interfaces."""
    return udp.UdpReader(port=port, host=options.get("host", "0.0.0.0"))


def make_mapper(game: str) -> Mapper:
    return Ams2Mapper()


def is_running(port: int = SMS_UDP_PORT, **options: object) -> bool:
    """Whether AMS2 is sending: a datagram seen lately by a reader here, else a 0.2 s listen on the port.

    The listen only catches a game that streams (telemetry at the UDP rate); one sitting in its
    menus sends a packet every 5 s and is found by a later try.
    """
    if time.monotonic() - udp.last_datagram_at < RECENT_S:
        return True
    return udp.probe(port)
