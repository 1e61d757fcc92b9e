"""Tests of hiring_funnel.estimators.compare: the log-rank test and Gray's test.

R values come from tests/reference/r_reference.json (made by
tests/reference/make_reference.R; README.md there says how). Identity and
property tests cover what R does not: invariance to row and group order,
identical groups, late entry, errors.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lifelines.statistics import multivariate_logrank_test
from reference.fixtures import BY, NAMES, episodes, r
from scipy import stats

from hiring_funnel.estimators.compare import ComparisonResult, gray_test, logrank_test
from hiring_funnel.lifetable import life_table
from hiring_funnel.schema import HiringFunnelError

R_TOL = 1e-6
CAUSES = ["offer", "rejection"]


def make_episodes(durations, codes, groups, entry=None) -> pd.DataFrame:
    """codes: 0 censored, 1 offer, 2 rejection."""
    labels = np.array([None, *CAUSES], dtype=object)[np.asarray(codes)]
    return pd.DataFrame(
        {
            "entry": np.zeros(len(labels)) if entry is None else np.asarray(entry, float),
            "duration": np.asarray(durations, dtype=float),
            "cause": pd.Categorical(labels, categories=CAUSES),
            "size": np.asarray(groups, dtype=object),
        }
    )


def tied(seed: int, n: int = 400, days: int = 25, groups: str = "abc") -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return make_episodes(
        rng.integers(0, days, n), rng.choice(3, n, p=[0.3, 0.4, 0.3]), rng.choice(list(groups), n)
    )


# Six rows small enough to check by hand; R 4.2.2, survival 3.5-3, cmprsk 2.2-11:
#   t <- c(1, 2, 3, 2, 4, 6); s <- c(1, 1, 0, 1, 0, 2); g <- rep(c("small", "large"), each = 3)
#   survdiff(Surv(t, s > 0) ~ g)$chisq   # 0.8032787
#   cuminc(t, s, g)$Tests                # offer 0.8030958 (p 0.3701694); rejection -1
SMALL = make_episodes([1, 2, 3, 2, 4, 6], [1, 1, 0, 1, 0, 2], ["small"] * 3 + ["large"] * 3)


# -- against R -----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_logrank_equals_survdiff(name):
    """R: survdiff(Surv(time, status > 0) ~ group): chisq, obs, exp, var, df, p-value."""
    ref = r(name)["survdiff"]
    result = logrank_test(episodes(name), by=BY)
    assert list(result.table["group"]) == ref["groups"]
    np.testing.assert_array_equal(result.table["n"], ref["n"])
    np.testing.assert_allclose(result.table["observed"], ref["obs"], rtol=0, atol=R_TOL)
    np.testing.assert_allclose(result.table["expected"], ref["exp"], rtol=0, atol=R_TOL)
    np.testing.assert_allclose(result.meta["variance_matrix"], ref["var"], rtol=0, atol=R_TOL)
    np.testing.assert_allclose(result.table["variance"], np.diag(ref["var"]), rtol=0, atol=R_TOL)
    assert result.statistic == pytest.approx(ref["chisq"], abs=R_TOL)
    assert result.df == ref["df"]
    assert result.p_value == pytest.approx(ref["pvalue"], abs=R_TOL)


@pytest.mark.parametrize("rho", [0, 1])
@pytest.mark.parametrize("name", NAMES)
def test_gray_equals_cuminc(name, rho):
    """R: cmprsk::cuminc(time, status, group, rho = rho, cencode = 0)$Tests, one row per cause."""
    ref = r(name)
    for cause in ref["causes"]:
        result = gray_test(episodes(name), by=BY, cause=cause, rho=rho)
        expected = ref["gray" if rho == 0 else "gray_rho1"][cause]
        assert result.statistic == pytest.approx(expected["stat"], abs=R_TOL), cause
        assert result.p_value == pytest.approx(expected["pv"], abs=R_TOL), cause
        assert result.df == expected["df"]
        assert result.meta["rho"] == rho


def test_small_example_by_hand_and_r():
    """The six rows above: R's numbers, and the log-rank counts by hand.

    Answers on days 1 (small), 2 (one in each group) and 6 (large):
    E_small = 1 * 3/6 + 2 * 2/5 + 1 * 0/1 = 1.3.
    """
    lr = logrank_test(SMALL, by="size")
    assert lr.statistic == pytest.approx(0.8032787, abs=1e-7)
    small = lr.table.set_index("group").loc["small"]
    assert (small["observed"], small["expected"]) == (2.0, pytest.approx(1.3))
    gray = gray_test(SMALL, by="size", cause="offer")
    assert gray.statistic == pytest.approx(0.8030958, abs=1e-7)
    assert gray.p_value == pytest.approx(0.3701694, abs=1e-7)


def test_singular_gray_variance_is_an_error():
    """cmprsk reports stat = -1 for the rejection cause of SMALL (its only rejection,
    day 6, comes when nobody in 'small' is at risk, so the variance is 0); we refuse."""
    with pytest.raises(HiringFunnelError, match="variance matrix of the groups is singular"):
        gray_test(SMALL, by="size", cause="rejection")


# -- identities and properties -------------------------------------------------------


@pytest.mark.parametrize("test", ["logrank", "gray"])
def test_invariant_to_row_and_group_order(test):
    ep = tied(1)
    run = (
        (lambda e: logrank_test(e, by="size"))
        if test == "logrank"
        else (lambda e: gray_test(e, by="size", cause="offer"))
    )
    base = run(ep)
    shuffled = run(ep.sample(frac=1.0, random_state=7).reset_index(drop=True))
    # Renaming reverses the sorted order of the groups, so a different group is dropped.
    renamed = run(ep.assign(size=ep["size"].map({"a": "z", "b": "y", "c": "x"})))
    assert shuffled.statistic == pytest.approx(base.statistic, rel=1e-12)
    assert renamed.statistic == pytest.approx(base.statistic, rel=1e-10)
    assert list(renamed.table["group"]) == ["x", "y", "z"]
    np.testing.assert_allclose(renamed.table["observed"], base.table["observed"][::-1])


@pytest.mark.parametrize("test", ["logrank", "gray"])
def test_identical_groups_give_zero(test):
    one = tied(2, groups="a")
    both = pd.concat([one, one.assign(size="b")], ignore_index=True)
    result = (
        logrank_test(both, by="size")
        if test == "logrank"
        else gray_test(both, by="size", cause="offer")
    )
    assert result.statistic == pytest.approx(0.0, abs=1e-20)
    assert result.p_value == pytest.approx(1.0)
    np.testing.assert_allclose(result.table["observed"], result.table["expected"])


def test_gray_scores_sum_to_zero_and_are_observed_minus_expected():
    result = gray_test(tied(3), by="size", cause="rejection")
    table = result.table
    assert table["score"].sum() == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(table["score"], table["observed"] - table["expected"], atol=1e-9)
    assert table["observed"].sum() == pytest.approx(table["expected"].sum())
    # The variance matrix has rank K - 1: its rows sum to zero.
    np.testing.assert_allclose(result.meta["variance_matrix"].sum(axis=1), 0.0, atol=1e-9)


def test_life_table_input_gives_the_same():
    ep = tied(5)
    table = life_table(ep, by="size")
    assert logrank_test(table, by="size").statistic == logrank_test(ep, by="size").statistic
    a = gray_test(table, by="size", cause="offer").statistic
    assert a == gray_test(ep, by="size", cause="offer").statistic


def _survdiff_by_rows(ep: pd.DataFrame) -> float:
    """survdiff's statistic from explicit risk sets (entry <= t <= duration), row by row."""
    labels = sorted(ep["size"].unique())
    event = ep["cause"].notna().to_numpy()
    dur, entry, grp = ep["duration"].to_numpy(), ep["entry"].to_numpy(), ep["size"].to_numpy()
    o_minus_e, var = np.zeros(len(labels)), np.zeros((len(labels), len(labels)))
    for t in np.unique(dur[event]):
        at = (entry <= t) & (dur >= t)
        n = np.array([np.sum(at & (grp == g)) for g in labels], float)
        d = np.array([np.sum(event & (dur == t) & (grp == g)) for g in labels], float)
        big_n, big_d = n.sum(), d.sum()
        o_minus_e += d - n * big_d / big_n
        if big_n > 1:
            w = big_d * (big_n - big_d) / (big_n - 1)
            var += w * (np.diag(n / big_n) - np.outer(n, n) / big_n**2)
    return float(o_minus_e[1:] @ np.linalg.solve(var[1:, 1:], o_minus_e[1:]))


def test_late_entry_risk_sets():
    """With entry > 0 the risk set at t is entry <= t <= duration (R's counting-process
    Surv(entry, time, status), which survdiff does not take); checked against the rows."""
    rng = np.random.default_rng(6)
    ep = tied(6, n=300)
    ep["entry"] = np.floor(
        ep["duration"] * rng.uniform(0, 1, len(ep)) * (rng.random(len(ep)) < 0.4)
    )
    result = logrank_test(ep, by="size")
    assert result.statistic == pytest.approx(_survdiff_by_rows(ep), rel=1e-10)
    assert any("late entry" in note.text for note in result.notes)


settings_ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings_
@given(
    st.lists(
        st.tuples(st.integers(0, 8), st.integers(0, 2), st.sampled_from("ab")),
        min_size=4,
        max_size=50,
    )
)
def test_logrank_equals_lifelines_on_random_ties(rows):
    """lifelines: multivariate_logrank_test(duration, group, event).test_statistic."""
    ep = make_episodes(*zip(*rows, strict=True))
    try:
        ours = logrank_test(ep, by="size")
    except HiringFunnelError:
        return  # one group, or nobody comparable: covered by the error tests
    theirs = multivariate_logrank_test(ep["duration"], ep["size"], ep["cause"].notna())
    assert ours.statistic == pytest.approx(theirs.test_statistic, rel=1e-9, abs=1e-12)
    assert ours.p_value == pytest.approx(stats.chi2.sf(ours.statistic, ours.df))


# -- results and errors --------------------------------------------------------------


def test_result_is_frozen_and_renders():
    result = logrank_test(tied(8), by="size")
    assert isinstance(result, ComparisonResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.statistic = 0.0  # type: ignore[misc]
    html = result._repr_html_()
    assert "Log-rank" in html and f"{result.statistic:.4g}" in html
    assert list(result.table.columns) == [
        "group",
        "n",
        "observed",
        "expected",
        "variance",
        "hazard_ratio",
        "ci_lower",
        "ci_upper",
    ]
    assert result.meta["conf_level"] == 0.95
    assert "cause offer" in gray_test(tied(8), by="size", cause="offer")._repr_html_()


def test_hazard_ratio_is_petos_one_step():
    result = logrank_test(tied(9, groups="ab"), by="size")
    t = result.table
    log_hr = np.log(t["hazard_ratio"])
    np.testing.assert_allclose(log_hr, (t["observed"] - t["expected"]) / t["variance"])
    np.testing.assert_allclose(
        np.log(t["ci_upper"]) - log_hr, 1.959963984540054 / np.sqrt(t["variance"])
    )


def test_one_group_is_an_error():
    with pytest.raises(HiringFunnelError, match="at least two groups; \\['size'\\] has only"):
        logrank_test(tied(10, groups="a"), by="size")
    with pytest.raises(HiringFunnelError, match="at least two groups"):
        gray_test(tied(10, groups="a"), by="size", cause="offer")


def test_no_grouping_is_an_error():
    with pytest.raises(HiringFunnelError, match="compares groups: pass by="):
        logrank_test(tied(11), by=[])


def test_groups_never_at_risk_together():
    """Group b starts after every answer in a: as survdiff, a group with nothing
    expected is left out; with one group left the test cannot be computed."""
    ep = make_episodes([1, 2, 3, 10, 11], [1, 1, 1, 0, 0], ["a", "a", "a", "b", "b"])
    ep["entry"] = [0.0, 0.0, 0.0, 5.0, 5.0]
    with pytest.raises(HiringFunnelError, match="two groups with someone at risk"):
        logrank_test(ep, by="size")


def test_group_without_events_is_noted():
    ep = tied(12)
    ep.loc[ep["size"] == "c", "cause"] = None
    result = logrank_test(ep, by="size")
    assert any(note.text.startswith("c: no answers") for note in result.notes)
    assert result.table.set_index("group").loc["c", "observed"] == 0
    gray = gray_test(ep, by="size", cause="offer")
    assert any(note.text.startswith("c: no offer events") for note in gray.notes)


def test_gray_cause_errors():
    with pytest.raises(HiringFunnelError, match="unknown cause 'ghosted'"):
        gray_test(tied(13), by="size", cause="ghosted")
    ep = tied(13)
    ep["cause"] = ep["cause"].where(ep["cause"] != "offer")
    with pytest.raises(HiringFunnelError, match="needs at least one 'offer' event"):
        gray_test(ep, by="size", cause="offer")
    with pytest.raises(HiringFunnelError, match="rho must be a finite number"):
        gray_test(tied(13), by="size", cause="offer", rho=float("nan"))
