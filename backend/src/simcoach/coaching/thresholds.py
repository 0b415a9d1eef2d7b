"""The car-class threshold table (tyre, brake and technique limits) shared by the rules and the dashboard."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from simcoach_agent.telemetry import SessionInfo

TABLE_PATH: Final = Path(__file__).with_name("thresholds.toml")
DEFAULT_CLASS: Final = "default"
Compound = Literal["dry", "wet"]
COMPOUNDS: Final[tuple[Compound, ...]] = ("dry", "wet")
WINDOW_SECTIONS: Final = ("tyre_temp_c", "tyre_pressure_psi", "brake_temp_c")
# Sections that hold one window per tyre compound; the rest hold one window.
BY_COMPOUND: Final = frozenset({"tyre_temp_c", "tyre_pressure_psi"})


class ThresholdError(ValueError):
    """The threshold table is malformed; the message names the class and the entry."""


@dataclass(frozen=True, slots=True)
class Window:
    """Edges of a temperature or pressure window, in ``unit``."""

    unit: str
    optimal: tuple[float, float]
    cold_below: float | None
    hot_above: float | None
    critical_above: float | None
    margin: float
    source: str
    material: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "unit": self.unit,
            "cold_below": self.cold_below,
            "optimal": list(self.optimal),
            "hot_above": self.hot_above,
            "critical_above": self.critical_above,
            "margin": self.margin,
            "source": self.source,
        }
        if self.material is not None:
            out["material"] = self.material
        return out

    def describe(self) -> str:
        """'70-90 °C' or '26.0-27.0 psi', for messages."""
        lo, hi = self.optimal
        if self.unit == "psi":
            return f"{lo:.1f}-{hi:.1f} {self.unit}"
        return f"{lo:g}-{hi:g} {self.unit}"


@dataclass(frozen=True, slots=True)
class Param:
    """One number with its unit and where it comes from."""

    value: float
    unit: str
    source: str


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The table of one car class, as the rules read it."""

    car_class: str
    label: str
    compound: Compound
    tyre_temp_c: dict[Compound, Window]
    tyre_pressure_psi: dict[Compound, Window]
    brake_temp_c: Window | None
    params: dict[str, Param]
    aliases: tuple[str, ...] = ()

    def p(self, name: str) -> float:
        """A param's value; a name the table lacks is a programming error, said plainly."""
        try:
            return self.params[name].value
        except KeyError:
            raise KeyError(f"threshold table {self.car_class!r} has no param {name!r}") from None

    def tyre_temp(self, compound: Compound) -> Window | None:
        return self.tyre_temp_c.get(compound)

    def tyre_pressure(self, compound: Compound) -> Window | None:
        return self.tyre_pressure_psi.get(compound)

    def as_json(self) -> dict[str, Any]:
        def per_compound(windows: dict[Compound, Window]) -> dict[str, Any] | None:
            if not windows:
                return None
            return {c: (windows[c].as_json() if c in windows else None) for c in COMPOUNDS}

        return {
            "car_class": self.car_class,
            "label": self.label,
            "compound": self.compound,
            "aliases": list(self.aliases),
            "windows": {
                "tyre_temp_c": per_compound(self.tyre_temp_c),
                "tyre_pressure_psi": per_compound(self.tyre_pressure_psi),
                "brake_temp_c": self.brake_temp_c.as_json() if self.brake_temp_c else None,
            },
            "params": {k: {"value": v.value, "unit": v.unit, "source": v.source} for k, v in self.params.items()},
        }


# --- loading ------------------------------------------------------------------


def load_table(path: Path = TABLE_PATH) -> dict[str, Thresholds]:
    """Every class of the table file, parents merged in; raises ThresholdError naming what is wrong."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ThresholdError(f"{path}: {exc}") from exc
    classes = raw.get("classes")
    if not isinstance(classes, dict) or DEFAULT_CLASS not in classes:
        raise ThresholdError(f"{path}: needs a [classes.{DEFAULT_CLASS}] table")
    return {name: _build(name, _merged(name, classes, path), path) for name in classes}


def _merged(name: str, classes: dict[str, Any], path: Path, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name in seen:
        raise ThresholdError(f"{path}: class {name!r} inherits itself via {' -> '.join(seen)}")
    entry = classes.get(name)
    if not isinstance(entry, dict):
        raise ThresholdError(f"{path}: class {seen[-1]!r} inherits unknown class {name!r}")
    parent = entry.get("inherits")
    if parent is None:
        return entry
    return _deep_merge(_merged(str(parent), classes, path, (*seen, name)), entry)


def _deep_merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    out.pop("inherits", None)
    return out


def _build(name: str, entry: dict[str, Any], path: Path) -> Thresholds:
    where = f"{path.name}: [classes.{name}]"
    compound = entry.get("compound", "dry")
    if compound not in COMPOUNDS:
        raise ThresholdError(f"{where}: compound must be one of {COMPOUNDS}, not {compound!r}")

    def windows(section: str) -> dict[Compound, Window]:
        node = entry.get(section) or {}
        unknown = set(node) - set(COMPOUNDS)
        if unknown:
            raise ThresholdError(f"{where}.{section}: unknown compound(s) {sorted(unknown)}; use {COMPOUNDS}")
        return {c: _window(node[c], f"{where}.{section}.{c}") for c in COMPOUNDS if c in node}

    params: dict[str, Param] = {}
    for key, value in (entry.get("params") or {}).items():
        params[key] = _param(value, f"{where}.params.{key}")
    brake = entry.get("brake_temp_c")
    return Thresholds(
        car_class=name,
        label=str(entry.get("label", name)),
        compound=compound,
        tyre_temp_c=windows("tyre_temp_c"),
        tyre_pressure_psi=windows("tyre_pressure_psi"),
        brake_temp_c=_window(brake, f"{where}.brake_temp_c") if brake else None,
        params=params,
        aliases=tuple(str(a) for a in entry.get("aliases", ())),
    )


def _number(node: dict[str, Any], key: str, where: str, required: bool = False) -> float | None:
    value = node.get(key)
    if value is None:
        if required:
            raise ThresholdError(f"{where}: {key} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ThresholdError(f"{where}: {key} must be a number, not {value!r}")
    return float(value)


def _window(node: Any, where: str) -> Window:
    if not isinstance(node, dict):
        raise ThresholdError(f"{where}: must be a table")
    optimal = node.get("optimal")
    if not (isinstance(optimal, list) and len(optimal) == 2 and all(isinstance(v, int | float) for v in optimal)):
        raise ThresholdError(f"{where}: optimal must be [lo, hi], not {optimal!r}")
    lo, hi = float(optimal[0]), float(optimal[1])
    cold = _number(node, "cold_below", where)
    hot = _number(node, "hot_above", where)
    critical = _number(node, "critical_above", where)
    margin = _number(node, "margin", where, required=True)
    if not lo < hi:
        raise ThresholdError(f"{where}: optimal [{lo}, {hi}] must rise")
    if cold is not None and cold > lo:
        raise ThresholdError(f"{where}: cold_below {cold} is inside the optimal window [{lo}, {hi}]")
    if hot is not None and hot < hi:
        raise ThresholdError(f"{where}: hot_above {hot} is inside the optimal window [{lo}, {hi}]")
    if critical is not None and critical < (hot if hot is not None else hi):
        raise ThresholdError(f"{where}: critical_above {critical} is below the hot edge")
    if margin is None or margin < 0:
        raise ThresholdError(f"{where}: margin must be >= 0")
    for key in ("unit", "source"):
        if not isinstance(node.get(key), str) or not node[key]:
            raise ThresholdError(f"{where}: {key} must be a non-empty string")
    material = node.get("material")
    return Window(
        unit=node["unit"],
        optimal=(lo, hi),
        cold_below=cold,
        hot_above=hot,
        critical_above=critical,
        margin=margin,
        source=node["source"],
        material=str(material) if material is not None else None,
    )


def _param(node: Any, where: str) -> Param:
    if not isinstance(node, dict):
        raise ThresholdError(f"{where}: must be {{ value, unit, source }}")
    value = _number(node, "value", where, required=True)
    assert value is not None  # required above
    for key in ("unit", "source"):
        if not isinstance(node.get(key), str) or not node[key]:
            raise ThresholdError(f"{where}: {key} must be a non-empty string")
    return Param(value=value, unit=node["unit"], source=node["source"])


# --- lookup -------------------------------------------------------------------


@cache
def table() -> dict[str, Thresholds]:
    """The shipped table, read once."""
    return load_table()


def _key(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def match_class(car_class: str | None, classes: dict[str, Thresholds] | None = None) -> str | None:
    """The table class for a game's class name (case, spaces and punctuation ignored), or None.

    An exact name or alias wins; otherwise a class whose name starts the
    game's ('GT3_Gen2_2024' is GT3).
    """
    if not car_class:
        return None
    classes = table() if classes is None else classes
    wanted = _key(car_class)
    if not wanted:
        return None
    best: tuple[int, str] | None = None
    for name, th in classes.items():
        if name == DEFAULT_CLASS:
            continue
        for alias in (name, *th.aliases):
            key = _key(alias)
            if key == wanted:
                return name
            if key and wanted.startswith(key) and (best is None or len(key) > best[0]):
                best = (len(key), name)
    return best[1] if best else None


def thresholds_for(car_class: str | None) -> tuple[Thresholds, bool]:
    """The table for a class and whether it matched (False: the default stands in)."""
    classes = table()
    name = match_class(car_class, classes)
    return (classes[name], True) if name else (classes[DEFAULT_CLASS], False)


def class_for_session(session: SessionInfo | None) -> str | None:
    """The class to look up for a session: its own, or GT3 for ACC, which does not say.

    ACC's cars share one tyre model since v1.9 (26-27 psi for every class), and
    nearly all of its grid is GT3.
    """
    if session is None:
        return None
    if session.car_class:
        return session.car_class
    if session.game == "acc":
        return "GT3"
    return None
