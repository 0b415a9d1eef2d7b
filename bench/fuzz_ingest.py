"""Fuzz the ingest endpoint of a real backend over a real WebSocket: inputs tried, failures found.

Hypothesis generates the inputs of ``tests/ingest_fuzz.py`` (random bytes and
text, truncated msgpack and JSON, wrong types, out-of-range values, mixed and
huge batches, bad sessions, deep nesting, valid frames between them) and sends
them, in bursts, on one rig connection of a backend under uvicorn. A failure is
an input whose answer is not one error per refusal naming its reason, a
connection that ends, or, at the end, a valid frame not stored exactly once or
a backend whose memory kept growing. The suite runs a small sample of the same.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from common import BackendProcess
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

# The input strategies and the checking client live with the tests, which share them.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.ingest_fuzz import IngestFuzzer, Render, cases, open_ingest

BURST = 40


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inputs", type=int, default=100_000)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="simcoach-fuzz-ingest-"))
    # No rate limit: fuzzed frames carry any times (the limit is tested on its own).
    backend = BackendProcess(1, SIMCOACH_DATA_DIR=str(data), SIMCOACH_INGEST_MAX_HZ="0")
    rig = sorted(backend.tokens)[0]
    started = time.monotonic()
    rss: list[float] = []
    try:
        with open_ingest(backend.ws, backend.tokens[rig]) as ws:
            fuzzer = IngestFuzzer(ws, rig)

            # No shrinking: a failure is recorded with its input and the run goes on.
            @settings(
                max_examples=200,
                deadline=None,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(st.lists(cases(rig), min_size=BURST // 2, max_size=BURST))
            def burst(renders: list[Render]) -> None:
                fuzzer.send(renders)

            while fuzzer.inputs < args.inputs:
                burst()
                rss.append(backend.rss_mib())
                print(f"  {fuzzer.inputs:,} inputs, {len(fuzzer.failures)} failures, RSS {rss[-1]:.0f} MiB", flush=True)
            fuzzer.wait_acked(timeout=120)
            failures = fuzzer.failures + fuzzer.check_store(data / "simcoach.db")
        # Memory must level off: the last quarter of the run may not keep growing past the first.
        quarter = max(1, len(rss) // 4)
        if max(rss[-quarter:]) > 1.5 * max(rss[:quarter]) + 50:
            failures.append(f"backend memory grew from {max(rss[:quarter]):.0f} to {max(rss[-quarter:]):.0f} MiB")
        if backend.process.poll() is not None:
            failures.append("the backend exited")
    finally:
        backend.stop()
    elapsed = time.monotonic() - started
    print(
        f"ingest over a real WebSocket: {fuzzer.inputs:,} inputs tried in {elapsed:.0f} s, "
        f"{len(fuzzer.stored):,} valid frames among them stored exactly once, failures found: {len(failures)}"
    )
    for failure in failures[:20]:
        print("  FAILURE", failure[:400])
    if failures:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
