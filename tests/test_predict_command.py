"""Tests of ``hiring-funnel predict`` (hiring_funnel.cli.predict) on the bundled sample."""

from __future__ import annotations

import csv
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.cli import build_parser, main
from hiring_funnel.cli import predict as predict_command
from hiring_funnel.regression import QUANTITIES, pending_model, predict_pending
from hiring_funnel.schema import HiringFunnelError

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
EVENTS = str(SAMPLE / "events.csv")


def _write(path: Path, rows: list[list[str]]) -> str:
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)
    return str(path)


def test_predict_on_the_sample_prints_and_writes_the_library_numbers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out_csv = tmp_path / "pred.csv"
    argv = ["predict", EVENTS, "--pending", str(SAMPLE / "pending.csv"), "--resamples", "10"]
    assert main([*argv, "--out", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "covariates: industry, company_size" in out  # taken from the pending file's columns
    assert "line 2: waited 0 days, no answer yet (industry=software, company_size=1-50)" in out
    assert "no answer yet, given industry, company_size:" in out
    # Issue 10: ten resamples are too few for a percentile interval; none is printed.
    assert "no intervals: 10 usable bootstrap resample(s), at least 20 are needed" in out
    # (the report's own figure, on its line, has the report's delta-method interval)
    ours = "\n".join(line for line in out.splitlines() if "(as the report)" not in line)
    assert "95%" not in ours and not re.search(r"\d%\s*\(", ours)
    written = pd.read_csv(out_csv)
    assert list(written.columns[:5]) == ["line", "stage", "waited", "industry", "company_size"]
    assert sorted(written["line"].unique()) == [2, 3, 4, 5, 6]
    assert set(written["quantity"]) == set(QUANTITIES)
    # The same numbers as the library's, on the same log and seed.
    log = hf.read_events(
        SAMPLE / "events.csv",
        attributes=SAMPLE / "attributes.csv",
        mapping=SAMPLE / "mapping.toml",
    )
    model = pending_model(log, covariates=["industry", "company_size"], n_resamples=10, seed=0)
    # The command counts by the report's horizon: the last day on which 5 candidates
    # are still waiting for a decision (issue 12, item 6).
    ep = hf.episodes(log, "decision")
    tau = float(ep.groupby("candidate_id", observed=True)["duration"].max().sort_values().iloc[-5])
    expected = predict_pending(model, pd.read_csv(SAMPLE / "pending.csv"), horizon=tau).table
    np.testing.assert_allclose(written["estimate"], expected["estimate"], rtol=1e-12)
    np.testing.assert_allclose(written["ci_upper"], expected["ci_upper"], rtol=1e-12)


def test_applied_dates_count_days_to_the_as_of_date_and_ids_stay_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The sample's as-of date is 2026-11-20 (mapping.toml).
    pending = _write(
        tmp_path / "p.csv",
        [["application_id", "applied", "industry"], ["my-secret-id", "2026-11-08", "retail"]],
    )
    out_csv = tmp_path / "out.csv"
    argv = ["predict", EVENTS, "--pending", pending, "--resamples", "0", "--out", str(out_csv)]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "line 2: waited 12 days, no answer yet (industry=retail)" in out
    assert "not used: application_id" in out
    assert "my-secret-id" not in out and "my-secret-id" not in out_csv.read_text()


@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        (
            [["waited", "industry"], ["3", "software"], ["4", "mining"]],
            "p.csv:3: column 'industry': a level that was not seen in the log",
        ),
        (
            [["waited", "industry"], ["-2", "software"]],
            "p.csv:2: column 'waited': not a number of days waited",
        ),
        (
            [["applied", "industry"], ["last week", "software"]],
            "p.csv:2: column 'applied': not an ISO date",
        ),
        ([["industry"], ["software"]], "p.csv: needs a column 'waited'"),
    ],
)
def test_bad_pending_rows_are_one_line_with_file_and_line(
    tmp_path: Path, rows: list[list[str]], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pending = _write(tmp_path / "p.csv", rows)
    assert main(["predict", EVENTS, "--pending", pending, "--resamples", "0"]) == 1
    err = capsys.readouterr().err.strip()
    assert fragment in err
    assert "\n" not in err and "Traceback" not in err


def test_an_unknown_covariate_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pending = _write(tmp_path / "p.csv", [["waited"], ["3"]])
    argv = [
        "predict",
        EVENTS,
        "--pending",
        pending,
        "--covariates",
        "shoe_size",
        "--resamples",
        "0",
    ]
    assert main(argv) == 1
    assert "column 'shoe_size': 'shoe_size' is not an attribute" in capsys.readouterr().err


def test_a_one_person_tracker_resamples_applications(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The real tracker (data/real-logs, MIT) is one candidate's log:
    # resampling candidates would repeat the same log and give zero-width
    # intervals, so the applications are resampled, and the output says so.
    real = ROOT / "data" / "real-logs" / "timhanneman" / "Merged.csv"
    pending = _write(tmp_path / "p.csv", [["waited"], ["3"], ["12"]])
    out_csv = tmp_path / "out.csv"
    argv = ["predict", str(real), "--mapping", "timhanneman", "--pending", pending]
    assert main([*argv, "--resamples", "30", "--out", str(out_csv)]) == 0
    out = capsys.readouterr().out
    assert "resamples of applications" in out
    assert "only 1 candidate(s): the bootstrap resamples applications" in out
    written = pd.read_csv(out_csv)
    answer = written[written["quantity"] == "answer_eventually"]
    assert (answer["ci_upper"] - answer["ci_lower"] > 0.05).all()


def test_notes_and_missing_levels_name_lines_of_the_pending_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Issue 12: a row past the longest wait is named by its line (not "row 1"), and a
    # missing attribute is the level "(missing)", not an error.
    pending = _write(
        tmp_path / "p.csv",
        [["waited", "industry"], ["3", "software"], ["5", ""], ["100000", "software"]],
    )
    assert main(["predict", EVENTS, "--pending", pending, "--resamples", "0"]) == 0
    out = capsys.readouterr().out
    assert "longest wait seen in the log: nothing is known after that (first: line 4)" in out
    assert "row 2" not in out
    # The sample has no application without an industry: no estimate for line 3, and why.
    assert "line 3: waited 5 days, no answer yet (industry=(missing))" in out
    assert "the log has no application without one to learn from (first: line 3)" in out


@pytest.mark.parametrize(
    ("rows", "where", "cell"),
    [
        (
            [["waited", "industry"], ["3", "software"], ["4", "mining"]],
            (3, "industry", "unknown_level"),
            "mining",
        ),
        (
            [["waited", "industry"], ["3", "software"], ["-2.5", "retail"]],
            (3, "waited", "row_value"),
            "-2.5",
        ),
        ([["applied", "industry"], ["next year", "software"]], (2, "applied", "bad_date"), "next"),
    ],
)
def test_a_bad_cell_is_named_by_fields_not_by_text(
    tmp_path: Path, rows: list[list[str]], where: tuple[int, str, str], cell: str
) -> None:
    # Issue 13, item 4: the line, the column and the kind are fields of the error the
    # command raises (nothing reads them back out of a message), and the cell stays out.
    pending = _write(tmp_path / "p.csv", rows)
    args = build_parser().parse_args(["predict", EVENTS, "--pending", pending, "--resamples", "0"])
    with pytest.raises(ValueError) as info:
        predict_command.run(args)
    err = info.value
    assert isinstance(err, HiringFunnelError)
    assert Path(str(err.file)).name == "p.csv"
    assert (err.line, err.column, err.code) == where
    assert cell not in str(err)


def test_the_old_option_names_still_work_and_say_the_new_ones(tmp_path, capsys) -> None:
    pending = str(SAMPLE / "pending.csv")
    argv = ["predict", EVENTS, "--pending", pending, "--seed", "3"]
    assert main([*argv, "--covariates", "industry", "--resamples", "0"]) == 0
    new = capsys.readouterr()
    assert main([*argv, "--by", "industry", "--boot", "0"]) == 0
    old = capsys.readouterr()
    assert old.out == new.out and new.err == ""
    assert "--by is now called --covariates" in old.err
    assert "--boot is now called --resamples" in old.err


@pytest.mark.parametrize("option", ["--resamples", "--boot"])
def test_a_negative_resample_count_is_named_as_typed(
    option: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # --boot is the old name
        pending = str(SAMPLE / "pending.csv")
        assert main(["predict", EVENTS, "--pending", pending, option, "-1"]) == 1
    # The last line is the error (--boot's rename notice comes before it).
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err == "hiring-funnel: error: --resamples must be 0 or more, not -1"
