"""``simcoach export``: the files of each format from the store SIMCOACH_DATA_DIR names, and exit 2 with a reason."""

from __future__ import annotations

import os
import subprocess

import numpy as np
import pyarrow.parquet as pq

from tests.backend.exports.stored import csv_rows, frame_from_row
from tests.conftest import BIN


def simcoach_export(data_dir, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "simcoach"), "export", *args],
        env={**os.environ, "SIMCOACH_DATA_DIR": str(data_dir)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_each_format_writes_its_files_and_names_them(stored, tmp_path):
    done = simcoach_export(stored.data_dir, stored.session_id, "--format", "csv", "--out", str(tmp_path / "c"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == [str(tmp_path / "c" / "frames.csv"), str(tmp_path / "c" / "laps.csv")]
    assert [frame_from_row(r) for r in csv_rows(tmp_path / "c" / "frames.csv")] == stored.frames

    done = simcoach_export(stored.data_dir, stored.session_id, "--format", "parquet", "--out", str(tmp_path / "p"))
    assert done.returncode == 0, done.stderr
    assert pq.read_table(tmp_path / "p" / "frames.parquet").num_rows == len(stored.frames)
    assert pq.read_table(tmp_path / "p" / "laps.parquet").num_rows == 2

    args = ["--format", "dataset", "--all-laps", "--sequence-length", "30", "--sequence-stride", "30"]
    done = simcoach_export(stored.data_dir, stored.session_id, *args, "--out", str(tmp_path / "d"))
    assert done.returncode == 0, done.stderr
    assert str(tmp_path / "d" / "schema.json") in done.stdout.split()
    assert np.load(tmp_path / "d" / "states.npy").shape[0] == len(stored.frames)
    assert np.load(tmp_path / "d" / "sequences_states.npy").shape[1] == 30


def test_columns_option_exports_only_those(stored, tmp_path):
    done = simcoach_export(
        stored.data_dir, stored.session_id, "--columns", "seq,speed_kmh,tyre_temp_c_rr", "--out", str(tmp_path)
    )
    assert done.returncode == 0, done.stderr
    header = (tmp_path / "frames.csv").read_text().splitlines()[0]
    assert header == '"seq","speed_kmh","tyre_temp_c_rr"'


def refused(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return lines[0]


def test_bad_session_format_column_or_option_exit_2_with_one_line_reason(stored, tmp_path):
    out = str(tmp_path / "out")
    assert refused(simcoach_export(stored.data_dir, "no-such-session", "--out", out)) == (
        "simcoach export: no session 'no-such-session'"
    )
    reason = refused(simcoach_export(stored.data_dir, stored.session_id, "--format", "xlsx", "--out", out))
    assert reason == "simcoach export: unknown format 'xlsx'; use one of: csv, parquet, dataset"
    reason = refused(simcoach_export(stored.data_dir, stored.session_id, "--columns", "speed,lap", "--out", out))
    assert reason.startswith("simcoach export: unknown column(s) 'speed'; the columns are: session, rig, seq")
    reason = refused(
        simcoach_export(
            stored.data_dir, stored.session_id, "--format", "dataset", "--sequence-length", "0", "--out", out
        )
    )
    assert reason == "simcoach export: sequence length 0: at least 1 frame"
    reason = refused(simcoach_export(tmp_path / "nowhere", stored.session_id, "--out", out))
    assert reason == f"simcoach export: no store at {tmp_path / 'nowhere' / 'simcoach.db'} (SIMCOACH_DATA_DIR)"
    assert not (tmp_path / "nowhere").exists()  # nothing created on the way
    assert not (tmp_path / "out").exists()
