"""Cox partial likelihood with Efron (or Breslow) ties on weighted, aggregated rows.

Each input row stands for ``w`` episodes that share a covariate pattern ``x``
and an exit time ``t``, ``d`` of which end with the cause of interest (the rest
are censored, including other causes: a cause-specific hazard). Late entries
are rows of their own (``entry`` time, pattern, count). An episode is at risk
at ``t`` when ``entry <= t <= duration``, the convention of
:func:`hiring_funnel.lifetable.life_table`.

Efron (1977) at an event time with D tied events (every event counts once,
whatever row it was aggregated into), risk-set sums S0, S1, S2 and tied-set
sums A0, A1, A2 (sums of ``d * r * x^k`` over the rows tied at t):

    loglik  = sum d x'b - sum_t sum_{l<D} log(S0 - f_l A0),   f_l = l / D
    score   = sum d x   - sum_t sum_l (S1 - f_l A1) / (S0 - f_l A0)
    -hess   = sum_t sum_l [(S2 - f_l A2) / den_l - (S1 - f_l A1)(S1 - f_l A1)' / den_l^2]

The sums over l reduce to five scalars per event time (c0, c1, q0, q1, q2
below), so the cost per Newton step is one pass over the aggregated rows plus
one vector as long as the number of events. This is the row-level Efron
likelihood exactly, which a fit with case weights is not: lifelines and
statsmodels treat a weighted tied row as one event with weight w in Efron's
correction, which is a different likelihood (off by ~3e-4 in coefficients).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: |coefficient| beyond which a fit is treated as diverging (hazard ratio e^30).
DIVERGED = 30.0


@dataclass(frozen=True)
class EfronFit:
    coef: np.ndarray
    covariance: np.ndarray
    loglik: float
    loglik_null: float
    iterations: int
    converged: bool
    #: Event times and baseline hazard increments at x = 0 (R's survfit.coxph:
    #: Efron-adjusted increments for ties="efron", d / S0 for "breslow").
    hazard_times: np.ndarray
    hazard: np.ndarray


def fit(
    x: np.ndarray,
    time: np.ndarray,
    w: np.ndarray,
    d: np.ndarray,
    *,
    entry_x: np.ndarray | None = None,
    entry_time: np.ndarray | None = None,
    entry_w: np.ndarray | None = None,
    ties: str = "efron",
    max_iter: int = 50,
    tol: float = 1e-10,
) -> EfronFit:
    """Newton-Raphson with step halving from b = 0; see the module docstring."""
    like = _Likelihood(x, time, w, d, entry_x, entry_time, entry_w, ties)
    p = x.shape[1]
    beta = np.zeros(p)
    ll, score, info = like(beta)
    ll_null = ll
    converged = False
    iterations = 0
    for _ in range(max_iter):
        iterations += 1
        try:
            step = np.linalg.solve(info, score)
        except np.linalg.LinAlgError:
            break
        new = beta + step
        ll_new, score_new, info_new = like(new)
        halvings = 0
        while not (np.isfinite(ll_new) and ll_new >= ll - 1e-12 * abs(ll)) and halvings < 30:
            step = step / 2
            new = beta + step
            ll_new, score_new, info_new = like(new)
            halvings += 1
        beta, ll, score, info = new, ll_new, score_new, info_new
        if np.max(np.abs(beta)) > DIVERGED:
            break
        if np.max(np.abs(step)) < tol:
            converged = True
            break
    try:
        covariance = np.linalg.inv(info)
    except np.linalg.LinAlgError:
        covariance = np.full((p, p), np.nan)
    times, hazard = like.hazard(beta)
    return EfronFit(
        beta, covariance, float(ll), float(ll_null), iterations, converged, times, hazard
    )


class _Likelihood:
    """Log partial likelihood, score and information at b, for fixed data."""

    def __init__(
        self,
        x: np.ndarray,
        time: np.ndarray,
        w: np.ndarray,
        d: np.ndarray,
        entry_x: np.ndarray | None,
        entry_time: np.ndarray | None,
        entry_w: np.ndarray | None,
        ties: str,
    ) -> None:
        self.x = np.asarray(x, dtype=float)
        self.w = np.asarray(w, dtype=float)
        self.d = np.asarray(d, dtype=float)
        self.times, self.inv = np.unique(np.asarray(time, dtype=float), return_inverse=True)
        n_t = self.times.size
        deaths = np.bincount(self.inv, weights=self.d, minlength=n_t)
        self.event_t = np.flatnonzero(deaths > 0)
        self.deaths = deaths[self.event_t]
        self.dx = self.d @ self.x
        self.has_entry = entry_x is not None and entry_time is not None and len(entry_time) > 0
        if self.has_entry:
            assert entry_x is not None and entry_time is not None and entry_w is not None
            self.ex = np.asarray(entry_x, dtype=float)
            self.ew = np.asarray(entry_w, dtype=float)
            self.etimes, self.einv = np.unique(
                np.asarray(entry_time, dtype=float), return_inverse=True
            )
            # Entries with entry > t leave the risk set at t: the suffix of
            # entry times after position searchsorted(..., "right").
            self.eidx = np.searchsorted(self.etimes, self.times[self.event_t], side="right")
        self.efron = ties == "efron"
        self._last: tuple[np.ndarray, np.ndarray] | None = None
        # One step per tied event (Efron's l = 0 .. D-1 at each event time);
        # Breslow is the case f = 0, used by the residuals.
        self.counts = np.rint(self.deaths).astype(np.int64)
        self.which = np.repeat(np.arange(self.counts.size), self.counts)
        self.starts = np.cumsum(self.counts) - self.counts
        steps = np.arange(self.counts.sum()) - np.repeat(self.starts, self.counts)
        self.f = steps / np.repeat(self.deaths, self.counts) if self.efron else 0.0 * steps

    def _suffix(self, inv: np.ndarray, n: int, weight: np.ndarray, x: np.ndarray) -> tuple:
        """Sums over rows at time index >= each index: order 0, 1, 2 in x."""
        p = x.shape[1]
        g0 = np.bincount(inv, weights=weight, minlength=n)
        g1 = np.empty((n, p))
        g2 = np.empty((n, p, p))
        for j in range(p):
            wx = weight * x[:, j]
            g1[:, j] = np.bincount(inv, weights=wx, minlength=n)
            for k in range(j, p):
                g2[:, j, k] = g2[:, k, j] = np.bincount(inv, weights=wx * x[:, k], minlength=n)
        rev = slice(None, None, -1)
        s0 = np.append(np.cumsum(g0[rev])[rev], 0.0)
        s1 = np.vstack([np.cumsum(g1[rev], axis=0)[rev], np.zeros((1, p))])
        s2 = np.concatenate([np.cumsum(g2[rev], axis=0)[rev], np.zeros((1, p, p))])
        return s0, s1, s2

    def _sums(self, beta: np.ndarray) -> tuple:
        """eta, the shift, risks of rows and entries, and risk-set sums S0, S1, S2 at event times."""
        eta = self.x @ beta
        shift = float(eta.max()) if eta.size else 0.0
        if self.has_entry:
            eeta = self.ex @ beta
            shift = max(shift, float(eeta.max()))
        # exp(eta - shift) avoids overflow; the shift cancels in every ratio
        # and is added back to log S0 below.
        r = np.exp(eta - shift)
        n_t = self.times.size
        s0, s1, s2 = self._suffix(self.inv, n_t, self.w * r, self.x)
        ev = self.event_t
        s0, s1, s2 = s0[ev], s1[ev], s2[ev]
        er = None
        if self.has_entry:
            er = np.exp(eeta - shift)
            e0, e1, e2 = self._suffix(self.einv, self.etimes.size, self.ew * er, self.ex)
            s0 = s0 - e0[self.eidx]
            s1 = s1 - e1[self.eidx]
            s2 = s2 - e2[self.eidx]
        return eta, shift, r, er, s0, s1, s2

    def __call__(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        eta, shift, r, _, s0, s1, s2 = self._sums(beta)
        deaths = self.deaths
        if self.efron:
            a0, a1, a2 = self._suffix_tied(r)
            # The tied events of one time are contiguous: segment sums by reduceat.
            which, f, starts = self.which, self.f, self.starts
            den = s0[which] - f * a0[which]
            inv_den = 1.0 / den
            f_inv = f * inv_den
            c0 = np.add.reduceat(inv_den, starts)
            c1 = np.add.reduceat(f_inv, starts)
            q0 = np.add.reduceat(inv_den * inv_den, starts)
            q1 = np.add.reduceat(f_inv * inv_den, starts)
            q2 = np.add.reduceat(f_inv * f_inv, starts)
            log_den = float(np.log(den).sum())
        else:
            a0 = np.zeros_like(s0)
            a1 = np.zeros_like(s1)
            a2 = np.zeros_like(s2)
            c0 = deaths / s0
            c1 = q1 = q2 = np.zeros_like(s0)
            q0 = deaths / (s0 * s0)
            log_den = float((deaths * np.log(s0)).sum())
        # Baseline hazard increments at x = 0: c0 is sum_l 1 / den_l (Efron) or
        # D / S0 (Breslow) on the shifted scale, exp(-shift) undoes the shift.
        self._last = (beta.copy(), c0 * np.exp(-shift))
        loglik = float(self.d @ eta) - log_den - float(deaths.sum()) * shift
        score = self.dx - (s1 * c0[:, None] - a1 * c1[:, None]).sum(axis=0)
        outer_ss = np.einsum("ti,tj->tij", s1, s1)
        outer_sa = np.einsum("ti,tj->tij", s1, a1)
        outer_aa = np.einsum("ti,tj->tij", a1, a1)
        info = (
            s2 * c0[:, None, None]
            - a2 * c1[:, None, None]
            - outer_ss * q0[:, None, None]
            + (outer_sa + outer_sa.transpose(0, 2, 1)) * q1[:, None, None]
            - outer_aa * q2[:, None, None]
        ).sum(axis=0)
        return loglik, score, info

    def residuals(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Score residuals of one member of each row: if it had the event, if censored; entries.

        Therneau & Grambsch (2000, section 3.7.2) with Efron's weights: at an
        event time with D tied events, step l has denominator den_l = S0 -
        f_l A0 (f_l = l / D), mean xbar_l = (S1 - f_l A1) / den_l and hazard
        h_l = 1 / den_l; a member at risk there takes r (x - xbar_l) h_l at
        weight 1, or 1 - f_l if it is one of the tied events, which also adds
        x - mean_l xbar_l. A late entry gives back the terms of the event
        times before it. Breslow is the case f_l = 0. These sum to the score
        (0 at the estimate); summed within clusters they give the robust
        variance of Lin & Wei (1989), R's ``coxph(..., cluster = )``.
        """
        _, _, r, er, s0, s1, _ = self._sums(beta)
        p = self.x.shape[1]
        which, starts, counts, f = self.which, self.starts, self.counts, self.f
        if self.efron:
            a0, a1, _ = self._suffix_tied(r)
        else:
            a0, a1 = np.zeros_like(s0), np.zeros_like(s1)
        den = s0[which] - f * a0[which]
        h = 1.0 / den
        xbar = (s1[which] - f[:, None] * a1[which]) / den[:, None]
        step_h = np.add.reduceat(h, starts)
        step_g = np.add.reduceat(h[:, None] * xbar, starts, axis=0)
        tied_h = np.add.reduceat(f * h, starts)
        tied_g = np.add.reduceat((f * h)[:, None] * xbar, starts, axis=0)
        mean_xbar = np.add.reduceat(xbar, starts, axis=0) / counts[:, None]
        cum_h = np.concatenate([[0.0], np.cumsum(step_h)])
        cum_g = np.vstack([np.zeros((1, p)), np.cumsum(step_g, axis=0)])
        event_times = self.times[self.event_t]
        seen = np.searchsorted(event_times, self.times[self.inv], side="right")
        censored = -r[:, None] * (self.x * cum_h[seen][:, None] - cum_g[seen])
        event = censored.copy()
        own = np.flatnonzero(self.d > 0)
        j = seen[own] - 1  # the row's own event time
        event[own] += (self.x[own] - mean_xbar[j]) + r[own, None] * (
            self.x[own] * tied_h[j][:, None] - tied_g[j]
        )
        if not self.has_entry:
            return event, censored, None
        assert er is not None
        before = np.searchsorted(event_times, self.etimes[self.einv], side="left")
        entry = er[:, None] * (self.ex * cum_h[before][:, None] - cum_g[before])
        return event, censored, entry

    def hazard(self, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Event times and baseline hazard increments at x = 0, for coefficients ``beta``."""
        if self._last is None or not np.array_equal(self._last[0], beta):
            self(beta)
        assert self._last is not None
        return self.times[self.event_t], self._last[1]

    def _suffix_tied(self, r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sums of d r x^k over the rows tied at each event time."""
        n_t = self.times.size
        p = self.x.shape[1]
        weight = self.d * r
        a0 = np.bincount(self.inv, weights=weight, minlength=n_t)
        a1 = np.empty((n_t, p))
        a2 = np.empty((n_t, p, p))
        for j in range(p):
            wx = weight * self.x[:, j]
            a1[:, j] = np.bincount(self.inv, weights=wx, minlength=n_t)
            for k in range(j, p):
                a2[:, j, k] = a2[:, k, j] = np.bincount(
                    self.inv, weights=wx * self.x[:, k], minlength=n_t
                )
        ev = self.event_t
        return a0[ev], a1[ev], a2[ev]


def cluster_meat(
    x: np.ndarray,
    time: np.ndarray,
    w: np.ndarray,
    d: np.ndarray,
    beta: np.ndarray,
    *,
    row_of: np.ndarray,
    is_event: np.ndarray,
    cluster: np.ndarray,
    n_clusters: int,
    entry_x: np.ndarray | None = None,
    entry_time: np.ndarray | None = None,
    entry_w: np.ndarray | None = None,
    entry_of: np.ndarray | None = None,
    late: np.ndarray | None = None,
    ties: str = "efron",
) -> np.ndarray:
    """Sum over clusters of U_c U_c', U_c the summed score residuals of the cluster's episodes.

    ``row_of[i]`` is the row (aggregated cell) episode i exits in; ``late``
    lists the episodes that enter late and ``entry_of`` their entry rows.
    The robust covariance is I^-1 (this) I^-1.
    """
    like = _Likelihood(x, time, w, d, entry_x, entry_time, entry_w, ties)
    event, censored, entry = like.residuals(beta)
    p = x.shape[1]
    u = np.empty((n_clusters, p))
    for j in range(p):
        # One column at a time keeps memory at one float per episode.
        values = np.where(is_event, event[row_of, j], censored[row_of, j])
        if entry is not None and late is not None and entry_of is not None:
            values[late] += entry[entry_of, j]
        u[:, j] = np.bincount(cluster, weights=values, minlength=n_clusters)
    return u.T @ u
