"""The command line: the main job on the sample, simulate, and one-line errors."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hiring_funnel.cli import COMMANDS, build_parser, main
from hiring_funnel.cli.options import read_log
from hiring_funnel.report.privacy import DEFAULT_MAX_LEVELS, DEFAULT_MIN_GROUP

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


LOG_OPTIONS = {"path", "mapping", "attributes", "encoding", "as_of"}
ENGINE_OPTIONS = {"engine", "table", "memory_limit", "spark_master"}
PUBLISHING_OPTIONS = {"min_group", "horizon", "max_levels"}


@pytest.mark.parametrize(
    ("argv", "options"),
    [
        (["validate", "log.csv"], LOG_OPTIONS | ENGINE_OPTIONS),
        (["summary", "log.csv"], LOG_OPTIONS | ENGINE_OPTIONS | PUBLISHING_OPTIONS),
        (["report", "log.csv"], LOG_OPTIONS | ENGINE_OPTIONS | PUBLISHING_OPTIONS),
        (
            ["predict", "log.csv", "--pending", "p.csv"],
            LOG_OPTIONS | ENGINE_OPTIONS | PUBLISHING_OPTIONS,
        ),
    ],
)
def test_the_commands_that_read_a_log_share_its_options(argv: list[str], options: set[str]) -> None:
    # Issue 13, item 3: declared once (hiring_funnel.cli.options), with the same defaults.
    args = vars(build_parser().parse_args(argv))
    assert options <= set(args)
    assert args["path"] == "log.csv" and args["mapping"] is None and args["engine"] is None
    if "min_group" in options:
        assert (args["min_group"], args["horizon"], args["max_levels"]) == (
            DEFAULT_MIN_GROUP,
            None,
            DEFAULT_MAX_LEVELS,
        )


def test_every_subcommand_is_a_module_of_the_cli_package() -> None:
    names = [command.NAME for command in COMMANDS]
    assert names == [
        "validate",
        "simulate",
        "report",
        "predict",
        "mapping",
        "summary",
        "pseudonymise",
        "keygen",
    ]
    for command in COMMANDS:
        assert command.__name__ == f"hiring_funnel.cli.{command.NAME}"


def test_a_log_in_the_simulators_layout_is_read_with_the_files_beside_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = build_parser().parse_args(["validate", str(SAMPLE / "events.csv")])
    log = read_log(args)
    out = capsys.readouterr().out
    assert "(attributes: attributes.csv, found beside the log)" in out
    assert "(mapping: mapping.toml, found beside the log)" in out
    assert "industry" in log.attributes.columns
    named = build_parser().parse_args(
        ["validate", str(SAMPLE / "events.csv"), "--attributes", str(SAMPLE / "attributes.csv")]
    )
    read_log(named)
    out = capsys.readouterr().out
    assert "attributes.csv, found" not in out and "(mapping: mapping.toml" in out


@pytest.mark.parametrize("module", ["hiring_funnel", "hiring_funnel.cli"])
def test_python_dash_m_runs_the_command_line(module: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("usage: hiring-funnel")
