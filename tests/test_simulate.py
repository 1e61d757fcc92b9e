"""Tests of the simulator: determinism, schema, calibration and the shipped sample.

Calibration bounds come from DESIGN.md, "Calibration figures for the simulator";
the true curves come from ``hiring_funnel.simulate.model`` (closed form), so a
sampler that drifts from its own model fails here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hiring_funnel.schema import (
    EVENT_COLUMNS,
    EVENTS,
    ONCE_ONLY,
    RESPONSES,
    HiringFunnelError,
    empty_events,
)
from hiring_funnel.simulate import (
    SimulatedLog,
    simulate,
    true_first_response_cif,
    true_outcome_probabilities,
    write_simulated,
)

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"
TERMINAL = ("offer", "rejection", "withdrawn", "closed")


@pytest.fixture(scope="module")
def big() -> SimulatedLog:
    return simulate(20_000, seed=11)


@pytest.fixture(scope="module")
def uncensored() -> SimulatedLog:
    # No withdrawals, closings or office-hours shift: the recorded first
    # response is the model's latent one, so the closed-form truth applies exactly.
    return simulate(
        20_000, seed=12, withdraw_probability=0.0, close_probability=0.0, office_hours=False
    )


def first_responses(log: SimulatedLog) -> pd.DataFrame:
    """Per answered application: days from applying to the first response, and its cause."""
    ev = log.events
    applied = ev[ev["event"] == "applied"].set_index("application_id")["timestamp"]
    resp = ev[ev["event"].isin(sorted(RESPONSES))]
    first = resp.groupby("application_id", observed=True).first()
    days = (first["timestamp"] - applied.reindex(first.index)).dt.total_seconds() / 86_400
    cause = np.where(first["event"] == "rejection", "rejection", "positive")
    return pd.DataFrame({"days": days, "cause": cause}, index=first.index)


def check_invariants(log: SimulatedLog, n: int) -> None:
    ev = log.events
    assert tuple(ev.columns) == EVENT_COLUMNS
    assert ev.dtypes.to_dict() == empty_events().dtypes.to_dict()
    assert ev["event"].notna().all() and set(ev["event"].unique()) <= set(EVENTS)
    assert ev["line"].tolist() == list(range(2, len(ev) + 2))
    assert ev["timestamp"].max() <= log.as_of
    assert ev[["application_id", "candidate_id", "company_id", "timestamp"]].notna().all().all()
    # Sorted by timestamp, application, then event order.
    keys = pd.DataFrame(
        {"t": ev["timestamp"], "a": ev["application_id"], "e": ev["event"].cat.codes}
    )
    assert keys.equals(keys.sort_values(["t", "a", "e"], kind="stable"))

    applied = ev[ev["event"] == "applied"]
    assert len(applied) == n and applied["application_id"].is_unique
    assert (applied["channel"].notna()).all() and ev.loc[
        ev["event"] != "applied", "channel"
    ].isna().all()
    start = ev["application_id"].map(applied.set_index("application_id")["timestamp"])
    assert (ev["timestamp"] >= start).all(), "an event precedes its application"
    resp = ev["event"].isin(sorted(RESPONSES))
    assert (ev.loc[resp, "timestamp"] > start[resp]).all(), "a response precedes its application"

    counts = ev.groupby(["application_id", "event"], observed=True).size().unstack(fill_value=0)
    for name in ONCE_ONLY & set(counts.columns):
        assert counts[name].max() <= 1, f"{name} twice in one application"
    assert (counts.reindex(columns=list(TERMINAL), fill_value=0).sum(axis=1) <= 1).all()
    # A terminal event is the application's last: nothing is recorded after it.
    last = ev.groupby("application_id", observed=True)["event"].last()
    ended = ev[ev["event"].isin(TERMINAL)].set_index("application_id")["event"]
    assert (last.reindex(ended.index) == ended).all()

    attrs = log.attributes
    assert list(attrs.columns) == [
        "application_id",
        "company_size",
        "industry",
        "role_level",
        "source",
        "remote",
    ]
    assert attrs["application_id"].is_unique and len(attrs) == n
    assert set(attrs["application_id"]) == set(applied["application_id"])
    assert attrs["remote"].dtype == bool
    assert json.loads(json.dumps(log.truth, sort_keys=True)) == log.truth


def test_same_seed_identical_and_different_seed_differs() -> None:
    a, b, c = simulate(3_000, seed=5), simulate(3_000, seed=5), simulate(3_000, seed=6)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.attributes, b.attributes)
    assert a.truth == b.truth and a.as_of == b.as_of
    assert not a.events.equals(c.events)
    assert not a.attributes.equals(c.attributes)


def test_no_global_random_state_used() -> None:
    # Reseeding numpy's legacy global state must not change the output.
    np.random.seed(0)  # noqa: NPY002
    a = simulate(500, seed=1)
    np.random.seed(99)  # noqa: NPY002
    b = simulate(500, seed=1)
    pd.testing.assert_frame_equal(a.events, b.events)


def test_schema_and_sequences(big: SimulatedLog) -> None:
    check_invariants(big, 20_000)
    assert big.as_of == pd.Timestamp("2026-11-20T17:00:00Z")
    assert big.events["application_id"].str.fullmatch(r"A\d{6}").all()
    assert big.events["candidate_id"].str.fullmatch(r"C\d{6}").all()
    assert big.events["company_id"].str.fullmatch(r"E\d{4}").all()
    # Every event kind of the vocabulary actually occurs.
    assert set(big.events["event"].unique()) == set(EVENTS)


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 150), seed=st.integers(0, 2**32 - 1))
def test_invariants_hold_for_small_logs(n: int, seed: int) -> None:
    check_invariants(simulate(n, seed=seed), n)


def test_never_answered_matches_truth(uncensored: SimulatedLog) -> None:
    ev, attrs = uncensored.events, uncensored.attributes
    applied = ev[ev["event"] == "applied"].set_index("application_id")["timestamp"]
    # Old applications only: their answers, if any, have all arrived by as_of.
    old = applied[applied <= uncensored.as_of - pd.Timedelta(days=200)].index
    assert len(old) > 3_000
    never = 1.0 - first_responses(uncensored).index.isin(old).sum() / len(old)
    truth = true_outcome_probabilities(
        uncensored.truth, attributes=attrs[attrs["application_id"].isin(old)]
    )
    # Binomial SE ~0.008 at n ~ 3,000, inflated by candidates' shared quality.
    assert never == pytest.approx(truth["ghosted"], abs=0.035)
    assert 0.30 <= uncensored.truth["expected"]["ghosted"] <= 0.40  # Indeed 2023: ~35%


def test_first_response_cif_matches_truth(uncensored: SimulatedLog) -> None:
    ev, attrs = uncensored.events, uncensored.attributes
    applied = ev[ev["event"] == "applied"].set_index("application_id")["timestamp"]
    old = applied[applied <= uncensored.as_of - pd.Timedelta(days=200)].index
    first = first_responses(uncensored)
    first = first[first.index.isin(old)]
    days = np.array([1.0, 3.0, 7.0, 14.0, 30.0, 90.0])
    true = true_first_response_cif(
        uncensored.truth, days, attributes=attrs[attrs["application_id"].isin(old)]
    )
    for cause in ("positive", "rejection"):
        empirical = np.array(
            [((first["cause"] == cause) & (first["days"] <= d)).sum() for d in days]
        )
        np.testing.assert_allclose(empirical / len(old), true[cause], atol=0.03)


def aalen_johansen(
    duration: np.ndarray, cause: np.ndarray, days: np.ndarray
) -> dict[int, np.ndarray]:
    """F_k(t) = sum over t_j <= t of S(t_j-) d_kj / n_j (DESIGN.md); seconds make ties rare."""
    order = np.argsort(duration, kind="stable")
    duration, cause = duration[order], cause[order]
    at_risk = len(duration) - np.arange(len(duration))
    surv_before = np.r_[1.0, np.cumprod(1.0 - (cause > 0) / at_risk)[:-1]]
    idx = np.searchsorted(duration, days, side="right") - 1
    return {k: np.cumsum(surv_before * (cause == k) / at_risk)[idx] for k in (1, 2)}


def test_censoring_is_independent_so_aalen_johansen_recovers_truth() -> None:
    # Withdrawals, closings and the as-of date censor about 40% of first
    # responses; because they are drawn independently of the employer's answer
    # the estimator still finds the true curves (office hours off: exact truth).
    log = simulate(20_000, seed=13, office_hours=False)
    ev = log.events
    applied = ev[ev["event"] == "applied"].set_index("application_id")["timestamp"]
    ends = ev[ev["event"].isin(sorted(RESPONSES | {"withdrawn", "closed"}))]
    first = ends.groupby("application_id", observed=True).first().reindex(applied.index)
    duration = (first["timestamp"].fillna(log.as_of) - applied).dt.total_seconds() / 86_400
    event = first["event"].astype(object)
    cause = np.select(
        [event.isin(["screen", "interview", "offer"]), event.eq("rejection")], [1, 2], 0
    )
    assert 0.3 < (cause == 0).mean() < 0.6
    days = np.array([1.0, 3.0, 7.0, 14.0, 30.0, 90.0])
    estimate = aalen_johansen(duration.to_numpy(), cause, days)
    true = true_first_response_cif(log.truth, days, attributes=log.attributes)
    np.testing.assert_allclose(estimate[1], true["positive"], atol=0.02)
    np.testing.assert_allclose(estimate[2], true["rejection"], atol=0.02)


def test_truth_curves_are_consistent() -> None:
    truth = json.loads((SAMPLE / "truth.json").read_text())
    cif = true_first_response_cif(truth, np.array([0.0, 1.0, 10.0, 100.0, 1e9]))
    probs = true_outcome_probabilities(truth)
    total = cif["positive"] + cif["rejection"]
    assert total[0] == 0.0 and (np.diff(total) >= 0).all()
    assert total[-1] == pytest.approx(1.0 - probs["ghosted"], abs=1e-9)
    assert cif["positive"][-1] == pytest.approx(probs["first_positive"], abs=1e-9)
    assert 0.2 <= probs["offer_given_interview"] <= 0.4  # CareerPlug: ~27% of interviewed hired


def test_calibration(big: SimulatedLog) -> None:
    ev = big.events
    resp = ev[ev["event"].isin(sorted(RESPONSES))]
    assert (resp["timestamp"].dt.dayofweek >= 5).mean() < 0.10
    hours = resp["timestamp"].dt.hour
    assert ((hours >= 8) & (hours < 18)).mean() > 0.97

    first = first_responses(big)
    med = first.groupby("cause")["days"].median()
    assert 2.0 <= med["positive"] <= 4.5 and 5.0 <= med["rejection"] <= 10.0
    assert med["positive"] < med["rejection"]
    assert 0.55 <= len(first) / 20_000 <= 0.70
    # Loosened from CareerPlug's ~3% applicant-to-interview so that samples have interviews.
    assert 0.15 <= (first["cause"] == "positive").sum() / 20_000 <= 0.25

    ended = ev.loc[ev["event"].isin(TERMINAL), "application_id"].nunique()
    assert 0.05 <= 1.0 - ended / 20_000 <= 0.60

    per_candidate = ev[ev["event"] == "applied"].groupby("candidate_id").size()
    assert per_candidate.max() <= 15 and 3.0 <= per_candidate.mean() <= 10.0
    assert (per_candidate > 1).mean() > 0.5

    for name in ("follow_up", "withdrawn", "closed"):
        assert (ev["event"] == name).sum() > 100

    # Glassdoor: government slow (~54 days), restaurants fast (~10 days).
    applied = ev[ev["event"] == "applied"].set_index("application_id")["timestamp"]
    decision = ev[ev["event"].isin(["offer", "rejection"]) & (ev["stage"] != "application")]
    days = (
        decision["timestamp"].to_numpy() - applied.reindex(decision["application_id"]).to_numpy()
    ) / np.timedelta64(1, "D")
    industry = big.attributes.set_index("application_id")["industry"]
    by = pd.Series(days).groupby(industry.reindex(decision["application_id"]).to_numpy()).mean()
    assert by["government"] > 35.0 and by["restaurants"] < 18.0
    assert 15.0 <= days.mean() <= 35.0
    offers = ev[ev["event"] == "offer"]
    offer_days = (
        offers["timestamp"].to_numpy() - applied.reindex(offers["application_id"]).to_numpy()
    ) / np.timedelta64(1, "D")
    assert (offer_days >= 45).sum() > 10, "a few offers should arrive late"


def test_write_is_deterministic(tmp_path: Path) -> None:
    log = simulate(400, seed=21)
    first = write_simulated(log, tmp_path / "a")
    second = write_simulated(simulate(400, seed=21), tmp_path / "b")
    assert [p.name for p in first] == ["events.csv", "attributes.csv", "truth.json", "mapping.toml"]
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(p.name for p in first)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes()
        assert b"\r" not in a.read_bytes()

    text = first[0].read_text().splitlines()
    assert text[0] == "application_id,candidate_id,company_id,event,timestamp,stage,channel"
    assert len(text) == len(log.events) + 1
    back = pd.read_csv(first[0], dtype=str, keep_default_na=False)
    assert back["timestamp"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ").all()
    assert (pd.to_datetime(back["timestamp"], utc=True) == log.events["timestamp"]).all()
    assert (back["event"] == log.events["event"].astype(str)).all()
    assert json.loads(first[2].read_text()) == log.truth


def test_shipped_sample_is_reproducible(tmp_path: Path) -> None:
    fresh = write_simulated(simulate(5000, seed=20261126), tmp_path)
    for path in fresh:
        shipped = SAMPLE / path.name
        assert shipped.read_bytes() == path.read_bytes(), (
            f"{shipped} differs from a fresh simulate(5000, seed=20261126); "
            "regenerate it with `hiring-funnel simulate --applications 5000 "
            "--seed 20261126 --out data/sample --force`"
        )
    assert sum((SAMPLE / p.name).stat().st_size for p in fresh) < 2_000_000


def test_bad_arguments_raise() -> None:
    with pytest.raises(HiringFunnelError, match="unknown simulation parameter.*ghosting"):
        simulate(10, seed=1, ghosting=0.3)
    with pytest.raises(HiringFunnelError, match="at least 1"):
        simulate(0, seed=1)
    with pytest.raises(HiringFunnelError, match="'industry' must map levels to probabilities"):
        simulate(10, seed=1, industry={"software": 0.5})
    with pytest.raises(HiringFunnelError, match="as_of"):
        simulate(10, seed=1, as_of="not a date")
