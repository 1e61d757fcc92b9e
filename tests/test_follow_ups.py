"""Tests of hiring_funnel.regression.follow_ups: follow-ups as a time-varying covariate.

References: R's survival 3.5-3, ``tmerge(..., tdc(f + 1))`` / ``cumtdc`` for
the split and ``coxph(Surv(start, stop, event) ~ ..., ties = "efron")`` for the
fit, from ``tests/reference/make_tv_cox_reference.R`` (regenerate with the
commands at its top); a simulation whose true hazard ratio is known; and the
project simulator, where follow-ups have no effect by construction
(:mod:`hiring_funnel.simulate.model`, assumption 5).
"""

from __future__ import annotations

import json
import sys
from dataclasses import FrozenInstanceError
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import hiring_funnel as hf
from hiring_funnel.clocks import episodes
from hiring_funnel.regression import (
    FOLLOW_UP_COLUMNS,
    CoxResult,
    FollowUpResult,
    cause_specific_cox,
    follow_up_effect,
    split_at_follow_ups,
)
from hiring_funnel.schema import HiringFunnelError, as_canonical_events

REFERENCE = Path(__file__).parent / "reference"
sys.path.insert(0, str(REFERENCE))
from make_tv_cox_data import datasets  # noqa: E402


def log(*rows: tuple[str, str, str]) -> pd.DataFrame:
    return as_canonical_events(pd.DataFrame(rows, columns=["application_id", "event", "timestamp"]))


def spans(pieces: pd.DataFrame) -> list[tuple]:
    """(application, entry, duration, cause, followed_up) per piece, for comparisons."""
    return [
        (a, e, d, None if pd.isna(c) else c, f)
        for a, e, d, c, f in zip(
            pieces["application_id"],
            pieces["entry"].astype(int),
            pieces["duration"].astype(int),
            pieces["cause"].astype(object),
            pieces["followed_up"],
            strict=True,
        )
    ]


# -- R reference ----------------------------------------------------------------


def reference_log() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The committed CSVs as a canonical log: applied 09:00, follow-ups 11:00, ends 15:00.

    Origins are spread over 17 dates so that days are counted from each
    episode's own origin; censored episodes end with ``withdrawn``.
    """
    ep = pd.read_csv(REFERENCE / "tv_cox_episodes.csv", keep_default_na=False)
    fu = pd.read_csv(REFERENCE / "tv_cox_follow_ups.csv")
    day0 = np.datetime64("2024-01-01", "D") + (np.arange(len(ep)) % 17)
    origin_of = dict(zip(ep["application_id"], day0, strict=True))
    fu_day0 = np.array([origin_of[a] for a in fu["application_id"]], dtype="datetime64[D]")
    hour = np.timedelta64(1, "h")
    one_day = np.timedelta64(1, "D")
    ends = ep["cause"].replace({"positive": "screen", "": "withdrawn"})
    events = pd.concat(
        [
            pd.DataFrame({"application_id": ep["application_id"], "event": "applied",
                          "timestamp": day0 + 9 * hour}),
            pd.DataFrame({"application_id": ep["application_id"], "event": ends,
                          "timestamp": day0 + ep["duration"].to_numpy() * one_day + 15 * hour}),
            pd.DataFrame({"application_id": fu["application_id"], "event": "follow_up",
                          "timestamp": fu_day0 + fu["day"].to_numpy() * one_day + 11 * hour}),
        ],
        ignore_index=True,
    )  # fmt: skip
    events = as_canonical_events(events)
    eps = episodes(events, "first_response", attributes=ep[["application_id", "x"]])
    np.testing.assert_array_equal(eps["duration"], ep["duration"])
    eps["entry"] = ep["entry"].to_numpy(dtype=float)  # late entry, as the R data
    return eps, events


@pytest.fixture(scope="module")
def r_reference() -> dict:
    return json.loads((REFERENCE / "tv_cox_reference.json").read_text())


def test_reference_data_is_reproducible() -> None:
    """The committed CSVs are what make_tv_cox_data.datasets() makes from its seed."""
    episodes_csv, follow_ups_csv = datasets()
    for frame, name in ((episodes_csv, "episodes"), (follow_ups_csv, "follow_ups")):
        text = frame.to_csv(index=False, lineterminator="\n")
        assert text == (REFERENCE / f"tv_cox_{name}.csv").read_text()


def test_time_varying_fit_matches_r_tmerge_coxph(r_reference: dict) -> None:
    """followed_up + x, Efron ties, late entry: coef, SE and log-likelihoods as R's coxph."""
    eps, events = reference_log()
    fit = follow_up_effect(eps, events, cause="positive", covariates="x")
    ref = r_reference["tdc"]
    assert list(fit.cox.table["term"]) == ref["terms"]
    np.testing.assert_allclose(fit.cox.table["coef"], ref["coef"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.cox.table["std_error"], ref["se"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(
        [fit.cox.meta["loglik_null"], fit.cox.meta["loglik"]], ref["loglik"], rtol=1e-12
    )
    assert fit.meta["events"] == r_reference["events"] == ref["n_events"]
    naive = r_reference["naive"]
    np.testing.assert_allclose(fit.naive.table["coef"], naive["coef"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.naive.table["std_error"], naive["se"], rtol=0, atol=1e-8)
    row = fit.table.set_index("model").loc["time-varying"]
    assert row["coef"] == pytest.approx(ref["coef"][0], abs=1e-8)


def test_count_split_matches_r_cumtdc(r_reference: dict) -> None:
    """count=True makes tmerge's rows (it splits at every follow-up day) and cumtdc's fit."""
    eps, events = reference_log()
    pieces = split_at_follow_ups(eps, events, count=True)
    assert len(pieces) == r_reference["rows_cumtdc"]
    fit = cause_specific_cox(pieces, cause="positive", covariates=["follow_ups", "x"])
    ref = r_reference["cumtdc"]
    np.testing.assert_allclose(fit.table["coef"], ref["coef"], rtol=0, atol=1e-8)
    np.testing.assert_allclose(fit.table["std_error"], ref["se"], rtol=0, atol=1e-8)
    assert fit.meta["loglik"] == pytest.approx(ref["loglik"][1], rel=1e-12)


# -- known truth ----------------------------------------------------------------


def nudged_log(n: int, seed: int, hazard_ratio: float) -> pd.DataFrame:
    """Exponential waits (mean 20 days) whose hazard is x hazard_ratio after a follow-up.

    The candidate plans a follow-up at S ~ Exp(mean 15 days) and sends it if
    still waiting. The true effect starts at the midnight after the nudge
    (UTC days, origins at midnight): the predictable convention itself. With
    an effect from the moment of sending instead, counting the nudge's own
    day as "not yet" attenuates the log hazard ratio by about 0.02 here (a
    30-replicate run: 0.447 for log 1.6 = 0.470, SE 0.018), a real but small
    cost of whole-day data that this test would then mistake for an error.
    """
    rng = np.random.default_rng(seed)
    plan = rng.exponential(15.0, n)
    switch = np.floor(plan) + 1
    base = rng.exponential(20.0, n)
    # Constant hazard h before the switch and h * HR after: past the switch
    # the remaining exponential wait is divided by HR.
    answer = np.where(base <= switch, base, switch + (base - switch) / hazard_ratio)
    censor = rng.uniform(0, 90, n)
    end = np.minimum(answer, censor)
    sent = plan < end
    app = np.array([f"A{i:05d}" for i in range(n)], dtype=object)
    start = pd.Timestamp("2024-01-01", tz="UTC")

    def at(days: np.ndarray) -> pd.DatetimeIndex:
        return start + pd.to_timedelta(days, unit="D")

    ending = np.where(answer <= censor, "screen", "withdrawn")
    return as_canonical_events(
        pd.concat(
            [
                pd.DataFrame({"application_id": app, "event": "applied", "timestamp": at(0 * end)}),
                pd.DataFrame({"application_id": app, "event": ending, "timestamp": at(end)}),
                pd.DataFrame(
                    {"application_id": app[sent], "event": "follow_up", "timestamp": at(plan[sent])}
                ),
            ],
            ignore_index=True,
        )
    )


def test_recovers_a_known_hazard_ratio() -> None:
    """20,000 waits, true HR 1.6: the estimate is within 3 SE; the naive one is below 1."""
    events = nudged_log(20_000, seed=11, hazard_ratio=1.6)
    eps = episodes(events, "first_response")
    fit = follow_up_effect(eps, events, cause="positive").table.set_index("model")
    tv = fit.loc["time-varying"]
    assert abs(tv["coef"] - np.log(1.6)) < 3 * tv["std_error"]
    assert tv["std_error"] < 0.03  # the check above is not vacuous
    # Those who nudge have waited at least until the nudge: the fixed covariate
    # turns a helpful follow-up into an apparently harmful one.
    assert fit.loc["naive (ever followed up)", "ci_upper"] < 1


def test_simulator_follow_ups_have_no_effect() -> None:
    """simulate(): follow-ups do nothing, so HR ~ 1; the naive HR is far below 1."""
    sim = hf.simulate(20_000, seed=20240611)
    eps = episodes(sim.events, "first_response", attributes=sim.attributes, as_of=sim.as_of)
    fit = follow_up_effect(eps, sim.events, cause="positive", covariates=["role_level"])
    table = fit.table.set_index("model")
    assert abs(table.loc["time-varying", "z"]) < 3
    assert table.loc["time-varying", "ci_lower"] < 1 < table.loc["time-varying", "ci_upper"]
    assert table.loc["naive (ever followed up)", "z"] < -10
    assert table.loc["naive (ever followed up)", "estimate"] < 0.5
    # Clustered on candidates (who share a quality effect), the same
    # coefficients with robust standard errors; the null still holds.
    robust = follow_up_effect(
        eps, sim.events, cause="positive", covariates=["role_level"], cluster="candidate_id"
    )
    rt = robust.table.set_index("model")
    np.testing.assert_allclose(rt["coef"], table["coef"], rtol=1e-12)
    assert "clustered on 'candidate_id'" in robust.cox.meta["variance"]
    assert rt.loc["time-varying", "ci_lower"] < 1 < rt.loc["time-varying", "ci_upper"]


def test_pieces_keep_days_at_risk_and_events() -> None:
    """Splitting moves no day at risk and no event; the count split gives the same fit."""
    sim = hf.simulate(3000, seed=3)
    eps = episodes(sim.events, "first_response", as_of=sim.as_of)
    for count in (False, True):
        pieces = split_at_follow_ups(eps, sim.events, count=count)
        days = (eps["duration"] - eps["entry"] + 1).sum()
        assert (pieces["duration"] - pieces["entry"] + 1).sum() == days
        assert (pieces["entry"] <= pieces["duration"]).all()
        pd.testing.assert_series_equal(pieces["cause"].value_counts(), eps["cause"].value_counts())
        assert (pieces.index.value_counts().sort_index().index == eps.index).all()
    once = split_at_follow_ups(eps, sim.events)
    each = split_at_follow_ups(eps, sim.events, count=True)
    assert len(each) > len(once)
    a = cause_specific_cox(once.assign(f=once["followed_up"] * 1), cause="positive", covariates="f")
    b = cause_specific_cox(each.assign(f=each["followed_up"] * 1), cause="positive", covariates="f")
    np.testing.assert_allclose(a.table["coef"], b.table["coef"], rtol=1e-10)
    np.testing.assert_allclose(a.table["std_error"], b.table["std_error"], rtol=1e-10)


# -- conventions on hand-made logs ------------------------------------------------


def test_follow_up_on_answer_day_after_end_or_before_origin() -> None:
    events = log(
        ("a", "applied", "2024-03-01 09:00"),
        ("a", "follow_up", "2024-03-05 10:00"),  # same day as the answer: no split
        ("a", "screen", "2024-03-05 15:00"),
        ("b", "follow_up", "2024-03-01 08:00"),  # before the application
        ("b", "applied", "2024-03-01 09:00"),
        ("b", "rejection", "2024-03-04 12:00"),
        ("b", "follow_up", "2024-03-04 13:00"),  # after the answer, same day
        ("b", "follow_up", "2024-03-06 13:00"),  # after the answer
        ("c", "applied", "2024-03-01 09:00"),
        ("c", "follow_up", "2024-03-01 17:00"),  # day 0: on from day 1
        ("c", "follow_up", "2024-03-03 17:00"),  # only the first one counts
        ("c", "screen", "2024-03-06 10:00"),
    )
    pieces = split_at_follow_ups(episodes(events, "first_response"), events)
    assert spans(pieces) == [
        ("a", 0, 4, "positive", False),
        ("b", 0, 3, "rejection", False),
        ("c", 0, 0, None, False),
        ("c", 1, 5, "positive", True),
    ]


def test_late_entry() -> None:
    """A follow-up before the entry marks the whole episode; on the entry day it splits."""
    events = log(
        *[(k, "applied", "2024-03-01 09:00") for k in "abc"],
        *[(k, "follow_up", "2024-03-03 09:30") for k in "abc"],  # day 2
        *[(k, "offer", "2024-03-11 09:00") for k in "abc"],  # day 10
    )
    eps = episodes(events, "decision")
    eps["entry"] = [4.0, 3.0, 2.0]
    assert spans(split_at_follow_ups(eps, events)) == [
        ("a", 4, 10, "offer", True),
        ("b", 3, 10, "offer", True),
        ("c", 2, 2, None, False),
        ("c", 3, 10, "offer", True),
    ]


def test_interview_feedback_two_episodes_per_application() -> None:
    """Each follow-up goes to the wait it fell in, days from that wait's origin."""
    events = log(
        ("a", "applied", "2024-02-20 09:00"),
        ("a", "follow_up", "2024-02-25 09:00"),  # before the first interview
        ("a", "interview", "2024-03-01 10:00"),
        ("a", "follow_up", "2024-03-04 10:00"),  # round 1, day 3
        ("a", "interview", "2024-03-08 10:00"),  # round 1 ends day 7 (positive)
        ("a", "follow_up", "2024-03-12 10:00"),  # round 2, day 4
        ("a", "follow_up", "2024-03-13 10:00"),  # round 2, day 5
        ("a", "rejection", "2024-03-20 10:00"),  # round 2 ends day 12
    )
    eps = episodes(events, "interview_feedback")
    assert list(eps["round"]) == [1, 2]
    once = split_at_follow_ups(eps, events)
    assert spans(once) == [
        ("a", 0, 3, None, False),
        ("a", 4, 7, "positive", True),
        ("a", 0, 4, None, False),
        ("a", 5, 12, "rejection", True),
    ]
    assert list(once["round"]) == [1, 1, 2, 2]
    each = split_at_follow_ups(eps, events, count=True)
    assert list(each["follow_ups"]) == [0, 1, 0, 1, 2]
    assert list(each["entry"]) == [0, 4, 0, 5, 6]
    assert list(each["duration"]) == [3, 7, 4, 5, 12]


def test_count_split() -> None:
    """Two follow-ups on one day count two; one on the last day splits nothing."""
    events = log(
        ("a", "applied", "2024-03-01 09:00"),
        ("a", "follow_up", "2024-03-03 09:00"),
        ("a", "follow_up", "2024-03-03 18:00"),
        ("a", "follow_up", "2024-03-06 09:00"),
        ("a", "follow_up", "2024-03-10 08:00"),
        ("a", "rejection", "2024-03-10 09:00"),
    )
    pieces = split_at_follow_ups(episodes(events, "first_response"), events, count=True)
    assert list(pieces["entry"]) == [0, 3, 6]
    assert list(pieces["duration"]) == [2, 5, 9]
    assert list(pieces["follow_ups"]) == [0, 2, 3]
    assert pieces["follow_ups"].dtype == np.int64
    assert list(pieces["followed_up"]) == [False, True, True]
    assert list(pieces["cause"].astype(object).fillna("-")) == ["-", "-", "rejection"]


def test_business_days_use_the_episodes_holidays() -> None:
    """Friday origin, Saturday nudge (counts as Monday), Wednesday answer; Monday off."""
    events = log(
        ("a", "applied", "2024-03-01 09:00"),  # a Friday
        ("a", "follow_up", "2024-03-02 11:00"),
        ("a", "screen", "2024-03-06 15:00"),
    )
    eps = episodes(events, "first_response", unit="business_days")
    assert spans(split_at_follow_ups(eps, events)) == [
        ("a", 0, 1, None, False),
        ("a", 2, 3, "positive", True),
    ]
    off = episodes(events, "first_response", unit="business_days", holidays=["2024-03-04"])
    assert spans(split_at_follow_ups(off, events)) == [
        ("a", 0, 1, None, False),
        ("a", 2, 2, "positive", True),
    ]
    off.attrs = {}  # days would be counted in calendar days: caught, not misread
    with pytest.raises(HiringFunnelError, match="differ from the days between origin and end"):
        split_at_follow_ups(off, events)


# -- result object and errors -------------------------------------------------------


def test_result_object() -> None:
    sim = hf.simulate(3000, seed=5)
    eps = episodes(sim.events, "first_response", as_of=sim.as_of)
    fit = follow_up_effect(eps, sim.events, cause="rejection", conf_level=0.9)
    assert isinstance(fit, FollowUpResult)
    assert isinstance(fit.cox, CoxResult) and isinstance(fit.naive, CoxResult)
    assert list(fit.table.columns) == list(FOLLOW_UP_COLUMNS)
    assert list(fit.table["model"]) == ["time-varying", "naive (ever followed up)"]
    numbers = ["estimate", "ci_lower", "ci_upper", "coef", "std_error", "p_value", "z"]
    assert np.isfinite(fit.table[numbers].to_numpy(dtype=float)).all()
    assert fit.meta["n"] == len(eps)
    assert fit.meta["pieces"] == len(eps) + fit.meta["switched"]
    assert fit.meta["with_follow_up"] >= fit.meta["switched"] > 0
    assert fit.meta["conf_level"] == 0.9 and fit.cox.meta["conf_level"] == 0.9
    assert "time-varying" in fit._repr_html_() and "day f + 1" in fit._repr_html_()
    with pytest.raises(FrozenInstanceError):
        fit.table = fit.table  # type: ignore[misc]


def test_errors() -> None:
    events = log(
        ("a", "applied", "2024-03-01 09:00"),
        ("a", "follow_up", "2024-03-03 09:00"),
        ("a", "screen", "2024-03-09 09:00"),
        ("b", "applied", "2024-03-01 09:00"),
        ("b", "rejection", "2024-03-04 09:00"),
    )
    eps = episodes(events, "first_response")
    no_follow_up = events[events["event"] != "follow_up"]
    with pytest.raises(HiringFunnelError, match="the log has no follow_up events"):
        split_at_follow_ups(eps, no_follow_up)
    late = events.copy()
    late.loc[late["event"] == "follow_up", "timestamp"] = pd.Timestamp("2024-04-01", tz="UTC")
    with pytest.raises(HiringFunnelError, match="no follow-up falls inside a wait of this clock"):
        follow_up_effect(eps, late, cause="positive")
    with pytest.raises(HiringFunnelError, match="missing the required column.*'origin'"):
        split_at_follow_ups(eps.drop(columns="origin"), events)
    with pytest.raises(HiringFunnelError, match="missing the required column.*'timestamp'"):
        split_at_follow_ups(eps, events.drop(columns="timestamp"))
    with pytest.raises(HiringFunnelError, match="no episode ends with cause 'offer'"):
        follow_up_effect(eps, events, cause="offer")
    with pytest.raises(HiringFunnelError, match="'followed_up' is made by follow_up_effect"):
        follow_up_effect(eps, events, cause="positive", covariates="followed_up")
    with pytest.raises(HiringFunnelError, match="column 'followed_up': clashes"):
        split_at_follow_ups(eps.assign(followed_up=True), events)
    with pytest.raises(HiringFunnelError, match="no 'rejection' answer came after a follow-up"):
        follow_up_effect(eps, events, cause="rejection")
    same_day = log(
        ("a", "applied", "2024-03-01 09:00"),
        ("a", "follow_up", "2024-03-09 08:00"),
        ("a", "screen", "2024-03-09 09:00"),
    )
    with pytest.raises(HiringFunnelError, match="came on the wait's last day"):
        follow_up_effect(episodes(same_day, "first_response"), same_day, cause="positive")
