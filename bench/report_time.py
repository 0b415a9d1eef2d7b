"""How long the no-key post-session report of a one-hour session takes (target: under 5 s).

Records an hour of the demo car at 60 Hz (26 laps of Spa, with a few mistakes)
into a fresh store with ``simcoach.demo_session`` (the hub, the coaching engine
and the writer, as a live backend runs them), then makes its report with no
model, as ``simcoach report`` and ``GET /api/sessions/{id}/report`` do, and
prints each step's time: the analysis of every corner of every lap, the pass
over the frames for tyres, brakes and fuel, the evidence and ranking, the
rendering. The best of ``--repeat`` runs is the figure.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simcoach.analysis.condition import session_conditions
from simcoach.analysis.session import analyse_session
from simcoach.demo_session import record_to_file
from simcoach.report.build import build_packet
from simcoach.report.document import make_report, render
from simcoach.settings import ReportSettings
from simcoach.storage.store import Store
from simcoach.tracks.loader import TrackLibrary

MISTAKES = "late_brake@La Source:4,coasting@Les Combes:9,low_min_speed@Pouhon:15,early_brake@Bus Stop:21"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--laps", type=int, default=26, help="laps of Spa to record (26: an hour at 60 Hz)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "simcoach.db"
        started = time.perf_counter()
        session_id = record_to_file(path, args.laps, seed=3, mistakes=MISTAKES)
        print(f"recorded {args.laps} laps in {time.perf_counter() - started:.1f} s (session {session_id})")
        store = Store(path).open()
        row = store.session(session_id)
        assert row is not None
        print(f"session: {row.frames} frames, {(row.last_t - row.started) / 60:.1f} min of driving")
        tracks, settings = TrackLibrary(None), ReportSettings(api_key=None, base_url=None)
        totals: list[float] = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            analysis = analyse_session(store, session_id, tracks)
            t1 = time.perf_counter()
            assert analysis is not None
            conditions = session_conditions(store, analysis.session)
            t2 = time.perf_counter()
            packet = build_packet(analysis, conditions)
            t3 = time.perf_counter()
            print(
                f"  analysis {t1 - t0:.2f} s ({len(analysis.laps)} laps x {len(analysis.corners)} corners), "
                f"frames for tyres/brakes/fuel {t2 - t1:.2f} s, evidence {t3 - t2:.3f} s ({len(packet.items)} items)"
            )
            t4 = time.perf_counter()
            report = make_report(store, session_id, tracks, settings)
            assert report is not None
            html, md = render(report, "html"), render(report, "markdown")
            total = time.perf_counter() - t4
            totals.append(total)
            sizes = f"HTML {len(html) / 1e3:.0f} kB, Markdown {len(md) / 1e3:.0f} kB"
            print(f"  whole report, rendered: {total:.2f} s ({sizes})")
        store.close()
    print(f"no-key report of a {args.laps}-lap session: best {min(totals):.2f} s (target < 5 s)")


if __name__ == "__main__":
    main()
