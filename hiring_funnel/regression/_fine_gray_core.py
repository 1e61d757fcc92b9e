"""The numerical core of :mod:`hiring_funnel.regression.fine_gray`, as ``cmprsk::crr`` computes it.

Rows sorted by time with crr's censoring weights (:class:`FineGrayData`), the risk
sums, the log pseudo-likelihood, the information, crr's Newton-Raphson and the
score residuals of the sandwich variance. The conventions are listed in the
docstring of :mod:`.fine_gray`; split from it to keep modules short.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: crr's defaults (gtol, maxiter).
_GTOL = 1e-6
MAX_ITER = 10


@dataclass(frozen=True)
class FineGrayData:
    """Rows sorted by time, with crr's censoring weights and the distinct event times."""

    time: np.ndarray
    status: np.ndarray  # 0 censored, 1 the cause, 2 a competing cause
    x: np.ndarray
    g: np.ndarray  # G(time_i -), crr's left-continuous censoring survival
    event_times: np.ndarray  # distinct times of the cause
    d: np.ndarray  # events of the cause at each
    g_event: np.ndarray  # G(s -) at each event time s
    first_at: np.ndarray  # first row with time >= s (= rows with time < s), per event time

    @classmethod
    def build(cls, time: np.ndarray, status: np.ndarray, x: np.ndarray) -> FineGrayData:
        # Kaplan-Meier of the censoring times: an event on a censoring's day is
        # still at risk (survfit's convention, which crr calls).
        uniq, first = np.unique(time, return_index=True)
        at_risk = len(time) - first
        censored = np.bincount(
            np.searchsorted(uniq, time[status == 0]), minlength=len(uniq)
        ).astype(np.float64)
        km = np.cumprod(1.0 - censored / at_risk)
        # crr reads G with approx(..., method = "constant", f = 0) at
        # t * (1 - 100 eps): the value just before t for t > 0, but at t itself for t = 0.
        eps = np.finfo(np.float64).eps
        idx = np.searchsorted(uniq, time * (1 - 100 * eps), side="right") - 1
        g = np.where(idx >= 0, km[np.maximum(idx, 0)], 1.0)
        event_times, d = np.unique(time[status == 1], return_counts=True)
        first_at = np.searchsorted(time, event_times, side="left")
        return cls(
            time=time,
            status=status,
            x=x,
            g=g,
            event_times=event_times,
            d=d.astype(np.float64),
            g_event=g[first_at],
            first_at=first_at,
        )


def _risk_sums(data: FineGrayData, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """S0, S1 (D x p) and the weighted risk e^(x b) per row, at each event time."""
    eta = data.x @ beta
    # Centre the linear predictor: e^(eta - c) leaves every ratio unchanged and
    # cannot overflow.
    risk = np.exp(eta - eta.max())
    comp = (data.status == 2) * risk / data.g
    tail0 = np.cumsum(risk[::-1])[::-1]
    tail1 = np.cumsum((risk[:, None] * data.x)[::-1], axis=0)[::-1]
    head0 = np.concatenate([[0.0], np.cumsum(comp)])
    head1 = np.vstack([np.zeros(data.x.shape[1]), np.cumsum(comp[:, None] * data.x, axis=0)])
    k = data.first_at
    s0 = tail0[k] + data.g_event * head0[k]
    s1 = tail1[k] + data.g_event[:, None] * head1[k]
    return s0, s1, risk


def log_likelihood(data: FineGrayData, beta: np.ndarray) -> float:
    """crr's objective: minus the log pseudo-likelihood (Breslow ties)."""
    eta = data.x @ beta
    s0, _, _ = _risk_sums(data, beta)
    shift = eta.max()
    return float(-(eta[data.status == 1].sum() - (data.d * (np.log(s0) + shift)).sum()))


def information(data: FineGrayData, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The information matrix and the score (gradient of the log pseudo-likelihood)."""
    s0, s1, risk = _risk_sums(data, beta)
    xbar = s1 / s0[:, None]
    score = data.x[data.status == 1].sum(axis=0) - (data.d[:, None] * xbar).sum(axis=0)
    # sum_s d(s) S2(s)/S0(s) = sum_i c_i x_i x_i^T, where c_i adds up the
    # d(s)/S0(s) of the event times at which row i is in the risk set, times its
    # weight there: 1 while s <= X_i, G(s-)/G(X_i-) after X_i for a competing
    # event. This keeps memory at n x p instead of n x p x p.
    dl = data.d / s0
    upto = np.searchsorted(data.event_times, data.time, side="right")
    a = np.concatenate([[0.0], np.cumsum(dl)])
    ga = np.concatenate([[0.0], np.cumsum(data.g_event * dl)])
    comp = data.status == 2
    c = risk * (a[upto] + np.where(comp, (ga[-1] - ga[upto]) / data.g, 0.0))
    info = (data.x * c[:, None]).T @ data.x - (data.d[:, None] * xbar).T @ xbar
    return info, score


def newton(data: FineGrayData) -> tuple[np.ndarray, float, bool, int]:
    """Newton-Raphson with crr's step halving and stopping rule; returns (b, log L, ok, steps)."""
    beta = np.zeros(data.x.shape[1])
    for step in range(MAX_ITER + 1):
        f = log_likelihood(data, beta)
        info, score = information(data, beta)
        # crr works with minus the log likelihood: its gradient is -score.
        if np.max(np.abs(score) * np.maximum(np.abs(beta), 1)) < max(abs(f), 1) * _GTOL:
            return beta, -f, True, step
        if step == MAX_ITER:
            break
        try:
            direction = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            return beta, -f, False, step
        for _ in range(21):
            candidate = beta + direction
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                fn = log_likelihood(data, candidate)
            if np.isfinite(fn) and fn <= f - 1e-4 * float(direction @ score):
                break
            direction = direction * 0.5
        else:
            return beta, -f, False, step
        beta = candidate
    return beta, -log_likelihood(data, beta), False, MAX_ITER


def score_residuals(data: FineGrayData, beta: np.ndarray) -> np.ndarray:
    """eta_i + psi_i of Fine & Gray (1999, section 3), one row per subject (n x p)."""
    s0, s1, risk = _risk_sums(data, beta)
    xbar = s1 / s0[:, None]
    x, time, status = data.x, data.time, data.status
    dl = data.d / s0  # Breslow increments of the baseline subdistribution hazard
    # eta_i: (x_i - xbar(X_i)) for an event of the cause, minus the compensator
    # sum over event times s at which i is at risk of w_i(s) e^(x_i b) dL(s) (x_i - xbar(s)).
    # At risk with weight 1 while s <= X_i: cumulative sums up to X_i.
    upto = np.searchsorted(data.event_times, time, side="right")
    a = np.concatenate([[0.0], np.cumsum(dl)])
    b = np.vstack([np.zeros(x.shape[1]), np.cumsum(dl[:, None] * xbar, axis=0)])
    eta = -risk[:, None] * (x * a[upto][:, None] - b[upto])
    own = status == 1
    eta[own] += x[own] - xbar[np.searchsorted(data.event_times, time[own])]
    # Competing events stay on with weight G(s-)/G(X_i-) for s > X_i.
    ga = np.concatenate([[0.0], np.cumsum(data.g_event * dl)])
    gb = np.vstack([np.zeros(x.shape[1]), np.cumsum((data.g_event * dl)[:, None] * xbar, axis=0)])
    after = np.searchsorted(data.event_times, time, side="right")
    comp = status == 2
    wc = risk[comp] / data.g[comp]
    eta[comp] -= wc[:, None] * (
        x[comp] * (ga[-1] - ga[after[comp]])[:, None] - (gb[-1] - gb[after[comp]])
    )
    # psi_i = sum over censoring times u of q(u)/pi(u) dM^c_i(u), with
    # q(u) = sum over competing j with X_j < u of e^(x_j b)/G(X_j-) times
    #        sum over event times s >= u of G(s-) dL(s) (x_j - xbar(s)).
    psi = np.zeros_like(eta)
    cens_times, c = np.unique(time[status == 0], return_counts=True)
    if cens_times.size:
        pi = len(time) - np.searchsorted(time, cens_times, side="left")
        from_u = np.searchsorted(data.event_times, cens_times, side="left")
        ra = ga[-1] - ga[from_u]
        rb = gb[-1] - gb[from_u]
        before = np.searchsorted(time, cens_times, side="left")
        c0 = np.concatenate([[0.0], np.cumsum(comp * risk / data.g)])
        c1 = np.vstack(
            [np.zeros(x.shape[1]), np.cumsum((comp * risk / data.g)[:, None] * x, axis=0)]
        )
        q = c1[before] * ra[:, None] - c0[before][:, None] * rb
        qp = q / pi[:, None]
        # dN^c: the censored subject itself; the compensator: every subject
        # with X_i >= u, at dLambda^c(u) = c(u)/pi(u).
        at = np.searchsorted(cens_times, time, side="right")
        cum = np.vstack([np.zeros(x.shape[1]), np.cumsum(qp * (c / pi)[:, None], axis=0)])
        psi = -cum[at]
        cen = status == 0
        psi[cen] += qp[np.searchsorted(cens_times, time[cen])]
    return eta + psi
