"""The summary: naive (answered-only) waits beside the Kaplan-Meier median."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter

from hiring_funnel.lifetable import life_table
from hiring_funnel.load import read_events
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.summary import format_summary, km_median, summarise


def _episodes(durations: list[float], answered: list[bool]) -> pd.DataFrame:
    n = len(durations)
    return pd.DataFrame(
        {
            "application_id": [f"a{i}" for i in range(n)],
            "candidate_id": [f"a{i}" for i in range(n)],
            "entry": np.zeros(n),
            "duration": np.asarray(durations, dtype=float),
            "cause": pd.Categorical(
                ["rejection" if a else None for a in answered], categories=["positive", "rejection"]
            ),
        }
    )


@pytest.mark.parametrize(
    ("durations", "answered"),
    [
        # ties on days, censoring tied with events, a same-day answer
        ([0, 2, 2, 3, 3, 3, 5, 8, 8, 13], [1, 1, 0, 1, 1, 0, 1, 0, 1, 0]),
        ([1, 1, 2, 4, 4, 6, 9, 9, 9, 10, 12, 30], [1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 0, 1]),
    ],
)
def test_km_median_matches_lifelines(durations: list[float], answered: list[int]) -> None:
    # Reference: lifelines KaplanMeierFitter.median_survival_time_ on the same rows.
    kmf = KaplanMeierFitter().fit(durations, event_observed=answered)
    median, reached = km_median(life_table(_episodes(durations, [bool(a) for a in answered])))
    assert reached
    assert median == pytest.approx(kmf.median_survival_time_)


def test_km_median_not_reached_when_most_are_still_waiting() -> None:
    median, reached = km_median(life_table(_episodes([1, 5, 9, 9], [True, False, False, False])))
    assert not reached
    assert median == 9.0


def _log() -> pd.DataFrame:
    # a: rejection after 4 days; b: screen after 1 day, then interview, offer
    # 10 days after the interview; c: open (censored at as-of, 19 days).
    return pd.DataFrame(
        {
            "application_id": ["a", "a", "b", "b", "b", "b", "c"],
            "event": ["applied", "rejection", "applied", "screen", "interview", "offer", "applied"],
            "timestamp": [
                "2024-03-01",
                "2024-03-05",
                "2024-03-01",
                "2024-03-02",
                "2024-03-04",
                "2024-03-14",
                "2024-03-01",
            ],
            "size": ["small", "small", "large", "large", "large", "large", "small"],
        }
    )


def test_summarise_sets_naive_beside_censoring_aware() -> None:
    log = read_events(_log(), as_of="2024-03-20")
    table = summarise(log).set_index("clock")
    first = table.loc["first_response"]
    assert (first.episodes, first.answered, first.censored) == (3, 2, 1)
    assert first.naive_mean_wait == pytest.approx((4 + 1) / 2)
    # KM: S drops to 2/3 at day 1 and 1/3 at day 4, so the median is 4 days.
    assert first.median_wait == 4.0 and first.median_reached
    decision = table.loc["decision"]
    assert (decision.answered, decision.naive_mean_wait) == (2, pytest.approx((4 + 13) / 2))
    text = format_summary(summarise(log), as_of=pd.Timestamp("2024-03-20", tz="UTC"))
    assert "first_response" in text and "KM median" in text and "2024-03-20" in text


def test_summarise_by_attribute_and_unknown_attribute() -> None:
    log = read_events(_log(), as_of="2024-03-20")
    table = summarise(log, clocks=["first_response"], by="size")
    assert table.set_index("group")["episodes"].to_dict() == {"large": 1, "small": 2}
    with pytest.raises(HiringFunnelError, match="no attribute 'industry'"):
        summarise(log, clocks=["first_response"], by="industry")
