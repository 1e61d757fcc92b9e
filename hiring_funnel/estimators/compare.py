"""Comparing groups: the log-rank test of waiting times, Gray's test of cumulative incidence.

Both read the life table by group, aligned on the distinct event times of
all groups; nothing here touches the episodes row by row. Reference values:
R's ``survival::survdiff`` and ``cmprsk::cuminc`` (tests/test_compare.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.deprecation import keywords_from
from hiring_funnel.estimators import _kernels as k
from hiring_funnel.estimators._prepare import check_conf_level, prepare
from hiring_funnel.lifetable import life_table
from hiring_funnel.results import Note, Result
from hiring_funnel.schema import HiringFunnelError, require_columns

__all__ = ["ComparisonResult", "gray_test", "logrank_test"]

_TITLES = {
    "logrank": "Log-rank test: does the waiting time differ between groups?",
    "gray": "Gray's test: does the cumulative incidence of this cause differ between groups?",
}


@dataclass(frozen=True)
class ComparisonResult(Result):
    """A K-sample test: the chi-square statistic and a tidy table per group.

    Attributes
    ----------
    kind : str
        ``"logrank"`` or ``"gray"``.
    statistic : float
        The chi-square statistic.
    df : int
        Its degrees of freedom (groups in the test minus one).
    p_value : float
        Upper tail of the chi-square distribution at ``statistic``.
    table : DataFrame
        One row per group: ``group`` (the label; ``meta["groups"]`` maps it
        to the values of the ``by`` columns), ``n`` (episodes), ``observed`` and
        ``expected`` events under the null hypothesis, ``variance`` (of
        observed minus expected), and test-specific columns.
    meta : Meta
        ``by``, ``groups`` (label -> group values), ``variance_matrix`` (a
        DataFrame over the groups) and test-specific keys.
    notes : tuple of Note
        Anything the reader must know, such as a group without events.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2, 3, 4, 5, 6],
    ...                    "cause": pd.Categorical(["offer", None, "offer", "offer", None, "offer"]),
    ...                    "size": ["a", "a", "a", "b", "b", "b"]})
    >>> result = logrank_test(ep, by="size")
    >>> result.kind, result.df, list(result.table["group"])
    ('logrank', 1, ['a', 'b'])
    """

    kind: str
    statistic: float
    df: int
    p_value: float
    table: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)
    notes: tuple[Note, ...] = ()

    def title(self) -> str:
        title = _TITLES.get(self.kind, self.kind)
        if self.kind == "gray":
            title += f" (cause {self.meta.get('cause')})"
        return title

    def facts(self) -> list[str]:
        p = f"{self.p_value:.3g}" if self.p_value >= 1e-4 else f"{self.p_value:.1e}"
        return [f"chi-square {self.statistic:.4g} on {self.df} df, p = {p}"]


@dataclass(frozen=True)
class _Aligned:
    """Every group's counts at the distinct event times of all groups, shape (groups, times)."""

    labels: list[str]
    groups: pd.DataFrame
    time: np.ndarray
    n: np.ndarray
    d: np.ndarray
    dk: np.ndarray  # (causes, groups, times)
    causes: list[str]
    size: np.ndarray  # episodes per group
    late_entry: bool


@keywords_from("by")
def logrank_test(
    episodes: pd.DataFrame,
    *,
    by: str | Sequence[str],
    conf_level: float = 0.95,
) -> ComparisonResult:
    """Log-rank test that the waiting time until any answer is the same in every group.

    At each distinct event time t_j, with n_ij at risk and d_ij answers in
    group i (N_j and D_j in all groups), the expected answers are
    E_i = sum_j n_ij D_j / N_j and the variance of O - E is the
    hypergeometric one, V_il = sum_j D_j (N_j - D_j) / (N_j - 1)
    (n_ij / N_j) (delta_il - n_lj / N_j), so tied days are exact. The
    statistic (O - E)' V^-1 (O - E), over all groups but the first, is
    chi-square with K - 1 degrees of freedom, as R's
    ``survdiff(Surv(time, status > 0) ~ group)`` (rho = 0).

    Parameters
    ----------
    episodes : DataFrame
        Episodes from :func:`hiring_funnel.episodes`, or their life table by ``by``.
    by : str or sequence of str
        Group columns; every combination of values is one group.
    conf_level : float
        Level of the hazard-ratio intervals in the table.

    Returns
    -------
    ComparisonResult
        ``table`` columns: ``group, n, observed, expected, variance,
        hazard_ratio, ci_lower, ci_upper``. ``hazard_ratio`` is Peto's
        one-step estimate of the group's hazard of an answer against all
        other groups, exp((O - E) / V) with standard error 1 / sqrt(V) on the
        log scale (good when the ratio is between about 1/3 and 3).

    Raises
    ------
    HiringFunnelError
        With fewer than two groups, or fewer than two with anyone at risk
        when an answer came (as survdiff, groups whose expected count is 0
        are left out of the test and named in ``meta["notes"]``).

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 3.0, 2.0, 4.0, 6.0],
    ...                    "cause": pd.Categorical(["offer", "offer", None, "offer", None,
    ...                                             "rejection"]),
    ...                    "size": ["small"] * 3 + ["large"] * 3})
    >>> result = logrank_test(ep, by="size")  # R: survdiff(Surv(t, s > 0) ~ g)$chisq
    >>> round(result.statistic, 4), result.df
    (0.8033, 1)
    """
    check_conf_level(conf_level)
    al = _aligned(episodes, by, "the log-rank test")
    notes = _late_entry_note(al)
    total_n, total_d = al.n.sum(axis=0), al.d.sum(axis=0)
    share = al.n / total_n
    expected = (share * total_d).sum(axis=1)
    observed = al.d.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(total_n > 1, total_d * (total_n - total_d) / (total_n - 1), 0.0)
    variance = np.diag((weight * share).sum(axis=1)) - (share * weight) @ share.T

    used = np.flatnonzero(expected > 0)
    for i in np.flatnonzero(expected <= 0):
        notes.append(
            f"{al.labels[i]}: nobody at risk when an answer came; left out of the test (as survdiff)"
        )
    if len(used) < 2:
        raise HiringFunnelError(
            f"the log-rank test needs two groups with someone at risk when an answer came; "
            f"found {[al.labels[i] for i in used]}",
            hint="check the grouping, or compare groups that overlap in time",
        )
    for i in np.flatnonzero(observed == 0):
        notes.append(f"{al.labels[i]}: no answers in {al.size[i]:,.0f} episodes")
    # survdiff drops the first group; with a variance of rank K - 1 any one would do.
    keep = used[1:]
    statistic = _quadratic_form(
        (observed - expected)[keep], variance[np.ix_(keep, keep)], "the log-rank test"
    )
    df = len(used) - 1

    z = k.z_value(conf_level)
    diag = np.diag(variance)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_hr = (observed - expected) / diag
        half = z / np.sqrt(diag)
    bad = diag <= 0
    table = pd.DataFrame({"group": al.labels}).assign(
        n=al.size,
        observed=observed,
        expected=expected,
        variance=diag,
        hazard_ratio=np.where(bad, np.nan, np.exp(log_hr)),
        ci_lower=np.where(bad, np.nan, np.exp(log_hr - half)),
        ci_upper=np.where(bad, np.nan, np.exp(log_hr + half)),
    )
    meta = _meta(al, variance, notes)
    meta.update(
        conf_level=conf_level,
        hazard_ratio="Peto's one-step estimate, each group against all others",
        test="log-rank (survival::survdiff, rho = 0), ties exact",
    )
    return ComparisonResult(
        "logrank",
        statistic,
        df,
        _p_value(statistic, df),
        table[["group", *_LOGRANK_COLUMNS]],
        meta,
    )


_LOGRANK_COLUMNS = (
    "n",
    "observed",
    "expected",
    "variance",
    "hazard_ratio",
    "ci_lower",
    "ci_upper",
)


@keywords_from("by")
def gray_test(
    episodes: pd.DataFrame,
    *,
    by: str | Sequence[str],
    cause: str,
    rho: float = 0.0,
) -> ComparisonResult:
    """Gray's (1988) test that the cumulative incidence of ``cause`` is the same in every group.

    The score of group i is the weighted difference between its observed
    ``cause`` events and those expected if the subdistribution hazard were
    the pooled one, summed over the distinct event times with weight
    (1 - F(t-))^rho, F the pooled cumulative incidence; its variance comes
    from Gray's asymptotic expansion. This follows cmprsk's Fortran routine
    ``crst`` step by step (so tied days are handled as there), and gives
    ``cmprsk::cuminc(time, status, group)$Tests`` to rounding. Unstratified
    only (cuminc's ``strata =`` is not implemented).

    Parameters
    ----------
    episodes : DataFrame
        Episodes from :func:`hiring_funnel.episodes`, or their life table by ``by``.
    by : str or sequence of str
        Group columns; every combination of values is one group.
    cause : str
        The cause whose cumulative incidence is compared; every other cause
        is a competing event.
    rho : float
        Power of the weight; 0 (cmprsk's default) weights all times alike,
        rho > 0 stresses early differences.

    Returns
    -------
    ComparisonResult
        ``table`` columns: ``group, n, observed, expected, score, variance``.
        ``observed`` counts the group's ``cause`` events, ``expected`` those
        expected under the null hypothesis (unweighted), ``score`` the
        weighted observed minus expected (equal to their difference when
        rho = 0; the scores sum to zero), ``variance`` the score's variance.

    Raises
    ------
    HiringFunnelError
        With fewer than two groups, no ``cause`` event at all, or a singular
        variance (where cmprsk reports a statistic of -1).

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": 0.0, "duration": [1.0, 2.0, 3.0, 2.0, 4.0, 6.0],
    ...                    "cause": pd.Categorical(["offer", "offer", None, "offer", None,
    ...                                             "rejection"]),
    ...                    "size": ["small"] * 3 + ["large"] * 3})
    >>> result = gray_test(ep, by="size", cause="offer")  # R: cuminc(t, s, g)$Tests[1, ]
    >>> round(result.statistic, 4), result.df
    (0.8031, 1)
    """
    if not np.isfinite(rho):
        raise HiringFunnelError(f"rho must be a finite number, not {rho!r}", hint="e.g. 0 or 1")
    al = _aligned(episodes, by, "Gray's test")
    if cause not in al.causes:
        raise HiringFunnelError(
            f"unknown cause {cause!r}", hint=f"the episodes have causes {al.causes}"
        )
    index = al.causes.index(cause)
    d1 = al.dk[index]
    if d1.sum() == 0:
        raise HiringFunnelError(
            f"Gray's test of {cause!r} needs at least one {cause!r} event; there are none",
            hint="pick another cause",
        )
    notes = _late_entry_note(al)
    for i in np.flatnonzero(d1.sum(axis=1) == 0):
        notes.append(f"{al.labels[i]}: no {cause} events in {al.size[i]:,.0f} episodes")
    score, expected, variance = _gray_score(al.n, d1, al.d - d1, rho)
    statistic = _quadratic_form(score[:-1], variance[:-1, :-1], "Gray's test")
    df = len(al.labels) - 1
    table = pd.DataFrame({"group": al.labels}).assign(
        n=al.size,
        observed=d1.sum(axis=1),
        expected=expected,
        score=score,
        variance=np.diag(variance),
    )
    meta = _meta(al, variance, notes)
    meta.update(
        cause=cause,
        rho=rho,
        test="Gray (1988), as cmprsk::cuminc's Tests (crst), unstratified",
    )
    columns = ["n", "observed", "expected", "score", "variance"]
    return ComparisonResult(
        "gray",
        statistic,
        df,
        _p_value(statistic, df),
        table[["group", *columns]],
        meta,
    )


def _gray_score(
    n: np.ndarray, d1: np.ndarray, d2: np.ndarray, rho: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gray's score, expected counts and score variance (K x K), as cmprsk's ``crst``.

    ``n``, ``d1`` (events of the cause) and ``d2`` (other causes) have shape
    (groups, times) over the distinct event times. The loop runs over those
    times (a few hundred days), the arithmetic is vectorised over groups.
    Per group it carries the Kaplan-Meier just before t (``skmm``) and the
    cumulative incidence just before t (``f1m``); ``fm`` is the pooled
    cumulative incidence just before t under the null hypothesis.
    Matrices are indexed [i, k]: i the group of the score, k the group whose
    events contribute.
    """
    groups = n.shape[0]
    skmm = np.ones(groups)
    f1m = np.zeros(groups)
    fm = 0.0
    c = np.zeros((groups, groups))
    v = np.zeros((groups, groups))
    v2 = np.zeros((groups, groups))
    v3 = np.zeros(groups)
    score = np.zeros(groups)
    expected = np.zeros(groups)
    for j in range(n.shape[1]):
        rs, e1, e2 = n[:, j], d1[:, j], d2[:, j]
        nd1, nd2 = e1.sum(), e2.sum()
        live = (rs > 0) & (skmm > 0)
        if not live.any():
            continue
        rs_live = np.where(live, rs, 1.0)
        # t1_i = rs_i / skmm_i is group i's risk set scaled back to its size
        # at the start (its "effective" size under censoring only).
        t1 = np.where(live, rs / np.where(live, skmm, 1.0), 0.0)
        tr = t1.sum()
        tq = (t1 * (1.0 - f1m)).sum()
        skm = np.where(live, skmm * (rs - e1 - e2) / rs_live, skmm)
        f1 = np.where(live, f1m + skmm * e1 / rs_live, f1m)
        f = fm + nd1 / tr
        fb = (1.0 - fm) ** rho
        a = fb * (np.diag(t1) - np.outer(t1, t1) / tr)
        if nd1 > 0:
            c += a * (nd1 / (tr * (1.0 - fm)))
            share = t1 * (1.0 - f1m) / tq
            score += fb * (e1 - nd1 * share)
            expected += nd1 * share
            # Cause events: every group at risk contributes, through the
            # pooled hazard nd1 / tr (with the hypergeometric tie factor t5).
            t4 = np.where(skm > 0, 1.0 - (1.0 - f) / np.where(skm > 0, skm, 1.0), 1.0)
            t5 = 1.0 - (nd1 - 1.0) / (tr * skmm - 1.0) if nd1 > 1 else np.ones(groups)
            t3 = np.where(live, t5 * skmm * nd1 / (tr * rs_live), 0.0)
            v3 += t4**2 * t3
            b = a - c * t4
            v2 += b * (t4 * t3)
            v += (b * t3) @ b.T
        if nd2 > 0:
            # Competing events: only in the group where they happen.
            other = live & (e2 > 0) & (skm > 0)
            t4 = np.where(other, (1.0 - f) / np.where(other, skm, 1.0), 0.0)
            with np.errstate(divide="ignore", invalid="ignore"):
                t5 = np.where(e2 > 1, 1.0 - (e2 - 1.0) / (rs - 1.0), 1.0)
            t3 = np.where(other, t5 * skmm**2 * e2 / rs_live**2, 0.0)
            v3 += t4**2 * t3
            g = c * t4
            v2 -= g * (t4 * t3)
            v += (g * t3) @ g.T
        fm, f1m, skmm = f, f1, skm
    v += (c * v3) @ c.T + c @ v2.T + v2 @ c.T
    return score, expected, v


def _quadratic_form(x: np.ndarray, matrix: np.ndarray, what: str) -> float:
    """x' M^-1 x, refusing a singular M (cmprsk returns -1 there; survdiff stops)."""
    if matrix.size and np.linalg.matrix_rank(matrix) < matrix.shape[0]:
        raise HiringFunnelError(
            f"{what} cannot be computed: the variance matrix of the groups is singular",
            hint="a group may have nobody at risk when the events happen; merge or drop it",
        )
    return float(x @ np.linalg.solve(matrix, x))


def _aligned(data: pd.DataFrame, by: str | Sequence[str], what: str) -> _Aligned:
    """Each group's life-table counts at the distinct event times of all groups.

    A group with no row at a time t has no events there, and the number at
    risk is read from its next row t' > t: at_risk(t') - entered(t') (those
    entering at t' were not yet there at t); after its last row it is 0.
    """
    by_cols = [by] if isinstance(by, str) else list(by or [])
    if not by_cols:
        raise HiringFunnelError(f"{what} compares groups: pass by= (the group column or columns)")
    if isinstance(data, pd.DataFrame) and "at_risk" in data.columns:
        require_columns(
            data,
            "the life table",
            ("time", "at_risk", "events", "censored", "entered"),
            "build it with hiring_funnel.life_table",
        )
        table = data
    else:
        table = life_table(data, by=by_cols)
    prep = prepare(table, by_cols)
    labels = [g.label for g in prep.groups]
    if len(labels) < 2:
        raise HiringFunnelError(
            f"{what} needs at least two groups; {by_cols} has only {labels}",
            hint="group by a column with two or more values",
        )
    entered = table["entered"].to_numpy(dtype=float)
    bounds = np.cumsum([0, *(len(g.time) for g in prep.groups)])
    time = np.unique(np.concatenate([g.time[g.d > 0] for g in prep.groups]))
    n = np.zeros((len(labels), len(time)))
    d = np.zeros_like(n)
    dk = np.zeros((len(prep.causes), *n.shape))
    for i, g in enumerate(prep.groups):
        pos = np.searchsorted(g.time, time, side="left")
        inside = pos < len(g.time)
        at = np.minimum(pos, len(g.time) - 1)
        exact = inside & (g.time[at] == time)
        late = entered[bounds[i] : bounds[i + 1]][at]
        n[i] = np.where(inside, g.n[at] - np.where(exact, 0.0, late), 0.0)
        d[i] = np.where(exact, g.d[at], 0.0)
        dk[:, i] = np.where(exact, g.dk[:, at], 0.0)
    return _Aligned(
        labels=labels,
        groups=prep.labels,
        time=time,
        n=n,
        d=d,
        dk=dk,
        causes=prep.causes,
        size=np.array([g.size for g in prep.groups]),
        late_entry=bool(entered.sum() > 0),
    )


def _late_entry_note(al: _Aligned) -> list[str]:
    if not al.late_entry:
        return []
    return [
        "late entry: risk sets count episodes with entry <= t <= duration "
        "(R's survdiff and cmprsk have no late entry; their reference values do not cover it)"
    ]


def _meta(al: _Aligned, variance: np.ndarray, notes: list[str]) -> dict[str, Any]:
    return {
        "by": list(al.groups.columns),
        "groups": al.groups,
        "variance_matrix": pd.DataFrame(variance, index=al.labels, columns=al.labels),
        "event_times": len(al.time),
        "notes": notes,
    }


def _p_value(statistic: float, df: int) -> float:
    """Upper tail of chi-squared with ``df`` degrees of freedom (scipy, loaded here:
    ``import hiring_funnel`` does not pay for it)."""
    from scipy import stats

    return float(stats.chi2.sf(statistic, df))
