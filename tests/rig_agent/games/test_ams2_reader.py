"""The AMS2 UDP reader on a real socket: draining, silence, a taken port; the adapter's factories and is_running."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

from simcoach_agent.games import registry
from simcoach_agent.games.ams2 import adapter
from simcoach_agent.games.ams2 import reader as udp
from simcoach_agent.games.ams2.mapper import Ams2Mapper
from simcoach_agent.games.base import GameSource, GameUnavailable
from tests.rig_agent.games import ams2_packets as pk
from tests.rig_agent.games.ams2_sender import free_udp_port


@pytest.fixture
def port() -> int:
    return free_udp_port()


@pytest.fixture
def sender() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        yield s


@pytest.fixture
def reader(port: int) -> Iterator[udp.UdpReader]:
    r = udp.UdpReader(port=port)
    r.open()
    yield r
    r.close()


def wait_read(reader: udp.UdpReader, timeout: float = 2.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        raw = reader.read()
        if raw is not None:
            return raw
        time.sleep(0.005)
    raise AssertionError("nothing read")


def test_a_read_drains_every_pending_datagram_in_order(reader, sender, port):
    datagrams = [pk.game_state(2, 5, number=1), pk.timings({}, number=2), pk.telemetry({}, number=3), b"junk"]
    for d in datagrams:
        sender.sendto(d, ("127.0.0.1", port))
    # On loopback, sendto() has queued the datagram on the receiving socket when it returns: no wait.
    before = time.monotonic()
    raw = reader.read()
    assert raw is not None
    assert raw.parts == tuple(("udp", d) for d in datagrams)
    assert before <= raw.t_mono <= time.monotonic()
    assert reader.read() is None  # drained, and not yet silent for long
    assert reader.datagrams == 4


def test_silence_after_telemetry_means_the_game_is_gone(reader, sender, port, monkeypatch):
    monkeypatch.setattr(udp, "DRIVING_SILENCE_S", 0.2)
    reader.open()  # picks up the shorter limit
    sender.sendto(pk.telemetry({}), ("127.0.0.1", port))
    wait_read(reader)
    time.sleep(0.3)
    with pytest.raises(GameUnavailable) as gone:
        reader.read()
    message = str(gone.value)
    assert message.startswith(f"ams2: waiting for UDP packets on port {port}")
    assert "Options > System > UDP Frequency" in message
    assert "Project CARS 2" in message


def test_nothing_at_all_after_opening_is_waited_for_then_reported(reader, monkeypatch):
    monkeypatch.setattr(udp, "DRIVING_SILENCE_S", 0.1)
    reader.open()
    assert reader.read() is None
    time.sleep(0.15)
    with pytest.raises(GameUnavailable, match="waiting for UDP packets"):
        reader.read()


def test_in_menus_the_sparse_game_state_packets_keep_the_game_attached(reader, sender, port, monkeypatch):
    monkeypatch.setattr(udp, "DRIVING_SILENCE_S", 0.1)
    monkeypatch.setattr(udp, "MENU_SILENCE_S", 0.6)
    reader.open()
    sender.sendto(pk.game_state(1, 0), ("127.0.0.1", port))
    wait_read(reader)
    time.sleep(0.3)  # longer than the driving limit, shorter than the menu one
    assert reader.read() is None
    time.sleep(0.4)
    with pytest.raises(GameUnavailable):
        reader.read()


def test_a_port_taken_by_another_program_is_said_plainly(port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("0.0.0.0", port))
        r = udp.UdpReader(port=port)
        with pytest.raises(GameUnavailable, match=f"ams2: cannot listen on UDP port {port}"):
            r.open()
        r.close()


def test_reading_a_closed_reader_says_what_it_waits_for(port):
    r = udp.UdpReader(port=port)
    with pytest.raises(GameUnavailable, match=f"port {port}"):
        r.read()


def test_a_read_is_bounded_even_under_a_flood(reader, sender, port, monkeypatch):
    monkeypatch.setattr(udp, "MAX_DATAGRAMS_PER_READ", 10)
    for i in range(25):
        sender.sendto(pk.game_state(2, 5, number=i), ("127.0.0.1", port))
    # Loopback: all 25 are queued when the last sendto() returns.
    sizes = [len(reader.read().parts) for _ in range(3)]
    assert sizes == [10, 10, 5]


def test_the_adapter_declares_packets_and_builds_a_reader_on_the_cli_port(port, sender):
    assert adapter.KIND == "packets"
    source = registry.create_source("ams2", port=port)
    assert isinstance(source, GameSource)
    assert isinstance(source.reader, udp.UdpReader)
    assert isinstance(source.mapper, Ams2Mapper)
    assert source.reader.port == port
    source.open()
    try:
        sender.sendto(pk.game_state(2, 5), ("127.0.0.1", port))
        sender.sendto(pk.telemetry({"sSpeed": 10.0}), ("127.0.0.1", port))
        frame = None
        deadline = time.monotonic() + 10.0
        while frame is None:  # the datagrams are in flight until the socket has them
            assert time.monotonic() < deadline, "no frame from the two datagrams"
            frame = source.sample("rig-a", 1, 1.0)
            time.sleep(0.005)
        assert frame.speed_kmh == pytest.approx(36.0)
        assert source.status() == "driving (UDP v state 2, tel 2)"  # the versions the stand-in stamps
    finally:
        source.close()


def test_is_running_listens_briefly_on_the_port(port, sender, monkeypatch):
    monkeypatch.setattr(udp, "last_datagram_at", float("-inf"))  # nothing received in this process
    assert adapter.is_running(port) is False
    stop = threading.Event()

    def stream() -> None:
        while not stop.is_set():
            sender.sendto(pk.telemetry({}), ("127.0.0.1", port))
            time.sleep(1 / 60)

    thread = threading.Thread(target=stream)
    thread.start()
    try:
        assert adapter.is_running(port) is True
    finally:
        stop.set()
        thread.join()


def test_is_running_trusts_a_reader_that_just_received(reader, sender, port):
    sender.sendto(pk.telemetry({}), ("127.0.0.1", port))
    wait_read(reader)
    assert adapter.is_running(free_udp_port()) is True  # no probe needed: this process saw AMS2 a moment ago
