"""predict's offer_eventually from the multi-state model (issue 15, item 5).

``offer_eventually`` is P(offer by tau | in the row's stage at the end of day s
since applying): a cause-specific Cox model per move of the funnel on the clock
since applying (hiring_funnel.regression._stage_hazards) and their
Aalen-Johansen product after s.

Pinned to R's survival 3.5-3 (R 4.2) in tests/reference/multistate_cox_reference.json,
made by tests/reference/make_multistate_cox_reference.R on the bundled sample's
state paths with the covariates remote and company_size::

    python tests/reference/multistate_cox_data.py /tmp/hf_multistate_cox
    Rscript tests/reference/make_multistate_cox_reference.R /tmp/hf_multistate_cox \\
        tests/reference/multistate_cox_reference.json

R calls: ``coxph(Surv(start, stop, to) ~ remote + company_size, id =
application_id, istate = from_state)`` (applied rows from day -1) and
``survfit(fit, newdata = profile, start.time = s + 0.5, p0 = e_stage, ctype =
1, stype = 1)``. survival 3.5-3's multi-state coxph fits Breslow's likelihood
whatever ``ties`` says (the R script checks it), so the chain is pinned with
``pending_model(..., ties="breslow")``; our default Efron coefficients are
pinned to separate ``coxph(..., ties = "efron")`` fits per move.

Tolerances: coefficients to 1e-6 (R and we stop Newton-Raphson at different
points; they agree to about 1e-10 here), probabilities to 1e-9 (a product of
about 200 factors of those hazards; they agree to about 1e-13).
"""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.cli import main
from hiring_funnel.regression import QUANTITIES, pending_model, predict_pending
from hiring_funnel.report import words
from hiring_funnel.report.privacy import DEFAULT_MIN_GROUP
from hiring_funnel.report.stages import WAITED, stages_section
from hiring_funnel.schema import HiringFunnelError

REFERENCE = Path(__file__).parent / "reference"
sys.path.insert(0, str(REFERENCE))
from multistate_cox_data import COVARIATES, paths_with_covariates, sample_log  # noqa: E402

R: dict[str, Any] = json.loads((REFERENCE / "multistate_cox_reference.json").read_text())
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
COEF_TOL = 1e-6
PROB_TOL = 1e-9


@cache
def _log() -> hf.EventLog:
    return sample_log()


@cache
def _model(covariates: tuple[str, ...] = (), ties: str = "efron") -> Any:
    return pending_model(_log(), covariates=covariates, n_resamples=0, ties=ties)


@cache
def _paths() -> pd.DataFrame:
    return hf.state_paths(_log())


def test_the_paths_are_the_ones_r_read() -> None:
    p = paths_with_covariates()
    assert len(p) == R["rows"]
    assert float(p["start"].sum()) == R["start_sum"]
    assert float(p["stop"].sum()) == R["stop_sum"]


def _coefficients(model: Any, reference: dict[str, str]) -> dict[tuple[str, str], float]:
    """Our coefficients per move, re-expressed against R's reference levels.

    Ours are treatment-coded against each move's most frequent level; R codes
    every move against one level per covariate (the applications' most frequent).
    """
    out = {}
    for move, terms in R["coefficients"].items():
        t = model.table[model.table["model"] == move]
        ours = {f"{a}={b}": c for a, b, c in zip(t["term"], t["level"], t["coef"], strict=True)}
        for term in terms:
            cov = term.split("=")[0]
            out[move, term] = ours.get(term, 0.0) - ours.get(f"{cov}={reference[cov]}", 0.0)
    return out


@pytest.mark.parametrize(
    ("ties", "key"), [("breslow", "coefficients"), ("efron", "efron_coefficients")]
)
def test_coefficients_per_move_equal_r(ties: str, key: str) -> None:
    # R: coef(coxph(Surv(start, stop, to) ~ remote + company_size, id =, istate =)) per
    # transition (fit$cmap), and coef(coxph(Surv(start, stop, to == j) ~ ..., ties = "efron"))
    # on the rows leaving each state.
    model = _model(COVARIATES, ties)
    ours = _coefficients(model, R["reference"])
    assert len(R[key]) == 10  # every move of the sample
    for move, terms in R[key].items():
        for term, value in terms.items():
            assert ours[move, term] == pytest.approx(value, abs=COEF_TOL), (move, term)


def test_offer_eventually_equals_r_survfit_on_the_multistate_coxph() -> None:
    # R: survfit(fit, newdata = profile, start.time = s + 0.5, p0 = e_stage, ctype = 1,
    # stype = 1)$pstate[last time <= 120, "offer"].
    asks = pd.DataFrame(R["predictions"])
    pred = predict_pending(_model(COVARIATES, "breslow"), asks, horizon=120).wide()
    np.testing.assert_allclose(pred["offer_eventually"], asks["offer"], rtol=0, atol=PROB_TOL)
    assert asks["stage"].nunique() == 3 and asks["company_size"].nunique() == 3


@pytest.mark.parametrize("stage", ["applied", "screened", "interviewed"])
@pytest.mark.parametrize("tau", [45.0, None])
def test_without_covariates_it_is_still_hope_from(stage: str, tau: float | None) -> None:
    # The Markov Aalen-Johansen of the funnel, itself pinned to R's multi-state survfit in
    # test_multistate.py.
    model = _model()
    horizon = model.meta["horizon"] if tau is None else tau
    s = np.array([0.0, 1, 3, 7, 14, 30])
    waiting = pd.DataFrame({"waited": s, "stage": stage})
    got = predict_pending(model, waiting, horizon=horizon).wide()["offer_eventually"]
    want = hf.still_hope_from(_paths(), stage=stage, waited=s, horizon=horizon).table
    np.testing.assert_allclose(got, want["estimate"], rtol=0, atol=1e-12)
    assert (got > 0).all()


def test_predict_and_the_report_agree() -> None:
    # The report's "every stage of the funnel" table: P(offer by its horizon | in a stage
    # on day s), for s in WAITED. predict answers the same question with the same number.
    section = stages_section(_log(), min_group=5)
    horizon = float(section["horizon"])
    model = _model()
    shown = 0
    for row, stage in zip(section["rows"], ("applied", "screened", "interviewed"), strict=True):
        waited = [s for s in WAITED if s < horizon]
        waiting = pd.DataFrame({"waited": waited, "stage": stage})
        pred = predict_pending(model, waiting, horizon=horizon).wide()
        hope = hf.still_hope_from(_paths(), stage=stage, waited=waited, horizon=horizon).table
        np.testing.assert_allclose(pred["offer_eventually"], hope["estimate"], rtol=0, atol=1e-12)
        for cell, value in zip(row["cells"], pred["offer_eventually"], strict=True):
            if cell["share"] != "not shown":
                assert cell["share"] == words.pct(value)
                shown += 1
    assert shown >= 9


def test_the_day_of_the_first_answer_carries_into_the_offer_chance() -> None:
    # The old formula: P(positive first answer after s | silent through s) x P(offer |
    # positive first answer), the second factor the same whenever the answer came.
    log = _log()
    model = _model()
    first = hf.episodes(log, "first_response")
    decision = hf.episodes(log, "decision")
    after = decision[
        decision["application_id"].isin(first.loc[first["cause"] == "positive", "application_id"])
    ]
    s = np.array([0.0, 7, 14])
    tau = model.meta["horizon"]
    positive_later = hf.still_hope(first, cause="positive", waited=s).table["estimate"]
    offer_after = hf.still_hope(after, cause="offer", waited=[0]).table["estimate"].iloc[0]
    old = positive_later.to_numpy() * offer_after
    new = predict_pending(model, pd.DataFrame({"waited": s}), horizon=tau).wide()
    new_offer = new["offer_eventually"].to_numpy()
    # On the sample a late first answer leads to an offer less often: after a silent week
    # or two the old formula overstates the chance by far more than rounding.
    assert (new_offer[1:] < 0.7 * old[1:]).all()
    assert new_offer[0] != pytest.approx(old[0], rel=0.01)
    # From "screened", the day since applying matters (the old model had one chance).
    screened = predict_pending(
        model, pd.DataFrame({"waited": [3.0, 30.0], "stage": "screened"}), horizon=tau
    ).wide()["offer_eventually"]
    assert screened.iloc[0] > 2 * screened.iloc[1]


def test_the_stage_changes_the_answer_and_the_first_answer_quantities_are_nan() -> None:
    model = _model(COVARIATES)
    waiting = pd.DataFrame(
        {
            "waited": [10.0, 10.0, 10.0, 10.0],
            "stage": ["applied", "screened", "interviewed", None],
            "remote": "False",
            "company_size": "1-50",
        }
    )
    pred = predict_pending(model, waiting)
    wide = pred.wide()
    offer = wide["offer_eventually"].to_numpy()
    assert offer[0] < offer[1] < offer[2]
    assert offer[3] == offer[0]  # an empty stage is "applied"
    assert wide["stage"].tolist() == ["applied", "screened", "interviewed", "applied"]
    first_answer = [q for q in QUANTITIES if q != "offer_eventually"]
    assert wide.loc[[1, 2], first_answer].isna().all().all()
    assert wide.loc[[0, 3], first_answer].notna().all().all()
    assert any("2 row(s) are past 'applied' (first: row 1)" in n for n in pred.meta["notes"])


def test_a_bad_stage_is_named() -> None:
    model = _model()
    with pytest.raises(HiringFunnelError, match="column 'stage': row 1: 'offer' is not a stage"):
        predict_pending(model, pd.DataFrame({"waited": [3, 4], "stage": ["screened", "offer"]}))
    with pytest.raises(HiringFunnelError, match="column 'stage': not a stage") as info:
        predict_pending(
            model, pd.DataFrame({"waited": [3, 4], "stage": ["screened", "x"]}), lines=[2, 3]
        )
    assert info.value.line == 3 and info.value.code == "unknown_stage"


def test_the_command_shows_the_stage_and_names_a_bad_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = str(SAMPLE / "events.csv")
    pending = tmp_path / "p.csv"
    pending.write_text("waited,stage,industry\n7,interviewed,software\n7,,software\n")
    assert main(["predict", events, "--pending", str(pending), "--resamples", "0"]) == 0
    out = capsys.readouterr().out
    assert "line 2: waited 7 days, interviewed (industry=software)" in out
    assert "      interviewed, given industry:" in out
    assert "line 3: waited 7 days, no answer yet (industry=software)" in out
    assert "covariates: industry" in out  # stage is never a covariate
    # The report's "every stage of the funnel" table, at the row's stage and day.
    section = stages_section(_log(), min_group=DEFAULT_MIN_GROUP)
    hope = hf.still_hope_from(
        _paths(), stage="interviewed", waited=[7], horizon=float(section["horizon"])
    ).table.iloc[0]
    assert (
        f"      interviewed, any application, from the stages (as the report): "
        f"{100 * hope['estimate']:.1f}% ({100 * hope['ci_lower']:.1f}-{100 * hope['ci_upper']:.1f})"
    ) in out
    assert section["rows"][2]["cells"][1]["share"] == words.pct(hope["estimate"])
    pending.write_text("waited,stage\n7,interviewed\n7,hired\n")
    assert main(["predict", events, "--pending", str(pending), "--resamples", "0"]) == 1
    err = capsys.readouterr().err.strip()
    assert "p.csv:3: column 'stage': not a stage" in err
    assert "hired" not in err and "\n" not in err


def test_bootstrap_intervals_cover_every_stage_and_are_seeded() -> None:
    log = _log()
    model = pending_model(log, covariates="remote", n_resamples=30, seed=3)
    waiting = pd.DataFrame(
        {"waited": [5.0, 5.0, 20.0], "stage": ["applied", "screened", "interviewed"]}
    ).assign(remote="False")
    t = predict_pending(model, waiting).table
    offer = t[t["quantity"] == "offer_eventually"]
    assert offer[["ci_lower", "ci_upper"]].notna().all().all()
    assert (
        (offer["ci_lower"] <= offer["estimate"]) & (offer["estimate"] <= offer["ci_upper"])
    ).all()
    assert (offer["ci_upper"] > offer["ci_lower"]).all()
    again = pending_model(log, covariates="remote", n_resamples=30, seed=3)
    pd.testing.assert_frame_equal(t, predict_pending(again, waiting).table)
