"""The day boundary: how much of its last day a censored episode was at risk (issue 15, item 3).

The clocks count whole calendar days (duration = UTC date of the end minus
UTC date of the origin). An episode censored partway through day C (an as-of
time of 17:00, a withdrawal at 11:00, ``observed_until``) would count as at
risk for all of day C although answers later that day could not be seen,
which biases the hazards down. With ``day_boundary="time_of_day"`` (the
default of :func:`hiring_funnel.episodes` with ``unit="days"``) each censored
episode gets a weight w in [0, 1], its share of being at risk on day C, in
the episode column ``last_day_share``; episodes with an event have w = 1, and
so has every episode without the column (business days, ``end_of_day``,
hand-built frames, old CSVs):

1. tau is the time of day (UTC, a fraction of the day in [0, 1)) of the
   episode's end moment: the censoring moment for a censored episode, the
   answer's timestamp for an answered one; on day 0 also u, the origin's
   time of day.
2. The raw share g of a censored episode ending on day C at time of day c:
   among the answered episodes of the whole frame (pooled over groups, any
   cause) with duration C, the share whose answer tau is <= c (ties: the
   answer counts as before the censoring, the Kaplan-Meier convention). On
   day 0, among the day-0 answers with tau > u (u this episode's origin time
   of day), the share with tau <= c. No answers to compare with: g = 1. So
   a date-only log (all times 00:00) has g = 1 everywhere (the end_of_day
   numbers exactly), and an as-of given as a bare date (midnight) with
   timestamped answers has g = 0 unless answers came at midnight: nothing of
   that day was observable, the episode is censored at C - 1.
3. Self-consistency: the answered episodes of day C keep weight 1, so the
   censored ones carry the rest. Of n_G episodes whose censoring falls on day
   C at share g, n_G h g would have been answered before it (weight 1, they
   are among the answers), h = d_C / n_C the all-cause hazard of day C; the
   n_G (1 - h g) still censored then must carry n_G g - n_G h g in total so
   that the expected risk of the n_G is n_G g, which makes the day's hazard
   estimate d_C / n_C unbiased:

       w = g (1 - h) / (1 - h g).

   h is read from the pooled, unweighted day life table of the frame (at
   risk: entry <= C <= duration, late entry included; d_C answers of any
   cause on day C). h < 1 on a day with a censoring, so w is defined.
4. Representation: an episode with weight w at risk on day C is a row
   censored at C with weight w plus a row censored at C - 1 with weight
   1 - w; for C = 0 (or an episode entering late on day C) the second row
   drops: it is not at risk at all on that day for share 1 - w. Every
   estimator stays a life-table computation (:func:`split_rows`), and R
   reproduces it with ``survfit(..., weights =)``
   (``tests/reference/make_day_boundary_reference.R``).

Read by :func:`hiring_funnel.life_table` (so Kaplan-Meier, the cumulative
incidences, still hope, quantiles, the tests, the outcome mix ...) and by the
influence functions and the variances summed per candidate. The regression
models (Cox, Fine-Gray, AFT, cure, the pending model) and ``state_paths``
keep whole days in this round, and the DuckDB/Spark engines build episodes
without the column (end_of_day).
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from hiring_funnel.daycount import NS_PER_DAY

__all__ = [
    "DAY_BOUNDARIES",
    "SHARE_COLUMN",
    "SplitRows",
    "last_day_grid",
    "last_day_shares",
    "shares_of",
    "split_rows",
]

#: The episode column holding each episode's share of its last day at risk.
SHARE_COLUMN = "last_day_share"
#: ``time_of_day``: the rule above; ``end_of_day``: at risk all of the last day (w = 1).
DAY_BOUNDARIES: tuple[str, ...] = ("time_of_day", "end_of_day")


def last_day_shares(
    entry: np.ndarray,
    duration: np.ndarray,
    cause: np.ndarray,
    origin_ns: np.ndarray,
    end_ns: np.ndarray,
) -> np.ndarray:
    """Each episode's weight w (1 for answered episodes) by the rule of this module.

    ``cause`` holds codes (-1 censored), durations whole calendar days,
    ``origin_ns`` and ``end_ns`` UTC nanoseconds.

    >>> day = 86_400 * 10**9
    >>> hour = day // 24
    >>> # day 1: answers at 09:00 and 15:00; one censored at 12:00 on day 1
    >>> end = np.array([day + 9 * hour, day + 15 * hour, day + 12 * hour])
    >>> w = last_day_shares(np.zeros(3), np.ones(3), np.array([0, 0, -1]), np.zeros(3, np.int64), end)
    >>> w.round(4).tolist()  # g = 1/2, h = 2/3: w = (1/2)(1/3) / (1 - 1/3)
    [1.0, 1.0, 0.25]
    """
    w = np.ones(duration.size, dtype=np.float64)
    cens = np.flatnonzero(cause < 0)
    if not cens.size:
        return w
    day = duration.astype(np.int64)
    tod = end_ns % NS_PER_DAY  # floor modulo: the UTC time of day, also before 1970
    answered = np.flatnonzero(cause >= 0)
    a_day, a_tod = day[answered], tod[answered]
    g = np.ones(cens.size, dtype=np.float64)
    c_day, c_tod = day[cens], tod[cens]
    # Days >= 1: answers sorted by (day, time of day) as one int64 key.
    key = np.sort(a_day * NS_PER_DAY + a_tod)
    later = c_day > 0
    lo = np.searchsorted(key, c_day[later] * NS_PER_DAY, side="left")
    hi = np.searchsorted(key, (c_day[later] + 1) * NS_PER_DAY, side="left")
    upto = np.searchsorted(key, c_day[later] * NS_PER_DAY + c_tod[later], side="right")
    with np.errstate(invalid="ignore", divide="ignore"):
        g[later] = np.where(hi > lo, (upto - lo) / (hi - lo), 1.0)
    # Day 0: only the answers after this episode's own origin time compare.
    first = ~later
    if first.any():
        zero = np.sort(a_tod[a_day == 0])
        u = origin_ns[cens[first]] % NS_PER_DAY
        after_u = np.searchsorted(zero, u, side="right")
        upto0 = np.searchsorted(zero, c_tod[first], side="right")
        with np.errstate(invalid="ignore", divide="ignore"):
            g[first] = np.where(
                zero.size > after_u, np.maximum(upto0 - after_u, 0) / (zero.size - after_u), 1.0
            )
    h = _day_hazard(entry, day, cause)[c_day]
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(h * g < 1.0, g * (1.0 - h) / (1.0 - h * g), 1.0)
    w[cens] = np.clip(share, 0.0, 1.0)
    return w


def _day_hazard(entry: np.ndarray, day: np.ndarray, cause: np.ndarray) -> np.ndarray:
    """h_C = d_C / n_C on every day 0..max of the pooled, unweighted day life table."""
    n_days = int(day.max()) + 1 if day.size else 1
    ends = np.bincount(day, minlength=n_days).astype(np.float64)
    d = np.bincount(day[cause >= 0], minlength=n_days).astype(np.float64)
    at_risk = np.cumsum(ends[::-1])[::-1]
    late = entry > 0
    if late.any():
        # Not yet entered on the days before the entry day.
        first = np.ceil(entry[late]).astype(np.int64)
        entering = np.bincount(np.minimum(first, n_days), minlength=n_days + 1)[:n_days]
        at_risk -= np.cumsum(entering[::-1])[::-1] - entering
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(at_risk > 0, d / at_risk, 0.0)


class SplitRows(NamedTuple):
    """Episodes as weighted rows: the rule's item 4.

    ``source`` is each row's episode (row position), ``weight`` its weight
    (the share, times case weights), ``entry``, ``duration`` and ``cause``
    (codes, -1 censored) its values. The first rows are the episodes in order
    except those with a last-day share of 0; then one row per episode whose
    share of day C - 1 is positive.
    """

    source: np.ndarray
    entry: np.ndarray
    duration: np.ndarray
    cause: np.ndarray
    weight: np.ndarray | None


def share_column(episodes: pd.DataFrame) -> np.ndarray | None:
    """The ``last_day_share`` column as floats (missing: NaN), read in place when it is float64."""
    if SHARE_COLUMN not in episodes.columns:
        return None
    column = episodes[SHARE_COLUMN]
    if column.dtype == np.float64:  # the clocks'
        return column.to_numpy()
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def shares_of(episodes: pd.DataFrame) -> np.ndarray | None:
    """The episodes' last-day shares for censored episodes (answered: 1); None when all are 1."""
    values = share_column(episodes)
    if values is None:
        return None
    below = values < 1.0  # missing (NaN) compares False: 1
    below &= episodes["cause"].cat.codes.to_numpy() < 0
    if not below.any():
        return None
    if np.isnan(values).any():
        return np.where(below, values, 1.0)
    share = values * below  # w * 1 or w * 0, exactly; then + 0 or + 1 (np.where's random
    share += ~below  # mask costs ten times this at 1e6 rows)
    return share


def split_rows(
    entry: np.ndarray,
    duration: np.ndarray,
    cause: np.ndarray,
    share: np.ndarray | None,
    weight: np.ndarray | None = None,
) -> SplitRows:
    """Rows censored at C (weight w) and at C - 1 (weight 1 - w, kept when C - 1 >= entry).

    ``share`` None (no column, or all ones) returns the episodes as they are.

    >>> rows = split_rows(np.zeros(3), np.array([2.0, 3.0, 0.0]), np.array([-1, 0, -1]),
    ...                   np.array([0.25, 1.0, 0.5]))
    >>> rows.duration.tolist(), rows.weight.tolist()
    ([2.0, 3.0, 0.0, 1.0], [0.25, 1.0, 0.5, 0.75])
    """
    n = duration.size
    if share is None:
        return SplitRows(np.arange(n), entry, duration, cause, weight)
    base = np.ones(n) if weight is None else weight
    keep = share > 0
    second = np.flatnonzero((share < 1.0) & (duration - 1.0 >= entry))
    source = np.r_[np.flatnonzero(keep), second]
    return SplitRows(
        source,
        entry[source],
        np.r_[duration[keep], duration[second] - 1.0],
        np.r_[cause[keep], np.full(second.size, -1, dtype=cause.dtype)],
        np.r_[base[keep] * share[keep], base[second] * (1.0 - share[second])],
    )


def last_day_grid(
    entry: np.ndarray, duration: np.ndarray, kind: np.ndarray, share: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The distinct times of the split rows, each episode's end among them, its C - 1 (-1: none), counts.

    The times are those of the rows with a positive weight (the life table's
    time points); an episode whose share is 0 has no row at C and gets the
    nearest index (its weight there is 0). ``kind`` is 0 for censored, k for
    the k-th cause; the counts (times * ``width``) are the rows' weights per
    day and kind.
    """
    if duration.size and duration.max() <= 1e6:
        day = duration.astype(np.int64)
        if np.array_equal(day, duration):
            # Whole days (the clocks'): the days with a row are counted, not
            # sorted, and the rows counted without being made (one compiled pass).
            # The per-episode arrays come from numpy, not the kernel: numpy asks
            # for huge pages, and a compiled allocation of 8 MB costs ~2000
            # page faults (~6 ms on the 2-core VM; benchmarks/README.md).
            n = day.size
            split, end, before_last = (
                np.empty(n, np.bool_),
                np.empty(n, np.int64),
                np.empty(n, np.int64),
            )
            time, counts = _whole_day_grid()(
                entry, day, kind, share, width, int(day.max()) + 1, split, end, before_last
            )
            return time.astype(np.float64), end, before_last, counts
    keep = share > 0
    second = np.flatnonzero((share < 1.0) & (duration - 1.0 >= entry))  # split_rows' C - 1 rows
    time = np.unique(np.r_[duration[keep], duration[second] - 1.0])
    end = np.minimum(np.searchsorted(time, duration), max(time.size - 1, 0))
    before_last = np.full(duration.size, -1, dtype=np.int64)
    before_last[second] = np.searchsorted(time, duration[second] - 1.0)
    slot = np.r_[end * width + kind, before_last[second] * width]
    counts = np.bincount(slot, np.r_[share, 1.0 - share[second]], minlength=time.size * width)
    return time, end, before_last, counts


def _whole_day_grid_loops(entry, day, kind, share, width, n_days, split, end, before_last):
    # As the sorted branch of last_day_grid: a day is a time point when a row
    # of split_rows lies on it (share > 0 at C; share < 1 at C - 1 >= entry);
    # an episode's end is the first time point >= C (its row may be gone);
    # the counts add every row at C, then every row at C - 1, as bincount would.
    # split (has a row at C - 1; branch-free below: shares are random), end
    # and before_last are filled here.
    n = day.size
    occupied = np.zeros(n_days, np.bool_)
    for i in range(n):
        split[i] = (share[i] < 1) & (day[i] - 1.0 >= entry[i])
        occupied[day[i]] |= share[i] > 0
        occupied[max(day[i] - 1, 0)] |= split[i]
    earlier = np.empty(n_days, np.int64)  # time points before each day
    n_times = 0
    for d in range(n_days):
        earlier[d] = n_times
        n_times += occupied[d]
    time = np.empty(n_times, np.int64)
    for d in range(n_days):
        if occupied[d]:
            time[earlier[d]] = d
    counts = np.zeros(n_times * width)
    last = max(n_times - 1, 0)
    for i in range(n):
        end[i] = min(earlier[day[i]], last)
        counts[end[i] * width + kind[i]] += share[i]
    for i in range(n):  # + 0.0 where there is no row: the same sums
        b = earlier[max(day[i] - 1, 0)]
        before_last[i] = b if split[i] else -1
        counts[b * width] += (1.0 - share[i]) * split[i]
    return time, counts


@cache
def _whole_day_grid() -> Any:
    import numba  # compiled once per machine (cache=True)

    return numba.njit(cache=True, nogil=True)(_whole_day_grid_loops)


def whole_weight(share: np.ndarray, before_last: np.ndarray) -> np.ndarray:
    """Each episode's weight over its rows: w + (1 - w) = 1 when split, w alone when not."""
    return np.where(before_last >= 0, 1.0, share)
