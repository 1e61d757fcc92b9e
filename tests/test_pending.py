"""Tests of hiring_funnel.regression.pending and CoxResult.baseline.

The reference values in tests/reference/pending_reference.json come from R's
survival (coxph, survfit on single-cause and multi-state Cox models), made by
tests/reference/make_pending_reference.R::

    python tests/reference/export_datasets.py /tmp/hf_reference
    Rscript tests/reference/make_pending_reference.R /tmp/hf_reference tests/reference/pending_reference.json
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from reference.fixtures import BY, episodes, step_at

import hiring_funnel as hf
from hiring_funnel.estimators import still_hope
from hiring_funnel.regression import (
    PREDICTION_COLUMNS,
    QUANTITIES,
    cause_specific_cox,
    pending_model,
    predict_pending,
)
from hiring_funnel.regression._hazards import Hazard, aalen_johansen
from hiring_funnel.schema import HiringFunnelError

REFERENCE = Path(__file__).parent / "reference" / "pending_reference.json"


@cache
def _reference() -> dict[str, Any]:
    return json.loads(REFERENCE.read_text())


def _hazard(ep: pd.DataFrame, cause: str, ties: str = "efron") -> Hazard:
    fit = cause_specific_cox(ep, cause=cause, covariates=BY, ties=ties)
    return Hazard(
        tuple(zip(fit.table["term"], fit.table["level"], strict=True)),
        fit.table["coef"].to_numpy(),
        fit.baseline["time"].to_numpy(),
        fit.baseline["hazard"].to_numpy(),
    )


@pytest.mark.parametrize("name", ["bmt", "simulated"])
def test_baseline_cumulative_hazard_equals_r_survfit_coxph(name: str) -> None:
    # R: survfit(coxph(Surv(time, status == k) ~ group, ties = "efron"),
    #            newdata = data.frame(group = level))$cumhaz, per level.
    ref = _reference()[name]
    ep = episodes(name)
    causes = list(ep["cause"].cat.categories)
    for single in ref["single"]:
        cause = causes[single["cause"] - 1]
        fit = cause_specific_cox(ep, cause=cause, covariates=BY)
        time = np.asarray(single["time"], dtype=float)
        cumhaz = np.asarray(single["cumhaz"], dtype=float)  # time x level
        for j, level in enumerate(ref["levels"]):
            row = fit.table[fit.table["level"] == level]
            ratio = float(row["estimate"].iloc[0]) if len(row) else 1.0
            ours = step_at(
                fit.baseline["time"].to_numpy(),
                fit.baseline["cumulative_hazard"].to_numpy() * ratio,
                time,
                0.0,
            )
            # R stops Newton at a relative loglik change of 1e-9, so its
            # coefficients (and so these) agree to about 1e-9, not 1e-15.
            np.testing.assert_allclose(ours, cumhaz[:, j], rtol=1e-7, atol=1e-12)


@pytest.mark.parametrize("name", ["bmt", "simulated"])
def test_aalen_johansen_of_cox_hazards_equals_r_multistate_survfit(name: str) -> None:
    # R: survfit(coxph(Surv(time, factor(status)) ~ group, id = id, ties = "breslow"),
    #            newdata = data.frame(group = level), stype = 1)$pstate. R fits multi-state
    # models with Breslow's ties only, so this pins the Aalen-Johansen step on
    # Breslow hazards; the Efron hazards are pinned by the test above.
    ref = _reference()[name]
    ep = episodes(name)
    causes = list(ep["cause"].cat.categories)
    if len(causes) != 2:
        pytest.fail("the reference has two causes")
    a, b = _hazard(ep, causes[0], "breslow"), _hazard(ep, causes[1], "breslow")
    patterns = pd.DataFrame({BY: ref["levels"]})
    grid, surv, f_a, f_b = aalen_johansen(a, b, patterns)
    time = np.asarray(ref["time"], dtype=float)
    for j in range(len(ref["levels"])):
        pstate = np.asarray(ref["pstate"][j], dtype=float)  # time x (waiting, cause 1, cause 2)
        np.testing.assert_allclose(step_at(grid, surv[j], time, 1.0), pstate[:, 0], atol=1e-7)
        np.testing.assert_allclose(step_at(grid, f_a[j], time, 0.0), pstate[:, 1], atol=1e-7)
        np.testing.assert_allclose(step_at(grid, f_b[j], time, 0.0), pstate[:, 2], atol=1e-7)


@cache
def _sim() -> hf.SimulatedLog:
    return hf.simulate(4000, seed=11)


def _fit(covariates: tuple[str, ...] = (), **kw: Any) -> Any:
    sim = _sim()
    return pending_model(
        sim.events, covariates=covariates, attributes=sim.attributes, as_of=sim.as_of, **kw
    )


def test_without_covariates_predictions_are_the_nonparametric_estimates() -> None:
    # Identity with the Aalen-Johansen / Kaplan-Meier estimators (themselves
    # pinned to R's cmprsk and survival in test_against_r.py).
    sim = _sim()
    kw = {"attributes": sim.attributes, "as_of": sim.as_of}
    # The pending model keeps whole days (issue 15, item 3): compare with end_of_day.
    first = hf.episodes(sim.events, "first_response", day_boundary="end_of_day", **kw)
    s = np.array([0.0, 3, 12, 30])
    model = _fit(n_resamples=0)
    pred = predict_pending(model, pd.DataFrame({"waited": s})).wide()
    # offer_eventually: P(offer by tau | applied, no move yet, at day s), the
    # multi-state Aalen-Johansen (pinned to R in test_multistate.py).
    paths = hf.state_paths(sim.events, **kw)
    hope = hf.still_hope_from(paths, stage="applied", waited=s, horizon=model.meta["horizon"])
    np.testing.assert_allclose(
        pred["offer_eventually"], hope.table["estimate"], rtol=1e-12, atol=1e-15
    )
    any_later = sum(
        still_hope(first, cause=c, waited=s).table["estimate"].to_numpy()
        for c in ("positive", "rejection")
    )
    np.testing.assert_allclose(pred["answer_eventually"], any_later, rtol=1e-12)
    km = hf.estimators.kaplan_meier(first).table
    surv = step_at(km["time"].to_numpy(), km["estimate"].to_numpy(), s, 1.0)
    surv_7 = step_at(km["time"].to_numpy(), km["estimate"].to_numpy(), s + 7, 1.0)
    np.testing.assert_allclose(pred["answer_within"], 1 - surv_7 / surv, rtol=1e-12)


def test_expected_wait_is_the_mean_of_later_answer_days() -> None:
    # E[T - s | s < T <= tau] from the Kaplan-Meier drops, by direct summation.
    sim = _sim()
    first = hf.episodes(  # the pending model keeps whole days (issue 15, item 3)
        sim.events, "first_response", attributes=sim.attributes, as_of=sim.as_of,
        day_boundary="end_of_day",
    )  # fmt: skip
    km = hf.estimators.kaplan_meier(first).table
    t, surv = km["time"].to_numpy(), km["estimate"].to_numpy()
    drop = -np.diff(np.concatenate([[1.0], surv]))
    pred = predict_pending(_fit(n_resamples=0), pd.DataFrame({"waited": [0.0, 10.0]})).wide()
    for s, got in zip([0.0, 10.0], pred["expected_wait_if_answered"], strict=True):
        later = t > s
        assert got == pytest.approx(((t[later] - s) * drop[later]).sum() / drop[later].sum())


def test_covariates_bootstrap_intervals_and_layout() -> None:
    model = _fit(("company_size",), n_resamples=40, seed=5)
    waiting = pd.DataFrame(
        {
            "application_id": ["secret-1", "secret-2", "secret-3"],
            "waited": [0, 12, 12],
            "company_size": ["1-50", "1-50", "5000+"],
        }
    )
    pred = predict_pending(model, waiting)
    t = pred.table
    assert list(t.columns) == [*PREDICTION_COLUMNS[:3], "company_size", *PREDICTION_COLUMNS[3:]]
    assert (t["stage"] == "applied").all()
    assert "secret-1" not in t.to_csv()  # identifiers are never copied
    assert list(t["quantity"].unique()) == list(QUANTITIES)
    assert len(t) == 3 * len(QUANTITIES)
    assert (t["ci_lower"] <= t["estimate"]).all() and (t["estimate"] <= t["ci_upper"]).all()
    assert (t["ci_upper"] > t["ci_lower"]).all()
    wide = pred.wide()
    # Twelve days of silence leave less hope than none.
    assert wide.loc[1, "offer_eventually"] < wide.loc[0, "offer_eventually"]
    # Same seed, same intervals; no hidden randomness.
    again = predict_pending(_fit(("company_size",), n_resamples=40, seed=5), waiting).table
    pd.testing.assert_frame_equal(t, again)
    other = predict_pending(_fit(("company_size",), n_resamples=40, seed=6), waiting).table
    assert not np.allclose(t["ci_lower"], other["ci_lower"])
    names = model.table["model"].unique().tolist()
    assert names[:2] == ["positive", "rejection"]
    assert {"applied -> screened", "screened -> interviewed", "interviewed -> offer"} <= set(names)


def test_a_wait_past_the_longest_seen_is_nan_and_named() -> None:
    model = _fit(n_resamples=0)
    tau = model.meta["horizon"]
    pred = predict_pending(model, pd.DataFrame({"waited": [1.0, tau, tau + 5]}))
    wide = pred.wide()
    assert wide.loc[0, list(QUANTITIES)].notna().all()
    assert wide.loc[1:, list(QUANTITIES)].isna().all().all()
    assert any("longest wait seen" in n for n in pred.meta["notes"])


@pytest.mark.parametrize(
    ("waiting", "match"),
    [
        (pd.DataFrame({"company_size": ["1-50"]}), "no column 'waited'"),
        (pd.DataFrame({"waited": [3]}), "no column 'company_size'"),
        (pd.DataFrame({"waited": [3, -1], "company_size": ["1-50"] * 2}), "row 1: '-1'"),
        (pd.DataFrame({"waited": ["soon"], "company_size": ["1-50"]}), "row 0: 'soon'"),
        (
            pd.DataFrame({"waited": [3, 4], "company_size": ["1-50", "huge"]}),
            "column 'company_size': row 1: 'huge' is a level that was not seen",
        ),
    ],
)
def test_bad_waiting_rows_are_named(waiting: pd.DataFrame, match: str) -> None:
    model = _fit(("company_size",), n_resamples=0)
    with pytest.raises(HiringFunnelError, match=match):
        predict_pending(model, waiting)


def test_a_covariate_that_cannot_be_fitted_names_the_model() -> None:
    sim = _sim()
    attrs = sim.attributes.copy()
    # A level whose applications never get a positive first answer.
    first = hf.episodes(sim.events, "first_response", attributes=attrs, as_of=sim.as_of)
    never = first.loc[first["cause"] != "positive", "application_id"].iloc[:30]
    attrs["tier"] = np.where(attrs["application_id"].isin(never), "odd", "usual")
    with pytest.raises(
        HiringFunnelError, match="the 'positive' model of first answers: level 'odd'"
    ):
        pending_model(
            sim.events, covariates="tier", attributes=attrs, as_of=sim.as_of, n_resamples=0
        )
    with pytest.raises(HiringFunnelError, match="no attribute column 'nope'"):
        pending_model(
            sim.events, covariates="nope", attributes=attrs, as_of=sim.as_of, n_resamples=0
        )
    with pytest.raises(HiringFunnelError, match="n_resamples"):
        pending_model(sim.events, attributes=attrs, as_of=sim.as_of, n_resamples=-1)


def test_answer_within_is_calibrated_against_what_happened_next() -> None:
    # Known truth from the simulator: cut the log 30 days before its export,
    # predict for every application still waiting at the cut, and compare the
    # mean predicted chance of an answer within 7 days with the share that
    # did get one in the full log (applications withdrawn or closed within
    # the week are left out, as the model censors them).
    sim = hf.simulate(20_000, seed=3)
    cut = sim.as_of - pd.Timedelta(days=30)
    model = pending_model(
        sim.events,
        covariates=["company_size", "industry"],
        attributes=sim.attributes,
        as_of=cut,
        n_resamples=0,
    )
    at_cut = hf.episodes(sim.events, "first_response", attributes=sim.attributes, as_of=cut)
    waiting = at_cut[at_cut["cause"].isna() & (at_cut["end"] == cut)]
    later = hf.episodes(sim.events, "first_response", attributes=sim.attributes, as_of=sim.as_of)
    later = later.set_index("application_id").loc[waiting["application_id"]]
    pred = predict_pending(model, waiting.rename(columns={"duration": "waited"})).wide()
    answered = later["cause"].notna().to_numpy() & (
        later["duration"].to_numpy() <= waiting["duration"].to_numpy() + 7
    )
    dropped = later["cause"].isna().to_numpy() & (
        later["end"].to_numpy() < cut + pd.Timedelta(days=7)
    )
    # Those that waited the longest wait seen have no prediction (NaN).
    known = ~dropped & np.isfinite(pred["answer_within"].to_numpy())
    assert known.sum() > 3000 and (~dropped & ~known).sum() < 10
    p = pred["answer_within"].to_numpy()[known]
    se = np.sqrt((p * (1 - p)).sum()) / len(p)
    assert abs(p.mean() - answered[known].mean()) < 3 * se


def test_a_level_without_offers_falls_back_to_one_offer_chance_for_all() -> None:
    sim = _sim()
    kw = {"as_of": sim.as_of}
    decision = hf.episodes(sim.events, "decision", attributes=sim.attributes, **kw)
    odd = set(decision["application_id"].iloc[:300])
    odd -= set(decision.loc[decision["cause"] == "offer", "application_id"])
    attrs = sim.attributes.assign(
        tier=np.where(sim.attributes["application_id"].isin(odd), "odd", "usual")
    )
    model = pending_model(sim.events, covariates="tier", attributes=attrs, n_resamples=0, **kw)
    assert any(
        "'interviewed -> offer' model: level 'odd' has no 'offer' events" in n
        and "that move's hazard is taken as the same for every application" in n
        for n in model.meta["notes"]
    )
    assert "interviewed -> offer" not in set(model.table["model"])
    assert {"positive", "rejection", "applied -> screened"} <= set(model.table["model"])
    pred = predict_pending(model, pd.DataFrame({"waited": [5, 5], "tier": ["odd", "usual"]}))
    assert pred.wide()["offer_eventually"].notna().all()
    with pytest.raises(HiringFunnelError, match="column 'score': is numeric"):
        pending_model(
            sim.events, covariates="score", attributes=attrs.assign(score=1.5), n_resamples=0, **kw
        )


def test_too_few_usable_resamples_give_no_interval_and_say_why() -> None:
    # Issue 10: `predict --boot 5` printed "46.7% (63.9-63.9)" as a 95% interval.
    waiting = pd.DataFrame({"waited": [0, 12], "company_size": ["1-50", "5000+"]})
    pred = predict_pending(_fit(("company_size",), n_resamples=5, seed=5), waiting)
    assert pred.table["ci_lower"].isna().all() and pred.table["ci_upper"].isna().all()
    assert any("fewer than 20 bootstrap resamples" in n for n in pred.meta["notes"])
    assert pred.table["estimate"].notna().all()  # the estimates themselves stand


def test_a_missing_attribute_is_a_level_of_its_own() -> None:
    # Issue 10: a missing attribute made predict fail with "first in row 0", a row of
    # no file. As in summary and the report, it is the level "(missing)".
    sim = _sim()
    attrs = sim.attributes.copy()
    attrs.loc[attrs.index[::7], "company_size"] = None
    model = pending_model(
        sim.events, covariates=["company_size"], attributes=attrs, as_of=sim.as_of, n_resamples=0
    )
    assert "(missing)" in model.levels["company_size"]
    waiting = pd.DataFrame({"waited": [3, 3, 3], "company_size": [None, "", "1-50"]})
    wide = predict_pending(model, waiting).wide()
    assert wide["company_size"].tolist() == ["(missing)", "(missing)", "1-50"]
    assert wide.loc[0, "offer_eventually"] == wide.loc[1, "offer_eventually"]
    assert wide["offer_eventually"].notna().all()
