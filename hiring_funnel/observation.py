"""Each application's own end of observation: the attribute ``observed_until``.

A log has one export date (``as_of``): an application still open then is
censored there. A pseudonymised log moves each candidate's dates by its own
number of weeks (:mod:`hiring_funnel.pseudonymisation`), so one export date no
longer fits everyone: the candidate moved back four weeks was, in the moved
calendar, last seen four weeks before the export. The attributes then carry
that date per application, ``observed_until``, and the clocks censor each
application at the earlier of ``as_of`` and its own date. Every duration,
open applications' included, is then what it was before the move.

A log can also begin after some applications were sent (an export of a window):
their early events are missing, and an application is only seen if it was still
waiting when the window opened. ``observed_from`` (an argument of
:func:`hiring_funnel.episodes` and :func:`hiring_funnel.read_events`, a mapping
key, or an attribute column with a date per application) is that start: the
clocks give each episode that began earlier an ``entry`` (left truncation) and
drop, counted, the episodes that ended before it (:func:`observation_starts`).

``observed_until`` and ``observed_from`` are not attributes to break figures
down by: the report, ``summary`` and ``predict`` leave them out
(:data:`NOT_ATTRIBUTES`).

Examples
--------
>>> import pandas as pd
>>> attrs = pd.DataFrame({"application_id": ["a", "b"],
...                       "observed_until": ["2026-01-10", None]})
>>> as_of = pd.Timestamp("2026-02-01", tz="UTC").value
>>> limits = observation_limits(attrs, pd.Index(["a", "b", "c"]), as_of)
>>> pd.to_datetime(limits, utc=True).strftime("%Y-%m-%d").tolist()
['2026-01-10', '2026-02-01', '2026-02-01']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from hiring_funnel.schema import HiringFunnelError

__all__ = [
    "NOT_ATTRIBUTES",
    "OBSERVED_FROM",
    "OBSERVED_UNTIL",
    "attribute_names",
    "observation_limits",
    "observation_starts",
    "refuse_late_entry_on_engine",
    "refuse_on_engine",
]

#: The attribute that holds an application's own end of observation.
OBSERVED_UNTIL = "observed_until"
#: The attribute that holds an application's own start of observation (late entry).
OBSERVED_FROM = "observed_from"
#: Columns of the attributes table that are not attributes to break figures down by.
NOT_ATTRIBUTES: tuple[str, ...] = ("application_id", OBSERVED_UNTIL, OBSERVED_FROM)


def attribute_names(attributes: pd.DataFrame) -> list[str]:
    """The attribute columns to offer for breakdowns and models, in order.

    >>> attribute_names(pd.DataFrame(columns=["application_id", "industry", "observed_until"]))
    ['industry']
    """
    return [str(c) for c in attributes.columns if c not in NOT_ATTRIBUTES]


def refuse_on_engine(columns: Any) -> None:
    """The engines censor at one export date: a log with ``observed_until`` is read in memory.

    So is a log with a start of observation per application (``observed_from``).

    >>> refuse_on_engine(["application_id", "industry"])
    """
    if OBSERVED_FROM in list(columns):
        refuse_late_entry_on_engine()
    if OBSERVED_UNTIL in list(columns):
        raise HiringFunnelError(
            "each application's own export date (a pseudonymised log) is read by the "
            "pandas path only",
            column=OBSERVED_UNTIL,
            code="observed_until_on_engine",
            hint="leave out --engine: a pseudonymised log is read in memory",
        )


def observation_limits(
    attributes: pd.DataFrame | None, app_ids: pd.Index, as_of_ns: int, *, cap: bool = True
) -> np.ndarray | None:
    """Per application (in the order of ``app_ids``): the last instant it is observed, in ns.

    Its ``observed_until``, or ``as_of_ns`` where that is missing (or the
    application has no attributes); with ``cap`` (an export date was given) at
    most ``as_of_ns``. None when the attributes have no ``observed_until``
    column. Without ``cap`` the log's export date defaults to the latest event,
    which may come before an application's own export date.
    """
    if attributes is None or OBSERVED_UNTIL not in attributes.columns:
        return None
    until = _per_application(attributes, OBSERVED_UNTIL, app_ids, as_of_ns, "export date")
    return np.minimum(until, as_of_ns) if cap else until


def observation_starts(
    attributes: pd.DataFrame | None, app_ids: pd.Index, from_ns: int | None
) -> np.ndarray | None:
    """Per application (in the order of ``app_ids``): the first instant it is observed, in ns.

    The later of the log's ``observed_from`` (``from_ns``) and the
    application's own ``observed_from`` attribute; the smallest int64 (no
    late entry) where neither is given. None when neither exists at all.

    >>> attrs = pd.DataFrame({"application_id": ["a", "b"],
    ...                       "observed_from": ["2026-01-10", None]})
    >>> start = pd.Timestamp("2026-01-05", tz="UTC").value
    >>> starts = observation_starts(attrs, pd.Index(["a", "b"]), start)
    >>> pd.to_datetime(starts, utc=True).strftime("%Y-%m-%d").tolist()
    ['2026-01-10', '2026-01-05']
    """
    own = attributes is not None and OBSERVED_FROM in attributes.columns
    if from_ns is None and not own:
        return None
    low = np.iinfo(np.int64).min if from_ns is None else from_ns
    if not own:
        return np.full(len(app_ids), low, dtype=np.int64)
    assert attributes is not None
    starts = _per_application(attributes, OBSERVED_FROM, app_ids, low, "start of observation")
    return np.maximum(starts, low)


def refuse_late_entry_on_engine() -> None:
    """Late entry (``observed_from``) is worked out by the pandas path only.

    >>> refuse_late_entry_on_engine()
    Traceback (most recent call last):
    ...
    hiring_funnel.schema.HiringFunnelError: column 'observed_from': late entry (observed_from) is worked out by the pandas path only (leave out --engine / engine=: a log that begins mid-search is read in memory)
    """
    raise HiringFunnelError(
        "late entry (observed_from) is worked out by the pandas path only",
        column=OBSERVED_FROM,
        code="observed_from_on_engine",
        hint="leave out --engine / engine=: a log that begins mid-search is read in memory",
    )


def _per_application(
    attributes: pd.DataFrame, column: str, app_ids: pd.Index, default: int, what: str
) -> np.ndarray:
    """The dates of ``column`` per application in ns; ``default`` where missing."""
    raw = attributes[column]
    stamps = pd.to_datetime(raw, utc=True, errors="coerce", format="ISO8601")
    bad = stamps.isna().to_numpy() & raw.notna().to_numpy()
    if bad.any():
        raise HiringFunnelError(
            f"not an ISO 8601 date in row {int(np.flatnonzero(bad)[0])} of the attributes",
            column=column,
            code="bad_date",
            hint=f"{column} is each application's own {what}, e.g. 2026-01-31",
        )
    key = pd.Index(attributes["application_id"].astype("string"))
    rows = key.get_indexer(app_ids)
    ns = np.r_[stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]").view(np.int64), 0]
    out = np.where(rows >= 0, ns[np.maximum(rows, 0)], default)
    return np.where(out == np.iinfo(np.int64).min, default, out)  # NaT: the default
