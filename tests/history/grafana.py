"""The provisioned Grafana dashboards as Grafana runs them: variables from their own queries, macros substituted.

What Grafana does to an InfluxQL query before sending it, reproduced for the
tests and the bench: ``$timeFilter`` becomes ``time >= <from>ms and time <=
<to>ms``; ``$__interval`` the time range over the panel's data points,
rounded the way Grafana rounds it and never below the datasource's minimum;
``$__interval_ms`` the same in milliseconds; ``$name`` and ``${name}`` a
template variable's value. A variable takes the first value its query gives,
except a second lap variable, which takes the second (two laps to compare).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.influx import InfluxServer

REPO = Path(__file__).resolve().parents[2]
PROVISIONING = REPO / "grafana" / "provisioning"
DASHBOARDS = PROVISIONING / "dashboards" / "simcoach"
DATASOURCE = PROVISIONING / "datasources" / "influxdb.yaml"
MAX_DATA_POINTS = 1000  # about a full-width panel's pixels, which Grafana uses

_VARIABLE = re.compile(r"\$\{(\w+)\}|\$(\w+)")

# Grafana's roundInterval: (below this many ms, use this interval).
_ROUND = [
    (15, 10), (35, 20), (75, 50), (150, 100), (350, 200), (750, 500), (1500, 1000), (3500, 2000),
    (7500, 5000), (12500, 10000), (17500, 15000), (25000, 20000), (45000, 30000), (90000, 60000),
    (210000, 120000), (450000, 300000), (750000, 600000), (1050000, 900000), (1500000, 1200000),
    (2700000, 1800000), (5400000, 3600000), (9000000, 7200000), (16200000, 10800000), (27000000, 21600000),
    (39600000, 43200000), (604800000, 86400000),
]  # fmt: skip


def datasource() -> dict[str, Any]:
    ds: dict[str, Any] = yaml.safe_load(DATASOURCE.read_text())["datasources"][0]
    return ds


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted(DASHBOARDS.glob("*.json"))}


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])  # rows that hold panels


def _ms(text: str) -> int:
    m = re.fullmatch(r"(\d+)(ms|s|m|h)", text)
    assert m, f"not an interval: {text!r}"
    return int(m[1]) * {"ms": 1, "s": 1000, "m": 60000, "h": 3600000}[m[2]]


def interval(from_ms: int, to_ms: int, min_interval: str) -> tuple[str, int]:
    """Grafana's $__interval and $__interval_ms for a time range."""
    raw = (to_ms - from_ms) / MAX_DATA_POINTS
    ms = next((to for below, to in _ROUND if raw < below), 604800000)
    ms = max(ms, _ms(min_interval))
    for unit, size in (("h", 3600000), ("m", 60000), ("s", 1000)):
        if ms % size == 0:
            return f"{ms // size}{unit}", ms
    return f"{ms}ms", ms


@dataclass
class Context:
    from_ms: int
    to_ms: int
    values: dict[str, str]

    def render(self, query: str, min_interval: str) -> str:
        text, ms = interval(self.from_ms, self.to_ms, min_interval)
        macros = {
            "timeFilter": f"time >= {self.from_ms}ms and time <= {self.to_ms}ms",
            "__interval": text,
            "__interval_ms": str(ms),
        }

        def sub(m: re.Match[str]) -> str:
            name = m[1] or m[2]
            if name in macros:
                return macros[name]
            if name.startswith("tag_"):
                return m[0]  # an alias pattern ($tag_corner), filled from the result by Grafana
            if name not in self.values:
                raise KeyError(f"variable ${name} is not defined (or not resolved yet)")
            return self.values[name]

        return _VARIABLE.sub(sub, query)


def variable_values(server: InfluxServer, query: str) -> list[str]:
    """A SHOW TAG VALUES variable's options, as Grafana lists them."""
    return [str(row[1]) for s in server.series(query) for row in s.get("values", [])]


def resolve(board: dict[str, Any], server: InfluxServer, ctx: Context, min_interval: str) -> dict[str, list[str]]:
    """Resolve the board's variables in order into ``ctx.values``; every variable's options, by name."""
    options: dict[str, list[str]] = {}
    for var in board["templating"]["list"]:
        found = variable_values(server, ctx.render(var["query"], min_interval))
        sort = var.get("sort", 0)
        if sort in (3, 4):
            found.sort(key=lambda v: float(v) if v.replace(".", "", 1).isdigit() else float("inf"))
        elif sort in (1, 2):
            found.sort()
        if sort in (2, 4):
            found.reverse()
        options[var["name"]] = found
        if not found:
            raise AssertionError(f"variable ${var['name']} has no value: {var['query']}")
        # The second of two lap variables compares with the first: it takes the next lap.
        pick = 1 if var["name"].endswith("_b") and len(found) > 1 else 0
        ctx.values[var["name"]] = found[pick]
    return options
