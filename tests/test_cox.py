"""Tests of hiring_funnel.regression.cox: the cause-specific Cox model.

References: lifelines ``CoxPHFitter`` (Efron ties) and statsmodels ``PHReg``
(``ties="efron"`` / ``"breslow"``), both fitted on *rows* with one dummy
column per non-reference level. Neither is given case weights: with Efron ties
both count a weighted tied row as one event, which is not the row-level
likelihood our aggregated fit reproduces.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from hiring_funnel.regression import COX_COLUMNS, CoxResult, cause_specific_cox, plot_forest
from hiring_funnel.schema import HiringFunnelError

CAUSES = ["positive", "rejection"]


def make_episodes(n: int = 3000, seed: int = 7, entry: bool = False) -> pd.DataFrame:
    """Whole-day durations with heavy ties; hazards depend on three categorical covariates."""
    rng = np.random.default_rng(seed)
    size = rng.choice(["small", "mid", "large"], n, p=[0.5, 0.3, 0.2])
    source = rng.choice(["referral", "board", "agency$"], n, p=[0.2, 0.6, 0.2])
    remote = rng.choice([True, False], n, p=[0.4, 0.6])
    lp = (
        0.4 * (size == "mid")
        - 0.5 * (size == "large")
        + 0.6 * (source == "referral")
        - 0.3 * (source == "agency$")
        + 0.25 * remote
    )
    t_event = rng.exponential(12 * np.exp(-lp))
    t_cens = rng.uniform(0, 40, n)
    duration = np.floor(np.minimum(t_event, t_cens))
    cause = np.where(
        t_event <= t_cens, np.where(rng.random(n) < 0.45, "positive", "rejection"), None
    )
    start = np.where(rng.random(n) < 0.3, rng.uniform(0, 1, n) * duration, 0.0) if entry else 0.0
    return pd.DataFrame(
        {
            "entry": start,
            "duration": duration,
            "cause": pd.Categorical(cause, categories=CAUSES),
            "size": pd.Categorical(size, categories=["small", "mid", "large"]),
            "source": source,
            "remote": remote,
        }
    )


def dummies(ep: pd.DataFrame, result: CoxResult) -> pd.DataFrame:
    """Row-level design with the result's reference levels, for the reference fits."""
    out = pd.DataFrame(index=ep.index)
    for term, level in zip(result.table["term"], result.table["level"], strict=True):
        out[f"{term}={level}"] = (ep[term].astype(str) == str(level)).astype(float)
    return out


def test_pinned_numbers_from_lifelines() -> None:
    # lifelines 0.30.3, on rows:
    #   df = DataFrame({"T": duration, "E": cause == "offer", "small": size == "small"})
    #   CoxPHFitter().fit(df, "T", "E").summary[["coef", "se(coef)"]]
    #   -> coef -0.401598, se 0.740193
    ep = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": [1.0, 2, 3, 4, 5, 6, 7, 8, 2, 3, 9, 4],
            "cause": pd.Categorical(
                ["offer", "offer", None, "rejection", "offer", "offer"]
                + ["offer", None, "offer", "offer", "offer", "offer"]
            ),
            "size": ["big"] * 7 + ["small"] * 5,
        }
    )
    fit = cause_specific_cox(ep, cause="offer", covariates=["size"])
    assert fit.table["coef"].iloc[0] == pytest.approx(-0.401598, abs=1e-6)
    assert fit.table["std_error"].iloc[0] == pytest.approx(0.740193, abs=1e-6)
    assert fit.meta["censored_causes"] == ["rejection"]


@pytest.mark.parametrize("cause", CAUSES)
def test_aggregated_fit_equals_lifelines_on_rows(cause: str) -> None:
    import lifelines  # a core dependency

    ep = make_episodes()
    fit = cause_specific_cox(ep, cause=cause, covariates=["size", "source", "remote"])
    assert fit.meta["method"] == "aggregated"
    assert fit.meta["fit_rows"] < len(ep) / 3
    rows = dummies(ep, fit).assign(T=ep["duration"], E=(ep["cause"] == cause).astype(float))
    ref = lifelines.CoxPHFitter().fit(rows, "T", "E", fit_options={"precision": 1e-12})
    np.testing.assert_allclose(fit.table["coef"], ref.params_.to_numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(
        fit.table["std_error"], ref.standard_errors_.to_numpy(), atol=1e-6, rtol=0
    )
    assert fit.meta["loglik"] == pytest.approx(ref.log_likelihood_, abs=1e-8)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_aggregated_fit_equals_statsmodels_on_rows(ties: str) -> None:
    from statsmodels.duration import hazard_regression as phreg  # a dev dependency

    ep = make_episodes(seed=11)
    fit = cause_specific_cox(
        ep, cause="positive", covariates=["size", "source", "remote"], ties=ties
    )
    ref = phreg.PHReg(
        ep["duration"].to_numpy(),
        dummies(ep, fit).to_numpy(),
        status=(ep["cause"] == "positive").to_numpy(dtype=float),
        ties=ties,
    ).fit(tol=1e-12)
    np.testing.assert_allclose(fit.table["coef"], ref.params, atol=1e-6, rtol=0)
    np.testing.assert_allclose(fit.table["std_error"], ref.bse, atol=1e-6, rtol=0)
    assert fit.meta["loglik"] == pytest.approx(ref.llf, abs=1e-8)


@pytest.mark.parametrize("whole_days", [False, True])
def test_late_entry_equals_statsmodels_on_rows(whole_days: bool) -> None:
    # Fractional entries never tie with a whole-day exit; whole-day entries do,
    # and statsmodels, like life_table, counts an episode at risk on its entry
    # day (entry <= t <= duration).
    from statsmodels.duration import hazard_regression as phreg  # a dev dependency

    ep = make_episodes(seed=3, entry=True)
    if whole_days:
        ep["entry"] = np.floor(ep["entry"])
    assert (ep["entry"] > 0).sum() > 500
    fit = cause_specific_cox(ep, cause="rejection", covariates=["size", "source"])
    ref = phreg.PHReg(
        ep["duration"].to_numpy(),
        dummies(ep, fit).to_numpy(),
        status=(ep["cause"] == "rejection").to_numpy(dtype=float),
        entry=ep["entry"].to_numpy(),
        ties="efron",
    ).fit(tol=1e-12)
    np.testing.assert_allclose(fit.table["coef"], ref.params, atol=1e-6, rtol=0)
    np.testing.assert_allclose(fit.table["std_error"], ref.bse, atol=1e-6, rtol=0)


def test_numeric_covariate_runs_on_rows_and_matches_lifelines() -> None:
    import lifelines  # a core dependency

    ep = make_episodes(seed=5)
    ep["age"] = np.random.default_rng(1).normal(35, 8, len(ep))
    fit = cause_specific_cox(ep, cause="positive", covariates=["size", "age"])
    assert fit.meta["method"] == "rows"
    assert fit.table["level"].tolist() == ["mid", "large", None]
    rows = dummies(ep, fit.table.iloc[:2].pipe(lambda t: _result_like(fit, t)))
    rows = rows.assign(age=ep["age"], T=ep["duration"], E=(ep["cause"] == "positive").astype(float))
    ref = lifelines.CoxPHFitter().fit(rows, "T", "E", fit_options={"precision": 1e-12})
    np.testing.assert_allclose(fit.table["coef"], ref.params_.to_numpy(), atol=1e-6, rtol=0)
    np.testing.assert_allclose(
        fit.table["std_error"], ref.standard_errors_.to_numpy(), atol=1e-6, rtol=0
    )


def _result_like(fit: CoxResult, table: pd.DataFrame) -> CoxResult:
    return CoxResult(table=table, covariance=fit.covariance, meta=fit.meta)


def test_aggregated_equals_row_level_path() -> None:
    # The same model through both code paths: a 0/1 numeric column runs on rows.
    ep = make_episodes(seed=9, entry=True)
    # Whole-day entries tie with exit days: at risk when entry <= t <= duration.
    ep["entry"] = np.floor(ep["entry"])
    agg = cause_specific_cox(ep, cause="positive", covariates=["source", "remote"])
    ep["remote_num"] = ep["remote"].astype(float)
    rows = cause_specific_cox(ep, cause="positive", covariates=["source", "remote_num"])
    assert (agg.meta["method"], rows.meta["method"]) == ("aggregated", "rows")
    np.testing.assert_allclose(agg.table["coef"], rows.table["coef"], atol=1e-10, rtol=0)
    np.testing.assert_allclose(agg.table["std_error"], rows.table["std_error"], atol=1e-10, rtol=0)


def test_table_reference_and_intervals() -> None:
    ep = make_episodes()
    fit = cause_specific_cox(
        ep, cause="positive", covariates=["size", "source", "remote"], conf_level=0.9
    )
    t = fit.table
    assert tuple(t.columns) == COX_COLUMNS
    # Treatment coding against the most frequent level.
    assert fit.meta["reference"] == {"size": "small", "source": "board", "remote": "False"}
    assert t["level"].tolist() == ["mid", "large", "agency$", "referral", "True"]
    np.testing.assert_allclose(t["estimate"], np.exp(t["coef"]))
    np.testing.assert_allclose(np.log(t["ci_upper"] / t["estimate"]), 1.6448536 * t["std_error"])
    np.testing.assert_allclose(t["z"], t["coef"] / t["std_error"])
    assert ((t["p_value"] > 0) & (t["p_value"] <= 1)).all()
    assert fit.covariance.shape == (5, 5)
    html = fit._repr_html_()
    assert "most frequent level" in html and "source = board" in html


def test_other_causes_are_censored_and_row_order_does_not_matter() -> None:
    ep = make_episodes()
    fit = cause_specific_cox(ep, cause="positive", covariates=["size", "source"])
    censored = ep.assign(cause=ep["cause"].where(ep["cause"] == "positive"))
    again = cause_specific_cox(censored, cause="positive", covariates=["size", "source"])
    shuffled = cause_specific_cox(
        ep.sample(frac=1.0, random_state=2), cause="positive", covariates=["size", "source"]
    )
    for other in (again, shuffled):
        np.testing.assert_allclose(fit.table["coef"], other.table["coef"], atol=1e-12, rtol=0)
        np.testing.assert_allclose(
            fit.table["std_error"], other.table["std_error"], atol=1e-12, rtol=0
        )


def test_level_without_events_is_perfect_separation() -> None:
    ep = make_episodes()
    ep["size"] = ep["size"].cat.add_categories("tiny")
    ep.loc[ep.index[:40], "size"] = "tiny"
    ep.loc[ep.index[:40], "cause"] = "rejection"
    with pytest.raises(HiringFunnelError, match=r"size.*level 'tiny' has no 'positive' events"):
        cause_specific_cox(ep, cause="positive", covariates=["size"])


@pytest.mark.parametrize(
    ("mutate", "covs", "match"),
    [
        (lambda ep: ep.assign(team="a"), ["size", "team"], r"team.*is constant"),
        (lambda ep: ep.assign(n=1.5), ["n"], r"column 'n'.*is constant"),
        (
            lambda ep: ep.assign(copy=ep["source"] + "!"),
            ["source", "copy"],
            "duplicates covariate 'source'",
        ),
        (
            # A missing category is the level "(missing)" (tests/test_missing_levels.py);
            # a missing number is still refused.
            lambda ep: ep.assign(n=np.where(ep.index > 5, np.arange(len(ep)) % 7, np.nan)),
            ["n"],
            r"n.*missing value",
        ),
        (lambda ep: ep, ["nope"], "nope"),
        (lambda ep: ep, ["duration"], "not a covariate"),
        (lambda ep: ep, [], "covariates is empty"),
    ],
)
def test_bad_covariates(mutate, covs, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(HiringFunnelError, match=match):
        cause_specific_cox(mutate(make_episodes(n=400)), cause="positive", covariates=covs)


def test_collinear_levels_are_named() -> None:
    ep = make_episodes(n=600)
    # 'big' is exactly size == large: a level of one covariate duplicates another's.
    ep["big"] = ep["size"] == "large"
    with pytest.raises(HiringFunnelError, match=r"level 'True' of 'big'.*collinear"):
        cause_specific_cox(ep, cause="positive", covariates=["size", "big"])


def test_unknown_cause_and_no_events() -> None:
    ep = make_episodes(n=300)
    with pytest.raises(HiringFunnelError, match="unknown cause 'offer'"):
        cause_specific_cox(ep, cause="offer", covariates=["size"])
    none = ep.assign(cause=ep["cause"].where(ep["cause"] != "positive"))
    with pytest.raises(HiringFunnelError, match="no episode ends with cause 'positive'"):
        cause_specific_cox(none, cause="positive", covariates=["size"])
    with pytest.raises(HiringFunnelError, match="unknown ties"):
        cause_specific_cox(ep, cause="positive", covariates=["size"], ties="exact")


def test_events_per_parameter() -> None:
    ep = make_episodes(n=120, seed=4)
    fit = cause_specific_cox(ep, cause="positive", covariates=["size", "source", "remote"])
    assert fit.meta["events_per_parameter"] < 10
    assert any("per parameter" in n for n in fit.meta["notes"])
    # One event for two numeric parameters: fewer events than parameters.
    rng = np.random.default_rng(0)
    few = ep.assign(
        cause=pd.Categorical([None] * 119 + ["positive"], categories=CAUSES),
        a=rng.normal(size=120),
        b=rng.normal(size=120),
    )
    with pytest.raises(HiringFunnelError, match="1 event.*for 2 parameters"):
        cause_specific_cox(few, cause="positive", covariates=["a", "b"])


def test_monotone_likelihood_does_not_converge() -> None:
    # Each event has the highest x of its risk set: the likelihood rises forever in b.
    ep = pd.DataFrame(
        {
            "entry": 0.0,
            "duration": np.arange(1.0, 21.0),
            "cause": pd.Categorical(["offer"] * 10 + [None] * 10),
            "x": np.r_[np.linspace(11, 10, 10), np.linspace(0, 1, 10)],
        }
    )
    with pytest.raises(HiringFunnelError, match=r"did not converge.*'x'"):
        cause_specific_cox(ep, cause="offer", covariates=["x"])


def test_forest_plot_labels_are_plain_text() -> None:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    fit = cause_specific_cox(make_episodes(), cause="positive", covariates=["size", "source"])
    out = plot_forest(fit, ax=ax)
    assert out is ax
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[0] == "size: mid vs small"
    assert r"source: agency\$ vs board" in labels
    assert ax.get_xscale() == "log"
    assert "1" in [t.get_text() for t in ax.get_xticklabels()]  # plain ratios, no 10^x
    with pytest.raises(HiringFunnelError, match="draws a coefficient result"):
        plot_forest(fit.table)  # type: ignore[arg-type]
    plt.close(fig)
