"""Life tables computed in the engine equal :func:`hiring_funnel.life_table` on the pandas episodes.

The reference is the pandas path (clocks.episodes then lifetable.life_table)
on the same log; dtypes, row order and attrs included.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hiring_funnel as hf
from hiring_funnel.engine import connect
from hiring_funnel.engine.episodes import episodes as engine_episodes
from hiring_funnel.engine.lifetable import clock_life_tables, life_table
from hiring_funnel.schema import HiringFunnelError, as_canonical_events


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
BYS = [None, "industry", ["company_size", "remote"]]


@pytest.fixture(scope="module")
def con():
    return connect()


@pytest.fixture(scope="module")
def sample() -> hf.EventLog:
    return hf.read_events(
        SAMPLE / "events.csv", attributes=SAMPLE / "attributes.csv", mapping=SAMPLE / "mapping.toml"
    )


def assert_same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs


@pytest.mark.parametrize("clock", hf.CLOCKS)
@pytest.mark.parametrize("withdrawn", ["censor", "cause"])
@pytest.mark.parametrize("by", BYS)
def test_sample_equals_pandas(sample, con, clock, withdrawn, by):
    got = life_table(engine_episodes(sample, clock, withdrawn=withdrawn, con=con), by=by)
    assert_same(got, hf.life_table(_pandas_episodes(sample, clock, withdrawn=withdrawn), by=by))


def test_business_days_with_holidays(sample, con):
    kw = {"unit": "business_days", "holidays": "US"}
    got = life_table(engine_episodes(sample, "decision", con=con, **kw), by="industry")
    assert_same(got, hf.life_table(_pandas_episodes(sample, "decision", **kw), by="industry"))


@pytest.mark.parametrize("clock", hf.CLOCKS)
def test_real_tracker_equals_pandas(con, clock):
    log = hf.read_events(TRACKER, mapping="timhanneman")
    got = life_table(engine_episodes(log, clock, con=con))
    assert_same(got, hf.life_table(_pandas_episodes(log, clock)))


@pytest.mark.parametrize(
    ("withdrawn", "unit", "holidays"),
    [("censor", "days", None), ("cause", "days", None), ("censor", "business_days", "US")],
)
def test_every_table_of_a_report_in_one_pass(sample, con, withdrawn, unit, holidays):
    by = [None, "industry", "company_size", ["industry", "remote"]]
    kw = {"withdrawn": withdrawn, "unit": unit, "holidays": holidays}
    tables = clock_life_tables(sample, by=by, con=con, **kw)
    assert len(tables) == 12
    for (clock, key), got in tables.items():
        assert_same(got, hf.life_table(_pandas_episodes(sample, clock, **kw), by=list(key)))


def test_report_tables_with_an_earlier_as_of(sample, con):
    tables = clock_life_tables(sample, by=[None, "industry"], as_of="2026-05-01", con=con)
    for (clock, key), got in tables.items():
        want = hf.life_table(_pandas_episodes(sample, clock, as_of="2026-05-01"), by=list(key))
        assert_same(got, want)


def test_report_tables_of_a_log_without_interviews(con):
    ev = as_canonical_events(
        pd.DataFrame(
            {
                "application_id": ["a", "a", "b"],
                "event": ["applied", "rejection", "applied"],
                "timestamp": ["2024-03-01", "2024-03-04", "2024-03-02"],
            }
        )
    )
    attrs = pd.DataFrame({"application_id": ["a"], "g": ["x"]}).astype("string")
    tables = clock_life_tables(ev, by=[None, "g"], attributes=attrs, as_of="2024-03-10", con=con)
    for (clock, key), got in tables.items():
        want = hf.life_table(
            _pandas_episodes(ev, clock, attributes=attrs, as_of="2024-03-10"), by=list(key)
        )
        assert_same(got, want)
    assert tables[("interview_feedback", ())].empty


def test_all_censored_groups_count_zero_not_missing(con):
    # Nobody answered: every cause column must be 0 (Spark's SUM over no match is NULL).
    ev = as_canonical_events(
        pd.DataFrame(
            {
                "application_id": ["a", "b", "c"],
                "event": ["applied", "applied", "applied"],
                "timestamp": ["2024-03-01", "2024-03-02", "2024-03-02"],
            }
        )
    )
    attrs = pd.DataFrame({"application_id": ["a", "b"], "g": ["x", "y"]}).astype("string")
    got = life_table(engine_episodes(ev, "decision", attributes=attrs, con=con), by="g")
    want = hf.life_table(_pandas_episodes(ev, "decision", attributes=attrs), by="g")
    assert_same(got, want)
    assert (got["events_offer"] == 0).all() and got["g"].isna().any()


def test_an_ibis_table_with_late_entry_equals_pandas(con):
    import ibis

    rng = np.random.default_rng(7)
    n = 300
    duration = rng.integers(0, 30, n).astype(float)
    entry = np.where(rng.random(n) < 0.3, np.floor(duration * rng.random(n)), 0.0)
    cause = rng.choice(np.array(["offer", "rejection", None], dtype=object), n)
    frame = pd.DataFrame(
        {"entry": entry, "duration": duration, "cause": cause, "g": rng.choice(["a", "b"], n)}
    )
    table = ibis.memtable(frame)
    got = life_table(table, by="g", causes=["offer", "rejection"])
    want_frame = frame.assign(
        cause=pd.Categorical(frame["cause"], categories=["offer", "rejection"]),
        g=frame["g"].astype("string"),
    )
    want = hf.life_table(want_frame, by="g")
    assert_same(got, want)
    assert got["entered"].sum() == int((entry > 0).sum())


def test_bad_requests_are_one_clear_error(sample, con):
    ep = engine_episodes(sample, "decision", con=con)
    with pytest.raises(HiringFunnelError, match="not in the episodes"):
        life_table(ep, by="nope")
    with pytest.raises(HiringFunnelError, match="clash with life table columns"):
        life_table(ep.table.mutate(time=ep.table.duration), by="time", causes=ep.causes)
    with pytest.raises(HiringFunnelError, match="needs causes"):
        life_table(ep.table)
    with pytest.raises(HiringFunnelError, match="negative"):
        life_table(ep.table.mutate(duration=ep.table.duration - 1000), causes=ep.causes)


# -- Hypothesis ---------------------------------------------------------------------------

BASE = pd.Timestamp("2024-03-01", tz="UTC")


@st.composite
def logs(draw):
    rows = []
    n_apps = draw(st.integers(1, 6))
    for app in range(n_apps):
        for _ in range(draw(st.integers(1, 6))):
            when = BASE + pd.Timedelta(
                days=draw(st.integers(0, 8)), hours=draw(st.sampled_from([0, 9]))
            )
            rows.append(
                (
                    f"app{app}",
                    draw(st.sampled_from(hf.EVENTS)),
                    when,
                    draw(st.sampled_from([None, "p1"])),
                )
            )
    frame = pd.DataFrame(rows, columns=["application_id", "event", "timestamp", "candidate_id"])
    frame["line"] = range(2, len(frame) + 2)
    attrs = pd.DataFrame(
        {
            "application_id": [f"app{i}" for i in range(n_apps) if draw(st.booleans())],
        }
    )
    attrs["g"] = [draw(st.sampled_from(["x", "y", None])) for _ in range(len(attrs))]
    return as_canonical_events(frame), attrs.astype("string")


@settings(max_examples=40, deadline=None)
@given(
    logs(),
    st.sampled_from(hf.CLOCKS),
    st.sampled_from(["censor", "cause"]),
    st.sampled_from([None, "g"]),
)
def test_generated_logs_equal_pandas(con, log, clock, withdrawn, by):
    events, attrs = log
    got = life_table(
        engine_episodes(events, clock, attributes=attrs, withdrawn=withdrawn, con=con), by=by
    )
    want = hf.life_table(
        _pandas_episodes(events, clock, attributes=attrs, withdrawn=withdrawn), by=by
    )
    assert_same(got, want)


@settings(max_examples=25, deadline=None)
@given(logs(), st.sampled_from(["censor", "cause"]))
def test_generated_logs_report_tables_equal_pandas(con, log, withdrawn):
    events, attrs = log
    tables = clock_life_tables(
        events, by=[None, "g"], attributes=attrs, withdrawn=withdrawn, con=con
    )
    for (clock, key), got in tables.items():
        want = hf.life_table(
            _pandas_episodes(events, clock, attributes=attrs, withdrawn=withdrawn), by=list(key)
        )
        assert_same(got, want)
