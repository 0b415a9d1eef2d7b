"""The provisioned dashboards hang together: datasource uid, variables, panel ids, queries that downsample."""

from __future__ import annotations

import re

import pytest

from tests.history.grafana import DASHBOARDS, dashboards, datasource, panels

REQUIRED = {
    "session overview",
    "lap comparison by distance",
    "corners",
    "tyres and brakes",
    "fuel and engine",
    "inputs and g-g",
}
PER_LAP = ('"laps"', '"corners"', '"events"', '"lap_trace"')
MACROS = {"timeFilter", "__interval", "__interval_ms"}


def _refs(node: object) -> list[dict[str, object]]:
    """Every datasource reference anywhere in a dashboard."""
    found: list[dict[str, object]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasource" and isinstance(value, dict):
                found.append(value)
            else:
                found += _refs(value)
    elif isinstance(node, list):
        for item in node:
            found += _refs(item)
    return found


def test_the_provisioned_datasource_takes_every_value_from_the_environment() -> None:
    ds = datasource()
    assert ds["type"] == "influxdb"
    assert ds["jsonData"]["version"] == "InfluxQL"
    for value in (ds["url"], ds["user"], ds["jsonData"]["dbName"], *ds["secureJsonData"].values()):
        assert re.search(r"\$\{INFLUXDB_[A-Z]+\}", value), f"{value!r} is not read from the environment"


def test_every_required_dashboard_is_there() -> None:
    titles = {b["title"].removeprefix("simcoach: ").lower() for b in dashboards().values()}
    assert titles >= REQUIRED
    assert len({b["uid"] for b in dashboards().values()}) == len(dashboards())


@pytest.mark.parametrize("name", sorted(p.name for p in DASHBOARDS.glob("*.json")))
def test_dashboard_is_consistent(name: str) -> None:
    board = dashboards()[name]
    uid = datasource()["uid"]
    assert 38 <= board["schemaVersion"] <= 41
    refs = _refs(board)
    assert refs
    for ref in refs:
        assert ref == {"type": "influxdb", "uid": uid}, f"{name}: datasource {ref} is not the provisioned one"

    defined = [v["name"] for v in board["templating"]["list"]]
    assert len(defined) == len(set(defined))
    for needed in ("driver", "rig", "track", "car", "session"):
        assert needed in defined
    for v in board["templating"]["list"]:
        assert v["query"].startswith("SHOW TAG VALUES FROM "), v["query"]

    ids = [p["id"] for p in panels(board)]
    assert len(ids) == len(set(ids)), f"{name}: panel ids repeat: {ids}"
    earlier: set[str] = set()
    for v in board["templating"]["list"]:
        used = {a or b for a, b in re.findall(r"\$\{(\w+)\}|\$(\w+)", v["query"])}
        assert used <= earlier, f"{name}: variable {v['name']} uses {used - earlier}, not defined before it"
        earlier.add(v["name"])

    for panel in panels(board):
        targets = panel.get("targets", [])
        assert targets, f"{name}: panel {panel['title']!r} has no query"
        assert len({t["refId"] for t in targets}) == len(targets)
        for t in targets:
            q = t["query"]
            used = {
                a or b for a, b in re.findall(r"\$\{(\w+)\}|\$(\w+)", " ".join((q, panel["title"], t.get("alias", ""))))
            }
            used = {u for u in used if not u.startswith("tag_")}
            assert used - MACROS <= set(defined), (
                f"{name}: {panel['title']!r} uses undefined {used - MACROS - set(defined)}"
            )
            if '"telemetry"' in q:
                # An hour at 60 Hz is 216,000 points: never read raw.
                assert "GROUP BY time($__interval)" in q, f"{name}: {panel['title']!r} reads raw telemetry: {q}"
            else:
                assert any(m in q for m in PER_LAP), f"{name}: {panel['title']!r} reads no known measurement"
