"""The summary's one-pass lean episodes on DuckDB against the pandas episodes and summary.

The reference is :func:`hiring_funnel.episodes` and :func:`hiring_funnel.analyses.summary.summarise`
on the pandas path: the lean pass (:mod:`hiring_funnel.engine.lean`) is an independent
query that codes candidates as integers, so it must group episodes into candidates exactly
as :func:`hiring_funnel.report.privacy.candidate_key` does, and give the same durations and causes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hiring_funnel as hf
from hiring_funnel.analyses.summary import headline, summarise
from hiring_funnel.engine.lean import lean_episodes
from hiring_funnel.report.privacy import candidate_key
from hiring_funnel.schema import as_canonical_events, empty_events


def _pandas_episodes(*args, **kwargs):  # type: ignore[no-untyped-def]
    """hf.episodes on the pandas path with the engines' day rule (issue 15, item 3).

    The engines build episodes without ``last_day_share`` (``end_of_day``: a
    censored episode is at risk all of its last day), so the pandas side they
    are compared with is asked for the same rule.
    """
    return hf.episodes(*args, day_boundary="end_of_day", **kwargs)


def _end_of_day(log):  # type: ignore[no-untyped-def]
    """Every clock's pandas episodes by the engines' day rule, for summarise(made=)."""
    return {c: _pandas_episodes(log, c) for c in hf.CLOCKS}


ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
BASE = pd.Timestamp("2024-02-26", tz="UTC")


def by_candidate(ep: pd.DataFrame) -> Counter:
    """The episodes grouped by candidate, as a multiset that ignores how candidates are named."""
    who = candidate_key(ep).to_numpy()
    rows = list(zip(who, ep["duration"], ep["cause"].astype(object).fillna("-"), strict=True))
    groups: dict[object, list[tuple[float, str]]] = {}
    for w, d, c in rows:
        groups.setdefault(w, []).append((float(d), str(c)))
    return Counter(tuple(sorted(g)) for g in groups.values())


@st.composite
def event_logs(draw):
    """Ties, applications whose candidate changes or is missing, candidates shared."""
    rows = []
    for app in range(draw(st.integers(1, 6))):
        # No candidate at all, one throughout, or several (the first in event order counts).
        style = draw(st.sampled_from(["none", "one", "varies"]))
        pool = {"none": [None], "one": [draw(st.sampled_from(["p1", "p2", f"app{app}"]))]}.get(
            style, [None, "p1", "p2", f"app{app}"]
        )
        for _ in range(draw(st.integers(0, 6))):
            when = BASE + pd.Timedelta(
                days=draw(st.integers(0, 9)), hours=draw(st.sampled_from([0, 9, 23]))
            )
            event = draw(st.sampled_from(hf.EVENTS))
            cand = draw(st.sampled_from(pool))
            rows.append((f"app{app}", event, when, cand))
    if not rows:
        return empty_events()
    frame = pd.DataFrame(rows, columns=["application_id", "event", "timestamp", "candidate_id"])
    frame["line"] = draw(st.permutations(list(range(2, len(rows) + 2))))
    return as_canonical_events(frame)


@settings(max_examples=60, deadline=None)
@given(event_logs(), st.integers(-1, 10))
def test_generated_logs_group_like_pandas(log, as_of_day):
    as_of = BASE + pd.Timedelta(days=as_of_day, hours=9)
    lean = lean_episodes(log, hf.CLOCKS, as_of=as_of)
    for clock in hf.CLOCKS:
        want = _pandas_episodes(log, clock, as_of=as_of)
        got = lean[clock]
        assert len(got) == len(want)
        assert list(got["cause"].cat.categories) == list(want["cause"].cat.categories)
        assert by_candidate(got) == by_candidate(want)
        assert got.attrs["as_of"] == want.attrs["as_of"]


@pytest.fixture(scope="module")
def sample_logs():
    kw = {"attributes": SAMPLE / "attributes.csv", "mapping": SAMPLE / "mapping.toml"}
    return hf.read_events(SAMPLE / "events.csv", **kw), hf.read_events(
        SAMPLE / "events.csv", engine="duckdb", **kw
    )


@pytest.mark.parametrize("by", [None, "industry", "company_size", "role_level"])
@pytest.mark.parametrize("min_group", [1, 5, 40, 400])
def test_summary_of_the_sample_is_the_pandas_summary(sample_logs, by, min_group):
    plain, engine = sample_logs
    want = summarise(plain, by=by, min_group=min_group, made=_end_of_day(plain))
    made: dict[str, pd.DataFrame] = {}
    got = summarise(engine, by=by, min_group=min_group, made=made)
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs
    if by is None:
        assert headline(engine, min_group=min_group, decision=made["decision"]) == headline(
            plain, min_group=min_group, decision=_pandas_episodes(plain, "decision")
        )


def test_sample_candidates_are_the_pandas_candidates(sample_logs):
    plain, engine = sample_logs
    lean = lean_episodes(engine, hf.CLOCKS, "industry")
    for clock in hf.CLOCKS:
        want = _pandas_episodes(plain, clock)
        assert by_candidate(lean[clock]) == by_candidate(want)
        assert Counter(lean[clock]["industry"]) == Counter(want["industry"])


def test_an_unknown_breakdown_is_one_line(sample_logs):
    with pytest.raises(hf.HiringFunnelError, match="not an attribute"):
        lean_episodes(sample_logs[1], ["decision"], "no_such_column")


def test_the_first_candidate_is_first_in_event_order_not_in_the_file():
    # Application a names p1 on an earlier line but p2 at its earlier event: its candidate is
    # p2 (clocks.py: the first candidate_id in event order), the one b has too.
    frame = pd.DataFrame(
        {
            "application_id": ["a", "a", "b", "b"],
            "event": ["rejection", "applied", "applied", "offer"],
            "timestamp": [BASE + pd.Timedelta(days=4), BASE, BASE, BASE + pd.Timedelta(days=2)],
            "candidate_id": ["p1", "p2", "p2", "p2"],
            "line": [2, 3, 4, 5],
        }
    )
    log = as_canonical_events(frame)
    as_of = BASE + pd.Timedelta(days=9)
    got = lean_episodes(log, ["decision"], as_of=as_of)["decision"]
    want = _pandas_episodes(log, "decision", as_of=as_of)
    assert list(want["candidate_id"]) == ["p2", "p2"]
    assert got["candidate_id"].nunique() == 1
    assert by_candidate(got) == by_candidate(want)


def _read_again_log() -> pd.DataFrame:
    """Applications that the grouping alone does not settle, as canonical events."""
    # The grouping takes an application's first ending event as its end only when it comes
    # after the first applied, and min = max as its candidate; these are the others.
    day = pd.Timedelta(days=1)
    rows = [
        # A screen before applying: first_response ends at the interview (day 3), not day 0.
        ("a", "screen", BASE, "p1"),
        ("a", "applied", BASE + day, "p1"),
        ("a", "interview", BASE + 3 * day, "p1"),
        ("a", "rejection", BASE + 5 * day, "p1"),
        # An offer before the first applied: the decision clock is still open (censored).
        ("b", "offer", BASE, "p2"),
        ("b", "applied", BASE + 2 * day, "p2"),
        # Two applied: the origin is the first, the end the rejection between them.
        ("c", "applied", BASE, None),
        ("c", "rejection", BASE + 2 * day, None),
        ("c", "applied", BASE + 4 * day, None),
        # The candidate changes: p3 first in event order (a later line), then p1.
        ("d", "applied", BASE, "p3"),
        ("d", "screen", BASE + day, "p1"),
        ("d", "offer", BASE + 6 * day, "p1"),
        # An ending event after as_of ends nothing.
        ("e", "applied", BASE, "p4"),
        ("e", "rejection", BASE + 20 * day, "p4"),
    ]
    frame = pd.DataFrame(rows, columns=["application_id", "event", "timestamp", "candidate_id"])
    frame["line"] = [2 + i for i in range(len(rows))]
    frame.loc[frame["application_id"] == "d", "line"] = [30, 10, 11]
    return as_canonical_events(frame)


def test_applications_read_again_end_like_pandas():
    log = _read_again_log()
    day = pd.Timedelta(days=1)
    as_of = BASE + 9 * day
    lean = lean_episodes(log, hf.CLOCKS, as_of=as_of)
    for clock in hf.CLOCKS:
        want = _pandas_episodes(log, clock, as_of=as_of)
        assert by_candidate(lean[clock]) == by_candidate(want), clock
    # What the pandas path says, spelled out for the first two applications.
    first = _pandas_episodes(log, "first_response", as_of=as_of).set_index("application_id")
    assert (first.loc["a", "duration"], first.loc["a", "cause"]) == (2.0, "positive")
    decision = _pandas_episodes(log, "decision", as_of=as_of).set_index("application_id")
    assert decision.loc["b", "duration"] == 7.0 and pd.isna(decision.loc["b", "cause"])


def test_an_engine_log_with_as_of_is_summarised_like_pandas():
    # With an as_of the engine log's events are not scanned again (the ingest checked them).
    kw = {"attributes": SAMPLE / "attributes.csv", "mapping": SAMPLE / "mapping.toml"}
    as_of = "2026-06-15"  # mid-log: episodes still open, events after it ignored
    plain = hf.read_events(SAMPLE / "events.csv", as_of=as_of, **kw)
    engine = hf.read_events(SAMPLE / "events.csv", engine="duckdb", as_of=as_of, **kw)
    assert engine.as_of is not None
    got = summarise(engine, min_group=5)
    want = summarise(plain, min_group=5, made=_end_of_day(plain))
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs


def test_a_table_of_other_types_is_made_canonical():
    # An engine table whose columns are not the canonical types goes through events_table;
    # an engine log's table, already canonical, is read as it is.
    import ibis

    from hiring_funnel.engine.lean import _canonical_table

    con = ibis.duckdb.connect()
    con.raw_sql(
        "CREATE TABLE raw AS SELECT * FROM (VALUES ('a', 'applied', TIMESTAMP '2024-03-01', 2),"
        " ('a', 'rejection', TIMESTAMP '2024-03-03', 3)) AS t(application_id, event, timestamp, line)"
    )
    raw = con.table("raw")  # a naive timestamp and an int32 line
    assert _canonical_table(raw, None) is not raw
    lean = lean_episodes(raw, ["decision"], as_of=pd.Timestamp("2024-03-05", tz="UTC"))
    assert list(lean["decision"]["duration"]) == [2.0]
    assert list(lean["decision"]["cause"]) == ["rejection"]
    engine = hf.read_events(SAMPLE / "events.csv", engine="duckdb")
    assert _canonical_table(engine.events, None) is engine.events


@pytest.mark.slow
def test_spark_gives_the_pandas_episodes():
    # The Ibis query is the general path: the same episodes and candidates on Spark.
    from hiring_funnel.engine import connect
    from hiring_funnel.engine.spark import spark_table

    con = connect("spark", master="local[1]")
    try:
        sim = hf.simulate(300, seed=7)
        odd = _read_again_log()
        for events, as_of in ((sim.events, sim.as_of), (odd, BASE + pd.Timedelta(days=9))):
            lean = lean_episodes(spark_table(con, events), hf.CLOCKS, as_of=as_of)
            for clock in hf.CLOCKS:
                want = _pandas_episodes(events, clock, as_of=as_of)
                assert by_candidate(lean[clock]) == by_candidate(want), clock
    finally:
        con.disconnect()
