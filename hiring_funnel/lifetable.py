"""Life tables: per group and time, the number at risk, events by cause, censorings.

DESIGN.md: "All non-parametric estimators read a life table, never the raw
rows." This is the only step after the clocks that touches every episode, so it
is kept to plain aggregation, counts by (group, time), that an engine such as
DuckDB or Spark can compute as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.day_boundary import shares_of, split_rows
from hiring_funnel.deprecation import keywords_from
from hiring_funnel.episode_checks import TABLE_COLUMNS, check_episodes
from hiring_funnel.schema import HiringFunnelError, on_engine

__all__ = ["TABLE_COLUMNS", "check_episodes", "life_table"]  # the first two from episode_checks


@keywords_from("by")
def life_table(
    episodes: pd.DataFrame | Any,
    *,
    by: str | Sequence[str] | None = None,
    weights: str | None = None,
) -> pd.DataFrame:
    """Count, per group and time, who is at risk, who has an event and who is censored.

    With event and censoring times t_1 < t_2 < ... in a group, one row per
    distinct time at which something happens (an event, a censoring, or an
    entry after 0):

    - ``at_risk``: episodes with ``entry <= t`` and ``duration >= t``, so an
      episode that ends at t is still at risk at t (the n_j of Kaplan-Meier),
      and a zero-length episode is at risk at t = 0;
    - ``events``: episodes ending at t with any cause, and ``events_<cause>``
      one column per cause, in the order of the ``cause`` categories;
    - ``censored``: episodes ending at t with a missing cause;
    - ``entered``: episodes with ``entry == t > 0`` (late entry; all zero
      without left truncation).

    This is the boundary of the data flow that is later pushed down to an
    engine (DuckDB for files on disk, Spark for a cluster): everything before
    it is per row, everything after it reads this small table. Keep it plain
    aggregation, counts by (group, time) followed by a cumulative sum within
    each group, so the engines compute the same table, e.g. in SQL::

        SELECT g, duration AS time, count(*) FILTER (WHERE cause IS NULL) AS censored, ...
        FROM episodes GROUP BY g, duration
        -- at_risk = sum(removed) OVER (PARTITION BY g ORDER BY time DESC) - later entries

    A column ``last_day_share`` (:func:`hiring_funnel.episodes`,
    ``day_boundary="time_of_day"``; :mod:`hiring_funnel.day_boundary`) gives
    each censored episode its share w of being at risk on its last day C: it
    counts w censored at C and 1 - w censored at C - 1 (dropped where C - 1 <
    ``entry``), so at_risk(C) loses the sum of 1 - w; times ``weights`` when
    both are given. Counts are float when any share is below 1; without the
    column (or with all shares 1) every episode is at risk all of day C.

    Parameters
    ----------
    episodes : DataFrame or engine episodes
        Canonical episodes (``entry``, ``duration``, categorical ``cause``),
        checked by :func:`check_episodes`. Episodes on an engine
        (:func:`hiring_funnel.episodes` of an engine log) are counted there
        (:func:`hiring_funnel.engine.life_table`), with the same result.
    by : str or sequence of str, optional
        Group columns. Missing group values form a group of their own, so no
        episode is dropped.
    weights : str, optional
        Column of non-negative case weights; every count becomes the sum of the
        weights (float). Integer weights give the table of the repeated rows,
        which is how a bootstrap replicate is tabulated.

    Returns
    -------
    DataFrame
        The group columns (in the order of ``by``, same dtypes), then ``time,
        at_risk, events, events_<cause>..., censored, entered``; sorted by
        group then time. Counts are int64 without weights, float64 with.
        ``attrs`` holds ``by``, ``causes`` and ``weights``, plus ``clock``,
        ``unit`` and ``as_of`` when the episodes carry them.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({
    ...     "entry": 0.0, "duration": [0.0, 2.0, 2.0, 5.0],
    ...     "cause": pd.Categorical(["offer", "rejection", None, "offer"],
    ...                             categories=["offer", "rejection"])})
    >>> life_table(ep)
       time  at_risk  events  events_offer  events_rejection  censored  entered
    0   0.0        4       1             1                 0         0        0
    1   2.0        3       1             0                 1         1        0
    2   5.0        1       1             1                 0         0        0
    """
    if on_engine(episodes):
        # Episodes on an engine: the counts run there, days x groups x causes come back.
        from hiring_funnel.engine.lifetable import life_table as on_the_engine

        if weights is not None:
            raise HiringFunnelError(
                "case weights are not counted on an engine yet",
                hint="collect the episodes first (.to_pandas()), or leave out weights",
            )
        return on_the_engine(episodes, by)
    by_cols = [by] if isinstance(by, str) else list(by or [])
    check_episodes(episodes, by=by_cols, weights=weights)
    causes = [str(c) for c in episodes["cause"].cat.categories]
    n_causes = len(causes)

    # A censored episode's share w of its last day C (day_boundary): a row
    # censored at C of weight w and one censored at C - 1 of weight 1 - w.
    entry = episodes["entry"].to_numpy(dtype=np.float64)
    duration = episodes["duration"].to_numpy(dtype=np.float64)
    cause = episodes["cause"].cat.codes.to_numpy()  # -1 = censored
    share = shares_of(episodes)
    w = None if weights is None else episodes[weights].to_numpy(dtype=np.float64)
    fast = None
    if not by_cols and not entry.any():
        # The clocks' usual output (whole days, one group, no late entry): the
        # day itself indexes the bincount, with no codes to compute per row.
        fast = _one_group_whole_days(duration, cause, n_causes, w, share)
    rows = split_rows(entry, duration, cause, None if fast is not None else share, w)
    duration, entry, cause, w = rows.duration, rows.entry, rows.cause, rows.weight
    if fast is not None and share is not None and w is None:
        w = share  # counts are weights (float), as the rows' would be
    late = np.flatnonzero(entry > 0)
    n_rows = len(duration)

    # Cells are (group, time) pairs, numbered in sorted order without sorting
    # the rows: day durations index a bincount directly, other values are
    # hashed and only the distinct ones sorted.
    groups, n_groups = _group_codes(episodes, by_cols) if by_cols else (np.zeros(0, np.int64), 1)
    if by_cols and n_rows != len(episodes):
        groups = groups[rows.source]
    if fast is not None:
        counts, times = fast
        n_times = n_cells = len(times)
        keys = np.arange(n_cells, dtype=np.int64)
        entered: np.ndarray = np.zeros(n_cells)
    else:
        t_code, times = _time_codes(
            np.concatenate([duration, entry[late]]) if late.size else duration
        )
        n_times = max(len(times), 1)
        if by_cols:
            cell, keys = _dense_codes(
                np.concatenate([groups, groups[late]]) * n_times + t_code, n_groups * n_times
            )
        else:  # one group: the time codes already are the cells
            cell, keys = t_code, np.arange(len(times), dtype=np.int64)
        del t_code
        n_cells = len(keys)
        end_cell, entry_cell = cell[:n_rows], cell[n_rows:]

        # One bincount fills censored (slot 0) and every cause (slot k + 1) at once.
        slot = end_cell.astype(np.int64) * (n_causes + 1) + (cause + 1)
        counts = np.bincount(slot, weights=w, minlength=n_cells * (n_causes + 1))
        counts = counts.reshape(n_cells, n_causes + 1)
        entered = np.bincount(entry_cell, weights=None if w is None else w[late], minlength=n_cells)
    removed = counts.sum(axis=1)
    cell_group = keys // n_times

    # Anyone with duration >= t is still here at t unless they enter after t
    # (entry > t implies duration > t), hence
    #   at_risk(t) = #(duration >= t) - #(entry > t),
    # both reverse cumulative sums within the group. Summing within groups,
    # not a global cumsum minus offsets, keeps float weights of one group from
    # cancelling against the totals of the others.
    at_risk = _reverse_cumsum(removed, cell_group) - (
        _reverse_cumsum(entered, cell_group) - entered
    )

    dtype = np.int64 if w is None else np.float64
    columns: dict[str, np.ndarray] = {
        "time": np.asarray(times, dtype=np.float64)[keys % n_times],
        "at_risk": at_risk.astype(dtype, copy=False),
        "events": counts[:, 1:].sum(axis=1).astype(dtype, copy=False),
    }
    for k, name in enumerate(causes):
        columns[f"events_{name}"] = counts[:, k + 1].astype(dtype, copy=False)
    columns["censored"] = counts[:, 0].astype(dtype, copy=False)
    columns["entered"] = entered.astype(dtype, copy=False)
    table = pd.DataFrame(columns)
    if by_cols:
        # Any row of a group carries its values; this keeps each column's dtype
        # (a categorical group stays categorical with all its categories).
        representative = np.zeros(n_groups, dtype=np.int64)
        representative[groups] = rows.source
        labels = episodes[by_cols].iloc[representative[cell_group]].reset_index(drop=True)
        table = pd.concat([labels, table], axis=1)
    table.attrs = {"by": by_cols, "causes": causes, "weights": weights}
    for key in ("clock", "unit", "as_of"):
        if key in episodes.attrs:
            table.attrs[key] = episodes.attrs[key]
    return table


def _group_codes(episodes: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, int]:
    """Group number of every row, numbered in sorted order of the group values.

    Each column is factorized with its own sort order (category order for a
    categorical, missing last), and the codes are combined in mixed radix,
    which sorts lexicographically like ``groupby(sort=True)``.
    """
    codes = np.zeros(len(episodes), dtype=np.int64)
    size = 1
    for col in by:
        col_codes, uniques = pd.factorize(episodes[col], sort=True, use_na_sentinel=False)
        codes = codes * len(uniques) + col_codes
        size *= len(uniques)
        if size > 2**31:
            # Renumber densely (keeping the order) before the product overflows.
            codes, dense = pd.factorize(codes, sort=True)
            size = len(dense)
    return codes.astype(np.int64), size


def _one_group_whole_days(
    duration: np.ndarray,
    cause: np.ndarray,
    n_causes: int,
    w: np.ndarray | None,
    share: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Counts per day and slot (censored, then each cause) when every duration is a whole day.

    Returns None when the durations are not whole days in a small range.
    With ``share`` (no late entry) the counts are those of
    :func:`~hiring_funnel.day_boundary.split_rows`' rows, added in the same
    order, without making the rows.
    """
    # check_episodes has made sure durations are finite and >= 0.
    if not duration.size or duration.max() >= max(4 * duration.size, 1 << 20):
        return None
    whole = duration.astype(np.int64)
    if not np.array_equal(whole, duration):
        return None
    width = n_causes + 1
    n_days = int(whole.max()) + 1
    if share is not None:
        base = np.ones(0) if w is None else w
        counts, occupied = _split_counts()(whole, cause, share, base, width, n_days)
        counts = counts.reshape(n_days, width)
        days = np.flatnonzero(occupied)
        return counts[days], days.astype(np.float64)
    slot = whole * width
    slot += cause  # cause codes are -1 (censored) to K-1, so slot + 1 is 0 to K
    slot += 1
    counts = np.bincount(slot, weights=w, minlength=n_days * width)
    counts = counts.reshape(n_days, width)
    # A day is a time point when some episode ends on it, whatever its weight.
    occupied = counts.sum(axis=1) > 0 if w is None else np.bincount(whole, minlength=n_days) > 0
    days = np.flatnonzero(occupied)
    return counts[days], days.astype(np.float64)


def _split_rows_counted(day, cause, share, base, width, n_days):
    # split_rows' rows (entry 0) counted in its order: every row at C (share >
    # 0), then every row at C - 1 (share < 1, C >= 1); a day with a row is a
    # time point whatever its weight.
    counts = np.zeros(n_days * width)
    occupied = np.zeros(n_days, np.bool_)
    weighted = base.size > 0
    for i in range(day.size):
        if share[i] > 0:
            counts[day[i] * width + cause[i] + 1] += share[i] * base[i] if weighted else share[i]
            occupied[day[i]] = True
    for i in range(day.size):
        if share[i] < 1 and day[i] >= 1:
            rest = 1.0 - share[i]
            counts[(day[i] - 1) * width] += rest * base[i] if weighted else rest
            occupied[day[i] - 1] = True
    return counts, occupied


@cache
def _split_counts() -> Any:
    import numba  # compiled once per machine (cache=True), as the per-candidate walk

    return numba.njit(cache=True, nogil=True)(_split_rows_counted)


def _time_codes(times: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Codes of ``times`` numbered in ascending order of the distinct times."""
    if times.size and times.max() < max(4 * times.size, 1 << 20):
        whole = times.astype(np.int64)
        if np.array_equal(whole, times):  # whole days: the clocks' output
            codes, present = _dense_codes(whole, int(whole.max()) + 1)
            return codes, present.astype(np.float64)
    # The hash table treats -0.0 and 0.0 as one value; "+ 0.0" prints it as 0.0.
    codes, uniques = pd.factorize(times)
    order = np.argsort(uniques, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[codes], np.asarray(uniques, dtype=np.float64)[order] + 0.0


def _dense_codes(key: np.ndarray, n_possible: int) -> tuple[np.ndarray, np.ndarray]:
    """Dense codes of the non-negative integer ``key`` in ascending order, and the keys.

    When the range of keys is small (the usual case: days x groups), mark the
    occupied ones with a bincount, which needs neither hashing nor sorting;
    otherwise hash, and sort only the distinct keys.
    """
    if n_possible <= max(4 * key.size, 1 << 20):
        occupied = np.bincount(key, minlength=n_possible) > 0
        number = np.cumsum(occupied) - 1
        return number[key], np.flatnonzero(occupied)
    codes, uniques = pd.factorize(key, sort=True)
    return codes, np.asarray(uniques, dtype=np.int64)


def _reverse_cumsum(values: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Sum of ``values`` from each position to the end of its group (group is sorted)."""
    if group.size == 0 or group[0] == group[-1]:
        return np.cumsum(values[::-1])[::-1]
    flipped = pd.Series(values[::-1]).groupby(group[::-1], sort=False).cumsum()
    return flipped.to_numpy()[::-1]
