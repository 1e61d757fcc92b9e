"""How long the wait is: quantiles of the waiting time and the restricted mean wait.

Both read the all-cause Kaplan-Meier curve (the chance of still waiting for
any answer) with its Greenwood variance and log(-log) band, computed by the
same kernels as :func:`hiring_funnel.estimators.kaplan_meier`, and follow R's
``survival`` package to the letter (reference values in tests/test_quantiles.py):
``quantile.survfit`` for the quantiles and ``print.survfit(fit, rmean = tau)``
for the restricted mean.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hiring_funnel.deprecation import keywords_from
from hiring_funnel.estimators import _kernels as k
from hiring_funnel.estimators._prepare import base_meta, check_conf_level, prepare
from hiring_funnel.results import ESTIMATE_COLUMNS, EstimateResult, register_kind
from hiring_funnel.schema import HiringFunnelError

__all__ = ["restricted_mean_wait", "waiting_quantiles"]

register_kind("waiting_quantiles", "Quantiles of the wait for any answer (Kaplan-Meier)")
register_kind("restricted_mean_wait", "Restricted mean wait for any answer, up to a horizon")

#: quantile.survfit's tolerance for "the curve sits exactly on 1 - p".
_TOL = float(np.sqrt(np.finfo(np.float64).eps))


def waiting_quantiles(
    episodes: pd.DataFrame,
    *,
    probs: Sequence[float] = (0.25, 0.5, 0.75),
    by: str | Sequence[str] | None = None,
    conf_level: float = 0.95,
) -> EstimateResult:
    """Quantiles of the waiting time until any answer, with confidence intervals.

    The p-quantile is the first day on which the Kaplan-Meier curve S falls
    to 1 - p or below: by then a share p of applications has had an answer,
    counting the open ones correctly. Where the curve sits exactly on 1 - p
    over an interval, the quantile is the interval's midpoint (and if it
    stays there until the last day seen, the midpoint of the first day and
    that last day). The interval applies the same rule to the lower and upper
    log(-log) bands of S (Brookmeyer and Crowley 1982). This is R's
    ``quantile(survfit(Surv(time, status > 0) ~ 1, conf.type = "log-log"))``.

    Parameters
    ----------
    episodes : DataFrame
        Episodes from :func:`hiring_funnel.episodes`, or their life table.
    probs : sequence of float
        Shares p in [0, 1]; 0.5 gives the median wait.
    by : str or sequence of str, optional
        Group columns; quantiles per group.
    conf_level : float
        Level of the intervals.

    Returns
    -------
    EstimateResult
        ``kind`` "waiting_quantiles"; ``table`` with one row per group and
        p: the columns of every estimate (:data:`~hiring_funnel.results.ESTIMATE_COLUMNS`
        and ``std_error``), where ``estimate`` is the day with its interval
        ``ci_lower, ci_upper``, ``cause`` is "any", and ``time``,
        ``at_risk``, ``events`` and ``std_error`` are NaN; then ``prob`` (p)
        and ``reached``. A quantile the curve never reaches (too many applications
        still open) is NaN with ``reached`` False, and so is an interval limit
        the band never reaches; each is named in ``meta["not_estimable"]``.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 3.0, 4.0],
    ...                    "cause": pd.Categorical(["offer", "rejection", "offer", None])})
    >>> waiting_quantiles(ep, probs=[0.25, 0.5, 0.9]).table[["prob", "estimate", "reached"]]
       prob  estimate  reached
    0  0.25       1.5     True
    1  0.50       2.5     True
    2  0.90       NaN    False
    """
    check_conf_level(conf_level)
    p = np.asarray(probs, dtype=np.float64).reshape(-1)
    if p.size == 0 or not np.all((p >= 0) & (p <= 1)):
        raise HiringFunnelError(
            f"probs must be shares between 0 and 1, not {list(probs)}",
            hint="e.g. (0.25, 0.5, 0.75)",
        )
    prep = prepare(episodes, by)
    meta = base_meta(
        prep,
        "waiting_quantiles",
        conf_level,
        variance="Greenwood",
        interval="log(-log) band of S, read as quantile.survfit",
        probs=p.tolist(),
    )
    z = k.z_value(conf_level)
    frames = []
    for g in prep.groups:
        surv, greenwood = k.kaplan_meier(g.n, g.d)
        lower, upper = k.loglog_interval(surv, greenwood, z)
        # The curves start at (0, S = 1), as survfit's start.time defaults to 0.
        x = np.r_[0.0, g.time]
        estimate = _find_quantile(x, np.r_[0.0, 1.0 - surv], p)
        ci_lower = _find_quantile(x, np.r_[0.0, 1.0 - lower], p)
        ci_upper = _find_quantile(x, np.r_[0.0, 1.0 - upper], p)
        for i in np.flatnonzero(np.isnan(estimate)):
            meta["not_estimable"][f"{g.label} / p={p[i]:g}"] = (
                f"not reached: the chance of still waiting is {surv[-1]:.3g} on the last "
                f"day seen ({g.time[-1]:g}), above {1 - p[i]:.3g}"
            )
        for name, limit in (("lower", ci_lower), ("upper", ci_upper)):
            for i in np.flatnonzero(~np.isnan(estimate) & np.isnan(limit)):
                meta["not_estimable"][f"{g.label} / p={p[i]:g} {name} limit"] = (
                    f"the {name} band of S (the chance of still waiting) never "
                    f"falls to {1 - p[i]:.3g} within follow-up"
                )
        frames.append(
            pd.DataFrame(
                {
                    "group": g.label,
                    "estimate": estimate,
                    "ci_lower": ci_lower,
                    "ci_upper": ci_upper,
                    "prob": p,
                    "reached": ~np.isnan(estimate),
                }
            )
        )
    table = _estimate_columns(pd.concat(frames, ignore_index=True))
    return EstimateResult("waiting_quantiles", table, meta)


@keywords_from("horizon")
def restricted_mean_wait(
    episodes: pd.DataFrame,
    *,
    horizon: float,
    by: str | Sequence[str] | None = None,
    conf_level: float = 0.95,
) -> EstimateResult:
    """Restricted mean waiting time: the expected days without an answer within the horizon.

    RMST(tau) = integral of S(t) from 0 to tau, the area under the
    Kaplan-Meier curve: the mean of min(wait, tau), which unlike the plain
    mean exists when many applications are never answered. Its variance is
    sum over days t_j <= tau of A_j^2 d_j / (n_j (n_j - d_j)), A_j the area
    under S from t_j to tau (a term with n_j = d_j counts as 0), with a
    normal interval. As R's ``summary(survfit(...), rmean = tau)$table``
    ("rmean", "se(rmean)"), including its convention that past the last day
    seen the curve stays at its last value (said in ``meta["notes"]`` when
    that happens before tau).

    Parameters
    ----------
    episodes : DataFrame
        Episodes from :func:`hiring_funnel.episodes`, or their life table.
    horizon : float
        tau, in the unit of the durations (days), positive.
    by : str or sequence of str, optional
        Group columns; one mean per group.
    conf_level : float
        Level of the interval.

    Returns
    -------
    EstimateResult
        ``kind`` "restricted_mean_wait"; ``table`` with one row per group:
        the columns of every estimate (:data:`~hiring_funnel.results.ESTIMATE_COLUMNS`
        and ``std_error``): ``time`` is tau, ``cause`` "any", ``estimate``
        the mean in days with ``std_error, ci_lower, ci_upper``, ``events``
        the answers by tau and ``at_risk`` NaN; then ``last_time`` (the last
        day seen).

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 3.0, 4.0],
    ...                    "cause": pd.Categorical(["offer", "rejection", "offer", None])})
    >>> restricted_mean_wait(ep, horizon=4.0).table[["time", "estimate"]].to_numpy().tolist()
    [[4.0, 2.5]]
    """
    check_conf_level(conf_level)
    tau = float(horizon)
    if not (np.isfinite(tau) and tau > 0):
        raise HiringFunnelError(
            f"horizon must be a positive number of days, not {horizon!r}", hint="e.g. 30"
        )
    prep = prepare(episodes, by)
    meta = base_meta(
        prep,
        "restricted_mean_wait",
        conf_level,
        variance="Greenwood-type, as survival's print.survfit(rmean = tau)",
        interval="normal",
        horizon=tau,
    )
    z = k.z_value(conf_level)
    rows = []
    for g in prep.groups:
        mean, se = _restricted_mean(g.time, g.n, g.d, tau)
        if g.time[-1] < tau:
            surv, _ = k.kaplan_meier(g.n, g.d)
            meta["notes"].append(
                f"{g.label}: follow-up ends on day {g.time[-1]:g}, before the horizon {tau:g}; "
                f"the curve is carried on at {surv[-1]:.3g} (R's convention)"
            )
        rows.append(
            {
                "group": g.label,
                "time": tau,
                "estimate": mean,
                "std_error": se,
                "ci_lower": mean - z * se,
                "ci_upper": mean + z * se,
                "events": float(g.d[g.time <= tau].sum()),
                "last_time": float(g.time[-1]),
            }
        )
    return EstimateResult("restricted_mean_wait", _estimate_columns(pd.DataFrame(rows)), meta)


def _estimate_columns(table: pd.DataFrame) -> pd.DataFrame:
    """The table with the columns every estimate has first, in their order, then its own.

    ``cause`` is "any" (both summaries read the all-cause curve); a column
    with no meaning for the kind is NaN.
    """
    core = [*ESTIMATE_COLUMNS, "std_error"]
    out = table.assign(cause="any")
    for c in core:
        if c not in out.columns:
            out[c] = np.nan
    return out[[*core, *[c for c in table.columns if c not in core]]]


def _restricted_mean(
    time: np.ndarray, n: np.ndarray, d: np.ndarray, tau: float
) -> tuple[float, float]:
    """Area under the Kaplan-Meier curve on [0, tau] and its standard error (survival:::survmean)."""
    surv, _ = k.kaplan_meier(n, d)
    keep = time <= tau
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_var = np.where(n - d > 0, d / (n * (n - d)), 0.0)[keep]
    knots = np.r_[time[keep], tau]
    level = np.r_[1.0, surv[keep]]  # S on [0, t_1), [t_1, t_2), ..., [t_m, tau)
    # Durations are non-negative, so the integral starts at 0 (survmean's min(0, time)).
    rectangles = np.diff(np.r_[0.0, knots]) * level
    # Area under S from t_j to tau, for each t_j <= tau.
    after = np.cumsum(rectangles[::-1])[::-1][1:]
    return float(rectangles.sum()), float(np.sqrt(np.sum(after**2 * hazard_var)))


def _find_quantile(x: np.ndarray, y: np.ndarray, p: np.ndarray) -> np.ndarray:
    """R's survival:::findq: the first x where the step curve y (1 - S) reaches each p.

    ``x`` are the times (starting with 0), ``y`` the non-decreasing 1 - S at
    them (NaN where undefined, as an interval at S = 0). R reads it with
    ``approx(y +- tol, 1:n, p, method = "constant", f = 1)``: the first point
    with y >= p - tol and the first with y >= p + tol; their times differ only
    where y sits on p (within tol), and the quantile is their midpoint. If y
    ends on p, the midpoint runs to the last time.
    """
    out = np.full(p.shape, np.nan)
    if np.all(np.isnan(y)) or np.nanmax(y) < p.min():
        return out
    xmax = x[-1]
    # duplicated(y) in R keeps the first of equal values (and of the NaNs).
    _, first = np.unique(y, return_index=True, equal_nan=True)
    first = np.sort(first)
    x, y = x[first], y[first]
    index_1 = _approx_right(y + _TOL, p)
    index_2 = _approx_right(y - _TOL, p)
    x_pad = np.r_[x, np.nan]  # index -1 (not found) reads NaN
    quantile = (x_pad[index_1] + x_pad[index_2]) / 2
    quantile[p == 0] = x[0]
    if not np.isnan(y[-1]):
        on_last = np.abs(p - y[-1]) < _TOL
        quantile[on_last] = (x_pad[index_1[on_last]] + xmax) / 2
    return quantile


def _approx_right(knots: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``approx(knots, seq_along(knots), at, method = "constant", f = 1)`` as 0-based indices.

    For ``at`` between two knots, the index of the right one; at a knot, that
    knot; outside the knots (and for NaN knots, which approx drops), -1.
    """
    valid = np.flatnonzero(~np.isnan(knots))
    order = valid[np.argsort(knots[valid], kind="stable")]
    sorted_knots = knots[order]
    pos = np.searchsorted(sorted_knots, at, side="left")
    inside = (at >= sorted_knots[0]) & (at <= sorted_knots[-1])
    return np.where(inside, order[np.minimum(pos, len(order) - 1)], -1)
