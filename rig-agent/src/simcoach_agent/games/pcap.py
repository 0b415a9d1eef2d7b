"""Reads a game's UDP datagrams from a pcap or pcapng file (Wireshark, tcpdump; gzipped or not) through dpkt.

``simcoach-agent --replay FILE`` takes such a file as well as its own captures, so a user can
replay what Wireshark recorded of the game's traffic. Every UDP payload is handed on as a
``("udp", bytes)`` part, as the live UDP reader does; which of them are game packets is the
mapper's call. Frames that are not UDP (ARP, TCP, ...), IP fragments, payloads cut short by
the capture's snap length and unreadable frames are skipped and counted by reason (one log line
per reason, a summary at the end). A file cut off mid-record ends the replay there.
"""

from __future__ import annotations

import gzip
import logging
import struct
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO, Final

import dpkt  # type: ignore[import-untyped]  # dpkt ships no type information

from simcoach_agent.games.base import RawSample, Reader
from simcoach_agent.games.capture import CaptureEnded

log = logging.getLogger(__name__)

GZIP_MAGIC: Final = b"\x1f\x8b"
PCAP_MAGICS: Final = frozenset(
    (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")  # µs and ns, both orders
)
PCAPNG_MAGIC: Final = b"\x0a\x0d\x0d\x0a"  # section header block

# Link types (LINKTYPE_* as written in files; 12 and 14 are what some systems write for raw IP).
_ETHERNET: Final = 1
_NULL, _LOOP = 0, 108  # BSD loopback: Npcap's loopback adapter on Windows, macOS lo0
_RAW: Final = frozenset((12, 14, 101))
_IPV4, _IPV6 = 228, 229
_SLL, _SLL2 = 113, 276  # Linux "any" device

# Errors dpkt (and the struct module under it) raise on bytes that do not parse.
_PARSE_ERRORS: Final = (dpkt.Error, struct.error, ValueError, IndexError, KeyError, TypeError)
# Errors of a file cut off or corrupt under gzip, or a truncated last record.
_FILE_ERRORS: Final = (dpkt.Error, OSError, EOFError, zlib.error, struct.error, ValueError)


def capture_format(path: Path) -> str | None:
    """ "pcap" or "pcapng" when ``path`` (gzipped or not) is a packet capture, else None."""
    try:
        with _open(path) as f:
            head = f.read(4)
    except _FILE_ERRORS:
        return None
    if head in PCAP_MAGICS:
        return "pcap"
    if head == PCAPNG_MAGIC:
        return "pcapng"
    return None


def _open(path: Path) -> BinaryIO:
    raw = path.open("rb")
    if raw.read(2) == GZIP_MAGIC:
        raw.close()
        return gzip.open(path, "rb")  # type: ignore[return-value]
    raw.seek(0)
    return raw


def _link_decoder(linktype: int) -> Callable[[bytes], Any]:
    """The dpkt class that parses a frame of this link type down to its IP packet (``.data``)."""
    decoders: dict[int, Callable[[bytes], Any]] = {
        _ETHERNET: dpkt.ethernet.Ethernet,
        _NULL: dpkt.loopback.Loopback,
        _LOOP: dpkt.loopback.Loopback,
        _SLL: dpkt.sll.SLL,
        _SLL2: dpkt.sll2.SLL2,
    }
    if linktype in decoders:
        return decoders[linktype]
    if linktype in _RAW or linktype in (_IPV4, _IPV6):
        return _raw_ip
    raise ValueError(f"link type {linktype} is not one this reader knows (Ethernet, loopback, raw IP, Linux SLL)")


class _RawIp:
    """A frame that is an IP packet without a link header."""

    def __init__(self, buf: bytes) -> None:
        version = buf[0] >> 4 if buf else 0
        if version == 4:
            self.data: Any = dpkt.ip.IP(buf)
        elif version == 6:
            self.data = dpkt.ip6.IP6(buf)
        else:
            raise ValueError(f"IP version {version}")


def _raw_ip(buf: bytes) -> _RawIp:
    return _RawIp(buf)


class PacketCaptureReader(Reader):
    """The UDP payloads of a packet capture, one read per group of datagrams (see ``starts_read``).

    ``starts_read(datagram)`` says which datagram begins a new read: the game's tick as a live
    reader draining its socket would see it. Without it, each datagram is a read of its own.
    """

    def __init__(self, path: Path, game: str, starts_read: Callable[[bytes], bool] | None = None) -> None:
        self.path = path
        self.game = game
        self.starts_read = starts_read
        self.datagrams = 0
        self.skipped: dict[str, int] = {}
        self._file: BinaryIO | None = None
        self._records: Iterator[tuple[float, bytes]] | None = None
        self._link: Callable[[bytes], Any] | None = None
        self._pending: tuple[float, bytes] | None = None
        self._ended = False
        self._summed_up = False
        # Refuse a file that is no capture, or of a link type not read, now rather than mid-replay.
        self.open()
        self.close()

    def open(self) -> None:
        self.close()
        f = _open(self.path)
        try:
            head = f.read(4)
            f.seek(0)
            if head in PCAP_MAGICS:
                reader: Any = dpkt.pcap.Reader(f)
            elif head == PCAPNG_MAGIC:
                reader = dpkt.pcapng.Reader(f)
            else:
                raise ValueError(f"{self.path}: not a pcap or pcapng file")
            self._link = _link_decoder(reader.datalink())
        except _FILE_ERRORS as exc:
            f.close()
            raise ValueError(f"{self.path}: not a readable packet capture ({exc})") from exc
        except ValueError:
            f.close()
            raise
        self._file = f
        self._records = iter(reader)
        self._pending = None
        self._ended = False
        self._summed_up = False
        self.datagrams = 0
        self.skipped = {}

    def read(self) -> RawSample:
        """The next group of datagrams; raises CaptureEnded after the last."""
        if self._records is None:
            self.open()
        parts: list[bytes] = []
        t_first = 0.0
        if self._pending is not None:
            t_first, first = self._pending
            parts.append(first)
            self._pending = None
        starts = self.starts_read
        while True:
            item = self._next_datagram()
            if item is None:
                break
            if parts and (starts is None or starts(item[1])):
                self._pending = item
                break
            if not parts:
                t_first = item[0]
            parts.append(item[1])
        if not parts:
            self._finish()
            raise CaptureEnded(str(self.path))
        self.datagrams += len(parts)
        return RawSample(t_first, tuple(("udp", d) for d in parts))

    def _next_datagram(self) -> tuple[float, bytes] | None:
        records = self._records
        link = self._link
        if records is None or link is None or self._ended:
            return None
        while True:
            try:
                ts, frame = next(records)
            except StopIteration:
                self._ended = True
                return None
            except _FILE_ERRORS as exc:
                self._skip(f"the file ends inside a record ({type(exc).__name__})")
                self._ended = True
                return None
            payload = self._payload(link, frame)
            if payload is not None:
                return float(ts), payload

    def _payload(self, link: Callable[[bytes], Any], frame: bytes) -> bytes | None:
        try:
            ip = link(frame).data
            if isinstance(ip, dpkt.ip.IP):
                if ip.mf or ip.offset:
                    self._skip("IP fragment (game packets fit one datagram)")
                    return None
            elif not isinstance(ip, dpkt.ip6.IP6):
                self._skip("not an IP packet")
                return None
            udp = ip.data
            if not isinstance(udp, dpkt.udp.UDP):
                self._skip("not UDP")
                return None
            payload = bytes(udp.data)
            if len(payload) < udp.ulen - udp.__hdr_len__:
                self._skip("UDP payload cut short by the capture's snap length")
                return None
        except _PARSE_ERRORS as exc:
            self._skip(f"unreadable frame ({type(exc).__name__})")
            return None
        return payload

    def _skip(self, reason: str) -> None:
        count = self.skipped.get(reason, 0)
        if count == 0:
            log.warning("replay %s: skipping frames: %s", self.path.name, reason)
        self.skipped[reason] = count + 1

    def _finish(self) -> None:
        if self._summed_up:
            return
        self._summed_up = True
        skipped = sum(self.skipped.values())
        detail = ", ".join(f"{n} {reason}" for reason, n in self.skipped.items())
        log.info(
            "replay %s: %d UDP datagrams read, %d frames skipped%s",
            self.path.name,
            self.datagrams,
            skipped,
            f" ({detail})" if detail else "",
        )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None
        self._records = None
