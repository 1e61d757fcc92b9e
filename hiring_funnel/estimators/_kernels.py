"""The formulas, on arrays of one group's life table (time along the last axis).

Every kernel takes counts of shape ``(..., T)``: ``n`` at risk just before each
distinct time, ``d`` events of any cause, ``dk`` events of one cause. A leading
axis holds bootstrap replicates (weighted counts), so one call computes all of
them. Nothing here loops over rows or times.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np


def z_value(conf_level: float) -> float:
    """Two-sided normal quantile, 1.959964 for 0.95 (statistics.NormalDist: no scipy call overhead)."""
    return NormalDist().inv_cdf(0.5 + conf_level / 2)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros(np.broadcast(num, den).shape)
    np.divide(num, den, out=out, where=den > 0)
    return out


def kaplan_meier(n: np.ndarray, d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """S(t) = prod_{t_j <= t} (1 - d_j/n_j) and Greenwood's sum_{t_j <= t} d_j/(n_j (n_j - d_j)).

    The Greenwood sum is the variance of log S (so se(S) = S sqrt(sum)); it is
    infinite from the time S reaches 0.
    """
    surv = np.cumprod(1.0 - _ratio(d, n), axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(d > 0, d / (n * (n - d)), 0.0)
    return surv, np.cumsum(term, axis=-1)


def loglog_interval(
    est: np.ndarray, var_log: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a survival probability on the log(-log) scale, as R's survfit(conf.type="log-log").

    ``var_log`` is the variance of log S (Greenwood). The bounds are
    S^exp(±z se / log S); at S = 1 (nothing happened yet) both are 1, at S = 0
    the interval is undefined (NaN), as in R.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        log_s = np.log(est)
        shift = z * np.sqrt(var_log) / log_s
        a = np.exp(-np.exp(np.log(-log_s) + shift))
        b = np.exp(-np.exp(np.log(-log_s) - shift))
    lower, upper = np.fmin(a, b), np.fmax(a, b)
    one = est >= 1.0
    lower, upper = np.where(one, 1.0, lower), np.where(one, 1.0, upper)
    zero = (est <= 0.0) | ~np.isfinite(var_log)
    return np.where(zero, np.nan, lower), np.where(zero, np.nan, upper)


def cif_interval(est: np.ndarray, var: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a cumulative incidence F on the log(-log) scale: F^exp(±z sqrt(var) / (F log F)).

    The transform keeps the bounds inside [0, 1] (Pintilie 2006, Competing
    Risks, section 4.3; Choudhury 2002). At F = 0 the interval is [0, 0]; at
    F = 1 it is [1, 1].
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shift = z * np.sqrt(np.maximum(var, 0.0)) / (est * np.log(est))
        a = est ** np.exp(shift)
        b = est ** np.exp(-shift)
    lower, upper = np.fmin(a, b), np.fmax(a, b)
    lower = np.where(est <= 0.0, 0.0, np.where(est >= 1.0, 1.0, lower))
    upper = np.where(est <= 0.0, 0.0, np.where(est >= 1.0, 1.0, upper))
    return lower, upper


def zero_upper(n_eff: np.ndarray, conf_level: float) -> np.ndarray:
    """Upper limit of a chance estimated as 0: none of ``n_eff`` applications had it.

    The exact binomial (Clopper-Pearson) limit 1 - (alpha/2)^(1/n), alpha =
    1 - conf_level, so that a chance this large would show no case in n
    applications at most alpha/2 of the time (3.7/n at 95%, the "rule of
    three" one-sided at 97.5%). With nothing censored it is exact. With
    censoring, ``n_eff`` counts only the applications followed to the end of
    the window or to another answer, leaving out those still open when the log
    was exported (an approximation: the open ones tell something too, so the
    limit is wider than it need be). No application followed gives 1.

    >>> zero_upper(np.array([0.0, 1.0, 100.0]), 0.95).round(4).tolist()
    [1.0, 0.975, 0.0362]
    """
    alpha = 1.0 - conf_level
    n = np.asarray(n_eff, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.where(n > 0, 1.0 - (alpha / 2.0) ** (1.0 / np.maximum(n, 1e-300)), 1.0)


def _tie_factor(n: np.ndarray, d: np.ndarray) -> np.ndarray:
    # (n - d) / (n - 1) for d > 1 tied events, else 1: the hypergeometric
    # correction cmprsk's cinc applies, so tied days are handled exactly.
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(d > 1, (n - d) / (n - 1.0), 1.0)


def _variance_terms(
    n: np.ndarray, d: np.ndarray, dk: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-time pieces of the cumulative-incidence variance of cmprsk::cuminc (Gray's cinc).

    Returns (F, S, w_other, w_cause, inv_s, c) such that, for the estimate at
    time index J, var F(t_J) = sum_{j <= J} w_other_j ((F_j - F_J) inv_s_j)^2
    + w_cause_j (1 + (F_j - F_J) inv_s_j)^2. Written this way the same pieces
    give the variance of the conditional (still-hope) estimate too.
    """
    surv, _ = kaplan_meier(n, d)
    prev = np.concatenate([np.ones(surv.shape[:-1] + (1,)), surv[..., :-1]], axis=-1)
    # Rounding in the running sum can overshoot 1 by an ulp when everyone ends.
    cif = np.clip(np.cumsum(prev * _ratio(dk, n), axis=-1), 0.0, 1.0)
    other = d - dk
    n2 = np.where(n > 0, n * n, 1.0)
    alive = surv > 0
    # Other-cause events add nothing once everyone has had an event (S = 0).
    w_other = np.where((other > 0) & alive, prev**2 * _tie_factor(n, other) * other / n2, 0.0)
    w_cause = np.where(dk > 0, prev**2 * _tie_factor(n, dk) * dk / n2, 0.0)
    inv_s = np.zeros_like(surv)
    np.divide(1.0, surv, out=inv_s, where=alive)
    return cif, surv, w_other, w_cause, inv_s, prev


def cumulative_incidence(
    n: np.ndarray, d: np.ndarray, dk: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Aalen-Johansen F_k(t) = sum_{t_j <= t} S(t_{j-1}) d_kj / n_j and cmprsk's variance.

    Ties are exact: all events at one time enter together (no jitter).
    The variance expands the squares of :func:`_variance_terms` into three
    running sums, v = v1 - 2 F v2 + F^2 v3, which is how cmprsk computes it.
    """
    cif, _, w_other, w_cause, inv_s, _ = _variance_terms(n, d, dk)
    a_other, a_cause = cif * inv_s, 1.0 + cif * inv_s
    v1 = np.cumsum(w_other * a_other**2 + w_cause * a_cause**2, axis=-1)
    v2 = np.cumsum((w_other * a_other + w_cause * a_cause) * inv_s, axis=-1)
    v3 = np.cumsum((w_other + w_cause) * inv_s**2, axis=-1)
    var = v1 - 2.0 * cif * v2 + cif**2 * v3
    return cif, np.maximum(var, 0.0)


def still_hope(
    n: np.ndarray, d: np.ndarray, dk: np.ndarray, start: np.ndarray, horizon: int
) -> tuple[np.ndarray, np.ndarray]:
    """P(cause k by the horizon | nothing by s) = (F(tau) - F(s)) / S(s), with its variance.

    ``start[i]`` is the index of the last life-table time <= s_i (-1 when s_i
    is before the first time); ``horizon`` is the index of the last time <=
    tau. The estimate is the Aalen-Johansen estimate restarted at s on those
    still waiting, so its variance is cmprsk's formula on the times in
    (s, tau]: the per-time pieces scale by 1/S(s)^2 and F_J - F_j is unchanged.
    Returns arrays of shape (..., len(start)); NaN where S(s) = 0.
    """
    cif, surv, w_other, w_cause, inv_s, _ = _variance_terms(n, d, dk)
    f_tau = cif[..., horizon : horizon + 1]
    gap = (cif - f_tau) * inv_s
    g = w_other * gap**2 + w_cause * (1.0 + gap) ** 2
    cum_g = np.concatenate([np.zeros(g.shape[:-1] + (1,)), np.cumsum(g, axis=-1)], axis=-1)
    pad_f = np.concatenate([np.zeros(cif.shape[:-1] + (1,)), cif], axis=-1)
    pad_s = np.concatenate([np.ones(surv.shape[:-1] + (1,)), surv], axis=-1)
    idx = np.asarray(start) + 1  # position in the padded arrays
    s_at = pad_s[..., idx]
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (f_tau - pad_f[..., idx]) / s_at
        var = (cum_g[..., horizon + 1 : horizon + 2] - cum_g[..., idx]) / s_at**2
    bad = s_at <= 0
    return np.where(bad, np.nan, np.clip(est, 0.0, 1.0)), np.where(
        bad, np.nan, np.maximum(var, 0.0)
    )


def wilson_interval(k: np.ndarray, n: np.ndarray, z: float) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for a binomial proportion k/n (Wilson 1927); NaN where n = 0."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1.0 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return np.clip(centre - half, 0.0, 1.0), np.clip(centre + half, 0.0, 1.0)
