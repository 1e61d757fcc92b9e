"""Late entry (left truncation): ``observed_from`` -> ``entry`` -> every estimator.

Issue 15, item 4. The numbers are pinned to R's survival 3.5-3 (R 4.2) in
tests/reference/late_entry_reference.json, made by
tests/reference/make_late_entry_reference.R on the committed
tests/reference/late_entry_episodes.csv (the sample read as if its log began
on 2026-05-01)::

    python tests/reference/make_late_entry_data.py tests/reference/late_entry_episodes.csv
    Rscript tests/reference/make_late_entry_reference.R \\
        tests/reference/late_entry_episodes.csv tests/reference/late_entry_reference.json

Our risk set on day t is entry <= t <= duration, R's Surv(entry - 0.5, duration, event).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.schema import HiringFunnelError

REFERENCE = Path(__file__).parent / "reference"
R: dict[str, Any] = json.loads((REFERENCE / "late_entry_reference.json").read_text())
COVARIATES = ["industry", "company_size"]
SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
TOL = 1e-8


def _committed() -> pd.DataFrame:
    d = pd.read_csv(
        REFERENCE / "late_entry_episodes.csv", dtype={"cause": "string", "candidate_id": "string"}
    )
    d["cause"] = pd.Categorical(d["cause"], categories=["offer", "rejection"])
    return d.astype({"entry": float, "duration": float})


@pytest.fixture(scope="module")
def late() -> pd.DataFrame:
    return _committed()


@pytest.fixture(scope="module")
def sample_log() -> Any:
    return hf.read_events(
        SAMPLE / "events.csv",
        mapping=SAMPLE / "mapping.toml",
        attributes=SAMPLE / "attributes.csv",
    )


def _toy() -> pd.DataFrame:
    """a: sent 03-01, answered 03-12; b: sent 03-02, answered 03-09 (before the log);
    c: sent 03-11 (after the log began), open; d: sent 03-03, answered 03-10 09:00."""
    return hf.read_events(
        pd.DataFrame(
            {
                "application_id": ["a", "a", "b", "b", "c", "d", "d"],
                "event": [
                    "applied",
                    "offer",
                    "applied",
                    "rejection",
                    "applied",
                    "applied",
                    "offer",
                ],
                "timestamp": [
                    "2024-03-01 10:00",
                    "2024-03-12 10:00",
                    "2024-03-02 10:00",
                    "2024-03-09 23:00",
                    "2024-03-11 08:00",
                    "2024-03-03 12:00",
                    "2024-03-10 09:00",
                ],
            }
        )
    ).events


# -- the data: what R read is what the clocks give -------------------------------


def test_committed_episodes_are_what_the_sample_gives(late: pd.DataFrame) -> None:
    sys.path.insert(0, str(REFERENCE))
    try:
        from make_late_entry_data import make
    finally:
        sys.path.remove(str(REFERENCE))
    made = make().reset_index(drop=True)
    pd.testing.assert_frame_equal(
        made[["entry", "duration"]], late[["entry", "duration"]], check_dtype=False
    )
    assert made["candidate_id"].astype("string").equals(late["candidate_id"])
    assert made["cause"].astype("string").equals(late["cause"].astype("string"))
    assert made.attrs["skipped"]["ended before observed_from"] == 449
    data = R["data"]
    assert (len(late), int((late["entry"] > 0).sum())) == (data["rows"], data["late"])
    assert (late["entry"].sum(), late["duration"].sum()) == (
        data["entry_sum"],
        data["duration_sum"],
    )


# -- pinned to R -----------------------------------------------------------------


def test_kaplan_meier_equals_r_survfit_counting_process(late: pd.DataFrame) -> None:
    # R: summary(survfit(Surv(entry - 0.5, duration, status) ~ 1), times = times)
    t = hf.kaplan_meier(late, cluster=None).table  # Greenwood: every episode independent
    np.testing.assert_array_equal(t["time"], R["times"])
    np.testing.assert_array_equal(t["at_risk"], R["km"]["n_risk"])
    np.testing.assert_allclose(t["estimate"], R["km"]["surv"], rtol=0, atol=TOL)
    r_se = np.array(R["km"]["std_err"], dtype=float)
    ok = t["estimate"].to_numpy() > 0
    np.testing.assert_allclose(t["std_error"].to_numpy()[ok], r_se[ok], rtol=0, atol=TOL)


def test_cumulative_incidence_equals_r_multistate_survfit(late: pd.DataFrame) -> None:
    # R: survfit(Surv(entry - 0.5, duration, state) ~ 1, id = row), pstate at times
    t = hf.cumulative_incidence(late).table
    for cause in ("offer", "rejection"):
        mine = t[t["cause"] == cause]
        np.testing.assert_array_equal(mine["time"], R["times"])
        np.testing.assert_allclose(mine["estimate"], R["cif"][cause], rtol=0, atol=TOL)


def _cox_ref(cause: str, ties: str, late: bool) -> dict[str, Any]:
    return next(f for f in R["cox"] if (f["cause"], f["ties"], f["late"]) == (cause, ties, late))


@pytest.mark.parametrize("ties", ["efron", "breslow"])
@pytest.mark.parametrize("cause", ["offer", "rejection"])
def test_cause_specific_cox_equals_r_coxph_start_stop(
    late: pd.DataFrame, cause: str, ties: str
) -> None:
    # R: coxph(Surv(entry - 0.5, duration, state == cause) ~ industry + company_size, ties = ties)
    ref = _cox_ref(cause, ties, True)
    fit = hf.cause_specific_cox(late, cause=cause, covariates=COVARIATES, ties=ties)
    assert fit.meta["reference"] == R["reference"]
    ours = fit.table.assign(name=fit.table["term"] + fit.table["level"]).set_index("name")
    np.testing.assert_allclose(ours.loc[ref["terms"], "coef"], ref["coef"], rtol=0, atol=TOL)
    np.testing.assert_allclose(ours.loc[ref["terms"], "std_error"], ref["se"], rtol=0, atol=TOL)
    assert fit.meta["loglik"] == pytest.approx(ref["loglik"], abs=1e-7)


# -- wrong code fails: the entry matters, and zero entry changes nothing ------------


def test_ignoring_the_entry_gives_rs_other_answer(late: pd.DataFrame) -> None:
    # R: survfit(Surv(duration, status) ~ 1) and coxph(Surv(duration, ...)): entry thrown away
    ignored = late.assign(entry=0.0)
    km = hf.kaplan_meier(ignored).table.set_index("time")["estimate"]
    np.testing.assert_allclose(
        km.reindex(R["times"]).ffill(), R["km"]["surv_ignored"], rtol=0, atol=TOL
    )
    # ... which is far from the answer with late entry, so the pins above can fail.
    assert np.max(np.abs(np.array(R["km"]["surv_ignored"]) - np.array(R["km"]["surv"]))) > 0.01
    ref = _cox_ref("offer", "efron", False)
    fit = hf.cause_specific_cox(ignored, cause="offer", covariates=COVARIATES)
    coef = fit.table.assign(name=fit.table["term"] + fit.table["level"]).set_index("name")
    np.testing.assert_allclose(coef.loc[ref["terms"], "coef"], ref["coef"], rtol=0, atol=TOL)
    assert np.max(np.abs(np.array(ref["coef"]) - _cox_ref("offer", "efron", True)["coef"])) > 1e-3


def test_observed_from_before_every_origin_changes_nothing(sample_log: Any) -> None:
    for clock in ("first_response", "interview_feedback", "decision"):
        plain = hf.episodes(sample_log, clock)
        early = hf.episodes(sample_log, clock, observed_from="2020-01-01")
        pd.testing.assert_frame_equal(plain, early)
        assert early.attrs["skipped"]["ended before observed_from"] == 0
        assert (early["entry"] == 0).all()
        pd.testing.assert_frame_equal(hf.kaplan_meier(plain).table, hf.kaplan_meier(early).table)


# -- the clocks: entry, drops and the boundary --------------------------------------


def test_entry_is_days_from_origin_to_observed_from_and_endings_before_are_dropped() -> None:
    ev = _toy()
    ep = hf.episodes(ev, "first_response", as_of="2024-03-20", observed_from="2024-03-10")
    got = ep.set_index("application_id")[["entry", "duration"]]
    # b's answer (03-09 23:00) came before the log began: not in it, counted.
    assert list(got.index) == ["a", "c", "d"]
    assert ep.attrs["skipped"]["ended before observed_from"] == 1
    assert ep.attrs["observed_from"] == pd.Timestamp("2024-03-10", tz="UTC")
    assert got.loc["a"].tolist() == [9.0, 11.0]  # sent 03-01: enters on day 9
    assert got.loc["c"].tolist() == [0.0, 9.0]  # sent after the log began
    # d answered on the day the log began (day 7 of its wait): entry == duration,
    # at risk that day (entry <= t <= duration), so the answer counts.
    assert got.loc["d"].tolist() == [7.0, 7.0]
    lt = hf.life_table(ep)
    day7 = lt.set_index("time").loc[7.0]
    # At risk on day 7: c (0..9) and d (7..7); a enters on day 9.
    assert (day7["at_risk"], day7["events"], day7["entered"]) == (2, 1, 1)


def test_the_boundary_is_the_instant_of_observed_from() -> None:
    # The log began at 03-10 10:00: d's answer at 09:00 that day is before it.
    ep = hf.episodes(_toy(), "first_response", as_of="2024-03-20", observed_from="2024-03-10 10:00")
    assert "d" not in set(ep["application_id"])
    assert ep.attrs["skipped"]["ended before observed_from"] == 2


def test_business_days_count_the_entry_like_the_duration() -> None:
    ev = _toy()
    ep = hf.episodes(
        ev, "first_response", as_of="2024-03-20", observed_from="2024-03-10", unit="business_days"
    ).set_index("application_id")
    # 2024-03-01 is a Friday, 03-10 a Sunday: numpy.busday_count, as durations.
    assert ep.loc["a", "entry"] == np.busday_count("2024-03-01", "2024-03-10") == 6
    assert ep.loc["a", "duration"] == np.busday_count("2024-03-01", "2024-03-12")
    assert (ep["entry"] <= ep["duration"]).all()


def test_observed_from_per_application_is_an_attribute_and_not_a_breakdown() -> None:
    ev = _toy()
    attrs = pd.DataFrame(
        {"application_id": ["a", "c"], "observed_from": ["2024-03-05", "2024-03-12"]}
    )
    ep = hf.episodes(ev, "first_response", as_of="2024-03-20", attributes=attrs)
    got = ep.set_index("application_id")
    assert got.loc["a", "entry"] == 4.0 and got.loc["c", "entry"] == 1.0
    assert got.loc["b", "entry"] == 0.0 and "observed_from" not in ep.columns
    # The later of the log's start and the application's own counts.
    ep = hf.episodes(
        ev, "first_response", as_of="2024-03-20", attributes=attrs, observed_from="2024-03-08"
    )
    assert ep.set_index("application_id").loc["a", "entry"] == 7.0
    with pytest.raises(HiringFunnelError, match="observed_from.*not an ISO 8601 date"):
        hf.episodes(ev, "first_response", attributes=attrs.assign(observed_from="soon"))


def test_read_events_and_the_mapping_carry_observed_from() -> None:
    frame = pd.DataFrame(
        {"app": ["a", "a"], "what": ["applied", "rejection"], "when": ["2024-03-01", "2024-03-12"]}
    )
    mapping = {
        "columns": {"application_id": "app", "event": "what", "timestamp": "when"},
        "observed_from": "2024-03-05",
    }
    log = hf.read_events(frame, mapping=mapping)
    assert log.observed_from == pd.Timestamp("2024-03-05", tz="UTC")
    assert hf.episodes(log, "decision")["entry"].tolist() == [4.0]
    log = hf.read_events(frame, mapping=mapping, observed_from="2024-03-07")  # the argument wins
    assert hf.episodes(log, "decision")["entry"].tolist() == [6.0]
    with pytest.raises(HiringFunnelError, match="observed_from must be a date"):
        hf.load_mapping({**mapping, "observed_from": {"column": "x"}})
    with pytest.raises(HiringFunnelError, match="observed_from 'soon' is not a date"):
        hf.read_events(frame, mapping={**mapping, "observed_from": "soon"})


# -- every estimator handles it or refuses, saying what to do ------------------------


def test_estimators_that_read_the_life_table_use_the_late_risk_sets(late: pd.DataFrame) -> None:
    km = hf.kaplan_meier(late)
    assert any("Surv(entry - 0.5" in n for n in km.meta["notes"])
    s = km.table.set_index("time")["estimate"]
    # Medians and restricted means are read off that curve.
    q = hf.waiting_quantiles(late, probs=[0.5]).table
    assert s.loc[q["estimate"].iloc[0]] <= 0.5 < s.loc[: q["estimate"].iloc[0] - 1].min()
    rm = hf.restricted_mean_wait(late, horizon=30).table["estimate"].iloc[0]
    days = np.arange(30)
    assert rm == pytest.approx(s.reindex(days).ffill().sum(), abs=1e-9)
    hope = hf.still_hope(late, cause="offer", waited=[0], horizon=60).table
    cif = hf.cumulative_incidence(late).table
    f = cif[cif["cause"] == "offer"].set_index("time")["estimate"]
    assert hope["estimate"].iloc[0] == pytest.approx((f.loc[60] - f.loc[0]) / s.loc[0], abs=1e-12)


def test_variances_summed_per_candidate_equal_r_influence(late: pd.DataFrame) -> None:
    # R: survfit(Surv(entry - 0.5, duration, state) ~ 1, id = row, influence = TRUE),
    # sqrt(colSums(rowsum(influence, candidate_id)^2)); for S also R's own
    # survfit(..., cluster = candidate_id, robust = TRUE).
    ref = R["by_candidate"]
    times = np.array(ref["times"], dtype=float)
    r_se = np.array(ref["std_err_candidate"])  # time x (waiting, offer, rejection)
    np.testing.assert_allclose(r_se[:, 0], ref["km_std_err_candidate"], rtol=0, atol=1e-12)
    km = hf.kaplan_meier(late)  # cluster="auto": candidate_id, several episodes for some
    assert km.meta["cluster"] == "candidate_id"
    se = km.table.set_index("time")["std_error"]
    np.testing.assert_allclose(se.reindex(times).ffill(), r_se[:, 0], rtol=0, atol=TOL)
    cif = hf.cumulative_incidence(late).table
    for j, cause in ((1, "offer"), (2, "rejection")):
        mine = cif[cif["cause"] == cause].set_index("time")["std_error"]
        np.testing.assert_allclose(mine.reindex(times).ffill(), r_se[:, j], rtol=0, atol=TOL)
    inf = hf.influence_functions(late, times)
    np.testing.assert_allclose(inf.estimate, ref["pstate"], rtol=0, atol=TOL)
    np.testing.assert_allclose(inf.std_error(), r_se, rtol=0, atol=TOL)
    np.testing.assert_allclose(inf.std_error(by_candidate=False), ref["std_err"], rtol=0, atol=TOL)
    # Ignoring the entry in the influences would give other standard errors.
    wrong = hf.kaplan_meier(late.assign(entry=0.0)).table.set_index("time")["std_error"]
    assert np.max(np.abs(wrong.reindex(times).ffill().to_numpy() - r_se[:, 0])) > 1e-4


def test_silence_ratio_answer_share_and_still_hope_equal_r(late: pd.DataFrame) -> None:
    # R: the delta method on the multi-state influences summed per candidate.
    ref = R["silence"]
    r = hf.silence_ratio(late, cause="offer", waited=ref["waited"], horizon=ref["horizon"])
    assert (r.p0, r.ps, r.ratio) == pytest.approx((ref["p0"], ref["ps"], ref["ratio"]), abs=TOL)
    assert r.p0_std_error == pytest.approx(ref["p0_se"], abs=TOL)
    assert r.ps_std_error == pytest.approx(ref["ps_se"], abs=TOL)
    assert r.std_error == pytest.approx(ref["ratio"] * ref["log_se"], abs=TOL)
    ref_g = R["answer_g"]
    share = hf.answer_share(late, horizon=ref_g["horizon"]).set_index("time")
    np.testing.assert_allclose(share.loc[ref_g["times"], "estimate"], ref_g["g"], atol=TOL)
    np.testing.assert_allclose(share.loc[ref_g["times"], "std_error"], ref_g["se"], atol=TOL)
    hope = hf.still_hope(late, cause="offer", waited=[10], horizon=60).table
    assert hope["estimate"].iloc[0] == pytest.approx(ref["ps"], abs=TOL)
    assert hope["std_error"].iloc[0] == pytest.approx(ref["ps_se"], abs=TOL)


@pytest.mark.parametrize(
    ("call", "code", "says"),
    [
        (
            lambda ep: hf.fine_gray(ep, cause="offer", covariates="industry"),
            "late_entry_fine_gray",
            "cause_specific_cox",
        ),
    ],
)
def test_refusals_name_what_to_do(late: pd.DataFrame, call: Any, code: str, says: str) -> None:
    with pytest.raises(HiringFunnelError, match="entry") as info:
        call(late)
    assert info.value.code == code and says in (info.value.hint or "")
    call(late[late["entry"] == 0])  # without the late entries it runs


def test_pending_model_and_the_engines_refuse(sample_log: Any) -> None:
    import dataclasses

    log = dataclasses.replace(sample_log, observed_from=pd.Timestamp("2026-05-01", tz="UTC"))
    with pytest.raises(HiringFunnelError, match="late entry") as info:
        hf.pending_model(log, n_resamples=0)
    assert info.value.code == "late_entry_pending"
    with pytest.raises(HiringFunnelError, match="pandas path only") as info:
        hf.read_events(SAMPLE / "events.csv", engine="duckdb", observed_from="2026-05-01")
    assert info.value.code == "observed_from_on_engine" and "--engine" in (info.value.hint or "")


def test_aft_models_are_truncated_at_the_entry() -> None:
    # Weibull waits (scale 20 days, shape 1.5) seen only if still waiting at a uniform
    # entry day: with the entry the fit finds the scale; ignoring it overstates it.
    rng = np.random.default_rng(20261205)
    wait = np.floor(20.0 * rng.weibull(1.5, 40_000))
    entry = np.floor(rng.uniform(0, 30, wait.size))
    seen = wait >= entry
    ep = pd.DataFrame(
        {
            "entry": entry[seen],
            "duration": wait[seen],
            "cause": pd.Categorical(["offer"] * int(seen.sum()), categories=["offer"]),
        }
    )
    fit = hf.parametric_models(ep, distributions=["weibull"])
    naive = hf.parametric_models(ep.assign(entry=0.0), distributions=["weibull"])
    # lifelines' Weibull AFT: lambda_ = exp(intercept) on the mid-day-shifted scale.
    lam = float(np.exp(fit.params["weibull"]["lambda_"].iloc[0]))
    lam_naive = float(np.exp(naive.params["weibull"]["lambda_"].iloc[0]))
    assert abs(lam - 20.5) < 0.6 < abs(lam_naive - 20.5)


# -- the command line and the report ------------------------------------------------


def test_command_line_and_report_take_observed_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from hiring_funnel.cli import build_parser, main
    from hiring_funnel.cli.options import read_log

    args = build_parser().parse_args(
        ["summary", str(SAMPLE / "events.csv"), "--observed-from", "2026-05-01"]
    )
    assert read_log(args).observed_from == pd.Timestamp("2026-05-01", tz="UTC")
    assert main(["summary", str(SAMPLE / "events.csv"), "--observed-from", "2026-05-01"]) == 0
    assert "log begins 2026-05-01 (late entry)" in capsys.readouterr().out
    out = tmp_path / "late"
    argv = ["report", str(SAMPLE / "events.csv"), "--observed-from", "2026-05-01"]
    assert main([*argv, "--out", str(out), "--format", "html"]) == 0
    html = (out / "hiring_funnel_report.html").read_text()
    assert "A log that begins mid-search" in html and "529 waits" in html and "449" in html
    plain = tmp_path / "plain"
    assert (
        main(["report", str(SAMPLE / "events.csv"), "--out", str(plain), "--format", "html"]) == 0
    )
    assert "A log that begins mid-search" not in (plain / "hiring_funnel_report.html").read_text()


def test_pseudonymised_log_keeps_every_late_entry() -> None:
    # Dates move by whole weeks per candidate: observed_from moves with them, per application.
    log = hf.read_events(
        SAMPLE / "events.csv",
        mapping=SAMPLE / "mapping.toml",
        attributes=SAMPLE / "attributes.csv",
        observed_from="2026-05-01",
    )
    p = hf.pseudonymise_log(log, key=bytes(range(32)))
    assert "observed_from" in p.manifest["shifted"]
    moved = hf.read_events(p.events, attributes=p.attributes, as_of=p.as_of)
    assert moved.observed_from is None  # now an attribute per application
    for clock in ("first_response", "decision"):
        before, after = hf.episodes(log, clock), hf.episodes(moved, clock)
        assert after.attrs["skipped"] == before.attrs["skipped"]
        key = ["entry", "duration"]
        pd.testing.assert_frame_equal(
            before[key].sort_values(key, ignore_index=True),
            after[key].sort_values(key, ignore_index=True),
        )


# -- the ghosting (mixture-cure) model ---------------------------------------------------


def _cure_loglik(theta: np.ndarray, x: np.ndarray, ep: pd.DataFrame) -> np.ndarray:
    """Each episode's log-likelihood, written out directly (log-normal timing)."""
    from scipy.special import expit
    from scipy.stats import norm

    k = x.shape[1]
    p, m, s = expit(x @ theta[:k]), x @ theta[k : 2 * k], np.exp(theta[2 * k])

    def surv(t: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return norm.sf((np.log(t) - m) / s)

    t = ep["duration"].to_numpy()
    answered = ep["cause"].notna().to_numpy()
    ll = np.where(
        answered,
        np.log(p) + np.log(surv(np.maximum(t - 0.5, 0.0)) - surv(t + 0.5)),
        np.log(1 - p + p * surv(t)),
    )
    e = ep["entry"].to_numpy()
    return ll - np.where(e > 0, np.log(1 - p + p * surv(np.maximum(e - 0.5, 0.0))), 0.0)


@pytest.mark.parametrize("timing", ["lognormal", "weibull"])
def test_ghosting_model_with_late_entry_equals_r_optim(late: pd.DataFrame, timing: str) -> None:
    # R: the mixture-cure likelihood in base R, each late episode divided by
    # (1 - p) + p S(entry - 1/2), maximised with optim (make_late_entry_reference.R).
    ref = R["cure"][timing]
    fit = hf.ghosting_model(late, covariates=["company_size"], timing=timing)
    np.testing.assert_allclose(fit.params.to_numpy(), ref["coef"], atol=2e-6)
    np.testing.assert_allclose(np.sqrt(np.diag(fit.covariance.to_numpy())), ref["se"], rtol=1e-5)
    assert fit.meta["loglik"] == pytest.approx(ref["loglik"], abs=1e-6)
    assert fit.meta["loglik"] >= ref["loglik"] - 1e-9
    ignored = hf.ghosting_model(late.assign(entry=0.0), covariates=["company_size"], timing=timing)
    assert abs(ignored.params.iloc[0] - ref["coef"][0]) > 0.05  # the entry matters


def test_ghosting_clustered_variance_sums_each_episodes_score(late: pd.DataFrame) -> None:
    # The sandwich's meat from per-episode scores of the direct likelihood above
    # (central differences), summed per candidate: the late rows' scores are in it.
    fit = hf.ghosting_model(late, covariates=["company_size"])
    robust = hf.ghosting_model(late, covariates=["company_size"], cluster="candidate_id")
    levels = sorted(late["company_size"].unique())
    x = np.column_stack(
        [np.ones(len(late))] + [(late["company_size"] == v).to_numpy(float) for v in levels[1:]]
    )
    theta = fit.params.to_numpy()
    h = 1e-6
    scores = np.column_stack(
        [
            (_cure_loglik(theta + h * np.eye(len(theta))[j], x, late)
             - _cure_loglik(theta - h * np.eye(len(theta))[j], x, late)) / (2 * h)
            for j in range(len(theta))
        ]
    )  # fmt: skip
    codes = pd.factorize(late["candidate_id"])[0]
    u = np.column_stack([np.bincount(codes, weights=col) for col in scores.T])
    bread = fit.covariance.to_numpy()
    expected = np.sqrt(np.diag(bread @ (u.T @ u) @ bread))
    np.testing.assert_allclose(np.sqrt(np.diag(robust.covariance.to_numpy())), expected, rtol=1e-5)


def test_the_stages_refuse_a_log_that_begins_mid_search(sample_log: Any) -> None:
    # The multi-state paths start every application at day 0 in "applied": with
    # late entry that would count waits before the log began as watched.
    late = dataclasses.replace(sample_log, observed_from=pd.Timestamp("2026-05-01", tz="UTC"))
    with pytest.raises(HiringFunnelError) as info:
        hf.state_paths(late)
    assert info.value.code == "late_entry_states"
    early = dataclasses.replace(sample_log, observed_from=pd.Timestamp("2020-01-01", tz="UTC"))
    pd.testing.assert_frame_equal(hf.state_paths(early), hf.state_paths(sample_log))
