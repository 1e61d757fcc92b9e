"""EngineLog.close(): a reused connection does not keep every log's tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from hiring_funnel.engine import connect
from hiring_funnel.engine.ingest import read_events_engine
from hiring_funnel.io.load import read_events

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"


def _temp(db: object) -> set[str]:
    rows = db.execute(  # type: ignore[attr-defined]
        "SELECT table_name FROM duckdb_tables() WHERE temporary UNION ALL "
        "SELECT view_name FROM duckdb_views() WHERE temporary AND NOT internal"
    ).fetchall()
    return {r[0] for r in rows}


def test_close_drops_what_the_read_made_and_nothing_else() -> None:
    con = connect("duckdb")
    db = con.con
    db.execute("CREATE TEMP TABLE mine AS SELECT 1 AS x").fetchall()
    first = read_events_engine(SAMPLE / "events.csv", SAMPLE / "mapping.toml", con=con)
    after_first = _temp(db)
    second = read_events_engine(
        SAMPLE / "events.csv",
        SAMPLE / "mapping.toml",
        attributes=SAMPLE / "attributes.csv",
        con=con,
    )
    assert len(_temp(db)) > len(after_first) > 1
    first.close()
    left = _temp(db)
    assert "mine" in left
    assert not {first.events.get_name(), first.attributes.get_name()} & left
    # The second log is whole: the same as the pandas path.
    expected = read_events(
        SAMPLE / "events.csv", attributes=SAMPLE / "attributes.csv", mapping=SAMPLE / "mapping.toml"
    )
    pd.testing.assert_frame_equal(second.to_event_log().events, expected.events)
    second.close()
    assert _temp(db) == {"mine"}


def test_a_with_block_closes_the_log() -> None:
    con = connect("duckdb")
    with read_events_engine(SAMPLE / "events.csv", SAMPLE / "mapping.toml", con=con) as log:
        assert log.rows_loaded > 0
        assert len(_temp(con.con)) > 1
    assert _temp(con.con) == set()


def test_a_fallback_read_is_closed_too(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    frame = pd.read_csv(SAMPLE / "events.csv", dtype=str, keep_default_na=False)
    frame.to_json(path, orient="records", lines=True)
    con = connect("duckdb")
    log = read_events_engine(path, SAMPLE / "mapping.toml", con=con)
    assert "fallback" in log.meta and _temp(con.con)
    log.close()
    assert _temp(con.con) == set()
