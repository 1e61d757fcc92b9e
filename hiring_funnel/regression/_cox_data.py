"""The data a Cox fit reads: covariates as codes, design rows, and counts per cell.

With only categorical covariates, episodes are aggregated into cells of
(exit time, covariate pattern), and late entries into cells of (entry time,
pattern); :mod:`hiring_funnel.regression._efron` evaluates the row-level
likelihood on those counts exactly. Split from :mod:`.cox` to keep modules
short.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_MAX_CELLS = 50_000_000


@dataclass
class Covariate:
    name: str
    numeric: bool
    codes: np.ndarray  # level codes, or the values of a numeric covariate
    levels: list[str]
    reference: int = 0


def _design(parsed: list[Covariate], codes: list[np.ndarray]) -> np.ndarray:
    cols = []
    for c, v in zip(parsed, codes, strict=True):
        if c.numeric:
            cols.append(np.asarray(v, dtype=np.float64))
        else:
            cols += [(v == i).astype(np.float64) for i in range(len(c.levels)) if i != c.reference]
    return np.column_stack(cols)


def _codes_of_times(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes and the distinct values; whole days skip the sort of np.unique."""
    if values.size and values.max() < 10_000_000 and np.array_equal(values, np.floor(values)):
        codes = values.astype(np.int64)
        present = np.flatnonzero(np.bincount(codes))
        remap = np.zeros(int(codes.max()) + 1, dtype=np.int64)
        remap[present] = np.arange(present.size)
        return remap[codes], present.astype(np.float64)
    uniq, inv = np.unique(values, return_inverse=True)
    return inv.astype(np.int64), uniq


def _cell_counts(cell: np.ndarray, n_cells: int, weights: np.ndarray | None) -> tuple:
    """Distinct cells with their counts (and summed weights)."""
    if n_cells <= _MAX_CELLS:
        count = np.bincount(cell, minlength=n_cells)
        keep = np.flatnonzero(count)
        summed = None if weights is None else np.bincount(cell, weights, n_cells)[keep]
        return keep, count[keep], summed
    keep, inv, count = np.unique(cell, return_inverse=True, return_counts=True)
    summed = None if weights is None else np.bincount(inv, weights, keep.size)
    return keep, count, summed


def aggregate_rows(
    parsed: list[Covariate],
    duration: np.ndarray,
    entry: np.ndarray,
    is_event: np.ndarray,
    mapping: bool = False,
) -> tuple:
    """Counts by (exit time, pattern) and late entries by (entry time, pattern).

    With ``mapping``, also the cell of every episode and the entry cell of
    every late one (for cluster sums of score residuals).
    """
    sizes = [len(c.levels) for c in parsed]
    pattern = np.zeros(duration.size, dtype=np.int64)
    for c, k in zip(parsed, sizes, strict=True):
        pattern = pattern * k + c.codes
    n_patterns = int(np.prod(sizes, dtype=np.float64))
    if n_patterns > _MAX_CELLS:
        uniq, pattern = np.unique(pattern, return_inverse=True)
        n_patterns = uniq.size
        decode_from = uniq
    else:
        decode_from = None
    tcode, times = _codes_of_times(duration)
    cell = tcode * n_patterns + pattern
    keep, w, d = _cell_counts(cell, times.size * n_patterns, is_event)
    x = _design(parsed, _decode(keep % n_patterns, sizes, decode_from))
    time = times[keep // n_patterns]
    row_of = np.searchsorted(keep, cell) if mapping else None
    late = np.flatnonzero(entry > 0)
    if late.size == 0:
        return x, time, w.astype(float), d, None, None, None, row_of, None
    ecode, etimes = _codes_of_times(entry[late])
    ecell = ecode * n_patterns + pattern[late]
    ekeep, ew, _ = _cell_counts(ecell, etimes.size * n_patterns, None)
    ex = _design(parsed, _decode(ekeep % n_patterns, sizes, decode_from))
    entry_of = np.searchsorted(ekeep, ecell) if mapping else None
    return (
        x,
        time,
        w.astype(float),
        d,
        ex,
        etimes[ekeep // n_patterns],
        ew.astype(float),
        row_of,
        entry_of,
    )


def _decode(pattern: np.ndarray, sizes: list[int], uniq: np.ndarray | None) -> list[np.ndarray]:
    code = pattern if uniq is None else uniq[pattern]
    out = []
    for k in reversed(sizes):
        out.append(code % k)
        code = code // k
    return out[::-1]


def episode_rows(
    parsed: list[Covariate], duration: np.ndarray, entry: np.ndarray, is_event: np.ndarray
) -> tuple:
    x = _design(parsed, [c.codes for c in parsed])
    w = np.ones(duration.size)
    rows = np.arange(duration.size)
    late = np.flatnonzero(entry > 0)
    if late.size == 0:
        return x, duration, w, is_event.astype(float), None, None, None, rows, None
    d = is_event.astype(float)
    return x, duration, w, d, x[late], entry[late], w[late], rows, np.arange(late.size)
