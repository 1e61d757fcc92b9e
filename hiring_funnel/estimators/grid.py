"""The day grid of one group's episodes: its distinct days, counts, and each episode's day and kind.

What the influence functions (:mod:`hiring_funnel.estimators.influence`) and
the variances by candidate (:mod:`hiring_funnel.estimators.by_candidate`)
read: the life table's counts on the distinct days (late entry and the day
boundary's last-day shares included), each episode's day among them, and the
running sums of Kaplan-Meier and Aalen-Johansen led by their values before
the first day.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.day_boundary import last_day_grid, shares_of, whole_weight
from hiring_funnel.episode_checks import check_episodes
from hiring_funnel.report.privacy import candidate_key


@dataclass(frozen=True)
class DayGrid:
    time: np.ndarray  # distinct days (T,)
    n: np.ndarray  # at risk on each day
    d: np.ndarray  # answers of any cause
    dk: np.ndarray  # answers per cause (K, T)
    end: np.ndarray  # each episode's day, as an index into time
    kind: np.ndarray  # 0 censored, k the k-th cause
    candidate: np.ndarray  # codes 0..C-1
    causes: tuple[str, ...]
    before_entry: np.ndarray  # late entry: the last day before entry, in time (-1: none)
    share: np.ndarray  # hiring_funnel.day_boundary: weight w at the end (answers: 1)
    before_last: np.ndarray  # day C - 1 where 1 - w is censored, in time (-1: no such row)
    censored: np.ndarray  # censored on each day (the rows' weights): the life table's column
    unit: bool  # every share 1 (no last-day shares): every episode one row of weight 1

    def day_of(self, times: np.ndarray | float) -> np.ndarray:  # the grid day on or before; -1
        return np.searchsorted(self.time, times, side="right") - 1


def _count_loops(duration, kind, width, counts, day):
    # Each episode's day (numpy's array) and the episodes per (day, kind);
    # returns whether every duration is a whole day (if not, nothing is valid).
    whole = True
    for i in range(duration.size):
        d = int(duration[i])
        whole &= d == duration[i]
        day[i] = d
        counts[d * width + kind[i]] += 1
    return whole


@cache
def _counted() -> Any:
    import numba  # compiled once per machine (cache=True), as the per-candidate walk

    return numba.njit(cache=True, nogil=True)(_count_loops)


def _whole_days(
    duration: np.ndarray, kind: np.ndarray, width: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct days, each episode's index among them and the counts per (day, kind).

    Whole days (the clocks') are counted in one compiled pass, not sorted
    (numpy's cast, check and bincount took 3.4 ms at 1e6, the pass 1.4); an
    episode's index is its day itself when every day up to the last has one.
    """
    top = duration.max() if duration.size else np.inf  # non-negative: checked by day_grid
    if top <= 1e6:
        cells, day = np.zeros((int(top) + 1, width), np.int64), np.empty(duration.size, np.int64)
        if _counted()(duration, kind, width, cells.ravel(), day):  # every duration a whole day
            seen = cells.any(axis=1)
            if seen.all():
                return np.arange(seen.size, dtype=np.float64), day, cells.ravel().astype(float)
            time = np.flatnonzero(seen)
            return (
                time.astype(float),
                (np.cumsum(seen) - 1)[day],
                cells[time].ravel().astype(float),
            )
    time, end = np.unique(duration, return_inverse=True)
    return time, end, np.bincount(end * width + kind, minlength=len(time) * width).astype(float)


def day_grid(
    episodes: pd.DataFrame,
    candidate: np.ndarray | None = None,
    *,
    checked: bool = False,
    may_enter_late: bool = True,
) -> DayGrid:
    """The day grid of the episodes; ``candidate`` codes 0..C-1 if already known (else from candidate_key).

    ``checked``: the episodes passed :func:`check_episodes` already; ``may_enter_late``
    False: no episode enters late (known, so not looked for). Without late
    entry, n, d, dk and censored are the life table's (tests/test_by_candidate.py).
    """
    if not checked:
        check_episodes(episodes)
    duration = episodes["duration"].to_numpy(dtype=float)
    entry = episodes["entry"].to_numpy(dtype=float)
    kind = np.add(episodes["cause"].cat.codes.to_numpy(), 1, dtype=np.int64)  # one pass
    share, causes = shares_of(episodes), tuple(str(c) for c in episodes["cause"].cat.categories)
    unit = share is None
    width = len(causes) + 1
    if share is None:  # whole days: one count per cell
        time, end, counts = _whole_days(duration, kind, width)
        before_last, share = np.full(len(duration), -1), np.ones(len(duration))
    else:  # rows at C - 1 of partly observed last days (hiring_funnel.day_boundary)
        time, end, before_last, counts = last_day_grid(entry, duration, kind, share, width)
    late_entry = may_enter_late and bool(time.size) and entry.max() > time[0]
    before_entry = np.full(len(entry), -1, dtype=np.intp)  # no late entry: no search
    if late_entry:
        before_entry = np.searchsorted(time, entry, side="left") - 1
    counts = counts.reshape(len(time), width).T
    n = np.cumsum(counts.sum(axis=0)[::-1])[::-1]
    if late_entry:  # not yet entered on the days up to before_entry: out of those risk sets
        late = before_entry >= 0
        gone = np.bincount(before_entry[late], whole_weight(share, before_last)[late], len(time))
        n = n - np.cumsum(gone[::-1])[::-1]
    if candidate is None:
        candidate = pd.factorize(candidate_key(episodes))[0]
        alone = candidate < 0  # no key at all: each episode is its own candidate
        candidate[alone] = candidate.max(initial=-1) + 1 + np.arange(alone.sum())
    return DayGrid(
        time, n, counts[1:].sum(axis=0), counts[1:], end, kind, candidate, causes, before_entry,
        share, before_last, counts[0], unit,
    )  # fmt: skip


def day_curves(g: DayGrid) -> dict[str, np.ndarray]:
    """S, F_k, A, B_k, C_k, each led by its value before the first day (so index j + 1 is day j)."""
    left = g.n - g.d
    # n_e = d_e only on a last day that answers everyone: S is 0 from there and
    # so is every influence on S, so 1/(n_e - d_e) is never needed; 0 keeps sums finite.
    inv_left = np.divide(1.0, left, out=np.zeros_like(left), where=left > 0)
    s = np.r_[1.0, np.cumprod(1.0 - g.d / g.n)]
    a = np.r_[0.0, np.cumsum(g.d / g.n * inv_left)]
    f = s[:-1] * g.dk / g.n

    def run(x: np.ndarray) -> np.ndarray:
        return np.hstack([np.zeros((len(g.causes), 1)), np.cumsum(x, axis=1)])

    return {"S": s, "A": a, "F": run(f), "B": run(f * a[:-1]), "C": run(f / g.n), "inv": inv_left}
