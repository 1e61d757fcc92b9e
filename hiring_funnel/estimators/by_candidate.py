"""Variances summed per candidate on every day: Kaplan-Meier, cumulative incidence, still hope.

Several applications of one candidate are not independent (DESIGN.md,
"Statistics"), so the intervals use the infinitesimal-jackknife variance
summed per candidate: R's ``survfit(..., id =, cluster =, robust = TRUE)``.
:mod:`hiring_funnel.estimators.influence` gives each episode's influence on
an estimate at a day; summing it per candidate at every day of a curve would
take an episode x day matrix. Instead, a candidate's summed influence on
S(t_J) and F_k(t_J) is linear in a few running sums over their episodes
(DESIGN of influence.py, with v = delta / (n_e - d_e) - A_e):

    IF_c S_J   = -S_J (alpha_c(J) - A_J beta_c(J))
    IF_c F_kJ  = -alpha_c(J) F_kJ + W_kc(J) + beta_c(J) G_kJ,   G_k = B_k - C_k

alpha_c the sum of v and W_kc the sum of w_k = v F_ke + G_ke + 1{answer k}
S_e-1 / n_e over the candidate's episodes ended by day J, beta_c the number
not yet ended. A variance is a quadratic form in the sums over candidates of
the products of these running sums, and each such sum changes only on a day
one of the candidate's episodes ends, by an amount that depends only on that
episode's day and kind: :func:`~hiring_funnel.estimators.cluster_paths.cluster_products`
walks the episodes once in day order and gathers, per (day, kind), what every
product's change needs, so every day of every curve costs one pass over the
episodes. The day grid, the rows and their order depend on the frame alone,
not on the estimate: the last ones are kept for the next estimator on an
equal frame (compared element for element). 1e6 episodes of 200,000
candidates: ``python benchmarks/bench_by_candidate.py``.
An episode that enters late (day b) adds a row of minus its weight: the same
episode censored on the last day before b (see
:mod:`hiring_funnel.estimators.influence`). A censored episode with a last-day
share w (:mod:`hiring_funnel.day_boundary`) is a row of weight w on its day C
and one of 1 - w on C - 1, which the walk takes from one (``cluster_products(before=)``).
The grid holds the life table of its episodes, so an estimator by candidate
on one group reads its counts there (:func:`prepare_clustered`) instead of
counting the episodes a second time.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hiring_funnel.day_boundary import SHARE_COLUMN, share_column, whole_weight
from hiring_funnel.episode_checks import check_episodes
from hiring_funnel.estimators._prepare import GroupCounts, Prepared, prepare
from hiring_funnel.estimators.cluster_paths import (
    cluster_products,
    forget_orders,
    row_weights,
    same_episodes,
)
from hiring_funnel.estimators.grid import DayGrid, day_curves, day_grid
from hiring_funnel.schema import HiringFunnelError

#: How the estimators' ``cluster`` default picks: by candidate where any
#: candidate holds more than one application, otherwise independent.
AUTO = "auto"
CLUSTERED = "infinitesimal jackknife, summed per candidate (as R's survfit robust = TRUE)"


@dataclass(frozen=True)
class Clusters:
    """The column the variances are summed by, and each episode's cluster code 0..C-1."""

    column: str
    codes: np.ndarray

    def rows(self, episodes: pd.DataFrame, by: list[str]) -> dict[str, np.ndarray | None]:
        """The positions of each group's episodes, keyed by the life table's group label (None: all)."""
        if not by:
            return {"all": None}
        from hiring_funnel.estimators._prepare import group_labels

        codes, labels = pd.factorize(group_labels(episodes, by))
        order = np.argsort(codes, kind="stable")
        cuts = np.cumsum(np.bincount(codes, minlength=len(labels)))[:-1]
        return {str(lab): pos for lab, pos in zip(labels, np.split(order, cuts), strict=True)}

    def part(
        self, episodes: pd.DataFrame, pos: np.ndarray | None
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """One group's episodes (only the columns the grid reads) and their cluster codes."""
        if pos is None:
            return episodes, self.codes  # the grid reads its three columns; no copy
        # Codes of other groups' clusters stay empty.
        share = [SHARE_COLUMN] if SHARE_COLUMN in episodes.columns else []
        return episodes[["entry", "duration", "cause", *share]].iloc[pos], self.codes[pos]


def clustering(episodes: pd.DataFrame, cluster: str | None, weights: str | None) -> Clusters | None:
    """The clusters to sum influences by, or None for the independent (Greenwood, cmprsk) variance.

    ``"auto"`` is ``candidate_id`` when the episodes have it and some
    candidate holds more than one of them, unless they are all one
    candidate's (:func:`one_candidate_notes`); a life table (no episodes) and
    weighted episodes are independent.
    """
    if weights is not None and cluster not in (None, AUTO):
        raise HiringFunnelError(
            f"cluster={cluster!r} cannot be combined with case weights",
            hint="leave out weights, or pass cluster=None",
        )
    if cluster is None or weights is not None or "at_risk" in episodes.columns:
        if cluster not in (None, AUTO):
            raise HiringFunnelError(
                f"cluster={cluster!r} needs episodes, not a life table",
                hint="pass the episodes, or cluster=None",
            )
        return None
    if cluster == AUTO:
        if "candidate_id" not in episodes.columns:
            return None
        codes = _codes(episodes, "candidate_id")
        counts = np.bincount(codes) if codes.size else np.zeros(0, dtype=np.int64)
        # One person's log: summed over a single candidate the variance would be 0.
        shared = (counts > 1).any() and (counts > 0).sum() > 1
        return Clusters("candidate_id", codes) if shared else None
    if cluster not in episodes.columns:
        raise HiringFunnelError(
            f"cluster column {cluster!r} is not in the episodes",
            column=cluster,
            hint='use "candidate_id", "auto" or None',
        )
    return Clusters(cluster, _codes(episodes, cluster))


def prepare_clustered(
    episodes: pd.DataFrame,
    by: str | Sequence[str] | None,
    weights: str | None,
    cluster: str | None,
) -> tuple[Prepared, Clusters | None]:
    """The estimator's counts per group (:func:`prepare`) and its clusters (:func:`clustering`).

    By candidate, on one group of episodes that all enter at 0, the counts
    are read off the day grid the variance needs (kept for the next
    estimator on the frame): equal to the life table's, element for element
    (tests/test_by_candidate.py), without counting the episodes twice.
    """
    if not isinstance(episodes, pd.DataFrame) or by or weights is not None or cluster is None:
        return prepare(episodes, by, weights=weights), clustering(episodes, cluster, weights)
    clustered = clustering(episodes, cluster, weights)  # reads the cluster column alone
    if clustered is None:  # also a life table
        return prepare(episodes), clustered
    check_episodes(episodes)  # as the life table would
    if _late(episodes):  # late entry: the grid's risk sets are counted another way
        return prepare(episodes), clustered
    g = _shared_rows(episodes, clustered.codes, hand_on=True, may_enter_late=False).grid
    counts = GroupCounts("all", g.time, g.n, g.d, g.dk, g.censored)
    labels = pd.DataFrame(index=pd.Index(["all"], name="group"))
    attrs = {k: episodes.attrs.get(k) for k in ("clock", "unit", "as_of")}
    return Prepared([counts], list(g.causes), [], labels, attrs), clustered


def one_candidate_notes(
    episodes: pd.DataFrame, cluster: str | None, clustered: Clusters | None = None
) -> list[str]:
    """The note of an estimate whose episodes are all one candidate's (``cluster="auto"``).

    Summed over one person the per-candidate variance is 0 (the influences of
    all episodes sum to 0), so such a log keeps the independent variance.

    >>> ep = pd.DataFrame({"candidate_id": ["me", "me"], "entry": 0.0, "duration": [3.0, 4.0]})
    >>> one_candidate_notes(ep, "auto")[0][:40]
    "all episodes are one candidate's: the in"
    """
    if clustered is not None or cluster != AUTO or "candidate_id" not in episodes.columns:
        return []
    if len(episodes) < 2:
        return []
    cand = episodes["candidate_id"]
    if cand.isna().any() or cand.nunique() != 1:
        return []
    return [
        "all episodes are one candidate's: the intervals take them as independent "
        "(summed over one person's log, the per-candidate variance would be 0)"
    ]


def late_entry_notes(episodes: pd.DataFrame) -> list[str]:
    """The note of an estimate on episodes with late entry (none without it).

    >>> ep = pd.DataFrame({"entry": [0.0, 2.0], "duration": [3.0, 4.0]})
    >>> late_entry_notes(ep)[0][:50]
    'late entry: an episode is at risk on days t with e'
    """
    if not _late(episodes):
        return []
    return [
        "late entry: an episode is at risk on days t with entry <= t <= duration "
        "(R: Surv(entry - 0.5, duration, event))"
    ]


def _late(episodes: pd.DataFrame) -> bool:
    """Whether any episode enters late (a life table has no ``entry`` column)."""
    if "entry" not in episodes.columns or "at_risk" in episodes.columns:
        return False
    return bool((episodes["entry"].to_numpy(dtype=np.float64) > 0).any())


def _small_codes(values: np.ndarray) -> bool:
    """Whether integers can serve as cluster codes as they are: 0 <= v < 4 n."""
    return bool(values.min() >= 0 and values.max() < 4 * values.size)


def _codes(episodes: pd.DataFrame, cluster: str) -> np.ndarray:
    """Cluster codes 0..C-1. Without a value: a cluster of its own (for candidate_id, the application's)."""
    column = episodes[cluster]
    if isinstance(column.dtype, pd.CategoricalDtype):
        # Codes for free (the clocks' candidate_id); unused categories stay empty
        # clusters. pandas' own array, read only here: copied before any change.
        codes = column.cat.codes.to_numpy()
    elif column.dtype.kind in "iu" and len(column) and _small_codes(column.to_numpy()):
        # Already codes (the engine's lean episodes); empty ones are harmless.
        codes = column.to_numpy().astype(np.int64)
    else:
        codes = pd.factorize(column)[0]
    alone = codes < 0
    if alone.any():
        codes = codes.astype(np.int64)
        top = codes.max(initial=-1) + 1
        if cluster == "candidate_id" and "application_id" in episodes.columns:
            codes[alone] = top + pd.factorize(episodes["application_id"].to_numpy()[alone])[0]
        else:
            codes[alone] = top + np.arange(alone.sum())
    return codes


@dataclass(frozen=True)
class _Rows:
    """One group's grid and curves, and its rows' days, kinds, weights and clusters (all read-only)."""

    grid: DayGrid
    curves: dict[str, np.ndarray]
    end: np.ndarray  # each row's day (an index into the grid)
    kind: np.ndarray
    sign: np.ndarray  # w of the row at C (day boundary); -w for the copy that takes a late entry's days before it off
    codes: np.ndarray
    n_clusters: int
    beta: np.ndarray  # the running sum beta before the first day, per cluster: its rows' weights
    before: np.ndarray | None  # the day boundary's rows at C - 1, taken by the walk (None: none)


@dataclass(frozen=True)
class _Sums:
    """One group's rows and the changes per (day, kind).

    ``table[r, day, kind]`` is the change an episode makes to running sum r
    (alpha, beta, then W_k of the causes asked); ``start`` their values
    before the first day, per cluster.
    """

    grid: DayGrid
    curves: dict[str, np.ndarray]
    end: np.ndarray  # each row's day (an index into the grid)
    kind: np.ndarray
    sign: np.ndarray  # row weights: last-day shares; negative for the copy that takes a late entry's days before it off
    codes: np.ndarray
    n_clusters: int
    table: np.ndarray  # (2 + causes asked, days, 1 + causes)
    start: np.ndarray  # (2 + causes asked, clusters)
    before: np.ndarray | None  # the rows at C - 1 (_Rows.before)


def _rows(episodes: pd.DataFrame, codes: np.ndarray, may_enter_late: bool = True) -> _Rows:
    codes = codes.astype(np.int64)  # ours alone, read-only: cluster_products may keep it as is
    codes.flags.writeable = False
    g = day_grid(episodes, codes, checked=True, may_enter_late=may_enter_late)
    c = day_curves(g)
    n_clusters = int(codes.max(initial=-1)) + 1
    end, kinds, sign, rows = g.end, g.kind, g.share, codes
    # The day boundary: weight w censored on day C and a row of 1 - w on C - 1,
    # which the walk takes from before_last (no copies of the columns here).
    # (A max of the -1s of whole days or no late entry is a third of a comparison.)
    before = g.before_last if g.before_last.max(initial=-1) >= 0 else None
    any_late = g.before_entry.max(initial=-1) >= 0
    late = np.flatnonzero(g.before_entry >= 0) if any_late else np.zeros(0, np.intp)
    if late.size:
        # Late entry: an episode entering on day b is the episode from day 0
        # less one from day 0 censored on the last day before b (the influence
        # is linear in the days at risk), a row of minus its weight in every sum.
        end = np.r_[end, g.before_entry[late]]
        kinds = np.r_[kinds, np.zeros(late.size, dtype=kinds.dtype)]
        sign = np.r_[sign, -whole_weight(g.share, g.before_last)[late]]
        rows = np.r_[rows, codes[late]]
    for a in (end, kinds, sign, rows):
        a.flags.writeable = False  # kept, and the sort keeps its order for them
    # Every row's weight per cluster, added up by the walk's sort (kept for the variance).
    unit = g.unit and not late.size  # every row of weight 1: counted
    beta = row_weights(
        end, kinds, rows, len(g.time), len(g.causes) + 1, None if unit else sign, before
    )
    # Kept for later calls, so nothing may change them.
    kept = (end, kinds, sign, rows, beta, g.time, g.n, g.d, g.dk, g.end, g.kind, g.before_last)
    for a in (*kept, *c.values()):
        a.flags.writeable = False
    return _Rows(g, c, end, kinds, sign, rows, n_clusters, beta, before)


# The three estimators on one frame need the same grid and rows: the last ones
# are kept and reused only for episodes equal element for element (a frame
# changed in place gets new ones). The grid itself holds what they were made
# from (each episode's day is time[end], its cause kind - 1), so only the
# clusters (ours, read-only) and any non-zero entries are kept besides.
_KEEP = 1  # a frame's three estimators; each entry holds about 35 bytes per episode
_kept: list[tuple[np.ndarray | None, _Rows]] = []
_lock = threading.Lock()


def _made_from(
    kept: tuple[np.ndarray | None, _Rows], episodes: pd.DataFrame, codes: np.ndarray
) -> bool:
    entry, r = kept
    g = r.grid
    cause = episodes["cause"]
    if len(episodes) != len(g.end) or tuple(str(c) for c in cause.cat.categories) != g.causes:
        return False
    duration, kinds = episodes["duration"].to_numpy(dtype=float), cause.cat.codes.to_numpy()
    grid = (g.time, g.end, g.kind, g.candidate, g.share)  # shares: hiring_funnel.day_boundary
    if not same_episodes(grid, duration, kinds, codes, share_column(episodes)):
        return False
    now = episodes["entry"].to_numpy(dtype=float)
    return not now.any() if entry is None else np.array_equal(entry, now)


# Rows prepare_clustered has just made or found for one estimator call, handed
# to that call's variance once: its cluster codes are a new array each call
# (clustering), so the very same codes object marks the same call and frame.
_handed: list[tuple[np.ndarray, _Rows]] = []


def _shared_rows(
    episodes: pd.DataFrame, codes: np.ndarray, *, hand_on: bool = False, may_enter_late: bool = True
) -> _Rows:
    """The kept rows of an equal frame, or new ones (``may_enter_late`` False: known none does)."""
    with _lock:
        if _handed and _handed[0][0] is codes:
            return _handed.pop()[1]
        for i, kept in enumerate(_kept):
            if _made_from(kept, episodes, codes):
                _kept.insert(0, _kept.pop(i))
                _handed[:] = [(codes, kept[1])] if hand_on else []
                return kept[1]
    got = _rows(episodes, codes, may_enter_late)
    entry = episodes["entry"].to_numpy(dtype=float) if may_enter_late else None
    with _lock:
        _kept.insert(0, (entry.copy() if entry is not None and entry.any() else None, got))
        del _kept[_KEEP:]
        _handed[:] = [(codes, got)] if hand_on else []
    return got


def forget_kept() -> None:
    """Drop the kept grids, rows and sort orders (to time a first call, or free their memory)."""
    with _lock:
        _kept.clear()
        _handed.clear()
    forget_orders()


def _sums(episodes: pd.DataFrame, codes: np.ndarray, causes: list[int]) -> _Sums:
    r = _shared_rows(episodes, codes)
    g, c = r.grid, r.curves
    days, width = len(g.time), len(g.causes) + 1
    e, kind = np.arange(days)[:, None], np.arange(width)[None, :]
    led = e + 1
    v = (kind > 0) * c["inv"][e] - c["A"][led]
    own = (c["S"][:-1] / g.n)[e]
    w = [
        v * c["F"][k][led] + c["B"][k][led] - c["C"][k][led] + (kind == k + 1) * own for k in causes
    ]
    table = np.stack([v, np.full((days, width), -1.0), *w])
    start = np.zeros((table.shape[0], r.n_clusters))
    start[1] = r.beta
    return _Sums(g, c, r.end, r.kind, r.sign, r.codes, r.n_clusters, table, start, r.before)


def _paths(
    s: _Sums,
    pairs: list[tuple[int, int]],
    fixed: np.ndarray | None = None,
    fixed_at: int = 0,
) -> np.ndarray:
    """Products of (alpha, beta, W..[, fixed]) summed over clusters on every day, led: out[a, b, J + 1]."""
    got = cluster_products(
        s.end, s.kind, s.codes, s.n_clusters, s.table, s.start, pairs, fixed, fixed_at, s.sign,
        s.before,
    )  # fmt: skip
    size = s.table.shape[0] + (fixed is not None)
    out = np.full((size, size, got.shape[1]), np.nan)
    for (a, b), path in zip(pairs, got, strict=True):
        out[a, b] = out[b, a] = path
    return out


def _at(s: _Sums, times: np.ndarray) -> np.ndarray:
    """Led index of the grid day on or before each time (0 before the first day)."""
    return s.grid.day_of(times) + 1


def survival_variance(episodes: pd.DataFrame, codes: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Var S(t) summed per cluster at ``times``: R's survfit(..., cluster =, robust = TRUE)."""
    s = _sums(episodes, codes, [])
    p, at = _paths(s, [(0, 0), (0, 1), (1, 1)]), _at(s, times)
    a, surv = s.curves["A"][at], s.curves["S"][at]
    var = surv**2 * (p[0, 0, at] - 2 * a * p[0, 1, at] + a**2 * p[1, 1, at])
    return np.maximum(var, 0.0)


def survival_paths(
    episodes: pd.DataFrame, codes: np.ndarray, j_t: int
) -> tuple[np.ndarray, np.ndarray]:
    """Var S(t_J) and Cov(S(t_J), S(t_j_t)) summed per cluster on every grid day J.

    The general form (late entry included) of what
    :func:`hiring_funnel.estimators.influence.answer_share` needs. A
    cluster's influence on S(t_j_t), -S (alpha_c - A beta_c) there, is the
    fixed sum.
    """
    s = _sums(episodes, codes, [])
    c, at = s.curves, j_t + 1
    fixed = np.array([-c["S"][at], c["S"][at] * c["A"][at]])
    p = _paths(s, [(0, 0), (0, 1), (1, 1), (0, 2), (1, 2)], fixed, at)[:, :, 1:]
    a, surv = c["A"][1:], c["S"][1:]
    var = surv**2 * (p[0, 0] - 2 * a * p[0, 1] + a**2 * p[1, 1])
    return np.maximum(var, 0.0), -surv * (p[0, 2] - a * p[1, 2])


def incidence_variance(
    episodes: pd.DataFrame, codes: np.ndarray, times: np.ndarray, causes: list[int]
) -> np.ndarray:
    """Var F_k(t) summed per cluster, shape (len(causes), len(times)); causes index the categories."""
    s = _sums(episodes, codes, causes)
    m = 2 + len(causes)
    pairs = [(0, 0), (0, 1), (1, 1)] + [(a, w) for w in range(2, m) for a in (0, 1, w)]
    p, at = _paths(s, pairs), _at(s, times)
    out = []
    for w, k in enumerate(causes, start=2):
        f, g = s.curves["F"][k][at], (s.curves["B"][k] - s.curves["C"][k])[at]
        var = (
            f**2 * p[0, 0, at]
            + p[w, w, at]
            + g**2 * p[1, 1, at]
            - 2 * f * p[0, w, at]
            - 2 * f * g * p[0, 1, at]
            + 2 * g * p[1, w, at]
        )
        out.append(np.maximum(var, 0.0))
    return np.array(out).reshape(len(causes), len(times))


def still_hope_variance(
    episodes: pd.DataFrame, codes: np.ndarray, cause: int, waited: np.ndarray, horizon: float
) -> np.ndarray:
    """Var of (F(tau) - F(s)) / S(s) summed per cluster, for each s in ``waited``.

    A cluster's summed influence times S(s) is T_c + alpha_c(s) (F_s + p S_s)
    - W_c(s) - beta_c(s) (G_s + p S_s A_s), T_c its summed influence on
    F(tau), p the estimate; T is a fixed running sum, so one more path.
    """
    s = _sums(episodes, codes, [cause])
    c = s.curves
    tau = int(_at(s, np.array([horizon]))[0])
    f, gk = c["F"][cause], c["B"][cause] - c["C"][cause]
    # T_c, the cluster's summed influence on F(tau): -alpha_c f + W_c + beta_c G at tau.
    t_c = np.array([-f[tau], gk[tau], 1.0])
    rows = [0, 1, 2, 3]  # alpha, beta, W, T
    pairs = [(a, b) for a in rows for b in rows if a <= b]
    p, at = _paths(s, pairs, t_c, tau), _at(s, np.asarray(waited, dtype=float))
    surv, a = c["S"][at], c["A"][at]
    with np.errstate(divide="ignore", invalid="ignore"):
        est = (f[tau] - f[at]) / surv
        coef = np.array(
            [f[at] + est * surv, -(gk[at] + est * surv * a), -np.ones_like(est), np.ones_like(est)]
        )
        var = np.einsum("ai,abi,bi->i", coef, p[:, :, at], coef) / surv**2
    return np.where(surv > 0, np.maximum(var, 0.0), np.nan)
