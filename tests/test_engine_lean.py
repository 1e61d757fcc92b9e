"""The summary's one-pass lean episodes on DuckDB against the pandas episodes and summary.

The reference is :func:`hiring_funnel.episodes` and :func:`hiring_funnel.summary.summarise`
on the pandas path: the lean pass (:mod:`hiring_funnel.engine.lean`) is an independent
query that codes candidates as integers, so it must group episodes into candidates exactly
as :func:`hiring_funnel.anonymize.candidate_key` does, and give the same durations and causes.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import hiring_funnel as hf
from hiring_funnel.anonymize import candidate_key
from hiring_funnel.engine.lean import lean_episodes
from hiring_funnel.schema import as_canonical_events, empty_events
from hiring_funnel.summary import headline, summarise

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
        want = hf.episodes(log, clock, as_of=as_of)
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
    want = summarise(plain, by=by, min_group=min_group)
    made: dict[str, pd.DataFrame] = {}
    got = summarise(engine, by=by, min_group=min_group, made=made)
    pd.testing.assert_frame_equal(got, want)
    assert got.attrs == want.attrs
    if by is None:
        assert headline(engine, min_group=min_group, decision=made["decision"]) == headline(
            plain, min_group=min_group
        )


def test_sample_candidates_are_the_pandas_candidates(sample_logs):
    plain, engine = sample_logs
    lean = lean_episodes(engine, hf.CLOCKS, "industry")
    for clock in hf.CLOCKS:
        want = hf.episodes(plain, clock)
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
    want = hf.episodes(log, "decision", as_of=as_of)
    assert list(want["candidate_id"]) == ["p2", "p2"]
    assert got["candidate_id"].nunique() == 1
    assert by_candidate(got) == by_candidate(want)
