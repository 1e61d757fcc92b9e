"""The engine through the front door: read_events(engine=), hf.episodes, hf.life_table
and the commands' --engine give the same answers as the pandas path.

The reference is the pandas path itself (tests/test_against_r.py pins that to R);
here every figure a user sees must be the same whichever engine counted it.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.cli import main


def _pandas_episodes(*args, **kwargs):  # type: ignore[no-untyped-def]
    """hf.episodes on the pandas path with the engines' day rule (issue 15, item 3).

    The engines build episodes without ``last_day_share`` (``end_of_day``: a
    censored episode is at risk all of its last day), so the pandas side they
    are compared with is asked for the same rule.
    """
    return hf.episodes(*args, day_boundary="end_of_day", **kwargs)


ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
MALFORMED = ROOT / "tests" / "malformed"


@pytest.fixture(scope="module")
def sample_logs() -> tuple[hf.EventLog, object]:
    kwargs = {"attributes": SAMPLE / "attributes.csv", "mapping": SAMPLE / "mapping.toml"}
    return (
        hf.read_events(SAMPLE / "events.csv", **kwargs),
        hf.read_events(SAMPLE / "events.csv", engine="duckdb", **kwargs),
    )


def test_read_events_on_an_engine_keeps_the_events_there(sample_logs) -> None:
    pandas_log, engine_log = sample_logs
    assert type(engine_log).__name__ == "EngineLog"
    assert engine_log.meta["engine"] == "duckdb"
    assert (engine_log.rows_read, engine_log.rows_loaded, engine_log.rows_quarantined) == (
        pandas_log.rows_read,
        pandas_log.rows_loaded,
        pandas_log.rows_quarantined,
    )
    # Lazy: an Ibis table, not a frame.
    assert not isinstance(engine_log.events, pd.DataFrame)
    assert engine_log.as_of == pandas_log.as_of


@pytest.mark.parametrize("clock", hf.CLOCKS)
@pytest.mark.parametrize("by", [None, "industry"])
def test_episodes_and_life_tables_through_the_front_door(sample_logs, clock, by) -> None:
    pandas_log, engine_log = sample_logs
    on_engine = hf.episodes(engine_log, clock)
    assert type(on_engine).__name__ == "EngineEpisodes"
    expected = _pandas_episodes(pandas_log, clock)
    pd.testing.assert_frame_equal(on_engine.to_pandas(), expected)
    pd.testing.assert_frame_equal(hf.life_table(on_engine, by=by), hf.life_table(expected, by=by))


def test_weights_are_refused_on_an_engine(sample_logs) -> None:
    with pytest.raises(hf.HiringFunnelError, match="case weights"):
        hf.life_table(_pandas_episodes(sample_logs[1], "decision"), weights="w")


def _run(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    "argv",
    [
        ["summary", str(SAMPLE / "events.csv"), "--by", "industry"],
        ["summary", str(SAMPLE / "events.csv"), "--min-group", "1", "--clock", "decision"],
        ["validate", str(SAMPLE / "events.csv")],
        ["validate", str(MALFORMED / "exact_duplicate.csv")],
        ["validate", str(MALFORMED / "bad_dates.csv")],
        ["summary", str(MALFORMED / "missing_id.csv"), "--min-group", "1"],
    ],
)
def test_commands_print_the_same_on_duckdb(capsys, argv) -> None:
    # The engines count whole last days: the pandas summary is asked for the same rule.
    same_rule = ["--day-boundary", "end_of_day"] if argv[0] == "summary" else []
    plain = _run(capsys, [*argv, *same_rule])
    engine = _run(capsys, [*argv, "--engine", "duckdb"])
    assert engine == plain
    assert plain[0] == 0


def test_quarantine_file_is_the_same_on_duckdb(tmp_path, capsys) -> None:
    log = str(MALFORMED / "bad_dates.csv")
    assert main(["validate", log, "--quarantine", str(tmp_path / "plain.csv")]) == 0
    assert (
        main(["validate", log, "--engine", "duckdb", "--quarantine", str(tmp_path / "e.csv")]) == 0
    )
    capsys.readouterr()
    assert (tmp_path / "e.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
    assert len((tmp_path / "plain.csv").read_text().splitlines()) > 1


def test_predict_is_the_same_on_duckdb(capsys) -> None:
    argv = [
        "predict",
        str(SAMPLE / "events.csv"),
        "--pending",
        str(SAMPLE / "pending.csv"),
        "--resamples",
        "10",
    ]
    assert _run(capsys, [*argv, "--engine", "duckdb"]) == _run(capsys, argv)


def test_engine_options_are_checked(capsys) -> None:
    log = str(SAMPLE / "events.csv")
    code, _, err = _run(capsys, ["summary", log, "--engine", "duckdb", "--spark-master", "local"])
    assert code == 1 and err.count("\n") == 1 and "--spark-master needs --engine spark" in err
    code, _, err = _run(capsys, ["summary", log, "--engine", "spark", "--memory-limit", "1GB"])
    assert code == 1 and err.count("\n") == 1 and "--memory-limit is DuckDB's" in err


def test_memory_limit_reaches_duckdb(capsys) -> None:
    import argparse

    from hiring_funnel.cli.options import engine_option

    con = engine_option(argparse.Namespace(memory_limit="300MB", engine=None))
    assert con.name == "duckdb"  # --memory-limit alone implies DuckDB
    limit = con.raw_sql("SELECT current_setting('memory_limit')").fetchone()[0]
    assert limit.replace(" ", "") in {"286.1MiB", "300.0MB"}
    code, out, _ = _run(capsys, ["summary", str(SAMPLE / "events.csv"), "--memory-limit", "2GB"])
    assert code == 0 and "decision" in out


def test_a_table_in_a_duckdb_file(tmp_path, capsys) -> None:
    import duckdb

    db = tmp_path / "hr.duckdb"
    with duckdb.connect(str(db)) as con:
        con.execute(
            "CREATE TABLE ev AS SELECT * FROM read_csv(?, all_varchar = true)",
            [str(SAMPLE / "events.csv")],
        )
    mapping = ["--mapping", str(SAMPLE / "mapping.toml"), "--clock", "decision"]
    code, out, _ = _run(capsys, ["summary", str(db), "--table", "ev", *mapping])
    end_of_day = ["--day-boundary", "end_of_day"]  # the engines' rule on the pandas side
    plain = _run(capsys, ["summary", str(SAMPLE / "events.csv"), *mapping, *end_of_day])[1]
    assert code == 0
    assert out.splitlines()[0] == "hr.duckdb:ev: 11,158 rows read = 11,158 loaded + 0 quarantined"
    # Without the attributes file the rest is what the CSV gives without it.
    no_attrs = _run(
        capsys,
        ["summary", str(SAMPLE / "events.csv"), "--attributes", str(db), "--clock", "decision"],
    )
    assert no_attrs[0] == 1  # a database file is not an attributes file: one line

    def table(text: str) -> list[str]:  # from the figures on
        lines = text.splitlines()
        return lines[next(i for i, x in enumerate(lines) if x.startswith("as of")) :]

    assert table(out) == table(plain)
    code, _, err = _run(capsys, ["summary", str(db), "--table", "nope", *mapping])
    assert code == 1 and "cannot read table 'nope'" in err and err.count("\n") == 1


def test_simulated_parquet_layout_is_found_and_counted_alike(tmp_path, capsys) -> None:
    hf.simulate_to_files(2_000, tmp_path, seed=5, format="parquet", block_applications=700)
    log = str(tmp_path / "events.parquet")
    plain = _run(capsys, ["summary", log, "--by", "industry", "--day-boundary", "end_of_day"])
    assert plain[0] == 0
    assert "(attributes: attributes.parquet, found beside the log)" in plain[1]
    assert "(mapping: mapping.toml, found beside the log)" in plain[1]
    assert _run(capsys, ["summary", log, "--by", "industry", "--engine", "duckdb"]) == plain


def test_an_unreadable_memory_limit_is_one_line(capsys) -> None:
    code, _, err = _run(capsys, ["summary", str(SAMPLE / "events.csv"), "--memory-limit", "lots"])
    assert code == 1 and err.count("\n") == 1
    assert "DuckDB refused memory_limit = 'lots'" in err


@pytest.mark.parametrize(
    ("path", "fragment"),
    [("no-such.duckdb", "no-such.duckdb: file not found"), ("events.csv", "as a DuckDB database")],
)
def test_table_of_a_file_that_is_no_database_is_one_line(capsys, path, fragment) -> None:
    code, _, err = _run(capsys, ["summary", str(SAMPLE / path), "--table", "ev"])
    assert code == 1 and err.count("\n") == 1 and fragment in err
