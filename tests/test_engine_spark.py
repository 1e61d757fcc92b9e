"""The Spark engine: installed (checked fast, never skipped), and in ``local[1]`` the same
answers as DuckDB.

Starting Spark's JVM takes 10-50 s on a 2-core machine, so every slow test shares one
module-scoped session, and the tests that need it are few and marked slow (CI runs them
with ``-m slow``).
"""

from __future__ import annotations

import importlib.metadata
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import ibis
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.engine import connect
from hiring_funnel.engine.episodes import episodes as engine_episodes
from hiring_funnel.engine.lifetable import clock_life_tables
from hiring_funnel.engine.lifetable import life_table as engine_life_table
from hiring_funnel.engine.spark import (
    _file_kind,
    connect_spark,
    default_config,
    find_java,
    local_threads,
    spark_table,
)
from hiring_funnel.schema import HiringFunnelError

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

# --- fast: the install that CI and scripts/test.sh promise --------------------------------


def test_pyspark_and_java_are_installed():
    # No importorskip: a missing pyspark or Java must fail here, not hide the Spark tests.
    version = importlib.metadata.version("pyspark")
    major, minor = (int(part) for part in version.split(".")[:2])
    # Ibis 12's PySpark backend runs on pyspark 4.0 (pyproject's spark extra pins <4.1).
    assert (major, minor) == (4, 0), version
    java = find_java()
    assert java is not None, (
        "no java: scripts/system-deps.sh spark installs openjdk-17-jre-headless"
    )
    shown = subprocess.run([java, "-version"], capture_output=True, text=True, check=True).stderr
    found = re.search(r'version "(\d+)', shown)
    assert found is not None, shown
    assert int(found.group(1)) >= 17, shown  # Spark 4 runs on Java 17 and newer


def test_local_masters_are_told_from_clusters():
    assert local_threads("local") == 1
    assert local_threads("local[3]") == 3
    assert local_threads("local[2, 4]") == 2  # local[N,F]: F is the number of task retries
    assert local_threads("local[*]") == (os.cpu_count() or 1)
    for cluster in ("spark://host:7077", "yarn", "k8s://https://h:443", "local-cluster[2,1,1024]"):
        assert local_threads(cluster) is None


def test_default_config_sizes_local_runs_and_leaves_clusters_alone():
    local = default_config("local[2]")
    assert local["spark.sql.session.timeZone"] == "UTC"
    assert local["spark.sql.shuffle.partitions"] == "4"
    assert local["spark.ui.enabled"] == "false"
    log4j = re.search(
        r"-Dlog4j2\.configurationFile=file://(\S+)", local["spark.driver.extraJavaOptions"]
    )
    assert log4j is not None and Path(log4j.group(1)).is_file()
    cluster = default_config("spark://host:7077")
    assert cluster["spark.sql.session.timeZone"] == "UTC"
    assert "spark.sql.shuffle.partitions" not in cluster
    assert "spark.driver.extraJavaOptions" not in cluster


def test_cluster_paths_are_not_looked_for_on_this_machine():
    # Spark's executors read s3a:// and hdfs:// paths; the driver must not call them missing.
    assert _file_kind("s3a://bucket/events/", None) == "parquet"
    assert _file_kind("hdfs://name/logs/events.csv", None) == "csv"
    assert _file_kind("gs://bucket/events.jsonl", None) == "json"
    assert _file_kind("s3a://bucket/events/", "csv") == "csv"


def test_no_java_is_one_clear_line(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))  # a JAVA_HOME without bin/java
    with pytest.raises(HiringFunnelError, match="needs a Java runtime") as caught:
        connect("spark", master="local[1]")
    message = str(caught.value)
    assert "\n" not in message
    assert "openjdk-17-jre-headless" in message
    assert "hiring_funnel[spark]" in message


def test_no_pyspark_is_one_clear_line(monkeypatch):
    # None in sys.modules makes the import fail as if pyspark were not installed.
    monkeypatch.setitem(__import__("sys").modules, "pyspark.sql", None)
    with pytest.raises(HiringFunnelError, match="needs pyspark") as caught:
        connect_spark(master="local[1]")
    assert "pip install 'hiring_funnel[spark]'" in str(caught.value)


# --- slow: one local[1] session for the module ---------------------------------------------


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    con = connect("spark", master="local[1]")
    yield con
    con.disconnect()


EVENTS = pd.DataFrame(
    {
        "application_id": ["a1", "a1", "a2", "a3", "a3", "a4", "a5"],
        "event": ["applied", "offer", "applied", "applied", "rejection", "applied", "applied"],
        "timestamp": pd.to_datetime(
            [
                "2024-01-01 09:00:00",
                "2024-01-20 23:30:00",  # late in the day: a time-zone shift would change the day
                "2024-02-29 00:00:00",
                "2024-03-30 12:00:00",
                "2024-03-31 01:30:00",  # the night clocks change in Europe
                "2024-06-01 00:00:00",
                "2024-06-02 00:00:00",
            ]
        ),
        "channel": ["web", "web", "referral", "web", "web", None, None],
    }
)


def _rows(table: ibis.Table) -> pd.DataFrame:
    frame = table.to_pandas()
    return frame[list(EVENTS.columns)].sort_values(
        ["application_id", "timestamp"], ignore_index=True
    )


def _expected(text: bool = False) -> pd.DataFrame:
    frame = EVENTS.sort_values(["application_id", "timestamp"], ignore_index=True)
    if text:  # CSV cells come back as text, typed later by the data path's mapping
        frame = frame.assign(timestamp=frame["timestamp"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    return frame


@pytest.mark.slow
def test_loaders_give_the_rows(spark, tmp_path_factory):
    folder = tmp_path_factory.mktemp("loaders")
    # pandas writes TIMESTAMP(NANOS), which Spark reads only through the loader's conversion.
    EVENTS.to_parquet(folder / "events.parquet", index=False)
    pd.testing.assert_frame_equal(_rows(spark_table(spark, EVENTS)), _expected())
    pd.testing.assert_frame_equal(_rows(spark_table(spark, folder / "events.parquet")), _expected())

    # A Hive-partitioned folder (channel=web/...), and a glob over plain files.
    hive = folder / "hive"
    EVENTS.assign(channel=EVENTS["channel"].fillna("none")).to_parquet(
        hive, partition_cols=["channel"], index=False
    )
    from_hive = spark_table(spark, hive).to_pandas()
    assert sorted(from_hive["channel"]) == sorted(EVENTS["channel"].fillna("none"))
    assert len(from_hive) == len(EVENTS)
    parts = folder / "parts"
    parts.mkdir()
    EVENTS.iloc[:3].to_parquet(parts / "a.parquet", index=False)
    EVENTS.iloc[3:].to_parquet(parts / "b.parquet", index=False)
    pd.testing.assert_frame_equal(_rows(spark_table(spark, str(parts / "*.parquet"))), _expected())

    EVENTS.to_csv(folder / "events.csv", index=False)
    EVENTS.to_csv(folder / "events.tsv", index=False, sep="\t")
    EVENTS.to_json(folder / "events.jsonl", orient="records", lines=True, date_format="iso")
    for name in ("events.csv", "events.tsv"):
        pd.testing.assert_frame_equal(
            _rows(spark_table(spark, folder / name)), _expected(text=True), check_dtype=False
        )
    from_json = spark_table(spark, folder / "events.jsonl").to_pandas()
    assert sorted(from_json["application_id"]) == sorted(EVENTS["application_id"])

    # A Spark DataFrame, and a table of the catalog.
    session = spark._session
    EVENTS.to_parquet(folder / "micros.parquet", index=False, coerce_timestamps="us")
    frame = session.read.parquet(str(folder / "micros.parquet"))
    pd.testing.assert_frame_equal(_rows(spark_table(spark, frame)), _expected())
    frame.createOrReplaceTempView("hf_events")
    pd.testing.assert_frame_equal(_rows(spark_table(spark, table="hf_events")), _expected())

    with pytest.raises(HiringFunnelError, match="no such file or folder"):
        spark_table(spark, folder / "missing.parquet")
    with pytest.raises(HiringFunnelError, match="no table 'hf_nothing'"):
        spark_table(spark, table="hf_nothing")
    (folder / "events.xyz").write_text("x\n")
    with pytest.raises(HiringFunnelError, match=r"events\.xyz: cannot tell the format"):
        spark_table(spark, folder / "events.xyz")
    with pytest.raises(HiringFunnelError, match="Spark could not read it"):
        spark_table(spark, str(folder / "nothing-*.parquet"))


@pytest.mark.slow
def test_grouped_counts_equal_duckdb(spark, tmp_path_factory):
    """One Ibis query, two engines, one Parquet file: the same counts, day by day.

    ``count(where=)`` is where they part: Ibis writes it for Spark as
    ``SUM(CAST(pred AS BIGINT))``, NULL for a group whose predicate is NULL on every
    row (here a5, whose channel is missing), where DuckDB's ``COUNT(*) FILTER`` says 0.
    ``fill_null(0)`` makes them agree; the data path must use it.
    """
    path = tmp_path_factory.mktemp("counts") / "events.parquet"
    EVENTS.to_parquet(path, index=False)

    def counts(table: ibis.Table, fill: bool) -> pd.DataFrame:
        day = table.timestamp.date()
        web = table.count(where=table.channel == "web")
        query = table.group_by(["application_id", day.name("day")]).agg(
            events=table.count(),
            web=web.fill_null(0) if fill else web,
            first=table.timestamp.min(),
        )
        return query.to_pandas().sort_values(["application_id", "day"], ignore_index=True)

    duck = ibis.duckdb.connect().read_parquet(path)
    on_spark = spark_table(spark, path)
    pd.testing.assert_frame_equal(counts(on_spark, True), counts(duck, True), check_dtype=False)
    raw = counts(on_spark, False)
    assert raw.loc[raw["application_id"] == "a5", "web"].isna().all()
    assert (counts(duck, False).loc[lambda f: f["application_id"] == "a5", "web"] == 0).all()


# --- the engine's episodes and life tables, on Spark ------------------------------------------


@pytest.mark.slow
def test_engine_episodes_and_life_tables_on_spark_equal_pandas(spark, tmp_path_factory):
    """A small simulated log, the three clocks: Spark gives pandas' episodes and life tables."""
    log = hf.simulate(400, seed=11)
    path = tmp_path_factory.mktemp("sim") / "events.parquet"
    log.events.to_parquet(path, index=False)  # pandas' nanoseconds: through spark_table
    events = spark_table(spark, path)
    attributes = spark_table(spark, log.attributes)
    for clock in hf.CLOCKS:
        want = hf.episodes(
            log.events, clock, attributes=log.attributes, as_of=log.as_of, day_boundary="end_of_day"
        )
        got = engine_episodes(events, clock, attributes=attributes, as_of=log.as_of)
        pd.testing.assert_frame_equal(got.to_pandas(), want)
        for by in (None, "industry"):
            pd.testing.assert_frame_equal(engine_life_table(got, by), hf.life_table(want, by=by))


@pytest.mark.slow
def test_clock_life_tables_of_the_sample_on_spark_equal_duckdb(spark):
    """The bundled sample as CSV text, the report's tables: Spark and DuckDB agree."""
    by = [None, "industry", ["company_size", "remote"]]
    events = spark_table(spark, SAMPLE / "events.csv")
    attributes = spark_table(spark, SAMPLE / "attributes.csv")
    on_spark = clock_life_tables(events, by=by, attributes=attributes)
    on_duckdb = clock_life_tables(
        SAMPLE / "events.csv", by=by, attributes=SAMPLE / "attributes.csv", con=connect()
    )
    assert on_spark.keys() == on_duckdb.keys()
    assert len(on_spark) == 9
    for key, table in on_duckdb.items():
        pd.testing.assert_frame_equal(on_spark[key], table)
