"""Log-likelihood, analytic gradient and fitting of the mixture-cure model.

Parameters are ``theta = (gamma, beta, log_sigma)``: ``gamma`` the logistic
coefficients of P(ever answered | x) = expit(x'gamma), ``beta`` the log-time
location mu = x'beta of the answer time among the answered, ``sigma`` its
log-scale spread. The answer time is T = exp(mu + sigma * W) with W standard
normal (log-normal) or standard minimum extreme value (Weibull, shape 1/sigma),
so S(t) = S_W((log t - mu) / sigma).

Day convention (``clocks``: a duration is the difference of UTC dates): with
the application at a time of day u, an answer recorded on day d happened at an
elapsed time in [d - u, d + 1 - u). Averaged over u the day index stands for
the interval (d - 1/2, d + 1/2] with midpoint d. So

- an answer on day d contributes p * [F(d + 1/2) - F(max(d - 1/2, 0))];
- an episode censored on day c contributes (1 - p) + p * S(c): the censoring
  time is a point, and the midpoint of its day is c.

The rows are aggregated (duration, answered flag, covariate pattern) with a
weight, so the cost does not grow with the number of episodes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import log_expit, log_ndtr

_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


@dataclass(frozen=True)
class CureData:
    """Aggregated episodes: one row per (duration, answered, pattern) with its weight."""

    design: np.ndarray  # (patterns, terms), intercept first
    pattern: np.ndarray  # pattern index of each row
    duration: np.ndarray
    answered: np.ndarray  # bool
    weight: np.ndarray
    timing: str

    @property
    def n_terms(self) -> int:
        return int(self.design.shape[1])


def _log_surv_and_log_dens(z: np.ndarray, timing: str) -> tuple[np.ndarray, np.ndarray]:
    """log S_W(z) and log f_W(z) of the standard error distribution W."""
    if timing == "lognormal":
        return log_ndtr(-z), -0.5 * z * z - _LOG_SQRT_2PI
    with np.errstate(over="ignore"):
        ez = np.exp(z)
    return -ez, z - ez


def _z(t: np.ndarray, mu: np.ndarray, sigma: float) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return (np.log(t) - mu) / sigma


def linear_predictor(theta: np.ndarray, data: CureData) -> tuple[np.ndarray, np.ndarray, float]:
    k = data.n_terms
    eta = (data.design @ theta[:k])[data.pattern]
    mu = (data.design @ theta[k : 2 * k])[data.pattern]
    return eta, mu, float(theta[2 * k])


def row_terms(
    eta: np.ndarray, mu: np.ndarray, log_sigma: float, data: CureData
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per aggregated row: log-likelihood and its derivatives in eta, mu and log sigma."""
    sigma = np.exp(log_sigma)
    ev = data.answered
    d_eta = np.zeros_like(eta)
    d_mu = np.zeros_like(eta)
    d_s = np.zeros_like(eta)
    ll = np.zeros_like(eta)

    # Answers: log p + log(S(lo) - S(hi)); d/d mu = (f_lo - f_hi) / (sigma D),
    # d/d log sigma = (z_lo f_lo - z_hi f_hi) / D.
    t = data.duration[ev]
    z_lo = _z(np.maximum(t - 0.5, 0.0), mu[ev], sigma)
    z_hi = _z(t + 0.5, mu[ev], sigma)
    ls_lo, lf_lo = _log_surv_and_log_dens(z_lo, data.timing)
    ls_hi, lf_hi = _log_surv_and_log_dens(z_hi, data.timing)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_d = ls_lo + np.log(-np.expm1(ls_hi - ls_lo))
    r_lo = np.exp(lf_lo - log_d)  # f(z_lo) / D; 0 when lo = 0 (z = -inf)
    r_hi = np.exp(lf_hi - log_d)
    lo_finite = np.isfinite(z_lo)
    zr_lo = np.where(lo_finite, np.where(lo_finite, z_lo, 0.0) * r_lo, 0.0)
    ll[ev] = log_expit(eta[ev]) + log_d
    d_eta[ev] = 1.0 - np.exp(log_expit(eta[ev]))
    d_mu[ev] = (r_lo - r_hi) / sigma
    d_s[ev] = zr_lo - z_hi * r_hi

    # Censored: log((1 - p) + p S(c)) = logaddexp(log(1 - p), log p + log S(c)).
    ce = ~ev
    e = eta[ce]
    z_c = _z(data.duration[ce], mu[ce], sigma)
    ls_c, lf_c = _log_surv_and_log_dens(z_c, data.timing)
    log_p, log_q = log_expit(e), log_expit(-e)
    log_l = np.logaddexp(log_q, log_p + ls_c)
    ll[ce] = log_l
    # d/d eta: p (1 - p) (S - 1) / L; d/d mu: p f / (sigma L); d/d log sigma: p f z / L.
    d_eta[ce] = -np.exp(log_p + log_q - log_l) * (-np.expm1(ls_c))
    pf = np.exp(log_p + lf_c - log_l)
    zc_finite = np.isfinite(z_c)
    d_mu[ce] = np.where(zc_finite, pf / sigma, 0.0)
    d_s[ce] = np.where(zc_finite, pf * np.where(zc_finite, z_c, 0.0), 0.0)
    return ll, d_eta, d_mu, d_s


def _per_pattern(values: np.ndarray, data: CureData) -> np.ndarray:
    out: np.ndarray = np.bincount(
        data.pattern, weights=data.weight * values, minlength=data.design.shape[0]
    )
    return out


def loglik_and_grad(theta: np.ndarray, data: CureData) -> tuple[float, np.ndarray]:
    """Weighted log-likelihood and its analytic gradient in ``theta``."""
    ll, d_eta, d_mu, d_s = row_terms(*linear_predictor(theta, data), data)
    x = data.design
    grad = np.concatenate(
        [
            x.T @ _per_pattern(d_eta, data),
            x.T @ _per_pattern(d_mu, data),
            [float(np.sum(data.weight * d_s))],
        ]
    )
    return float(np.sum(data.weight * ll)), grad


def hessian(theta: np.ndarray, data: CureData) -> np.ndarray:
    """Hessian in ``theta`` from central differences of the per-row derivatives.

    Each row depends on theta only through its (eta, mu, log sigma), so
    differencing the analytic row derivatives in those three gives every
    row's 3 x 3 second derivatives from six evaluations (not 2 * len(theta));
    the chain rule through the design matrix does the rest.
    """
    base = linear_predictor(theta, data)
    h = 1e-5
    second = np.empty((3, 3), dtype=object)
    eta, mu, log_sigma = base
    shifts = ((h, 0.0, 0.0), (0.0, h, 0.0), (0.0, 0.0, h))
    for j, (de, dm, ds) in enumerate(shifts):
        d_up = row_terms(eta + de, mu + dm, log_sigma + ds, data)[1:]
        d_down = row_terms(eta - de, mu - dm, log_sigma - ds, data)[1:]
        for i in range(3):
            second[i, j] = (d_up[i] - d_down[i]) / (2 * h)
    m = [[0.5 * (second[i, j] + second[j, i]) for j in range(3)] for i in range(3)]
    k, x = data.n_terms, data.design
    out = np.empty((2 * k + 1, 2 * k + 1))
    blocks = {(0, 0): m[0][0], (0, 1): m[0][1], (1, 1): m[1][1]}
    for (a, b), v in blocks.items():
        block = x.T @ (_per_pattern(v, data)[:, None] * x)
        out[a * k : (a + 1) * k, b * k : (b + 1) * k] = block
        out[b * k : (b + 1) * k, a * k : (a + 1) * k] = block.T
    for a in range(2):
        col = x.T @ _per_pattern(m[a][2], data)
        out[a * k : (a + 1) * k, 2 * k] = col
        out[2 * k, a * k : (a + 1) * k] = col
    out[2 * k, 2 * k] = float(np.sum(data.weight * m[2][2]))
    return out


@dataclass(frozen=True)
class Fit:
    theta: np.ndarray
    loglik: float
    gradient: np.ndarray
    hessian: np.ndarray
    iterations: int
    converged: bool
    message: str


def start_values(data: CureData) -> np.ndarray:
    k = data.n_terms
    w, ev = data.weight, data.answered
    share = float(np.sum(w[ev]) / np.sum(w))
    # Answered share is at least the observed share; start a little above it.
    p0 = min(max(share + 0.5 * (1 - share), 0.05), 0.99)
    log_t = np.log(data.duration[ev] + 0.5)
    m = float(np.average(log_t, weights=w[ev]))
    s = float(np.sqrt(np.average((log_t - m) ** 2, weights=w[ev])))
    theta = np.zeros(2 * k + 1)
    theta[0] = np.log(p0 / (1 - p0))
    theta[k] = m
    theta[2 * k] = np.log(max(s, 0.1))
    return theta


def fit(data: CureData, *, max_newton: int = 20) -> Fit:
    """Maximise with L-BFGS-B, then polish with Newton steps on the numerical Hessian."""
    total = float(np.sum(data.weight))

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        ll, g = loglik_and_grad(theta, data)
        if not np.isfinite(ll):
            return np.inf, np.zeros_like(g)
        return -ll / total, -g / total

    res = minimize(
        objective,
        start_values(data),
        jac=True,
        method="L-BFGS-B",
        options={"maxiter": 5000, "maxfun": 10000, "gtol": 1e-6, "ftol": 1e-10},
    )
    theta = np.asarray(res.x, dtype=float)
    iterations = int(res.nit)
    ll, g = loglik_and_grad(theta, data)
    # Newton steps polish the optimum (the Hessian costs six row passes).
    h = hessian(theta, data)
    for _ in range(max_newton):
        if np.max(np.abs(g)) / total < 1e-10:
            break
        try:
            step = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            break
        scale = 1.0
        while scale > 1e-4:
            cand = theta - scale * step
            ll_new, g_new = loglik_and_grad(cand, data)
            if np.isfinite(ll_new) and ll_new >= ll - 1e-12 * abs(ll):
                break
            scale /= 2
        else:
            break
        theta, ll, g = cand, ll_new, g_new
        h = hessian(theta, data)
        iterations += 1
    converged = bool(np.isfinite(ll) and np.max(np.abs(g)) / total < 1e-6)
    return Fit(theta, ll, g, h, iterations, converged, str(res.message))
