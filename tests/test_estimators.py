"""Kaplan-Meier, cumulative incidence, still hope and outcome mix: identities and properties.

Reference values from R and scikit-survival are in tests/test_against_r.py;
here are the checks no reference covers: bounds, monotonicity, sums,
invariance to row order, and agreement between two routes to one number.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from scipy.stats import binomtest

from hiring_funnel.estimators import cumulative_incidence, kaplan_meier, outcome_mix, still_hope
from hiring_funnel.lifetable import life_table
from hiring_funnel.schema import HiringFunnelError

CAUSES = ["offer", "rejection"]


def make_episodes(durations, codes, groups=None) -> pd.DataFrame:
    """codes: 0 censored, 1 offer, 2 rejection."""
    codes = np.asarray(codes)
    labels = np.array([None, "offer", "rejection"], dtype=object)[codes]
    ep = pd.DataFrame(
        {
            "application_id": [f"a{i}" for i in range(len(codes))],
            "candidate_id": [f"c{i % 7}" for i in range(len(codes))],
            "entry": 0.0,
            "duration": np.asarray(durations, dtype=float),
            "cause": pd.Categorical(labels, categories=CAUSES),
        }
    )
    if groups is not None:
        ep["size"] = groups
    return ep


def tied(seed: int, n: int = 600, days: int = 30) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return make_episodes(
        rng.integers(0, days, n),
        rng.choice(3, n, p=[0.3, 0.3, 0.4]),
        rng.choice(["s", "m", "l"], n),
    )


episode_sets = st.lists(
    st.tuples(st.integers(0, 12), st.integers(0, 2)), min_size=1, max_size=60
).filter(lambda rows: any(c > 0 for _, c in rows))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=episode_sets, seed=st.integers(0, 2**16))
def test_curves_are_probabilities_monotone_and_sum_to_one_minus_km(rows, seed) -> None:
    ep = make_episodes([r[0] for r in rows], [r[1] for r in rows])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # a cause may have no events
        km = kaplan_meier(ep).table
        cif = cumulative_incidence(ep).table
        shuffled = cumulative_incidence(ep.sample(frac=1.0, random_state=seed)).table
    for table in (km, cif):
        assert table["estimate"].between(0, 1).all()
        ok = table.dropna(subset=["ci_lower"])
        assert (ok["ci_lower"] <= ok["estimate"] + 1e-12).all()
        assert (ok["estimate"] <= ok["ci_upper"] + 1e-12).all()
    assert (np.diff(km["estimate"]) <= 1e-15).all()
    for _, curve in cif.groupby("cause"):
        assert (np.diff(curve["estimate"]) >= -1e-15).all()
    total = cif.groupby("time")["estimate"].sum()
    surv = km.set_index("time")["estimate"]
    np.testing.assert_allclose(total.reindex(surv.index).fillna(0) + surv, 1.0, atol=1e-12)
    pd.testing.assert_frame_equal(cif, shuffled)


def test_one_cause_only_gives_one_minus_kaplan_meier() -> None:
    rng = np.random.default_rng(4)
    ep = make_episodes(rng.integers(0, 20, 300), rng.choice([0, 2], 300))
    with pytest.warns(UserWarning, match="no offer answers"):
        cif = cumulative_incidence(ep).table
    km = kaplan_meier(ep).table
    assert set(cif["cause"]) == {"rejection"}
    np.testing.assert_allclose(cif["estimate"], 1 - km["estimate"], atol=1e-15)


def test_kaplan_meier_matches_lifelines_per_group() -> None:
    ep = tied(7)
    table = kaplan_meier(ep, by="size").table
    for size, grp in ep.groupby("size"):
        # Reference: lifelines KaplanMeierFitter on the same rows.
        kmf = KaplanMeierFitter().fit(grp["duration"], grp["cause"].notna())
        ours = table[table["group"] == size].set_index("time")["estimate"]
        theirs = kmf.survival_function_.iloc[:, 0].reindex(ours.index)
        np.testing.assert_allclose(ours, theirs, atol=1e-12)


def test_a_life_table_gives_the_same_result_as_episodes() -> None:
    ep = tied(8)
    from_rows = cumulative_incidence(ep, by="size", cluster=None).table
    from_table = cumulative_incidence(life_table(ep, by="size"), by="size").table
    pd.testing.assert_frame_equal(from_rows, from_table)


def test_still_hope_equals_aalen_johansen_on_those_still_waiting() -> None:
    # Two routes to one number: (F(tau) - F(s)) / S(s) from the whole log, and
    # the plain cumulative incidence at tau among the episodes that lasted past s.
    ep = tied(9, n=900, days=40)
    tau = 30.0
    hope = still_hope(ep, cause="offer", waited=[0, 5, 12, 20], horizon=tau).table.set_index("time")
    for s in (0, 5, 12, 20):
        later = ep[ep["duration"] > s]
        cif = cumulative_incidence(later).table
        at_tau = cif[(cif["cause"] == "offer") & (cif["time"] <= tau)].iloc[-1]
        assert hope.loc[s, "estimate"] == pytest.approx(at_tau["estimate"], abs=1e-12)
        assert hope.loc[s, "std_error"] == pytest.approx(at_tau["std_error"], abs=1e-12)
        assert hope.loc[s, "at_risk"] == len(later)


def test_still_hope_defaults_and_bad_arguments() -> None:
    ep = tied(10)
    result = still_hope(ep, cause="rejection")
    tau = ep["duration"].max()
    assert result.meta["horizon"] == {"all": tau}
    assert result.table["time"].tolist() == list(np.arange(0.0, tau))
    with pytest.raises(HiringFunnelError, match="unknown cause 'hired'"):
        still_hope(ep, cause="hired")
    with pytest.raises(HiringFunnelError, match="conf_level"):
        still_hope(ep, conf_level=95)


def test_group_without_answers_is_reported_not_estimable() -> None:
    ep = make_episodes([1, 2, 3, 4, 5, 6], [1, 2, 2, 0, 0, 0], ["a", "a", "a", "b", "b", "b"])
    with pytest.warns(UserWarning, match="b: not estimable: no answers among 3 episodes"):
        result = kaplan_meier(ep, by="size")
    assert set(result.table["group"]) == {"a"}
    assert result.not_estimable == {"b": "no answers among 3 episodes"}
    assert "not estimable" in result._repr_html_().lower()


def test_outcome_mix_counts_and_wilson_interval_match_scipy() -> None:
    ep = tied(11, n=1000, days=70)
    mix = outcome_mix(ep, cause="offer", bins=[0, 1, 7, 30, np.inf]).table.set_index("time")
    answered = ep[ep["cause"].notna()]
    for lo, hi in [(0, 1), (1, 7), (7, 30), (30, np.inf)]:
        band = answered[(answered["duration"] >= lo) & (answered["duration"] < hi)]
        k, n = int((band["cause"] == "offer").sum()), len(band)
        # Reference: scipy's Wilson score interval.
        ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
        row = mix.loc[float(lo)]
        assert (row["events"], row["estimate"]) == (n, pytest.approx(k / n))
        assert (row["ci_lower"], row["ci_upper"]) == (pytest.approx(ci.low), pytest.approx(ci.high))


def test_tables_have_the_fixed_columns_and_level_in_meta() -> None:
    result = cumulative_incidence(tied(12), conf_level=0.9)
    assert list(result.table.columns[:8]) == [
        "group", "time", "cause", "estimate", "ci_lower", "ci_upper", "at_risk", "events",
    ]  # fmt: skip
    assert result.meta["conf_level"] == 0.9
    narrow = result.table["ci_upper"] - result.table["ci_lower"]
    wide = cumulative_incidence(tied(12)).table
    assert (narrow <= wide["ci_upper"] - wide["ci_lower"] + 1e-15).all()
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = "x"  # type: ignore[misc]


def test_still_hope_with_no_later_offers_says_so_instead_of_a_zero_interval() -> None:
    # Offers on days 1 and 2 only; after day 2 nobody gets one.
    ep = make_episodes([1, 2, 3, 4, 6, 8], [1, 1, 2, 0, 2, 0])
    table = still_hope(ep, cause="offer", waited=[0, 2, 5]).table.set_index("time")
    assert table.loc[0, "estimate"] > 0 and np.isfinite(table.loc[0, "ci_upper"])
    assert table.loc[5, "estimate"] == 0 and table.loc[5, "events"] == 0
    # Waiting past day 5: episodes of 6 (rejection) and 8 (open) days; the one still
    # open is not followed to the end, so one application counts: 1 - 0.025^(1/1).
    assert table.loc[5, "ci_lower"] == 0 and table.loc[5, "ci_upper"] == pytest.approx(0.975)
    notes = still_hope(ep, cause="offer", waited=[0, 2, 5]).meta["notes"]
    assert notes == [
        "all: no offer after day 2 of silence; from there the estimate is 0 and its upper limit "
        "is the binomial one on the applications followed (exact when none is still open)"
    ]


@pytest.mark.parametrize("n", [1, 3, 30, 400])
def test_zero_upper_limit_is_the_clopper_pearson_one(n: int) -> None:
    # Reference: scipy's exact (Clopper-Pearson) interval for 0 successes in n trials.
    from scipy.stats import binomtest

    from hiring_funnel.estimators._kernels import zero_upper

    exact = binomtest(0, n).proportion_ci(confidence_level=0.95, method="exact").high
    assert zero_upper(np.array([float(n)]), 0.95)[0] == pytest.approx(exact, rel=1e-12)
    # Still hope with no offer and nothing censored: the same limit on the n followed.
    ep = make_episodes([2.0] * n + [1.0], [2] * n + [1])  # one early offer, then n rejections
    row = still_hope(ep, cause="offer", waited=[1]).table.iloc[0]
    assert row["estimate"] == 0 and row["ci_upper"] == pytest.approx(exact, rel=1e-12)
