"""Strategies for the values a game writes into its pages: every number a field can hold, and garbage text.

Tables are the test-side ``{field: (offset, struct format)}`` maps of the
page builders (acc_pages, r3e_page, rf2_pages), so the fuzzer writes where the
headers put each field, independently of the adapters' own layouts.
"""

from __future__ import annotations

import functools
import math
import random
import re
import struct
from dataclasses import dataclass
from typing import Any, Final

from hypothesis import strategies as st

Table = dict[str, tuple[int, str]]

_FORMAT = re.compile(r"^<?(\d*)([a-zA-Z?])$")
_INT_RANGES = {
    "b": (-(2**7), 2**7 - 1),
    "B": (0, 2**8 - 1),
    "h": (-(2**15), 2**15 - 1),
    "H": (0, 2**16 - 1),
    "i": (-(2**31), 2**31 - 1),
    "I": (0, 2**32 - 1),
    "q": (-(2**63), 2**63 - 1),
    "Q": (0, 2**64 - 1),
}
SPECIAL_FLOATS = (math.nan, -math.nan, math.inf, -math.inf, 0.0, -0.0, -1.0, 1.0, 1e30, -1e30, 3.4e38, 1e-40)
SPECIAL_DOUBLES = (*SPECIAL_FLOATS, 1e300, -1e300, 1.7e308, 5e-324)
GARBAGE_TEXT = ("", " ", "\x01\x02", "\u202e", "\ud7ff\ue000", "名前", "🏎️" * 8, "a" * 200, "1.9", "3.7.1", "1..", "x.y")


def _float(code: str) -> st.SearchStrategy[float]:
    if code == "f":
        return st.one_of(st.sampled_from(SPECIAL_FLOATS), st.floats(width=32), st.floats(-1e4, 1e4, width=32))
    return st.one_of(st.sampled_from(SPECIAL_DOUBLES), st.floats(), st.floats(-1e4, 1e4))


def _int(code: str) -> st.SearchStrategy[int]:
    lo, hi = _INT_RANGES[code]
    edges = sorted({lo, hi, 0, 1, -1 if lo < 0 else 2, lo + 1, hi - 1, 2, 3, 5, 128, 255})
    small = st.integers(max(lo, -5), min(hi, 300))
    return st.one_of(st.sampled_from([e for e in edges if lo <= e <= hi]), st.integers(lo, hi), small)


@functools.cache
def text_bytes(size: int) -> st.SearchStrategy[bytes]:
    """At most ``size`` bytes of a text field: garbage bytes, or text in the encodings games use, cut to fit."""
    text = st.one_of(st.sampled_from(GARBAGE_TEXT), st.text(max_size=size // 2))
    return st.one_of(
        st.binary(max_size=size),
        text.map(lambda s: s.encode("utf-16-le", "surrogatepass")[:size]),
        text.map(lambda s: s.encode("utf-8", "surrogatepass")[:size]),
    )


@functools.cache
def field_value(fmt: str) -> st.SearchStrategy[Any]:
    """A value of a struct format such as ``<i``, ``3d`` or ``64s``: one number, a tuple of them, or text bytes."""
    match = _FORMAT.match(fmt)
    assert match, fmt
    count, code = int(match.group(1) or 1), match.group(2)
    if code == "s":
        return text_bytes(count)
    if code in "fd":
        one: st.SearchStrategy[Any] = _float(code)
    elif code == "?":
        one = st.booleans()
    else:
        one = _int(code)
    return one if count == 1 else st.tuples(*[one] * count)


def pack(buf: bytearray, offset: int, fmt: str, value: Any) -> None:
    """Write a value where a field lives; a field past the end of a short page is left out, as it is not there."""
    fmt = fmt if fmt.startswith("<") else "<" + fmt
    size = struct.calcsize(fmt)
    if offset + size > len(buf):
        return
    values = value if isinstance(value, tuple) else (value,)
    struct.pack_into(fmt, buf, offset, *values)


@dataclass(frozen=True)
class Edit:
    """One change to a page: a field given a value, or raw bytes spliced in."""

    field: str | None
    offset: int
    fmt: str
    value: Any

    def apply(self, buf: bytearray) -> None:
        if self.field is None:
            if buf:
                at = self.offset % len(buf)
                end = min(len(buf), at + len(self.value))
                buf[at:end] = self.value[: end - at]
        else:
            pack(buf, self.offset, self.fmt, self.value)


def _field_edit(table: Table) -> st.SearchStrategy[Edit]:
    return st.one_of(
        *(
            field_value(fmt).map(functools.partial(Edit, name, offset, fmt))
            for name, (offset, fmt) in sorted(table.items())
            if fmt
        )
    )


_SPLICE: Final = st.builds(Edit, st.none(), st.integers(0, 2**20), st.just(""), st.binary(min_size=1, max_size=16))
_EDITS: dict[int, st.SearchStrategy[list[Edit]]] = {}


def edits(table: Table, most: int = 8) -> st.SearchStrategy[list[Edit]]:
    """Mostly field edits at the header's offsets, some raw splices anywhere; built once per table."""
    key = id(table)
    if key not in _EDITS:
        field = _field_edit(table)
        _EDITS[key] = st.lists(st.one_of(field, field, field, _SPLICE), max_size=most)
    return _EDITS[key]


def apply(page: bytes, changes: list[Edit]) -> bytes:
    buf = bytearray(page)
    for change in changes:
        change.apply(buf)
    return bytes(buf)


def _fill(spec: tuple[str, int], size: int) -> bytes:
    kind, seed = spec
    rng = random.Random(seed)
    if kind == "random":
        return rng.randbytes(size)
    if kind == "zeros":
        return bytes(size)
    if kind == "ones":
        return b"\xff" * size
    buf = bytearray(size)
    for _ in range(64):
        buf[rng.randrange(size)] = rng.randrange(256)
    return bytes(buf)


_FILLS: Final = st.tuples(st.sampled_from(["random", "random", "zeros", "ones", "sparse"]), st.integers(0, 2**64 - 1))


@functools.cache
def random_page(size: int) -> st.SearchStrategy[bytes]:
    """A page of ``size`` random bytes (from a drawn seed: drawing each byte would be far slower), or a plain fill."""
    return _FILLS.map(functools.partial(_fill, size=size))


def _resize(spec: tuple[str, int], page: bytes) -> bytes:
    kind, n = spec
    if kind == "short":
        return page[: n % max(len(page), 1)]
    if kind == "long":
        return page + bytes(1 + n % 4096)
    return page


RESIZES: Final = st.tuples(st.sampled_from(["same"] * 5 + ["short", "long"]), st.integers(0, 2**20))


def resized(page: bytes, spec: tuple[str, int]) -> bytes:
    """The page at its size mostly; sometimes cut short or longer (``spec`` drawn from RESIZES)."""
    return _resize(spec, page)


def offset_table(table: Table, base: int, prefix: str = "") -> Table:
    """A field table moved to ``base`` (a structure inside a page), its names prefixed."""
    return {prefix + name: (base + offset, fmt) for name, (offset, fmt) in table.items()}
