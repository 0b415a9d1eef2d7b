"""The exporter in process, a real Store and StorageWriter, writing to InfluxDB 2.x's API on a local HTTP server.

No 2.x server runs here: the local server answers as one would (``/ping``, the bucket
list, ``/api/v2/write``) and records every request, so the tests can say which batches
went there, in which order, and when the cursor moved: only after a 204, never on a
refusal, never for a write cut short by shutdown.
"""

from __future__ import annotations

import asyncio
import re
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from simcoach.history.exporter import Exporter
from simcoach.history.targets import InfluxV2Target
from simcoach.storage.records import SessionKey, SessionOpened
from simcoach.storage.store import Store
from simcoach.storage.writer import StorageWriter
from simcoach_agent.games.demo.source import DemoSource
from simcoach_agent.telemetry import Frame
from tests.helpers import until
from tests.history.influx2_stand_in import Influx2Handler, serving

RIG = "rig-v2"
SESSION = "s-v2"
T0 = 1_800_000_000.0
FRAMES = 1200
BATCH = 250
SEQ = re.compile(rb"[ ,]seq=(\d+)i")
DEADLINE_S = 60.0


@dataclass
class Write:
    query: dict[str, str]
    token: str
    body: bytes
    status: int


@dataclass
class Influx2:
    """Answers like InfluxDB 2.x; ``statuses`` are the next /api/v2/write answers (then 204).

    Writes after the first ``free`` wait for ``hold`` (set by default); ``holding`` says one is waiting.
    """

    url: str = ""
    statuses: list[int] = field(default_factory=list)
    free: int = 0
    writes: list[Write] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    holding: threading.Event = field(default_factory=threading.Event)

    def accepted(self) -> list[Write]:
        return [w for w in self.writes if w.status == 204]


@pytest.fixture
def influx2() -> Iterator[Influx2]:
    fake = Influx2()
    fake.hold.set()

    class Handler(Influx2Handler):
        def _answer(self) -> None:
            parts = urllib.parse.urlsplit(self.path)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer: object = None
            status = 204
            if parts.path == "/api/v2/buckets":
                status, answer = 200, {"buckets": [{"id": "b1", "name": "sim", "orgID": "o1", "retentionRules": []}]}
            elif parts.path == "/api/v2/write":
                if len(fake.writes) >= fake.free:
                    fake.holding.set()
                    fake.hold.wait(30)
                status = fake.statuses.pop(0) if fake.statuses else 204
                if status != 204:
                    answer = {"code": "unavailable", "message": "temporarily unavailable"}
                query = dict(urllib.parse.parse_qsl(parts.query))
                fake.writes.append(Write(query, self.headers.get("Authorization", ""), body, status))
            self.reply(parts.path, status, answer)

    with serving(Handler) as url:
        fake.url = url
        try:
            yield fake
        finally:
            fake.hold.set()  # a write held back must finish before the server can shut down


def demo_frames(n: int) -> list[Frame]:
    source = DemoSource()
    return [f for seq in range(1, n + 1) if (f := source.sample(RIG, seq, T0 + seq / 60))]


async def stored(store: Store, writer: StorageWriter) -> list[int]:
    """A session of demo frames in the store; their seqs."""
    frames = demo_frames(FRAMES)
    key = SessionKey("driver", "demo", "spa", "gt3")
    writer.add(SessionOpened(SESSION, RIG, frames[0].t, frames[0].seq, key, {}))
    writer.add_frames(RIG, frames, SESSION)
    assert await writer.flush()
    return [f.seq for f in frames]


def exporter(store: Store, writer: StorageWriter, url: str) -> Exporter:
    target = InfluxV2Target(url, "my-org", "sim", "tok-123")
    return Exporter(store, target, writer.add, BATCH, poll_s=0.05, retry_min_s=0.05, retry_max_s=0.2)


def seqs_of(body: bytes) -> list[int]:
    return [int(m) for m in SEQ.findall(body)]


def test_v2_batches_go_to_the_write_api_and_the_cursor_moves_only_on_204(tmp_path: Path, influx2: Influx2) -> None:
    async def main() -> None:
        store = Store(tmp_path / "simcoach.db").open()
        writer = StorageWriter(store, interval=0.02)
        seqs = await stored(store, writer)
        # InfluxDB 2 overloaded for the first three tries; the fourth waits until the test has looked.
        influx2.statuses, influx2.free = [503, 503, 503], 3
        influx2.hold.clear()
        ex = exporter(store, writer, influx2.url)
        task = asyncio.create_task(ex.run())
        try:
            await until(influx2.holding.is_set, DEADLINE_S, lambda: str(influx2.writes))
            assert await writer.flush()
            # Refused three times: the same first batch each time, and no cursor.
            assert [w.status for w in influx2.writes] == [503, 503, 503]
            assert all(w.body == influx2.writes[0].body for w in influx2.writes)
            assert seqs_of(influx2.writes[0].body) == seqs[:BATCH]
            assert store.cursors(ex.target.key) == {}
            assert ex.reachable is False and "503" in (ex.error or "")
            assert ex.describe()["frames_written"] == 0
            influx2.hold.set()
            key = f"telemetry/{RIG}"
            await until(lambda: ex.stats.frames == len(seqs), DEADLINE_S, lambda: str(ex.describe()))
            assert await writer.flush()
            assert store.cursors(ex.target.key)[key] == seqs[-1]
            assert ex.reachable is True and ex.error is None
            # What was taken: every frame once, in order, in batches of at most BATCH frames.
            accepted = [w for w in influx2.accepted() if SEQ.search(w.body)]
            assert [s for w in accepted for s in seqs_of(w.body)] == seqs
            assert all(len(seqs_of(w.body)) <= BATCH for w in accepted)
            assert accepted[0].body == influx2.writes[0].body  # the refused batch, retried unchanged
            for w in influx2.writes:
                assert w.query == {"org": "my-org", "bucket": "sim", "precision": "ns"}
                assert w.token == "Token tok-123"
            assert b"telemetry,car=gt3,driver=driver,game=demo,rig=rig-v2,session=s-v2,track=spa " in accepted[0].body
            lag = ex.describe()["lag"]
            await until(lambda: ex.describe()["lag"].get(RIG, {}).get("frames") == 0, DEADLINE_S, lambda: str(lag))
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            writer.stop()
            await writer.run()
            await asyncio.to_thread(ex.target.close)
            store.close()

    asyncio.run(main())


def test_a_write_cut_short_by_shutdown_leaves_the_cursor_and_is_written_again(tmp_path: Path, influx2: Influx2) -> None:
    async def main() -> None:
        store = Store(tmp_path / "simcoach.db").open()
        writer = StorageWriter(store, interval=0.02)
        seqs = await stored(store, writer)
        influx2.hold.clear()  # the first write hangs in InfluxDB
        first = exporter(store, writer, influx2.url)
        task = asyncio.create_task(first.run())
        await until(influx2.holding.is_set, DEADLINE_S, "no write reached InfluxDB")
        task.cancel()  # backend shutdown mid-write
        await asyncio.gather(task, return_exceptions=True)
        influx2.hold.set()  # InfluxDB takes it after all: the cursor must not say so, nor half of it
        await until(lambda: len(influx2.writes) == 1, DEADLINE_S, lambda: str(influx2.writes))
        assert await writer.flush()
        assert store.cursors(first.target.key) == {}
        await asyncio.to_thread(first.target.close)

        # The next start writes that batch again (InfluxDB keeps one copy) and goes on from there.
        second = exporter(store, writer, influx2.url)
        task = asyncio.create_task(second.run())
        try:
            await until(lambda: second.stats.frames == len(seqs), DEADLINE_S, lambda: str(second.describe()))
            assert await writer.flush()
            assert store.cursors(second.target.key) == {f"telemetry/{RIG}": seqs[-1]}
            bodies = [w.body for w in influx2.accepted() if SEQ.search(w.body)]
            assert bodies[0] == bodies[1]
            assert sorted({s for b in bodies for s in seqs_of(b)}) == seqs
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            writer.stop()
            await writer.run()
            await asyncio.to_thread(second.target.close)
            store.close()

    asyncio.run(main())


def test_frames_take_the_tags_of_the_session_holding_them_within_one_batch(tmp_path: Path, influx2: Influx2) -> None:
    """Frames before any session are ``session=none`` (the rest unknown); a batch spanning two sessions splits."""

    async def main() -> None:
        store = Store(tmp_path / "simcoach.db").open()
        writer = StorageWriter(store, interval=0.02)
        frames = demo_frames(900)
        a, b = SessionKey("Ann", "demo", "spa", "gt3"), SessionKey("", "acc", "monza", "")
        writer.add_frames(RIG, frames[:100])  # before the rig's first session message
        writer.add(SessionOpened("s-a", RIG, frames[100].t, frames[100].seq, a, {}))
        writer.add_frames(RIG, frames[100:500], "s-a")
        writer.add(SessionOpened("s-b", RIG, frames[500].t, frames[500].seq, b, {}))
        writer.add_frames(RIG, frames[500:], "s-b")
        assert await writer.flush()
        target = InfluxV2Target(influx2.url, "my-org", "sim", "tok-123")
        ex = Exporter(store, target, writer.add, 5000, poll_s=0.05)
        task = asyncio.create_task(ex.run())
        try:
            await until(lambda: ex.stats.frames == len(frames), DEADLINE_S, lambda: str(ex.describe()))
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await asyncio.to_thread(target.close)
            writer.stop()
            await writer.run()
            store.close()
        (write,) = [w for w in influx2.accepted() if SEQ.search(w.body)]  # one batch for all three runs
        point = re.compile(rb"^telemetry,(\S+) .*?seq=(\d+)i", re.M)
        tags_of = {int(m.group(2)): m.group(1) for m in point.finditer(write.body)}
        assert len(tags_of) == len(frames)
        none = b"car=unknown,driver=unknown,game=unknown,rig=rig-v2,session=none,track=unknown"
        in_a = b"car=gt3,driver=Ann,game=demo,rig=rig-v2,session=s-a,track=spa"
        in_b = b"car=unknown,driver=unknown,game=acc,rig=rig-v2,session=s-b,track=monza"
        expected = [none] * 100 + [in_a] * 400 + [in_b] * 400
        assert [tags_of[f.seq] for f in frames] == expected

    asyncio.run(main())
