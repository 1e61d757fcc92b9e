"""The command line: the main job on the sample, simulate, and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hiring_funnel.cli import main

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
REAL = ROOT / "data" / "real-logs" / "timhanneman" / "Merged.csv"


def test_summary_on_the_sample_prints_naive_beside_censoring_aware(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["summary", str(SAMPLE / "events.csv")]) == 0
    out = capsys.readouterr().out
    assert "as of 2026-11-20 17:00 UTC" in out  # from mapping.toml beside the log
    for clock in ("first_response", "interview_feedback", "decision"):
        assert clock in out
    assert "naive mean" in out and "KM median" in out


def test_summary_by_attribute(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["summary", str(SAMPLE / "events.csv"), "--by", "industry", "--clock", "decision"])
        == 0
    )
    out = capsys.readouterr().out
    assert "government" in out and "restaurants" in out
    assert "first_response" not in out


def test_simulate_regenerates_the_sample_byte_for_byte(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(["simulate", "--applications", "5000", "--seed", "20261126", "--out", str(tmp_path)])
        == 0
    )
    written = sorted(p.name for p in tmp_path.iterdir())
    assert written == ["attributes.csv", "events.csv", "mapping.toml", "truth.json"]
    for name in written:
        assert (tmp_path / name).read_bytes() == (SAMPLE / name).read_bytes(), name


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        # The file by its name: the commands that publish print no folder (issue 10).
        (["summary", "no/such/file.csv"], "error: file.csv: file not found"),
        (["summary", str(SAMPLE / "events.csv"), "--clock", "lunch"], "unknown clock 'lunch'"),
        (["summary", str(SAMPLE / "events.csv"), "--by", "shoe_size"], "no attribute 'shoe_size'"),
        (
            ["validate", str(SAMPLE / "events.csv"), "--mapping", "no-such-mapping"],
            "mapping file not found",
        ),
        (["simulate", "--applications", "0", "--out", "x"], "--applications must be at least 1"),
        (
            ["summary", str(SAMPLE / "events.csv"), "--as-of", "2020-01-01"],
            "no usable rows: nothing to summarise",
        ),
    ],
)
def test_user_errors_print_one_line_and_exit_1(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("hiring-funnel: error: ")
    assert fragment in err
    assert "\n" not in err and "Traceback" not in err


def test_real_tracker_through_the_entry_point() -> None:
    # A real process, as a user runs it: no traceback, exit 0, the counts line. One
    # person's tracker publishes nothing by default; --min-group 1 shows it to its owner.
    argv = [sys.executable, "-m", "hiring_funnel", "summary", str(REAL), "--mapping", "timhanneman"]
    for extra, line in (
        ([], "Merged.csv: counts not shown (fewer than 5 candidates)"),
        (["--min-group", "1"], "Merged.csv: 177 rows read = 177 loaded + 0 quarantined"),
    ):
        done = subprocess.run(
            [*argv, *extra], capture_output=True, text=True, check=False, cwd=ROOT
        )
        assert done.returncode == 0, done.stderr
        assert line in done.stdout
        assert "as of 2023-03-13 18:51 UTC" in done.stdout
        assert "Traceback" not in done.stderr
        assert str(REAL.parent) not in done.stdout


def test_a_closed_pipe_ends_quietly() -> None:
    # `hiring-funnel summary LOG | head -1`: the reader leaves early. That is the
    # reader's choice, not an error: no traceback, the exit code a shell gives SIGPIPE.
    proc = subprocess.Popen(
        [sys.executable, "-m", "hiring_funnel", "summary", str(SAMPLE / "events.csv")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 141
    assert "Traceback" not in err and "BrokenPipe" not in err
