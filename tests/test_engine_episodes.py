"""Episodes on the engine (DuckDB) equal the pandas path's, row for row and attrs too.

The reference is :func:`hiring_funnel.episodes` on the same log: the engine
query is an independent implementation (windows over applications) of the
same rules (clocks.py, DESIGN.md "Clocks").
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hiring_funnel as hf
from hiring_funnel.engine import connect
from hiring_funnel.engine.episodes import episodes as engine_episodes
from hiring_funnel.engine.tables import events_table
from hiring_funnel.schema import as_canonical_events, empty_events


def _pandas_episodes(*args, **kwargs):  # type: ignore[no-untyped-def]
    """hf.episodes on the pandas path with the engines' day rule (issue 15, item 3).

    The engines build episodes without ``last_day_share`` (``end_of_day``: a
    censored episode is at risk all of its last day), so the pandas side they
    are compared with is asked for the same rule.
    """
    return hf.episodes(*args, day_boundary="end_of_day", **kwargs)


ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"
TRACKER = ROOT / "data" / "real-logs" / "timhanneman" / "Merged.csv"

OPTIONS = [
    (clock, withdrawn, origin)
    for clock in hf.CLOCKS
    for withdrawn in ("censor", "cause")
    for origin in (("applied", "first_interview") if clock == "decision" else ("applied",))
]
UNITS = [
    ("days", None),
    ("business_days", None),
    ("business_days", "US"),
    ("business_days", ["2026-05-25", "2026-07-03", "2026-07-04", "2026-12-25"]),
]


@pytest.fixture(scope="module")
def con():
    return connect()


@pytest.fixture(scope="module")
def sample() -> hf.EventLog:
    return hf.read_events(
        SAMPLE / "events.csv", attributes=SAMPLE / "attributes.csv", mapping=SAMPLE / "mapping.toml"
    )


def assert_same(got: hf.EventLog | pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs


@pytest.mark.parametrize(("clock", "withdrawn", "origin"), OPTIONS)
@pytest.mark.parametrize(("unit", "holidays"), UNITS)
def test_sample_equals_pandas(sample, con, clock, withdrawn, origin, unit, holidays):
    kw = {"withdrawn": withdrawn, "origin": origin, "unit": unit, "holidays": holidays}
    got = engine_episodes(sample, clock, con=con, **kw).to_pandas()
    assert_same(got, _pandas_episodes(sample, clock, **kw))


def test_sample_without_as_of_takes_the_last_timestamp(sample, con):
    got = engine_episodes(sample.events, "decision", con=con).to_pandas()
    want = _pandas_episodes(sample.events, "decision")
    assert_same(got, want)
    assert got.attrs["as_of"] == sample.events["timestamp"].max()


@pytest.mark.parametrize("as_of", ["2026-06-01", "2026-03-15T12:00:00"])
def test_an_earlier_as_of_ignores_later_events(sample, con, as_of):
    for clock in hf.CLOCKS:
        got = engine_episodes(sample, clock, as_of=as_of, con=con).to_pandas()
        want = _pandas_episodes(sample, clock, as_of=as_of)
        assert_same(got, want)
        assert got.attrs["skipped"]["origin after as_of"] > 0 or clock == "interview_feedback"


@pytest.mark.parametrize("clock", hf.CLOCKS)
def test_real_tracker_equals_pandas(con, clock):
    log = hf.read_events(TRACKER, mapping="timhanneman")
    for withdrawn in ("censor", "cause"):
        got = engine_episodes(log, clock, withdrawn=withdrawn, con=con).to_pandas()
        assert_same(got, _pandas_episodes(log, clock, withdrawn=withdrawn))


def test_the_query_stays_lazy_and_sorts_once(sample, con):
    import re

    import ibis.expr.types as ir

    for clock in hf.CLOCKS:
        ep = engine_episodes(sample, clock, con=con)
        assert isinstance(ep.table, ir.Table)
        # Every window function shares one partitioning (by application) and one
        # order: DuckDB sorts once, Spark shuffles once.
        sql = str(ep.table.compile())
        specs = re.findall(r"OVER \((PARTITION BY .*?) ROWS", sql)
        assert len(specs) == 4 and len(set(specs)) == 1, specs
        assert specs[0].startswith('PARTITION BY "t') and '"application_id" ORDER BY' in specs[0]


@pytest.mark.parametrize("fmt", ["parquet", "csv", "folder"])
def test_files_of_canonical_events_give_the_same(tmp_path, sample, con, fmt):
    events = sample.events
    if fmt == "csv":
        hf.write_simulated(hf.simulate(300, seed=5), tmp_path)
        sim = hf.read_events(
            tmp_path / "events.csv",
            attributes=tmp_path / "attributes.csv",
            mapping=tmp_path / "mapping.toml",
        )
        src, attrs, log = tmp_path / "events.csv", tmp_path / "attributes.csv", sim
    else:
        folder = tmp_path / "events"
        folder.mkdir()
        if fmt == "parquet":
            src = tmp_path / "events.parquet"
            events.to_parquet(src)
        else:  # two files in one folder
            events.iloc[: len(events) // 2].to_parquet(folder / "part-0.parquet")
            events.iloc[len(events) // 2 :].to_parquet(folder / "part-1.parquet")
            src = folder
        attrs = tmp_path / "attributes.parquet"
        sample.attributes.to_parquet(attrs)
        log = sample
    for clock in hf.CLOCKS:
        got = engine_episodes(
            events_table(src, con), clock, attributes=attrs, as_of=log.as_of or None
        ).to_pandas()
        want = _pandas_episodes(log, clock)
        if log.as_of is None:
            want.attrs["as_of"] = got.attrs["as_of"]
        assert_same(got, want)


# -- Hypothesis: generated logs ------------------------------------------------------------

BASES = [pd.Timestamp("2024-02-26", tz="UTC"), pd.Timestamp("1969-12-29", tz="UTC")]


@st.composite
def event_logs(draw):
    """Few days and hours (ties are common), events before applied, no candidate, no applied."""
    base = draw(st.sampled_from(BASES))
    rows = []
    for app in range(draw(st.integers(0, 5))):
        for _ in range(draw(st.integers(0, 7))):
            when = base + pd.Timedelta(
                days=draw(st.integers(0, 9)),
                hours=draw(st.sampled_from([0, 9, 23])),
                seconds=draw(st.sampled_from([0, 0, 1])),
            )
            rows.append(
                (
                    f"app{app}",
                    draw(st.sampled_from(hf.EVENTS)),
                    when,
                    draw(st.sampled_from([None, None, "p1", "p2"])),
                )
            )
    if not rows:
        return empty_events()
    frame = pd.DataFrame(rows, columns=["application_id", "event", "timestamp", "candidate_id"])
    frame["line"] = draw(st.permutations(list(range(2, len(rows) + 2))))
    return as_canonical_events(frame)


options = st.fixed_dictionaries(
    {
        "clock": st.sampled_from(hf.CLOCKS),
        "withdrawn": st.sampled_from(["censor", "cause"]),
        "as_of_day": st.none() | st.integers(-1, 10),
        "first_interview": st.booleans(),
        "unit": st.sampled_from(
            [
                ("days", None),
                ("business_days", None),
                ("business_days", "US"),
                ("business_days", "DE"),
            ]
        ),
    }
)


def check_generated(con, log: pd.DataFrame, opts: dict) -> None:
    origin = (
        "first_interview" if opts["first_interview"] and opts["clock"] == "decision" else "applied"
    )
    base = log["timestamp"].min() if len(log) else BASES[0]
    as_of = None
    if opts["as_of_day"] is not None:
        as_of = base.normalize() + pd.Timedelta(days=opts["as_of_day"], hours=9)
    unit, holidays = opts["unit"]
    kw = {
        "as_of": as_of,
        "withdrawn": opts["withdrawn"],
        "origin": origin,
        "unit": unit,
        "holidays": holidays,
    }
    got = engine_episodes(log, opts["clock"], con=con, **kw).to_pandas()
    want = _pandas_episodes(log, opts["clock"], **kw)
    if pd.isna(want.attrs["as_of"]):  # NaT != NaT
        assert pd.isna(got.attrs["as_of"])
        got.attrs["as_of"] = want.attrs["as_of"]
    assert_same(got, want)


@settings(max_examples=40, deadline=None)
@given(event_logs(), options)
def test_generated_logs_equal_pandas(con, log, opts):
    check_generated(con, log, opts)


@pytest.mark.slow
@settings(max_examples=600, deadline=None)
@given(event_logs(), options)
def test_generated_logs_equal_pandas_many(con, log, opts):
    check_generated(con, log, opts)


# -- bad input ------------------------------------------------------------------------------


def _frame(**change) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "application_id": pd.array(["a", "a", "b"], dtype="string"),
            "event": ["applied", "offer", "applied"],
            "timestamp": pd.to_datetime(["2024-03-01", "2024-03-04", "2024-03-02"], utc=True),
            "line": [2, 3, 4],
        }
    )
    for col, (row, value) in change.items():
        frame.loc[row, col] = value
    return frame


@pytest.mark.parametrize("column", ["application_id", "timestamp"])
def test_a_missing_value_is_the_pandas_error(con, column):
    frame = _frame(**{column: (2, None)})
    with pytest.raises(hf.HiringFunnelError) as want:
        _pandas_episodes(as_canonical_events(frame), "decision")
    with pytest.raises(hf.HiringFunnelError) as got:
        engine_episodes(frame, "decision", con=con)
    assert str(got.value) == str(want.value)
    assert got.value.line == 4 and got.value.column == column


def test_an_unknown_event_names_the_event_and_line(con, tmp_path):
    path = tmp_path / "events.csv"
    _frame(event=(1, "hired")).to_csv(path, index=False)
    with pytest.raises(
        hf.HiringFunnelError, match=r"1 unknown event name\(s\), first 'hired' at line 3"
    ):
        engine_episodes(events_table(path, con), "decision")
