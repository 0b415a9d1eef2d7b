"""Recording raw game data to a file and reading it back through the same mapper.

``simcoach-agent --record FILE`` writes every read; ``--replay FILE`` feeds the
capture to the game's mapper as if the game were running, so a bug report can
carry the bytes that caused it and a test can use them. ``--replay`` also takes a
pcap or pcapng file of the game's UDP traffic (Wireshark, tcpdump, gzipped or not;
``games/pcap.py``): the only game whose telemetry travels over UDP is Automobilista 2.

File layout: a magic line, one JSON header line, then records
``<t_mono:f64><parts:u16>`` each followed by ``<name_len:u8><data_len:u32><name><data>`` per part.
For shared-memory games only the pages that changed are written; a replay
carries the last version of the others forward.
"""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path
from typing import BinaryIO, Final, Literal

from simcoach_agent import __version__
from simcoach_agent.games.base import RawSample, Reader

MAGIC: Final = b"SIMCOACH-CAPTURE 1\n"
# The game a packet capture (pcap, pcapng) is replayed as: the one game read from UDP packets.
PCAP_GAME: Final = "ams2"
_RECORD = struct.Struct("<dH")
_PART = struct.Struct("<BI")

Kind = Literal["pages", "packets"]


class CaptureEnded(EOFError):
    """A replayed capture has no more records."""


class Recorder:
    def __init__(self, path: Path, game: str, kind: Kind) -> None:
        self.kind = kind
        self._out: BinaryIO = path.open("wb")
        self._out.write(MAGIC)
        header = {"game": game, "kind": kind, "agent": __version__, "created": time.time()}
        self._out.write(json.dumps(header).encode() + b"\n")
        self._last: dict[str, bytes] = {}

    def write(self, raw: RawSample) -> None:
        parts = raw.parts
        if self.kind == "pages":
            parts = tuple((name, data) for name, data in parts if self._last.get(name) != data)
            self._last.update(parts)
        chunks = [_RECORD.pack(raw.t_mono, len(parts))]
        for name, data in parts:
            encoded = name.encode()
            chunks += [_PART.pack(len(encoded), len(data)), encoded, data]
        self._out.write(b"".join(chunks))

    def close(self) -> None:
        self._out.close()


class ReplayReader(Reader):
    """Reads a capture back, one record per read; a pcap/pcapng file through ``PacketCaptureReader``.

    The file is looked at when the reader is made, so a file that is no capture, or a capture of
    another game than ``game``, is refused with its reason before anything runs.
    """

    def __init__(self, path: Path, game: str | None = None) -> None:
        self.path = path
        self._in: BinaryIO | None = None
        self.kind: Kind = "pages"
        self.game = "?"
        self._pages: dict[str, bytes] = {}
        self._packets: Reader | None = None
        captured = capture_game(path)
        if game is not None and game != captured:
            raise ValueError(f"{path}: a capture of {captured}, not {game}")
        self.game = captured
        if _packet_capture(path):
            from simcoach_agent.games.ams2.reader import starts_tick
            from simcoach_agent.games.pcap import PacketCaptureReader

            self.kind = "packets"
            self._packets = PacketCaptureReader(path, PCAP_GAME, starts_read=starts_tick)

    def open(self) -> None:
        if self._packets is not None:
            self._packets.open()
            return
        self._in = self.path.open("rb")
        if self._in.readline() != MAGIC:
            raise ValueError(f"{self.path}: not a simcoach capture")
        header = json.loads(self._in.readline())
        self.game = header["game"]
        self.kind = header["kind"]

    def read(self) -> RawSample:
        if self._packets is not None:
            raw = self._packets.read()
            assert raw is not None  # a packet capture ends with CaptureEnded, never None
            return raw
        if self._in is None:
            self.open()
        assert self._in is not None
        head = self._in.read(_RECORD.size)
        if len(head) < _RECORD.size:
            raise CaptureEnded(str(self.path))
        t_mono, count = _RECORD.unpack(head)
        parts = []
        for _ in range(count):
            part_head = self._in.read(_PART.size)
            if len(part_head) < _PART.size:
                raise CaptureEnded(f"{self.path}: truncated record")
            name_len, data_len = _PART.unpack(part_head)
            name = self._in.read(name_len).decode()
            data = self._in.read(data_len)
            if len(data) < data_len:
                raise CaptureEnded(f"{self.path}: truncated record")
            parts.append((name, data))
        if self.kind == "pages":
            self._pages.update(parts)
            return RawSample(t_mono, tuple(self._pages.items()))
        return RawSample(t_mono, tuple(parts))

    def close(self) -> None:
        if self._packets is not None:
            self._packets.close()
        if self._in is not None:
            self._in.close()
            self._in = None


def _packet_capture(path: Path) -> bool:
    from simcoach_agent.games.pcap import capture_format

    return capture_format(path) is not None


def capture_game(path: Path) -> str:
    """The game a capture was recorded from (a pcap/pcapng file: the UDP game); ValueError if none."""
    if _packet_capture(path):
        return PCAP_GAME
    with path.open("rb") as f:
        if f.readline() != MAGIC:
            raise ValueError(f"{path}: not a simcoach capture, nor a pcap or pcapng file")
        try:
            game = json.loads(f.readline())["game"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}: a simcoach capture with an unreadable header ({exc})") from exc
        if not isinstance(game, str):
            raise ValueError(f"{path}: a simcoach capture whose header names no game")
        return game
