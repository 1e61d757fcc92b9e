"""Properties of the multi-state estimators on random paths (Hypothesis).

What no R file covers: any small data set with ties, censoring and candidates
holding several applications. Two outside facts are checked:

- without censoring, the Aalen-Johansen state occupation is the share of
  applications in each state at the end of each day (a plain count);
- the standard errors equal the infinitesimal-jackknife influence computed the
  slow way, one application at a time over every day (the recursion
  U_i(u) = U_i(u-) (I + dA(u)) + p(u-) dA_i(u), Aalen & Johansen 1978; R's
  survfit influence.pstate, tests/test_multistate.py), summed per cluster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from hiring_funnel.estimators.transitions import (
    state_occupation,
    still_hope_from,
    transition_probabilities,
)
from hiring_funnel.states import CENSORED, STATES

K = len(STATES)


@st.composite
def path_sets(draw: st.DrawFn, censoring: bool = True) -> pd.DataFrame:
    n = draw(st.integers(1, 12))
    rows = []
    for i in range(n):
        state, day = 0, 0
        cand = f"c{draw(st.integers(0, max(n // 2, 1)))}"
        while True:
            step = draw(st.integers(0 if state == 0 else 1, 4))
            ends = draw(
                st.sampled_from(["move", "absorb", "censor"] if censoring else ["move", "absorb"])
            )
            if ends == "censor":
                rows.append((f"a{i}", cand, STATES[state], CENSORED, day, day + step))
                break
            if ends == "absorb" or state == 2:
                to = draw(st.integers(3, 5))
            else:
                to = draw(st.integers(state + 1, 2))
            rows.append((f"a{i}", cand, STATES[state], STATES[to], day, day + step))
            state, day = to, day + step
            if state >= 3:
                break
    frame = pd.DataFrame(
        rows, columns=["application_id", "candidate_id", "from_state", "to_state", "start", "stop"]
    )
    return frame.astype({"start": float, "stop": float})


def _naive(paths: pd.DataFrame, s: float, p0: np.ndarray, cluster: str | None) -> tuple:
    """Estimates and clustered IJ standard errors, one application and one day at a time."""
    frm = np.array([STATES.index(v) for v in paths["from_state"]])
    to = np.array([STATES.index(v) if v in STATES else K for v in paths["to_state"]])
    start, stop = paths["start"].to_numpy(), paths["stop"].to_numpy()
    days = np.unique(stop[(to < K) & (stop > s)])
    apps = pd.factorize(paths["application_id"])[0]
    groups = apps if cluster is None else pd.factorize(paths[cluster])[0]
    n_apps = apps.max() + 1
    u = np.zeros((n_apps, K))
    p = p0.astype(float)
    est, se = [], []
    for t in days:
        risk = ((start < t) | ((frm == 0) & (start <= 0))) & (t <= stop)
        y = np.bincount(frm[risk], minlength=K).astype(float)
        moved = risk & (to < K) & (stop == t)
        d = np.zeros((K, K))
        for r in np.flatnonzero(moved):
            d[frm[r], to[r]] += 1.0 / y[frm[r]]
        d -= np.diag(d.sum(axis=1))
        step = np.zeros((n_apps, K))
        for r in np.flatnonzero(risk):
            h = frm[r]
            row = -d[h].copy()
            if moved[r]:
                row[to[r]] += 1.0
                row[h] -= 1.0
            step[apps[r]] += p[h] / y[h] * row
        u = u @ (np.eye(K) + d) + step
        p = p @ (np.eye(K) + d)
        summed = pd.DataFrame(u).groupby(pd.Series(groups).groupby(apps).first().to_numpy()).sum()
        est.append(p.copy())
        se.append(np.sqrt((summed.to_numpy() ** 2).sum(axis=0)))
    return days, np.array(est).reshape(-1, K), np.array(se).reshape(-1, K)


def _wide(result, column: str) -> pd.DataFrame:
    return result.table.pivot(index="time", columns="cause", values=column)[list(STATES)]


@settings(max_examples=60, deadline=None)
@given(path_sets(censoring=False))
def test_without_censoring_the_occupation_is_the_share_in_each_state(paths: pd.DataFrame) -> None:
    occ = _wide(state_occupation(paths), "estimate")
    apps = paths["application_id"].unique()
    for t, row in occ.iterrows():
        # The state at the end of day t: the last row started by t (start <= t), its
        # to_state if it ended by t.
        counts = np.zeros(K)
        for app in apps:
            mine = paths[paths["application_id"] == app]
            done = mine[mine["stop"] <= t]
            state = done["to_state"].iloc[-1] if len(done) else "applied"
            counts[STATES.index(state)] += 1
        np.testing.assert_allclose(row.to_numpy(), counts / len(apps), rtol=0, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(path_sets(), st.sampled_from([None, "candidate_id"]))
def test_standard_errors_are_the_influence_summed_per_cluster(
    paths: pd.DataFrame, cluster: str | None
) -> None:
    days, est, se = _naive(paths, -1.0, np.eye(K)[0], cluster)
    occ = state_occupation(paths, cluster=cluster)
    got, got_se = _wide(occ, "estimate"), _wide(occ, "std_error")
    np.testing.assert_allclose(got.loc[days].to_numpy(), est, rtol=0, atol=1e-12)
    # Variances, not their roots: a variance of 0 is a rounding-noise difference of sums.
    np.testing.assert_allclose(got_se.loc[days].to_numpy() ** 2, se**2, rtol=0, atol=1e-13)
    for stage, s in (("screened", 1.0), ("interviewed", 2.0)):
        days, est, se = _naive(paths, s, np.eye(K)[STATES.index(stage)], cluster)
        tp = transition_probabilities(paths, from_state=stage, waited=s, cluster=cluster)
        got, got_se = _wide(tp, "estimate"), _wide(tp, "std_error")
        np.testing.assert_allclose(got.loc[days].to_numpy(), est, rtol=0, atol=1e-12)
        np.testing.assert_allclose(got_se.loc[days].to_numpy() ** 2, se**2, rtol=0, atol=1e-13)
        if len(days):
            hope = still_hope_from(
                paths, stage=stage, waited=[s], horizon=float(days[-1]), cluster=cluster
            ).table
            offer = STATES.index("offer")
            np.testing.assert_allclose(hope["estimate"], est[-1, offer], rtol=0, atol=1e-12)
            np.testing.assert_allclose(
                hope["std_error"] ** 2, se[-1, offer] ** 2, rtol=0, atol=1e-13
            )
