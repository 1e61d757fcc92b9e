"""Tests of hiring_funnel.lifetable: life_table() and check_episodes()."""

from __future__ import annotations

import doctest

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifelines.utils import survival_table_from_events

import hiring_funnel.lifetable as lifetable_module
from hiring_funnel.lifetable import check_episodes, life_table
from hiring_funnel.schema import HiringFunnelError

COUNT_COLUMNS = ["at_risk", "events", "censored", "entered"]


def make_episodes(
    durations, causes, *, entry=None, categories=("offer", "rejection"), **columns
) -> pd.DataFrame:
    """Episodes from plain lists; a cause of None is a censored episode."""
    frame = pd.DataFrame(
        {
            "entry": np.zeros(len(durations)) if entry is None else np.asarray(entry, float),
            "duration": np.asarray(durations, dtype=float),
            "cause": pd.Categorical(causes, categories=list(categories)),
        }
    )
    for name, values in columns.items():
        frame[name] = values
    return frame


# -- hand-checked and published tables ---------------------------------------------


def test_small_table_checked_by_hand():
    # Seven episodes; by hand: at t=0 all 7 are at risk (the zero-length one
    # included), one offer; at t=2, 6 at risk, an offer, a rejection and a
    # censoring; at t=5, 3 at risk, two censored; at t=7 the last one, rejected.
    ep = make_episodes(
        [0, 2, 2, 2, 5, 5, 7],
        ["offer", "offer", None, "rejection", None, None, "rejection"],
    )
    expected = pd.DataFrame(
        {
            "time": [0.0, 2.0, 5.0, 7.0],
            "at_risk": [7, 6, 3, 1],
            "events": [1, 2, 0, 1],
            "events_offer": [1, 1, 0, 0],
            "events_rejection": [0, 1, 0, 1],
            "censored": [0, 1, 2, 0],
            "entered": [0, 0, 0, 0],
        }
    )
    pd.testing.assert_frame_equal(life_table(ep), expected)


def test_leukemia_6mp_group_matches_published_table():
    # Freireich et al. (1963) 6-MP arm, remission times in weeks, + = censored.
    # Kleinbaum & Klein, "Survival Analysis: A Self-Learning Text" (3rd ed.),
    # Chapter 2, KM table for group 1: t_j, n_j, m_j =
    # 6 21 3 | 7 17 1 | 10 15 1 | 13 12 1 | 16 11 1 | 22 7 1 | 23 6 1.
    times = [6, 6, 6, 6, 7, 9, 10, 10, 11, 13, 16, 17, 19, 20, 22, 23, 25, 32, 32, 34, 35]
    censored = {3, 5, 7, 8, 11, 12, 13, 16, 17, 18, 19, 20}  # positions marked "+"
    causes = [None if i in censored else "relapse" for i in range(len(times))]
    table = life_table(make_episodes(times, causes, categories=["relapse"]))
    at_events = table[table["events"] > 0].set_index("time")
    assert at_events.index.tolist() == [6, 7, 10, 13, 16, 22, 23]
    assert at_events["at_risk"].tolist() == [21, 17, 15, 12, 11, 7, 6]
    assert at_events["events"].tolist() == [3, 1, 1, 1, 1, 1, 1]
    # Censorings: one each at 6, 9, 10, 11, 17, 19, 20, 25, 34, 35 and two at 32.
    assert table.set_index("time")["censored"].to_dict() == {
        6: 1, 7: 0, 9: 1, 10: 1, 11: 1, 13: 0, 16: 0, 17: 1, 19: 1,
        20: 1, 22: 0, 23: 0, 25: 1, 32: 2, 34: 1, 35: 1,
    }  # fmt: skip


def lifelines_table(ep: pd.DataFrame) -> pd.DataFrame:
    """lifelines' survival_table_from_events for the same episodes."""
    observed = ep["cause"].notna().to_numpy()
    births = ep["entry"].to_numpy() if (ep["entry"] > 0).any() else None
    return survival_table_from_events(ep["duration"].to_numpy(), observed, birth_times=births)


def assert_matches_lifelines(ep: pd.DataFrame) -> None:
    ours = life_table(ep).set_index("time")
    ref = lifelines_table(ep)
    # lifelines also lists time 0 when nothing happens there (its entrance row).
    quiet = (ref["removed"] == 0) & (ref["entrance"] == 0)
    ref = ref[~quiet & ~((ref.index == 0) & (ref["removed"] == 0))]
    assert ours.index.tolist() == ref.index.tolist()
    np.testing.assert_array_equal(ours["at_risk"], ref["at_risk"])
    np.testing.assert_array_equal(ours["events"], ref["observed"])
    np.testing.assert_array_equal(ours["censored"], ref["censored"])
    late = ref.index > 0
    np.testing.assert_array_equal(ours["entered"][late], ref["entrance"][late])


def test_matches_lifelines_with_ties():
    # Reference: lifelines.utils.survival_table_from_events (lifelines 0.30).
    ep = make_episodes(
        [1, 1, 1, 3, 3, 4, 4, 4, 4, 9, 12],
        [
            None if c == "-" else c
            for c in "offer - rejection - - offer offer - rejection - offer".split()
        ],
    )
    assert_matches_lifelines(ep)


def test_matches_lifelines_with_late_entry():
    # lifelines counts a subject entering at t as at risk at t, like us.
    ep = make_episodes(
        [0, 2, 2, 2, 5, 5, 7],
        ["offer", "offer", None, "offer", None, None, "offer"],
        entry=[0, 0, 1, 0, 3, 0, 4],
    )
    assert_matches_lifelines(ep)
    table = life_table(ep).set_index("time")
    # By hand: at t=4 the entrant of t=4 joins the two still waiting (5, 5).
    assert table.loc[4.0, "at_risk"] == 3
    assert table.loc[4.0, "entered"] == 1


def test_zero_length_episodes_are_at_risk_at_time_zero():
    ep = make_episodes([0, 0, 3], ["offer", None, "rejection"])
    first = life_table(ep).iloc[0]
    assert (first["time"], first["at_risk"], first["events"], first["censored"]) == (0, 3, 1, 1)


# -- weights and groups ----------------------------------------------------------


def test_integer_weights_equal_repeated_rows():
    ep = make_episodes(
        [0, 1, 1, 2, 4, 4, 6],
        ["offer", None, "rejection", "offer", None, "rejection", "offer"],
        entry=[0, 0, 0, 1, 0, 2, 0],
        w=[2, 0, 3, 1, 4, 1, 2],
    )
    weighted = life_table(ep, weights="w")
    repeated = life_table(ep.loc[ep.index.repeat(ep["w"])].reset_index(drop=True))
    # The weight-0 row still creates its time point (t=1), as a row of zeros
    # would not; compare on the times of the repeated table and check the rest.
    weighted = weighted.set_index("time")
    repeated = repeated.set_index("time")
    pd.testing.assert_frame_equal(
        weighted.loc[repeated.index], repeated.astype(float), check_dtype=True
    )
    assert weighted.dtypes.eq(np.float64).all()


def test_fractional_weights_are_summed():
    ep = make_episodes([1, 1, 2], ["offer", None, "rejection"], w=[0.5, 0.25, 2.0])
    table = life_table(ep, weights="w")
    assert table["at_risk"].tolist() == [2.75, 2.0]
    assert table["events_offer"].tolist() == [0.5, 0.0]
    assert table["censored"].tolist() == [0.25, 0.0]


def test_groups_equal_tables_of_each_subset():
    rng = np.random.default_rng(7)
    n = 200
    ep = make_episodes(
        rng.integers(0, 15, n),
        rng.choice(np.array(["offer", "rejection", None], dtype=object), n),
        industry=pd.Categorical(
            rng.choice(["tech", "retail", "gov"], n), categories=["tech", "retail", "gov"]
        ),
        remote=rng.choice([True, False], n),
    )
    table = life_table(ep, by=["industry", "remote"])
    assert table.columns[:3].tolist() == ["industry", "remote", "time"]
    # Groups in category order (not alphabetical), then False before True.
    keys = table[["industry", "remote"]].drop_duplicates().apply(tuple, axis=1).tolist()
    assert keys == [(i, r) for i in ["tech", "retail", "gov"] for r in [False, True]]
    assert isinstance(table["industry"].dtype, pd.CategoricalDtype)
    for (industry, remote), part in table.groupby(["industry", "remote"], observed=True):
        subset = ep[(ep["industry"] == industry) & (ep["remote"] == remote)]
        alone = life_table(subset)
        pd.testing.assert_frame_equal(
            part.drop(columns=["industry", "remote"]).reset_index(drop=True), alone
        )


def test_missing_group_values_form_their_own_group():
    ep = make_episodes(
        [1, 2, 3], ["offer", None, "offer"], source=pd.Series(["web", None, "web"], dtype="string")
    )
    table = life_table(ep, by="source")
    assert table["source"].isna().sum() == 1
    assert table.groupby("source", dropna=False)["events"].sum().sum() + table[
        "censored"
    ].sum() == len(ep)


def test_column_order_dtypes_and_attrs():
    ep = make_episodes([1, 2], ["offer", None], categories=("positive", "rejection", "withdrawn"))
    ep.attrs = {
        "clock": "first_response",
        "unit": "days",
        "as_of": pd.Timestamp("2024-01-01", tz="UTC"),
    }
    table = life_table(ep)
    assert table.columns.tolist() == [
        "time", "at_risk", "events", "events_positive", "events_rejection",
        "events_withdrawn", "censored", "entered",
    ]  # fmt: skip
    assert table["time"].dtype == np.float64
    assert (table.dtypes.iloc[1:] == np.int64).all()
    assert table.attrs["causes"] == ["positive", "rejection", "withdrawn"]
    assert table.attrs["by"] == [] and table.attrs["weights"] is None
    assert table.attrs["clock"] == "first_response"


def test_empty_episodes_give_an_empty_table():
    ep = make_episodes([], [], g=pd.Series([], dtype="string"))
    table = life_table(ep, by="g")
    assert table.empty
    assert table.columns.tolist()[:2] == ["g", "time"]


# -- input checks ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "match"),
    [
        (lambda ep: ep.drop(columns="duration"), r"missing the required column\(s\) 'duration'"),
        (lambda ep: ep.assign(duration=[1.0, -2.0]), r"'duration': 1 negative value"),
        (lambda ep: ep.assign(duration=[1.0, np.nan]), r"'duration': 1 missing or infinite"),
        (
            lambda ep: ep.assign(entry=[0.0, 3.0]),
            r"'entry': 1 value\(s\) greater than the duration",
        ),
        (lambda ep: ep.assign(cause=[1, 0]), r"'cause': must be categorical"),
        (lambda ep: ep.assign(duration=["1", "2"]), r"'duration': must be numeric"),
    ],
)
def test_check_episodes_names_the_problem(change, match):
    ep = make_episodes([1, 2], ["offer", None], application_id=["a1", "a2"])
    with pytest.raises(HiringFunnelError, match=match):
        life_table(change(ep))


def test_check_episodes_names_the_first_bad_application():
    ep = make_episodes([1, -1], ["offer", None], application_id=["a1", "a2"])
    with pytest.raises(HiringFunnelError, match=r"first in row 1 \(application 'a2'\)"):
        check_episodes(ep)


def test_bad_group_and_weight_columns():
    ep = make_episodes([1, 2], ["offer", None], w=[1.0, -1.0], time=[1, 2])
    with pytest.raises(HiringFunnelError, match=r"group column\(s\) \['nope'\] not in"):
        life_table(ep, by="nope")
    with pytest.raises(HiringFunnelError, match="clash with life table columns"):
        life_table(ep, by="time")
    with pytest.raises(HiringFunnelError, match="'w': 1 negative weight"):
        life_table(ep, weights="w")
    with pytest.raises(HiringFunnelError, match="weight column 'v' not in"):
        life_table(ep, weights="v")


def test_docstring_examples_run():
    failures, tried = doctest.testmod(lifetable_module)
    assert tried > 0 and failures == 0


# -- properties --------------------------------------------------------------------


@st.composite
def episode_frames(draw, late_entry: bool = False):
    n = draw(st.integers(0, 40))
    durations = draw(st.lists(st.integers(0, 12), min_size=n, max_size=n))
    causes = draw(st.lists(st.sampled_from(["offer", "rejection", None]), min_size=n, max_size=n))
    groups = draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n))
    entry = None
    if late_entry:
        fractions = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
        entry = [np.floor(f * d) for f, d in zip(fractions, durations, strict=True)]
    return make_episodes(durations, causes, entry=entry, g=groups)


@settings(max_examples=60, deadline=None)
@given(episode_frames(late_entry=True), st.integers(0, 2**32 - 1))
def test_invariant_to_row_order(ep, seed):
    shuffled = ep.sample(frac=1.0, random_state=np.random.default_rng(seed)).reset_index(drop=True)
    pd.testing.assert_frame_equal(life_table(ep, by="g"), life_table(shuffled, by="g"))


@settings(max_examples=60, deadline=None)
@given(episode_frames())
def test_counts_add_up_per_group(ep):
    table = life_table(ep, by="g")
    sizes = ep.groupby("g").size()
    removed = table.groupby("g")[["events", "censored"]].sum().sum(axis=1)
    pd.testing.assert_series_equal(removed, sizes, check_names=False)
    # Without late entry everyone is at risk at the first time of the group,
    # and each step loses exactly the episodes that ended at the previous one.
    first = table.groupby("g")["at_risk"].first()
    pd.testing.assert_series_equal(first, sizes, check_names=False)
    for _, part in table.groupby("g"):
        left = part["at_risk"].to_numpy()
        gone = (part["events"] + part["censored"]).to_numpy()
        np.testing.assert_array_equal(left[1:], left[:-1] - gone[:-1])
    cause_sum = table["events_offer"] + table["events_rejection"]
    pd.testing.assert_series_equal(cause_sum, table["events"], check_names=False)


@settings(max_examples=40, deadline=None)
@given(episode_frames(late_entry=True))
def test_matches_lifelines_on_random_data(ep):
    if len(ep):
        assert_matches_lifelines(ep)


def test_many_distinct_float_times_take_the_hashing_path():
    # Non-integer durations (not the clocks' whole days) go through factorize.
    rng = np.random.default_rng(3)
    d = rng.exponential(5.0, 500)
    ep = make_episodes(d, rng.choice(np.array(["offer", None], dtype=object), 500))
    assert_matches_lifelines(ep)
