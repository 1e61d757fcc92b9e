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

from hiring_funnel.states import CENSORED, STATES, TRANSIENT

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
    names = pd.Index([*STATES, CENSORED])
    # Categorical or plain strings alike: look the names up (checked by check_paths).
    frm = names.get_indexer(paths["from_state"].astype("string")).astype(np.int64)
    to = names.get_indexer(paths["to_state"].astype("string")).astype(np.int64)
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


def products(g: Grid, d: np.ndarray, k0: int, p0: np.ndarray) -> np.ndarray:
    """Rows p0 P(u_{k0 - 1}, u_k) for k = k0 .. m - 1, shape (m - k0, ...) of p0's shape."""
    out = []
    p = p0.copy()
    for k in range(k0, len(g.time)):
        p = p + p @ d[k]
        out.append(p)
    return np.array(out).reshape((len(g.time) - k0, *p0.shape))


def _by_day(index: np.ndarray, rows: np.ndarray, m: int) -> list[np.ndarray]:
    """``rows`` split by their day ``index`` (0..m-1; others dropped)."""
    keep = (index >= 0) & (index < m)
    rows, index = rows[keep], index[keep]
    order = np.argsort(index, kind="stable")
    cuts = np.searchsorted(index[order], np.arange(1, m))
    return np.split(rows[order], cuts)


def forward_variance(g: Grid, d: np.ndarray, k0: int, p0: np.ndarray) -> np.ndarray:
    """Var of p0 P(u_{k0 - 1}, u_k) summed per cluster, for k = k0 .. m - 1: (m - k0, K).

    p0 is fixed (no influence): everyone starts in ``applied``, or the row
    of the starting state is asked.
    """
    m = len(g.time)
    live = np.flatnonzero((g.frm < H) & (g.last >= k0) & (g.first <= g.last))
    enter = _by_day(np.maximum(g.first[live], k0), live, m)
    leave = _by_day(g.last[live], live, m)
    cur = np.zeros((g.n_clusters, H))
    u = np.zeros((g.n_clusters, K))
    p = p0.astype(np.float64).copy()
    out = np.zeros((m - k0, K))
    for k in range(k0, m):
        rows = enter[k]
        np.add.at(cur, (g.cluster[rows], g.frm[rows]), 1.0)
        y = g.at_risk[:, k]
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(y > 0, p[:H] / y, 0.0)  # p_h(u-) / Y_h(u)
        step = np.vstack([d[k, :H], -weight[:, None] * d[k, :H]])
        u += np.hstack([u[:, :H], cur]) @ step
        gone = leave[k]
        moved = gone[g.to[gone] < K]
        if moved.size:
            w = weight[g.frm[moved]]
            np.add.at(u, (g.cluster[moved], g.to[moved]), w)
            np.add.at(u, (g.cluster[moved], g.frm[moved]), -w)
        np.add.at(cur, (g.cluster[gone], g.frm[gone]), -1.0)
        p = p + p @ d[k]
        out[k - k0] = np.einsum("ck,ck->k", u, u)
    return out


def backward(g: Grid, d: np.ndarray, k_tau: int, target: int) -> tuple[np.ndarray, np.ndarray]:
    """P(s, u_tau) e_target and its variance summed per cluster, for every starting state.

    Row r of each output (r = 0 .. k_tau + 1) is for s in [u_{r-1}, u_r):
    the product over the days r .. k_tau (row 0: s before the first day;
    row k_tau + 1: s at or after u_tau, the identity's column). Shapes
    (k_tau + 2, K).
    """
    m = k_tau + 1
    live = np.flatnonzero((g.frm < H) & (g.first <= np.minimum(g.last, k_tau)))
    arrive = _by_day(np.minimum(g.last[live], k_tau), live, m)
    depart = _by_day(g.first[live], live, m)
    cur = np.zeros((g.n_clusters, H))
    wv = np.zeros((g.n_clusters, K))
    w = np.zeros(K)
    w[target] = 1.0
    est = np.zeros((m + 1, K))
    var = np.zeros((m + 1, K))
    est[m] = w
    for k in range(k_tau, -1, -1):
        rows = arrive[k]
        np.add.at(cur, (g.cluster[rows], g.frm[rows]), 1.0)
        y = g.at_risk[:, k]
        with np.errstate(divide="ignore", invalid="ignore"):
            inv = np.where(y > 0, 1.0 / y, 0.0)
        # dA_i w: component h, -(dA_h. w) / Y_h per application at risk in h.
        at_risk_term = -(d[k, :H] @ w) * inv
        new = wv + wv @ d[k].T
        new[:, :H] += cur * at_risk_term
        moved = rows[(g.to[rows] < K) & (g.last[rows] == k)]
        if moved.size:
            h = g.frm[moved]
            np.add.at(new, (g.cluster[moved], h), (w[g.to[moved]] - w[h]) * inv[h])
        wv = new
        np.add.at(cur, (g.cluster[depart[k]], g.frm[depart[k]]), -1.0)
        w = w + d[k] @ w
        est[k] = w
        var[k] = np.einsum("ck,ck->k", wv, wv)
    return est, var
