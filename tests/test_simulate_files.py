"""Tests of the simulator in blocks, straight into files (issue 11, "The simulator keeps up").

The one-piece :func:`simulate` + :func:`write_simulated` is the reference: a
log of one block must be its bytes, and the bundled sample too. Logs of
several blocks use small blocks here so that the tests stay fast.
"""

from __future__ import annotations

import inspect
import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiring_funnel.cli import main
from hiring_funnel.io.load import read_events
from hiring_funnel.schema import EventLog, HiringFunnelError
from hiring_funnel.simulate import simulate, write_simulated
from hiring_funnel.simulate.blocks import BLOCK_APPLICATIONS, block_rng
from hiring_funnel.simulate.files import simulate_to_files, simulated_file_names
from hiring_funnel.simulate.model import make_params
from hiring_funnel.simulate.truth import build_truth

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
CSV_FILES = ["events.csv", "attributes.csv", "truth.json", "mapping.toml"]


def read_attributes_csv(path: Path) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["remote"] = frame["remote"].map({"True": True, "False": False})
    return frame


def read_back(folder: Path, file_format: str) -> EventLog:
    return read_events(
        folder / f"events.{file_format}",
        attributes=folder / f"attributes.{file_format}",
        mapping=folder / "mapping.toml",
    )


@pytest.mark.parametrize("block", [5000, BLOCK_APPLICATIONS])
def test_bundled_sample_byte_for_byte(tmp_path: Path, block: int) -> None:
    paths = simulate_to_files(5000, tmp_path, seed=20261126, block_applications=block)
    assert [p.name for p in paths] == CSV_FILES
    for name in CSV_FILES:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


def test_one_block_is_write_simulated_byte_for_byte(tmp_path: Path) -> None:
    # Labels that pandas must quote (a comma, a quote) and other parameters.
    params = {
        "industry": {"a, b": 0.5, 'say "hi"': 0.3, "plain": 0.2},
        "office_hours": False,
        "as_of": "2025-02-03T04:05:06+02:00",
    }
    write_simulated(simulate(777, seed=9, **params), tmp_path / "old")
    simulate_to_files(777, tmp_path / "new", seed=9, **params)
    for name in CSV_FILES:
        assert (tmp_path / "new" / name).read_bytes() == (tmp_path / "old" / name).read_bytes()
    assert b'"a, b"' in (tmp_path / "new" / "attributes.csv").read_bytes()


def test_block_zero_is_simulate_and_later_blocks_use_spawned_seeds() -> None:
    assert block_rng(7, 0).random() == np.random.default_rng(7).random()
    spawned = np.random.SeedSequence(7).spawn(4)
    for k in (1, 3):
        assert block_rng(7, k).random() == np.random.default_rng(spawned[k]).random()
    assert block_rng(7, 1).random() != block_rng(7, 2).random()


@pytest.mark.parametrize("file_format", ["csv", "parquet"])
def test_same_seed_same_bytes_other_seed_differs(tmp_path: Path, file_format: str) -> None:
    def run(folder: str, seed: int) -> list[bytes]:
        paths = simulate_to_files(
            2_300, tmp_path / folder, seed=seed, format=file_format, block_applications=700
        )
        return [p.read_bytes() for p in paths]

    a, b, c = run("a", 5), run("b", 5), run("c", 6)
    assert a == b
    assert a[0] != c[0] and a[1] != c[1]


def test_first_block_does_not_depend_on_later_ones(tmp_path: Path) -> None:
    # The log depends on the block size (blocks are sub-populations), but a
    # block is a function of the seed and its index only: the first 1,000
    # applications of a 2,500-application log are the 1,000-application log.
    simulate_to_files(1_000, tmp_path / "short", seed=3, block_applications=1_000)
    simulate_to_files(2_500, tmp_path / "long", seed=3, block_applications=1_000)
    for name in ("events.csv", "attributes.csv"):
        short = (tmp_path / "short" / name).read_text().splitlines()
        long = (tmp_path / "long" / name).read_text().splitlines()
        assert long[: len(short)] == short
        assert len(long) > len(short)


def test_default_block_size_is_fixed() -> None:
    # Part of what makes a seed's log: changing it changes every log of more
    # than one block, so it is not changed by accident.
    default = inspect.signature(simulate_to_files).parameters["block_applications"].default
    assert default == BLOCK_APPLICATIONS == 100_000


def test_ids_unique_across_blocks_and_truth_counts(tmp_path: Path) -> None:
    simulate_to_files(2_500, tmp_path, seed=8, block_applications=600)
    events = pd.read_csv(tmp_path / "events.csv", dtype=str, keep_default_na=False)
    attrs = read_attributes_csv(tmp_path / "attributes.csv")
    truth = json.loads((tmp_path / "truth.json").read_text())
    assert attrs["application_id"].tolist() == [f"A{i:06d}" for i in range(1, 2_501)]
    assert events["application_id"].str.fullmatch(r"A\d{6}").all()
    assert events["candidate_id"].str.fullmatch(r"C\d{6}").all()
    assert events["company_id"].str.fullmatch(r"E\d{4}").all()
    applied = events[events["event"] == "applied"]
    assert applied["application_id"].is_unique and len(applied) == 2_500
    # A candidate's applications are all in one block (blocks of 600 ids).
    block = applied["application_id"].str[1:].astype(int).sub(1) // 600
    assert (block.groupby(applied["candidate_id"]).nunique() == 1).all()
    assert block.groupby(applied["company_id"]).nunique().max() == 1
    sample = truth["sample"]
    assert sample["n_candidates"] == applied["candidate_id"].nunique()
    candidates = applied["candidate_id"].str[1:].astype(int)
    assert sorted(candidates.unique()) == list(range(1, sample["n_candidates"] + 1))
    companies = applied["company_id"].str[1:].astype(int)
    assert companies.min() >= 1 and companies.max() <= sample["n_companies"]
    assert sample["n_events"] == len(events) and sample["n_applications"] == 2_500
    # The truth kept from counts equals the truth built from the attributes themselves.
    rebuilt = build_truth(make_params({}), attrs, sample)
    assert truth == rebuilt


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(n=st.integers(1, 400), blocks=st.integers(1, 8), seed=st.integers(0, 2**32 - 1))
def test_any_size_and_block(
    tmp_path_factory: pytest.TempPathFactory, n: int, blocks: int, seed: int
) -> None:
    block = -(-n // blocks)  # up to 8 blocks, the last one shorter
    folder = tmp_path_factory.mktemp("log")
    simulate_to_files(n, folder, seed=seed, block_applications=block)
    events = pd.read_csv(folder / "events.csv", dtype=str, keep_default_na=False)
    attrs = read_attributes_csv(folder / "attributes.csv")
    truth = json.loads((folder / "truth.json").read_text())
    assert attrs["application_id"].tolist() == [f"A{i:06d}" for i in range(1, n + 1)]
    applied = events[events["event"] == "applied"]
    assert sorted(applied["application_id"]) == attrs["application_id"].tolist()
    assert set(events["application_id"]) == set(attrs["application_id"])
    assert applied["candidate_id"].nunique() == truth["sample"]["n_candidates"]
    assert truth == build_truth(make_params({}), attrs, truth["sample"])
    if n <= block:  # one block: the one-piece simulator's log
        old = simulate(n, seed=seed)
        assert len(events) == len(old.events)
        assert events["application_id"].tolist() == old.events["application_id"].tolist()


def test_wider_ids_when_numbers_need_them(tmp_path: Path) -> None:
    # 1,000,000 applications need 7 digits; a stand-in: companies past 9,999.
    simulate_to_files(70_000, tmp_path, seed=2, block_applications=35_000, format="parquet")
    events = pq.read_table(tmp_path / "events.parquet", columns=["company_id"]).to_pandas()
    assert events["company_id"].str.fullmatch(r"E\d{5}").all()
    assert events["company_id"].nunique() > 9_999


def test_parquet_and_csv_give_equal_tables(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        simulate_to_files(1_800, tmp_path / fmt, seed=4, format=fmt, block_applications=500)
    csv_log, pq_log = read_back(tmp_path / "csv", "csv"), read_back(tmp_path / "parquet", "parquet")
    for log in (csv_log, pq_log):
        assert log.rows_read == log.rows_loaded and log.rows_quarantined == 0
        assert not log.problems
    a, b = csv_log.events, pq_log.events
    # Parquet has no header line: its rows are numbered from 1, the CSV's from 2.
    assert (a["line"] == b["line"] + 1).all()
    pd.testing.assert_frame_equal(a.drop(columns="line"), b.drop(columns="line"))
    pd.testing.assert_frame_equal(csv_log.attributes, pq_log.attributes)
    # The raw tables agree cell by cell too.
    raw = pq.read_table(tmp_path / "parquet" / "events.parquet").to_pandas()
    text = pd.read_csv(tmp_path / "csv" / "events.csv", dtype=str)
    stamps = raw["timestamp"].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert (stamps == text["timestamp"]).all()
    for col in ("application_id", "candidate_id", "company_id", "event", "stage", "channel"):
        assert raw[col].fillna("").equals(text[col].fillna("")), col
    assert pq.ParquetFile(tmp_path / "parquet" / "events.parquet").num_row_groups == 4
    assert (tmp_path / "parquet" / "mapping.toml").read_text().count("events.parquet") == 1


def test_read_events_on_a_log_of_several_blocks(tmp_path: Path) -> None:
    simulate_to_files(1_500, tmp_path, seed=12, block_applications=400)
    log = read_back(tmp_path, "csv")
    events = log.events
    assert log.rows_quarantined == 0 and not log.problems
    assert (events["event"] == "applied").sum() == 1_500
    assert len(log.attributes) == 1_500
    # Each application's events are in time order, its application first.
    first = events.groupby("application_id", observed=True)["event"].first()
    assert (first == "applied").all()


def test_existing_files_refused_and_nothing_written(tmp_path: Path) -> None:
    (tmp_path / "truth.json").write_text("mine")
    with pytest.raises(HiringFunnelError, match="truth.json.*already exists"):
        simulate_to_files(100, tmp_path, seed=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["truth.json"]
    assert (tmp_path / "truth.json").read_text() == "mine"
    simulate_to_files(100, tmp_path, seed=1, force=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(CSV_FILES)


_FAIL = """
import resource, signal, sys
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.simulate.files import simulate_to_files
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
for fmt in ("csv", "parquet"):
    try:
        simulate_to_files(
            5_000, f"{sys.argv[1]}/{fmt}", seed=1, force=True, block_applications=1_000, format=fmt
        )
    except HiringFunnelError as exc:
        print(exc)
"""


def test_a_failed_write_leaves_the_previous_files_and_no_temporaries(tmp_path: Path) -> None:
    for fmt in ("csv", "parquet"):
        (tmp_path / fmt).mkdir()
        for name in simulated_file_names(fmt):
            (tmp_path / fmt / name).write_text(f"old {name}")
    done = subprocess.run(  # one interpreter for both formats: its start is most of the time
        [sys.executable, "-c", _FAIL, str(tmp_path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    errors = done.stdout.splitlines()
    assert len(errors) == 2, done.stdout + done.stderr
    for fmt, error in zip(("csv", "parquet"), errors, strict=True):
        assert "file size limit" in error and f"events.{fmt}" in error
        names = simulated_file_names(fmt)
        assert sorted(p.name for p in (tmp_path / fmt).iterdir()) == sorted(names)
        for name in names:
            assert (tmp_path / fmt / name).read_text() == f"old {name}"


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"n_applications": 0}, "at least 1"),
        ({"block_applications": 0}, "block_applications must be at least 1"),
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"format": "xlsx"}, "unknown format 'xlsx'"),
        ({"ghosting": 0.3}, "unknown simulation parameter"),
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, object], fragment: str) -> None:
    args: dict[str, object] = {"n_applications": 10, "seed": 1, **kwargs}
    with pytest.raises(HiringFunnelError, match=fragment):
        simulate_to_files(out_dir=tmp_path, **args)  # type: ignore[arg-type]
    assert not any(tmp_path.iterdir())


def cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "hiring_funnel", "simulate", *args]


def test_cli_parquet_and_no_progress_in_a_pipe(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    done = subprocess.run(
        cli("--applications", "1200", "--seed", "5", "--out", str(tmp_path), "--format", "parquet"),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    names = simulated_file_names("parquet")
    assert done.stdout.splitlines() == [f"wrote {tmp_path / name}" for name in names]
    assert pq.read_table(tmp_path / "attributes.parquet").num_rows == 1200
    # Refused at once, in one line (in-process: a second interpreter start is slow).
    assert (
        main(["simulate", "--applications", "1200", "--out", str(tmp_path), "--format", "parquet"])
        != 0
    )
    err = capsys.readouterr().err
    assert "already exists" in err and "Traceback" not in err


def test_cli_progress_on_a_terminal(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        cli("--applications", "1500", "--seed", "5", "--out", str(tmp_path)),
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=ROOT,
    )
    os.close(follower)
    seen = b""
    while True:
        ready, _, _ = select.select([leader], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(leader, 4096)
        except OSError:  # the terminal closed: the process ended
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert proc.wait(timeout=60) == 0
    assert proc.stdout is not None and b"wrote" in proc.stdout.read()
    assert b"simulating: 0 of 1,500 applications" in seen
    assert b"simulating: 1,500 of 1,500 applications (100%)" in seen


def test_progress_when_asked_and_silence_by_default_here(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    simulate_to_files(900, tmp_path / "a", seed=1, block_applications=300, progress=True)
    err = capsys.readouterr().err
    counts = [part.split(" applications")[0] for part in err.split("\r") if part]
    assert counts == [f"simulating: {k:,} of 900" for k in (0, 300, 600, 900)]
    assert err.endswith("(100%)\n")
    simulate_to_files(900, tmp_path / "b", seed=1, block_applications=300)  # not a terminal
    assert capsys.readouterr().err == ""
