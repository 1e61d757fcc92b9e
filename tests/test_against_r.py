"""Kaplan-Meier and cumulative incidence against R, lifelines and scikit-survival.

The R numbers are in tests/reference/r_reference.json, written by
tests/reference/make_reference.R (which names every R call; see the README
there to regenerate). The data sets are rebuilt in memory by
tests/reference/export_datasets.py and checked against R's fingerprint of
them, so R and these tests read the same rows.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from lifelines import KaplanMeierFitter
from reference.fixtures import BY, NAMES, episodes, r, step_at
from sksurv.nonparametric import cumulative_incidence_competing_risks

from hiring_funnel.estimators import cumulative_incidence, kaplan_meier

R_TOL = 1e-6
EXACT = 1e-12
SKSURV_SETS = ("bmt", "cgvhd", "simulated")


def _fit(estimator, name: str, grouped: bool):
    """The estimator on a reference data set, ignoring the not-estimable warnings
    (the toy set has a group with no event of one cause, on purpose)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return estimator(episodes(name), by=BY if grouped else None, conf_level=0.95)


def _curves(name: str, grouped: bool):
    """(our group label, R's key) pairs: R calls the ungrouped curve 'overall'."""
    if not grouped:
        return [("all", None)]
    return [(g, g) for g in r(name)["groups"]]


def _assert_close(ours, theirs, atol, what):
    ours, theirs = np.asarray(ours, float), np.asarray(theirs, float)
    assert ours.shape == theirs.shape, what
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(theirs), err_msg=f"{what}: NaN places")
    both = np.isfinite(ours) & np.isfinite(theirs)
    np.testing.assert_allclose(ours[both], theirs[both], rtol=0, atol=atol, err_msg=what)


# -- Kaplan-Meier --------------------------------------------------------------------


@pytest.mark.parametrize("grouped", [False, True], ids=["overall", "by_group"])
@pytest.mark.parametrize("name", NAMES)
def test_kaplan_meier_equals_survfit(name, grouped):
    """R: survfit(Surv(time, status > 0) ~ 1 (or ~ group), conf.type = "log-log").

    survfit's std.err is the standard error of -log S (Greenwood), ours is of
    S, so ours = surv * std.err. survfit gives no interval (NA) where S is 0
    and, with log-log, also where S is still 1; ours is NaN at 0 and [1, 1] at 1.
    """
    table = _fit(kaplan_meier, name, grouped).table
    for label, key in _curves(name, grouped):
        ref = r(name)["km"]["overall"] if key is None else r(name)["km"]["groups"][key]
        ours = table[table["group"] == label]
        what = f"{name} {label}"
        np.testing.assert_array_equal(ours["time"], ref["time"], err_msg=what)
        np.testing.assert_array_equal(ours["at_risk"], ref["n.risk"], err_msg=what)
        np.testing.assert_array_equal(ours["events"], ref["n.event"], err_msg=what)
        _assert_close(ours["estimate"], ref["surv"], R_TOL, f"{what} surv")
        finite = np.isfinite(ref["std.err"])
        r_se = np.full(len(finite), np.nan)
        r_se[finite] = ref["surv"][finite] * ref["std.err"][finite]
        _assert_close(ours["std_error"], r_se, R_TOL, f"{what} std.err")
        at_one = ref["surv"] == 1.0
        for col, r_col in (("ci_lower", "lower"), ("ci_upper", "upper")):
            band = ours[col].to_numpy()
            assert np.all(band[at_one] == 1.0), what
            _assert_close(np.where(at_one, np.nan, band), ref[r_col], R_TOL, f"{what} {r_col}")


@pytest.mark.parametrize("name", NAMES)
def test_kaplan_meier_equals_lifelines(name):
    """lifelines: KaplanMeierFitter().fit(duration, event).survival_function_, per group."""
    ep = episodes(name)
    table = _fit(kaplan_meier, name, grouped=True).table
    for label, rows in ep.groupby(BY):
        fitter = KaplanMeierFitter().fit(rows["duration"], rows["cause"].notna())
        ours = table[table["group"] == label]
        theirs = fitter.survival_function_.iloc[:, 0].reindex(ours["time"].to_numpy())
        np.testing.assert_allclose(ours["estimate"], theirs, rtol=0, atol=EXACT)


# -- cumulative incidence ------------------------------------------------------------


@pytest.mark.parametrize("grouped", [False, True], ids=["overall", "by_group"])
@pytest.mark.parametrize("name", NAMES)
def test_cumulative_incidence_equals_cuminc(name, grouped):
    """R: cmprsk::cuminc(time, status, group, cencode = 0) (and without group).

    cuminc's curves are step vectors where each jump appears twice; they are
    read as right-continuous step functions at every one of our times, and
    ours at every one of theirs. lower/upper were computed in the R script
    from cuminc's var as F^exp(-+z sqrt(var) / (F log F)); R leaves them NA
    where F is 0, ours is [0, 0] there.
    """
    result = _fit(cumulative_incidence, name, grouped)
    table = result.table
    for label, key in _curves(name, grouped):
        refs = r(name)["cuminc"]["overall"] if key is None else r(name)["cuminc"]["groups"][key]
        for cause, ref in refs.items():
            ours = table[(table["group"] == label) & (table["cause"] == cause)]
            what = f"{name} {label} {cause}"
            if not np.any(ref["est"] > 0):
                # No event of this cause: R draws a zero curve, we leave it out and say so.
                assert ours.empty, what
                assert f"{label} / {cause}" in result.not_estimable, what
                continue
            t = ours["time"].to_numpy()
            for col, r_col in (("estimate", "est"), ("std_error", "var")):
                theirs = step_at(ref["time"], ref[r_col], t, before=0.0)
                mine = ours[col].to_numpy() ** (2 if col == "std_error" else 1)
                _assert_close(mine, theirs, R_TOL, f"{what} {r_col}")
            # ... and ours read at cuminc's own times (the last point of each).
            last = np.r_[ref["time"][1:] != ref["time"][:-1], True]
            mine = step_at(t, ours["estimate"], ref["time"][last], before=0.0)
            _assert_close(mine, ref["est"][last], R_TOL, f"{what} est at R's times")
            positive = ours["estimate"].to_numpy() > 0
            for col, r_col in (("ci_lower", "lower"), ("ci_upper", "upper")):
                theirs = step_at(ref["time"], ref[r_col], t, before=np.nan)
                band = ours[col].to_numpy()
                _assert_close(np.where(positive, band, np.nan), theirs, R_TOL, f"{what} {r_col}")
            # Where F is 0, R gives no interval; ours is [0, the exact binomial limit on the
            # episodes followed to t or to an answer] (issue 12), counted here from the data.
            ep = episodes(name)
            if key is not None:
                ep = ep[ep[BY].astype(str) == str(label)]
            dur, answered = ep["duration"].to_numpy(), ep["cause"].notna().to_numpy()
            followed = np.array([((dur > x) | answered & (dur <= x)).sum() for x in t])
            exact = 1.0 - 0.025 ** (1.0 / followed)
            assert np.all(ours["ci_lower"].to_numpy()[~positive] == 0.0), what
            np.testing.assert_allclose(
                ours["ci_upper"].to_numpy()[~positive], exact[~positive], rtol=1e-12, err_msg=what
            )


@pytest.mark.parametrize("grouped", [False, True], ids=["overall", "by_group"])
@pytest.mark.parametrize("name", NAMES)
def test_cumulative_incidence_equals_timepoints(name, grouped):
    """R: timepoints(cuminc(...), TIMES), TIMES as stated in make_reference.R.

    timepoints() gives NA past the last follow-up of a group, where our table
    has no rows; those times are left out.
    """
    table = _fit(cumulative_incidence, name, grouped).table
    tp = r(name)["cuminc"]["timepoints"]["overall" if not grouped else "groups"]
    times = tp["times"]
    for label, key in _curves(name, grouped):
        refs = tp["curves"] if key is None else tp["curves"][key]
        for cause, ref in refs.items():
            ours = table[(table["group"] == label) & (table["cause"] == cause)]
            inside = np.isfinite(ref["est"])
            if ours.empty:
                assert np.all(ref["est"][inside] == 0.0)
                continue
            at = times[inside]
            for col, r_col in (("estimate", "est"), ("std_error", "var")):
                mine = step_at(ours["time"], ours[col], at, before=0.0)
                mine = mine ** (2 if col == "std_error" else 1)
                _assert_close(mine, ref[r_col][inside], R_TOL, f"{name} {label} {cause} {r_col}")


@pytest.mark.parametrize("grouped", [False, True], ids=["overall", "by_group"])
@pytest.mark.parametrize("name", SKSURV_SETS)
def test_cumulative_incidence_equals_scikit_survival(name, grouped):
    """scikit-survival: cumulative_incidence_competing_risks(status, time), per group.

    It numbers the causes 1..max(status) and needs every one present, which
    holds for these three data sets in every group.
    """
    ep = episodes(name)
    table = _fit(cumulative_incidence, name, grouped).table
    causes = list(ep["cause"].cat.categories)
    parts = ep.groupby(BY) if grouped else [("all", ep)]
    for label, rows in parts:
        status = rows["cause"].cat.codes.to_numpy().astype(np.int64) + 1
        assert set(status) - {0} == set(range(1, len(causes) + 1))
        time, cif = cumulative_incidence_competing_risks(status, rows["duration"].to_numpy())
        for k, cause in enumerate(causes, start=1):
            ours = table[(table["group"] == label) & (table["cause"] == cause)]
            np.testing.assert_array_equal(ours["time"], time)
            np.testing.assert_allclose(ours["estimate"], cif[k], rtol=0, atol=EXACT)


@pytest.mark.parametrize("name", NAMES)
def test_causes_sum_to_one_minus_kaplan_meier(name):
    """Identity: at every time, sum over causes of F_k(t) = 1 - S(t) (Aalen-Johansen)."""
    km = _fit(kaplan_meier, name, grouped=True).table
    cif = _fit(cumulative_incidence, name, grouped=True).table
    total = cif.groupby(["group", "time"])["estimate"].sum()
    one_minus = 1.0 - km.set_index(["group", "time"])["estimate"]
    pd.testing.assert_series_equal(
        total.sort_index(), one_minus.sort_index(), check_names=False, rtol=0, atol=EXACT
    )
