"""``--replay`` of packet captures: pcap and pcapng, gzipped or not, the link types Wireshark writes, and the
frames no game packet is in (ARP, TCP, fragments, cut payloads, a cut file) skipped with a count and a reason.

Captures are written with dpkt's writers from the real capture's datagrams, so every variant
must give the same frames as the fixture itself.
"""

from __future__ import annotations

import gzip
import logging
from collections.abc import Callable
from pathlib import Path

import dpkt
import pytest

from simcoach_agent.games.capture import CaptureEnded, ReplayReader, capture_game
from simcoach_agent.games.pcap import PacketCaptureReader, capture_format
from tests.rig_agent.games.ams2_replay import FIXTURE, FRAMES, datagrams
from tests.rig_agent.games.test_ams2_real_capture import replay

GAME_PORT = 5606


def udp_ipv4(payload: bytes, sport: int = 50000, dport: int = GAME_PORT) -> dpkt.ip.IP:
    udp = dpkt.udp.UDP(sport=sport, dport=dport, data=payload)
    udp.ulen = len(udp)
    ip = dpkt.ip.IP(src=b"\xc0\xa8\x00\x02", dst=b"\xc0\xa8\x00\x03", p=dpkt.ip.IP_PROTO_UDP, data=udp)
    ip.len = len(ip)
    return ip


def ethernet(ip: dpkt.Packet, kind: int = dpkt.ethernet.ETH_TYPE_IP) -> bytes:
    return bytes(dpkt.ethernet.Ethernet(src=b"\x02" * 6, dst=b"\x04" * 6, type=kind, data=ip))


def write(path: Path, frames: list[tuple[float, bytes]], linktype: int, ng: bool = False, gz: bool = False) -> Path:
    opener: Callable[..., object] = gzip.open if gz else open
    with opener(path, "wb") as f:  # type: ignore[operator]
        writer = dpkt.pcapng.Writer(f, linktype=linktype) if ng else dpkt.pcap.Writer(f, linktype=linktype)
        for ts, frame in frames:
            writer.writepkt(frame, ts=1_638_000_000.0 + ts)
    return path


def game_frames(link: Callable[[bytes], bytes]) -> list[tuple[float, bytes]]:
    return [(ts, link(data)) for ts, data in datagrams()]


LINKS: dict[str, tuple[int, Callable[[bytes], bytes]]] = {
    "ethernet": (dpkt.pcap.DLT_EN10MB, lambda d: ethernet(udp_ipv4(d))),
    "bsd loopback (npcap, macOS lo0)": (
        dpkt.pcap.DLT_NULL,
        lambda d: bytes(dpkt.loopback.Loopback(family=2, data=udp_ipv4(d))),
    ),
    "raw ip": (101, lambda d: bytes(udp_ipv4(d))),
    "linux cooked": (
        dpkt.pcap.DLT_LINUX_SLL,
        lambda d: (
            bytes(dpkt.sll.SLL(type=0, hrd=1, hlen=6, hdr=b"\x02" * 6 + b"\x00\x00", ethtype=0x0800))
            + bytes(udp_ipv4(d))
        ),
    ),
}


VARIANTS = [
    *(("ethernet", ng, gz) for ng in (False, True) for gz in (False, True)),
    *((link, link != "raw ip", False) for link in sorted(LINKS) if link != "ethernet"),
]


NAMES = [f"{link}-{'pcapng' if ng else 'pcap'}{'-gz' * gz}" for link, ng, gz in VARIANTS]


@pytest.mark.parametrize(("link", "ng", "gz"), VARIANTS, ids=NAMES)
def test_every_format_and_link_type_gives_the_frames_of_the_fixture(tmp_path: Path, link: str, ng: bool, gz: bool):
    linktype, wrap = LINKS[link]
    path = write(tmp_path / "game.cap", game_frames(wrap), linktype, ng=ng, gz=gz)
    assert capture_format(path) == ("pcapng" if ng else "pcap")
    assert capture_game(path) == "ams2"
    source, frames, _ = replay(path)
    assert len(frames) == FRAMES
    assert source.mapper.skipped == {}  # type: ignore[attr-defined]
    assert max(f.speed_kmh for f in frames) == pytest.approx(159.1, abs=0.05)


def test_frames_without_a_game_packet_are_skipped_with_a_count_and_a_reason(tmp_path: Path, caplog):
    good = game_frames(lambda d: ethernet(udp_ipv4(d)))
    tcp = dpkt.ip.IP(p=dpkt.ip.IP_PROTO_TCP, data=dpkt.tcp.TCP(sport=1, dport=2))
    fragment = udp_ipv4(datagrams()[0][1])
    fragment.mf = 1  # the first of two fragments
    cut = ethernet(udp_ipv4(datagrams()[100][1]))[:300]  # snap length of 300 bytes
    other_udp = ethernet(udp_ipv4(b"\x00" * 48, sport=53, dport=53))  # DNS-like: not a game packet
    extra = [
        ethernet(b"\x00\x01\x08\x00\x06\x04\x00\x01", kind=dpkt.ethernet.ETH_TYPE_ARP),  # type: ignore[arg-type]
        ethernet(tcp),
        ethernet(fragment),
        cut,
        b"\x01\x02\x03",  # not even an Ethernet header
        other_udp,
    ]
    frames = [good[0], *[(good[0][0], e) for e in extra], *good[1:]]
    path = write(tmp_path / "mixed.pcap", frames, dpkt.pcap.DLT_EN10MB)
    caplog.set_level(logging.INFO)
    source, replayed, _ = replay(path)
    assert len(replayed) == FRAMES  # the game's frames all there
    reader = source.reader._packets  # type: ignore[attr-defined]
    assert isinstance(reader, PacketCaptureReader)
    assert reader.skipped == {
        "not an IP packet": 1,  # the ARP frame
        "unreadable frame (NeedData)": 1,  # the 3 bytes: shorter than an Ethernet header
        "not UDP": 1,
        "IP fragment (game packets fit one datagram)": 1,
        "UDP payload cut short by the capture's snap length": 1,
    }
    # The DNS-like datagram is UDP, so it reaches the mapper, which refuses it with its own reason.
    assert source.mapper.skipped == {"telemetry of 48 bytes (expects 555 or 559)": 1}  # type: ignore[attr-defined]
    said = [r.getMessage() for r in caplog.records]
    assert "replay mixed.pcap: skipping frames: not UDP" in said
    assert any(m.startswith("replay mixed.pcap: 5466 UDP datagrams read, 5 frames skipped (") for m in said)


def test_a_file_cut_off_mid_record_ends_the_replay_there(tmp_path: Path):
    whole = write(tmp_path / "whole.pcap", game_frames(lambda d: ethernet(udp_ipv4(d))), dpkt.pcap.DLT_EN10MB)
    data = whole.read_bytes()
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(data[: len(data) // 2 + 7])
    source, frames, _ = replay(cut)
    assert 0 < len(frames) < FRAMES
    reader = source.reader._packets  # type: ignore[attr-defined]
    # The last record is cut: dpkt hands on its short bytes, whose UDP payload then falls short.
    assert list(reader.skipped) in (
        [],
        ["the file ends inside a record (NeedData)"],
        ["UDP payload cut short by the capture's snap length"],
    )

    gz = tmp_path / "cut.pcap.gz"
    gz.write_bytes(FIXTURE.read_bytes()[:300_000])  # a download that stopped half way
    source, frames, _ = replay(gz)
    assert 0 < len(frames) < FRAMES
    [reason] = source.reader._packets.skipped  # type: ignore[attr-defined]
    assert reason.startswith("the file ends inside a record (")


def test_what_is_no_capture_or_another_link_type_is_refused_before_the_replay_starts(tmp_path: Path):
    usb = write(tmp_path / "usb.pcap", [(0.0, b"\x00" * 40)], 189)  # LINKTYPE_USB_LINUX
    with pytest.raises(ValueError, match="link type 189 is not one this reader knows"):
        ReplayReader(usb, "ams2")
    text = tmp_path / "notes.txt"
    text.write_text("not a capture\n")
    with pytest.raises(ValueError, match="not a simcoach capture, nor a pcap or pcapng file"):
        ReplayReader(text, "ams2")
    empty_gz = tmp_path / "empty.gz"
    empty_gz.write_bytes(gzip.compress(b""))
    assert capture_format(empty_gz) is None


def test_a_replayed_capture_reads_one_tick_at_a_time_and_ends():
    reader = ReplayReader(FIXTURE, "ams2")
    reader.open()
    reads = []
    with pytest.raises(CaptureEnded):
        while True:
            reads.append(reader.read())
    reader.close()
    parts = [d for raw in reads for _, d in raw.parts]
    assert parts == [d for _, d in datagrams()]  # every datagram, in order, once
    # Each read after the first starts with a telemetry packet: the game's tick, as a live reader sees it.
    assert all(raw.parts[0][1][10] == 0 for raw in reads[1:])
    assert sum(1 for raw in reads for _, d in raw.parts if d[10] == 0) == len(reads) - 1
    times = [raw.t_mono for raw in reads]
    assert times == sorted(times)
    last_tick = max(t for t, d in datagrams() if d[10] == 0)
    assert times[-1] - times[0] == pytest.approx(last_tick, abs=1e-3)  # capture time, from the first datagram
