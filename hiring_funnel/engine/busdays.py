"""Business days between two dates as an engine expression, equal to ``numpy.busday_count``.

``numpy.busday_count(begin, end, holidays=h)`` counts the weekdays in
``[begin, end)`` that are not in ``h``. With ``B(d)`` the number of weekdays
from a fixed Monday up to (not including) day ``d``::

    B(d) = 5 * floor(n / 7) + min(n mod 7, 5),   n = days from that Monday to d

the count is ``B(end) - B(begin)`` minus the weekday holidays ``h`` with
``begin <= h < end``. The holidays enter as one comparison each (a few dozen
for a country calendar over a couple of years), so the expression needs no
join and runs row by row on any engine, with no shuffle on Spark.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["busday_count", "weekday_holidays"]

#: 1970-01-01 (epoch day 0) is a Thursday: day + 3 counts from Monday 1969-12-29.
#: The offset (a multiple of 7) keeps every day of the years 1678-2262 positive,
#: so that floor division and modulo need no care for signs.
_MONDAY_OFFSET = 3 + 7 * 100_000


def weekday_holidays(dates: np.ndarray) -> list[int]:
    """Distinct epoch days of the holidays that fall on a weekday (others never count)."""
    days = np.unique(np.asarray(dates, dtype="datetime64[D]"))
    days = days[np.is_busday(days)]
    return [int(d) for d in days.astype(np.int64)]


def _weekdays_before(day: Any) -> Any:
    import ibis

    n = day + _MONDAY_OFFSET
    return (n // 7) * 5 + ibis.least(n % 7, 5)


def busday_count(begin: Any, end: Any, holidays: Iterable[int] = ()) -> Any:
    """Ibis int64 expression: business days in ``[begin, end)``.

    ``begin`` and ``end`` are int64 expressions of epoch days (days since
    1970-01-01); ``holidays`` are epoch days of weekday holidays
    (:func:`weekday_holidays`).
    """
    count = _weekdays_before(end) - _weekdays_before(begin)
    for h in holidays:
        count = count - ((begin <= h) & (end > h)).cast("int64")
    return count.cast("int64")
