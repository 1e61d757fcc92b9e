"""The multi-state Aalen-Johansen estimator on whole days, and its influence variance.

With transition days u_1 < u_2 < ..., Y_h(u) the applications at risk in
transient state h just before u and N_hj(u) the moves h -> j on day u, the
increments are dA_hj(u) = N_hj(u) / Y_h(u) (diagonal: minus the row's sum) and

    P(s, t) = prod over s < u <= t of (I + dA(u))

(Aalen & Johansen 1978; ties exact: all moves of a day enter together).

The infinitesimal-jackknife influence of one application i on a row p(t) = p0
P(s, t) follows the product's recursion

    U_i(u) = U_i(u-) (I + dA(u)) + p(u-) dA_i(u),
    p(u-) dA_i(u) = p_h(u-) / Y_h(u) [dN_i(u) (e_j - e_h) - Y_ih(u) dA_h.(u)]

for i at risk in h on day u (dA_h. the h-th row of dA), and the variance is the
sum over clusters (applications, or candidates) of the squared summed
influences: R's ``survfit(..., id =, influence = TRUE)``, summed with
``rowsum``. The recursion runs on clusters, not on applications: every day one
(C x 6) @ (6 x 6) product, the at-risk term entering through each cluster's
count of applications at risk in each state, so the work is C x 36 per day
and no application x day matrix is made. A backward sweep does the same for a
column P(s, tau) e_j at every s at once (still hope from every stage and day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hiring_funnel.states import CENSORED, STATES, TRANSIENT, state_codes

K = len(STATES)
H = len(TRANSIENT)


@dataclass(frozen=True)
class Grid:
    """Transition days, at-risk counts and moves, and each path row's place on the days.

    ``first``/``last``: the first and last day index a row is at risk on
    (first > last: never); ``to`` is K for a censored row; ``cluster`` the
    row's cluster code 0..C-1.
    """

    time: np.ndarray  # (m,)
    at_risk: np.ndarray  # (H, m)
    moves: np.ndarray  # (H, K, m)
    frm: np.ndarray
    to: np.ndarray
    first: np.ndarray
    last: np.ndarray
    cluster: np.ndarray
    n_clusters: int


def increments(g: Grid) -> np.ndarray:
    """dA on every day, (m, K, K)."""
    y = g.at_risk.T[:, :, None]  # (m, H, 1)
    n = np.moveaxis(g.moves, 2, 0)  # (m, H, K)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(y > 0, n / y, 0.0)
    d = np.zeros((len(g.time), K, K))
    d[:, :H] = rate
    idx = np.arange(H)
    d[:, idx, idx] = 0.0
    d[:, idx, idx] = -d[:, :H].sum(axis=2)
    return d


def make_grid(paths: pd.DataFrame, cluster: np.ndarray) -> Grid:
    """The grid of :class:`Grid` from checked paths and each row's cluster code."""
    frm = state_codes(paths["from_state"], STATES)
    to = state_codes(paths["to_state"], (*STATES, CENSORED))
    start = paths["start"].to_numpy(dtype=np.float64)
    stop = paths["stop"].to_numpy(dtype=np.float64)
    moved = to < K
    time = np.unique(stop[moved])
    # At risk on day u: start < u <= stop; an applied row from day 0 also on day 0.
    side_left = (frm == 0) & (start <= 0)
    first = np.where(
        side_left,
        np.searchsorted(time, start, side="left"),
        np.searchsorted(time, start, side="right"),
    )
    last = np.searchsorted(time, stop, side="right") - 1
    m = len(time)
    at_risk = np.zeros((H, m))
    ok = (first <= last) & (frm < H)
    for h in range(H):
        sel = ok & (frm == h)
        change = np.bincount(first[sel], minlength=m + 1) - np.bincount(
            last[sel] + 1, minlength=m + 1
        )
        at_risk[h] = np.cumsum(change)[:m]
    moves = np.zeros((H, K, m))
    sel = moved & (frm < H)
    flat = np.bincount((frm[sel] * K + to[sel]) * m + last[sel], minlength=H * K * m).astype(
        np.float64
    )
    moves[:] = flat.reshape(H, K, m)
    n_clusters = int(cluster.max(initial=-1)) + 1
    return Grid(time, at_risk, moves, frm, to, first, last, cluster, n_clusters)


def _by_step(index: np.ndarray, rows: np.ndarray, n_steps: int) -> list[np.ndarray]:
    """``rows`` split by their step ``index`` (0..n_steps - 1; others dropped)."""
    keep = (index >= 0) & (index < n_steps)
    rows, index = rows[keep], index[keep]
    order = np.argsort(index, kind="stable")
    cuts = np.searchsorted(index[order], np.arange(1, n_steps))
    return np.split(rows[order], cuts)


def _thin(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for a tall, thin a: (b' a')' runs the product in BLAS' better layout (2-3x faster)."""
    return (b.T @ a.T).T


@dataclass(frozen=True)
class Steps:
    """One sweep, step by step: the factor, the at-risk and move terms, and whose rows change.

    Every cluster's influence (a row vector) follows U <- U M - cur g + (its
    moves' rows of T), ``cur`` its applications at risk in each transient
    state on the step. ``start``: the path rows at risk from the first step;
    ``enter[q]``: rows at risk from step q + 1 on (a row that follows a move
    comes in on the step of the move, whose cluster changes anyway);
    ``leave[q]``: rows at risk for the last time on step q; ``moves[q]``:
    rows that move on step q.
    """

    m: np.ndarray  # (q, K, K)
    g: np.ndarray  # (q, H, K)
    t: np.ndarray  # (q, H, K, K): the influence row of a move h -> j
    start: np.ndarray
    enter: list[np.ndarray]
    leave: list[np.ndarray]
    moves: list[np.ndarray]


def sweep_variance(grid: Grid, steps: Steps) -> np.ndarray:
    """The diagonal of sum over clusters of U_c' U_c after every step, (q, K).

    A cluster's influence changes only by the common factor M on a step where
    none of its rows comes, goes or moves, so it is kept lazily: with tau_c
    its last such step and G(q) = sum over r <= q of g_r M_{r+1} ... M_q,

        U_c(q) = W_c M_{tau_c+1} ... M_q - cur_c G(q),

    and the sum of squares is Q - R G - (R G)' + G' C G with Q, R, C sums
    over clusters that one product per step carries forward. Each step
    touches only the clusters whose rows change on it (about one per path
    row over the sweep), plus the products M_{t+1} .. M_q for every earlier
    t (O(q^2) 6 x 6 products).
    """
    n_steps = len(steps.m)
    c_all, frm = grid.cluster, grid.frm
    # Per cluster: W (K columns), cur (H columns) and tau_c + 1, gathered and stored together.
    state = np.zeros((grid.n_clusters, K + H + 1))
    np.add.at(state, (c_all[steps.start], K + frm[steps.start]), 1.0)
    stack = np.eye(K)[None]  # stack[t + 1] = M_{t+1} ... M_q, t = -1 .. q
    cur0 = state[:, K : K + H]
    q_sum, r_sum, c_sum = np.zeros((K, K)), np.zeros((K, H)), cur0.T @ cur0
    g_acc = np.zeros((H, K))
    out = np.zeros((n_steps, K))
    for q in range(n_steps):
        enter, leave, moves = steps.enter[q], steps.leave[q], steps.moves[q]
        touched, where = np.unique(
            c_all[np.concatenate([moves, leave, enter])], return_inverse=True
        )
        m_q, g_q = steps.m[q], steps.g[q]
        n_t = touched.size
        if n_t:
            mine = state[touched]
            # Their influence before the step, taken out of the running sums.
            x = np.einsum("ck,ckl->cl", mine[:, :K], stack[mine[:, -1].astype(np.intp)])
            old = mine[:, K : K + H]
            q_sum -= x.T @ x
            r_sum -= x.T @ old
            c_sum -= old.T @ old
            u = _thin(x - _thin(old, g_acc), m_q) - _thin(old, g_q)
            if moves.size:
                rows = steps.t[q][frm[moves], grid.to[moves]]  # (moves, K)
                at = (where[: moves.size, None] * K + np.arange(K)).ravel()
                u += np.bincount(at, weights=rows.ravel(), minlength=n_t * K).reshape(n_t, K)
            # Rows leaving and entering change the at-risk counts after the step.
            sign = np.r_[np.zeros(moves.size), -np.ones(leave.size), np.ones(enter.size)]
            changed = np.concatenate([moves, leave, enter])
            delta = np.bincount(where * H + frm[changed], weights=sign, minlength=n_t * H).reshape(
                n_t, H
            )
            after = old + delta
        q_sum = m_q.T @ q_sum @ m_q
        r_sum = m_q.T @ r_sum
        g_acc = g_acc @ m_q + g_q
        stack = np.concatenate([stack @ m_q, np.eye(K)[None]])
        if n_t:
            new = u + _thin(after, g_acc)
            state[touched] = np.hstack([new, after, np.full((n_t, 1), q + 1.0)])
            q_sum += new.T @ new
            r_sum += new.T @ after
            c_sum += after.T @ after
        rg = r_sum @ g_acc
        gcg = np.diag(g_acc.T @ c_sum @ g_acc)
        var = np.diag(q_sum) - 2.0 * np.diag(rg) + gcg
        # A variance that is 0 (one cluster holding everyone, a state nobody can reach
        # yet) comes out of the difference of sums of squares as rounding noise of
        # their size: below 1e-14 of it, nothing is left to estimate.
        out[q] = np.where(var > 1e-14 * (np.diag(q_sum) + gcg), var, 0.0)
    return out


def forward(g: Grid, d: np.ndarray, k0: int, p0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """p0 P(u_{k0 - 1}, u_k) and its variance summed per cluster, k = k0 .. m - 1: (m - k0, K) each.

    p0 is fixed (no influence): everyone starts in ``applied``, or the row
    of the starting state is asked.
    """
    m = len(g.time)
    n = m - k0
    p = p0.astype(np.float64).copy()
    est = np.zeros((n, K))
    mats, gs, ts = np.zeros((n, K, K)), np.zeros((n, H, K)), np.zeros((n, H, K, K))
    eye = np.eye(K)
    for k in range(k0, m):
        y = g.at_risk[:, k]
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(y > 0, p[:H] / y, 0.0)  # p_h(u-) / Y_h(u)
        mats[k - k0] = eye + d[k]
        gs[k - k0] = weight[:, None] * d[k, :H]
        ts[k - k0] = weight[:, None, None] * (eye[None, :, :] - eye[:H, None, :])
        p = p + p @ d[k]
        est[k - k0] = p
    live = np.flatnonzero((g.frm < H) & (g.last >= k0) & (g.first <= g.last))
    moved = live[g.to[live] < K]
    enter = np.maximum(g.first[live], k0) - k0 - 1  # -1: at risk from the first step
    steps = _steps(mats, gs, ts, live, enter, g.last[live] - k0, moved, g.last[moved] - k0)
    return est, sweep_variance(g, steps)


def _steps(
    mats: np.ndarray,
    gs: np.ndarray,
    ts: np.ndarray,
    live: np.ndarray,
    enter: np.ndarray,
    leave: np.ndarray,
    moved: np.ndarray,
    moved_at: np.ndarray,
) -> Steps:
    """The sweep's steps: the rows ``live`` at risk from step ``enter`` + 1 (from the
    start when negative) to step ``leave``, and the rows ``moved`` leaving at ``moved_at``."""
    n = len(mats)
    return Steps(
        mats,
        gs,
        ts,
        live[enter < 0],
        _by_step(enter, live, n),
        _by_step(leave, live, n),
        _by_step(moved_at, moved, n),
    )


def backward(g: Grid, d: np.ndarray, k_tau: int, target: int) -> tuple[np.ndarray, np.ndarray]:
    """P(s, u_tau) e_target and its variance summed per cluster, for every starting state.

    Row r of each output (r = 0 .. k_tau + 1) is for s in [u_{r-1}, u_r):
    the product over the days r .. k_tau (row 0: s before the first day;
    row k_tau + 1: s at or after u_tau, the identity's column). Shapes
    (k_tau + 2, K). The influence of a column (I + dA) v is the transpose
    of a row's: the same sweep, days in reverse, with M = (I + dA)'.
    """
    n = k_tau + 1
    w = np.zeros(K)
    w[target] = 1.0
    est = np.zeros((n + 1, K))
    est[n] = w
    mats, gs, ts = np.zeros((n, K, K)), np.zeros((n, H, K)), np.zeros((n, H, K, K))
    eye = np.eye(K)
    for q, k in enumerate(range(k_tau, -1, -1)):
        y = g.at_risk[:, k]
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = np.where(y > 0, 1.0 / y, 0.0)
        mats[q] = (eye + d[k]).T
        # dA_i w: component h, (dN_i (w_j - w_h) - Y_ih dA_h. w) / Y_h.
        gs[q] = eye[:H] * ((d[k, :H] @ w) * inv)[:, None]
        ts[q] = eye[:H, None, :] * ((w[None, :] - w[:H, None]) * inv[:, None])[:, :, None]
        w = w + d[k] @ w
        est[k] = w
    live = np.flatnonzero((g.frm < H) & (g.first <= np.minimum(g.last, k_tau)))
    moved = live[(g.to[live] < K) & (g.last[live] <= k_tau)]
    enter = k_tau - np.minimum(g.last[live], k_tau) - 1  # -1: at risk from the first step
    steps = _steps(mats, gs, ts, live, enter, k_tau - g.first[live], moved, k_tau - g.last[moved])
    var = np.zeros((n + 1, K))
    var[:n] = sweep_variance(g, steps)[::-1]
    return est, var
