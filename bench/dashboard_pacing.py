"""Frame pacing of the live dashboard in headless Chromium: 10 s of the demo at 60 Hz, measured by the page.

Prints frames applied per second, requestAnimationFrame intervals (p50/p95/p99), DOM writes and the JS
heap, from window.simcoachStats. Needs Debian's chromium and chromium-driver (./dev.sh test installs them).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.browser.conftest import Page, _new_driver  # noqa: E402
from tests.conftest import start_backend  # noqa: E402

MEASURE_S = 10.0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="simcoach-pacing-") as folder:
        tmp = Path(folder)
        profile = tmp / "profile"
        profile.mkdir()
        server = start_backend(tmp, "--demo")
        page = Page(_new_driver(profile))
        try:
            page.viewport(1920, 1080)
            page.open(f"{server.http}/")
            page.wait(lambda: page.stats().get("frames_applied", 0) > 60, 60, "frames flowing")
            page.js("window.simcoachStats.reset()")
            time.sleep(MEASURE_S)  # the measurement window itself
            figures = page.stats()
        finally:
            page.driver.quit()
            server.stop()
    print(f"dashboard pacing, headless Chromium 1920x1080, demo at 60 Hz, {MEASURE_S:g} s:")
    keys = ("frames_per_s", "raf_per_s", "raf_p50_ms", "raf_p95_ms", "raf_p99_ms", "raf_max_ms", "heap_mb")
    for key in keys:
        value = figures.get(key)
        print(f"  {key:>16}: {value:.2f}" if isinstance(value, float) else f"  {key:>16}: {value}")
    writes = figures["dom_writes"] / max(1, figures["raf_count"])
    print(f"  {'dom_writes/draw':>16}: {writes:.1f}")
    print(f"  {'buffers':>16}: {json.dumps(figures['buffers'])}")


if __name__ == "__main__":
    main()
