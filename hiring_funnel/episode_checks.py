"""The check every estimator and model makes of its input: a canonical episode frame.

It lives apart from the life table so that a model can check its episodes
without importing the life table (issue 13).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from hiring_funnel.day_boundary import SHARE_COLUMN
from hiring_funnel.schema import HiringFunnelError, require_columns

__all__ = ["TABLE_COLUMNS", "check_episodes", "check_group_columns"]

#: Fixed columns of a life table, after the group columns; one ``events_<cause>``
#: column per cause sits between ``events`` and ``censored`` (group columns may
#: not take these names).
TABLE_COLUMNS: tuple[str, ...] = ("time", "at_risk", "events", "censored", "entered")

_HINT = "build episodes with hiring_funnel.clocks.episodes"


def check_group_columns(columns: Sequence[str], by: Sequence[str]) -> None:
    """Raise unless the ``by`` columns are among ``columns``, distinct, and not life-table names."""
    absent = [c for c in by if c not in columns]
    if absent:
        raise HiringFunnelError(
            f"group column(s) {absent} not in the episodes; found {list(columns)}"
        )
    clash = [c for c in by if c in TABLE_COLUMNS or str(c).startswith("events_")]
    if clash:
        raise HiringFunnelError(
            f"group column(s) {clash} clash with life table columns",
            hint="rename them before grouping",
        )
    if len(set(by)) != len(by):
        raise HiringFunnelError(f"group columns repeat: {list(by)}")


def check_episodes(
    episodes: pd.DataFrame,
    *,
    by: Sequence[str] = (),
    weights: str | None = None,
) -> None:
    """Raise :class:`HiringFunnelError` unless ``episodes`` is a canonical episode frame.

    Checks that ``entry``, ``duration`` and ``cause`` are present; that
    ``entry`` and ``duration`` are finite non-negative numbers with
    ``entry <= duration``; that ``cause`` is categorical (missing = censored);
    that ``last_day_share``, when present (:mod:`hiring_funnel.day_boundary`),
    holds numbers in [0, 1]; and, when given, that the ``by`` columns exist and
    the ``weights`` column holds finite non-negative numbers.

    Parameters
    ----------
    episodes : DataFrame
        Episodes, as returned by :func:`hiring_funnel.clocks.episodes`.
    by : sequence of str
        Group columns that must be present.
    weights : str, optional
        Name of a weight column that must be present and valid.

    Raises
    ------
    HiringFunnelError
        Naming the column, the number of bad rows and the first one.

    Examples
    --------
    >>> import pandas as pd
    >>> ep = pd.DataFrame({"entry": [0.0], "duration": [-1.0],
    ...                    "cause": pd.Categorical(["offer"])})
    >>> check_episodes(ep)
    Traceback (most recent call last):
    ...
    hiring_funnel.schema.HiringFunnelError: column 'duration': 1 negative value(s), first in row 0 (durations count from the origin; check the clock)
    """
    require_columns(episodes, "episodes", ("entry", "duration", "cause"), _HINT)
    if not isinstance(episodes["cause"].dtype, pd.CategoricalDtype):
        raise HiringFunnelError(
            f"must be categorical (causes as categories, missing = censored), "
            f"not {episodes['cause'].dtype}",
            column="cause",
            hint="convert with .astype('category'); censored rows must be missing, not 0",
        )
    values = {col: _numbers(episodes, col) for col in ("entry", "duration")}
    for col, v in values.items():
        # Two reductions decide the common case (NaN propagates through
        # min/max); the row masks are built only to name a bad row.
        low, high = (v.min(), v.max()) if v.size else (0.0, 0.0)
        if np.isfinite(low) and np.isfinite(high) and low >= 0:
            continue
        _raise_rows(episodes, col, ~np.isfinite(v), "missing or infinite value(s)", _HINT)
        _raise_rows(
            episodes,
            col,
            v < 0,
            "negative value(s)",
            "durations count from the origin; check the clock",
        )
    if values["entry"].size and values["entry"].max() > 0:
        _raise_rows(
            episodes,
            "entry",
            values["entry"] > values["duration"],
            "value(s) greater than the duration",
            "an episode cannot end before it enters the study",
        )
    check_group_columns(list(episodes.columns), by)
    if SHARE_COLUMN in episodes.columns:
        share = _numbers(episodes, SHARE_COLUMN)
        _raise_rows(
            episodes,
            SHARE_COLUMN,
            ~((share >= 0) & (share <= 1)),
            "share(s) missing or outside [0, 1]",
            "a censored episode's share of its last day at risk; leave the column out for 1",
        )
    if weights is not None:
        if weights not in episodes.columns:
            raise HiringFunnelError(
                f"weight column {weights!r} not in the episodes; found {list(episodes.columns)}"
            )
        w = _numbers(episodes, weights)
        _raise_rows(episodes, weights, ~np.isfinite(w), "missing or infinite weight(s)", "")
        _raise_rows(episodes, weights, w < 0, "negative weight(s)", "")


def _numbers(episodes: pd.DataFrame, col: str) -> np.ndarray:
    series = episodes[col]
    if pd.api.types.is_bool_dtype(series.dtype) or not pd.api.types.is_numeric_dtype(series.dtype):
        raise HiringFunnelError(f"must be numeric, not {series.dtype}", column=col, hint=_HINT)
    return series.to_numpy(dtype=np.float64, na_value=np.nan)


def _raise_rows(episodes: pd.DataFrame, col: str, bad: np.ndarray, what: str, hint: str) -> None:
    if not bad.any():
        return
    first = int(np.flatnonzero(bad)[0])
    where = f"row {first}"
    if "application_id" in episodes.columns:
        where += f" (application {episodes['application_id'].iloc[first]!r})"
    raise HiringFunnelError(
        f"{int(bad.sum())} {what}, first in {where}", column=col, hint=hint or None
    )
