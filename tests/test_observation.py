"""Each application's own end of observation (attribute observed_until): hiring_funnel/observation.py."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.schema import HiringFunnelError


def _moved(seed: int = 4) -> tuple[hf.SimulatedLog, pd.DataFrame, pd.DataFrame]:
    """A simulated log, and the same log with each candidate's dates moved by its own weeks."""
    sim = hf.simulate(400, seed=seed)
    rng = np.random.default_rng(seed)
    candidates = sim.events["candidate_id"].unique()
    weeks = pd.Series(rng.integers(1, 27, candidates.size), index=candidates)
    shift = pd.to_timedelta(-7 * weeks, unit="D")
    events = sim.events.copy()
    events["timestamp"] = (
        pd.to_datetime(events["timestamp"], utc=True)
        + shift.reindex(events["candidate_id"]).to_numpy()
    )
    first = sim.events.drop_duplicates("application_id").set_index("application_id")
    attrs = sim.attributes.copy()
    until = pd.Timestamp(sim.as_of) + shift.reindex(
        first.loc[attrs["application_id"], "candidate_id"]
    )
    attrs["observed_until"] = until.dt.strftime("%Y-%m-%dT%H:%M:%S%z").to_numpy()
    return sim, events, attrs


@pytest.mark.parametrize("clock", ["first_response", "decision", "interview_feedback"])
def test_moved_dates_with_their_own_end_of_observation_give_the_same_episodes(clock: str) -> None:
    sim, events, attrs = _moved()
    before = hf.episodes(sim.events, clock, attributes=sim.attributes, as_of=sim.as_of)
    after = hf.episodes(events, clock, attributes=attrs, as_of=sim.as_of)
    assert before["cause"].isna().sum() > 5  # open applications are part of the check
    cols = ["application_id", "duration", "cause"]
    pd.testing.assert_frame_equal(
        before[cols].sort_values(cols[:2]).reset_index(drop=True),
        after[cols].sort_values(cols[:2]).reset_index(drop=True),
    )
    assert "observed_until" not in after.columns  # not an attribute of the episodes


def test_without_their_own_end_open_applications_would_wait_longer() -> None:
    """The check above can fail: one export date for moved dates lengthens open waits."""
    sim, events, attrs = _moved()
    before = hf.episodes(sim.events, "decision", as_of=sim.as_of)
    wrong = hf.episodes(events, "decision", as_of=sim.as_of)
    open_before = before.loc[before["cause"].isna(), "duration"].sum()
    open_after = wrong.loc[wrong["cause"].isna(), "duration"].sum()
    assert open_after > open_before


def test_a_missing_date_is_the_export_date_and_a_bad_one_is_named() -> None:
    sim = hf.simulate(60, seed=1)
    attrs = sim.attributes.assign(observed_until=None)
    same = hf.episodes(sim.events, "decision", attributes=attrs, as_of=sim.as_of)
    plain = hf.episodes(sim.events, "decision", as_of=sim.as_of)
    assert same["duration"].equals(plain["duration"])
    attrs.loc[0, "observed_until"] = "last week"
    with pytest.raises(HiringFunnelError, match="column 'observed_until': not an ISO 8601 date"):
        hf.episodes(sim.events, "decision", attributes=attrs, as_of=sim.as_of)


def test_it_is_not_an_attribute_to_break_down_by() -> None:
    sim, events, attrs = _moved()
    log = hf.read_events(events, attributes=attrs, as_of=sim.as_of)
    with pytest.raises(HiringFunnelError, match="no attribute 'observed_until'"):
        hf.summarise(log, by="observed_until")


def test_the_engine_says_it_reads_only_the_pandas_path() -> None:
    sim, events, attrs = _moved()
    log = hf.read_events(events, attributes=attrs, as_of=sim.as_of, engine="duckdb")
    with pytest.raises(HiringFunnelError, match="observed_until"):
        hf.episodes(log, "decision")
