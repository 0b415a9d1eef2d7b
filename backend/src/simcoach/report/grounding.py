"""The grounding check: an observation is kept only if the evidence it cites holds what it says.

An observation is dropped, with every reason in plain words, when it

- says nothing of what happened;
- cites no evidence, or cites an id the packet does not have;
- names a lap (its ``lap``) or a corner (its ``corner``, compared without case) that none of its cited
  items is about;
- gives a ``session_time_s`` more than a second from every cited item's time (and from its lap's start);
- mentions a lap in its text ("on lap 9") that the session does not have;
- states a number in its text that none of its cited items holds, within the rounding the text shows.

Which tokens are numbers with meaning, and when one is held:

- A number is a run of digits with an optional sign and decimals ("0.4", "-0.35", "+2", "1,200"), with an
  optional unit after it, attached or not ("0.4 s", "120m", "85 km/h", "90 %"). A clock time is one number:
  "1:23.456" is 83.456 s and "1:02:03" is 3723 s.
- Held means: some value of a cited item (its ``numbers``, ``lap``, ``lap_dist_m``, ``session_time_s``, and
  the numbers in its ``summary``), taken without its sign, rounds to the stated number at the decimals the
  text shows: "0.4" is held by 0.42 and by -0.38, "0.40" only by 0.395 to 0.405, "120 m" by 119.6. "400 ms"
  may also be held as 0.4 (seconds) and "90 %" as 0.9 (a fraction).
- Not numbers with meaning, so never checked as such: digits inside a name (T3, GT3, S2: a digit right
  after a letter); ordinals (1st, 3rd); digits in the packet's own names (corner "Turn 3", the track,
  the car, evidence ids); "turn 3", "corner 3", "sector 2"; lap references ("lap 3", "laps 2 and 4",
  "laps 2-4"), which are checked against the session's laps instead. Numbers written as words ("a tenth")
  are not read.

A number a coach would state as a difference ("12 m later") is held only if the packet holds the
difference itself: the evidence builder puts it there (brake_later_m), the check does no arithmetic.
Priorities and uncertainty notes cite nothing; a number in one must be held by some item of the packet,
a lap it mentions must be one of the session's, and an empty one is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from simcoach.report.answer import Answer, Observation
from simcoach.report.evidence import EvidenceItem, EvidencePacket

# A model may round a session time to the second, or give the moment a little before the event.
SESSION_TIME_TOLERANCE_S = 1.0


class StatedNumber(BaseModel):
    """A number found in a text: as written, its value, the decimals it was written with, its unit."""

    model_config = ConfigDict(frozen=True)

    text: str
    value: float
    decimals: int
    unit: str | None = None


class Dropped(BaseModel):
    """An observation the evidence does not hold, and why, each reason in plain words."""

    model_config = ConfigDict(frozen=True)

    observation: Observation
    reasons: list[str]


class DroppedNote(BaseModel):
    """A priority or uncertainty note stating a number that no evidence holds."""

    model_config = ConfigDict(frozen=True)

    section: Literal["priorities", "uncertainty"]
    text: str
    reason: str


# --- reading numbers out of text ---------------------------------------------------------------------------

_UNITS = (
    r"ms|km/h|kmh|kph|mph|m/s|°C|°F|°|%|percent|psi|bar|kPa|rpm|secs?|seconds?|s|metres?|meters?|m|"
    r"litres?|liters?|l|kg|laps?|g"
)
_UNIT = re.compile(rf"\s?(?P<unit>{_UNITS})(?![A-Za-z])", re.IGNORECASE)
_ORDINAL = re.compile(r"(?:st|nd|rd|th)(?![A-Za-z])", re.IGNORECASE)
# A lap number: digits followed by no letters and no unit ("lap 4 and 5 m later": 5 m is a distance).
_LAP_NUMBER = rf"\d+(?![A-Za-z])(?!\s?(?:{_UNITS})(?![A-Za-z]))"
_LAP_REF = re.compile(
    rf"\blaps?\s*(?:no\.?\s*|#\s*)?(?P<first>{_LAP_NUMBER})"
    rf"(?P<more>(?:\s*(?:,|&|and|or|to|through|-|–)\s*(?:laps?\s*)?{_LAP_NUMBER})*)",
    re.IGNORECASE,
)
_PLACE_REF = re.compile(r"\b(?:turn|corner|sector|curve|curva|bend|kurve|virage)\s*\d+", re.IGNORECASE)
_CLOCK = re.compile(r"(?<![\w.:])(\d{1,2}):([0-5]\d)(?::([0-5]\d))?(?:\.(\d+))?(?![\w:])")
_NUMBER = re.compile(r"(?<![\w.])(?P<sign>[-−+])?(?P<whole>\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.(?P<frac>\d+))?")


def _mask(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _without_names(text: str, names: Iterable[str]) -> str:
    # Longest first, so "Turn 10" goes before "Turn 1" could half-match it; only whole names.
    for name in sorted({n for n in names if any(c.isdigit() for c in n)}, key=len, reverse=True):
        for match in list(re.finditer(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.IGNORECASE)):
            text = _mask(text, *match.span())
    for match in list(_PLACE_REF.finditer(text)):
        text = _mask(text, *match.span())
    return text


def lap_mentions(text: str, names: Iterable[str] = ()) -> list[int]:
    """Laps a text refers to by number: "lap 3", "laps 2 and 4", "laps 2-4" (both ends)."""
    text = _without_names(text, names)
    laps: list[int] = []
    for match in _LAP_REF.finditer(text):
        laps.append(int(match.group("first")))
        laps.extend(int(n) for n in re.findall(r"\d+", match.group("more")))
    return laps


def stated_numbers(text: str, names: Iterable[str] = ()) -> list[StatedNumber]:
    """The numbers with meaning a text states, in order (see the module docstring for which those are)."""
    text = _without_names(text, names)
    for match in list(_LAP_REF.finditer(text)):
        text = _mask(text, *match.span())
    found: list[tuple[int, StatedNumber]] = []
    for match in list(_CLOCK.finditer(text)):
        hours_or_minutes, minutes_or_seconds, seconds, frac = match.groups()
        if seconds is None:
            whole = int(hours_or_minutes) * 60 + int(minutes_or_seconds)
        else:
            whole = int(hours_or_minutes) * 3600 + int(minutes_or_seconds) * 60 + int(seconds)
        decimals = len(frac) if frac else 0
        total = whole + (int(frac) / 10**decimals if frac else 0.0)
        found.append((match.start(), StatedNumber(text=match.group(0), value=total, decimals=decimals, unit="s")))
        text = _mask(text, *match.span())
    for match in _NUMBER.finditer(text):
        after = text[match.end() :]
        if _ORDINAL.match(after):
            continue
        unit_match = _UNIT.match(after)
        unit = unit_match.group("unit") if unit_match else None
        frac = match.group("frac")
        digits = match.group("whole").replace(",", "") + (f".{frac}" if frac else "")
        value = float(digits) * (-1.0 if match.group("sign") in ("-", "−") else 1.0)
        written = match.group(0) + (unit_match.group(0) if unit_match else "")
        number = StatedNumber(text=written, value=value, decimals=len(frac) if frac else 0, unit=_unit_name(unit))
        found.append((match.start(), number))
    return [number for _, number in sorted(found, key=lambda pair: pair[0])]


def _unit_name(unit: str | None) -> str | None:
    if unit is None:
        return None
    lowered = unit.lower()
    if lowered == "percent":
        return "%"
    return unit


def is_held(number: StatedNumber, values: Iterable[float]) -> bool:
    """Whether some value, without its sign, rounds to the stated number at the decimals it was written with."""
    candidates = [(abs(number.value), number.decimals)]
    if number.unit == "ms":
        candidates.append((abs(number.value) / 1000, number.decimals + 3))
    elif number.unit == "%":
        candidates.append((abs(number.value) / 100, number.decimals + 2))
    pool = [abs(v) for v in values]
    for stated, decimals in candidates:
        # Half a unit of the last written decimal either way, and a hair for binary floats.
        tolerance = 0.5 * 10**-decimals + 1e-9 * max(1.0, stated)
        if any(abs(value - stated) <= tolerance for value in pool):
            return True
    return False


# --- what the evidence holds ---------------------------------------------------------------------------------


def item_values(item: EvidenceItem, names: Iterable[str] = ()) -> list[float]:
    """Every number an item holds: its measured numbers, where it happened, and the numbers in its summary."""
    values = list(item.numbers.values())
    values += [v for v in (item.lap, item.lap_dist_m, item.session_time_s) if v is not None]
    values += [n.value for n in stated_numbers(item.summary, names)]
    values += [float(lap) for lap in lap_mentions(item.summary, names)]
    return values


def packet_values(packet: EvidencePacket) -> list[float]:
    """Every number the packet holds: all its items, its lap table and the session's summary."""
    names = _names(packet)
    values = [v for item in packet.items for v in item_values(item, names)]
    for lap in packet.laps:
        values += [float(lap.lap)] + [v for v in (lap.time_s, lap.session_time_s) if v is not None]
    session = packet.session
    values += [float(session.laps)]
    values += [v for v in (session.best_lap, session.best_lap_s, session.duration_s) if v is not None]
    return values


def _names(packet: EvidencePacket) -> set[str]:
    return packet.names() | {item.id for item in packet.items}


def _held_by(cited: Sequence[EvidenceItem]) -> str:
    parts = []
    for item in cited:
        numbers = ", ".join(f"{name} {value:g}" for name, value in item.numbers.items())
        parts.append(f"{item.id} holds {numbers}" if numbers else f"{item.id} holds no numbers")
    return "; ".join(parts)


# --- the check --------------------------------------------------------------------------------------------


def observation_problems(observation: Observation, packet: EvidencePacket) -> list[str]:
    """Why an observation is not held by its evidence, in plain words; empty when it is."""
    names = _names(packet)
    problems: list[str] = []
    if not observation.what_happened.strip():
        problems.append("says nothing of what happened")
    if not observation.evidence_ids:
        problems.append("cites no evidence")
    cited: list[EvidenceItem] = []
    for evidence_id in dict.fromkeys(observation.evidence_ids):
        item = packet.item(evidence_id)
        if item is None:
            problems.append(f"cites {evidence_id!r}, which is not in the evidence")
        else:
            cited.append(item)
    if not cited:
        # Nothing to hold it against: what it names and states goes unchecked, and it is dropped for that.
        return problems
    ids = ", ".join(item.id for item in cited)

    if observation.lap is not None and all(item.lap != observation.lap for item in cited):
        held = sorted({item.lap for item in cited if item.lap is not None})
        about = f"lap {', '.join(map(str, held))}" if held else "no single lap"
        problems.append(f"names lap {observation.lap}, but its evidence ({ids}) is about {about}")

    if observation.corner is not None:
        corner = observation.corner.strip().casefold()
        if all((item.corner or "").strip().casefold() != corner for item in cited):
            held_corners = sorted({item.corner for item in cited if item.corner is not None})
            about = ", ".join(held_corners) if held_corners else "no corner"
            problems.append(f"names corner {observation.corner!r}, but its evidence ({ids}) is about {about}")

    if observation.session_time_s is not None:
        times = [item.session_time_s for item in cited if item.session_time_s is not None]
        times += [
            lap.session_time_s for lap in packet.laps if lap.lap == observation.lap and lap.session_time_s is not None
        ]
        if all(abs(t - observation.session_time_s) > SESSION_TIME_TOLERANCE_S for t in times):
            problems.append(
                f"gives session time {observation.session_time_s:g} s, which none of its evidence ({ids}) holds"
            )

    text = f"{observation.what_happened}\n{observation.what_to_try}"
    session_laps = packet.laps_present()
    for lap in dict.fromkeys(lap_mentions(text, names)):
        if lap not in session_laps:
            problems.append(f"mentions lap {lap}, which the session does not have")

    values = [v for item in cited for v in item_values(item, names)]
    for number in stated_numbers(text, names):
        if not is_held(number, values):
            problems.append(f"states {number.text.strip()!r}, which its evidence does not hold ({_held_by(cited)})")
    return problems


def check(answer: Answer, packet: EvidencePacket) -> tuple[list[Observation], list[Dropped]]:
    """The answer's observations that the evidence holds, and those it does not with the reasons."""
    kept: list[Observation] = []
    dropped: list[Dropped] = []
    for observation in answer.observations:
        problems = observation_problems(observation, packet)
        if problems:
            dropped.append(Dropped(observation=observation, reasons=problems))
        else:
            kept.append(observation)
    return kept, dropped


def check_notes(
    section: Literal["priorities", "uncertainty"], notes: Sequence[str], packet: EvidencePacket
) -> tuple[list[str], list[DroppedNote]]:
    """Notes (which cite nothing) whose every number and lap the packet holds, and the others with why."""
    names = _names(packet)
    values = packet_values(packet)
    session_laps = packet.laps_present()
    kept: list[str] = []
    dropped: list[DroppedNote] = []
    for note in notes:
        reason = _note_problem(note, names, values, session_laps)
        if reason is None:
            kept.append(note)
        else:
            dropped.append(DroppedNote(section=section, text=note, reason=reason))
    return kept, dropped


def _note_problem(note: str, names: set[str], values: list[float], session_laps: set[int]) -> str | None:
    if not note.strip():
        return "is empty"
    for lap in lap_mentions(note, names):
        if lap not in session_laps:
            return f"mentions lap {lap}, which the session does not have"
    for number in stated_numbers(note, names):
        if not is_held(number, values):
            return f"states {number.text.strip()!r}, which no evidence holds"
    return None
