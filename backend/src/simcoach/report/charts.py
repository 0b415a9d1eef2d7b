"""The report's charts as inline SVG: lap times, best lap against the reference by distance, the delta, time per corner.

Inline SVG because a report is one file that opens anywhere (a mail, an
archive, offline) and prints sharp; no chart library is needed for four
plain charts, and none is loaded. Each chart is an ``<svg>`` with
``data-chart`` naming it and a ``<title>``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

import numpy as np

from simcoach.coaching.trace import FloatArray, LapTrace

W, H = 720, 220
PAD_L, PAD_R, PAD_T, PAD_B = 48, 12, 14, 28
COLOURS = {"a": "#4aa3ff", "b": "#ff9f43", "good": "#2ecc71", "bad": "#ff5c5c", "muted": "#8892a0", "grid": "#d0d4da"}


def _svg(name: str, title: str, body: list[str], height: int = H) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" data-chart="{name}" viewBox="0 0 {W} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _scale(lo: float, hi: float, out_lo: float, out_hi: float) -> tuple[float, float]:
    span = hi - lo if hi > lo else 1.0
    k = (out_hi - out_lo) / span
    return k, out_lo - lo * k


def _axis_y(lo: float, hi: float, unit: str, height: int = H) -> list[str]:
    k, b = _scale(lo, hi, height - PAD_B, PAD_T)
    out = []
    for v in np.linspace(lo, hi, 5):
        y = k * v + b
        out.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{y:.1f}" y2="{y:.1f}" stroke="{COLOURS["grid"]}"/>')
        out.append(f'<text x="{PAD_L - 4}" y="{y + 4:.1f}" text-anchor="end">{v:.4g}</text>')
    out.append(f'<text x="4" y="{PAD_T - 2}">{escape(unit)}</text>')
    return out


def _polyline(
    x: FloatArray, y: FloatArray, x_range: tuple[float, float], y_range: tuple[float, float], colour: str
) -> str:
    kx, bx = _scale(*x_range, PAD_L, W - PAD_R)
    ky, by = _scale(*y_range, H - PAD_B, PAD_T)
    points = " ".join(f"{kx * a + bx:.1f},{ky * v + by:.1f}" for a, v in zip(x, y, strict=True) if not math.isnan(v))
    return f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" points="{points}"/>'


def _x_axis_m(lo: float, hi: float) -> list[str]:
    kx, bx = _scale(lo, hi, PAD_L, W - PAD_R)
    out = []
    for v in np.linspace(lo, hi, 8):
        out.append(f'<text x="{kx * v + bx:.1f}" y="{H - 8}" text-anchor="middle">{v:.0f}</text>')
    out.append(f'<text x="{W - PAD_R}" y="{H - 18}" text-anchor="end">m</text>')
    return out


def lap_times(laps: Sequence[tuple[int, float, bool]], best_lap: int | None) -> str:
    """Bars of each lap's time (lap, seconds, clean); the best in green, laps that were not clean in grey."""
    if not laps:
        return _svg("lap-times", "Lap times", ['<text x="20" y="40">No laps</text>'])
    times = [t for _, t, _ in laps]
    lo, hi = min(times) - 0.5, max(times) + 0.2
    ky, by = _scale(lo, hi, H - PAD_B, PAD_T)
    slot = (W - PAD_L - PAD_R) / len(laps)
    body = _axis_y(lo, hi, "s")
    for i, (lap, t, clean) in enumerate(laps):
        colour = COLOURS["good"] if lap == best_lap else (COLOURS["a"] if clean else COLOURS["muted"])
        x, y = PAD_L + i * slot + slot * 0.15, ky * t + by
        body.append(
            f'<rect data-lap="{lap}" x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{H - PAD_B - y:.1f}" fill="{colour}"><title>Lap {lap}: {t:.3f} s</title></rect>'
        )
        body.append(f'<text x="{x + slot * 0.35:.1f}" y="{H - 8}" text-anchor="middle">{lap}</text>')
    return _svg("lap-times", "Lap times", body)


def _grid(a: LapTrace, b: LapTrace, step_m: float) -> FloatArray:
    lo = max(a.start_m, b.start_m)
    hi = min(a.start_m + len(a) - 1, b.start_m + len(b) - 1)
    return np.arange(lo, hi + 1e-9, step_m)


def speed_trace(best: LapTrace, reference: LapTrace, step_m: float = 10.0) -> str:
    """Speed by distance: the session's best lap (blue) over the reference (orange)."""
    at = _grid(best, reference, step_m)
    va = np.interp(at, best.dist_m, best.channel("speed_kmh"))
    vb = np.interp(at, reference.dist_m, reference.channel("speed_kmh"))
    both = np.concatenate([va, vb])
    lo, hi = float(np.nanmin(both)) - 5, float(np.nanmax(both)) + 5
    body = _axis_y(lo, hi, "km/h") + _x_axis_m(float(at[0]), float(at[-1]))
    body.append(_polyline(at, vb, (at[0], at[-1]), (lo, hi), COLOURS["b"]))
    body.append(_polyline(at, va, (at[0], at[-1]), (lo, hi), COLOURS["a"]))
    return _svg("speed-trace", "Speed of the best lap (blue) and the reference (orange) by distance", body)


def delta_trace(lap: LapTrace, reference: LapTrace, step_m: float = 10.0) -> str:
    """Time behind the reference by distance (above zero: behind)."""
    at = _grid(lap, reference, step_m)
    delta = np.interp(at, lap.dist_m, lap.time_s) - np.interp(at, reference.dist_m, reference.time_s)
    lo, hi = min(float(np.nanmin(delta)), 0.0) - 0.05, max(float(np.nanmax(delta)), 0.0) + 0.05
    body = _axis_y(lo, hi, "s") + _x_axis_m(float(at[0]), float(at[-1]))
    _, by = _scale(lo, hi, H - PAD_B, PAD_T)
    body.append(f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{by:.1f}" y2="{by:.1f}" stroke="{COLOURS["muted"]}"/>')
    body.append(_polyline(at, delta, (at[0], at[-1]), (lo, hi), COLOURS["bad"]))
    return _svg("delta-trace", "Delta of the best lap to the reference by distance (up: behind)", body)


def corner_losses(corners: Sequence[tuple[str, float]]) -> str:
    """Horizontal bars: time lost (red) or gained (green) at each corner over the session's clean laps."""
    height = PAD_T + PAD_B + 18 * max(1, len(corners))
    if not corners:
        return _svg("corner-losses", "Time lost per corner", ['<text x="20" y="40">No corners measured</text>'], 80)
    span = max(0.05, *(abs(v) for _, v in corners))
    x0 = 160 + (W - 160 - PAD_R) / 2
    k = (W - 160 - PAD_R) / 2 / span
    body = [f'<line x1="{x0:.1f}" x2="{x0:.1f}" y1="{PAD_T}" y2="{height - PAD_B}" stroke="{COLOURS["muted"]}"/>']
    for i, (name, v) in enumerate(corners):
        y = PAD_T + 18 * i
        w = abs(v) * k
        x = x0 if v >= 0 else x0 - w
        colour = COLOURS["bad"] if v >= 0 else COLOURS["good"]
        body.append(f'<text x="154" y="{y + 12}" text-anchor="end">{escape(name)}</text>')
        body.append(
            f'<rect data-corner="{escape(name)}" x="{x:.1f}" y="{y + 2}" width="{max(w, 0.5):.1f}" height="13" '
            f'fill="{colour}"><title>{escape(name)}: {v:+.3f} s</title></rect>'
        )
        body.append(f'<text x="{W - PAD_R}" y="{y + 12}" text-anchor="end">{v:+.2f} s</text>')
    body.append(f'<text x="{x0:.1f}" y="{height - 8}" text-anchor="middle">time lost to the reference, s</text>')
    return _svg("corner-losses", "Time lost per corner over the session (red: lost, green: gained)", body, height)
