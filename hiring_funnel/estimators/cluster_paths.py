"""Running per-cluster sums and their products summed over clusters, on every day, in one pass.

The variances summed per candidate (:mod:`hiring_funnel.estimators.by_candidate`)
are quadratic forms in ``sum over clusters c of X_ca(J) X_cb(J)``, where
``X_c(J)`` is a vector of running sums over cluster c's episodes ended by day
J. Every episode changes its cluster's sums by a vector t(u) that depends only
on its cell u = (day, kind), so the changes come as a table indexed by cell.

A row of weight w in cell u changes X_a X_b by w t_a x_b + w t_b x_a + w^2
t_a t_b, x its cluster's sums just before it. Summed over the cell's rows that
is t_a Sx_b + t_b Sx_a + t_a t_b S2 with Sx = sum of w x and S2 = sum of w^2:
m + 1 accumulators per row whatever the number of products, and every product
of every day comes from them afterwards. So the rows are walked once in day
order, each reading and updating its cluster's m sums: one counting sort by
block of 2**18 clusters and cell (O(n), no comparison sort and no grouping by
cluster), and each block's rows in day order, so the block's sums stay in the
last-level cache. A censored episode of the day boundary (weight w on its
day C, 1 - w on C - 1) is one row, sorted into a split kind of day C - 1 and
walked twice: all of that day's split rows at 1 - w first, then all at w with
day C's change (whose products count on day C: within a day the order of the
rows does not change the day's sums; off whole days, where another time may
lie between C - 1 and C, the second row is made and sorted as a row of its
own). The sort also adds up each cluster's
row weights (beta before the first day). The sort depends only on the rows'
cells, clusters and weights, not on the table, so it is kept for the next call
on the same rows (the three estimators on one frame): the last two orders are
held with read-only copies of their inputs, and reused only when the new
inputs are equal element for element.

numpy would need a sort by cluster and day and a pass per product (0.2 s to
0.25 s per estimator at 1e6 episodes); numba is a dependency for this alone.
It is imported on the first clustered variance, not with the package, and its
compiled code is cached on disk.
"""

from __future__ import annotations

import threading
from functools import cache
from typing import Any

import numpy as np


def _order(end, kind, sign, cluster, before, n_cells, n_kinds, shift, key, who, weight, beta):
    # A counting sort of the rows by block of clusters (cluster >> shift), then
    # cell (day * n_kinds + kind): within a block, day order, as (cluster,
    # weight; no weights when all are 1). O(n), no comparison sort; int32
    # clusters halve the memory the walks read. Each of the first
    # len(before) rows with before >= 0 (the day boundary's: weight w at C
    # and 1 - w censored on C - 1 = before) goes to cell (before, half + its
    # kind): the second half of the day before's kinds (n_kinds = 2 half),
    # whose rows the walk takes twice. key (n), who and weight (n) are
    # numpy's scratch and outputs, and beta (zeros, one per cluster; or none)
    # gets each cluster's weight over its rows (1 for a row with before:
    # w + 1 - w), in row order (as bincount adds). Returns the bounds, whether every weight
    # is 1, and whether every such row's before is its day less one (or its
    # weight 0: no row at C).
    n = end.size
    n_split = before.size
    half = n_kinds // 2
    n_keys = ((cluster.max() >> shift) + 1 if n else 1) * n_cells
    bounds = np.zeros(n_keys + 1, np.int64)
    unit, ok = True, True
    weigh = beta.size > 0
    for i in range(n_split):
        b, c = before[i], cluster[i]
        ok &= (b < 0) | (b == end[i] - 1) | (sign[i] == 0.0)
        unit &= sign[i] == 1.0
        u = (b * n_kinds + half if b >= 0 else end[i] * n_kinds) + kind[i]
        k = (c >> shift) * n_cells + u
        key[i] = k
        bounds[k + 1] += 1
        if weigh:
            beta[c] += 1.0 if b >= 0 else sign[i]
    for i in range(n_split, n):
        c = cluster[i]
        unit &= sign[i] == 1.0
        k = (c >> shift) * n_cells + end[i] * n_kinds + kind[i]
        key[i] = k
        bounds[k + 1] += 1
        if weigh:
            beta[c] += sign[i]
    for k in range(n_keys):
        bounds[k + 1] += bounds[k]
    where = bounds[:-1].copy()
    for i in range(n):
        q = where[key[i]]
        who[q] = cluster[i]
        if not unit:
            weight[q] = sign[i]
        where[key[i]] = q + 1
    return bounds, unit, ok


def _walk(bounds, who, weight, x, flat, n_kinds, split, start, pa, pb, fixed, fixed_at):
    # flat[u, r]: the change of sum r by a row of weight 1 in the table's cell
    # u = day * n_kinds + kind. With split, the keys' cells have twice the
    # kinds per day: kind n_kinds + k holds rows of weight w ending in kind k
    # on the next day C and censored with 1 - w on this one (the day
    # boundary), walked twice: 1 - w with this day's censored change, then w
    # with the next day's change of kind k, whose products go to C.
    n_table, m = flat.shape
    n_clusters = x.shape[0]  # x: numpy's zeros (n_clusters, max(width, 4)), filled here
    has_fixed = fixed.size > 0
    weighted = weight.size > 0
    width = m + (1 if has_fixed else 0)  # the fixed sum never changes: its t is 0
    n_days = n_table // n_kinds
    kinds = n_kinds * (2 if split else 1)
    n_cells = n_days * kinds
    # The table's changes, four wide and led by a day of zeros after the last
    # (the next day of a row on the last day: its weight there is 0).
    tp = np.zeros((n_table + n_kinds, max(width, 4)))
    tp[:n_table, :m] = flat
    for c in range(n_clusters):
        for r in range(m):
            x[c, r] = start[r, c]
    n_keys = bounds.size - 1
    if has_fixed:
        # The fixed sum: fixed . X_c just before day fixed_at (no changes after).
        per = np.zeros(n_table + n_kinds)  # fixed . t of each cell on the days before fixed_at
        for u in range(min(fixed_at * n_kinds, n_table)):
            for r in range(m):
                per[u] += fixed[r] * flat[u, r]
        for c in range(n_clusters):
            total = 0.0
            for r in range(m):
                total += fixed[r] * start[r, c]
            x[c, m] = total
        for k in range(n_keys):
            u = k % n_cells
            e = u // kinds
            if e >= fixed_at:
                continue  # no change counts from day fixed_at on
            kd = u - e * kinds
            if kd < n_kinds:
                f = per[e * n_kinds + kd]
                for q in range(bounds[k], bounds[k + 1]):
                    x[who[q], m] += weight[q] * f if weighted else f
            else:
                f1, f2 = per[e * n_kinds], per[(e + 1) * n_kinds + kd - n_kinds]
                for q in range(bounds[k], bounds[k + 1]):
                    x[who[q], m] += (1.0 - weight[q]) * f1 + weight[q] * f2
    n_pairs = pa.size
    acc = np.zeros((n_days + 1, n_pairs))
    for c in range(n_clusters):
        for p in range(n_pairs):
            acc[0, p] += x[c, pa[p]] * x[c, pb[p]]
    # Per cell: sum of w x (x the cluster's sums just before the row) and of
    # w^2; rows n_cells + cell of the table: the second walk of split rows
    # (their change on the next day, of their kind).
    sx = np.zeros((n_cells + n_table, x.shape[1]))
    s2 = np.zeros(n_cells + n_table)
    acc_x = np.empty(width)
    for k in range(n_keys):
        u = k % n_cells
        e = u // kinds
        kd = u - e * kinds
        if kd > n_kinds:
            continue  # walked with the day's first split kind
        # A day's split rows: all at 1 - w on this day first, then all at w on
        # the next (so no row's change of the next day comes before another's
        # of this one).
        for step in range(1 if kd < n_kinds else 2 * n_kinds):
            part, j = (0, 0) if kd < n_kinds else (step // n_kinds, step % n_kinds)
            lo, hi = bounds[k + j], bounds[k + j + 1]
            if lo == hi:
                continue
            row = e * n_kinds + kd if kd < n_kinds else e * n_kinds
            if part == 1:  # the next day, the row's own kind
                row = (e + 1) * n_kinds + j
            flip = kd == n_kinds and part == 0  # the day before C: weight 1 - w
            to = u + j if part == 0 else n_cells + row - n_kinds
            if width <= 4:
                # Up to four sums (every estimator's but incidence of three or
                # more causes): written out, so they stay in registers.
                t0, t1, t2, t3 = tp[row, 0], tp[row, 1], tp[row, 2], tp[row, 3]
                a0 = a1 = a2 = a3 = acc_2 = 0.0
                for q in range(lo, hi):
                    c, w = who[q], weight[q] if weighted else 1.0
                    w = 1.0 - w if flip else w
                    x0, x1, x2, x3 = x[c, 0], x[c, 1], x[c, 2], x[c, 3]
                    a0 += w * x0
                    a1 += w * x1
                    a2 += w * x2
                    a3 += w * x3
                    x[c, 0], x[c, 1], x[c, 2], x[c, 3] = (
                        x0 + w * t0,
                        x1 + w * t1,
                        x2 + w * t2,
                        x3 + w * t3,
                    )
                    acc_2 += w * w
                sx[to, 0] += a0
                sx[to, 1] += a1
                sx[to, 2] += a2
                sx[to, 3] += a3
                s2[to] += acc_2
            else:
                for r in range(width):
                    acc_x[r] = 0.0
                acc_2 = 0.0
                for q in range(lo, hi):
                    c, w = who[q], weight[q] if weighted else 1.0
                    w = 1.0 - w if flip else w
                    for r in range(width):
                        acc_x[r] += w * x[c, r]
                    for r in range(m):
                        x[c, r] += w * tp[row, r]
                    acc_2 += w * w
                for r in range(width):
                    sx[to, r] += acc_x[r]
                s2[to] += acc_2
    # A row changes X_a X_b by w t_a x_b + w t_b x_a + w^2 t_a t_b.
    for v in range(n_cells + n_table):
        if v < n_cells:
            e = v // kinds
            kd = v - e * kinds
            row, day = (e * n_kinds + kd if kd < n_kinds else e * n_kinds), e
        else:
            row = v - n_cells + n_kinds  # the next day's cell
            day = row // n_kinds
            if day >= n_days:
                continue
        for p in range(n_pairs):
            a, b = pa[p], pb[p]
            ta, tb = tp[row, a] if a < m else 0.0, tp[row, b] if b < m else 0.0
            acc[day + 1, p] += ta * sx[v, b] + tb * sx[v, a] + ta * tb * s2[v]
    for d in range(n_days):
        for p in range(n_pairs):
            acc[d + 1, p] += acc[d, p]
    return acc.T.copy()


def _same(time, end, kind, cluster, weight, duration, cause, codes, share):
    # One pass, no temporaries: day, cause, cluster and weight of every
    # episode (a censored one's share below 1, else 1; NaN compares as 1).
    with_shares = share.size > 0
    for i in range(end.size):
        if time[end[i]] != duration[i] or kind[i] - 1 != cause[i] or cluster[i] != codes[i]:
            return False
        w = share[i] if with_shares and cause[i] < 0 and share[i] < 1.0 else 1.0
        if weight[i] != w:
            return False
    return True


@cache
def _compiled() -> tuple[Any, Any, Any]:
    import numba

    jit = numba.njit(cache=True, nogil=True)
    return jit(_order), jit(_walk), jit(_same)


def same_episodes(
    grid: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    duration: np.ndarray,
    cause: np.ndarray,
    codes: np.ndarray,
    share: np.ndarray | None = None,
) -> bool:
    """Whether episodes (durations, cause codes, cluster codes, last-day shares) made a grid.

    ``grid`` is (time, end, kind, cluster, weight): episode i lasted
    ``time[end[i]]``, ended in cause code ``kind[i] - 1`` (-1 censored), is
    in ``cluster[i]`` and weighs ``weight[i]`` on its last day. ``share``
    is the episodes' ``last_day_share`` column (None: no column, every
    weight 1); a censored episode weighs its share when below 1
    (:func:`hiring_funnel.day_boundary.shares_of`).
    """
    n = len(grid[1])
    if not len(duration) == len(cause) == len(codes) == n:
        return False
    if share is not None and len(share) != n:
        return False
    column = np.zeros(0) if share is None else share
    return bool(_compiled()[2](*grid, duration, cause, codes, column))


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a`` itself when nothing can change it (read-only, owning its memory), else a read-only copy."""
    if a.flags.writeable or not a.flags.owndata:
        a = a.copy()
        a.flags.writeable = False
    return a


def _unchanged(kept: Any, given: Any) -> bool:
    """Whether ``given`` equals ``kept`` element for element (a kept copy of earlier inputs).

    The very same array is unchanged only while it is still read-only (it
    is then one made by this package and kept unwritable).
    """
    if isinstance(kept, np.ndarray):
        if kept is given:
            return not kept.flags.writeable
        return bool(kept.shape == given.shape and np.array_equal(kept, given))
    return bool(kept == given)


# Clusters are walked in blocks of 2**_SHIFT, whose sums (four doubles each,
# 8 MB) stay in the last-level cache while the block's rows are walked in day
# order. Fewer blocks make fewer keys to scatter the rows into: at 1e6
# episodes with last-day shares (1.4e6 rows, 2e5 clusters, 363 cells per
# block) on the 2-core VM (1 MB L2, 32 MB L3), blocks of 2**13 took 19-25 ms
# to sort and 5-12 to walk, one block of 2**18 10-13 and 7-15
# (benchmarks/README.md).
_SHIFT = 18
_KEEP = 2  # orders kept: one frame's three estimators, or two groups' curves
_orders: list[tuple[tuple[np.ndarray, ...], tuple[int, int], Any]] = []
_lock = threading.Lock()


def forget_orders() -> None:
    """Drop the kept sort orders (to time a first call, or free their memory)."""
    with _lock:
        _orders.clear()


def _ordered(
    rows: tuple[np.ndarray, ...], n_days: int, n_kinds: int, weigh: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, bool]:
    """The rows in day order (bounds, clusters, weights), with ``weigh`` each cluster's weight, split.

    ``split``: the day boundary's rows are sorted once into split kinds and
    walked twice (:func:`_walk`), which needs each one's day before to be
    its day less one on the grid; where it is not (durations off whole days:
    another time lies between), the second rows are made and sorted as rows
    of their own. The same rows as a recent call's reuse its order (and its
    weights when it has them).
    """
    shape = (n_days, n_kinds)
    with _lock:
        for i, (kept, kept_shape, order) in enumerate(_orders):
            if kept_shape == shape and all(map(_unchanged, kept, rows)):
                if weigh and order[3] is None:
                    break  # sorted without the weights: again, with them
                _orders.insert(0, _orders.pop(i))
                return order
    order, in_place = _sort(rows, n_days, n_kinds, weigh, split=len(rows[4]) > 0)
    if not in_place:  # without split rows, every row is in place
        order, _ = _sort(_given(rows), n_days, n_kinds, weigh, split=False)
    with _lock:
        _orders.insert(0, (tuple(_frozen(a) for a in rows), shape, order))
        del _orders[_KEEP:]
    return order


def _sort(
    rows: tuple[np.ndarray, ...], n_days: int, n_kinds: int, weigh: bool, split: bool
) -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None, bool], bool]:
    """The counting sort (:func:`_order`) of the rows, and False if a split row's day before is not its day less one."""
    kinds = n_kinds * (2 if split else 1)  # split: a second kind of each day
    n_cells = n_days * kinds
    # Blocks of 2**_SHIFT clusters, fewer where each block's cells would outnumber
    # the rows (many distinct times): the sort's counts stay O(rows + cells).
    n, top = len(rows[0]), int(rows[3].max(initial=-1))  # the last cluster (-1: no rows)
    shift = _SHIFT
    while (top >> shift) * n_cells > 4 * n + 4096:
        shift += 1
    # The big arrays come from numpy, which asks for huge pages: allocated
    # in the kernel, they cost ~2000 page faults per 8 MB (~6 ms on the
    # 2-core VM; benchmarks/README.md).
    key, who, weight = np.empty(n, np.int64), np.empty(n, np.int32), np.empty(n)
    beta = np.zeros(top + 1 if weigh else 0)
    bounds, unit, ok = _compiled()[0](*rows, n_cells, kinds, shift, key, who, weight, beta)
    beta.flags.writeable = False
    return (bounds, who, np.empty(0) if unit else weight, beta if weigh else None, split), ok


def _given(rows: tuple[np.ndarray, ...]) -> tuple[np.ndarray, ...]:
    """The rows with each day-boundary row's second row (1 - w, censored, on its day before) made.

    They come after the first ``len(before)`` rows and before the rest.
    """
    end, kind, sign, cluster, before = rows
    n_split, two = len(before), np.flatnonzero(before >= 0)
    return (
        np.r_[end[:n_split], before[two], end[n_split:]],
        np.r_[kind[:n_split], np.zeros(two.size, np.int64), kind[n_split:]],
        np.r_[sign[:n_split], 1.0 - sign[two], sign[n_split:]],
        np.r_[cluster[:n_split], cluster[two], cluster[n_split:]],
        np.zeros(0, np.int64),
    )


def row_weights(
    end: np.ndarray,
    kind: np.ndarray,
    cluster: np.ndarray,
    n_days: int,
    n_kinds: int,
    sign: np.ndarray | None = None,
    before: np.ndarray | None = None,
) -> np.ndarray:
    """Each cluster's weight over its rows (a row with ``before``: w + 1 - w = 1), read-only.

    Equal to ``np.bincount(cluster, weights)`` of the rows' weights, the same
    sums in the same order. Every weight 1 (``sign`` None, no ``before``): a
    bincount. Otherwise added up by the sort of :func:`cluster_products` on
    the same rows, whose order is kept for that call (the random adds cost
    less there than the weights and a weighted bincount: at 1e6 episodes with
    last-day shares 3.6 ms against 5.1). The arguments are that call's
    (``n_days, n_kinds`` its table's shape).
    """
    if sign is None and before is None:
        beta = np.bincount(cluster, minlength=int(cluster.max(initial=-1)) + 1).astype(float)
        beta.flags.writeable = False
        return beta
    weights = _ordered(_rows(end, kind, cluster, sign, before), n_days, n_kinds, weigh=True)[3]
    return np.zeros(0) if weights is None else weights  # never None with weigh


def _rows(
    end: np.ndarray,
    kind: np.ndarray,
    cluster: np.ndarray,
    sign: np.ndarray | None,
    before: np.ndarray | None,
) -> tuple[np.ndarray, ...]:
    return (
        np.ascontiguousarray(end, dtype=np.int64),
        np.ascontiguousarray(kind, dtype=np.int64),
        np.ones(len(end)) if sign is None else np.ascontiguousarray(sign, dtype=np.float64),
        np.ascontiguousarray(cluster, dtype=np.int64),
        np.zeros(0, np.int64) if before is None else np.ascontiguousarray(before, dtype=np.int64),
    )


def cluster_products(
    end: np.ndarray,
    kind: np.ndarray,
    cluster: np.ndarray,
    n_clusters: int,
    table: np.ndarray,
    start: np.ndarray,
    pairs: list[tuple[int, int]],
    fixed: np.ndarray | None = None,
    fixed_at: int = 0,
    sign: np.ndarray | None = None,
    before: np.ndarray | None = None,
) -> np.ndarray:
    """Sums over clusters of X_ca(J) X_cb(J) for the ``pairs`` (a, b), on every day J, led.

    ``end`` is each episode's day (an index 0..T-1), ``kind`` 0 for censored
    or k for the k-th cause, ``cluster`` its cluster 0..C-1; ``table[r, day,
    kind]`` is the change an episode makes to running sum r, ``start[r, c]``
    the sums' values before the first day; ``sign`` (a weight per episode,
    default 1) multiplies an episode's changes (late entry: an episode
    entering on day b is itself from day 0 less a copy censored on the day
    before b, weight -1). ``before`` (one per row for the first rows, -1:
    none) gives row i a second row of weight 1 - ``sign[i]`` censored on day
    ``before[i]`` in the same cluster (the day boundary: w on day C, 1 - w
    on C - 1), the same as giving those rows after the first ones (to
    rounding): where every ``before[i]`` is ``end[i] - 1`` the walk takes row
    i twice instead of sorting two.
    With ``fixed`` given, one more sum
    (index m, after the m = ``table.shape[0]`` running ones) is held at
    ``fixed . X_c`` just before day ``fixed_at``, for every day. Returns
    shape (len(pairs), 1 + T): column 0 before the first day, column J + 1
    after day J.

    >>> table = np.array([[[1.0], [2.0]]])  # one sum; day 0 adds 1, day 1 adds 2
    >>> out = cluster_products(np.array([0, 1, 1]), np.zeros(3, dtype=np.int64),
    ...                        np.array([0, 0, 1]), 2, table, np.zeros((1, 2)), [(0, 0)])
    >>> out[0].tolist()  # day 0: 1^2; day 1: (1 + 2)^2 + 2^2
    [0.0, 1.0, 13.0]
    """
    pa = np.array([a for a, _ in pairs], dtype=np.int64)
    pb = np.array([b for _, b in pairs], dtype=np.int64)
    m, n_days, n_kinds = table.shape
    rows = _rows(end, kind, cluster, sign, before)
    bounds, who, weight, _, split = _ordered(rows, n_days, n_kinds)
    width = m + (0 if fixed is None else 1)
    return _compiled()[1](
        bounds,
        who,
        weight,
        np.zeros((int(n_clusters), max(width, 4))),  # each cluster's sums, one row each
        np.ascontiguousarray(
            np.moveaxis(table, 0, -1).reshape(n_days * n_kinds, m), dtype=np.float64
        ),
        int(n_kinds),
        split,
        np.ascontiguousarray(start, dtype=np.float64),
        pa,
        pb,
        np.zeros(0) if fixed is None else np.ascontiguousarray(fixed, dtype=np.float64),
        int(fixed_at),
    )
