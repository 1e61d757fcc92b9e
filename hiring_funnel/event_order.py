"""The order of events: applications numbered, events sorted, runs of an application found.

:func:`hiring_funnel.clocks.episodes` sorts the events once by (application,
timestamp, event order, line) with :func:`event_order`; the other helpers
number applications and find where each application's run of events starts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from hiring_funnel.schema import EVENTS

#: Position of each event in the schema's order, which breaks ties of timestamps.
RANK: dict[str, int] = {name: i for i, name in enumerate(EVENTS)}


def factorize_sorted(ids: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Codes of ``ids`` numbered in sorted order of the ids.

    ``pd.factorize(sort=True)`` compares Python strings one by one and costs
    about twice the hashing itself on a million ids; numpy's StringDType sorts
    the uniques natively, so factorize unsorted and renumber.
    """
    codes, uniques = pd.factorize(ids)
    values = np.asarray(uniques.array, dtype=object)
    string_dtype = getattr(np.dtypes, "StringDType", None)
    if string_dtype is not None:
        values = values.astype(string_dtype())
    perm = np.argsort(values, kind="stable")
    renumber = np.empty_like(perm)
    renumber[perm] = np.arange(perm.size)
    # Missing ids keep the code -1 so that the caller can report them.
    return np.where(codes < 0, -1, renumber[codes]), uniques.take(perm)


def utc_ns(ts: pd.Series) -> np.ndarray:
    """Timestamps (tz-aware) as int64 nanoseconds since the epoch in UTC."""
    naive = ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return naive.to_numpy(dtype="datetime64[ns]").view(np.int64)


def event_ranks(event: pd.Series) -> np.ndarray:
    """Each event's position in the schema's order of events (ties are broken by it)."""
    # The column's categories may be any subset of EVENTS in any order; the
    # tie-breaking order is always the schema's.
    lookup = np.array([RANK[c] for c in event.cat.categories], dtype=np.int64)
    return lookup[event.cat.codes.to_numpy()]


def event_order(
    app: np.ndarray, ts: np.ndarray, rank: np.ndarray, line: np.ndarray | None
) -> np.ndarray:
    """Sort positions by (application, timestamp, schema event order, line).

    The first three keys are packed into one int64 because a lexsort over two
    keys is about four times faster than over four. Timestamps enter as
    multiples of their greatest common step (a day for date-only logs, a second
    for most exports), which keeps the key small without a sort; if it still
    does not fit, their dense rank is used, and failing that a plain lexsort.
    """
    if app.size == 0:
        return np.zeros(0, dtype=np.intp)
    n_apps = int(app.max()) + 1
    if int(ts.max()) - int(ts.min()) >= 2**63:  # more than 292 years: offsets overflow
        return np.lexsort((rank, ts, app) if line is None else (line, rank, ts, app))
    offset = ts - ts.min()
    step = int(np.gcd.reduce(offset)) or 1
    ts_key = offset // step
    span = int(ts_key.max()) + 1
    if n_apps * span * len(EVENTS) >= 2**62:
        values, ts_key = np.unique(ts, return_inverse=True)
        span = values.size
    if n_apps * span * len(EVENTS) >= 2**62:
        # np.lexsort sorts by its last key first.
        return np.lexsort((rank, ts, app) if line is None else (line, rank, ts, app))
    key = (app.astype(np.int64) * span + ts_key) * len(EVENTS) + rank
    if line is None:
        return np.argsort(key, kind="stable")
    return np.lexsort((line, key))


def first_of_run(codes: np.ndarray) -> np.ndarray:
    """Mask of the first element of each run of equal codes (codes are sorted)."""
    mask = np.ones(codes.size, dtype=bool)
    mask[1:] = codes[1:] != codes[:-1]
    return mask


def round_numbers(codes: np.ndarray) -> np.ndarray:
    """1, 2, ... within each run of equal sorted codes (a vectorised cumcount)."""
    idx = np.arange(codes.size)
    run_start = np.maximum.accumulate(np.where(first_of_run(codes), idx, 0))
    return (idx - run_start + 1).astype(np.int64)


def first_candidates(
    frame: pd.DataFrame,
    order: np.ndarray,
    app: np.ndarray,
    ep_app: np.ndarray,
    ids: pd.Series,
) -> pd.Series:
    """The first candidate_id recorded for each application (in event order).

    An application with no candidate link is its own cluster, so the bootstrap
    that resamples candidates falls back to resampling the application.
    """
    if "candidate_id" not in frame.columns:
        return ids.astype("category")
    # For the default string dtype this is the backing object array (no copy);
    # touching few Python strings matters more than anything else here.
    values = np.asarray(frame["candidate_id"].array, dtype=object)
    first_pos = np.flatnonzero(first_of_run(app))
    per_app = values[order[first_pos]]
    unknown = np.flatnonzero(pd.isna(per_app))
    if unknown.size:
        # The first event has no link: look at the other events of those
        # applications only, and take the first link recorded.
        wanted = np.zeros(per_app.size, dtype=bool)
        wanted[unknown] = True
        pos = np.flatnonzero(wanted[app])
        found = values[order[pos]]
        keep = ~pd.isna(found)
        pos, found = pos[keep], found[keep]
        first = first_of_run(app[pos])
        per_app[app[pos[first]]] = found[first]
    out = pd.Series(per_app[ep_app], dtype="string").fillna(ids)
    # Categorical: the per-candidate variances read its codes instead of hashing every id again.
    return out.astype("category")
