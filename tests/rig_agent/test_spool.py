"""The agent's spool: resend until acknowledged, bounded, oldest first."""

from simcoach_agent.uplink.spool import Spool


def test_frames_are_resent_after_a_reconnect_until_acknowledged():
    spool = Spool(100)
    for seq in range(1, 11):
        spool.append(seq, f"f{seq}".encode())
    assert [s for s, _ in spool.take(4)] == [1, 2, 3, 4]
    spool.ack(2)
    spool.rewind()
    assert [s for s, _ in spool.take(100)] == [3, 4, 5, 6, 7, 8, 9, 10]
    spool.ack(10)
    assert len(spool) == 0


def test_a_welcome_can_acknowledge_frames_never_sent_on_this_connection():
    spool = Spool(100)
    for seq in range(1, 6):
        spool.append(seq, b"x")
    spool.ack(3)
    assert [s for s, _ in spool.take(10)] == [4, 5]


def test_a_full_spool_drops_the_oldest_and_counts_them():
    spool = Spool(5)
    for seq in range(1, 9):
        spool.append(seq, b"x")
    assert len(spool) == 5
    assert spool.dropped == 3
    assert [s for s, _ in spool.take(10)] == [4, 5, 6, 7, 8]


def test_unacknowledged_frames_survive_an_agent_restart(tmp_path):
    path = tmp_path / "spool" / "rig1.db"
    spool = Spool(100, path)
    for seq in range(1, 6):
        spool.append(seq, f"f{seq}".encode())
    spool.take(5)
    spool.ack(2)
    spool.close()

    reopened = Spool(100, path)
    assert len(reopened) == 3
    assert reopened.take(10) == [(3, b"f3"), (4, b"f4"), (5, b"f5")]
    reopened.close()
