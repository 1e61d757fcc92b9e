"""Tests of hiring_funnel.regression.aft: parametric AFT models compared by AIC.

Data are simulated with numpy from known AFT models (seeded), on whole days
like the clocks produce (``floor`` of the continuous time), so the half-day
shift of the fit is exercised.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hiring_funnel.regression import AFTComparison, parametric_models
from hiring_funnel.regression import aft as aft_module
from hiring_funnel.schema import HiringFunnelError

TRUE_RATIO = 2.0  # "small" companies take twice as long
TRUE_SLOPE = 0.3  # log time ratio per unit of the numeric covariate


def simulate(kind: str, n: int = 2000, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    size = rng.choice(["big", "small"], n, p=[0.6, 0.4])
    x = rng.normal(size=n)
    log_scale = np.log(20) + np.log(TRUE_RATIO) * (size == "small") + TRUE_SLOPE * x
    if kind == "weibull":
        # S(t) = exp(-(t / lambda)^rho), rho = 1.5: T = lambda * E^(1/rho)
        t = np.exp(log_scale) * rng.exponential(size=n) ** (1 / 1.5)
    else:
        t = np.exp(log_scale + 0.6 * rng.normal(size=n))
    c = rng.uniform(0, 150, n)
    ev = t <= c
    cause = np.where(ev, rng.choice(["offer", "rejection"], n), None)
    return pd.DataFrame(
        {
            "entry": 0.0,
            "duration": np.floor(np.minimum(t, c)),
            "cause": pd.Categorical(cause, categories=["offer", "rejection"]),
            "size": size,
            "x": x,
        }
    )


@pytest.fixture(scope="module")
def weibull_fit() -> AFTComparison:
    return parametric_models(simulate("weibull"), covariates=["size", "x"])


def test_weibull_wins_and_recovers_time_ratio(weibull_fit: AFTComparison) -> None:
    fit = weibull_fit
    assert fit.meta["best"] == "weibull"
    table = fit.comparison
    assert list(table.columns) == ["distribution", "aic", "delta_aic", "loglik", "n_params", "best"]
    assert table.loc[table["best"], "distribution"].tolist() == ["weibull"]
    assert (table.loc[~table["best"], "delta_aic"] > 10).all()
    co = fit.coefficients.set_index(["distribution", "term"])
    size = co.loc[("weibull", "size")]
    assert size["level"] == "small"
    assert abs(size["coef"] - np.log(TRUE_RATIO)) < 3 * size["std_error"]
    assert size["ci_lower"] < TRUE_RATIO < size["ci_upper"]
    slope = co.loc[("weibull", "x")]
    assert pd.isna(slope["level"])
    assert abs(slope["coef"] - TRUE_SLOPE) < 3 * slope["std_error"]
    assert fit.meta["reference"] == {"size": "big"}
    assert fit.meta["shift"] == 0.5
    assert fit.meta["n"] == 2000


def test_lognormal_wins_on_lognormal_data() -> None:
    fit = parametric_models(simulate("lognormal", seed=5), covariates="size")
    assert fit.meta["best"] == "lognormal"
    co = fit.coefficients.set_index(["distribution", "term"]).loc[("lognormal", "size")]
    assert abs(co["coef"] - np.log(TRUE_RATIO)) < 3 * co["std_error"]


def test_aic_by_hand(weibull_fit: AFTComparison) -> None:
    ep = simulate("weibull")
    for dist in ("weibull", "lognormal", "loglogistic"):
        row = weibull_fit.comparison.set_index("distribution").loc[dist]
        # hand-made log-likelihood of the Weibull model from its estimates
        assert row["n_params"] == 4  # intercept, size, x, shape
        assert row["aic"] == pytest.approx(2 * 4 - 2 * row["loglik"], rel=1e-12)
    params = weibull_fit.params["weibull"]
    lam = np.exp(
        params[("lambda_", "Intercept")]
        + params[("lambda_", "x0")] * (ep["size"] == "small")
        + params[("lambda_", "x1")] * ep["x"]
    ).to_numpy()
    rho = np.exp(params[("rho_", "Intercept")])
    t = ep["duration"].to_numpy() + 0.5
    e = ep["cause"].notna().to_numpy()
    z = t / lam
    loglik = np.sum(e * (np.log(rho) - np.log(lam) + (rho - 1) * np.log(z))) - np.sum(z**rho)
    wb = weibull_fit.comparison.set_index("distribution").loc["weibull"]
    assert wb["loglik"] == pytest.approx(loglik, rel=1e-9)
    assert wb["aic"] == pytest.approx(2 * 4 - 2 * loglik, rel=1e-9)


def lifelines_fit(name: str):  # the reference: lifelines fitted on the same shifted data
    from lifelines import LogNormalAFTFitter, WeibullAFTFitter

    ep = simulate("weibull")
    data = pd.DataFrame(
        {
            "T": ep["duration"].to_numpy() + 0.5,
            "E": ep["cause"].notna().to_numpy().astype(int),
            "x0": (ep["size"] == "small").to_numpy().astype(float),
            "x1": ep["x"].to_numpy(dtype=float),
        }
    )
    fitter = {"weibull": WeibullAFTFitter, "lognormal": LogNormalAFTFitter}[name]()
    return fitter.fit(data, duration_col="T", event_col="E")


def test_survival_monotone_and_equal_to_lifelines(weibull_fit: AFTComparison) -> None:
    days = np.array([0, 1, 5, 20, 60, 149, 300, 1000])
    s = weibull_fit.predict(days, {"size": "small", "x": 1.0})
    assert list(s.columns) == ["day", "survival", "distribution", "extrapolated"]
    assert (s["distribution"] == "weibull").all()
    assert (np.diff(s["survival"]) < 0).all()
    assert ((s["survival"] > 0) & (s["survival"] <= 1)).all()
    assert s["extrapolated"].tolist() == [d > weibull_fit.meta["last_day"] for d in days]
    row = pd.DataFrame({"x0": [1.0], "x1": [1.0]})
    ref = lifelines_fit("weibull").predict_survival_function(row, times=days + 0.5)
    np.testing.assert_allclose(s["survival"].to_numpy(), ref.to_numpy()[:, 0], rtol=1e-9)
    # named distribution; default pattern = reference level and mean of x
    ln = weibull_fit.predict(days, distribution="lognormal")
    row = pd.DataFrame({"x0": [0.0], "x1": [weibull_fit.meta["means"]["x"]]})
    ref = lifelines_fit("lognormal").predict_survival_function(row, times=days + 0.5)
    np.testing.assert_allclose(ln["survival"].to_numpy(), ref.to_numpy()[:, 0], rtol=1e-9)
    # slower "small" companies: higher survival at every day
    big = weibull_fit.predict(days, {"size": "big", "x": 1.0})
    assert (s["survival"].to_numpy()[1:-1] > big["survival"].to_numpy()[1:-1]).all()


def test_one_cause_censors_the_others() -> None:
    ep = simulate("weibull", n=600)
    fit = parametric_models(ep, cause="offer", distributions=["weibull"])
    assert fit.meta["events"] == int((ep["cause"] == "offer").sum())
    assert fit.meta["events"] < int(ep["cause"].notna().sum())
    assert fit.comparison["distribution"].tolist() == ["weibull"]
    assert len(fit.coefficients) == 0
    assert "any answer" not in fit._repr_html_()
    assert "0.5 day" in fit._repr_html_()


def test_zero_durations_are_shifted() -> None:
    ep = simulate("weibull", n=400)
    ep.loc[:50, "duration"] = 0.0
    fit = parametric_models(ep, covariates="size")
    assert np.isfinite(fit.comparison["loglik"]).all()
    assert fit.predict(0)["survival"].iloc[0] < 1


def test_repr_html(weibull_fit: AFTComparison) -> None:
    out = weibull_fit._repr_html_()
    assert "time until any answer" in out and "weibull" in out and "size = big" in out


def test_no_events() -> None:
    ep = simulate("weibull", n=200)
    ep["cause"] = pd.Categorical([None] * 200, categories=["offer", "rejection"])
    with pytest.raises(HiringFunnelError, match="no episode ends with an answer"):
        parametric_models(ep)
    ep = simulate("weibull", n=200)
    ep["cause"] = pd.Categorical(["offer"] * 200, categories=["offer", "rejection"])
    with pytest.raises(HiringFunnelError, match="no episode ends with cause 'rejection'"):
        parametric_models(ep, cause="rejection")


def test_constant_covariate() -> None:
    ep = simulate("weibull", n=200).assign(team="a", score=3.0)
    with pytest.raises(HiringFunnelError, match="constant") as info:
        parametric_models(ep, covariates=["size", "team"])
    assert info.value.column == "team"
    with pytest.raises(HiringFunnelError, match="constant"):
        parametric_models(ep, covariates="score")


def test_convergence_error_names_distribution(monkeypatch: pytest.MonkeyPatch) -> None:
    from lifelines.exceptions import ConvergenceError

    real = aft_module._fitter

    def broken(dist: str):
        fitter = real(dist)
        if dist == "lognormal":

            def fail(*args, **kwargs):
                raise ConvergenceError("Convergence halted due to matrix inversion problems.")

            fitter.fit = fail
        return fitter

    monkeypatch.setattr(aft_module, "_fitter", broken)
    with pytest.raises(HiringFunnelError, match="lognormal AFT model.*did not converge") as info:
        parametric_models(simulate("weibull", n=200), covariates="size")
    assert "fewer covariates" in str(info.value)


def test_bad_arguments(weibull_fit: AFTComparison) -> None:
    ep = simulate("weibull", n=100)
    with pytest.raises(HiringFunnelError, match="unknown cause"):
        parametric_models(ep, cause="ghosted")
    with pytest.raises(HiringFunnelError, match="distribution"):
        parametric_models(ep, distributions=["gamma"])
    with pytest.raises(HiringFunnelError, match="unknown level"):
        weibull_fit.predict([1], {"size": "huge"})
    with pytest.raises(HiringFunnelError, match="not covariates"):
        weibull_fit.predict([1], {"team": "a"})
    with pytest.raises(HiringFunnelError, match="was not fitted"):
        parametric_models(ep, distributions=["weibull"]).predict([1], distribution="lognormal")


def test_reference_is_the_most_frequent_level() -> None:
    ep = simulate("weibull", n=400)
    ep["team"] = np.where(np.arange(400) % 5 == 0, "a", "z")  # "z" is the most frequent
    fit = parametric_models(ep, covariates="team", distributions=["weibull"])
    assert fit.meta["reference"] == {"team": "z"}
    assert fit.coefficients["level"].tolist() == ["a"]


def test_failures_real_data_causes_are_named() -> None:
    # Issue 6, item 7: separation, a duplicated column, too few events.
    ep = simulate("weibull", n=400)
    ep["team"] = np.where(ep["size"] == "big", "north", "south")  # size under another name
    with pytest.raises(HiringFunnelError, match="duplicates covariate 'size'") as info:
        parametric_models(ep, covariates=["size", "team"])
    assert info.value.column == "team"
    ep["tier"] = np.where(np.arange(len(ep)) < 30, "rare", "usual")
    ep.loc[ep["tier"] == "rare", "cause"] = None  # no answer at all in the rare tier
    with pytest.raises(HiringFunnelError, match="level 'rare' has no 'answer' events") as info:
        parametric_models(ep, covariates="tier")
    assert info.value.column == "tier"
    few = simulate("weibull", n=60)
    few["cause"] = pd.Categorical(
        np.where(np.arange(60) < 15, "offer", None), categories=["offer", "rejection"]
    )
    few["band"] = np.array(["a", "b", "c"])[np.arange(60) % 3]
    fit = parametric_models(few, covariates=["size", "band"], distributions=["weibull"])
    assert any("only 5.0 answers per parameter" in n for n in fit.meta["notes"])
    assert "only 5.0 answers per parameter" in fit._repr_html_()
    one = few.assign(
        cause=pd.Categorical(["offer"] + [None] * 59, categories=["offer"]),
        y=np.random.default_rng(3).normal(size=60),
    )
    with pytest.raises(HiringFunnelError, match="1 answers for 2 parameters: fewer events"):
        parametric_models(one, covariates=["x", "y"], distributions=["weibull"])
