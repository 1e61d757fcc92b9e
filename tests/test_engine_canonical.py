"""read_events(..., engine="spark"): canonical events checked where they live, on Spark
(local[1]), with the answers of the pandas path.

The reference is the pandas path (pinned to R in tests/test_against_r.py). Spark
starts a JVM (tens of seconds here), so the module shares one session and is slow.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def spark():
    from hiring_funnel.engine import connect

    return connect("spark", master="local[1]")


@pytest.fixture(scope="module")
def clean_log(tmp_path_factory) -> tuple[Path, Path, hf.SimulatedLog]:
    folder = tmp_path_factory.mktemp("canonical")
    sim = hf.simulate(400, seed=11)
    sim.events.to_parquet(folder / "events.parquet")
    sim.attributes.to_parquet(folder / "attributes.parquet")
    return folder / "events.parquet", folder / "attributes.parquet", sim


def test_life_tables_on_spark_equal_pandas(spark, clean_log) -> None:
    events, attributes, sim = clean_log
    log = hf.read_events(events, engine=spark, attributes=attributes, as_of=sim.as_of)
    assert type(log).__name__ == "CanonicalLog" and log.meta["engine"] == "pyspark"
    assert (log.rows_read, log.rows_loaded, log.rows_quarantined) == (len(sim.events),) * 2 + (0,)
    reference = hf.read_events(sim.events, attributes=sim.attributes, as_of=sim.as_of)
    for clock in hf.CLOCKS:
        for by in (None, "industry"):
            pd.testing.assert_frame_equal(
                hf.life_table(hf.episodes(log, clock), by=by),
                hf.life_table(hf.episodes(reference, clock, day_boundary="end_of_day"), by=by),
            )


def test_bad_rows_are_quarantined_and_counted(spark, tmp_path) -> None:
    rows = pd.DataFrame(
        {
            "application_id": ["a1", "a1", "", "a2", "a2", "a3", "a3", None],
            "event": ["applied", "rejection", "applied", "applied", "lunch", "applied", None, "x"],
            "timestamp": [
                "2024-03-01",
                "2024-03-05",
                "2024-03-02",
                "2024-03-02",
                "2024-03-03",
                "not a date",
                "2024-03-04",
                "2024-03-05",
            ],
            "line": range(2, 10),
        }
    )
    rows.to_parquet(tmp_path / "ev.parquet")
    log = hf.read_events(tmp_path / "ev.parquet", engine=spark, as_of="2024-06-01")
    assert (log.rows_read, log.rows_loaded, log.rows_quarantined) == (8, 3, 5)
    q = log.quarantine.to_pandas().sort_values("line").reset_index(drop=True)
    assert q["line"].tolist() == [4, 6, 7, 8, 9]
    assert q["kind"].tolist() == [
        "missing_id",
        "unknown_event",
        "bad_date",
        "missing_event",
        "missing_id",
    ]
    assert set(q["file"]) == {"ev.parquet"}
    log.write_quarantine(tmp_path / "q.csv")
    assert len(pd.read_csv(tmp_path / "q.csv")) == 5


def test_rows_compared_with_each_other_on_spark_as_in_pandas(spark) -> None:
    # Exact copies, conflicting duplicates and outcomes, events before their
    # application: window functions on Spark, each line quarantined with the kind
    # the pandas path gives it (tests/test_engine_canonical_checks.py: the same on
    # DuckDB, and on generated logs).
    from test_engine_canonical_checks import SMALL_LOG, SMALL_LOG_KINDS, compare

    from hiring_funnel.engine.spark import spark_table

    compare(SMALL_LOG, spark, lambda frame: spark_table(spark, frame))
    log = hf.read_events(
        SMALL_LOG.assign(line=range(2, len(SMALL_LOG) + 2)), engine=spark, as_of="2024-06-01"
    )
    q = log.quarantine.to_pandas()
    assert dict(zip(q["line"], q["kind"], strict=True)) == SMALL_LOG_KINDS
    assert log.exact_duplicates == 1


def test_summary_on_spark_prints_what_pandas_prints(spark, clean_log, capsys) -> None:
    events, attributes, sim = clean_log
    argv = ["summary", str(events), "--attributes", str(attributes), "--as-of", str(sim.as_of)]
    # The engines keep the end_of_day rule (README, "The day boundary").
    assert main([*argv, "--by", "industry", "--day-boundary", "end_of_day"]) == 0
    plain = capsys.readouterr().out
    assert main([*argv, "--by", "industry", "--spark-master", "local[1]"]) == 0
    assert capsys.readouterr().out == plain


def test_a_mapping_is_refused_on_spark(spark, clean_log) -> None:
    with pytest.raises(hf.HiringFunnelError, match="applied on DuckDB"):
        hf.read_events(clean_log[0], engine=spark, mapping={"columns": {"event": "Status"}})


def test_missing_column_is_one_error(spark, tmp_path) -> None:
    pd.DataFrame({"application_id": ["a"], "event": ["applied"]}).to_parquet(tmp_path / "e.parquet")
    with pytest.raises(hf.HiringFunnelError, match="'timestamp' is missing"):
        hf.read_events(tmp_path / "e.parquet", engine=spark)


@pytest.mark.parametrize("given", ["frame", "parquet"])
def test_engine_episodes_from_a_frame_or_a_path_on_spark(spark, clean_log, given) -> None:
    # engine.tables hands Spark's own loader frames and paths (pandas' nanosecond
    # Parquet timestamps, no temp tables through Ibis on Spark).
    from hiring_funnel.engine import episodes, life_table

    events, _, sim = clean_log
    source = sim.events if given == "frame" else events
    options = {"as_of": sim.as_of, "unit": "business_days", "withdrawn": "cause"}
    for clock in hf.CLOCKS:
        pd.testing.assert_frame_equal(
            life_table(episodes(source, clock, con=spark, **options)),
            hf.life_table(hf.episodes(sim.events, clock, **options)),
        )


def test_simulated_parquet_folder_layout_on_spark(spark, tmp_path, capsys) -> None:
    # mapping.toml beside events.parquet only dates the export: Spark takes its as_of.
    hf.simulate_to_files(500, tmp_path, seed=9, format="parquet")
    argv = ["summary", str(tmp_path / "events.parquet"), "--by", "industry"]
    assert main([*argv, "--day-boundary", "end_of_day"]) == 0
    plain = capsys.readouterr().out
    assert "(mapping: mapping.toml, found beside the log)" in plain
    assert main([*argv, "--spark-master", "local[1]"]) == 0
    assert capsys.readouterr().out == plain
