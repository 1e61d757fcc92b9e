"""Counting days: the length of a wait in calendar days or business days.

Business days follow :func:`numpy.busday_count` (Monday to Friday), minus the
holidays of a country's calendar (the ``holidays`` package) or a list of dates.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.schema import HiringFunnelError

#: Nanoseconds in a day (timestamps are int64 nanoseconds since the epoch).
NS_PER_DAY = 86_400 * 10**9


def count_days(origin_ns: np.ndarray, end_ns: np.ndarray, unit: str, holidays: Any) -> np.ndarray:
    """Days (or business days) from each origin to its end, as floats."""
    # Floor division keeps pre-1970 dates right (numpy // floors toward -inf).
    origin_day = origin_ns // NS_PER_DAY
    end_day = end_ns // NS_PER_DAY
    if unit == "days":
        return (end_day - origin_day).astype(np.float64)
    begin = origin_day.astype("datetime64[D]")
    end = end_day.astype("datetime64[D]")
    if begin.size == 0:
        return np.zeros(0, dtype=np.float64)
    years = range(begin.min().astype(object).year, end.max().astype(object).year + 1)
    days = holiday_dates(holidays, years)
    # busday_count counts business days in [begin, end): same day → 0,
    # Friday → Monday → 1, Saturday → Monday → 0.
    return np.busday_count(begin, end, holidays=days).astype(np.float64)


def holiday_dates(holidays: Any, years: range) -> np.ndarray:
    """The dates of ``holidays`` (None, a country code or dates) in ``years``."""
    if holidays is None:
        return np.array([], dtype="datetime64[D]")
    if isinstance(holidays, str):
        import holidays as holiday_calendars

        country, _, subdiv = holidays.partition("-")
        try:
            calendar = holiday_calendars.country_holidays(
                country.upper(), subdiv=subdiv or None, years=years
            )
        except NotImplementedError as exc:
            raise HiringFunnelError(
                f"unknown holiday calendar {holidays!r}: {exc}",
                hint="use a country code of the holidays package such as 'US', 'DE' or "
                "'DE-BY', or pass a list of dates",
            ) from exc
        return np.array(sorted(calendar.keys()), dtype="datetime64[D]")
    try:
        stamps = pd.to_datetime(list(holidays))
    except (TypeError, ValueError) as exc:
        raise HiringFunnelError(
            "holidays must be None, a country code such as 'US', or a list of dates"
        ) from exc
    return np.asarray(stamps.tz_localize(None) if stamps.tz else stamps, dtype="datetime64[D]")
