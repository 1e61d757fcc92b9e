"""Checks over every cell of many columns at once, in time linear in the cells.

A tracker may carry thousands of columns besides the events (issue 10: 5,000
extra columns took 18 seconds and printed 9,804 warning lines; 20,000 never
finished). Checking them one pandas column at a time pays a fixed cost per
column many times over (a Series, a ``.map``, a regular expression, a
``groupby``), and inserting them one by one into a frame copies it each time.

Here the cells are factorized once into integer codes (one code per distinct
value of a column) and every question is asked of the distinct values only,
then spread back to the cells with numpy indexing: is it missing, is it a
number, does it look like a spreadsheet formula. Rows are compared as rows of
codes (exact duplicates), and the attribute table takes the first value of each
application per column with ``reduceat`` over rows sorted by application.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"size": ["10", "N/A", "1,200"], "note": ["=1+1", "x", "x"]})
>>> cells = code_cells(frame)
>>> cells.missing().tolist()
[[False, False], [True, False], [False, False]]
>>> cells.formula_counts()[0].tolist()
[0, 1]
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from pandas.arrays import StringArray

from hiring_funnel.io.cell_values import MISSING_TOKENS, NUMBER


@dataclass(frozen=True)
class CodedCells:
    """Cells of several columns as codes into one array of distinct values.

    ``codes[i, j]`` is the position in ``uniques`` of the cell of row ``i`` and
    column ``j``, or -1 where the cell is None, NaN or NaT. Two cells of one
    column share a code exactly when their values are equal; cells of different
    columns may share one only when the table holds text alone (so that, say,
    ``True`` in one column and ``1`` in another stay apart).
    """

    codes: np.ndarray
    uniques: np.ndarray
    columns: tuple[str, ...]

    @cached_property
    def _missing_u(self) -> np.ndarray:
        return np.fromiter(
            (isinstance(v, str) and v.strip().casefold() in MISSING_TOKENS for v in self.uniques),
            dtype=bool,
            count=len(self.uniques),
        )

    @cached_property
    def _number_u(self) -> np.ndarray:
        return np.fromiter(
            (_as_number(v) for v in self.uniques), dtype=np.float64, count=len(self.uniques)
        )

    @cached_property
    def _formula_u(self) -> np.ndarray:
        return np.fromiter(
            (_looks_like_formula(v) for v in self.uniques), dtype=bool, count=len(self.uniques)
        )

    def _lookup(self, per_unique: np.ndarray, fill: object) -> np.ndarray:
        """``per_unique`` spread to the cells; ``fill`` where a cell is None or NaN."""
        out = per_unique[np.maximum(self.codes, 0)] if len(per_unique) else None
        if out is None:
            return np.full(self.codes.shape, fill)
        out[self.codes < 0] = fill
        return out

    def missing(self) -> np.ndarray:
        """True where a cell is empty or a missing token ("N/A", "-", ...), as ``is_missing``."""
        return self._lookup(self._missing_u, True)

    def formula_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Per column: cells that look like spreadsheet formulas, and the first such row (or -1)."""
        hit = self._lookup(self._formula_u, False)
        counts = hit.sum(axis=0)
        first = np.where(counts > 0, hit.argmax(axis=0), -1) if len(hit) else counts - 1
        return counts, first

    def duplicate_rows(self) -> tuple[np.ndarray, np.ndarray]:
        """Rows that repeat an earlier row cell for cell, and each row's first copy (positions)."""
        n = self.codes.shape[0]
        if n == 0:
            return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
        rows = np.ascontiguousarray(self.codes)
        keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * max(rows.shape[1], 1))))
        if rows.shape[1] == 0:
            keys = np.zeros(n, dtype=np.int8)
        _, first, inverse = np.unique(keys.ravel(), return_index=True, return_inverse=True)
        first_pos = first[inverse.ravel()].astype(np.int64)
        return first_pos != np.arange(n), first_pos

    def firsts_by_group(self, groups: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
        """Per group and column, the first present value's code (-1: none) and whether values vary.

        ``groups`` gives each row's group (0 to ``n_groups - 1``); every group
        must have a row. Missing cells (including missing tokens) are skipped,
        as ``groupby().first()`` and ``nunique()`` skip None.
        """
        order = np.argsort(groups, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(groups[order]) != 0])
        if len(starts) != n_groups:
            raise AssertionError("every group needs a row")  # a bug, not a user error
        codes = self.codes[order]
        present = ~self.missing()[order]
        n = len(order)
        big = np.iinfo(codes.dtype).max
        row = np.where(present, np.arange(n, dtype=np.int64)[:, None], n)
        first_row = np.minimum.reduceat(row, starts, axis=0)
        lo = np.minimum.reduceat(np.where(present, codes, big), starts, axis=0)
        hi = np.maximum.reduceat(np.where(present, codes, -1), starts, axis=0)
        found = first_row < n
        cols = np.broadcast_to(np.arange(codes.shape[1]), first_row.shape)
        first = np.where(found, codes[np.minimum(first_row, n - 1), cols], -1)
        return first, found & (lo != hi)

    def typed_frame(self, codes: np.ndarray) -> pd.DataFrame:
        """Columns of the values at ``codes`` (-1: missing): numbers where every value is one.

        As :func:`hiring_funnel.io.cell_values.parse_numbers`: a column whose present
        values are all numbers (``"55,000"`` too) is float; any other is text
        (``string`` dtype). Missing tokens are missing.
        """
        safe = np.maximum(codes, 0)
        present = codes >= 0
        if len(self.uniques):
            present &= ~self._missing_u[safe]
            numbers = self._number_u[safe]
        else:
            numbers = np.full(codes.shape, np.nan)
        numeric = (~np.isnan(numbers) | ~present).all(axis=0) & present.any(axis=0)
        # Text is built once per distinct value and taken column by column
        # into StringArrays: a Series(dtype="string") per column costs 3x more.
        text_u = np.array([*map(_text, self.uniques), pd.NA], dtype=object)
        text = np.ascontiguousarray(np.where(present, safe, len(self.uniques)).T)
        num = np.ascontiguousarray(np.where(present, numbers, np.nan).T)
        parts: dict[int, Any] = {}
        for j in range(codes.shape[1]):
            parts[j] = num[j] if numeric[j] else StringArray(text_u[text[j]])
        out = pd.DataFrame(parts, index=pd.RangeIndex(codes.shape[0]), copy=False)
        out.columns = list(self.columns)
        return out

    def take(self, rows: np.ndarray, columns: list[int]) -> CodedCells:
        """The cells of some rows (positions or a mask) and columns (positions)."""
        return CodedCells(
            self.codes[rows][:, columns], self.uniques, tuple(self.columns[j] for j in columns)
        )


def code_cells(frame: pd.DataFrame) -> CodedCells:
    """Factorize every cell of ``frame`` (see :class:`CodedCells`)."""
    values = frame.to_numpy(dtype=object)
    n, k = values.shape
    columns = tuple(str(c) for c in frame.columns)
    if n * k == 0:
        return CodedCells(np.zeros((n, k), dtype=np.int32), np.array([], dtype=object), columns)
    # Row by row, the order a reader made the cells in: walking the objects in
    # memory order is 2-3x faster than column by column through a wide frame.
    flat = values.ravel(order="C")
    if pd.api.types.infer_dtype(flat, skipna=False) == "string":
        # Text only (every CSV): one factorization for all columns; equal text is equal.
        codes, uniques = pd.factorize(flat)
        return CodedCells(
            _narrow(codes.reshape((n, k))), np.asarray(uniques, dtype=object), columns
        )
    parts, uniq, offset = [], [], 0
    for j in range(k):
        codes, uniques = pd.factorize(values[:, j])
        parts.append(np.where(codes >= 0, codes + offset, -1))
        uniq.append(np.asarray(uniques, dtype=object))
        offset += len(uniques)
    out = np.stack(parts, axis=1)
    return CodedCells(_narrow(out), np.concatenate(uniq) if uniq else np.array([]), columns)


def _text(value: object) -> str:
    return value if isinstance(value, str) else str(value)


def _narrow(codes: np.ndarray) -> np.ndarray:
    # Half the memory of int64 for the tables this module exists for.
    return codes.astype(np.int32) if codes.size and codes.max() < 2**31 - 1 else codes


def _as_number(value: object) -> float:
    if isinstance(value, bool | np.bool_):
        return np.nan
    if isinstance(value, int | float | np.integer | np.floating):
        try:
            return float(value)
        except OverflowError:  # an integer beyond float's range is not a usable number
            return np.nan
    text = str(value).strip()
    if not NUMBER.match(text):
        return np.nan
    try:
        return float(text.replace(",", ""))
    except (OverflowError, ValueError):
        return np.nan


def _looks_like_formula(value: object) -> bool:
    if not isinstance(value, str):
        return False
    text = value.strip()
    if len(text) < 2:
        return False
    if text[0] in "=@":
        return True
    return text[0] in "+-" and not NUMBER.match(text)
