"""Fuzzing the rig ingest endpoint over a real WebSocket: Hypothesis inputs, what each must get back, and a client.

Shared by ``tests/integration/test_ingest_fuzz.py`` (a fast sample) and
``bench/fuzz_ingest.py`` (100,000 inputs and more). Every generated input is a
``Case``: the message to send (msgpack bytes or JSON text) with the refusals it
must get, each naming its reason (a field, or what is wrong), and the frames in
it that must be stored. The client sends each case followed by a probe (a
second hello, which the backend always refuses with the same reason), so the
answers to one input are the errors between two probes; many cases go out
before their answers are read.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import msgspec
from hypothesis import strategies as st
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from simcoach_agent.telemetry import Frame, SessionInfo
from simcoach_agent.telemetry.codec import MAX_MESSAGE_BYTES, decode_server_message, encode
from simcoach_agent.telemetry.messages import Ack, Error, Hello, Welcome
from tests.helpers import frame_dict as _frame_dict

_TEMPLATE = _frame_dict("template", 0)


def frame_dict(rig: str, seq: int) -> dict[str, Any]:
    """A valid frame as a dict (one template: a fuzzer builds hundreds of thousands)."""
    return _TEMPLATE | {"rig": rig, "seq": seq, "t": 1_700_000_000.0 + seq / 60}


PROBE_REASON = "hello was already received on this connection"
_FRAME_INFO = msgspec.inspect.type_info(Frame)
assert isinstance(_FRAME_INFO, msgspec.inspect.StructType)
FIELDS = {f.name: f for f in _FRAME_INFO.fields}
REQUIRED = [f.name for f in _FRAME_INFO.fields if f.required]


@dataclass
class Refusal:
    """An error the backend must answer: its reason contains ``names`` (when given), at ``index`` in a batch.

    ``field`` is a frame field the reason must name (as msgspec does: `name`, `$.name` or `$.name[i]`).
    """

    names: str | None = None
    index: int | None = None
    seq: int | None = None
    field: str | None = None


@dataclass
class Case:
    label: str
    payload: bytes | str
    refusals: list[Refusal] = field(default_factory=list)
    stored: list[int] = field(default_factory=list)


Render = Callable[[Iterator[int]], Case]


# --- values -----------------------------------------------------------------------
def _bounds(t: Any) -> tuple[Any, Any]:
    """The innermost msgspec type of a field with its (lo, hi) when it has them, nullable or not."""
    if isinstance(t, msgspec.inspect.UnionType):
        t = next(x for x in t.types if not isinstance(x, msgspec.inspect.NoneType))
    if isinstance(t, msgspec.inspect.Metadata):
        t = t.type
    return t, (getattr(t, "ge", None), getattr(t, "le", None))


_WRONG_FOR_NUMBER = st.one_of(st.text(max_size=8), st.booleans(), st.lists(st.integers(0, 9), max_size=3), st.just({}))
_WRONG_FOR_INT = st.one_of(_WRONG_FOR_NUMBER, st.floats(allow_nan=False, allow_infinity=False))
_WRONG_FOR_BOOL = st.one_of(st.integers(-5, 5), st.text(max_size=5), st.floats(allow_nan=False, allow_infinity=False))


@functools.cache  # building strategies costs more than drawing from them
def _wrong_value(name: str, binary: bool) -> st.SearchStrategy[Any]:
    """A value of the wrong type, or out of the field's range (NaN and infinity only in msgpack)."""
    t, (lo, hi) = _bounds(FIELDS[name].type)
    if isinstance(t, msgspec.inspect.FloatType):
        out: list[st.SearchStrategy[Any]] = [_WRONG_FOR_NUMBER]
        if hi is not None:
            out.append(st.floats(min_value=hi, exclude_min=True, allow_infinity=False))
        if lo is not None:
            out.append(st.floats(max_value=lo, exclude_max=True, allow_infinity=False))
        if binary:
            out.append(st.sampled_from([math.nan, math.inf, -math.inf]))
        return st.one_of(out)
    if isinstance(t, msgspec.inspect.IntType):
        ints: list[st.SearchStrategy[Any]] = [_WRONG_FOR_INT]
        if hi is not None:
            ints.append(st.integers(min_value=hi + 1, max_value=max(hi + 1, 2**63 - 1)))
        if lo is not None:
            ints.append(st.integers(min_value=-(2**63), max_value=lo - 1))
        return st.one_of(ints)
    if isinstance(t, msgspec.inspect.BoolType):
        return _WRONG_FOR_BOOL
    if isinstance(t, msgspec.inspect.StrType):
        return st.one_of(
            st.integers(-(2**63), 2**63 - 1),
            st.text(alphabet=" /:é*", min_size=1, max_size=5),
            st.just(""),
            st.just("x" * 65),
        )
    # Four wheels: wrong lengths, wrong element types, values out of range.
    return st.one_of(
        st.lists(st.floats(0, 1), max_size=8).filter(lambda v: len(v) != 4),
        st.text(max_size=4),
        st.lists(st.text(max_size=2), min_size=4, max_size=4),
        st.lists(st.just(1e9), min_size=4, max_size=4),
    )


def _encode(message: Any, binary: bool) -> bytes | str:
    return msgspec.msgpack.encode(message) if binary else json.dumps(message, allow_nan=False)


# --- frames --------------------------------------------------------------------------
@st.composite
def _frame_item(draw: st.DrawFn, rig: str, binary: bool) -> Callable[[int], tuple[dict[str, Any], Refusal | None]]:
    """A frame (as a dict to encode) given its seq: valid, or with one thing wrong and the refusal it gets."""
    kind = draw(st.sampled_from(["valid", "valid", "extra key", "wrong value", "missing", "other rig"]))
    if kind in ("valid", "extra key"):
        extra = (
            {draw(st.text(min_size=1, max_size=6).filter(lambda k: k not in FIELDS and k != "type")): 1}
            if kind == "extra key"
            else {}
        )
        return lambda seq: (frame_dict(rig, seq) | extra, None)
    if kind == "other rig":
        return lambda seq: (frame_dict("rig-b", seq), Refusal("frame for rig 'rig-b'", None, seq))
    if kind == "missing":
        name = draw(st.sampled_from(REQUIRED))
        return lambda seq: (
            {k: v for k, v in frame_dict(rig, seq).items() if k != name},
            Refusal(field=name, seq=None if name == "seq" else seq),
        )
    name = draw(st.sampled_from(sorted(FIELDS)))
    value = draw(_wrong_value(name, binary))
    return lambda seq: (frame_dict(rig, seq) | {name: value}, Refusal(field=name, seq=None if name == "seq" else seq))


@st.composite
def frame_cases(draw: st.DrawFn, rig: str) -> Render:
    binary = draw(st.booleans())
    item = draw(_frame_item(rig, binary))

    def render(seqs: Iterator[int]) -> Case:
        seq = next(seqs)
        message, refusal = item(seq)
        return Case("frame", _encode(message, binary), [refusal] if refusal else [], [] if refusal else [seq])

    return render


@st.composite
def batch_cases(draw: st.DrawFn, rig: str) -> Render:
    """A batch mixing good and bad frames: each bad one is refused with its index, the good ones are stored."""
    binary = draw(st.booleans())
    items = draw(st.lists(_frame_item(rig, binary), min_size=0, max_size=12))

    def render(seqs: Iterator[int]) -> Case:
        frames, refusals, stored = [], [], []
        for index, item in enumerate(items):
            seq = next(seqs)
            message, refusal = item(seq)
            frames.append(message)
            if refusal is None:
                stored.append(seq)
            else:
                # Refusals by the codec carry their index; a frame of another rig is refused after decoding.
                refusal.index = None if refusal.names and refusal.names.startswith("frame for rig") else index
                refusals.append(refusal)
        return Case("batch", _encode({"type": "frames", "frames": frames}, binary), refusals, stored)

    return render


@st.composite
def huge_batch_cases(draw: st.DrawFn, rig: str) -> Render:
    """A batch of valid frames around the 1 MiB limit: stored whole, or refused whole with the limit named."""
    binary = draw(st.booleans())
    count = draw(st.integers(800, 2400))

    def render(seqs: Iterator[int]) -> Case:
        numbers = [next(seqs) for _ in range(count)]
        payload = _encode({"type": "frames", "frames": [frame_dict(rig, s) for s in numbers]}, binary)
        # The limit counts what the backend receives: bytes, or characters of a text message.
        label = f"huge batch ({count} frames, {len(payload)} long)"
        if len(payload) > MAX_MESSAGE_BYTES:
            return Case(label, payload, [Refusal("exceeds the limit")], [])
        return Case(label, payload, [], numbers)

    return render


@st.composite
def truncated_cases(draw: st.DrawFn, rig: str) -> Render:
    """A valid message cut short: refused as truncated, nothing stored."""
    binary = draw(st.booleans())
    count = draw(st.integers(1, 4))
    cut = draw(st.floats(0.0, 0.999))

    def render(seqs: Iterator[int]) -> Case:
        frames = [frame_dict(rig, next(seqs)) for _ in range(count)]
        message = frames[0] if count == 1 else {"type": "frames", "frames": frames}
        whole = _encode(message, binary)
        payload = whole[: int(len(whole) * cut)]
        return Case("truncated", payload, [Refusal("truncated" if binary else None)], [])

    return render


@st.composite
def junk_cases(draw: st.DrawFn) -> Render:
    """Random bytes, random text, JSON that is not a map, unknown types, bad sessions: each refused with a reason."""
    kind = draw(st.sampled_from(["bytes", "text", "json value", "unknown type", "bad session", "session", "deep"]))
    refusal: Refusal | None
    if kind == "bytes":
        payload: bytes | str = draw(st.binary(max_size=300))
        refusal = Refusal()
    elif kind == "text":
        payload = draw(st.text(max_size=200))
        refusal = Refusal()
    elif kind == "json value":
        value = draw(
            st.one_of(
                st.none(),
                st.integers(-(2**63), 2**64 - 1),
                st.text(max_size=10),
                st.lists(st.integers(0, 9), max_size=4),
            )
        )
        payload = _encode(value, draw(st.booleans()))
        refusal = Refusal("not a protocol message")
    elif kind == "unknown type":
        name = draw(st.text(max_size=12).filter(lambda t: t not in ("frame", "frames", "session", "hello")))
        payload = _encode({"type": name, "rain": 1}, draw(st.booleans()))
        refusal = Refusal("unknown message type")
    elif kind == "deep":
        # A seq nested in thousands of arrays: a decoder that recursed without bound would crash here.
        depth = draw(st.integers(1, 5000))
        payload = b"\x83\xa4type\xa5frame\xa3rig\xa5rig-a\xa3seq" + b"\x91" * depth + b"\x01"
        refusal = Refusal()
    else:
        binary = draw(st.booleans())
        session = {"type": "session", "game": "acc", "track": "spa", "car": "amg_gt3"}
        if kind == "bad session":
            name = draw(st.sampled_from(["game", "track", "track_length_m", "session_laps", "driver"]))
            wrong = draw(
                st.one_of(st.integers(-(2**63), -1), st.text(min_size=201, max_size=210), st.just([1]), st.just({}))
            )
            if name == "track_length_m" and isinstance(wrong, int):
                wrong = -1.5
            session[name] = wrong
            refusal = Refusal("bad session message")
        else:
            refusal = None
        payload = _encode(session, binary)
    return lambda seqs: Case(kind, payload, [refusal] if refusal else [], [])


def cases(rig: str) -> st.SearchStrategy[Render]:
    """Any one input; huge batches are rare, since each costs a megabyte."""
    return st.one_of(
        frame_cases(rig),
        batch_cases(rig),
        truncated_cases(rig),
        junk_cases(),
        st.integers(0, 200).flatmap(lambda n: huge_batch_cases(rig) if n == 0 else frame_cases(rig)),
    )


def _field_names(name: str) -> tuple[str, ...]:
    return f"`{name}`", f"`$.{name}`", f"`$.{name}["


def _matches(error: Error, want: Refusal) -> bool:
    return (
        bool(error.reason.strip())
        and (want.names is None or want.names in error.reason)
        and (want.field is None or any(n in error.reason for n in _field_names(want.field)))
        and (want.index is None or error.index == want.index)
        and (want.seq is None or error.seq == want.seq)
    )


def open_ingest(ws_base: str, token: str) -> ClientConnection:
    """A rig connection to use in a ``with`` block."""
    return connect(f"{ws_base}/ws/ingest", additional_headers={"Authorization": f"Bearer {token}"}, max_size=2**24)


# --- the client ----------------------------------------------------------------------
class IngestFuzzer:
    """One rig connection that sends cases and checks what comes back; failures are collected, not raised."""

    def __init__(self, ws: ClientConnection, rig: str, first_seq: int = 1) -> None:
        self.rig = rig
        self.ws = ws
        self.ws.send(encode(Hello(rig=rig)))
        welcome = decode_server_message(self.ws.recv(timeout=30))
        assert isinstance(welcome, Welcome)
        self.ws.send(encode(SessionInfo(game="acc", track="spa", car="amg_gt3", car_class="GT3")))
        self._seq = max(first_seq, (welcome.last_seq or 0) + 1)
        self.stored: list[int] = []
        self.inputs = 0
        self.failures: list[str] = []
        self.acked: int | None = None

    def _seqs(self) -> Iterator[int]:
        while True:
            self._seq += 1
            yield self._seq

    def send(self, renders: list[Render]) -> list[Case]:
        """Send cases, each followed by a probe, then check every answer; returns the cases sent."""
        seqs = self._seqs()
        sent = []
        for render in renders:
            case = render(seqs)
            self.ws.send(case.payload)
            self.ws.send(encode(Hello(rig=self.rig)))
            sent.append(case)
        for case in sent:
            self._check(case, self._answers())
            self.stored += case.stored
        self.inputs += len(sent)
        return sent

    def _answers(self) -> list[Error]:
        errors: list[Error] = []
        while True:
            try:
                message = decode_server_message(self.ws.recv(timeout=60))
            except ConnectionClosed as exc:
                raise AssertionError(f"the backend closed the connection: {exc}") from exc
            if isinstance(message, Ack):
                self.acked = message.seq
            elif isinstance(message, Error):
                if message.reason == PROBE_REASON:
                    return errors
                errors.append(message)

    def _check(self, case: Case, errors: list[Error]) -> None:
        problem = None
        if len(errors) != len(case.refusals):
            problem = f"{len(errors)} errors for {len(case.refusals)} refusals: {[e.reason for e in errors]}"
        else:
            left = list(errors)
            for want in case.refusals:
                match = next((e for e in left if _matches(e, want)), None)
                if match is None:
                    problem = f"no error with {want} among {[(e.reason, e.index, e.seq) for e in left]}"
                    break
                left.remove(match)
        if problem is not None:
            shown = case.payload[:160]
            self.failures.append(f"{case.label}: {problem}; input {shown!r}")

    def wait_acked(self, timeout: float = 60.0) -> None:
        """Until the backend acknowledges the newest stored frame sent (answers keep being read)."""
        if not self.stored:
            return
        newest = max(self.stored)
        deadline = time.monotonic() + timeout
        while self.acked is None or self.acked < newest:
            if time.monotonic() > deadline:
                raise AssertionError(f"frames up to {newest} not acknowledged in {timeout} s (acked {self.acked})")
            with contextlib.suppress(TimeoutError):
                message = decode_server_message(self.ws.recv(timeout=0.5))
                if isinstance(message, Ack):
                    self.acked = message.seq

    def check_store(self, db: Path) -> list[str]:
        """Every valid frame sent is in the store exactly once, and no refused one."""
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)) as conn:
            rows = [r[0] for r in conn.execute("SELECT seq FROM frames WHERE rig = ? ORDER BY seq", (self.rig,))]
        problems = []
        if sorted(self.stored) != rows:
            missing = sorted(set(self.stored) - set(rows))[:10]
            extra = sorted(set(rows) - set(self.stored))[:10]
            problems.append(
                f"store: {len(rows)} rows for {len(self.stored)} valid frames; missing {missing}, extra {extra}"
            )
        return problems
