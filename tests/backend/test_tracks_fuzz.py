"""Track files fuzzed: random TOML and mutated spa.toml give a usable track or an error naming the file and key."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from simcoach.tracks.loader import BUILTIN_DIR, TrackFileError, TrackInfo, TrackLibrary, load_track_file
from tests.rig_agent.fuzz.harness import OUTCOMES, Broken, ShmFolder, cpu_limit

SPA = (BUILTIN_DIR / "spa.toml").read_text(encoding="utf-8").splitlines()
KEYS = ("name", "aliases", "length_m", "sectors_m", "entry_m", "apex_m", "exit_m", "turns", "corners")
LITERALS = (
    "0", "-1", "1", "7004.0", "1e309", "-1e309", "nan", "+inf", "-inf", "-0.0", "1" + "0" * 400, "9223372036854775807",
    "0x7fffffff", "1e-320", "true", "false", '""', '"  "', '"Les Combes"', '"' + "x" * 5000 + '"', "'lit'", "[]",
    "[0]", "[0, true]", "[0.0, 2230.0, 5180.0]", "[0, 10, 5]", "[0, 1e309]", '["a", 1]', "[[0]]", "{}", '{name = "x"}',
    "1979-05-27", "07:32:00", "1979-05-27T07:32:00Z", '"\\u0000"', '"\\ud800"', "[0, nan]",
)  # fmt: skip
_LINES = st.sampled_from(range(len(SPA)))
_LITERAL = st.sampled_from(LITERALS)
_KEY = st.sampled_from(KEYS)


@dataclass(frozen=True)
class TrackFile:
    data: bytes


@st.composite
def _mutated_spa(draw: st.DrawFn) -> bytes:
    """spa.toml with values replaced by other TOML values, lines dropped, doubled or added, keys renamed."""
    lines = list(SPA)
    for _ in range(draw(st.integers(1, 6))):
        i = draw(_LINES) % max(len(lines), 1)
        op = draw(st.integers(0, 5))
        if not lines:
            lines.append(f"{draw(_KEY)} = {draw(_LITERAL)}")
        elif op <= 2 and "=" in lines[i]:
            key = lines[i].split("=", 1)[0].strip() if op else draw(_KEY)
            lines[i] = f"{key} = {draw(_LITERAL)}"
        elif op == 3:
            del lines[i]
        elif op == 4:
            lines.insert(i, lines[i])
        else:
            extra = ["[[corners]]", "[corners]", "[x]", f"{draw(_KEY)} = {draw(_LITERAL)}"]
            lines.insert(i, draw(st.sampled_from(extra)))
    return "\n".join(lines).encode("utf-8", "surrogatepass")


def track_files() -> st.SearchStrategy[TrackFile]:
    return st.one_of(
        _mutated_spa(),
        _mutated_spa(),
        _mutated_spa(),
        st.binary(max_size=300),
        st.text(max_size=300).map(str.encode),
        st.lists(st.tuples(_KEY, _LITERAL), max_size=8).map(lambda kv: "\n".join(f"{k} = {v}" for k, v in kv).encode()),
    ).map(TrackFile)


def _check_track(track: TrackInfo) -> None:
    """A track taken is one the coach can use: finite distances in order within the lap, names to show."""
    if not track.name.strip() or not all(isinstance(a, str) for a in track.aliases):
        raise Broken(f"a track without a usable name: {track.name!r}, {track.aliases!r}")
    length = track.length_m
    if length is not None and not (math.isfinite(length) and length > 0):
        raise Broken(f"length_m {length} taken")
    lap = length if length is not None else math.inf
    if track.sectors_m is not None:
        s = track.sectors_m
        in_lap = all(math.isfinite(x) and x < lap for x in s)
        if s[0] != 0.0 or not in_lap or any(b <= a for a, b in itertools.pairwise(s)):
            raise Broken(f"sectors_m {s} taken")
    for c in track.corners:
        values = (c.entry_m, c.apex_m, c.exit_m)
        if not all(math.isfinite(v) and 0 <= v <= lap for v in values) or not c.entry_m <= c.apex_m <= c.exit_m:
            raise Broken(f"corner {c.name!r} taken with {values}")
        if not c.name.strip():
            raise Broken("a corner without a name taken")


def check_track_file(folder: Path, case: TrackFile) -> None:
    """Load the file alone and as a user folder: a track that makes sense, or TrackFileError naming the file."""
    user = folder / "tracks"
    user.mkdir(exist_ok=True)
    path = user / "fuzzed.toml"
    path.write_bytes(case.data)
    try:
        _check_track(load_track_file(path))
        TrackLibrary(user)
        OUTCOMES["loaded"] += 1
    except TrackFileError as exc:
        message = str(exc)
        if not message.startswith(f"{path}: ") or len(message) < len(str(path)) + 12:
            raise Broken(f"the error does not name the file and what is wrong: {message!r}") from exc
        OUTCOMES["refused"] += 1
    except Broken:
        raise
    except Exception as exc:
        raise Broken(f"uncaught {type(exc).__name__}: {exc}") from exc


@pytest.fixture(scope="module")
def folder() -> Iterator[Path]:
    with ShmFolder() as shm_folder:
        yield shm_folder.path


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[])
@given(case=track_files())
def test_any_track_file_gives_a_usable_track_or_an_error_naming_file_and_key(folder: Path, case: TrackFile) -> None:
    with cpu_limit():
        check_track_file(folder, case)


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        # Found by the fuzzer: each of these was taken, or raised something other than TrackFileError.
        (b"name = 'X'\nlength_m = nan\n", "'length_m' must be a finite number of metres, got nan"),
        (b"name = 'X'\nlength_m = inf\n", "'length_m' must be a finite number of metres, got inf"),
        (b"name = 'X'\nlength_m = 1" + b"0" * 400 + b"\n", "'length_m' must be a finite number of metres, got 1000"),
        (b"name = 'X'\nsectors_m = [0, true]\n", "'sectors_m' must be a number of metres, got True"),
        (b"name = 'X'\nsectors_m = [0, 1e400]\n", "'sectors_m' must be a finite number of metres, got inf"),
        (b"name = '\x80'\n", "not UTF-8 text (invalid start byte at byte 8)"),
    ],
)
def test_values_toml_allows_but_no_track_has_are_refused_naming_file_and_key(
    tmp_path: Path, content: bytes, complaint: str
) -> None:
    path = tmp_path / "odd.toml"
    path.write_bytes(content)
    with pytest.raises(TrackFileError) as error:
        load_track_file(path)
    assert str(error.value).startswith(f"{path}: ")
    assert complaint in str(error.value)
