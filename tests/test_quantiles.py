"""Tests of hiring_funnel.estimators.quantiles: waiting-time quantiles and restricted mean.

R values come from tests/reference/r_reference.json (made by
tests/reference/make_reference.R; README.md there says how):
``quantile(survfit(Surv(time, status > 0) ~ 1, conf.type = "log-log"),
probs = c(0.25, 0.5, 0.75))`` and ``summary(fit, rmean = TAU)$table``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines import KaplanMeierFitter
from lifelines.utils import restricted_mean_survival_time
from reference.fixtures import BY, NAMES, episodes, r

from hiring_funnel.estimators import kaplan_meier
from hiring_funnel.estimators.quantiles import restricted_mean_wait, waiting_quantiles
from hiring_funnel.lifetable import life_table
from hiring_funnel.results import ESTIMATE_COLUMNS, EstimateResult
from hiring_funnel.schema import HiringFunnelError

# lifelines warns that it reads its step function on the event times (percentile,
# restricted mean); that is exactly the Kaplan-Meier curve, so nothing is approximated.
pytestmark = pytest.mark.filterwarnings("ignore:Approximating using")

R_TOL = 1e-6
CAUSES = ["offer", "rejection"]


def make_episodes(durations, codes, groups=None) -> pd.DataFrame:
    """codes: 0 censored, 1 offer, 2 rejection."""
    labels = np.array([None, *CAUSES], dtype=object)[np.asarray(codes)]
    ep = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": np.asarray(durations, dtype=float),
            "cause": pd.Categorical(labels, categories=CAUSES),
        }
    )
    if groups is not None:
        ep["size"] = np.asarray(groups, dtype=object)
    return ep


def _curves(name: str, grouped: bool):
    if not grouped:
        return [("all", "overall", None)]
    return [(g, "groups", g) for g in r(name)["groups"]]


def _pick(ref: dict, where: str, key: str | None) -> dict:
    return ref[where] if key is None else ref[where][key]


def _assert_close(ours, theirs, what):
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{what}: NaN places")
    ok = ~np.isnan(ours)
    np.testing.assert_allclose(ours[ok], theirs[ok], rtol=0, atol=R_TOL, err_msg=what)


# -- against R -----------------------------------------------------------------------


@pytest.mark.parametrize("grouped", [False, True], ids=["overall", "by_group"])
@pytest.mark.parametrize("name", NAMES)
def test_quantiles_equal_quantile_survfit(name, grouped):
    """R: quantile(survfit(Surv(time, status > 0) ~ 1 or ~ group, conf.type = "log-log"),
    probs = c(0.25, 0.5, 0.75)): quantile, lower, upper (NA where not reached)."""
    table = waiting_quantiles(
        episodes(name), probs=(0.25, 0.5, 0.75), by=BY if grouped else None
    ).table
    for label, where, key in _curves(name, grouped):
        ref = _pick(r(name)["quantile"], where, key)
        ours = table[table["group"] == label]
        np.testing.assert_array_equal(ours["prob"], ref["probs"])
        _assert_close(ours["estimate"], ref["quantile"], f"{name} {label} quantile")
        _assert_close(ours["ci_lower"], ref["lower"], f"{name} {label} lower")
        _assert_close(ours["ci_upper"], ref["upper"], f"{name} {label} upper")
        np.testing.assert_array_equal(ours["reached"], np.isfinite(ref["quantile"]))


@pytest.mark.parametrize("grouped", [False, True], ids=["overall", "by_group"])
@pytest.mark.parametrize("name", NAMES)
def test_restricted_mean_equals_survfit_rmean(name, grouped):
    """R: summary(survfit(Surv(time, status > 0) ~ 1 or ~ group), rmean = TAU)$table,
    columns rmean and se(rmean); TAU per data set as in make_reference.R."""
    tau = r(name)["tau"]
    table = restricted_mean_wait(episodes(name), horizon=tau, by=BY if grouped else None).table
    for label, where, key in _curves(name, grouped):
        ref = _pick(r(name)["rmean"], where, key)
        ours = table[table["group"] == label].iloc[0]
        assert ours["time"] == tau
        assert ours["estimate"] == pytest.approx(ref["rmean"], abs=R_TOL), label
        assert ours["std_error"] == pytest.approx(ref["se"], abs=R_TOL), label


def test_toy_corner_cases_by_hand():
    """The toy set (export_datasets.py) made for quantile.survfit's rules, with R's answers:

    group x: S = 3/4, 1/2, 1/4, 0 on days 1-4. S sits on 1/2 on [2, 3), so the
    median is 2.5 (and the quartiles 1.5 and 3.5);
    group y: S = 3/4, 1/2 on days 1, 2, then two censored on days 3, 4. S stays
    on 1/2 to the last day, so the median is (2 + 4) / 2 = 3, and the 0.75
    quantile is never reached.
    """
    result = waiting_quantiles(episodes("toy"), by=BY)
    table = result.table.set_index(["group", "prob"])
    assert table.loc[("x", 0.5), "estimate"] == 2.5
    assert list(table.loc["x", "estimate"]) == [1.5, 2.5, 3.5]
    assert table.loc[("y", 0.5), "estimate"] == 3.0
    assert np.isnan(table.loc[("y", 0.75), "estimate"])
    assert not table.loc[("y", 0.75), "reached"]
    note = result.not_estimable["y / p=0.75"]
    assert "not reached" in note and "0.5 on the last day seen (4)" in note
    assert "upper band of S" in result.not_estimable["y / p=0.5 upper limit"]


# -- other sources and identities ----------------------------------------------------


@pytest.mark.parametrize("name", ["bmt", "cgvhd", "simulated"])
def test_quantiles_equal_lifelines_where_the_curve_crosses(name):
    """lifelines: KaplanMeierFitter.percentile(1 - p), the first time S <= 1 - p;
    the same as R where the curve jumps across 1 - p rather than sitting on it."""
    ep = episodes(name)
    table = waiting_quantiles(ep, probs=(0.1, 0.3, 0.5, 0.7), by=BY).table
    km = kaplan_meier(ep, by=BY).table
    for label, rows in ep.groupby(BY):
        fitter = KaplanMeierFitter().fit(rows["duration"], rows["cause"].notna())
        surv = km.loc[km["group"] == label, "estimate"].to_numpy()
        for _, q in table[table["group"] == label].iterrows():
            if q["reached"] and not np.any(np.abs(surv - (1 - q["prob"])) < 1e-8):
                assert q["estimate"] == fitter.percentile(1 - q["prob"])


@pytest.mark.parametrize("name", ["bmt", "cgvhd", "simulated"])
def test_restricted_mean_equals_lifelines(name):
    """lifelines: restricted_mean_survival_time(KaplanMeierFitter, t=TAU) (the mean only;
    its variance is computed another way)."""
    ep = episodes(name)
    tau = r(name)["tau"]
    table = restricted_mean_wait(ep, horizon=tau, by=BY).table.set_index("group")
    for label, rows in ep.groupby(BY):
        fitter = KaplanMeierFitter().fit(rows["duration"], rows["cause"].notna())
        theirs = restricted_mean_survival_time(fitter, t=tau)
        assert table.loc[label, "estimate"] == pytest.approx(theirs, abs=1e-10)


def test_restricted_mean_identities():
    """No censoring and a horizon past the last answer: the plain mean wait.
    A horizon before the first answer: tau itself, with no uncertainty."""
    ep = make_episodes([0, 1, 1, 4, 9], [1, 2, 1, 1, 2])
    full = restricted_mean_wait(ep, horizon=20).table.iloc[0]
    assert full["estimate"] == pytest.approx(ep["duration"].mean())
    early = restricted_mean_wait(make_episodes([3, 5], [1, 0]), horizon=2).table.iloc[0]
    assert (early["estimate"], early["std_error"]) == (2.0, 0.0)
    assert early["events"] == 0


def test_restricted_mean_notes_extrapolation():
    """survmean carries the last value of the curve to tau; we say so."""
    result = restricted_mean_wait(make_episodes([1, 2, 3], [1, 0, 0]), horizon=10)
    assert result.table.iloc[0]["estimate"] == pytest.approx(1 + 9 * 2 / 3)
    assert any("carried on at 0.667" in note for note in result.meta["notes"])


def test_group_without_answers():
    """S stays at 1: no quantile is reached, and the restricted mean is the horizon."""
    ep = make_episodes([1, 2, 3, 4], [1, 1, 0, 0], ["a", "a", "b", "b"])
    q = waiting_quantiles(ep, by="size").table
    assert not q.loc[q["group"] == "b", "reached"].any()
    rm = restricted_mean_wait(ep, horizon=3, by="size").table.set_index("group")
    assert (rm.loc["b", "estimate"], rm.loc["b", "std_error"]) == (3.0, 0.0)


def test_zero_and_one():
    """p = 0 is day 0 (the curve's start); p = 1 is reached only if everyone has an answer."""
    table = waiting_quantiles(make_episodes([2, 5], [1, 2]), probs=[0.0, 1.0]).table
    assert list(table["estimate"]) == [0.0, 5.0]
    censored = waiting_quantiles(make_episodes([2, 5], [1, 0]), probs=[1.0]).table
    assert not censored["reached"].iloc[0]


def test_life_table_input_gives_the_same():
    ep = episodes("simulated")
    table = life_table(ep, by=BY)
    pd.testing.assert_frame_equal(
        waiting_quantiles(table, by=BY).table, waiting_quantiles(ep, by=BY).table
    )
    pd.testing.assert_frame_equal(
        restricted_mean_wait(table, horizon=30, by=BY).table,
        restricted_mean_wait(ep, horizon=30, by=BY).table,
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(st.integers(0, 10), st.integers(0, 2)), min_size=1, max_size=40),
    st.floats(1.0, 15.0),
)
def test_properties_on_random_ties(rows, tau):
    ep = make_episodes(*zip(*rows, strict=True))
    probs = np.linspace(0.05, 0.95, 7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        q = waiting_quantiles(ep, probs=probs).table
    reached = q[q["reached"]]
    assert np.all(np.diff(reached["estimate"]) >= 0)
    assert not q["reached"].iloc[len(reached) :].any()  # once lost, never found again
    lo, hi = reached["ci_lower"], reached["ci_upper"]
    assert np.all(lo[lo.notna()] <= reached["estimate"][lo.notna()])
    assert np.all(hi[hi.notna()] >= reached["estimate"][hi.notna()])
    rm = restricted_mean_wait(ep, horizon=tau).table.iloc[0]
    assert 0 <= rm["estimate"] <= tau
    longer = restricted_mean_wait(ep, horizon=tau + 1).table.iloc[0]
    assert longer["estimate"] >= rm["estimate"]


def test_results_and_errors():
    ep = make_episodes([1, 2, 3], [1, 2, 0])
    result = waiting_quantiles(ep)
    assert isinstance(result, EstimateResult) and result.kind == "waiting_quantiles"
    # The columns of every estimate table, then the quantiles' own.
    assert list(result.table.columns) == [*ESTIMATE_COLUMNS, "std_error", "prob", "reached"]
    mean = restricted_mean_wait(ep, horizon=2).table
    assert list(mean.columns) == [*ESTIMATE_COLUMNS, "std_error", "last_time"]
    assert result.meta["conf_level"] == 0.95 and "<table" in result._repr_html_()
    assert restricted_mean_wait(ep, horizon=2).kind == "restricted_mean_wait"
    with pytest.raises(HiringFunnelError, match="probs must be shares between 0 and 1"):
        waiting_quantiles(ep, probs=[0.5, 1.5])
    with pytest.raises(HiringFunnelError, match="horizon must be a positive number"):
        restricted_mean_wait(ep, horizon=0)
    with pytest.raises(HiringFunnelError, match="conf_level"):
        restricted_mean_wait(ep, horizon=2, conf_level=95)
