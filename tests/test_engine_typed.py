"""Typed tables read natively (engine/ingest_typed.py) against the fallback on the same table.

The fallback is ``read_events`` on the DataFrame the table becomes (pyarrow for a
Parquet file, DuckDB's ``.df()`` for a folder, glob or database table, Ibis'
``to_pandas`` for an Ibis table): it is forced here by making the native read
refuse, and everything ``read_events`` returns must be equal, the quarantine
file byte for byte, and the one-line error of a table that cannot be read.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest import mock

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_engine_ingest import assert_same

from hiring_funnel.engine import connect
from hiring_funnel.engine import ingest as engine_ingest
from hiring_funnel.engine.ingest import EngineLog, read_events_engine
from hiring_funnel.engine.ingest_scan import NotPlain
from hiring_funnel.schema import HiringFunnelError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
AS_OF = "2024-06-01"


@contextmanager
def fallback() -> Iterator[None]:
    """``read_events_engine`` as it was: every typed table read by ``read_events``."""
    with mock.patch.object(engine_ingest, "read_typed", side_effect=NotPlain("forced")):
        yield


def compare(source: Any, out: Path, *, native: bool = True, **kwargs: Any) -> EngineLog | None:
    """Read ``source`` natively and through the fallback; everything must be equal."""
    with fallback():
        try:
            expected = read_events_engine(source, **kwargs)
        except HiringFunnelError as exc:
            with pytest.raises(HiringFunnelError) as got:
                read_events_engine(source, **kwargs)
            assert str(got.value) == str(exc)
            return None
    assert expected.meta["fallback"] == "forced"
    got = read_events_engine(source, **kwargs)
    assert got.meta["native"] is native, got.meta.get("fallback")
    assert_same(got, expected.to_event_log())
    ours, theirs = out / "native.csv", out / "fallback.csv"
    got.write_quarantine(ours)
    expected.write_quarantine(theirs)
    assert ours.read_bytes() == theirs.read_bytes()
    pd.testing.assert_frame_equal(
        got.quarantine_sample(3), expected.to_event_log().quarantine.head(3)
    )
    return got


@pytest.fixture(scope="module")
def sample() -> pd.DataFrame:
    """The bundled sample with its timestamps as times with a zone (TIMESTAMP WITH TIME ZONE)."""
    frame = pd.read_csv(SAMPLE / "events.csv", dtype=str, keep_default_na=False)
    return frame.assign(timestamp=pd.to_datetime(frame["timestamp"], utc=True))


SAMPLE_ARGS = {"mapping": SAMPLE / "mapping.toml", "attributes": str(SAMPLE / "attributes.csv")}


def test_sample_as_parquet_file_is_native(sample: pd.DataFrame, tmp_path: Path) -> None:
    # Written by DuckDB (microseconds, TIMESTAMPTZ) and by pandas (nanoseconds, zone UTC).
    by_duckdb, by_pandas = tmp_path / "duckdb.parquet", tmp_path / "pandas.parquet"
    con = duckdb.connect()
    con.register("frame", sample)
    con.execute(f"COPY (SELECT * FROM frame) TO '{by_duckdb}'").fetchall()
    assert "TIME ZONE" in str(con.execute(f"DESCRIBE SELECT * FROM '{by_duckdb}'").fetchall())
    sample.to_parquet(by_pandas)
    for path in (by_duckdb, by_pandas):
        log = compare(str(path), tmp_path, **SAMPLE_ARGS)
        assert log is not None and log.meta["kind"] == "parquet"
        assert log.rows_loaded == len(sample)


def test_sample_as_hive_folder_and_glob_is_native(sample: pd.DataFrame, tmp_path: Path) -> None:
    folder = tmp_path / "events"
    for k, (channel, part) in enumerate(sample.groupby("channel", sort=True)):
        where = folder / f"channel={channel}"
        where.mkdir(parents=True)
        part.drop(columns="channel").to_parquet(where / f"part{k}.parquet", index=False)
    for source in (str(folder), str(folder / "*" / "*.parquet")):
        log = compare(source, tmp_path, **SAMPLE_ARGS)
        assert log is not None and log.source == source and log.meta["kind"] == "frame"


def test_sample_as_duckdb_table_and_ibis_table(sample: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "log.duckdb"
    with duckdb.connect(str(path)) as db:
        db.register("frame", sample)
        db.execute("CREATE TABLE events AS SELECT * FROM frame").fetchall()
    log = compare(str(path), tmp_path, table="events", **SAMPLE_ARGS)
    assert log is not None and log.source == f"{path}:events"
    # An Ibis table on the connection the engine reads with is read natively ...
    con = connect()
    table = con.read_parquet(_parquet(sample, tmp_path / "s.parquet"))
    compare(table, tmp_path, con=con, **SAMPLE_ARGS)
    # ... one of another connection by read_events, which says so.
    other = read_events_engine(table, con=connect(), **SAMPLE_ARGS)
    assert not other.meta["native"] and "another connection" in other.meta["fallback"]


def _parquet(frame: pd.DataFrame, path: Path) -> str:
    frame.to_parquet(path, index=False)
    return str(path)


# --- a dirty log: every rule of validation, on typed and text columns ---


def dirty_log() -> pd.DataFrame:
    """Nulls, blanks, spaces, formulas, copies, unknown events, bad and ambiguous-free dates."""
    ts = [
        "2024-03-01T10:00:00Z",
        "2024-03-02",
        None,
        "",
        "2024-02-30",
        "yesterday",
        " 2024-03-03T12:00:00Z ",
        "2024-03-04 08:30",
        "2024-03-05T23:30:00-05:00",
        "2999-01-01",
        "n/a",
        "2024-03-06T12:00:00.5Z",
    ]
    n = 36
    rng = np.random.default_rng(7)
    apps = rng.integers(1, 8, n)
    events = ["applied", "screen", "offer", "rejection", " Applied", "ghosted", None, "", "N/A"]
    frame = pd.DataFrame(
        {
            "application_id": apps.astype(np.int64),
            "event": [events[k] for k in rng.integers(0, len(events), n)],
            "timestamp": [ts[k] for k in rng.integers(0, len(ts), n)],
            "stage": [["x", None, "", "  ", "=1+1", "-3", "@a", "Zürich"][k % 8] for k in range(n)],
            "score": rng.integers(-5, 5, n).astype(np.int64),
            "remote": [bool(k % 3) for k in range(n)],
            "when": pd.to_datetime("2024-03-01", utc=True)
            + pd.to_timedelta(rng.integers(0, 10**6, n), unit="s"),
        }
    )
    frame.loc[5] = frame.loc[4]  # an exact copy
    frame.loc[n - 1] = frame.loc[0]
    # Applications 1-3 in order, so that some rows are loaded.
    frame.loc[[10, 11, 12], ["application_id", "event", "timestamp"]] = [
        [1, "applied", "2024-03-01"],
        [1, "rejection", "2024-03-09"],
        [2, "applied", "2024-03-01T09:00:00Z"],
    ]
    return frame


def _sources(frame: pd.DataFrame, where: Path) -> list[tuple[Any, dict[str, Any]]]:
    """The frame as a Parquet file, a Hive folder, a glob, a DuckDB table, an Ibis table."""
    where.mkdir(parents=True, exist_ok=True)
    single = _parquet(frame, where / "log.parquet")
    folder = where / "parts"
    for k, start in enumerate(range(0, len(frame), 10)):
        part = folder / f"part={k}"
        part.mkdir(parents=True)
        frame.iloc[start : start + 10].to_parquet(part / f"{k:03}.parquet", index=False)
    db_path = where / "log.duckdb"
    with duckdb.connect(str(db_path)) as db:
        db.register("frame", frame)
        db.execute("CREATE TABLE t AS SELECT * FROM frame").fetchall()
    con = connect()
    return [
        (single, {}),
        (str(folder), {}),
        (str(folder / "*" / "*.parquet"), {}),
        (str(db_path), {"table": "t"}),
        (con.read_parquet(single), {"con": con}),
    ]


def test_dirty_log_from_every_typed_source(tmp_path: Path) -> None:
    frame = dirty_log()
    for source, kwargs in _sources(frame, tmp_path / "src"):
        log = compare(source, tmp_path, as_of=AS_OF, **kwargs)
        assert log is not None
        assert log.rows_quarantined > 10 and log.rows_loaded > 0 and log.exact_duplicates >= 1
        kinds = {p.kind for p in log.problems}
        assert {"missing_date", "bad_date", "unknown_event", "missing_event", "formula"} <= kinds


def test_dirty_log_with_an_attributes_file_and_stage_as_attribute(tmp_path: Path) -> None:
    frame = dirty_log()
    attrs = tmp_path / "attributes.csv"
    attrs.write_text("application_id,size,stage\n1,10,x\n2,N/A,y\n2,N/A,y\n,5,z\n99,1,w\n")
    for source, kwargs in _sources(frame, tmp_path / "src"):
        compare(source, tmp_path, as_of=AS_OF, attributes=str(attrs), **kwargs)


def test_naive_times_and_dates(tmp_path: Path) -> None:
    frame = dirty_log().drop(columns="timestamp")
    base = pd.Timestamp("2024-03-01 10:00:00.250")
    frame["timestamp"] = [base + pd.Timedelta(hours=7 * k) for k in range(len(frame))]
    frame.loc[3, "timestamp"] = pd.NaT
    frame["day"] = [dt.date(2024, 3, 1 + k % 20) for k in range(len(frame))]
    frame.loc[4, "day"] = None
    for source, kwargs in _sources(frame, tmp_path / "src"):
        log = compare(source, tmp_path, as_of=AS_OF, **kwargs)
        assert log is not None and log.rows_loaded > 0
    # As the timestamp column, naive times are local times of the mapping's zone:
    # a daylight-saving gap gets another reason than in text, so they fall back.
    paris = {"timezone": "Europe/Paris"}
    log = compare(_parquet(frame, tmp_path / "n.parquet"), tmp_path, native=False, mapping=paris)
    assert log is not None and "naive times" in log.meta["fallback"]


def test_ambiguous_date_is_the_same_error(tmp_path: Path) -> None:
    frame = dirty_log()
    frame.loc[7, "timestamp"] = "03/01/2024"
    for source, kwargs in _sources(frame, tmp_path / "src"):
        with fallback(), pytest.raises(HiringFunnelError) as expected:
            read_events_engine(source, as_of=AS_OF, **kwargs)
        with pytest.raises(HiringFunnelError) as got:
            read_events_engine(source, as_of=AS_OF, **kwargs)
        assert str(got.value) == str(expected.value)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda f: f.assign(score=f["score"] / 2), "floats"),
        (lambda f: f.assign(score=[[1, 2]] * len(f)), "a list, struct or map"),
        (lambda f: f.assign(event=range(len(f))), "not text"),
        (lambda f: f.assign(timestamp=range(len(f))), "Excel dates"),
        (lambda f: f.assign(score=f["score"].astype("Int64").where(f.index != 3)), "floats"),
        (
            lambda f: f.assign(when=f["when"] + pd.Timedelta(1, unit="ns")),
            "nanoseconds",
        ),
        (lambda f: f.assign(when=f["when"].dt.tz_convert("Europe/Paris")), "time zone"),
        (lambda f: f.assign(when=f["when"].dt.tz_localize(None).dt.to_period("D")), "period"),
    ],
    ids=["float", "list", "int-event", "int-timestamp", "int-null", "ns", "paris", "period"],
)
def test_types_not_rendered_fall_back_with_a_reason(
    change: Any, reason: str, tmp_path: Path
) -> None:
    path = _parquet(change(dirty_log()), tmp_path / "log.parquet")
    log = compare(path, tmp_path, native=False, as_of=AS_OF)
    assert log is None or reason in log.meta["fallback"], log.meta["fallback"]


def test_event_column_holding_the_null_mark_falls_back(tmp_path: Path) -> None:
    frame = dirty_log()
    frame.loc[[1, 2], "event"] = [None, "\x1f"]
    log = compare(_parquet(frame, tmp_path / "log.parquet"), tmp_path, native=False, as_of=AS_OF)
    assert log is not None and "U+001F" in log.meta["fallback"]


# --- generated typed frames ---

_TEXT = st.sampled_from(["a1", " a2 ", "N/A", "", "a\u200b1", "=1+1", "-3", "Zürich", None])
_EVENTS = st.sampled_from(["applied", "Applied ", "rejection", "offer", "screen", "ghosted", None])
_DATES = st.sampled_from(
    ["2024-03-01", "2024-03-02T10:00:00Z", "2024-02-30", "", None, "2024-03-03T12:00:00.5Z"]
)
_SECONDS = st.one_of(st.none(), st.integers(0, 60 * 86_400), st.floats(0, 60 * 86_400))
_NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)


@st.composite
def typed_frames(draw: st.DrawFn) -> pd.DataFrame:
    """Text or integer ids, text events, text, aware or naive times, ints, booleans, times."""
    n = draw(st.integers(1, 10))
    ids = st.integers(1, 4) if draw(st.booleans()) else st.sampled_from(["a1", "a2", " a1", None])
    frame = pd.DataFrame(
        {
            "application_id": [draw(ids) for _ in range(n)],
            "event": [draw(_EVENTS) for _ in range(n)],
            "stage": [draw(_TEXT) for _ in range(n)],
            "score": [draw(st.integers(-3, 3)) for _ in range(n)],
            "flag": [draw(st.sampled_from([True, False, None])) for _ in range(n)],
        }
    )
    # Times to the microsecond (the engine's precision), with a zone, without one, or as text.
    seconds = [draw(_SECONDS) for _ in range(n)]
    stamps = pd.Series(
        [
            None if s is None else pd.Timestamp("2024-02-20") + pd.Timedelta(s, unit="s")
            for s in seconds
        ],
        dtype="datetime64[ns]",
    ).dt.floor("us")
    kind = draw(st.sampled_from(["text", "aware", "naive"]))
    if kind == "text":
        frame["timestamp"] = [draw(_DATES) for _ in range(n)]
    else:
        frame["timestamp"] = stamps.dt.tz_localize("UTC") if kind == "aware" else stamps
    if draw(st.booleans()):  # a time that is only an attribute
        frame["seen"] = stamps.dt.tz_localize("UTC") if draw(st.booleans()) else stamps
    if draw(st.booleans()):
        frame = pd.concat([frame, frame.iloc[[draw(st.integers(0, n - 1))]]], ignore_index=True)
    return frame


@settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    phases=_NO_SHRINK,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(frame=typed_frames())
def test_generated_typed_frames_as_parquet(frame: pd.DataFrame) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        path = _parquet(frame, out / "log.parquet")
        compare(path, out, as_of=AS_OF)


def test_tables_the_fallback_refuses_give_its_error(tmp_path: Path) -> None:
    frame = dirty_log()
    empty = _parquet(frame.iloc[:0], tmp_path / "empty.parquet")
    assert compare(empty, tmp_path, as_of=AS_OF) is None
    no_event = _parquet(frame.drop(columns="event"), tmp_path / "no_event.parquet")
    assert compare(no_event, tmp_path, as_of=AS_OF) is None
    folder = tmp_path / "parts" / "k=1"
    folder.mkdir(parents=True)
    frame.drop(columns="timestamp").to_parquet(folder / "a.parquet", index=False)
    assert compare(str(tmp_path / "parts"), tmp_path, as_of=AS_OF) is None
    with pytest.raises(HiringFunnelError, match="<DataFrame>: missing required column"):
        read_events_engine(str(tmp_path / "parts"), as_of=AS_OF)


def test_columns_differing_only_in_case(tmp_path: Path) -> None:
    # pyarrow keeps both; DuckDB's names are not case-sensitive.
    frame = dirty_log().assign(Stage=lambda f: f["stage"])
    compare(_parquet(frame, tmp_path / "log.parquet"), tmp_path, native=False, as_of=AS_OF)
