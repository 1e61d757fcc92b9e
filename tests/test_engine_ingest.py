"""read_events_engine (DuckDB) against read_events (pandas): the same answers on every input.

Every comparison is to the pandas path run in the same test on the same file:
events, attributes, quarantined rows (with their lines), counts, problems,
meta, and the one-line error of a file that cannot be read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from test_malformed import CASES, CORPUS, Case

from hiring_funnel.engine.ingest import EngineLog, read_events_engine
from hiring_funnel.engine.ingest_raw import RAGGED_MULTILINE
from hiring_funnel.io.load import read_events
from hiring_funnel.outputs import write_guarded_csv
from hiring_funnel.schema import EventLog, HiringFunnelError

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"


def assert_same(engine: EngineLog, log: EventLog) -> None:
    """The engine's log equals the pandas one in everything read_events returns."""
    got = engine.to_event_log()
    pd.testing.assert_frame_equal(got.events, log.events)
    pd.testing.assert_frame_equal(got.attributes, log.attributes)
    pd.testing.assert_frame_equal(got.quarantine, log.quarantine)
    assert got.counts() == log.counts()
    assert engine.rows_read == engine.rows_loaded + engine.rows_skipped + engine.rows_quarantined
    assert got.problems == log.problems
    assert got.meta == log.meta
    assert (got.as_of, got.source) == (log.as_of, log.source)


def named(log: EventLog, name: str) -> EventLog:
    """``log`` as read from a DataFrame, named as the engine names the file or table it read."""
    import dataclasses

    return dataclasses.replace(log, source=name, quarantine=log.quarantine.assign(file=name))


def test_sample_reads_natively_and_equals_read_events(tmp_path: Path) -> None:
    args = {"mapping": SAMPLE / "mapping.toml", "attributes": str(SAMPLE / "attributes.csv")}
    engine = read_events_engine(str(SAMPLE / "events.csv"), **args)
    assert engine.meta["native"] and "fallback" not in engine.meta
    assert_same(engine, read_events(str(SAMPLE / "events.csv"), **args))
    # The events stay in the engine, as an Ibis table.
    assert engine.events.count().execute() == engine.rows_loaded


#: Corpus files the engine reads natively (the rest fall back to read_events).
NATIVE = {
    "after_as_of.csv",
    "all_ragged.csv",
    "attributes_file.csv",
    "bad_dates.csv",
    "conflicting_outcomes.csv",
    "crlf_blank_lines.csv",
    "dmy.csv",
    "dst_gap.csv",
    "event_values.csv",
    "exact_duplicate.csv",
    "formula.csv",
    "future_events.csv",
    "missing_id.csv",
    "missing_tokens.csv",
    "mixed_iso_mdy.csv",
    "quoted_newline.csv",
    "ragged.csv",
    "response_before_application.csv",
    "semicolon.csv",
    "tabs.tsv",
    "thousands.csv",
    "timezone.csv",
    "unknown_event.csv",
    "utf8_bom.csv",
}


def _kwargs(case: Case) -> dict[str, str | None]:
    args = dict(zip(case.args[::2], case.args[1::2], strict=True))
    return {
        "mapping": args.get("--mapping"),
        "attributes": args.get("--attributes"),
        "encoding": args.get("--encoding"),
        "as_of": args.get("--as-of"),
    }


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_corpus_equals_read_events(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(CORPUS)  # relative names, as the messages show them
    # One "today" for both reads: a quarantine reason names it to the minute,
    # and the two reads may fall on either side of a minute's end.
    today = pd.Timestamp.now(tz="UTC")
    monkeypatch.setattr(pd.Timestamp, "now", classmethod(lambda cls, tz=None: today))
    kwargs = _kwargs(case)
    try:
        expected = read_events(case.file, **kwargs)  # type: ignore[arg-type]
    except HiringFunnelError as exc:
        with pytest.raises(HiringFunnelError) as got:
            read_events_engine(case.file, **kwargs)  # type: ignore[arg-type]
        assert str(got.value) == str(exc)
        return
    engine = read_events_engine(case.file, **kwargs)  # type: ignore[arg-type]
    assert engine.meta["native"] == (case.file in NATIVE), engine.meta.get("fallback")
    assert_same(engine, expected)
    # The quarantine file, written by DuckDB, is the pandas one byte for byte.
    ours, theirs = tmp_path / "engine.csv", tmp_path / "pandas.csv"
    engine.write_quarantine(ours)
    write_guarded_csv(expected.quarantine, theirs)
    assert ours.read_bytes() == theirs.read_bytes()


# --- the real tracker: a wide layout, read by read_events and put in the engine ---


def test_real_tracker_falls_back_and_equals_read_events() -> None:
    merged = ROOT / "data" / "real-logs" / "timhanneman" / "Merged.csv"
    engine = read_events_engine(str(merged), mapping="timhanneman")
    assert not engine.meta["native"] and "wide" in engine.meta["fallback"]
    expected = read_events(str(merged), mapping="timhanneman")
    assert_same(engine, expected)
    # A wide row gives several events; all of them are in the engine's table.
    assert engine.events.count().execute() == len(expected.events) > engine.rows_loaded


# --- generated files: quotes, line breaks in cells, blank lines, bad dates, copies ---

_IDS = st.sampled_from(["a1", "a2", "a3", " a4 ", "N/A", "", "a\u200b1", "é1"])
_EVENTS = st.sampled_from(
    ["applied", "Applied ", "rejection", "offer", "screen", "ghosted", "", "Follow-Up", "offer"]
)
_DATES = st.sampled_from(
    [
        "2024-03-01",
        "2024-03-02T10:00:00Z",
        "2024-03-05 08:30",
        "2024-03-04T23:30:00-05:00",
        "2024-02-30",
        "yesterday",
        "",
        "2999-01-01",
        " 2024-03-03T12:00:00Z ",
        "2024-03-03T12:00:00.5Z",
        "n/a",
    ]
)
_TEXT = st.sampled_from(["x", "a, b", 'say "hi"', "two\nlines", "=1+1", "-3", " ", "Zürich"])


def _cell(value: str, quote: bool) -> str:
    if quote or any(c in value for c in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


# Each example reads a file twice (about a second); shrinking would take minutes,
# and the failing file is printed whole anyway.
_NO_SHRINK = (Phase.explicit, Phase.reuse, Phase.generate)
_HC = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


@st.composite
def csv_logs(draw: st.DrawFn) -> str:
    rows = draw(
        st.lists(st.tuples(_IDS, _EVENTS, _DATES, _TEXT, st.booleans()), min_size=1, max_size=12)
    )
    if draw(st.booleans()) and rows:
        rows.append(rows[draw(st.integers(0, len(rows) - 1))])  # an exact copy
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = ["application_id,event,timestamp,stage"]
    for app, event, date, text, quote in rows:
        lines.append(",".join(_cell(v, quote) for v in (app, event, date, text)))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", ",,,", "a9,applied"])))  # blank or ragged
    return newline.join(lines) + (newline if draw(st.booleans()) else "")


@settings(max_examples=12, deadline=None, phases=_NO_SHRINK, suppress_health_check=_HC)
@given(text=csv_logs())
def test_generated_csv_equals_read_events(text: str, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(text.encode("utf-8"))
    _compare_file(path, tmp_path)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, phases=_NO_SHRINK, suppress_health_check=_HC)
@given(text=csv_logs())
def test_generated_csv_equals_read_events_many(text: str, tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_bytes(text.encode("utf-8"))
    _compare_file(path, tmp_path)


def _compare_file(path: Path, tmp_path: Path) -> None:
    # The one kind of generated file DuckDB cannot read natively.
    compare_reads(path, tmp_path, fallbacks=(RAGGED_MULTILINE,), as_of="2024-06-01")


def compare_reads(
    path: Path,
    tmp_path: Path,
    *,
    fallbacks: tuple[str, ...] = (),
    errors: type[Exception] = HiringFunnelError,
    **kwargs: Any,
) -> None:
    """``read_events`` and ``read_events_engine`` of ``path`` agree: the same error
    (one of ``errors``) with the same message, or the same log, read natively (or
    for one of ``fallbacks``), and the same quarantine file, byte for byte."""
    try:
        expected = read_events(str(path), **kwargs)
    except errors as exc:
        with pytest.raises(type(exc)) as got:
            read_events_engine(str(path), **kwargs)
        assert str(got.value) == str(exc)
        return
    engine = read_events_engine(str(path), **kwargs)
    assert engine.meta["native"] or engine.meta.get("fallback") in fallbacks, engine.meta
    assert_same(engine, expected)
    ours, theirs = tmp_path / "engine.csv", tmp_path / "pandas.csv"
    engine.write_quarantine(ours)
    write_guarded_csv(expected.quarantine, theirs, force=True)
    assert ours.read_bytes() == theirs.read_bytes()


_ATTR_IDS = st.sampled_from(["a1", "a2", "a3", " a4 ", "a9", "", "N/A", "a\u200b1", "é1"])
_ATTR_VALUES = st.sampled_from(["x", "y", "", "n/a", "55,000", "1,200", " 7 ", "a, b", "=1+1"])


@st.composite
def attribute_files(draw: st.DrawFn) -> str:
    """Attributes files with missing ids, exact copies, conflicting rows, ragged and blank lines."""
    rows = draw(st.lists(st.tuples(_ATTR_IDS, _ATTR_VALUES, _ATTR_VALUES), min_size=1, max_size=10))
    for _ in range(draw(st.integers(0, 2))):  # exact copies of earlier rows
        rows.append(rows[draw(st.integers(0, len(rows) - 1))])
    lines = ["application_id,industry,salary"]
    for app, industry, salary in rows:
        lines.append(",".join(_cell(v, False) for v in (app, industry, salary)))
        if draw(st.integers(0, 9)) == 0:
            lines.append(draw(st.sampled_from(["", "a1", "a2,x,y,z"])))  # blank or ragged
    return "\n".join(lines) + "\n"


_ATTR_EVENTS = "application_id,event,timestamp\n" + "".join(
    f"{app},applied,2024-03-0{k + 1}\n{app},rejection,2024-04-0{k + 1}\n"
    for k, app in enumerate(["a1", "a2", "a3", "a4", "é1"])
)


@settings(max_examples=12, deadline=None, phases=_NO_SHRINK, suppress_health_check=_HC)
@given(text=attribute_files())
def test_generated_attribute_file_equals_read_events(text: str, tmp_path: Path) -> None:
    _compare_attribute_file(text, tmp_path)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, phases=_NO_SHRINK, suppress_health_check=_HC)
@given(text=attribute_files())
def test_generated_attribute_file_equals_read_events_many(text: str, tmp_path: Path) -> None:
    _compare_attribute_file(text, tmp_path)


def _compare_attribute_file(text: str, tmp_path: Path) -> None:
    # The attributes file's rules on the engine (missing id, exact copy, conflicting
    # duplicates, ragged rows, cleaned ids, numbers) against the pandas reader's.
    events, attributes = tmp_path / "events.csv", tmp_path / "attributes.csv"
    events.write_text(_ATTR_EVENTS, encoding="utf-8")
    attributes.write_bytes(text.encode("utf-8"))
    compare_reads(events, tmp_path, as_of="2024-06-01", attributes=str(attributes))


# --- where the data live: Parquet files, folders and globs, DuckDB tables, Ibis tables ---


@pytest.fixture(scope="module")
def sample_frame() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "events.csv", dtype=str, keep_default_na=False)


def test_parquet_file_equals_read_events(sample_frame: pd.DataFrame, tmp_path: Path) -> None:
    path = tmp_path / "events.parquet"
    sample_frame.to_parquet(path)
    engine = read_events_engine(str(path), mapping=SAMPLE / "mapping.toml")
    assert engine.meta["native"]  # engine/ingest_typed.py; its own tests: test_engine_typed.py
    assert_same(engine, read_events(str(path), mapping=SAMPLE / "mapping.toml"))


def test_hive_folder_and_glob_equal_read_events_of_their_rows(
    sample_frame: pd.DataFrame, tmp_path: Path
) -> None:
    # Two partitions (channel=...), files named so that their order is the frame's order.
    folder = tmp_path / "events"
    parts = []
    for k, (channel, part) in enumerate(sample_frame.groupby("channel", sort=True)):
        where = folder / f"channel={channel}"
        where.mkdir(parents=True)
        part.drop(columns="channel").to_parquet(where / f"part{k}.parquet", index=False)
        parts.append(part)
    rows = pd.concat(parts, ignore_index=True)
    mapping = SAMPLE / "mapping.toml"
    # DuckDB reads the files in the order of their names, the Hive key last.
    expected = read_events(
        rows[[*sample_frame.columns.drop("channel"), "channel"]], mapping=mapping
    )
    for source in (str(folder), str(folder / "*" / "*.parquet")):
        engine = read_events_engine(source, mapping=mapping)
        assert engine.meta["native"]
        assert_same(engine, named(expected, source))


def test_duckdb_table_and_ibis_table(sample_frame: pd.DataFrame, tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "log.duckdb"
    with duckdb.connect(str(path)) as con:
        con.register("frame", sample_frame)
        con.execute("CREATE TABLE events AS SELECT * FROM frame").fetchall()
    mapping = SAMPLE / "mapping.toml"
    expected = read_events(sample_frame, mapping=mapping)
    engine = read_events_engine(str(path), mapping=mapping, table="events")
    assert_same(engine, named(expected, f"{path}:events"))
    # An Ibis table is read the same way.
    import ibis

    table = ibis.duckdb.connect(str(path), read_only=True).table("events")
    assert_same(read_events_engine(table, mapping=mapping), expected)


@pytest.mark.slow
def test_simulated_log_of_1e5_applications_equals_read_events(tmp_path: Path) -> None:
    from hiring_funnel import simulate, write_simulated

    write_simulated(simulate(100_000, seed=1), tmp_path, force=True)
    args = {"mapping": tmp_path / "mapping.toml", "attributes": str(tmp_path / "attributes.csv")}
    engine = read_events_engine(str(tmp_path / "events.csv"), **args)
    assert engine.meta["native"]
    assert_same(engine, read_events(str(tmp_path / "events.csv"), **args))
