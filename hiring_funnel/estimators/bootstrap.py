"""Intervals that respect several applications of one candidate: a cluster bootstrap on counts.

Applications of one candidate are not independent (one person's CV, field and
persistence shape all of them), so intervals that treat rows as independent
are too narrow. The bootstrap resamples candidates with replacement, not rows
(Davison & Hinkley 1997, section 3.8). Each replicate is a weighted life table:
the weight of a candidate is how often it was drawn, and one sparse product
turns the (replicate x candidate) weight matrix into every replicate's counts
at once, so no replicate ever touches the rows again.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.estimators._prepare import check_conf_level, group_labels
from hiring_funnel.lifetable import life_table
from hiring_funnel.results import EstimateResult, kind_of
from hiring_funnel.schema import HiringFunnelError

_KEYS = ["group", "time", "cause"]
#: Below this many clusters the percentile bootstrap is said to be unreliable.
MIN_CLUSTERS = 20
#: A percentile interval needs at least this many resamples in which the estimate
#: exists; from fewer (issue 10: "46.7% (63.9-63.9)" from one) none is given.
MIN_USABLE_RESAMPLES = 20


def bootstrap(
    estimator: Callable[..., EstimateResult],
    episodes: pd.DataFrame,
    *,
    seed: int | np.random.Generator,
    cluster: str = "candidate_id",
    n_resamples: int = 200,
    by: str | Sequence[str] | None = None,
    conf_level: float = 0.95,
    **kwargs: Any,
) -> EstimateResult:
    """Run ``estimator`` with percentile intervals from resampling candidates.

    Parameters
    ----------
    estimator : callable
        One of :func:`kaplan_meier`, :func:`cumulative_incidence`,
        :func:`still_hope`, :func:`outcome_mix` (anything that takes a life
        table and ``by=`` and returns an :class:`EstimateResult`).
    episodes : DataFrame
        Episodes with the ``cluster`` column.
    seed : int or numpy Generator
        Every resample is drawn from ``numpy.random.default_rng(seed)``.
    cluster : str
        The column whose values are resampled (default ``candidate_id``).
    n_resamples : int
        Number of bootstrap replicates.
    by, conf_level, **kwargs
        Passed to the estimator (e.g. ``cause=`` and ``horizon=`` for still_hope).

    Returns
    -------
    EstimateResult
        The estimator's result on the data, with ``ci_lower``/``ci_upper``
        the bootstrap percentile interval and ``std_error`` the bootstrap
        standard deviation; ``meta["variance"]`` says so, and
        ``meta["replicates_used"]`` gives, per row, the replicates in which the
        estimate existed (a replicate can lose a group or a curve). A row with
        fewer than :data:`MIN_USABLE_RESAMPLES` of them gets no interval (NaN),
        and a note says so.

    Examples
    --------
    >>> import hiring_funnel as hf
    >>> from hiring_funnel.estimators import kaplan_meier
    >>> sim = hf.simulate(300, seed=2)
    >>> ep = hf.episodes(sim.events, "first_response", as_of=sim.as_of)
    >>> res = bootstrap(kaplan_meier, ep, seed=1, n_resamples=50)
    >>> bool((res.table["ci_lower"] <= res.table["estimate"]).all())
    True
    """
    check_conf_level(conf_level)
    if n_resamples < 2:
        raise HiringFunnelError(f"n_resamples must be at least 2, not {n_resamples}")
    if cluster not in episodes.columns:
        raise HiringFunnelError(
            f"no cluster column {cluster!r} in the episodes",
            hint=f"columns: {list(episodes.columns)}",
        )
    n_clusters = episodes[cluster].nunique(dropna=False)
    if n_clusters < 2:
        raise HiringFunnelError(
            f"the episodes have {n_clusters} {cluster} value(s); resampling needs at least 2",
            hint="a single job seeker's log has one candidate: use the estimator's own intervals",
        )
    by_cols = [by] if isinstance(by, str) else list(by or [])
    base = estimator(episodes, by=by_cols or None, conf_level=conf_level, **kwargs)
    rng = np.random.default_rng(seed)
    table0 = life_table(episodes, by=by_cols or None)
    counts, at_risk = _replicate_counts(episodes, table0, by_cols, cluster, n_resamples, rng)

    keys = pd.MultiIndex.from_frame(base.table[_KEYS])
    draws = np.full((n_resamples, len(keys)), np.nan)
    # A curve can vanish from a replicate (no offer drawn in a small group):
    # the estimator then leaves it out as not estimable, but the replicate's
    # true value is known (incidence 0, survival 1). Counting those replicates
    # as missing would push the interval of a rare cause up.
    kind = kind_of(base.kind)  # a curve a replicate lacks: its kind's empty value
    empty_value = kind.empty if kind else None
    episodes_in_group = (
        pd.DataFrame(counts.sum(axis=2).T).groupby(group_labels(table0, by_cols)).sum()
    )  # (groups, replicates): episodes each replicate drew in each group
    present = episodes_in_group.reindex(keys.get_level_values("group")).to_numpy().T > 0
    curve_of_row, curves = pd.factorize(pd.MultiIndex.from_frame(base.table[["group", "cause"]]))
    frame = table0.copy()
    cause_cols = [c for c in table0.columns if c.startswith("events_")]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # replicates may lose a curve: counted below
        for b in range(n_resamples):
            frame["at_risk"] = at_risk[b]
            frame[cause_cols] = counts[b, :, : len(cause_cols)]
            frame["events"] = counts[b, :, : len(cause_cols)].sum(axis=1)
            frame["censored"] = counts[b, :, -1]
            rep = estimator(frame, by=by_cols or None, conf_level=conf_level, **kwargs).table
            draws[b] = rep.set_index(_KEYS)["estimate"].reindex(keys).to_numpy()
            if empty_value is not None:
                drawn = curves.get_indexer(
                    pd.MultiIndex.from_frame(rep[["group", "cause"]]).unique()
                )
                missing = ~np.isin(curve_of_row, drawn) & present[b]
                draws[b][missing] = empty_value
    alpha = 1.0 - conf_level
    used = np.isfinite(draws).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns stay NaN
        lower = np.nanquantile(draws, alpha / 2, axis=0)
        upper = np.nanquantile(draws, 1 - alpha / 2, axis=0)
        spread = np.nanstd(draws, axis=0, ddof=1)
    thin = used < MIN_USABLE_RESAMPLES
    lower, upper, spread = (np.where(thin, np.nan, v) for v in (lower, upper, spread))
    table = base.table.copy()
    table["ci_lower"], table["ci_upper"], table["std_error"] = lower, upper, spread
    meta = dict(base.meta)
    if thin.any():
        meta["notes"] = [
            *meta.get("notes", []),
            f"{int(thin.sum())} row(s) have no interval: the estimate existed in fewer than "
            f"{MIN_USABLE_RESAMPLES} of the {n_resamples} replicates (use more replicates)",
        ]
    if n_clusters < MIN_CLUSTERS:
        meta["notes"] = [
            *meta.get("notes", []),
            f"only {n_clusters} {cluster} values: a bootstrap over so few is unreliable "
            "(its intervals are too narrow)",
        ]
    meta.update(
        variance=f"cluster bootstrap: {n_clusters:,} {cluster} values resampled with replacement, "
        f"{n_resamples} replicates",
        interval="bootstrap percentile",
        seed=seed if isinstance(seed, int) else None,
        replicates_used=used,
    )
    return EstimateResult(base.kind, table, meta)


def _replicate_counts(
    episodes: pd.DataFrame,
    table0: pd.DataFrame,
    by_cols: list[str],
    cluster: str,
    n_resamples: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Every replicate's life-table counts on the original (group, time) grid.

    Returns ``counts`` of shape (replicates, rows, causes + 1), the last slot
    censorings, and ``at_risk`` of shape (replicates, rows).
    """
    n_rows = len(table0)
    causes = episodes["cause"].cat.codes.to_numpy().astype(np.int64)
    n_causes = len(episodes["cause"].cat.categories)
    slot = np.where(causes < 0, n_causes, causes)
    group_of_row, group_of_episode = _group_index(table0, episodes, by_cols)
    # The life-table row of each episode's exit and entry: times are sorted within a group.
    starts = np.flatnonzero(np.r_[True, group_of_row[1:] != group_of_row[:-1]])
    ends = np.r_[starts[1:], n_rows]
    times = table0["time"].to_numpy(dtype=float)
    duration = episodes["duration"].to_numpy(dtype=float)
    entry = episodes["entry"].to_numpy(dtype=float)
    exit_row = np.empty(len(episodes), dtype=np.int64)
    entry_row = np.full(len(episodes), -1, dtype=np.int64)
    for g, (a, b) in enumerate(zip(starts, ends, strict=True)):
        mine = group_of_episode == g
        exit_row[mine] = a + np.searchsorted(times[a:b], duration[mine])
        late = mine & (entry > 0)
        entry_row[late] = a + np.searchsorted(times[a:b], entry[late])
    from scipy import sparse  # here: ``import hiring_funnel`` does not pay for it

    codes, uniques = pd.factorize(episodes[cluster], use_na_sentinel=False)
    n_clusters = len(uniques)
    width = n_causes + 1
    exits = sparse.csr_matrix(
        (np.ones(len(episodes)), (codes, exit_row * width + slot)),
        shape=(n_clusters, n_rows * width),
    )
    # How often each candidate is drawn: n_clusters draws with replacement per replicate.
    picks = rng.integers(0, n_clusters, size=(n_resamples, n_clusters), dtype=np.int64)
    picks += np.arange(n_resamples, dtype=np.int64)[:, None] * n_clusters
    weights = np.bincount(picks.ravel(), minlength=n_resamples * n_clusters).reshape(
        n_resamples, n_clusters
    )
    del picks
    counts = np.asarray((exits.T @ weights.T.astype(np.float64)).T).reshape(
        n_resamples, n_rows, width
    )
    removed = counts.sum(axis=2)
    at_risk = np.empty((n_resamples, n_rows))
    late = entry_row >= 0
    entered = np.zeros((n_resamples, n_rows))
    if late.any():
        entries = sparse.csr_matrix(
            (np.ones(int(late.sum())), (codes[late], entry_row[late])), shape=(n_clusters, n_rows)
        )
        entered = np.asarray((entries.T @ weights.T.astype(np.float64)).T)
    for a, b in zip(starts, ends, strict=True):
        # at risk at t: exits at or after t, less entries after t (entry <= t <= duration).
        out_later = np.cumsum(removed[:, a:b][:, ::-1], axis=1)[:, ::-1]
        in_later = np.cumsum(entered[:, a:b][:, ::-1], axis=1)[:, ::-1] - entered[:, a:b]
        at_risk[:, a:b] = out_later - in_later
    return counts, at_risk


def _group_index(
    table0: pd.DataFrame, episodes: pd.DataFrame, by_cols: list[str]
) -> tuple[np.ndarray, np.ndarray]:
    if not by_cols:
        return np.zeros(len(table0), dtype=np.int64), np.zeros(len(episodes), dtype=np.int64)
    row_keys = table0[by_cols].astype("string").fillna("\x00missing")
    ep_keys = episodes[by_cols].astype("string").fillna("\x00missing")
    row_label = row_keys.agg("\x1f".join, axis=1) if len(by_cols) > 1 else row_keys[by_cols[0]]
    ep_label = ep_keys.agg("\x1f".join, axis=1) if len(by_cols) > 1 else ep_keys[by_cols[0]]
    order = pd.Index(pd.unique(row_label.to_numpy()))
    return order.get_indexer(row_label.to_numpy()), order.get_indexer(ep_label.to_numpy())
