"""Tests of the mixture-cure ghosting model (hiring_funnel.regression.ghosting).

No outside package fits a mixture-cure model with covariates on both parts
(lifelines' MixtureCureFitter has none), so the references are the
simulator's own truth, the Kaplan-Meier plateau, an independent row-level
likelihood written here with scipy.stats, and the fit on unaggregated rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hiring_funnel.clocks import episodes
from hiring_funnel.regression._cure_likelihood import CureData, fit
from hiring_funnel.regression.ghosting import ghosting_model
from hiring_funnel.schema import HiringFunnelError
from hiring_funnel.simulate import simulate
from hiring_funnel.simulate.model import ghost_probability_by_level

FACTORS = ["company_size", "industry", "role_level", "source", "remote"]


@pytest.fixture(scope="module")
def long_log():
    # Searches start up to 1500 days before the as-of date and nobody
    # withdraws or sees the posting closed, so most applications are followed
    # far past the slowest answers (government at a 5000+ company: median
    # 7 * 2.5 * 1.3 = 23 days, sigma 1) and the Kaplan-Meier curve flattens.
    log = simulate(
        20_000,
        seed=11,
        office_hours=False,
        horizon_days=1500.0,
        withdraw_probability=0.0,
        close_probability=0.0,
    )
    ep = episodes(log.events, "first_response", attributes=log.attributes, as_of=log.as_of)
    return log, ep


@pytest.fixture(scope="module")
def default_log():
    # The simulator's default follow-up (searches over 300 days, withdrawals and
    # closings): the realistic case, with many episodes censored early.
    log = simulate(20_000, seed=3, office_hours=False)
    ep = episodes(log.events, "first_response", attributes=log.attributes, as_of=log.as_of)
    return log, ep


@pytest.mark.parametrize("timing", ["lognormal", "weibull"])
def test_ghosting_share_by_level_recovers_truth(default_log, timing):
    log, ep = default_log
    res = ghosting_model(ep, covariates=FACTORS, timing=timing)
    truth = ghost_probability_by_level(log.truth, log.attributes)
    rows = res.by_level[res.by_level["covariate"] != "(all)"]
    assert len(rows) == sum(len(truth[f]) for f in FACTORS)
    for row in rows.itertuples():
        true = truth[row.covariate][row.level]
        # 3 se of sampling error plus 0.01 for misspecification: the true
        # answer time is a mixture of two log-normals (positive median 3 days,
        # rejection 7) whose mix depends on role, source and remote, not one
        # AFT distribution; and the true ghosting logit has a candidate-quality
        # term (N(0, 1), coefficient -0.4) the model cannot see, so the
        # marginal share is only close to logistic in the factors.
        tol = 3 * row.std_error + 0.01
        assert abs(row.estimate - true) < tol, (row.covariate, row.level, row.estimate, true)
        # The tolerance is tight enough to tell levels apart (referral 0.13
        # vs job board 0.40): a test that can fail.
        assert tol < 0.05
    overall = res.predict()
    assert (
        abs(overall - log.truth["expected"]["ghosted"])
        < 3 * res.by_level["std_error"].iloc[0] + 0.01
    )


def test_no_covariates_matches_km_plateau_and_truth(long_log):
    log, ep = long_log
    res = ghosting_model(ep)
    assert res.meta["notes"] == []
    # Kaplan-Meier of any answer at the last day (lifelines as the reference).
    from lifelines import KaplanMeierFitter

    km = KaplanMeierFitter().fit(ep["duration"], ep["cause"].notna())
    plateau = float(km.survival_function_.iloc[-1, 0])
    se = float(res.by_level["std_error"].iloc[0])
    assert abs(res.predict() - plateau) < max(3 * se, 0.005)
    # And the truth for this sample (ghosting does not depend on follow-up).
    assert abs(res.predict() - log.truth["expected"]["ghosted"]) < 3 * se + 0.01


def _row_loglik(theta: np.ndarray, x: np.ndarray, d: np.ndarray, answered: np.ndarray) -> float:
    """The likelihood of the module docstring, row by row with scipy.stats (log-normal)."""
    k = x.shape[1]
    p = 1 / (1 + np.exp(-(x @ theta[:k])))
    mu, sigma = x @ theta[k : 2 * k], np.exp(theta[2 * k])
    dist = stats.lognorm(s=sigma, scale=np.exp(mu))
    lo = np.maximum(d - 0.5, 0.0)
    ans = p * (dist.cdf(d + 0.5) - dist.cdf(lo))
    cens = 1 - p + p * dist.sf(d)
    return float(np.sum(np.log(np.where(answered, ans, cens))))


def test_gradient_zero_at_optimum_and_loglik_matches(default_log):
    _, ep = default_log
    sub = ep.iloc[:4000]
    res = ghosting_model(sub, covariates=["source", "remote"])
    terms = [n.split(":", 1)[1] for n in res.params.index if n.startswith("ghosting:")]
    src = sub["source"].astype(str).to_numpy()
    rem = sub["remote"].astype(str).to_numpy()
    cols = [np.ones(len(sub))]
    for t in terms[1:]:
        name, level = t[:-1].split("[")
        cols.append(((src if name == "source" else rem) == level).astype(float))
    x = np.column_stack(cols)
    d = sub["duration"].to_numpy(float)
    a = sub["cause"].notna().to_numpy()
    theta = res.params.to_numpy()
    ll = _row_loglik(theta, x, d, a)
    assert ll == pytest.approx(res.meta["loglik"], rel=1e-9)
    h = 1e-5
    grad = np.array(
        [
            (_row_loglik(theta + h * e, x, d, a) - _row_loglik(theta - h * e, x, d, a)) / (2 * h)
            for e in np.eye(theta.size)
        ]
    )
    # Per-episode score is O(1); at the optimum the sum is zero up to
    # finite-difference error.
    assert np.max(np.abs(grad)) < 1e-3
    # A step away from the optimum is detected (the check can fail).
    assert _row_loglik(theta + 0.05, x, d, a) < ll


def test_aggregated_fit_equals_row_level_fit(default_log):
    _, ep = default_log
    sub = ep.iloc[:3000]
    res = ghosting_model(sub, covariates=["industry"], timing="weibull")
    levels = sorted(sub["industry"].astype(str).unique())
    x_pat = np.column_stack(
        [np.ones(len(levels))] + [(np.array(levels) == lev).astype(float) for lev in levels[1:]]
    )
    codes = pd.Categorical(sub["industry"].astype(str), categories=levels).codes
    rows = CureData(
        design=x_pat,
        pattern=codes.astype(np.intp),
        duration=sub["duration"].to_numpy(float),
        answered=sub["cause"].notna().to_numpy(),
        weight=np.ones(len(sub)),
        timing="weibull",
    )
    row_fit = fit(rows)
    assert res.meta["rows"] < len(sub)
    np.testing.assert_allclose(row_fit.theta, res.params.to_numpy(), atol=1e-6)
    assert row_fit.loglik == pytest.approx(res.meta["loglik"], abs=1e-6)


def test_result_table_and_html(default_log):
    _, ep = default_log
    res = ghosting_model(ep.iloc[:5000], covariates=["source"], conf_level=0.9)
    t = res.table
    assert set(t["part"]) == {"ghosting", "timing"}
    assert list(t.columns) == [
        "term",
        "level",
        "estimate",
        "ci_lower",
        "ci_upper",
        "coef",
        "std_error",
        "p_value",
        "part",
        "scale",
    ]
    ghost = t[(t["part"] == "ghosting") & (t["level"] == "referral")].iloc[0]
    # Referrals are ghosted less (simulator: -1.2 on the ghosting logit).
    assert ghost["estimate"] < 1 and ghost["ci_upper"] < 1
    assert (t["ci_lower"] <= t["estimate"]).all() and (t["estimate"] <= t["ci_upper"]).all()
    p = res.patterns
    assert ((p["ci_lower"] < p["estimate"]) & (p["estimate"] < p["ci_upper"])).all()
    assert "Ghosting" in res._repr_html_()
    with pytest.raises(AttributeError):
        res.meta = {}  # type: ignore[misc]


def test_errors_name_the_covariate(default_log):
    _, ep = default_log
    sub = ep.iloc[:2000].copy()
    sub["one"] = "x"
    with pytest.raises(HiringFunnelError, match="'one' is constant"):
        ghosting_model(sub, covariates=["one"])
    sub["flag"] = np.where(np.arange(len(sub)) < 50, "rare", "common")
    sub.loc[sub["flag"] == "rare", "cause"] = np.nan
    with pytest.raises(HiringFunnelError, match="level 'rare' of covariate 'flag' has no answers"):
        ghosting_model(sub, covariates=["flag"])
    with pytest.raises(HiringFunnelError, match="lack column"):
        ghosting_model(sub, covariates=["nope"])
    with pytest.raises(HiringFunnelError, match="unknown timing"):
        ghosting_model(sub, timing="gamma")
    short = sub[sub["cause"].notna() | (sub["duration"] <= 3)].copy()
    short.loc[short["cause"].notna(), "duration"] = short["duration"].max()
    with pytest.raises(HiringFunnelError, match="not identified"):
        ghosting_model(short)


def test_short_follow_up_gets_a_note(default_log):
    _, ep = default_log
    # Cut follow-up at 20 days: answers are still coming in at the end.
    cut = ep.copy()
    late = cut["duration"] > 20
    cut.loc[late, "cause"] = np.nan
    cut.loc[late, "duration"] = 20.0
    extra = cut.iloc[:5].copy()
    extra["duration"] = 21.0
    extra.loc[:, "cause"] = np.nan
    cut = pd.concat([cut, extra])
    res = ghosting_model(cut)
    assert any("plateau" in n for n in res.meta["notes"])


def test_hessian_equals_central_differences_of_the_gradient(default_log):
    from hiring_funnel.regression import _cure_likelihood as lik

    _, ep = default_log
    sub = ep.iloc[:3000]
    levels = sorted(sub["remote"].astype(str).unique())
    codes = pd.Categorical(sub["remote"].astype(str), categories=levels).codes
    data = CureData(
        design=np.array([[1.0, 0.0], [1.0, 1.0]]),
        pattern=codes.astype(np.intp),
        duration=sub["duration"].to_numpy(float),
        answered=sub["cause"].notna().to_numpy(),
        weight=np.ones(len(sub)),
        timing="lognormal",
    )
    theta = np.array([0.4, -0.2, 2.0, 0.1, 0.0])
    full = np.empty((5, 5))
    for j in range(5):
        e = np.zeros(5)
        e[j] = 1e-5
        up, down = lik.loglik_and_grad(theta + e, data)[1], lik.loglik_and_grad(theta - e, data)[1]
        full[:, j] = (up - down) / 2e-5
    np.testing.assert_allclose(lik.hessian(theta, data), full, rtol=1e-6, atol=1e-4)


def test_level_never_ghosted_is_separation(default_log):
    _, ep = default_log
    sub = ep.iloc[:2000].copy()
    sub["flag"] = np.where(sub["cause"].notna() & (np.arange(len(sub)) % 7 == 0), "sure", "other")
    with pytest.raises(
        HiringFunnelError, match="level 'sure' of covariate 'flag' has no unanswered"
    ):
        ghosting_model(sub, covariates=["flag"])


def test_numeric_covariate_enters_linearly_and_has_no_level_rows(default_log):
    _, ep = default_log
    sub = ep.iloc[:3000].copy()
    sub["x"] = np.random.default_rng(0).normal(size=len(sub))
    res = ghosting_model(sub, covariates=["x", "remote"])
    assert ((res.table["term"] == "x") & (res.table["level"] == "")).sum() == 2
    assert set(res.by_level["covariate"]) == {"(all)", "remote"}


def test_duplicated_column_and_thin_model(default_log):
    # Issue 6, item 7: a duplicated column is named; few episodes get a note.
    _, ep = default_log
    sub = ep.iloc[:3000].copy()
    sub["src"] = sub["source"]
    with pytest.raises(HiringFunnelError, match="collinear") as info:
        ghosting_model(sub, covariates=["source", "src"])
    assert info.value.column == "src"
    small = ep.iloc[:100].copy()
    res = ghosting_model(small, covariates=["source"])
    rarer = int(min(small["cause"].notna().sum(), small["cause"].isna().sum()))
    parameters = 2 * (small["source"].nunique() - 1)
    assert rarer / parameters < 10
    assert any(
        "episodes of the rarer outcome (answered or not) per parameter" in n
        for n in res.meta["notes"]
    )


def test_clustered_covariance_is_the_sandwich_of_per_episode_scores(default_log):
    # Each episode its own cluster: the meat must be sum_i s_i s_i' with s_i
    # the analytic gradient of that one episode's log-likelihood.
    from hiring_funnel.regression._cure_likelihood import loglik_and_grad

    _, ep = default_log
    sub = ep.iloc[:300].copy()
    sub["own"] = np.arange(len(sub))
    plain = ghosting_model(sub, covariates=["remote"])
    robust = ghosting_model(sub, covariates=["remote"], cluster="own")
    theta = plain.params.to_numpy()
    flag = (sub["remote"].astype(str) != sorted(sub["remote"].astype(str).unique())[0]).to_numpy()
    design = np.array([[1.0, 0.0], [1.0, 1.0]])
    meat = np.zeros((len(theta), len(theta)))
    for i in range(len(sub)):
        one = CureData(
            design=design,
            pattern=np.array([int(flag[i])]),
            duration=np.array([float(sub["duration"].iloc[i])]),
            answered=np.array([bool(sub["cause"].notna().iloc[i])]),
            weight=np.array([1.0]),
            timing="lognormal",
        )
        _, g = loglik_and_grad(theta, one)
        meat += np.outer(g, g)
    cov = plain.covariance.to_numpy()
    np.testing.assert_allclose(robust.covariance.to_numpy(), cov @ meat @ cov, rtol=1e-9)
    assert robust.meta["variance"] == "robust sandwich, clustered on 'own'"


def test_candidate_clusters_widen_the_ghosting_intervals_of_a_candidate_trait():
    # Role level is the same on all of a candidate's applications, who share a
    # quality effect in the simulator: its clustered standard errors are larger.
    log = simulate(8000, seed=4, office_hours=False)
    ep = episodes(log.events, "first_response", attributes=log.attributes, as_of=log.as_of)
    plain = ghosting_model(ep, covariates=["role_level"])
    robust = ghosting_model(ep, covariates=["role_level"], cluster="candidate_id")
    role = [n for n in plain.params.index if n.startswith("ghosting:role_level")]
    assert (
        np.sqrt(np.diag(robust.covariance.loc[role, role]))
        > np.sqrt(np.diag(plain.covariance.loc[role, role]))
    ).all()
    with pytest.raises(HiringFunnelError, match="column 'nope': no such column to cluster on"):
        ghosting_model(ep, covariates=["role_level"], cluster="nope")
