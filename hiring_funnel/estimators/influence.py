"""Influence functions of Kaplan-Meier and Aalen-Johansen, variances by candidate, two summaries.

An episode's influence (infinitesimal jackknife) on an estimate is its
derivative with respect to the episode's case weight: R's ``influence.pstate``
of ``survfit(Surv(time, factor(status)) ~ 1, id = , influence = TRUE)``. A
variance is the sum over candidates of (their episodes' influences summed)^2,
R's robust variance clustered by candidate. With h_j = d_j / n_j on the
distinct days (ties exact; an episode censored on a day is at risk that day)
and A_j = sum_{l <= j} d_l / (n_l (n_l - d_l)), an episode ending on day e,
answered (delta = 1) or not, has

    IF S_J  = -S_J (delta 1{e <= J} / (n_e - d_e) - A_min(J,e))
    IF F_kJ = (A_e - delta / (n_e - d_e)) (F_kJ - F_k,min(J,e)) + B_k,min(J,e)
              - C_k,min(J,e) + 1{answer k, e <= J} S_e-1 / n_e

where B_kj, C_kj are running sums of f_kl A_l-1 and f_kl / n_l, f_kl = S_l-1
d_kl / n_l (differentiate S_j = S_j-1 (1 - h_j) and F_kj = F_k,j-1 + S_j-1
h_kj). It depends only on the day and the kind of end, so it is computed once
per (day, kind) and looked up per episode (timings: tests/test_influence.py).

Late entry: the influence is linear in an episode's days at risk and its
answer, so an episode that enters on day b is the episode from day 0 less one
from day 0 censored on the last day before b; the risk sets n_j leave out the
episodes not yet entered. Equal to R's ``survfit(Surv(entry - 0.5, duration,
state) ~ 1, id =, influence = TRUE)`` (tests/test_late_entry.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from hiring_funnel.day_boundary import whole_weight
from hiring_funnel.deprecation import keywords_from
from hiring_funnel.estimators.grid import DayGrid, day_curves, day_grid
from hiring_funnel.schema import HiringFunnelError


def _grid_influence(g: DayGrid, c: dict[str, np.ndarray], at: np.ndarray) -> np.ndarray:
    """Influence on S and each F_k at days ``at`` (indices, -1 = before the first) of one episode per (day, kind).

    Shape (1 + K states, len(at), T days, 1 + K kinds).
    """
    p = at[:, None] + 1
    e = np.arange(len(g.time))[None, :]
    q = np.minimum(p, e + 1)  # min(J, e), led
    kinds = np.arange(len(g.causes) + 1)
    done = (e < p)[..., None]  # ended by the day asked
    inv, delta = c["inv"][None, :, None], kinds > 0
    s_j = c["S"][p][..., None]
    out = [np.where(s_j > 0, -s_j * (delta * done * inv - c["A"][q][..., None]), 0.0)]
    for k in range(len(g.causes)):
        f = c["F"][k]
        later = np.where(q < p, f[p] - f[q], 0.0)[..., None]
        own = ((kinds == k + 1) * done) * (c["S"][:-1] / g.n)[None, :, None]
        level = (c["B"][k][q] - c["C"][k][q])[..., None]
        out.append((c["A"][1:][None, :, None] - delta * inv) * later + level + own)
    return np.stack(out)


def _by_candidate(values: np.ndarray, candidate: np.ndarray) -> np.ndarray:
    """Sum over candidates of (the sum of their episodes' values)^2, over the last axis."""
    rows = values.reshape(int(np.prod(values.shape[:-1])), values.shape[-1])
    sums = [np.bincount(candidate, weights=row) for row in rows]
    return np.array([s @ s for s in sums]).reshape(values.shape[:-1])


@dataclass(frozen=True)
class Influence:
    """Per-episode influences on S(t) and each F_k(t); made by :func:`influence_functions`.

    ``states`` is ``("waiting", *causes)``; ``estimate`` (m days, 1 + K states)
    is R's ``pstate`` at ``time``; ``values`` (episodes in row order, m, 1 + K)
    is R's ``influence.pstate`` without its before-any-time row; ``candidate``
    holds the candidate code of each episode.
    """

    time: np.ndarray
    states: tuple[str, ...]
    estimate: np.ndarray
    values: np.ndarray
    candidate: np.ndarray

    def std_error(self, *, by_candidate: bool = True) -> np.ndarray:
        """Standard errors (m, 1 + K): sqrt of the sum over candidates (else episodes) of influence^2."""
        v = np.moveaxis(self.values, 0, -1)
        if by_candidate:
            return np.sqrt(_by_candidate(v, self.candidate))
        return np.sqrt(np.einsum("...i,...i->...", v, v))

    @property
    def table(self) -> pd.DataFrame:
        """One row per day and state: time, state, estimate, std_error (by candidate)."""
        m, s = self.estimate.shape
        states = np.tile(np.array(self.states, dtype=object), m)
        return pd.DataFrame(
            {"time": np.repeat(self.time, s), "state": states, "estimate": self.estimate.ravel()}
        ).assign(std_error=self.std_error().ravel())


def _influence(g: DayGrid, times: np.ndarray) -> Influence:
    c = day_curves(g)
    at = g.day_of(times)
    width = len(g.causes) + 1
    table = _grid_influence(g, c, at).reshape(width, len(at), -1)
    per_episode = table[:, :, g.end * width + g.kind]
    partial = np.flatnonzero(g.share < 1.0)
    if partial.size:
        # The day boundary: weight w censored on day C, 1 - w on day C - 1.
        per_episode[:, :, partial] *= g.share[partial]
        second = partial[g.before_last[partial] >= 0]
        day_before = table[:, :, g.before_last[second] * width]
        per_episode[:, :, second] += (1.0 - g.share[second]) * day_before
    late = np.flatnonzero(g.before_entry >= 0)
    if late.size:
        # The influence is linear in the episode's at-risk days and its answer:
        # one that enters on day b is the episode from day 0 less one from day
        # 0 censored on the last day before b (times the episode's weight).
        whole = whole_weight(g.share, g.before_last)[late]
        per_episode[:, :, late] -= whole * table[:, :, g.before_entry[late] * width]
    values = np.moveaxis(per_episode, (0, 1, 2), (2, 1, 0))
    estimate = np.vstack([c["S"][at + 1], c["F"][:, at + 1]]).T
    return Influence(times, ("waiting", *g.causes), estimate, values, g.candidate)


def influence_functions(episodes: pd.DataFrame, times: Sequence[float] | np.ndarray) -> Influence:
    """Influence functions of the all-cause Kaplan-Meier S(t) and the Aalen-Johansen F_k(t).

    Equal to R's ``survfit(Surv(duration, factor(status)) ~ 1, id = row,
    influence = TRUE)$influence.pstate`` (survival 3.5): tied days exact, no
    jitter; an episode censored on a day of answers is at risk that day.

    Parameters
    ----------
    episodes : DataFrame
        Episodes from :func:`hiring_funnel.episodes`. Late entries count from
        their entry: R's ``Surv(entry - 0.5, duration, state)``.
    times : sequence of float
        Days at which to evaluate (>= 0).

    Returns
    -------
    Influence

    Examples
    --------
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 2.0, 3.0],
    ...                    "cause": pd.Categorical(["offer", None, "rejection", None]),
    ...                    "candidate_id": pd.array(["a", "a", "b", "c"], dtype="string")})
    >>> inf = influence_functions(ep, [2.0])
    >>> inf.estimate.round(4).tolist(), inf.std_error().round(4).tolist()
    ([[0.5, 0.25, 0.25]], [[0.1768, 0.1531, 0.2339]])
    """
    t = np.asarray(times, dtype=float).reshape(-1)
    if not np.isfinite(t).all() or (t < 0).any():
        raise HiringFunnelError(f"times must be finite days >= 0, not {t.tolist()}")
    return _influence(day_grid(episodes), t)


@dataclass(frozen=True)
class SilenceRatio:
    """The chance of ``cause`` after s days of silence against the day of applying; see :func:`silence_ratio`."""

    cause: str
    waited: float
    horizon: float
    p0: float
    p0_std_error: float
    ps: float
    ps_std_error: float
    ratio: float
    std_error: float
    ci_lower: float
    ci_upper: float
    events_before: int
    events_after: int
    at_risk: int
    conf_level: float
    why: str


def _check(g: DayGrid, horizon: float, conf_level: float) -> float:
    """Raise for a horizon outside the days seen or a bad level; return z."""
    last = float(g.time[-1]) if len(g.time) else 0.0
    if not 0 <= horizon <= last:
        raise HiringFunnelError(
            f"horizon {horizon!r} is outside the days seen (0 to {last:g})",
            hint="a horizon past the last day seen would extrapolate",
        )
    if not 0.0 < conf_level < 1.0:
        raise HiringFunnelError(f"conf_level must be between 0 and 1, not {conf_level!r}")
    return NormalDist().inv_cdf(0.5 + conf_level / 2)


@keywords_from("cause")
def silence_ratio(
    episodes: pd.DataFrame,
    *,
    cause: str = "offer",
    waited: float,
    horizon: float,
    conf_level: float = 0.95,
) -> SilenceRatio:
    """How s days of silence change the chance of ``cause`` by the horizon tau.

    ``ps`` = (F(tau) - F(s)) / S(s), as :func:`still_hope`; ``p0`` the same
    after day 0, the chance on the day of applying (still_hope with s = 0:
    answers on day 0 itself are not later ones); ``ratio`` = ps / p0, with
    interval exp(log R -+ z se) and se by the delta method on log R =
    log(F(tau) - F(s)) - log S(s) - log(F(tau) - F(0)) + log S(0) from the
    influences summed per candidate (``std_error`` = R se, of the ratio).
    ``events_before`` counts ``cause`` on days in (0, s], ``events_after`` on
    days in (s, tau], ``at_risk`` those still waiting after s (rounded: with
    the day boundary's shares the count is fractional). With either
    count 0 the ratio's interval is NaN and ``why`` says which; otherwise
    ``why`` is "".

    Examples
    --------
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 3.0, 5.0, 6.0],
    ...                    "cause": pd.Categorical(["offer", "rejection", None, "offer", None])})
    >>> r = silence_ratio(ep, waited=2, horizon=6)
    >>> round(r.p0, 4), round(r.ps, 4), round(r.ratio, 4), r.events_after, r.why
    (0.5, 0.5, 1.0, 1, '')
    """
    g = day_grid(episodes)
    z = _check(g, float(horizon), conf_level)
    if cause not in g.causes:
        raise HiringFunnelError(f"unknown cause {cause!r}", hint=f"the causes are {g.causes}")
    if not 0 <= waited < horizon:
        raise HiringFunnelError(f"waited must be in [0, horizon {horizon:g}), not {waited!r}")
    days = np.array([0.0, waited, horizon], dtype=float)
    inf, k = _influence(g, days), g.causes.index(cause) + 1
    (s_0, f_0), (s_s, f_s), f_t = (
        inf.estimate[0, [0, k]],
        inf.estimate[1, [0, k]],
        inf.estimate[2, k],
    )
    i_0, i_f0 = inf.values[:, 0, 0], inf.values[:, 0, k]
    i_s, i_fs, i_ft = inf.values[:, 1, 0], inf.values[:, 1, k], inf.values[:, 2, k]
    j_0, j_s, j_t = g.day_of(days)
    hits = np.r_[0.0, np.cumsum(g.dk[k - 1])]
    before, after = int(hits[j_s + 1] - hits[j_0 + 1]), int(hits[j_t + 1] - hits[j_s + 1])

    def se(values: np.ndarray) -> float:
        return float(np.sqrt(_by_candidate(values, g.candidate)))

    # waited < horizon <= the last day: someone is still waiting after s, so S(s) > 0.
    ps = (f_t - f_s) / s_s
    p0 = (f_t - f_0) / s_0
    ratio, log_se, why = (ps / p0 if p0 > 0 else np.nan), np.nan, ""
    if after == 0:
        why = f"no {cause} after day {waited:g}"
    elif before == 0:
        why = f"no {cause} after day 0 and on or before day {waited:g}"
    else:
        later = (i_ft - i_f0) / (f_t - f_0) - i_0 / s_0
        log_se = se((i_ft - i_fs) / (f_t - f_s) - i_s / s_s - later)
    p0_se = se((i_ft - i_f0 - p0 * i_0) / s_0)
    return SilenceRatio(
        cause, float(waited), float(horizon), float(p0), p0_se, float(ps),
        se((i_ft - i_fs - ps * i_s) / s_s), float(ratio), float(ratio * log_se),
        float(ratio * np.exp(-z * log_se)), float(ratio * np.exp(z * log_se)),
        before, after, round(float(g.n[j_s + 1])), conf_level, why,
    )  # fmt: skip


def _survival_path(g: DayGrid, c: dict[str, np.ndarray], j_t: int) -> tuple[np.ndarray, np.ndarray]:
    """Var S(t_J) and Cov(S(t_J), S(tau)) by candidate on every day, without an episode x day matrix.

    A candidate's summed influence on S_J is -S_J (alpha(J) - A_J beta(J)):
    alpha the sum of v = delta / (n_e - d_e) - A_e over their episodes ended by
    J, beta the number not ended. The sums over candidates of alpha^2,
    alpha beta, beta^2 change only on a candidate's own days: the changes are
    binned by day and accumulated.
    """
    v = (g.kind > 0) * c["inv"][g.end] - c["A"][g.end + 1]
    order = np.argsort(g.candidate * len(g.time) + g.end)
    cand, e, v_o = g.candidate[order], g.end[order], v[order]
    start = np.flatnonzero(np.r_[True, cand[1:] != cand[:-1]])
    first = np.repeat(start, np.diff(np.r_[start, len(cand)]))
    run = np.cumsum(v_o)
    after = run - (run - v_o)[first]
    before = after - v_o
    size = np.bincount(g.candidate).astype(float)
    beta0 = size[cand] - (np.arange(len(cand)) - first)
    beta1 = beta0 - 1.0

    def path(change: np.ndarray, start_value: float = 0.0) -> np.ndarray:
        return start_value + np.cumsum(np.bincount(e, weights=change, minlength=len(g.time)))

    a, s = c["A"][1:], c["S"][1:]
    sum_aa, sum_ab = path(after**2 - before**2), path(after * beta1 - before * beta0)
    sum_bb = path(beta1**2 - beta0**2, float(size @ size))
    var = s**2 * (sum_aa - 2 * a * sum_ab + a**2 * sum_bb)
    ended = g.end <= j_t  # each candidate's summed influence on S(tau), w
    w = -s[j_t] * np.bincount(g.candidate, weights=v * ended - a[j_t] * ~ended)
    cov = -s * (path(w[cand] * v_o) - a * path(-w[cand], float(w @ size)))
    return np.maximum(var, 0.0), cov


def _first_reach(x: np.ndarray, y: np.ndarray, p: float, tol: float) -> float:
    """R's survival:::findq for one p on a curve y from 0: first x with y >= p, midpoint where y == p."""
    keep = np.r_[True, y[1:] != y[:-1]]
    xs, ys = x[keep], y[keep]
    i1, i2 = np.flatnonzero(ys >= p - tol), np.flatnonzero(ys >= p + tol)
    if not len(i1):
        return np.nan
    if abs(p - ys[-1]) < tol:  # p reached on the curve's last step: midpoint with its last day
        return float((xs[i1[0]] + x[-1]) / 2)
    return float((xs[i1[0]] + xs[i2[0]]) / 2) if len(i2) else np.nan


def answer_share(
    episodes: pd.DataFrame, *, horizon: float, conf_level: float = 0.95
) -> pd.DataFrame:
    """Of the answers that came by the horizon tau, the share G(t) that came by day t.

    G(t) = F_any(t) / F_any(tau), F_any = 1 - S the chance of an answer of any
    cause. Var G(t) is the delta method on the influences of S(t) and S(tau)
    summed per candidate, IF G = (G IF S(tau) - IF S(t)) / (1 - S(tau)); the
    interval is on the logit scale, logit G -+ z se / (G (1 - G)) (G itself
    where G is 0 or 1).

    Returns
    -------
    DataFrame
        One row per day seen up to tau: time, estimate, std_error, ci_lower,
        ci_upper, answered (answers by that day); NaN estimates when no answer
        came by tau. ``attrs``: conf_level, horizon, interval ("logit").

    Examples
    --------
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 2.0, 4.0, 9.0],
    ...                    "cause": pd.Categorical(["offer", "rejection", None, "offer", None])})
    >>> answer_share(ep, horizon=9)[["time", "estimate"]].round(4).values.tolist()
    [[1.0, 0.2857], [2.0, 0.5714], [4.0, 1.0], [9.0, 1.0]]
    """
    g = day_grid(episodes)
    z = _check(g, float(horizon), conf_level)
    c = day_curves(g)
    j = int(g.day_of(horizon))
    s, total = c["S"][1 : j + 2], 1.0 - c["S"][j + 1]
    if j < 0:
        var_s, cov = np.zeros(1), np.zeros(1)
    elif (g.before_entry >= 0).any() or (g.share < 1).any():  # late entry, last-day shares
        from hiring_funnel.estimators.by_candidate import survival_paths

        var_s, cov = survival_paths(episodes, g.candidate, j)
    else:
        var_s, cov = _survival_path(g, c, j)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        gt = (1.0 - s) / total
        var = (var_s[: j + 1] - 2 * gt * cov[: j + 1] + gt**2 * var_s[j]) / total**2
        se = np.sqrt(np.maximum(var, 0.0))
        logit, half, inside = np.log(gt / (1 - gt)), z * se / (gt * (1 - gt)), (gt > 0) & (gt < 1)
        lower = np.where(inside, 1 / (1 + np.exp(half - logit)), gt)
        upper = np.where(inside, 1 / (1 + np.exp(-half - logit)), gt)
    out = pd.DataFrame(
        {"time": g.time[: j + 1], "estimate": gt, "std_error": se, "ci_lower": lower}
    ).assign(ci_upper=upper, answered=np.cumsum(g.d[: j + 1]))
    out.attrs.update(conf_level=conf_level, horizon=float(horizon), interval="logit")
    return out


@keywords_from("probs")
def answer_quantiles(
    episodes: pd.DataFrame,
    *,
    probs: Sequence[float] = (0.5, 0.9),
    horizon: float,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Of the answers that came by the horizon, a share p came within ``estimate`` days.

    Quantiles of G(t) of :func:`answer_share`: the first day with G(t) >= p;
    where G(t) equals p (within 1.5e-8) on a flat stretch, the midpoint of
    that day and the day G next rises (R's quantile.survfit rule, findq). The
    interval inverts the pointwise logit intervals of G, as quantile.survfit
    does (Brookmeyer-Crowley): ``ci_lower`` is the first day the upper limit
    reaches p, ``ci_upper`` the first the lower limit does.

    Returns
    -------
    DataFrame
        prob, estimate, ci_lower, ci_upper, answered (answers by the
        horizon); NaN where p is not reached or nothing was answered.
        ``attrs`` as :func:`answer_share`.

    Examples
    --------
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 2.0, 4.0, 9.0],
    ...                    "cause": pd.Categorical(["offer", "rejection", None, "offer", None])})
    >>> answer_quantiles(ep, probs=[0.5, 0.9], horizon=9)[["prob", "estimate", "answered"]].values.tolist()
    [[0.5, 2.0, 3.0], [0.9, 4.0, 3.0]]
    """
    p = np.asarray(probs, dtype=float).reshape(-1)
    if not len(p) or not ((p > 0) & (p < 1)).all():
        raise HiringFunnelError(f"probs must be strictly between 0 and 1, not {list(probs)}")
    share = answer_share(episodes, horizon=horizon, conf_level=conf_level)
    x, tol = np.r_[0.0, share["time"]], float(np.sqrt(np.finfo(float).eps))

    def first(col: str) -> list[float]:
        return [_first_reach(x, np.r_[0.0, share[col]], q, tol) for q in p]

    out = pd.DataFrame(
        {"prob": p, "estimate": first("estimate"), "ci_lower": first("ci_upper")}
    ).assign(ci_upper=first("ci_lower"), answered=share["answered"].iloc[-1] if len(share) else 0.0)
    out.attrs.update(share.attrs)
    return out
