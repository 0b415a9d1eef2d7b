"""What every fuzz target checks: a refusal is typed and reasoned, an accepted value passes the contract, nothing hangs.

The suite runs each target's property on a small derandomized sample; the
bench (``bench/fuzz_decoders.py``) runs the same strategies and properties on
100,000 inputs and counts the inputs that break them instead of stopping at
the first.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import struct
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import msgspec

from simcoach_agent.games import shm
from simcoach_agent.games.base import GameUnavailable, LayoutMismatch, Mapper, RawSample, Reader
from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import decode_rig_message, encode

# CPU seconds one input may take before it counts as a hang; decoding one sample takes microseconds.
CPU_LIMIT_S = 2.0
RIG = "rig-fuzz"
T = 1_700_000_000.0
_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


# What the inputs gave, for the bench's report: a fuzzer that never reaches a frame proves little.
OUTCOMES: Counter[str] = Counter()


class Hang(Exception):
    """An input kept the decoder busy for longer than CPU_LIMIT_S."""


class Broken(AssertionError):
    """The property does not hold for this input; the message says how."""


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise Hang(f"more than {CPU_LIMIT_S:g} s of CPU on one input")


@contextmanager
def cpu_limit(seconds: float = CPU_LIMIT_S) -> Iterator[None]:
    """Raise Hang in this thread once the process has spent ``seconds`` of CPU.

    A CPU timer (SIGVTALRM), not a wall-clock one: pytest-timeout owns SIGALRM,
    and a loaded machine must not turn a slow input into a hang.
    """
    previous = signal.signal(signal.SIGVTALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_VIRTUAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_VIRTUAL, 0)
        signal.signal(signal.SIGVTALRM, previous)


def reasoned(exc: BaseException, *types: type[BaseException]) -> None:
    """A refusal must be one of the project's types and say why in words."""
    if not isinstance(exc, types):
        raise Broken(f"uncaught {type(exc).__name__}: {exc}") from exc
    if len(str(exc).strip()) < 8:
        raise Broken(f"{type(exc).__name__} without a reason: {exc!r}") from exc
    OUTCOMES["refused"] += 1


def check_frame(frame: object, seq: int, t: float = T) -> Frame:
    """A frame a mapper made must be one the backend takes, unchanged, with what the sampler gave it."""
    if not isinstance(frame, Frame):
        raise Broken(f"the mapper returned {type(frame).__name__}, not a Frame or None")
    if (frame.rig, frame.seq, frame.t) != (RIG, seq, t):
        raise Broken(f"the frame's rig/seq/t are {(frame.rig, frame.seq, frame.t)}, not {(RIG, seq, t)}")
    return check_contract(frame)


def check_contract(frame: Frame) -> Frame:
    """The backend takes the frame as it is: the codec decodes it with no error and unchanged."""
    try:
        data = encode(frame)
    except (TypeError, ValueError, OverflowError) as exc:
        raise Broken(f"the frame cannot be encoded: {exc}") from exc
    incoming = decode_rig_message(data)
    if incoming.errors or len(incoming.frames) != 1:
        raise Broken(f"the contract refuses the frame: {[e.reason for e in incoming.errors]}")
    if msgspec.msgpack.encode(incoming.frames[0]) != data:
        raise Broken("the frame changes on its way through the codec")
    if not frame.seq < 2**63:
        raise Broken(f"seq {frame.seq} does not fit the store's 64-bit integer")
    return frame


def check_session(info: object) -> None:
    """A session message a mapper made must be one the backend takes."""
    if info is None:
        return
    if not isinstance(info, SessionInfo):
        raise Broken(f"session() returned {type(info).__name__}, not SessionInfo or None")
    incoming = decode_rig_message(encode(info))
    if incoming.errors or incoming.session is None:
        raise Broken(f"the contract refuses the session message: {[e.reason for e in incoming.errors]}")


def check_status(status: object) -> None:
    if not isinstance(status, str) or not status.strip():
        raise Broken(f"status() gave {status!r}, not a sentence")


def is_name(value: str) -> bool:
    """Whether ``value`` may be a rig's name on the wire (the frame's ``Name``)."""
    return bool(_NAME.match(value))


class ShmFolder:
    """A folder under /dev/shm where this process's readers look for the games' pages, written in place."""

    def __init__(self) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="simcoach-fuzz-", dir="/dev/shm"))
        self._saved = shm.SHM_DIR

    def __enter__(self) -> ShmFolder:
        shm.SHM_DIR = self.path
        return self

    def __exit__(self, *exc: object) -> None:
        shm.SHM_DIR = self._saved
        shutil.rmtree(self.path, ignore_errors=True)

    def clear(self) -> None:
        for entry in self.path.iterdir():
            entry.unlink()

    def write(self, name: str, data: bytes | None) -> None:
        """Put a page as the game does (None removes it); the size changes only when the reader has none mapped."""
        path = self.path / name
        if data is None:
            path.unlink(missing_ok=True)
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            if os.fstat(fd).st_size != len(data):
                os.ftruncate(fd, len(data))
            os.pwrite(fd, data, 0)
        finally:
            os.close(fd)

    def rewrite(self, name: str, data: bytes) -> None:
        """Change a page the reader has mapped, keeping its size (a mapped file that shrinks is a SIGBUS)."""
        path = self.path / name
        if not path.exists():
            return
        fd = os.open(path, os.O_RDWR)
        try:
            size = os.fstat(fd).st_size
            os.pwrite(fd, data[:size].ljust(size, b"\0"), 0)
        finally:
            os.close(fd)


# --- shared-memory games: the reader on real pages, and the mapper alone as a replayed capture feeds it ----------

Pages = dict[str, bytes | None]  # file name under the shm folder -> bytes (None: the page is absent)
Parts = tuple[tuple[str, bytes], ...]


def map_one(mapper: Mapper, raw: RawSample, seq: int) -> None:
    """One sample through the mapper: a frame that passes the contract, or None with a status that says why."""
    try:
        frame = mapper.map(raw, RIG, seq, T)
    except Exception as exc:
        reasoned(exc, GameUnavailable, LayoutMismatch)
        return
    if frame is not None:
        check_frame(frame, seq)
    OUTCOMES["frame" if frame is not None else "no frame"] += 1
    check_session(mapper.session())
    check_status(mapper.status())


def run_reader(
    folder: ShmFolder,
    states: list[Pages],
    *,
    make_reader: Callable[[], Reader],
    make_mapper: Callable[[], Mapper],
    tick: Callable[[ShmFolder], None],
    reads: int = 2,
) -> None:
    """Write the first state, attach, then read ``reads`` times per state (ticking the game between reads)."""
    folder.clear()
    for name, data in states[0].items():
        folder.write(name, data)
    reader, mapper = make_reader(), make_mapper()
    try:
        reader.open()
    except Exception as exc:
        reasoned(exc, GameUnavailable, LayoutMismatch)
        reader.close()
        return
    seq = 0
    try:
        for index, state in enumerate(states):
            if index:
                for name, data in state.items():
                    if data is not None:
                        folder.rewrite(name, data)
            for _ in range(reads):
                raw = reader.read()
                if raw is not None:
                    if not isinstance(raw, RawSample):
                        raise Broken(f"read() returned {type(raw).__name__}")
                    seq += 1
                    map_one(mapper, raw, seq)
                tick(folder)
    except Broken:
        raise
    except Exception as exc:
        reasoned(exc, GameUnavailable, LayoutMismatch)
    finally:
        reader.close()


def run_mapper(samples: list[Parts], make_mapper: Callable[[], Mapper]) -> None:
    """Samples handed straight to a mapper, as a replayed capture does: parts of any size, some missing."""
    mapper = make_mapper()
    for seq, parts in enumerate(samples, start=1):
        map_one(mapper, RawSample(1000.0 + seq / 60, parts), seq)


def bump_i32(data: bytes, offset: int, by: int = 1) -> bytes:
    """``data`` with the int32 at ``offset`` moved on (a counter the game advances), if the data reaches it."""
    if len(data) < offset + 4:
        return data
    value = (struct.unpack_from("<i", data, offset)[0] + by + 2**31) % 2**32 - 2**31
    return data[:offset] + struct.pack("<i", value) + data[offset + 4 :]


def tick_file(folder: ShmFolder, name: str, offset: int) -> None:
    """Advance the int32 counter at ``offset`` of a page in place."""
    path = folder.path / name
    if not path.exists():
        return
    fd = os.open(path, os.O_RDWR)
    try:
        if os.fstat(fd).st_size >= offset + 4:
            os.pwrite(fd, bump_i32(os.pread(fd, 4, offset), 0), offset)
    finally:
        os.close(fd)
