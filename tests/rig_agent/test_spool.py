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


def _rows_on_disk(path) -> int:
    import contextlib
    import sqlite3

    with contextlib.closing(sqlite3.connect(path)) as db:
        return db.execute("SELECT COUNT(*) FROM spool").fetchone()[0]


def test_frames_acknowledged_quickly_never_touch_the_disk(tmp_path):
    path = tmp_path / "rig1.db"
    spool = Spool(100, path)
    for seq in range(1, 11):
        spool.append(seq, b"x")
        spool.take(64)
        spool.ack(seq)
    assert _rows_on_disk(path) == 0
    spool.close()
    assert _rows_on_disk(path) == 0


def test_frames_waiting_for_an_ack_spill_to_disk(tmp_path, monkeypatch):
    import simcoach_agent.uplink.spool as spool_module

    monkeypatch.setattr(spool_module, "SPILL_AFTER_S", 0.0)  # every frame has waited long enough
    path = tmp_path / "rig1.db"
    spool = Spool(100, path)
    for seq in range(1, 6):
        spool.append(seq, b"x")
    assert _rows_on_disk(path) == 5, "an agent killed now keeps these frames"
    spool.ack(3)
    assert _rows_on_disk(path) == 2
    assert [s for s, _ in spool.take(10)] == [4, 5]
    spool.close()


def test_any_mix_of_appends_takes_acks_rewinds_and_spills_sends_each_unacked_frame_once_per_connection(tmp_path):
    """Against a plain list as the model: the spool keeps memory in two queues and spills to disk under it."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    ops = st.lists(
        st.one_of(
            st.tuples(st.just("append"), st.integers(1, 20)),
            st.tuples(st.just("take"), st.integers(1, 30)),
            st.tuples(st.just("ack"), st.integers(0, 40)),
            st.tuples(st.just("rewind"), st.just(0)),
            st.tuples(st.just("spill"), st.just(0)),
        ),
        max_size=40,
    )

    @settings(max_examples=150, deadline=None, derandomize=True, database=None)
    @given(ops)
    def run(steps):
        spool = Spool(10_000)
        held: list[int] = []  # the model: unacknowledged seqs, oldest first
        sent_upto = -1
        seq = 0
        sent: list[int] = []
        for op, n in steps:
            if op == "append":
                for _ in range(n):
                    seq += 1
                    spool.append(seq, f"f{seq}".encode())
                    held.append(seq)
            elif op == "take":
                rows = spool.take(n)
                expected = [s for s in held if s > sent_upto][:n]
                assert [s for s, _ in rows] == expected
                assert all(data == f"f{s}".encode() for s, data in rows)
                if rows:
                    sent_upto = rows[-1][0]
                sent += expected
            elif op == "ack":
                upto = sent[-1] - n if sent and n <= sent[-1] else None
                if upto is not None:
                    spool.ack(upto)
                    held = [s for s in held if s > upto]
                    sent_upto = max(sent_upto, upto)
            elif op == "rewind":
                spool.rewind()
                sent_upto = -1
            else:
                spool.spill()
            assert len(spool) == len(held)
        spool.close()

    run()
