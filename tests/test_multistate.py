"""The funnel as a multi-state model: state paths, state occupation, transition probabilities, still hope.

Source of the expected values: tests/reference/multistate_reference.json, made
by R 4.2 with survival 3.5 on the state paths of three data sets (the toy
events beside it, data/sample and the real tracker; multistate_data.py):

- occupation: ``survfit(Surv(start, stop, to) ~ 1, id = application_id,
  istate = from_state, influence = TRUE)``: ``pstate``, ``std.err`` (one
  influence row per application) and ``sqrt(colSums(rowsum(influence,
  candidate)^2))`` (summed per candidate);
- transitions from state i at the end of day s: the same call with
  ``start.time = s + 0.5, p0 = e_i``; its "offer" column at tau is
  still_hope_from(stage = i, waited = s, horizon = tau).

tests/reference/make_multistate_reference.R says why the applied rows start at
-1 there. Regenerate:

    python tests/reference/multistate_data.py /tmp/hf_multistate
    Rscript tests/reference/make_multistate_reference.R /tmp/hf_multistate \\
        tests/reference/multistate_reference.json
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from reference.multistate_data import NAMES, TOY_AS_OF, paths, r

import hiring_funnel as hf
from hiring_funnel.estimators.transitions import (
    state_occupation,
    still_hope_from,
    transition_probabilities,
)
from hiring_funnel.schema import HiringFunnelError, as_canonical_events
from hiring_funnel.states import STATES, state_paths

EST_TOL = 1e-10
SE_TOL = 1e-8


def wide(result: hf.EstimateResult, column: str) -> pd.DataFrame:
    """time x state, states in the model's order."""
    return result.table.pivot(index="time", columns="cause", values=column)[list(STATES)]


def at_times(frame: pd.DataFrame, times: list[float]) -> np.ndarray:
    """The step function's value at each time: the last row at or before it."""
    pos = np.searchsorted(frame.index.to_numpy(), np.asarray(times), side="right") - 1
    assert (pos >= 0).all()
    return frame.to_numpy()[pos]


def check(result: hf.EstimateResult, ref: dict[str, Any], se_key: str) -> None:
    times = ref["time"]
    np.testing.assert_allclose(
        at_times(wide(result, "estimate"), times), ref["pstate"], rtol=0, atol=EST_TOL
    )
    np.testing.assert_allclose(
        at_times(wide(result, "std_error"), times), ref[se_key], rtol=0, atol=SE_TOL
    )


# -- pinned to R ------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_state_occupation_matches_r(name: str) -> None:
    ref = r(name)["occupation"]
    # survfit(..., id = application_id): std.err with one influence row per application.
    check(state_occupation(paths(name), cluster=None), ref, "std_err")


@pytest.mark.parametrize("name", ["toy", "sample"])
def test_state_occupation_by_candidate_matches_r(name: str) -> None:
    ref = r(name)["occupation"]
    # rowsum(influence.pstate, candidate): the IJ variance summed per candidate.
    result = state_occupation(paths(name), cluster="candidate_id")
    check(result, ref, "std_err_candidate")
    assert result.meta["cluster"] == "candidate_id"
    # "auto" picks the candidates: several hold more than one application.
    auto = state_occupation(paths(name))
    assert auto.meta["cluster"] == "candidate_id"
    pd.testing.assert_frame_equal(auto.table, result.table)


def test_a_one_person_log_is_not_summed_per_candidate() -> None:
    # The real tracker is one candidate: the influences summed over the whole log cancel
    # (R: std_err_candidate is 0), so "auto" keeps the applications apart.
    ref = r("real")["occupation"]
    assert np.max(ref["std_err_candidate"]) < 1e-12
    auto = state_occupation(paths("real"))
    assert auto.meta["cluster"] is None
    assert [n.code for n in auto.notes] == ["one_candidate"]
    # Asked for, the per-candidate standard error is 0 up to rounding (R's too).
    one = state_occupation(paths("real"), cluster="candidate_id").table["std_error"]
    assert one.max() < SE_TOL / 10
    check(auto, ref, "std_err")


def _transition_cases() -> list[tuple[str, int]]:
    return [(name, i) for name in NAMES for i in range(len(r(name)["transitions"]))]


@pytest.mark.parametrize(("name", "i"), _transition_cases())
def test_transition_probabilities_match_r(name: str, i: int) -> None:
    # survfit(..., start.time = s + 0.5, p0 = e_from): row "from" of P(s, t).
    ref = r(name)["transitions"][i]
    result = transition_probabilities(
        paths(name), from_state=ref["from_state"], waited=ref["waited"], cluster=None
    )
    check(result, ref, "std_err")
    if name != "real":
        by_candidate = transition_probabilities(
            paths(name),
            from_state=ref["from_state"],
            waited=ref["waited"],
            cluster="candidate_id",
        )
        check(by_candidate, ref, "std_err_candidate")
    first = result.table[result.table["time"] == ref["waited"]]
    assert first["estimate"].tolist() == [float(s == ref["from_state"]) for s in STATES]


@pytest.mark.parametrize(("name", "i"), _transition_cases())
def test_still_hope_from_matches_r(name: str, i: int) -> None:
    # The "offer" column of the same survfit(start.time = s + 0.5, p0 = e_stage) at tau.
    ref = r(name)["transitions"][i]
    offer = STATES.index("offer")
    times = np.array(ref["time"])
    pstate, se = np.array(ref["pstate"]), np.array(ref["std_err"])
    for tau_pos in sorted({len(times) - 1, len(times) // 2}):
        tau = float(times[tau_pos])
        got = still_hope_from(
            paths(name),
            stage=ref["from_state"],
            waited=[ref["waited"]],
            horizon=tau,
            cluster=None,
        ).table
        np.testing.assert_allclose(got["estimate"], pstate[tau_pos, offer], rtol=0, atol=EST_TOL)
        np.testing.assert_allclose(got["std_error"], se[tau_pos, offer], rtol=0, atol=SE_TOL)
    # Default horizon: the last transition day; R's curve is flat after it.
    eventually = still_hope_from(
        paths(name), stage=ref["from_state"], waited=ref["waited"], cluster=None
    ).table
    np.testing.assert_allclose(eventually["estimate"], pstate[-1, offer], rtol=0, atol=EST_TOL)
    np.testing.assert_allclose(eventually["std_error"], se[-1, offer], rtol=0, atol=SE_TOL)
    if name != "real":  # rowsum(influence, candidate) at the last time
        by_candidate = still_hope_from(
            paths(name), stage=ref["from_state"], waited=ref["waited"], cluster="candidate_id"
        ).table
        se_candidate = np.array(ref["std_err_candidate"])[-1, offer]
        np.testing.assert_allclose(by_candidate["std_error"], se_candidate, rtol=0, atol=SE_TOL)


def test_still_hope_from_every_day_is_one_backward_sweep() -> None:
    # Many s at once (the backward sweep) equal one s at a time (forward from s).
    p = paths("sample")
    tau = 120.0
    days = [0.0, 3.0, 10.0, 30.0, 60.0, 119.0]
    many = still_hope_from(p, stage="screened", waited=days, horizon=tau)
    for s, est, se in zip(days, many.table["estimate"], many.table["std_error"], strict=True):
        one = transition_probabilities(p, from_state="screened", waited=s)
        row = wide(one, "estimate")
        std = wide(one, "std_error")
        at = np.searchsorted(row.index.to_numpy(), tau, side="right") - 1
        assert est == pytest.approx(row["offer"].iloc[at], abs=1e-12)
        assert se == pytest.approx(std["offer"].iloc[at], abs=1e-12)


# -- identities and properties ----------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_rows_sum_to_one_and_absorbing_states_never_decrease(name: str) -> None:
    occ = wide(state_occupation(paths(name)), "estimate")
    np.testing.assert_allclose(occ.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    absorbing = occ[["offer", "rejection", "withdrawn/closed"]].to_numpy()
    assert (np.diff(absorbing, axis=0) >= -1e-15).all()
    assert (occ.to_numpy() >= -1e-15).all()
    tp = wide(transition_probabilities(paths(name), from_state="applied", waited=3), "estimate")
    np.testing.assert_allclose(tp.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    # Nobody comes back to applied: its chance only falls.
    assert (np.diff(tp["applied"].to_numpy()) <= 1e-15).all()


def test_censored_only_paths_give_the_identity() -> None:
    p = pd.DataFrame(
        {
            "application_id": ["a", "b", "b"],
            "from_state": ["applied", "applied", "screened"],
            "to_state": ["censored", "screened", "censored"],
            "start": [0.0, 0.0, 3.0],
            "stop": [5.0, 3.0, 9.0],
        }
    )
    tp = transition_probabilities(p, from_state="screened", waited=3)
    assert wide(tp, "estimate").to_numpy().tolist() == [[0, 1, 0, 0, 0, 0]]
    only_censored = p.iloc[[0]]
    occ = state_occupation(only_censored)
    assert wide(occ, "estimate").to_numpy().tolist() == [[1, 0, 0, 0, 0, 0]]
    assert (occ.table["std_error"] == 0).all()
    hope = still_hope_from(only_censored, stage="applied", waited=[0, 2])
    assert hope.table["estimate"].tolist() == [0.0, 0.0]


def _without_stages(events: pd.DataFrame) -> pd.DataFrame:
    keep = ~events["event"].isin(["screen", "interview"])
    return events[keep.to_numpy()].reset_index(drop=True)


def test_without_stages_it_is_the_decision_clock_with_withdrawal_as_a_cause() -> None:
    # Without screens and interviews the model is applied -> offer | rejection |
    # withdrawn/closed: the competing risks of the decision clock with withdrawn="cause".
    sim = hf.simulate(600, seed=3)
    events = _without_stages(sim.events)
    p = state_paths(events, as_of=sim.as_of)
    # state_paths keeps whole days (issue 15, item 3): the clock's end_of_day rule.
    ep = hf.episodes(
        events, "decision", as_of=sim.as_of, withdrawn="cause", day_boundary="end_of_day"
    )
    occ = wide(state_occupation(p, cluster="candidate_id"), "estimate")
    occ_se = wide(state_occupation(p, cluster="candidate_id"), "std_error")
    cif = hf.cumulative_incidence(ep, cluster="candidate_id").table
    for cause in ("offer", "rejection"):
        mine = cif[cif["cause"] == cause]
        times = mine["time"].to_numpy()
        np.testing.assert_allclose(
            at_times(occ[[cause]], times)[:, 0], mine["estimate"], rtol=0, atol=1e-12
        )
        np.testing.assert_allclose(
            at_times(occ_se[[cause]], times)[:, 0], mine["std_error"], rtol=0, atol=1e-10
        )
    hope = hf.still_hope(ep, cause="offer", waited=[0, 5, 20], cluster="candidate_id").table
    ours = still_hope_from(p, stage="applied", waited=[0, 5, 20], cluster="candidate_id").table
    np.testing.assert_allclose(ours["estimate"], hope["estimate"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ours["std_error"], hope["std_error"], rtol=0, atol=1e-10)


def test_order_of_rows_does_not_matter() -> None:
    p = paths("toy")
    shuffled = p.sample(frac=1.0, random_state=np.random.default_rng(1)).reset_index(drop=True)
    a = state_occupation(p).table
    b = state_occupation(shuffled).table
    pd.testing.assert_frame_equal(a, b)


# -- state_paths ------------------------------------------------------------------


def _toy_events() -> pd.DataFrame:
    from reference.multistate_data import REFERENCE

    return as_canonical_events(pd.read_csv(REFERENCE / "multistate_toy_events.csv"))


def _rows(p: pd.DataFrame, app: str) -> list[tuple[str, str, float, float]]:
    rows = p[p["application_id"] == app]
    return [
        (str(a), str(b), float(c), float(d))
        for a, b, c, d in rows[["from_state", "to_state", "start", "stop"]].to_numpy()
    ]


def test_state_paths_of_the_toy_applications() -> None:
    p = state_paths(_toy_events(), as_of=TOY_AS_OF)
    assert list(p.columns) == [
        "application_id",
        "candidate_id",
        "from_state",
        "to_state",
        "start",
        "stop",
    ]
    # Screened on the day of the application: a day-0 move.
    assert _rows(p, "a01") == [
        ("applied", "screened", 0.0, 0.0),
        ("screened", "interviewed", 0.0, 3.0),
        ("interviewed", "offer", 3.0, 10.0),
    ]
    # Screen and interview on one day: one move, to the state the day ended in.
    assert _rows(p, "a11")[0] == ("applied", "interviewed", 0.0, 5.0)
    # A second interview stays interviewed; a skipped screen is no row.
    assert _rows(p, "a04") == [
        ("applied", "interviewed", 0.0, 2.0),
        ("interviewed", "offer", 2.0, 10.0),
    ]
    # A screen after an interview is not a move back; an offer after the rejection is ignored.
    assert _rows(p, "a13") == [
        ("applied", "interviewed", 0.0, 6.0),
        ("interviewed", "rejection", 6.0, 15.0),
    ]
    # withdrawn and closed end in one absorbing state; follow-ups are no move.
    assert _rows(p, "a05")[-1] == ("screened", "withdrawn/closed", 2.0, 7.0)
    assert _rows(p, "a08") == [("applied", "withdrawn/closed", 0.0, 5.0)]
    assert _rows(p, "a09")[-1] == ("interviewed", "rejection", 5.0, 12.0)
    # Open at the export: censored in the state reached, at the export day.
    assert _rows(p, "a06") == [("applied", "censored", 0.0, 24.0)]
    assert _rows(p, "a14")[-1] == ("interviewed", "censored", 15.0, 15.0)
    assert p.attrs["skipped"] == {"no applied event": 1, "origin after as_of": 0}
    assert p.attrs["applications"] == 18
    assert p["candidate_id"].tolist()[:2] == ["c1", "c1"]


def test_state_paths_follow_the_as_of_date_and_business_days() -> None:
    events = _toy_events()
    early = state_paths(events, as_of="2024-03-05")
    # a01's offer on 03-11 is after the export (midnight of 03-05, day 4): censored there.
    assert _rows(early, "a01")[-1] == ("interviewed", "censored", 3.0, 4.0)
    # a14 and a15 applied after it (a15 at 09:00 on 03-05).
    assert not {"a14", "a15"} & set(early["application_id"])
    assert early.attrs["skipped"]["origin after as_of"] == 2
    business = state_paths(events, as_of=TOY_AS_OF, unit="business_days")
    # Friday 2024-03-01 to Monday 03-04 is one business day.
    assert _rows(business, "a01")[1] == ("screened", "interviewed", 0.0, 1.0)
    assert business.attrs["unit"] == "business_days"


def test_state_paths_censor_at_each_applications_own_export_date() -> None:
    # observed_until (a pseudonymised log): a06 is censored on 03-10 (day 9), not at as_of.
    attrs = pd.DataFrame({"application_id": ["a06"], "observed_until": ["2024-03-10"]})
    p = state_paths(_toy_events(), attributes=attrs, as_of=TOY_AS_OF)
    assert _rows(p, "a06") == [("applied", "censored", 0.0, 9.0)]
    assert _rows(p, "a07")[-1] == ("screened", "censored", 3.0, 24.0)


def test_state_paths_take_an_event_log() -> None:
    sample = paths("sample")
    assert str(sample.attrs["as_of"]) == "2026-11-20 17:00:00+00:00"
    assert sample["application_id"].nunique() == 5000


def test_bad_input_is_a_clear_error() -> None:
    with pytest.raises(HiringFunnelError, match="application_id"):
        state_paths(pd.DataFrame({"event": ["applied"], "timestamp": ["2024-01-01"]}))
    with pytest.raises(HiringFunnelError, match="no application has a path"):
        state_occupation(state_paths(_toy_events().iloc[-1:]))
    with pytest.raises(HiringFunnelError, match="unknown from_state"):
        transition_probabilities(paths("toy"), from_state="offer")
    with pytest.raises(HiringFunnelError, match="unknown stage"):
        still_hope_from(paths("toy"), stage="hired")
    bad = paths("toy").assign(
        to_state=lambda f: f["to_state"].astype("string").replace("offer", "hired")
    )
    with pytest.raises(HiringFunnelError, match="unknown to_state 'hired'"):
        state_occupation(bad)
    loop = paths("toy").assign(to_state=lambda f: f["from_state"].astype("string"))
    with pytest.raises(HiringFunnelError, match="moves to another state"):
        state_occupation(loop)
    with pytest.raises(HiringFunnelError, match="cluster column 'team'"):
        state_occupation(paths("toy"), cluster="team")
    with pytest.raises(HiringFunnelError, match="start <= stop"):
        state_occupation(paths("toy").assign(stop=-1.0))
    with pytest.raises(HiringFunnelError, match="paths must be a DataFrame"):
        state_occupation([1, 2])  # type: ignore[arg-type]


def test_result_objects() -> None:
    occ = state_occupation(paths("toy"))
    assert occ.kind == "state_occupation"
    assert list(occ.table.columns) == [*hf.results.ESTIMATE_COLUMNS, "std_error"]
    assert occ.meta["states"] == list(STATES)
    assert occ.summary().startswith("State occupation")
    lower, upper = occ.table["ci_lower"], occ.table["ci_upper"]
    assert (
        (lower <= occ.table["estimate"] + 1e-12) & (occ.table["estimate"] <= upper + 1e-12)
    ).all()
    hope = still_hope_from(paths("toy"), stage="screened", waited=[2, 5])
    assert hope.meta["stage"] == "screened" and hope.meta["horizon"] == 19.0
    # In screened at the end of day 2 and followed after it: a01, a03, a05, a09, a12, a14,
    # a17 (a07 and a16 were screened on day 3); of them a01 has its offer on day 10. At the
    # end of day 5: a05, a07, a12, a14, a16, a17 (a03 and a09 moved on day 5).
    assert hope.table["at_risk"].tolist() == [7.0, 6.0]
    assert hope.table["events"].tolist() == [1.0, 0.0]


def test_still_hope_from_zero_has_a_binomial_upper_limit() -> None:
    # The real tracker: no offer ever follows a week in applied.
    p = paths("real")
    hope = still_hope_from(p, stage="applied", waited=[0, 7])
    later = hope.table.iloc[1]
    assert later["estimate"] == 0.0 and later["ci_lower"] == 0.0
    tau = hope.meta["horizon"]
    final = p.groupby("application_id").tail(1).set_index("application_id")
    first = p[p["from_state"] == "applied"].set_index("application_id")
    in_applied = first.index[(first["start"] <= 7) & (7 < first["stop"])]
    ended = (final["to_state"] != "censored") & (final["stop"] <= tau)
    followed = (ended | (final["stop"] >= tau)).loc[in_applied]
    n = int(followed.sum())
    assert later["ci_upper"] == pytest.approx(1 - 0.025 ** (1 / n))
    assert [note.code for note in hope.notes] == ["one_candidate", "no_offer_later"]
    assert hope.table.iloc[0]["ci_upper"] < 0.05  # the day-0 estimate keeps its own interval
